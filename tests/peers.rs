//! Interop with five independent TLS 1.2 servers started on 127.0.0.1:
//! `openssl s_server`, `gnutls-serv`, tlslite-ng's `tls.py server`, a rustls
//! server (in this process, `tlslab_peers::rustls`) and lighttpd with mod_mbedtls.
//!
//! For each: a handshake and an application-data round trip with a GCM suite
//! and (where the server has CBC) a CBC suite, over x25519, P-256 and P-384;
//! the master secret checked against the server's own key log where it keeps
//! one (OpenSSL, GnuTLS, tlslite-ng, rustls); and a suite the server does
//! not offer refused with the server's alert, by name, quickly. Servers that
//! can switch extended_master_secret off are also checked without it (the
//! RFC 5246 §8.1 master secret, again against their key log).
//!
//! The expected values come from the servers: the echoed bytes, the
//! reversed line of `s_server -rev`, the HTTP body lighttpd serves, and the
//! master secret each server wrote itself.

mod common;

use std::time::{Duration, Instant};

use tlslab::crypto::cert::CertVerifier;
use tlslab::error::ToolError;
use tlslab::wire::{AlertDescription, CipherSuite, NamedGroup};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::testkit::{master_secret_is_logged, peer_config};
use tlslab_peers::{KeyType, Peer, PeerKind, PeerOptions};

const GCM128: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const GCM256: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
const CBC_SHA: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
const CBC_SHA384: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384;
/// Left out of every server's list below, so that offering only this suite
/// must fail.
const NOT_ENABLED: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;

fn timeouts() -> Timeouts {
    common::timeouts(Duration::from_secs(10))
}

fn config(peer: &Peer, suites_offered: &[CipherSuite], group: NamedGroup, ems: bool) -> ClientConfig {
    let mut c = peer_config(peer, suites_offered);
    c.groups = vec![group];
    c.offer_extended_master_secret = ems;
    c
}

/// One handshake + round trip; checks the negotiated suite, group and EMS,
/// and our master secret against the server's key log.
fn round_trip(peer: &Peer, suite: CipherSuite, group: NamedGroup, ems_expected: bool) -> Result<(), String> {
    let client = Client::new(config(peer, &[suite], group, true));
    let mut tls = net::connect(&peer.addr().to_string(), client, timeouts()).map_err(|e| e.to_string())?;
    let session = tls.client().session();
    let negotiated = session.suite.map(|s| s.id);
    if negotiated != Some(suite) {
        return Err(format!("negotiated {negotiated:?}"));
    }
    if session.group != Some(group) {
        return Err(format!("group {:?}", session.group));
    }
    if session.extended_master_secret != ems_expected {
        return Err(format!(
            "extended_master_secret = {}",
            session.extended_master_secret
        ));
    }
    let client_random = session.client_random.ok_or("no client_random")?;
    let ours = tls.client().master_secret().ok_or("no master secret")?;
    peer.round_trip(&mut tls)?;
    tls.close().map_err(|e| format!("close: {e}"))?;
    drop(tls);
    if peer.kind().capabilities().key_log {
        master_secret_is_logged(peer, &client_random, &ours)?;
    }
    Ok(())
}

/// Offers only `suite`, which the server does not take; the handshake must
/// end with the server's alert, by name, within a few seconds.
fn refused(peer: &Peer, suite: CipherSuite) -> Result<AlertDescription, String> {
    let started = Instant::now();
    let client = Client::new(config(peer, &[suite], NamedGroup::X25519, true));
    let r = net::connect(&peer.addr().to_string(), client, timeouts());
    let took = started.elapsed();
    match r {
        Ok(_) => Err(format!("{suite} was accepted")),
        Err(Error::AlertReceived(alert)) => {
            if took > Duration::from_secs(5) {
                return Err(format!("alert {alert} only after {took:?}"));
            }
            Ok(alert.description)
        }
        Err(e) => Err(format!("not an alert from the server: {e}")),
    }
}

fn check_peer(kind: PeerKind) {
    let opts = PeerOptions {
        suites: Some(vec![GCM128, GCM256, CBC_SHA, CBC_SHA384]),
        ..PeerOptions::default()
    };
    let peer = Peer::start(kind, &opts).unwrap_or_else(|e| panic!("starting {}: {e}", kind.name()));
    println!(
        "{}: {} started in {:?}: {}",
        peer.name(),
        peer.version(),
        peer.startup_time(),
        peer.command()
    );
    assert!(
        peer.supports(GCM128) && peer.supports(GCM256),
        "{:?}",
        peer.enabled_suites()
    );
    assert_eq!(
        peer.supports(CBC_SHA),
        kind.capabilities().cbc,
        "{:?}",
        peer.enabled_suites()
    );
    assert!(!peer.supports(NOT_ENABLED), "{:?}", peer.enabled_suites());

    let mut failures = vec![];
    let cases = [
        (GCM128, NamedGroup::X25519),
        (GCM256, NamedGroup::SECP256R1),
        (CBC_SHA, NamedGroup::X25519),
        (CBC_SHA384, NamedGroup::SECP384R1),
    ];
    for (suite, group) in cases {
        if !peer.supports(suite) {
            continue;
        }
        let started = Instant::now();
        let r = round_trip(&peer, suite, group, true);
        println!(
            "{:<12} {suite:<45} {group:<10} {:?} {}",
            peer.name(),
            started.elapsed(),
            r.as_ref().err().map_or("ok", |e| e)
        );
        if let Err(e) = r {
            failures.push(format!("{suite} {group}: {e}"));
        }
    }

    let mut not_offered = vec![NOT_ENABLED];
    if !kind.capabilities().cbc {
        not_offered.push(CBC_SHA);
    }
    for suite in not_offered {
        match refused(&peer, suite) {
            Ok(alert) => {
                println!("{:<12} {suite:<45} refused with {alert}", peer.name());
                if alert != AlertDescription::HANDSHAKE_FAILURE {
                    failures.push(format!("{suite}: alert {alert}, expected handshake_failure"));
                }
            }
            Err(e) => failures.push(format!("{suite} not offered by the server: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}\n{}",
        peer.name(),
        failures.join("\n"),
        peer.output_tail(30)
    );
}

/// A server told not to accept extended_master_secret: the handshake uses
/// the RFC 5246 §8.1 master secret, which the server's key log confirms.
fn check_without_ems(kind: PeerKind) {
    let opts = PeerOptions {
        suites: Some(vec![GCM128, CBC_SHA]),
        ems: false,
        etm: false,
        ..PeerOptions::default()
    };
    if !kind.capabilities().disable_ems {
        let err = Peer::start(kind, &opts).err().expect("cannot honour ems = false");
        assert!(matches!(err, Error::Tool(ToolError::Config(_))), "{err}");
        return;
    }
    let peer = Peer::start(kind, &opts).unwrap_or_else(|e| panic!("starting {}: {e}", kind.name()));
    for suite in [GCM128, CBC_SHA] {
        if let Err(e) = round_trip(&peer, suite, NamedGroup::X25519, false) {
            panic!(
                "{} without EMS, {suite}: {e}\n{}",
                peer.name(),
                peer.output_tail(30)
            );
        }
    }
}

#[test]
fn openssl_s_server() {
    check_peer(PeerKind::OpenSsl);
    check_without_ems(PeerKind::OpenSsl);
}

#[test]
fn gnutls_serv() {
    check_peer(PeerKind::GnuTls);
    check_without_ems(PeerKind::GnuTls);
}

#[test]
fn tlslite_ng() {
    check_peer(PeerKind::TlsliteNg);
    check_without_ems(PeerKind::TlsliteNg);
}

#[test]
fn rustls_server() {
    check_peer(PeerKind::Rustls);
    check_without_ems(PeerKind::Rustls);
}

#[test]
fn lighttpd_mbedtls() {
    check_peer(PeerKind::MbedTls);
    check_without_ems(PeerKind::MbedTls);
}

#[test]
fn default_options_start_and_serve_every_kind_with_rsa_and_ecdsa_keys() {
    // Each server's own default suites and groups; the client offers all it has.
    for (kind, key_type) in PeerKind::ALL
        .into_iter()
        .flat_map(|k| [(k, KeyType::Rsa2048), (k, KeyType::EcdsaP256)])
    {
        let opts = PeerOptions {
            key_type,
            ..PeerOptions::default()
        };
        let peer = Peer::start(kind, &opts).unwrap_or_else(|e| panic!("{} {key_type:?}: {e}", kind.name()));
        let mut c = ClientConfig::new(peer.server_name());
        c.verification = Verification::Verify(CertVerifier::from_ca_file(&peer.ca_pem_path()).unwrap());
        let mut tls = net::connect(&peer.addr().to_string(), Client::new(c), timeouts())
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", peer.name(), peer.output_tail(30)));
        let suite = tls.client().session().suite.unwrap().id;
        assert!(peer.supports(suite), "{} picked {suite}", peer.name());
        peer.round_trip(&mut tls)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", peer.name(), peer.output_tail(30)));
        tls.close().unwrap();
        assert_eq!(
            suite.name().unwrap().contains("ECDSA"),
            key_type == KeyType::EcdsaP256,
            "{suite}"
        );
        println!("{:<12} {key_type:?} default: {suite}", peer.name());
    }
}

/// The extensions in the ServerHello that `openssl s_client -trace` (an
/// independent client that offers both) reports, for a CBC suite.
fn server_hello_extensions(peer: &Peer) -> String {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-tls1_2",
            "-trace",
            "-cipher",
            "ECDHE-RSA-AES128-SHA",
            "-connect",
        ])
        .arg(peer.addr().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let start = out
        .find("ServerHello, Length")
        .unwrap_or_else(|| panic!("{}: no ServerHello:\n{out}", peer.name()));
    let hello = &out[start..];
    let end = hello.find("Certificate, Length").unwrap_or(hello.len());
    hello[..end].to_owned()
}

#[test]
fn ems_and_etm_switches_show_in_the_server_hello_seen_by_openssl_s_client() {
    for kind in PeerKind::ALL {
        let caps = kind.capabilities();
        if !caps.cbc {
            continue;
        }
        let on = Peer::start(kind, &PeerOptions::default()).unwrap();
        let hello = server_hello_extensions(&on);
        assert!(
            hello.contains("extended_master_secret(23)"),
            "{}:\n{hello}",
            on.name()
        );
        assert!(hello.contains("encrypt_then_mac(22)"), "{}:\n{hello}", on.name());
        drop(on);
        if caps.disable_ems && caps.disable_etm {
            let opts = PeerOptions {
                ems: false,
                etm: false,
                ..PeerOptions::default()
            };
            let off = Peer::start(kind, &opts).unwrap();
            let hello = server_hello_extensions(&off);
            assert!(
                !hello.contains("extended_master_secret(23)"),
                "{}:\n{hello}",
                off.name()
            );
            assert!(
                !hello.contains("encrypt_then_mac(22)"),
                "{}:\n{hello}",
                off.name()
            );
        }
    }
}

/// A rustls (ring) TLS 1.2 server in memory, for what only the server's API
/// shows: its own RFC 5705 exporter and its tls-unique view.
fn rustls_server_connection(suite: CipherSuite) -> rustls::ServerConnection {
    use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    let material = tlslab_peers::rustls::throwaway_material(KeyType::Rsa2048).unwrap();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&material.cert_pem)
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(&material.key_pem).unwrap();
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.retain(|s| u16::from(s.suite()) == suite.0);
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    rustls::ServerConnection::new(std::sync::Arc::new(config)).unwrap()
}

/// Runs our client against `server` in memory until both handshakes are
/// done: every byte one writes is handed to the other.
fn handshake_in_memory(client: &mut Client<'_>, server: &mut rustls::ServerConnection) {
    let mut to_server = vec![];
    client.start(&mut to_server).unwrap();
    for _ in 0..10 {
        let mut rd = &to_server[..];
        while !rd.is_empty() {
            server.read_tls(&mut rd).unwrap();
        }
        server.process_new_packets().unwrap();
        let mut to_client = vec![];
        while server.wants_write() {
            server.write_tls(&mut to_client).unwrap();
        }
        to_server = vec![];
        client.receive(&to_client, &mut to_server).unwrap();
        if client.is_established() && !server.is_handshaking() && to_server.is_empty() {
            return;
        }
    }
    panic!("the handshake did not finish");
}

#[test]
fn exported_keying_material_equals_rustls_s() {
    // RFC 5705 §4 on both sides of one connection: rustls' exporter
    // (`ServerConnection::export_keying_material`) against ours, for the
    // SHA-256 and the SHA-384 PRF, with no context, an empty context (its
    // two length bytes still go into the seed) and a context.
    for suite in [GCM128, GCM256] {
        let mut server = rustls_server_connection(suite);
        let mut config = ClientConfig::new("localhost");
        config.verification = Verification::Insecure;
        let mut client = Client::new(config);
        handshake_in_memory(&mut client, &mut server);
        for context in [None, Some(&b""[..]), Some(&b"tlslab context"[..])] {
            let ours = client
                .export_keying_material(b"EXPERIMENTAL-tlslab", context, 77)
                .unwrap();
            let theirs = server
                .export_keying_material([0u8; 77], b"EXPERIMENTAL-tlslab", context)
                .unwrap();
            assert_eq!(ours, theirs, "{suite:?} context {context:?}");
        }
        // The labels TLS uses itself would hand out its own secrets.
        assert!(client.export_keying_material(b"key expansion", None, 16).is_err());
    }
    // Not before the handshake: there is no master secret yet.
    let mut fresh = Client::new(ClientConfig::new("localhost"));
    assert!(fresh
        .export_keying_material(b"EXPERIMENTAL-tlslab", None, 16)
        .is_err());
}

/// Python's `ssl` (OpenSSL) as a server that reports its view of the
/// connection's tls-unique channel binding (`SSLSocket.get_channel_binding`).
const PY_TLS_UNIQUE_SERVER: &str = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print(ls.getsockname()[1], flush=True)
conn, _ = ls.accept()
tls = ctx.wrap_socket(conn, server_side=True)
print(tls.get_channel_binding("tls-unique").hex(), flush=True)
tls.close()
"#;

#[test]
fn tls_unique_equals_openssl_s_through_python() {
    // RFC 5929 §3.1: the first Finished of the handshake; in a full
    // handshake the client's. OpenSSL computes it on the server side.
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!("tlslab-tls-unique-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let material = tlslab_peers::rustls::throwaway_material(KeyType::Rsa2048).unwrap();
    std::fs::write(dir.join("cert.pem"), &material.cert_pem).unwrap();
    std::fs::write(dir.join("key.pem"), &material.key_pem).unwrap();
    let mut child = std::process::Command::new("python3")
        .args(["-c", PY_TLS_UNIQUE_SERVER])
        .arg(dir.join("cert.pem"))
        .arg(dir.join("key.pem"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = lines.next().unwrap().unwrap().trim().parse().unwrap();
    let mut config = ClientConfig::new("localhost");
    config.verification = Verification::Insecure;
    let stream = net::connect(&format!("127.0.0.1:{port}"), Client::new(config), timeouts()).unwrap();
    let ours = stream
        .client()
        .session()
        .tls_unique
        .clone()
        .expect("tls-unique after a full handshake");
    drop(stream);
    let theirs = lines.next().unwrap().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(hex::encode(ours.as_slice()), theirs.trim());
}
