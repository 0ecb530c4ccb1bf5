//! A rustls (ring provider) TLS 1.2 echo server that runs inside this
//! process: a thread accepts on 127.0.0.1 (a port the kernel picks) and each
//! connection gets a thread that sends back every byte it receives. Nothing
//! to install, nothing to build at run time: `tlslab demo` uses it by
//! default.
//!
//! The key log is written by a [`KeyLog`] implementation in the NSS format
//! (`CLIENT_RANDOM <client_random> <master_secret>`), one line per handshake,
//! to `keylog.txt` in the peer's directory: rustls' own record of the master
//! secret, which [`crate::Peer::keylog_master_secret`] compares with ours.
//!
//! What rustls offers in TLS 1.2, from its source (`crypto/ring/mod.rs`,
//! `ALL_CIPHER_SUITES` and `ALL_KX_GROUPS`): ECDHE_ECDSA and ECDHE_RSA with
//! AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 (no CBC, no RSA key
//! transport, no finite-field DHE), over x25519, secp256r1 and secp384r1.
//! Extended master secret (RFC 7627) is always accepted and cannot be turned
//! off on a rustls server; since there is no CBC suite, encrypt_then_mac
//! never applies. Resumption works by session ID (an in-memory cache of 256
//! sessions) and by RFC 5077 ticket.
//!
//! Its throwaway CA and certificate are made in this process as well
//! ([`throwaway_material`]), so this peer needs no program installed.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use ::rustls::crypto::ring as provider;
use ::rustls::pki_types::pem::PemObject;
use ::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use ::rustls::server::ServerSessionMemoryCache;
use ::rustls::{KeyLog, ServerConfig, ServerConnection, StreamOwned};

use super::certs::{KeyType, Material};
use super::PeerOptions;
use tlslab::wire::{CipherSuite, NamedGroup};
use tlslab::Error;

/// How long a connection may stay silent before its thread gives up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The rustls version this crate was built against, from the workspace's
/// Cargo.lock.
pub fn rustls_version() -> &'static str {
    let lock = include_str!("../../../Cargo.lock");
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

/// A throwaway CA (`CN=tlslab throwaway CA`) and a leaf for `localhost` and
/// 127.0.0.1 signed by it: the same profile as [`crate::certs::make_material`]
/// makes with the `openssl` command line, made here with rcgen instead (ECDSA
/// P-256 keys from ring; RSA 2048 keys from the `rsa` crate, since ring
/// cannot generate RSA keys). Made once per key type per process.
pub fn throwaway_material(key_type: KeyType) -> Result<Material, Error> {
    static CACHE: Mutex<Vec<(KeyType, Material)>> = Mutex::new(Vec::new());
    // Held while generating, so parallel tests make the material only once.
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, m)) = cache.iter().find(|(k, _)| *k == key_type) {
        return Ok(m.clone());
    }
    let m = make_material(key_type).map_err(|e| Error::io(format!("peer: rustls: certificates: {e}")))?;
    cache.push((key_type, m.clone()));
    Ok(m)
}

fn make_material(key_type: KeyType) -> Result<Material, String> {
    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let new_key = || -> Result<KeyPair, String> {
        match key_type {
            KeyType::EcdsaP256 => {
                KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())
            }
            KeyType::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519).map_err(|e| e.to_string()),
            KeyType::Rsa2048 => {
                use rsa::pkcs8::EncodePrivateKey;
                let key =
                    rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
                let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
                KeyPair::from_pkcs8_der_and_sign_algo(&der.as_bytes().into(), &rcgen::PKCS_RSA_SHA256)
                    .map_err(|e| e.to_string())
            }
        }
    };
    // UTCTime dates on both ends (RFC 5280 §4.1.2.5: up to 2049).
    let validity = |p: &mut CertificateParams| {
        p.not_before = date_time_ymd(2020, 1, 1);
        p.not_after = date_time_ymd(2049, 12, 31);
    };
    let ca_key = new_key()?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    ca.distinguished_name
        .push(DnType::CommonName, "tlslab throwaway CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut ca);
    let ca = ca.self_signed(&ca_key).map_err(|e| e.to_string())?;
    let leaf_key = new_key()?;
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(|e| e.to_string())?;
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    // keyEncipherment only for RSA: an ECDSA key cannot encrypt.
    leaf.key_usages = match key_type {
        KeyType::Rsa2048 => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
        KeyType::EcdsaP256 | KeyType::Ed25519 => vec![KeyUsagePurpose::DigitalSignature],
    };
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    validity(&mut leaf);
    let leaf = leaf
        .signed_by(&leaf_key, &ca, &ca_key)
        .map_err(|e| e.to_string())?;
    Ok(Material {
        ca_pem: ca.pem().into_bytes(),
        ca_der: ca.der().to_vec(),
        cert_pem: leaf.pem().into_bytes(),
        key_pem: leaf_key.serialize_pem().into_bytes(),
    })
}

/// rustls' key log, in the NSS key log format, appended to a file.
#[derive(Debug)]
struct NssKeyLogFile {
    path: PathBuf,
    /// One writer at a time, so lines of parallel handshakes do not interleave.
    lock: Mutex<()>,
}

impl KeyLog for NssKeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let line = format!("{label} {} {}\n", hex::encode(client_random), hex::encode(secret));
        // A key log that cannot be written costs the comparison, not the
        // connection: the test that reads it reports the missing line.
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(&self.path) {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// What the server reports about itself once it listens.
pub(crate) struct Started {
    pub server: InProcessServer,
    /// The TLS 1.2 suites it may pick (before the certificate's key type).
    pub suites: Vec<CipherSuite>,
    /// Where the key log goes.
    pub keylog: PathBuf,
}

/// The running server: the accept thread, the open connections, and what
/// went wrong on them (its "output"). Dropping it stops accepting and shuts
/// every open connection down.
pub(crate) struct InProcessServer {
    addr: SocketAddr,
    description: String,
    stop: Arc<AtomicBool>,
    connections: Arc<Mutex<HashMap<u64, TcpStream>>>,
    log: Arc<Mutex<Vec<String>>>,
    accept: Option<JoinHandle<()>>,
}

impl InProcessServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What runs, in words (the in-process counterpart of a command line).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The connection errors so far, one per line.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n")
    }

    /// Stops accepting and shuts every open connection down (again: nothing).
    pub fn stop(&mut self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        // The accept thread is blocked in accept(): one connection wakes it,
        // and it sees the stop flag. Joined only when the wake-up got through.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(t) = self.accept.take() {
            if woke {
                let _ = t.join();
            }
        }
        for (_, sock) in self.connections.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            let _ = sock.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for InProcessServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::io(format!("peer: rustls: {what}: {e}"))
}

/// The rustls configuration `opts` asks for, with the suites and groups it
/// ends up with.
fn config(
    opts: &PeerOptions,
    dir: &Path,
    keylog: &Path,
) -> Result<(ServerConfig, Vec<CipherSuite>, Vec<NamedGroup>), Error> {
    if !opts.ems {
        return Err(Error::config(
            "a rustls server always accepts extended_master_secret; it cannot be turned off",
        ));
    }
    let mut p = provider::default_provider();
    p.cipher_suites.retain(|s| {
        // TLS 1.2 suites only; then the caller's choice, if any.
        s.tls13().is_none()
            && opts
                .suites
                .as_ref()
                .is_none_or(|want| want.contains(&CipherSuite(u16::from(s.suite()))))
    });
    if let Some(want) = &opts.groups {
        p.kx_groups
            .retain(|g| want.contains(&NamedGroup(u16::from(g.name()))));
    }
    let suites: Vec<CipherSuite> = p
        .cipher_suites
        .iter()
        .map(|s| CipherSuite(u16::from(s.suite())))
        .collect();
    let groups: Vec<NamedGroup> = p
        .kx_groups
        .iter()
        .map(|g| NamedGroup(u16::from(g.name())))
        .collect();
    if suites.is_empty() {
        return Err(Error::config(
            "none of the requested cipher suites is a rustls TLS 1.2 suite",
        ));
    }
    if groups.is_empty() {
        return Err(Error::config(
            "none of the requested groups is supported by rustls",
        ));
    }
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|i| i.collect())
        .map_err(|e| io_err(&cert_path.display().to_string(), e))?;
    let key =
        PrivateKeyDer::from_pem_file(&key_path).map_err(|e| io_err(&key_path.display().to_string(), e))?;
    let mut c = ServerConfig::builder_with_provider(Arc::new(p))
        .with_protocol_versions(&[&::rustls::version::TLS12])
        .map_err(|e| Error::config(format!("rustls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::config(format!("rustls: {e}")))?;
    c.key_log = Arc::new(NssKeyLogFile {
        path: keylog.to_path_buf(),
        lock: Mutex::new(()),
    });
    c.session_storage = ServerSessionMemoryCache::new(256);
    c.ticketer = provider::Ticketer::new().map_err(|e| Error::config(format!("rustls: {e}")))?;
    Ok((c, suites, groups))
}

fn hex_list(v: impl Iterator<Item = u16>) -> String {
    v.map(|x| format!("{x:04x}")).collect::<Vec<_>>().join(",")
}

/// Starts the server with the certificate and key in `dir` (`cert.pem`,
/// `key.pem`) and returns once it listens.
pub(crate) fn start(opts: &PeerOptions, dir: &Path) -> Result<Started, Error> {
    let keylog = dir.join("keylog.txt");
    let (config, suites, groups) = config(opts, dir, &keylog)?;
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| io_err("bind 127.0.0.1", e))?;
    let addr = listener.local_addr().map_err(|e| io_err("local_addr", e))?;
    let description = format!(
        "rustls {} ServerConfig in this process (TLS 1.2; suites {}; groups {}; key log {}) echoing on {addr}",
        rustls_version(),
        hex_list(suites.iter().map(|s| s.0)),
        hex_list(groups.iter().map(|g| g.0)),
        keylog.display()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let connections: Arc<Mutex<HashMap<u64, TcpStream>>> = Arc::default();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let accept = {
        let (stop, connections, log) = (stop.clone(), connections.clone(), log.clone());
        std::thread::Builder::new()
            .name(format!("rustls-peer-{}", addr.port()))
            .spawn(move || accept_loop(listener, config, &stop, &connections, &log))
            .map_err(|e| io_err("spawning the accept thread", e))?
    };
    Ok(Started {
        server: InProcessServer {
            addr,
            description,
            stop,
            connections,
            log,
            accept: Some(accept),
        },
        suites,
        keylog,
    })
}

fn accept_loop(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    stop: &AtomicBool,
    connections: &Arc<Mutex<HashMap<u64, TcpStream>>>,
    log: &Arc<Mutex<Vec<String>>>,
) {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    for sock in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let sock = match sock {
            Ok(s) => s,
            Err(e) => {
                note(log, format!("accept: {e}"));
                continue;
            }
        };
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        // A second handle to the socket, so that dropping the server can shut
        // the connection down even while its thread waits in read().
        if let Ok(handle) = sock.try_clone() {
            connections
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, handle);
        }
        let (config, conns, conn_log) = (config.clone(), connections.clone(), log.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("rustls-peer-conn-{id}"))
            .spawn(move || {
                if let Err(e) = echo(config, sock) {
                    note(&conn_log, format!("connection {id}: {e}"));
                }
                conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            });
        if let Err(e) = spawned {
            note(log, format!("spawning a connection thread: {e}"));
        }
    }
}

fn note(log: &Mutex<Vec<String>>, line: String) {
    log.lock().unwrap_or_else(|p| p.into_inner()).push(line);
}

/// Echoes everything until the client closes, then sends close_notify.
fn echo(config: Arc<ServerConfig>, sock: TcpStream) -> Result<(), String> {
    sock.set_read_timeout(Some(IDLE_TIMEOUT))
        .map_err(|e| format!("set_read_timeout: {e}"))?;
    let conn = ServerConnection::new(config).map_err(|e| format!("connection setup: {e}"))?;
    let mut tls = StreamOwned::new(conn, sock);
    let mut buf = [0u8; 16384];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => tls
                .write_all(&buf[..n])
                .and_then(|()| tls.flush())
                .map_err(|e| format!("write: {e}"))?,
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}
