//! The interop matrix: every suite we implement × groups × extended master
//! secret on/off × encrypt-then-MAC on/off × full/resumed handshake, against
//! five independent servers started here: OpenSSL, GnuTLS, tlslite-ng, rustls
//! and mbedTLS (lighttpd).
//!
//! A combination the server supports (as the server itself reports its
//! enabled suites) must complete a handshake and a round trip, with our master
//! secret equal to the one in the server's own key log where it keeps one; a
//! suite it does not support must be refused with the server's alert, by
//! name, quickly. The table is printed and written to
//! `target/interop-matrix.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{KeyExchange, SuiteInfo, ALL_SUITES};
use tlslab::session::StoredSession;
use tlslab::wire::NamedGroup;
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::{KeyType, Peer, PeerKind, PeerOptions};

const GROUPS: [NamedGroup; 3] = [NamedGroup::X25519, NamedGroup::SECP256R1, NamedGroup::SECP384R1];

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        read: Duration::from_secs(10),
        write: Duration::from_secs(5),
    }
}

#[derive(Clone, Copy)]
struct Combo {
    suite: &'static SuiteInfo,
    group: NamedGroup,
    ems: bool,
    etm: bool,
}

fn config(peer: &Peer, c: Combo) -> ClientConfig {
    let mut config = ClientConfig::new(peer.server_name());
    config.suites = vec![c.suite];
    config.groups = config_groups(c);
    config.offer_extended_master_secret = c.ems;
    config.offer_encrypt_then_mac = c.etm;
    config.verification = Verification::Verify(CertVerifier::from_ca_file(&peer.ca_pem_path()).unwrap());
    config
}

/// The groups offered: the combination's, plus P-256 with ECDSA suites
/// (RFC 8422 §5.1.1: supported_groups also names the curves a server's ECDSA
/// certificate may use; the test certificates are P-256).
fn config_groups(c: Combo) -> Vec<NamedGroup> {
    let mut groups = vec![c.group];
    if c.suite.kx == KeyExchange::EcdheEcdsa && c.group != NamedGroup::SECP256R1 {
        groups.push(NamedGroup::SECP256R1);
    }
    groups
}

/// One connection: handshake, round trip, key-log check. Returns whether it
/// resumed and the session to resume with.
fn connect(
    peer: &Peer,
    c: Combo,
    resume: Option<StoredSession>,
) -> Result<(bool, Option<StoredSession>), Error> {
    let mut config = config(peer, c);
    config.resume = resume;
    let mut tls = net::connect(&peer.addr().to_string(), Client::new(config), timeouts())?;
    let s = tls.client().session();
    if s.suite.map(|s| s.id) != Some(c.suite.id) {
        return Err(Error::Internal(format!("negotiated {:?}", s.suite.map(|s| s.id))));
    }
    // With a single group offered the server must use it; with the
    // certificate's curve added (ECDSA), it may pick either (its preference).
    let offered = config_groups(c);
    if c.suite.kx.is_ecdhe() && !s.resumed && !s.group.is_some_and(|g| offered.contains(&g)) {
        return Err(Error::Internal(format!("group {:?}", s.group)));
    }
    let resumed = s.resumed;
    let cr = s.client_random.unwrap();
    let ours = tls.client().master_secret().unwrap();
    let session = tls.client().session_to_resume();
    peer.round_trip(&mut tls).map_err(Error::Internal)?;
    tls.close()?;
    drop(tls);
    if peer.kind().capabilities().key_log {
        // GnuTLS and tlslite-ng log full handshakes only; a resumed one
        // reuses the master secret already checked on the full handshake.
        let wait = if resumed {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(3)
        };
        match peer.wait_master_secret(&cr, wait) {
            Some(theirs) if theirs != ours => {
                return Err(Error::Internal(
                    "master secret differs from the server's key log".into(),
                ))
            }
            Some(_) => {}
            None if resumed => {}
            None => return Err(Error::Internal("no key log line from the server".into())),
        }
    }
    Ok((resumed, session))
}

/// Runs every combination against one server implementation, for both key types.
fn run_peer(kind: PeerKind) -> (String, Vec<String>) {
    let mut rows = String::new();
    let mut failures = vec![];
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for key_type in [KeyType::Rsa2048, KeyType::EcdsaP256] {
        let ours: Vec<&'static SuiteInfo> = ALL_SUITES
            .iter()
            .filter(|s| (s.kx == KeyExchange::EcdheEcdsa) == (key_type == KeyType::EcdsaP256))
            .collect();
        let opts = PeerOptions {
            suites: Some(
                ours.iter()
                    .map(|s| s.id)
                    .filter(|&id| kind.capabilities().cbc || is_aead(id))
                    .collect(),
            ),
            key_type,
            ..PeerOptions::default()
        };
        let peer = match Peer::start(kind, &opts) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: cannot start ({key_type:?}): {e}", kind.name()));
                continue;
            }
        };
        for &suite in &ours {
            let groups: &[NamedGroup] = if suite.kx.is_ecdhe() {
                &GROUPS
            } else {
                &GROUPS[..1]
            };
            let etms: &[bool] = if suite.is_aead() { &[true] } else { &[true, false] };
            for &group in groups {
                for ems in [true, false] {
                    for &etm in etms {
                        let c = Combo {
                            suite,
                            group,
                            ems,
                            etm,
                        };
                        let cell = run_combo(&peer, c, &mut failures);
                        *counts.entry(cell_kind(&cell)).or_default() += 1;
                        let g = if suite.kx.is_ecdhe() {
                            group.to_string()
                        } else {
                            "-".into()
                        };
                        let _ = writeln!(
                            rows,
                            "| {} | {} | {g} | {} | {} | {cell} |",
                            kind.name(),
                            suite.openssl_name,
                            if ems { "on" } else { "off" },
                            if suite.is_aead() {
                                "n/a"
                            } else if etm {
                                "on"
                            } else {
                                "off"
                            },
                        );
                    }
                }
            }
        }
    }
    println!("{}: {counts:?}", kind.name());
    (rows, failures)
}

fn is_aead(id: tlslab::wire::CipherSuite) -> bool {
    tlslab::crypto::suites::lookup(id).is_some_and(|s| s.is_aead())
}

fn cell_kind(cell: &str) -> &'static str {
    if cell.starts_with("ok") {
        "ok"
    } else if cell.starts_with("refused") {
        "refused"
    } else {
        "FAILED"
    }
}

/// One combination: full handshake, then a resumption attempt.
fn run_combo(peer: &Peer, c: Combo, failures: &mut Vec<String>) -> String {
    let supported = peer.supports(c.suite.id);
    match connect(peer, c, None) {
        Ok((_, session)) if supported => match session {
            Some(session) => match connect(peer, c, Some(session)) {
                Ok((true, _)) => "ok, resumed".into(),
                Ok((false, _)) => {
                    failures.push(format!(
                        "{} {}: the server declined to resume",
                        peer.name(),
                        c.suite.openssl_name
                    ));
                    "FAILED: not resumed".into()
                }
                Err(e) => {
                    failures.push(format!(
                        "{} {} resumption: {e}",
                        peer.name(),
                        c.suite.openssl_name
                    ));
                    format!("FAILED resuming: {e}")
                }
            },
            None => {
                failures.push(format!(
                    "{} {}: no session ID and no ticket",
                    peer.name(),
                    c.suite.openssl_name
                ));
                "FAILED: nothing to resume".into()
            }
        },
        Ok(_) => {
            failures.push(format!(
                "{} accepted {}, which it does not list",
                peer.name(),
                c.suite.openssl_name
            ));
            "FAILED: accepted an unlisted suite".into()
        }
        Err(Error::AlertReceived(a)) if !supported => format!("refused: {}", a.description),
        Err(e) => {
            failures.push(format!(
                "{} {} {} ems={} etm={}: {e}",
                peer.name(),
                c.suite.openssl_name,
                c.group,
                c.ems,
                c.etm
            ));
            format!("FAILED: {e}")
        }
    }
}

fn matrix(kind: PeerKind) {
    let (rows, failures) = run_peer(kind);
    let header = "| server | suite | group | EMS | EtM | result |\n| --- | --- | --- | --- | --- | --- |\n";
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        dir.join(format!("interop-matrix-{}.md", kind.name())),
        format!("{header}{rows}"),
    );
    assert!(failures.is_empty(), "{}:\n{}", kind.name(), failures.join("\n"));
}

#[test]
fn openssl() {
    matrix(PeerKind::OpenSsl);
}

#[test]
fn gnutls() {
    matrix(PeerKind::GnuTls);
}

#[test]
fn tlslite_ng() {
    matrix(PeerKind::TlsliteNg);
}

#[test]
fn rustls() {
    matrix(PeerKind::Rustls);
}

#[test]
fn mbedtls() {
    matrix(PeerKind::MbedTls);
}
