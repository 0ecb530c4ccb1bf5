//! `tlslab demo`: a traced handshake against a local `openssl s_server`.

use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::observer::TextLog;
use tlslab::{Client, Verification};
use tlslab_cli::net;
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};

use super::{print_session, unescape, CliError, Options};

/// Start the server, run the traced exchange, compare with OpenSSL's key log, stop.
pub fn run(o: &Options) -> Result<(), CliError> {
    println!("== starting a local `openssl s_server -tls1_2 -www` with a throwaway CA and certificate");
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Www,
        ..ServerOptions::default()
    })
    .map_err(|e| CliError::Other(format!("cannot start openssl s_server: {e}")))?;
    println!(
        "   listening on {} (CA: {})",
        server.addr(),
        server.ca_pem_path().display()
    );
    let mut config = o.config("localhost")?;
    if o.ca.is_none() && !o.insecure {
        config.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path())?);
    }
    let mut observers = o.observers()?;
    if o.trace.is_none() {
        observers
            .observers
            .insert(0, Box::new(TextLog::new(std::io::stdout())));
    }
    println!("== handshake (every event of the client, in order)");
    let addr = server.addr().to_string();
    let client = Client::with_observer(config, &mut observers);
    let mut stream = net::connect_tcp(&addr, client, o.timeouts())?;
    if let Err(e) = stream.handshake() {
        if let Some(explanation) = stream.client().explain_failure() {
            println!("== why it failed (tlslab's recomputation)\n{explanation}");
        }
        return Err(e.into());
    }
    let master_secret = stream.client().master_secret();
    let client_random = stream.client().session().client_random;
    println!("== handshake complete");
    print_session(stream.client());
    let request = o
        .send
        .as_deref()
        .map(unescape)
        .unwrap_or_else(|| "GET / HTTP/1.0\r\n\r\n".into());
    println!("== sending {:?}", request);
    stream.write_all(request.as_bytes())?;
    let got = stream.read_until_quiet(Duration::from_millis(1500), o.timeouts().read)?;
    stream.close()?;
    println!("== received {} bytes; the first lines:", got.len());
    for line in String::from_utf8_lossy(&got).lines().take(12) {
        println!("   {line}");
    }
    if let (Some(ms), Some(cr)) = (master_secret, client_random) {
        match server.keylog_master_secret(&cr) {
            Some(theirs) if theirs == ms => {
                println!(
                    "== OpenSSL's own key log has the same master secret for this client_random: keys agree"
                )
            }
            Some(theirs) => println!("== OpenSSL's key log DIFFERS: {}", hex::encode(theirs)),
            None => println!("== OpenSSL's key log has no line for this connection"),
        }
    }
    println!("== stopping the server");
    drop(server);
    Ok(())
}
