//! A TLS 1.2 echo server on rustls (ring provider), the rustls peer of
//! `tlslab::peers`. Not part of the library: rustls is only a dev-dependency,
//! so this runs as its own process, built by `cargo build --example
//! rustls_server` (and by `cargo test --all-targets`).
//!
//! ```text
//! rustls_server --cert cert.pem --key key.pem [--suites c02f,c030] [--groups 001d,0017]
//!               [--no-tickets] [--no-session-cache]
//! ```
//!
//! It binds 127.0.0.1 on a port the kernel picks, then prints on stdout, one
//! line each: `VERSION rustls <version>`, `SUITES <hex code points>`,
//! `GROUPS <hex code points>` and, last, `LISTENING <port>`. Every connection
//! gets a thread that sends back every byte it receives. The key log goes to
//! the file named by `SSLKEYLOGFILE` (rustls' `KeyLogFile`).
//!
//! What rustls offers in TLS 1.2, from its source (`crypto/ring/mod.rs`,
//! `ALL_CIPHER_SUITES` and `ALL_KX_GROUPS`): ECDHE_ECDSA and ECDHE_RSA with
//! AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 (no CBC, no RSA key
//! transport, no finite-field DHE), over x25519, secp256r1 and secp384r1.
//! Extended master secret (RFC 7627) is always accepted and cannot be turned
//! off on a rustls server; resumption works by session ID (an in-memory cache)
//! and by RFC 5077 ticket.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::ring as provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache};
use rustls::{KeyLogFile, ServerConfig, ServerConnection, StreamOwned};

/// The rustls version this example was built against, from Cargo.lock.
fn rustls_version() -> &'static str {
    let lock = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"rustls\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return v.trim_end_matches('"');
            }
        }
    }
    "unknown"
}

struct Args {
    cert: String,
    key: String,
    suites: Option<Vec<u16>>,
    groups: Option<Vec<u16>>,
    tickets: bool,
    session_cache: bool,
}

fn hex_list(s: &str) -> Result<Vec<u16>, String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| u16::from_str_radix(x.trim_start_matches("0x"), 16).map_err(|e| format!("{x}: {e}")))
        .collect()
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        cert: String::new(),
        key: String::new(),
        suites: None,
        groups: None,
        tickets: true,
        session_cache: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--cert" => a.cert = value()?,
            "--key" => a.key = value()?,
            "--suites" => a.suites = Some(hex_list(&value()?)?),
            "--groups" => a.groups = Some(hex_list(&value()?)?),
            "--no-tickets" => a.tickets = false,
            "--no-session-cache" => a.session_cache = false,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.cert.is_empty() || a.key.is_empty() {
        return Err("--cert and --key are required".into());
    }
    Ok(a)
}

fn config(a: &Args) -> Result<(ServerConfig, Vec<u16>, Vec<u16>), String> {
    let mut p = provider::default_provider();
    p.cipher_suites.retain(|s| {
        // TLS 1.2 suites only; then the caller's choice, if any.
        s.tls13().is_none()
            && a.suites
                .as_ref()
                .is_none_or(|want| want.contains(&u16::from(s.suite())))
    });
    if let Some(want) = &a.groups {
        p.kx_groups.retain(|g| want.contains(&u16::from(g.name())));
    }
    let suites: Vec<u16> = p.cipher_suites.iter().map(|s| u16::from(s.suite())).collect();
    let groups: Vec<u16> = p.kx_groups.iter().map(|g| u16::from(g.name())).collect();
    if suites.is_empty() {
        return Err("none of the requested cipher suites is a rustls TLS 1.2 suite".into());
    }
    if groups.is_empty() {
        return Err("none of the requested groups is supported by rustls".into());
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&a.cert)
        .and_then(|i| i.collect())
        .map_err(|e| format!("{}: {e}", a.cert))?;
    let key = PrivateKeyDer::from_pem_file(&a.key).map_err(|e| format!("{}: {e}", a.key))?;
    let mut c = ServerConfig::builder_with_provider(Arc::new(p))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| e.to_string())?;
    c.key_log = Arc::new(KeyLogFile::new());
    c.session_storage = if a.session_cache {
        ServerSessionMemoryCache::new(256)
    } else {
        Arc::new(NoServerSessionStorage {})
    };
    if a.tickets {
        c.ticketer = provider::Ticketer::new().map_err(|e| e.to_string())?;
    }
    Ok((c, suites, groups))
}

/// Echoes everything until the client closes; errors end the connection.
fn echo(config: Arc<ServerConfig>, sock: TcpStream) {
    let _ = sock.set_read_timeout(Some(Duration::from_secs(60)));
    let conn = match ServerConnection::new(config) {
        Ok(c) => c,
        Err(e) => return eprintln!("connection setup: {e}"),
    };
    let mut tls = StreamOwned::new(conn, sock);
    let mut buf = [0u8; 16384];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if let Err(e) = tls.write_all(&buf[..n]).and_then(|()| tls.flush()) {
                    eprintln!("write: {e}");
                    return;
                }
            }
            Err(e) => {
                eprintln!("read: {e}");
                return;
            }
        }
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn hex_join(v: &[u16]) -> String {
    v.iter().map(|x| format!("{x:04x}")).collect::<Vec<_>>().join(",")
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rustls_server: {e}");
            std::process::exit(2);
        }
    };
    let (config, suites, groups) = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rustls_server: {e}");
            std::process::exit(1);
        }
    };
    let config = Arc::new(config);
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("rustls_server: bind: {e}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    println!("VERSION rustls {}", rustls_version());
    println!("SUITES {}", hex_join(&suites));
    println!("GROUPS {}", hex_join(&groups));
    println!("LISTENING {port}");
    let _ = std::io::stdout().flush();
    for sock in listener.incoming().flatten() {
        let config = config.clone();
        std::thread::spawn(move || echo(config, sock));
    }
}
