//! What the interop tests share: one `openssl s_server -rev` per test
//! binary, a client configuration that trusts a test server, and the alert a
//! failed connection received.
//!
//! Each test binary is its own process, so "one per test binary" is one
//! server for all the tests of a file: started on first use, killed when the
//! process exits (see [`crate::reaper`]).

use std::sync::OnceLock;

use tlslab::crypto::cert::CertVerifier;
use tlslab::wire::AlertDescription;
use tlslab::{ClientConfig, Error, Verification};

use crate::local_server::{LocalServer, ServerMode, ServerOptions};

/// The test binary's `openssl s_server -rev` (each line comes back
/// reversed), with a throwaway certificate for `localhost`, started on first
/// use.
///
/// Panics when the server cannot start: every test that asks for it needs it.
pub fn rev_server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        LocalServer::start(&ServerOptions {
            mode: ServerMode::Rev,
            ..ServerOptions::default()
        })
        .unwrap_or_else(|e| panic!("starting openssl s_server -rev: {e}"))
    })
}

/// A client configuration for `localhost` that verifies the server's
/// certificate against the throwaway CA that signed it (never `--insecure`:
/// the tests check what a user gets).
pub fn trusting_config(server: &LocalServer) -> ClientConfig {
    let mut config = ClientConfig::new("localhost");
    let verifier = CertVerifier::from_ca_file(&server.ca_pem_path())
        .unwrap_or_else(|e| panic!("reading the test CA {}: {e}", server.ca_pem_path().display()));
    config.verification = Verification::Verify(verifier);
    config
}

/// The description of the alert the peer sent, when `result` failed because
/// one arrived.
pub fn alert_received<T>(result: &Result<T, Error>) -> Option<AlertDescription> {
    match result {
        Err(Error::AlertReceived(alert)) => Some(alert.description),
        _ => None,
    }
}
