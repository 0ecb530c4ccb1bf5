//! Five independent TLS 1.2 server implementations, started locally for
//! interop tests: OpenSSL, GnuTLS, tlslite-ng, rustls and mbedTLS. Those that
//! still can are also started speaking TLS 1.0 or 1.1 only
//! ([`PeerOptions::version`]), for the tests of the deprecated versions.
//!
//! A [`Peer`] is one running server on 127.0.0.1 with a throwaway
//! certificate (the CA that signed it is at [`Peer::ca_pem_path`], the name
//! in it is [`Peer::server_name`]). Each kind is configured from the same
//! [`PeerOptions`], translated into that server's own syntax; what each one
//! can and cannot do is in [`PeerKind::capabilities`], and the command line
//! and quirks of each are documented in its module:
//!
//! | kind | program | application data | key log |
//! |---|---|---|---|
//! | [`PeerKind::OpenSsl`] | `openssl s_server -rev` | each line reversed | `-keylogfile` |
//! | [`PeerKind::GnuTls`] | `gnutls-serv --echo` | echo | `SSLKEYLOGFILE` |
//! | [`PeerKind::TlsliteNg`] | tlslite-ng `tls.py server --echo` | echo | written from tlslite-ng's session |
//! | [`PeerKind::Rustls`] | rustls in this process ([`rustls`]) | echo | a `rustls::KeyLog` writing NSS lines |
//! | [`PeerKind::MbedTls`] | `lighttpd` + `mod_mbedtls` | HTTP `GET` of a file | none |
//!
//! ```no_run
//! use tlslab::crypto::cert::CertVerifier;
//! use tlslab::{ClientConfig, Verification};
//! use tlslab_peers::{Peer, PeerKind, PeerOptions};
//!
//! let peer = Peer::start(PeerKind::GnuTls, &PeerOptions::default())?;
//! let mut config = ClientConfig::new(peer.server_name());
//! config.verification = Verification::Verify(CertVerifier::from_ca_file(&peer.ca_pem_path())?);
//! println!("{} listens on {}: {}", peer.name(), peer.addr(), peer.command());
//! # Ok::<(), tlslab::Error>(())
//! ```
//!
//! For faults made by a server or by the network rather than by the client:
//! [`hostile::HostileServer`] (tlslite-ng with one server-side bug switched
//! on) and [`proxy::Proxy`] (a record-framing TCP proxy that reorders, drops
//! or truncates server records, refuses some ClientHellos, or balances over
//! several backends).
//!
//! [`tcpdump`] captures loopback traffic for the tests that compare tlslab's
//! reading of a capture with tshark's, and [`testkit`] holds what the test
//! files share (a client configuration for a peer, the key log check).
//!
//! Set `TLSLAB_KEEP_SERVER_DIR=1` to keep a peer's directory (certificates,
//! configuration, key log, server output) after it is dropped.

pub mod certs;
mod gnutls;
pub mod hostile;
pub mod local_server;
mod mbedtls;
pub mod names;
mod openssl;
mod process;
pub mod proxy;
pub mod reaper;
pub mod rustls;
pub mod tcpdump;
pub mod testkit;
mod tlslite;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use certs::KeyType;
use names::SuiteParts;
use process::{Plan, ServerProcess};
use tlslab::wire::{CipherSuite, NamedGroup};
use tlslab::Error;

/// An established TLS connection as [`Peer::round_trip`] uses it: write
/// application data, read what arrives (empty when the peer closed).
pub trait AppData {
    /// Why a read or write failed.
    type Error: std::fmt::Display;
    /// Sends application data.
    fn write_app(&mut self, data: &[u8]) -> Result<(), Self::Error>;
    /// Reads the next application data (empty: the peer closed).
    fn read_app(&mut self) -> Result<Vec<u8>, Self::Error>;
}

/// Which server implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerKind {
    /// `openssl s_server` (OpenSSL 3.0).
    OpenSsl,
    /// `gnutls-serv` (GnuTLS 3.7).
    GnuTls,
    /// tlslite-ng's `tls.py server` (pure Python).
    TlsliteNg,
    /// rustls with the ring provider.
    Rustls,
    /// mbedTLS 2.28 inside lighttpd (`mod_mbedtls`).
    MbedTls,
}

/// What a kind of peer can do, as far as these tests are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// It writes the master secret of each handshake to a key log.
    pub key_log: bool,
    /// It implements CBC suites (rustls does not).
    pub cbc: bool,
    /// `PeerOptions::ems = false` can be honoured.
    pub disable_ems: bool,
    /// `PeerOptions::etm = false` can be honoured.
    pub disable_etm: bool,
    /// It resumes sessions by session ID.
    pub session_id_resumption: bool,
    /// It resumes sessions by RFC 5077 ticket.
    pub ticket_resumption: bool,
    /// It takes one connection at a time: a second client waits until the
    /// first one closes.
    pub one_connection_at_a_time: bool,
}

impl PeerKind {
    /// Every kind, in a fixed order.
    pub const ALL: [PeerKind; 5] = [
        PeerKind::OpenSsl,
        PeerKind::GnuTls,
        PeerKind::TlsliteNg,
        PeerKind::Rustls,
        PeerKind::MbedTls,
    ];

    /// A short name: `openssl`, `gnutls`, `tlslite-ng`, `rustls`, `mbedtls`.
    pub fn name(self) -> &'static str {
        match self {
            PeerKind::OpenSsl => "openssl",
            PeerKind::GnuTls => "gnutls",
            PeerKind::TlsliteNg => "tlslite-ng",
            PeerKind::Rustls => "rustls",
            PeerKind::MbedTls => "mbedtls",
        }
    }

    /// What this kind can do. Sources: OpenSSL 3.0 `s_server -help` and
    /// SSL_CONF_cmd(3); `gnutls-serv --help` and the GnuTLS priority-string
    /// manual; tlslite-ng 0.8 `handshakesettings.py`; rustls 0.23
    /// `crypto/ring/mod.rs` and `ServerConfig`; lighttpd 1.4.69
    /// `mod_mbedtls.c` (tickets set up, no session cache; no EMS/EtM knob;
    /// no key log).
    pub fn capabilities(self) -> Capabilities {
        let all = Capabilities {
            key_log: true,
            cbc: true,
            disable_ems: true,
            disable_etm: true,
            session_id_resumption: true,
            ticket_resumption: true,
            one_connection_at_a_time: false,
        };
        match self {
            PeerKind::OpenSsl => Capabilities {
                one_connection_at_a_time: true,
                ..all
            },
            PeerKind::GnuTls | PeerKind::TlsliteNg => all,
            // No CBC suite, so encrypt_then_mac never applies: "off" holds.
            PeerKind::Rustls => Capabilities {
                cbc: false,
                disable_ems: false,
                ..all
            },
            PeerKind::MbedTls => Capabilities {
                key_log: false,
                disable_ems: false,
                disable_etm: false,
                session_id_resumption: false,
                ..all
            },
        }
    }
}

/// How to configure a peer. The default: an RSA certificate, the server's
/// own default suites and groups, extended_master_secret and
/// encrypt_then_mac allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerOptions {
    /// The cipher suites the server may pick (IANA code points); `None` for
    /// the server's defaults.
    pub suites: Option<Vec<CipherSuite>>,
    /// The groups the server may pick; `None` for the server's defaults.
    pub groups: Option<Vec<NamedGroup>>,
    /// Allow extended_master_secret (RFC 7627). `false` makes the server
    /// ignore the client's offer, where the server can be told to.
    pub ems: bool,
    /// Allow encrypt_then_mac (RFC 7366), likewise.
    pub etm: bool,
    /// The key type of the server certificate.
    pub key_type: KeyType,
    /// The one protocol version the server speaks (TLS 1.0, 1.1 or 1.2);
    /// `None` for TLS 1.2. Below TLS 1.2 OpenSSL runs at `@SECLEVEL=0`
    /// (its default level refuses the MD5 ‖ SHA-1 signatures of TLS 1.0/1.1).
    pub version: Option<tlslab::wire::ProtocolVersion>,
}

impl Default for PeerOptions {
    fn default() -> PeerOptions {
        PeerOptions {
            suites: None,
            groups: None,
            ems: true,
            etm: true,
            key_type: KeyType::Rsa2048,
            version: None,
        }
    }
}

/// How to recognise the server's answer to [`Peer::round_trip_request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseCheck {
    /// Exactly these bytes (an echo, or OpenSSL's reversed line).
    Exact(Vec<u8>),
    /// An HTTP response with status 200 whose body contains this marker.
    HttpOkContaining(Vec<u8>),
}

impl ResponseCheck {
    /// Whether `got` is a whole answer (more reading cannot change the verdict).
    pub fn is_complete(&self, got: &[u8]) -> bool {
        match self {
            ResponseCheck::Exact(want) => got.len() >= want.len(),
            ResponseCheck::HttpOkContaining(marker) => contains(got, marker),
        }
    }

    /// `Ok` if `got` is the expected answer, else what is wrong.
    pub fn verify(&self, got: &[u8]) -> Result<(), String> {
        let ok = match self {
            ResponseCheck::Exact(want) => got == want.as_slice(),
            ResponseCheck::HttpOkContaining(marker) => {
                (got.starts_with(b"HTTP/1.0 200") || got.starts_with(b"HTTP/1.1 200"))
                    && contains(got, marker)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected {self:?}, got {:?}",
                String::from_utf8_lossy(&got[..got.len().min(400)])
            ))
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Where the list of enabled suites comes from.
enum SuiteSource {
    /// Known before the start (asked of the server's own tools, or set exactly).
    Known(Vec<CipherSuite>),
    /// A `SUITES` line the server prints on start.
    PrintedByServer,
}

/// How a peer runs: its own process, or threads of this one (rustls).
pub(crate) enum Running {
    Process(ServerProcess),
    InProcess(rustls::InProcessServer),
}

impl Running {
    fn port(&self) -> u16 {
        match self {
            Running::Process(p) => p.port,
            Running::InProcess(s) => s.addr().port(),
        }
    }
}

/// A kind's preparation: what to run and what we know about it.
struct Prepared {
    plan: Plan,
    suites: SuiteSource,
    keylog: Option<PathBuf>,
    /// Empty when the server prints a `VERSION` line instead.
    version: String,
}

/// The first line a command prints (stdout, else stderr), or `unknown`.
fn first_line_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .map(|l| l.trim().to_owned())
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// One running server; dropping it kills the process and removes its
/// directory.
pub struct Peer {
    kind: PeerKind,
    server: Running,
    dir: PathBuf,
    key_type: KeyType,
    suites: Vec<CipherSuite>,
    keylog: Option<PathBuf>,
    version: String,
    startup: Duration,
}

impl Peer {
    /// Makes (or reuses, one per key type per process) a throwaway CA and
    /// leaf certificate, writes them into a fresh temporary directory,
    /// starts the server of `kind` there on a free port of 127.0.0.1 and
    /// returns once it listens.
    ///
    /// Errors: [`ToolError::Io`](tlslab::error::ToolError::Io) naming the missing program and the package that
    /// provides it, or with the server's output when it exits or does not
    /// listen within 20 s; [`ToolError::Config`](tlslab::error::ToolError::Config) when `opts` asks for something
    /// this kind cannot do ([`PeerKind::capabilities`]) or cannot name.
    pub fn start(kind: PeerKind, opts: &PeerOptions) -> Result<Peer, Error> {
        let dir = certs::fresh_dir(&format!("tlslab-peer-{}", kind.name()))?;
        match Self::start_in(kind, opts, &dir) {
            Ok(p) => Ok(p),
            Err(e) => {
                if std::env::var_os("TLSLAB_KEEP_SERVER_DIR").is_none() {
                    let _ = fs::remove_dir_all(&dir);
                }
                Err(e)
            }
        }
    }

    fn start_in(kind: PeerKind, opts: &PeerOptions, dir: &Path) -> Result<Peer, Error> {
        let material = match kind {
            PeerKind::Rustls => rustls::throwaway_material(opts.key_type)?,
            _ => certs::shared_material(dir, opts.key_type)?,
        };
        material.write_to(dir)?;
        let started_at = Instant::now();
        let prepared = match kind {
            PeerKind::OpenSsl => openssl::prepare(opts, dir)?,
            PeerKind::GnuTls => gnutls::prepare(opts, dir)?,
            PeerKind::TlsliteNg => tlslite::prepare(opts, dir)?,
            PeerKind::MbedTls => mbedtls::prepare(opts, dir)?,
            // No process: threads of this one.
            PeerKind::Rustls => {
                let started = rustls::start(opts, dir)?;
                return Ok(Peer {
                    kind,
                    server: Running::InProcess(started.server),
                    dir: dir.to_path_buf(),
                    key_type: opts.key_type,
                    suites: started.suites,
                    keylog: Some(started.keylog),
                    version: format!("rustls {}", rustls::rustls_version()),
                    startup: started_at.elapsed(),
                });
            }
        };
        let process = ServerProcess::start(&prepared.plan, dir)?;
        let stdout = process.stdout();
        let suites = match prepared.suites {
            SuiteSource::Known(s) => s,
            SuiteSource::PrintedByServer => names::parse_suites_line(&stdout),
        };
        let version = if prepared.version.is_empty() {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix("VERSION "))
                .unwrap_or("unknown")
                .to_owned()
        } else {
            prepared.version
        };
        Ok(Peer {
            kind,
            server: Running::Process(process),
            dir: dir.to_path_buf(),
            key_type: opts.key_type,
            suites,
            keylog: prepared.keylog,
            version,
            startup: started_at.elapsed(),
        })
    }

    /// Which implementation this is.
    pub fn kind(&self) -> PeerKind {
        self.kind
    }

    /// The short name of the implementation (`gnutls`, ...).
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The implementation's version, as the server or its package reports it
    /// (`OpenSSL 3.0.19 ...`, `gnutls-serv 3.7.9`, `tlslite-ng 0.8.2`,
    /// `rustls 0.23.46`, `lighttpd/1.4.69 ... with mbedTLS 2.28.3-1`).
    pub fn version(&self) -> String {
        self.version.clone()
    }

    /// How long [`Peer::start`] took from the moment the certificates were in
    /// place (making them is shared between peers and costs about 0.4 s with
    /// RSA the first time) until the server listened.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.server.port()))
    }

    /// The CA certificate (PEM) that signed the server's certificate.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The name the server's certificate is issued to (`localhost`).
    pub fn server_name(&self) -> &str {
        "localhost"
    }

    /// The server's directory (certificates, configuration, logs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The command line that started the server (for the in-process rustls
    /// server, what runs, in words).
    pub fn command(&self) -> String {
        match &self.server {
            Running::Process(p) => p.command.join(" "),
            Running::InProcess(s) => s.description().to_owned(),
        }
    }

    /// Whether the server may pick `suite`: it is among the suites the server
    /// itself reports enabled (OpenSSL: `openssl ciphers -s -tls1_2`; GnuTLS:
    /// `gnutls-serv --list --priority`; tlslite-ng and rustls: the list they
    /// print on start; mbedTLS: the explicit `CipherString`, which lighttpd
    /// refuses to start with if mbedTLS lacks a suite), and its
    /// authentication matches the certificate's key type.
    pub fn supports(&self, suite: CipherSuite) -> bool {
        let key_fits = SuiteParts::of(suite)
            .is_some_and(|p| p.needs_ecdsa_key() == (self.key_type == KeyType::EcdsaP256));
        key_fits && self.suites.contains(&suite)
    }

    /// Every suite the server reports enabled (before the key-type check of
    /// [`Peer::supports`]).
    pub fn enabled_suites(&self) -> &[CipherSuite] {
        &self.suites
    }

    /// What to send for one application-data round trip, and how to
    /// recognise the answer.
    pub fn round_trip_request(&self) -> (Vec<u8>, ResponseCheck) {
        match self.kind {
            PeerKind::OpenSsl => (
                b"hello tlslab\n".to_vec(),
                ResponseCheck::Exact(b"balslt olleh\n".to_vec()),
            ),
            PeerKind::GnuTls | PeerKind::TlsliteNg | PeerKind::Rustls => (
                b"hello tlslab\n".to_vec(),
                ResponseCheck::Exact(b"hello tlslab\n".to_vec()),
            ),
            PeerKind::MbedTls => (
                format!("GET /{} HTTP/1.0\r\nHost: localhost\r\n\r\n", mbedtls::FILE).into_bytes(),
                ResponseCheck::HttpOkContaining(mbedtls::MARKER.as_bytes().to_vec()),
            ),
        }
    }

    /// Sends [`Peer::round_trip_request`] on an established connection,
    /// reads until the answer is complete or the server closes (an empty
    /// read), and checks it. Returns the answer, or what went wrong in words.
    pub fn round_trip(&self, stream: &mut impl AppData) -> Result<Vec<u8>, String> {
        let (request, check) = self.round_trip_request();
        stream.write_app(&request).map_err(|e| format!("write: {e}"))?;
        let mut got = vec![];
        while !check.is_complete(&got) {
            let more = stream
                .read_app()
                .map_err(|e| format!("read after {} bytes: {e}", got.len()))?;
            if more.is_empty() {
                break;
            }
            got.extend_from_slice(&more);
        }
        check.verify(&got)?;
        Ok(got)
    }

    /// The master secret this server logged for the connection whose
    /// `ClientHello.random` is `client_random` (the last such line), if it is
    /// in the key log now. Always `None` for mbedTLS, which keeps no key log.
    pub fn keylog_master_secret(&self, client_random: &[u8]) -> Option<Vec<u8>> {
        let text = fs::read_to_string(self.keylog.as_ref()?).ok()?;
        let cr = hex::encode(client_random);
        text.lines().rev().find_map(|l| {
            let mut f = l.split_whitespace();
            match (f.next(), f.next(), f.next()) {
                (Some("CLIENT_RANDOM"), Some(c), Some(ms)) if c.eq_ignore_ascii_case(&cr) => {
                    hex::decode(ms).ok()
                }
                _ => None,
            }
        })
    }

    /// Like [`Peer::keylog_master_secret`], polling for up to `timeout`: a
    /// server may write the line a moment after the client finished.
    pub fn wait_master_secret(&self, client_random: &[u8], timeout: Duration) -> Option<Vec<u8>> {
        self.keylog.as_ref()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ms) = self.keylog_master_secret(client_random) {
                return Some(ms);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The command line and the last `lines` lines of the server's stdout and
    /// stderr, for a failing test's message.
    pub fn output_tail(&self, lines: usize) -> String {
        match &self.server {
            Running::Process(p) => format!(
                "--- {} ---\nstdout:\n{}\nstderr:\n{}",
                self.command(),
                process::tail(&p.stdout(), lines),
                process::tail(&p.stderr(), lines)
            ),
            Running::InProcess(s) => format!(
                "--- {} ---\nconnection errors:\n{}",
                self.command(),
                process::tail(&s.log(), lines)
            ),
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The server stops before its directory goes.
        match &mut self.server {
            Running::Process(p) => {
                let _ = p.child.kill();
                let _ = p.child.wait();
            }
            Running::InProcess(s) => s.stop(),
        }
        if std::env::var_os("TLSLAB_KEEP_SERVER_DIR").is_some() {
            eprintln!("peer {}: kept {}", self.name(), self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
