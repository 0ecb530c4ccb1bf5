//! `tlslab connect HOST:PORT`.

use std::io::Write;
use std::time::Duration;

use tlslab::net;
use tlslab::session::StoredSession;
use tlslab::Client;

use super::{host_of, print_session, CliError, Options};

/// Handshake, send, print what comes back.
pub fn run(o: &Options) -> Result<(), CliError> {
    let payload = o.payload()?;
    let mut observers = o.observers()?;
    let session = exchange(o, o.config(host_of(&o.addr))?, &payload, &mut observers)?;
    if o.reconnect {
        let Some(session) = session else {
            return Err(CliError::Other(
                "the server offered no session ID and no ticket: nothing to resume".into(),
            ));
        };
        println!("== reconnecting to resume the session");
        let mut config = o.config(host_of(&o.addr))?;
        config.resume = Some(session);
        exchange(o, config, &payload, &mut observers)?;
    }
    Ok(())
}

/// One connection: handshake, send, print the reply, close. Returns the
/// session to resume with, saved to `--sess-out` if asked.
fn exchange(
    o: &Options,
    config: tlslab::ClientConfig,
    payload: &[u8],
    observers: &mut tlslab::observer::Tee,
) -> Result<Option<StoredSession>, CliError> {
    let client = Client::with_observer(config, observers);
    let mut stream = net::connect(&o.addr, client, o.timeouts())?;
    print_session(stream.client());
    let session = stream.client().session_to_resume();
    if let (Some(path), Some(s)) = (&o.sess_out, &session) {
        s.save(path)?;
        println!(
            "session saved to {} (it contains the master secret)",
            path.display()
        );
    }
    if !payload.is_empty() {
        stream.write_all(payload)?;
    }
    let got = stream.read_until_quiet(Duration::from_millis(1500), o.timeouts().read)?;
    println!("received {} bytes of application data:", got.len());
    std::io::stdout().write_all(&got).ok();
    if !got.ends_with(b"\n") && !got.is_empty() {
        println!();
    }
    stream.close()?;
    Ok(session)
}
