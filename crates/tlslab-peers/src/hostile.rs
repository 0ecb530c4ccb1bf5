//! A real TLS 1.2 server that makes one server-side mistake on request, so a
//! client's diagnosis can be tested against faults that a server makes, not
//! the client.
//!
//! The server is tlslite-ng's own `tls.py server --echo` (the same program as
//! [`PeerKind::TlsliteNg`]); the launcher `tlslite_launcher.py` switches on
//! one bug with `--fault NAME` by wrapping one tlslite-ng function before the
//! script runs. Everything else (parsing, negotiation, alerts) is tlslite-ng's
//! unchanged code. [`HostileServer::start`] returns a [`Peer`] (through
//! [`std::ops::Deref`]), so the address, the CA, the key log and
//! [`Peer::round_trip`] work as for any peer.
//!
//! | fault | what the server does wrong | what a correct TLS 1.2 client sees |
//! |---|---|---|
//! | [`ServerFault::Healthy`] | nothing | echo works |
//! | [`ServerFault::EmsAckedNotUsed`] | ServerHello carries `extended_master_secret`, then the master secret is `PRF(pms, "master secret", client_random + server_random)` (RFC 5246 §8.1) instead of `PRF(pms, "extended master secret", session_hash)` (RFC 7627 §4) | the server answers the client's Finished with `bad_record_mac` (20): the keys differ. A client that does not offer EMS gets a working connection |
//! | [`ServerFault::Sha384PrfAsSha256`] | for the `*_SHA384` suites, every PRF use (master secret, extended master secret with a SHA-256 session hash, key block, both Finished) runs P_SHA256 instead of P_SHA384 (RFC 5246 §5, §7.4.9: "the cipher suite's PRF") | every SHA-384 suite fails with `bad_record_mac` at the client's Finished; SHA-256 suites work |
//! | [`ServerFault::WrongKey`] | the private key does not belong to the certificate (a fresh key of the same type; `tls.py` does not check) | ECDHE suites: the ServerKeyExchange signature does not verify with the certificate's key (OpenSSL: `bad signature`, the client sends `decrypt_error`); RSA key transport: the server decrypts garbage, goes on with a random pre-master secret as RFC 5246 §7.4.7.1 demands (the Bleichenbacher countermeasure) and answers the client's Finished with `bad_record_mac` |
//! | [`ServerFault::GcmNonceRepeat`] | every AES-GCM record the server sends under one key carries the explicit nonce `00 00 00 00 00 00 00 00` (RFC 5288 §3: the nonce must be distinct for each invocation; RFC 5116 §3.1). The additional data keeps the real sequence number | the connection works: only the record bytes show the repeat (the forbidden-attack situation, Böck et al., "Nonce-Disrespecting Adversaries", 2016) |
//! | [`ServerFault::Sslv3Padding`] | CBC padding bytes are random (never equal to the padding length), only the final padding-length byte is right (SSL 3.0 rules, RFC 6101 §5.2.3.2, instead of RFC 5246 §6.2.3.2) | the first server record under CBC protection (its Finished) fails: `bad_record_mac` (20) from OpenSSL. A record whose minimal padding is zero bytes would be correct, but the handshake already failed |
//! | [`ServerFault::RecordOversize`] | the answer to the first request is one record of 2^14 + 1 plaintext bytes: the echo followed by `.` filler (RFC 5246 §6.2.1: `TLSPlaintext.length` must not exceed 2^14) | `record_overflow` (22) from OpenSSL; later requests are echoed normally |
//! | [`ServerFault::IvChainRestart`] | TLS 1.0 only (start it with `PeerOptions::version` TLS 1.0): the server's first application data record is encrypted under the key block's `server_write_IV` instead of the last ciphertext block of its previous record (RFC 2246 §6.2.3.2: the chain restarted, as if the connection state had been rebuilt); later records chain on from it | that record fails: `bad_record_mac`. The handshake and every record before it verify. Under TLS 1.1/1.2 (explicit IVs) nothing changes |
//! | [`ServerFault::NoCloseNotify`] | the first request is echoed, then the server closes TCP (FIN) without a `close_notify` alert (RFC 5246 §7.2.1) | the echo, then end of stream without close_notify (OpenSSL: `unexpected eof while reading`) |
//!
//! The key log (`CLIENT_RANDOM <client_random> <master_secret>`, from
//! tlslite-ng's own value) is written the moment the server derives the
//! master secret, so it holds the server's (wrong) master secret also for the
//! handshakes that then fail: with [`ServerFault::EmsAckedNotUsed`] it is the
//! RFC 5246 master secret, with [`ServerFault::Sha384PrfAsSha256`] the
//! P_SHA256 one, with [`ServerFault::WrongKey`] under RSA key transport the
//! one from the server's random pre-master secret.
//!
//! [`Peer::round_trip`] expects the exact echo, so it reports the
//! record-oversize answer (the echo plus filler) as wrong even for a client
//! that accepts the record; read the answer directly there. Records as they
//! cross the network (explicit nonces, padding, lengths) are best seen
//! through a [`crate::proxy::Proxy`] in [`crate::proxy::ProxyMode::Pass`].
//!
//! ```no_run
//! use tlslab_peers::hostile::{HostileServer, ServerFault};
//! use tlslab_peers::PeerOptions;
//!
//! let server = HostileServer::start(ServerFault::EmsAckedNotUsed, &PeerOptions::default())?;
//! // `server` derefs to a `Peer`: addr(), ca_pem_path(), wait_master_secret(), ...
//! println!("{} listens on {}", server.fault().name(), server.addr());
//! # Ok::<(), tlslab::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::ops::Deref;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::certs::{self, openssl_bin, KeyType};
use crate::process::ServerProcess;
use crate::{names, tlslite, Peer, PeerKind, PeerOptions, SuiteSource};
use tlslab::Error;

/// One server-side bug, switched on for the whole life of a
/// [`HostileServer`]. The module documentation says what each does on the
/// wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerFault {
    /// No fault: the same launcher and server, for comparison.
    Healthy,
    /// `ems-acked-not-used`: acknowledges extended_master_secret, derives
    /// the master secret without it (RFC 7627 §4 vs RFC 5246 §8.1).
    EmsAckedNotUsed,
    /// `sha384-prf-as-sha256`: runs the PRF with SHA-256 for `*_SHA384`
    /// suites (RFC 5246 §5).
    Sha384PrfAsSha256,
    /// `wrong-key`: the private key does not match the certificate.
    WrongKey,
    /// `gcm-nonce-repeat`: one explicit AES-GCM nonce for every record under
    /// a key (RFC 5288 §3).
    GcmNonceRepeat,
    /// `sslv3-padding`: CBC padding bytes arbitrary, only the length byte
    /// right (RFC 6101 §5.2.3.2 vs RFC 5246 §6.2.3.2).
    Sslv3Padding,
    /// `record-oversize`: one application-data record of 2^14 + 1 bytes
    /// (RFC 5246 §6.2.1).
    RecordOversize,
    /// `no-close-notify`: closes TCP after the first echo without
    /// close_notify (RFC 5246 §7.2.1).
    NoCloseNotify,
    /// TLS 1.0: restarts the CBC IV chain at the first application data record.
    IvChainRestart,
}

impl ServerFault {
    /// Every fault, [`ServerFault::Healthy`] first.
    pub const ALL: [ServerFault; 9] = [
        ServerFault::Healthy,
        ServerFault::EmsAckedNotUsed,
        ServerFault::Sha384PrfAsSha256,
        ServerFault::WrongKey,
        ServerFault::GcmNonceRepeat,
        ServerFault::Sslv3Padding,
        ServerFault::RecordOversize,
        ServerFault::NoCloseNotify,
        ServerFault::IvChainRestart,
    ];

    /// The name used on command lines (`ems-acked-not-used`, ...; `healthy`).
    pub fn name(self) -> &'static str {
        match self {
            ServerFault::Healthy => "healthy",
            ServerFault::EmsAckedNotUsed => "ems-acked-not-used",
            ServerFault::Sha384PrfAsSha256 => "sha384-prf-as-sha256",
            ServerFault::WrongKey => "wrong-key",
            ServerFault::GcmNonceRepeat => "gcm-nonce-repeat",
            ServerFault::Sslv3Padding => "sslv3-padding",
            ServerFault::RecordOversize => "record-oversize",
            ServerFault::NoCloseNotify => "no-close-notify",
            ServerFault::IvChainRestart => "iv-chain-restart",
        }
    }

    /// One line: what the server does wrong.
    pub fn description(self) -> &'static str {
        match self {
            ServerFault::Healthy => "no fault",
            ServerFault::EmsAckedNotUsed => {
                "acknowledges extended_master_secret, then derives the master secret \
                 without it (RFC 5246 section 8.1 instead of RFC 7627 section 4)"
            }
            ServerFault::Sha384PrfAsSha256 => {
                "runs the PRF (master secret, key block, Finished) with SHA-256 for \
                 the SHA-384 suites"
            }
            ServerFault::WrongKey => "its private key does not belong to its certificate",
            ServerFault::GcmNonceRepeat => {
                "sends every AES-GCM record under one key with the same explicit nonce (zero)"
            }
            ServerFault::Sslv3Padding => {
                "fills CBC padding with random bytes, only the padding-length byte right \
                 (SSL 3.0 style)"
            }
            ServerFault::RecordOversize => {
                "answers the first request with one record of 2^14 + 1 plaintext bytes"
            }
            ServerFault::NoCloseNotify => {
                "closes the TCP connection after the first answer without close_notify"
            }
            ServerFault::IvChainRestart => {
                "TLS 1.0: encrypts its first application data record under the key block's \
                 server_write_IV instead of the previous record's last ciphertext block"
            }
        }
    }
}

impl fmt::Display for ServerFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ServerFault {
    type Err = Error;

    /// Parses [`ServerFault::name`].
    fn from_str(s: &str) -> Result<ServerFault, Error> {
        ServerFault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ServerFault::ALL.iter().map(|f| f.name()).collect();
                Error::config(format!(
                    "unknown server fault `{s}` (known: {})",
                    names.join(", ")
                ))
            })
    }
}

/// A running tlslite-ng server with one [`ServerFault`]; derefs to its
/// [`Peer`] (kind [`PeerKind::TlsliteNg`]); dropping it stops the server.
pub struct HostileServer {
    peer: Peer,
    fault: ServerFault,
}

impl HostileServer {
    /// Starts tlslite-ng's `tls.py server --echo` with `fault` on a free port
    /// of 127.0.0.1 and returns once it listens. `opts` works as for
    /// [`Peer::start`] (suites, groups, EMS/EtM switches, key type); with
    /// [`ServerFault::WrongKey`] the server gets a fresh private key of
    /// `opts.key_type` instead of the certificate's.
    ///
    /// A fault shows only where what it breaks is in use: `opts.ems = false`
    /// leaves [`ServerFault::EmsAckedNotUsed`] nothing to acknowledge, and
    /// `opts.suites` without a SHA-384, AES-GCM or CBC suite disarms
    /// [`ServerFault::Sha384PrfAsSha256`], [`ServerFault::GcmNonceRepeat`]
    /// or [`ServerFault::Sslv3Padding`].
    ///
    /// Errors: as [`Peer::start`] ([`ToolError::Io`](tlslab::error::ToolError::Io) when Python, tlslite-ng or
    /// `openssl` is missing or the server does not listen in time).
    pub fn start(fault: ServerFault, opts: &PeerOptions) -> Result<HostileServer, Error> {
        let dir = certs::fresh_dir(&format!("tlslab-hostile-{}", fault.name()))?;
        match start_in(fault, opts, &dir) {
            Ok(peer) => Ok(HostileServer { peer, fault }),
            Err(e) => {
                if std::env::var_os("TLSLAB_KEEP_SERVER_DIR").is_none() {
                    let _ = fs::remove_dir_all(&dir);
                }
                Err(e)
            }
        }
    }

    /// The fault this server makes.
    pub fn fault(&self) -> ServerFault {
        self.fault
    }

    /// The running server as a [`Peer`].
    pub fn peer(&self) -> &Peer {
        &self.peer
    }
}

impl Deref for HostileServer {
    type Target = Peer;

    fn deref(&self) -> &Peer {
        &self.peer
    }
}

fn start_in(fault: ServerFault, opts: &PeerOptions, dir: &Path) -> Result<Peer, Error> {
    certs::shared_material(dir, opts.key_type)?.write_to(dir)?;
    let key_file = if fault == ServerFault::WrongKey {
        fs::write(dir.join("wrong-key.pem"), wrong_key(dir, opts.key_type)?)
            .map_err(|e| Error::io(format!("hostile server: writing wrong-key.pem: {e}")))?;
        "wrong-key.pem"
    } else {
        "key.pem"
    };
    let launcher_opts = match fault {
        ServerFault::Healthy => vec![],
        f => vec!["--fault".to_owned(), f.name().to_owned()],
    };
    let started = Instant::now();
    let prepared = tlslite::prepare_with(opts, dir, &launcher_opts, key_file)?;
    let process = ServerProcess::start(&prepared.plan, dir)?;
    let stdout = process.stdout();
    let suites = match prepared.suites {
        SuiteSource::Known(s) => s,
        SuiteSource::PrintedByServer => names::parse_suites_line(&stdout),
    };
    let version = stdout
        .lines()
        .find_map(|l| l.strip_prefix("VERSION "))
        .unwrap_or("unknown")
        .to_owned();
    Ok(Peer {
        kind: PeerKind::TlsliteNg,
        server: crate::Running::Process(process),
        dir: dir.to_path_buf(),
        key_type: opts.key_type,
        suites,
        keylog: prepared.keylog,
        version,
        startup: started.elapsed(),
    })
}

/// A private key of `key_type` that belongs to no certificate (PKCS#8 PEM,
/// made by `openssl genpkey` once per process and key type).
fn wrong_key(dir: &Path, key_type: KeyType) -> Result<Vec<u8>, Error> {
    static CACHE: OnceLock<Mutex<HashMap<KeyType, Vec<u8>>>> = OnceLock::new();
    let mut map = CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(k) = map.get(&key_type) {
        return Ok(k.clone());
    }
    let alg: &[&str] = match key_type {
        KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        KeyType::EcdsaP256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        KeyType::Ed25519 => &["-algorithm", "ED25519"],
    };
    let out = Command::new(openssl_bin())
        .arg("genpkey")
        .args(alg)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("hostile server: running openssl genpkey: {e}")))?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(Error::io(format!(
            "hostile server: openssl genpkey failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    map.insert(key_type, out.stdout.clone());
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in ServerFault::ALL {
            assert_eq!(f.name().parse::<ServerFault>().unwrap(), f);
            assert!(!f.description().is_empty());
        }
        assert!("no-such-fault".parse::<ServerFault>().is_err());
    }

    #[test]
    fn the_launcher_knows_every_fault() {
        let launcher = include_str!("tlslite_launcher.py");
        for f in ServerFault::ALL.into_iter().skip(1) {
            assert!(launcher.contains(&format!("\"{}\"", f.name())), "{f}");
        }
    }
}
