//! `tlslab demo`: a traced handshake against a local server, by default a
//! rustls server inside this process (nothing to install), or one of the
//! other peers of `tlslab_peers` (`--server`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::wire::ProtocolVersion;
use tlslab::{Client, Verification};
use tlslab_cli::net;
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab_peers::{Peer, PeerKind, PeerOptions};

use super::args::{DemoArgs, DemoServer};
use super::{print_session, unescape, CliError};
use tlslab::report::{HtmlOptions, SharedReport};

/// The running server of a demo.
enum DemoPeer {
    /// `openssl s_server -tls1_2 -www`: an HTTP answer with OpenSSL's
    /// session details.
    OpenSsl(LocalServer),
    /// Any other peer (rustls, GnuTLS, tlslite-ng echo; mbedTLS serves a file).
    Other(Peer),
}

impl DemoPeer {
    /// Starts the server of `kind`; with `version` (TLS 1.0 or 1.1, from
    /// `--max-version`), one that speaks only that version.
    fn start(kind: DemoServer, version: Option<ProtocolVersion>) -> Result<DemoPeer, CliError> {
        if let Some(v) = version {
            if matches!(kind, DemoServer::Rustls | DemoServer::Mbedtls) {
                return Err(CliError::Usage(format!(
                    "the {kind:?} demo server does not speak {v}: choose --server openssl, gnutls or tlslite"
                )));
            }
        }
        let peer_kind = match kind {
            DemoServer::Openssl if version.is_some() => {
                outln!(
                    "== starting a local `openssl s_server -rev` speaking only {} with a throwaway CA and certificate",
                    version.map(|v| v.to_string()).unwrap_or_default()
                );
                PeerKind::OpenSsl
            }
            DemoServer::Openssl => {
                outln!(
                    "== starting a local `openssl s_server -tls1_2 -www` with a throwaway CA and certificate"
                );
                let server = LocalServer::start(&ServerOptions {
                    mode: ServerMode::Www,
                    ..ServerOptions::default()
                })
                .map_err(|e| CliError::Other(format!("cannot start openssl s_server: {e}")))?;
                return Ok(DemoPeer::OpenSsl(server));
            }
            DemoServer::Rustls => {
                outln!(
                    "== starting a local rustls server (in this process) with a throwaway CA and certificate"
                );
                PeerKind::Rustls
            }
            DemoServer::Gnutls => {
                outln!("== starting a local `gnutls-serv --echo` with a throwaway CA and certificate");
                PeerKind::GnuTls
            }
            DemoServer::Tlslite => {
                outln!("== starting a local tlslite-ng `tls.py server --echo` with a throwaway CA and certificate");
                PeerKind::TlsliteNg
            }
            DemoServer::Mbedtls => {
                outln!("== starting a local lighttpd with mod_mbedtls with a throwaway CA and certificate");
                PeerKind::MbedTls
            }
        };
        let opts = PeerOptions {
            version,
            ..PeerOptions::default()
        };
        let peer = Peer::start(peer_kind, &opts)
            .map_err(|e| CliError::Other(format!("cannot start the {} server: {e}", peer_kind.name())))?;
        Ok(DemoPeer::Other(peer))
    }

    fn addr(&self) -> SocketAddr {
        match self {
            DemoPeer::OpenSsl(s) => s.addr(),
            DemoPeer::Other(p) => p.addr(),
        }
    }

    fn ca_pem_path(&self) -> PathBuf {
        match self {
            DemoPeer::OpenSsl(s) => s.ca_pem_path(),
            DemoPeer::Other(p) => p.ca_pem_path(),
        }
    }

    /// Who writes the key log, for the verdict line.
    fn who(&self) -> &'static str {
        match self {
            DemoPeer::OpenSsl(_) => "OpenSSL",
            DemoPeer::Other(p) => match p.kind() {
                PeerKind::OpenSsl => "OpenSSL",
                PeerKind::GnuTls => "GnuTLS",
                PeerKind::TlsliteNg => "tlslite-ng",
                PeerKind::Rustls => "rustls",
                PeerKind::MbedTls => "mbedTLS",
            },
        }
    }

    /// What to send when `--send` is absent: an HTTP request for OpenSSL's
    /// `-www` page, else the peer's own round-trip request (a line to echo;
    /// an HTTP request of a file for lighttpd).
    fn default_request(&self) -> Vec<u8> {
        match self {
            DemoPeer::OpenSsl(_) => b"GET / HTTP/1.0\r\n\r\n".to_vec(),
            DemoPeer::Other(p) => p.round_trip_request().0,
        }
    }

    /// The master secret the server logged for `client_random`:
    /// `Err(())` when this server keeps no key log.
    fn logged_master_secret(&self, client_random: &[u8]) -> Result<Option<Vec<u8>>, ()> {
        // A server may write the line a moment after our Finished was answered.
        let wait = Duration::from_secs(2);
        match self {
            DemoPeer::OpenSsl(s) => Ok(s.wait_master_secret(client_random, wait)),
            DemoPeer::Other(p) if p.kind().capabilities().key_log => {
                Ok(p.wait_master_secret(client_random, wait))
            }
            DemoPeer::Other(_) => Err(()),
        }
    }
}

/// Start the server, run the traced exchange, compare with the server's key
/// log, stop.
pub fn run(a: &DemoArgs) -> Result<(), CliError> {
    let o = &a.options;
    // A demo that offers at most TLS 1.0 or 1.1 needs a server of that version.
    let max = o.max_version.protocol_version();
    let server = DemoPeer::start(a.server, (max.0 < ProtocolVersion::TLS12.0).then_some(max))?;
    outln!(
        "   listening on {} (CA: {})",
        server.addr(),
        server.ca_pem_path().display()
    );
    if let DemoPeer::Other(p) = &server {
        outln!("   {}", p.version());
    }
    super::legacy_version_warning(o.min_version.protocol_version());
    let mut config = o.config("localhost")?;
    if let Some(seed) = o.seed {
        // The same seed, the same client bytes (client_random, key share, IVs).
        config.rng = Box::new(tlslab::rng::SeededRng::new(seed, 0));
    }
    if o.ca.is_none() && !o.insecure {
        config.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path())?);
    }
    let mut observers = o.observers(None)?;
    let readable = o.readable();
    if let Some(r) = &readable {
        observers.observers.insert(0, Box::new(r.clone()));
    }
    let html = a
        .html
        .as_ref()
        .map(|_| SharedReport::new(HtmlOptions::default().record_limit));
    if let Some(h) = &html {
        observers.observers.push(Box::new(h.clone()));
    }
    let write_page = |html: &Option<SharedReport>| -> Result<(), CliError> {
        match (&a.html, html) {
            (Some(path), Some(h)) => {
                let options = HtmlOptions {
                    title: "tlslab demo".into(),
                    redact: o.redact,
                    ..HtmlOptions::default()
                };
                super::connect::write_html(path, &h.html(&options, "the demo server"))
            }
            _ => Ok(()),
        }
    };
    outln!(
        "== handshake{}",
        if readable.is_some() {
            " (one line per message; --trace messages, values or bytes show more)"
        } else {
            " (every event of the client, in order)"
        }
    );
    let addr = server.addr().to_string();
    let client = Client::with_observer(config, &mut observers);
    let mut stream = net::connect_tcp(&addr, client, o.timeouts())?;
    if let Err(e) = stream.handshake() {
        if let Some(r) = &readable {
            r.flush_values();
        }
        let explanation = stream.client().explain_failure();
        if let Some(explanation) = &explanation {
            out!(
                "{}",
                super::wrap(&format!(
                    "== why it failed (tlslab's recomputation)\n{explanation}\n"
                ))
            );
        }
        if let Some(h) = &html {
            h.failed(e.to_string(), explanation);
        }
        write_page(&html)?;
        return Err(e.into());
    }
    let master_secret = stream.client().master_secret();
    let client_random = stream.client().session().client_random;
    outln!("== handshake complete");
    print_session(stream.client());
    let request = match &o.send {
        Some(text) => unescape(text).into_bytes(),
        None => server.default_request(),
    };
    outln!("== sending {:?}", String::from_utf8_lossy(&request));
    stream.write_all(&request)?;
    let got = {
        // After a request, wait for the answer as long as a read may take;
        // then stop once the server has been quiet for 1.5 s.
        let quiet = Duration::from_millis(1500);
        let first = if request.is_empty() {
            quiet
        } else {
            o.timeouts().read
        };
        stream.read_reply(first, quiet, first + o.timeouts().read)?
    };
    stream.close()?;
    outln!("== received {} bytes; the first lines:", got.len());
    for line in String::from_utf8_lossy(&got).lines().take(12) {
        outln!("   {}", tlslab::wire::dissect::clip(line, super::WIDTH - 3));
    }
    if let (Some(ms), Some(cr)) = (master_secret, client_random) {
        let who = server.who();
        match server.logged_master_secret(&cr) {
            Ok(Some(theirs)) if theirs == ms => {
                outln!("== {who}'s own key log has the same master secret for this client_random: keys agree")
            }
            Ok(Some(theirs)) => outln!("== {who}'s key log DIFFERS: {}", hex::encode(theirs)),
            Ok(None) => outln!("== {who}'s key log has no line for this connection"),
            Err(()) => {
                outln!("== {who} keeps no key log: there is no master secret of its own to compare ours with")
            }
        }
    }
    write_page(&html)?;
    outln!("== stopping the server");
    drop(server);
    Ok(())
}
