//! `tlslab connect HOST:PORT`.

use std::io::Write;
use std::time::Duration;

use tlslab::net;
use tlslab::Client;

use super::{host_of, print_session, CliError, Options};

/// Handshake, send, print what comes back.
pub fn run(o: &Options) -> Result<(), CliError> {
    let config = o.config(host_of(&o.addr))?;
    let payload = o.payload()?;
    let mut observers = o.observers()?;
    let client = Client::with_observer(config, &mut observers);
    let mut stream = net::connect(&o.addr, client, o.timeouts())?;
    print_session(stream.client());
    if !payload.is_empty() {
        stream.write_all(&payload)?;
    }
    let got = stream.read_until_quiet(Duration::from_millis(1500), o.timeouts().read)?;
    println!("received {} bytes of application data:", got.len());
    std::io::stdout().write_all(&got).ok();
    if !got.ends_with(b"\n") && !got.is_empty() {
        println!();
    }
    stream.close()?;
    Ok(())
}
