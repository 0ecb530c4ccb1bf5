//! TLS 1.0 (RFC 2246) and TLS 1.1 (RFC 4346) against real servers started on
//! 127.0.0.1, each once for this file: `openssl s_server -tls1` / `-tls1_1`
//! (cipher string ending in `@SECLEVEL=0`), `gnutls-serv` with the priority
//! string `NORMAL:-VERS-ALL:+VERS-TLS1.0` / `+VERS-TLS1.1`, and tlslite-ng's
//! `tls.py server` with its minimum and maximum version set to one of them.
//!
//! For each server and version: RSA key transport, ECDHE-RSA and DHE-RSA
//! with the CBC-SHA1 suites (and ECDHE-ECDSA where the server has an ECDSA
//! certificate), with encrypt_then_mac and without it; the master secret
//! equal to the one in the server's own key log (OpenSSL `-keylogfile`,
//! GnuTLS `SSLKEYLOGFILE`, tlslite-ng's session state); several
//! application-data round trips (the TLS 1.0 IV chain runs over several
//! records in both directions) and the same with the 1/n-1 split.
//!
//! Then the version negotiation itself: a TLS 1.2 client with a lower
//! minimum falls to the server's version, one without is refused with
//! protocol_version, a TLS 1.0 client is refused by a TLS 1.2 server, and a
//! version rollback made by a proxy on the way (a rewritten
//! `ClientHello.client_version`) is caught by the server's downgrade
//! sentinel (RFC 8446 §4.1.3). And `diagnose`: a TLS 1.0-only server is
//! named as speaking only an older version, a path that drops TLS 1.2
//! hellos as version intolerance, each with the highest version accepted.
//!
//! Expected values come from the servers: their echoes, their key logs,
//! their alerts and their ServerHello.random.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::error::{HandshakeError, IllegalParameter};
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::wire::{AlertDescription, CipherSuite, ContentType, Direction, ProtocolVersion};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::proxy::{Proxy, ProxyMode};
use tlslab_peers::testkit::{master_secret_is_logged, peer_config};
use tlslab_peers::{KeyType, Peer, PeerKind, PeerOptions};

const RSA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
const ECDHE_RSA: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA;
const DHE_RSA: CipherSuite = CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA;
const ECDHE_ECDSA: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA;

fn timeouts() -> Timeouts {
    common::timeouts(Duration::from_secs(15))
}

/// The servers started so far: kind, version, key type, the server.
type Servers = std::sync::Mutex<Vec<(PeerKind, u16, KeyType, &'static Peer)>>;

/// One server per (kind, version, key type), started on first use and kept
/// for the whole file.
fn server(kind: PeerKind, version: ProtocolVersion, key_type: KeyType) -> &'static Peer {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    let list = SERVERS.get_or_init(Default::default);
    let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((.., p)) = list
        .iter()
        .find(|(k, v, t, _)| *k == kind && *v == version.0 && *t == key_type)
    {
        return p;
    }
    let suites = match key_type {
        KeyType::Rsa2048 => vec![RSA, ECDHE_RSA, DHE_RSA],
        _ => vec![ECDHE_ECDSA],
    };
    let opts = PeerOptions {
        suites: Some(suites),
        key_type,
        version: Some(version),
        ..PeerOptions::default()
    };
    let peer: &'static Peer = Box::leak(Box::new(
        Peer::start(kind, &opts).unwrap_or_else(|e| panic!("starting {} {version}: {e}", kind.name())),
    ));
    list.push((kind, version.0, key_type, peer));
    peer
}

fn config(peer: &Peer, suite: CipherSuite, min: ProtocolVersion, max: ProtocolVersion) -> ClientConfig {
    let mut c = peer_config(peer, &[suite]);
    c.min_version = min;
    c.max_version = max;
    c
}

/// A handshake with `peer` offering only ECDHE-RSA, versions `min` to `max`.
fn connect_ecdhe_rsa(
    peer: &Peer,
    min: ProtocolVersion,
    max: ProtocolVersion,
) -> Result<net::TlsStream<'static>, Error> {
    net::connect(
        &peer.addr().to_string(),
        Client::new(config(peer, ECDHE_RSA, min, max)),
        timeouts(),
    )
}

/// The IV chain of one direction, as the `cbc_iv_chain` events report it:
/// each record's IV is the previous one's `next_iv` (its last ciphertext
/// block), the first is the key block's write IV, and there is one event
/// per protected record of that direction.
fn check_iv_chain(events: &[OwnedEvent], direction: Direction) -> Result<usize, String> {
    let key_block = events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::KeyBlock(kb) => Some(kb.clone()),
            _ => None,
        })
        .ok_or("no key_block event")?;
    let first = match direction {
        Direction::ClientToServer => key_block.client_write_iv.clone(),
        Direction::ServerToClient => key_block.server_write_iv.clone(),
    };
    if first.len() != 16 {
        return Err(format!(
            "{direction}: write IV of {} bytes in the key block",
            first.len()
        ));
    }
    let chain: Vec<(Vec<u8>, Vec<u8>)> = events
        .iter()
        .filter_map(|e| match e {
            OwnedEvent::CbcIvChain {
                direction: d,
                iv,
                next_iv,
                ..
            } if *d == direction => Some((iv.to_vec(), next_iv.to_vec())),
            _ => None,
        })
        .collect();
    let protected = events
        .iter()
        .filter(|e| match (e, direction) {
            (OwnedEvent::RecordOut(r), Direction::ClientToServer)
            | (OwnedEvent::RecordIn(r), Direction::ServerToClient) => {
                r.protected && r.content_type != ContentType::CHANGE_CIPHER_SPEC
            }
            _ => false,
        })
        .count();
    if chain.len() != protected {
        return Err(format!(
            "{direction}: {} cbc_iv_chain events for {protected} protected records",
            chain.len()
        ));
    }
    let mut expected = first.to_vec();
    for (i, (iv, next)) in chain.iter().enumerate() {
        if *iv != expected {
            return Err(format!(
                "{direction} record {i}: IV {} where the chain gives {}",
                hex::encode(iv),
                hex::encode(&expected)
            ));
        }
        expected = next.clone();
    }
    Ok(chain.len())
}

/// One connection: handshake, `round_trips` application-data round trips,
/// close; checks the version, the suite, our master secret against the
/// server's key log, and (TLS 1.0) the IV chain of both directions, or
/// (TLS 1.1) that no record used one. With `split`, the 1/n-1 split is on
/// and encrypt_then_mac off, and the first application-data record we send
/// must carry one byte of plaintext.
fn connection(
    peer: &Peer,
    suite: CipherSuite,
    version: ProtocolVersion,
    etm: bool,
    split: bool,
) -> Result<(), String> {
    let mut c = config(peer, suite, ProtocolVersion::TLS10, version);
    c.offer_encrypt_then_mac = etm;
    c.split_one_n_minus_one = split;
    let mut rec = Recorder::new();
    let (client_random, ours) = {
        let client = Client::with_observer(c, &mut rec);
        let mut tls =
            net::connect(&peer.addr().to_string(), client, timeouts()).map_err(|e| e.to_string())?;
        let session = tls.client().session();
        if session.version != Some(version) {
            return Err(format!("negotiated {:?}", session.version));
        }
        if session.suite.map(|s| s.id) != Some(suite) {
            return Err(format!("negotiated suite {:?}", session.suite.map(|s| s.id)));
        }
        if session.encrypt_then_mac != etm {
            return Err(format!("encrypt_then_mac = {}", session.encrypt_then_mac));
        }
        let client_random = session.client_random.ok_or("no client_random")?;
        let ours = tls.client().master_secret().ok_or("no master secret")?;
        for i in 0..3 {
            peer.round_trip(&mut tls)
                .map_err(|e| format!("round trip {i}: {e}"))?;
        }
        tls.close().map_err(|e| format!("close: {e}"))?;
        (client_random, ours)
    };
    master_secret_is_logged(peer, &client_random, &ours)?;
    // Every record of the connection carries the negotiated version.
    for e in &rec.events {
        if let OwnedEvent::RecordOut(r) | OwnedEvent::RecordIn(r) = e {
            if r.protected && r.version != version {
                return Err(format!("a protected record with version {}", r.version));
            }
        }
    }
    if version == ProtocolVersion::TLS10 {
        // Our Finished, three requests, close_notify; their Finished and three answers at least.
        let sent = check_iv_chain(&rec.events, Direction::ClientToServer)?;
        let received = check_iv_chain(&rec.events, Direction::ServerToClient)?;
        if sent < 5 || received < 4 {
            return Err(format!(
                "only {sent} records sent and {received} received under the chain"
            ));
        }
    } else if rec
        .events
        .iter()
        .any(|e| matches!(e, OwnedEvent::CbcIvChain { .. }))
    {
        return Err("a TLS 1.1 record used the implicit IV chain".into());
    }
    if split {
        // MAC-then-encrypt: mac_input's fragment is the plaintext. Our
        // requests are the application-data records after the Finished (seq 0).
        let first_app = rec.events.iter().find_map(|e| match e {
            OwnedEvent::MacInput(m)
                if m.direction == Direction::ClientToServer && m.pseudo_header[8] == 23 =>
            {
                Some(m.fragment.len())
            }
            _ => None,
        });
        if first_app != Some(1) {
            return Err(format!(
                "1/n-1: the first application-data record carries {first_app:?} bytes"
            ));
        }
    }
    Ok(())
}

/// Every RSA-certificate suite with and without encrypt_then_mac, then the
/// 1/n-1 split, against one server of one version.
fn suites_and_records(kind: PeerKind, version: ProtocolVersion) {
    let peer = server(kind, version, KeyType::Rsa2048);
    let mut failures = vec![];
    for suite in [RSA, ECDHE_RSA, DHE_RSA] {
        for etm in [true, false] {
            if let Err(e) = connection(peer, suite, version, etm, false) {
                failures.push(format!("{suite} etm={etm}: {e}"));
            }
        }
    }
    if let Err(e) = connection(peer, ECDHE_RSA, version, false, true) {
        failures.push(format!("{ECDHE_RSA} 1/n-1: {e}"));
    }
    assert!(
        failures.is_empty(),
        "{} {version}:\n{}\n{}",
        kind.name(),
        failures.join("\n"),
        peer.output_tail(20)
    );
}

/// One test of [`suites_and_records`] per server kind and version.
macro_rules! suites_and_records_tests {
    ($($name:ident: $kind:ident $version:ident;)*) => {$(
        #[test]
        fn $name() {
            suites_and_records(PeerKind::$kind, ProtocolVersion::$version);
        }
    )*};
}

suites_and_records_tests! {
    openssl_tls10: OpenSsl TLS10;
    openssl_tls11: OpenSsl TLS11;
    gnutls_tls10: GnuTls TLS10;
    gnutls_tls11: GnuTls TLS11;
    tlslite_tls10: TlsliteNg TLS10;
    tlslite_tls11: TlsliteNg TLS11;
}

/// ECDHE-ECDSA: the ServerKeyExchange is an ECDSA signature over SHA-1
/// (RFC 4492 §5.4), without the algorithm field of TLS 1.2.
#[test]
fn ecdsa_signatures_of_tls10_and_tls11() {
    let mut failures = vec![];
    for kind in [PeerKind::OpenSsl, PeerKind::GnuTls] {
        for version in [ProtocolVersion::TLS10, ProtocolVersion::TLS11] {
            let peer = server(kind, version, KeyType::EcdsaP256);
            for etm in [true, false] {
                if let Err(e) = connection(peer, ECDHE_ECDSA, version, etm, false) {
                    failures.push(format!(
                        "{} {version} etm={etm}: {e}\n{}",
                        kind.name(),
                        peer.output_tail(10)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A client that offers TLS 1.2 but accepts TLS 1.0 gets TLS 1.0 from a
/// server that speaks nothing else, in one handshake; with the default
/// minimum (TLS 1.2) the same ServerHello is refused with protocol_version
/// (RFC 5246 Appendix E.1).
#[test]
fn a_tls12_client_falls_to_the_servers_version_only_when_allowed() {
    let peer = server(PeerKind::OpenSsl, ProtocolVersion::TLS10, KeyType::Rsa2048);
    let mut tls = connect_ecdhe_rsa(peer, ProtocolVersion::TLS10, ProtocolVersion::TLS12)
        .expect("TLS 1.0 within 1.0..1.2");
    assert_eq!(tls.client().session().version, Some(ProtocolVersion::TLS10));
    peer.round_trip(&mut tls).unwrap();
    tls.close().unwrap();
    drop(tls);

    match connect_ecdhe_rsa(peer, ProtocolVersion::TLS12, ProtocolVersion::TLS12) {
        Err(Error::Handshake(HandshakeError::ProtocolVersion(v))) => assert_eq!(v, ProtocolVersion::TLS10),
        Err(e) => panic!("expected our protocol_version, got {e}"),
        Ok(_) => panic!("a TLS 1.0 ServerHello was accepted with minimum TLS 1.2"),
    }
}

/// A client that offers only TLS 1.0 to a TLS 1.2-only server gets the
/// server's protocol_version alert.
#[test]
fn a_tls10_client_is_refused_by_a_tls12_server() {
    let peer = server(PeerKind::OpenSsl, ProtocolVersion::TLS12, KeyType::Rsa2048);
    match connect_ecdhe_rsa(peer, ProtocolVersion::TLS10, ProtocolVersion::TLS10) {
        Err(Error::AlertReceived(a)) => assert_eq!(a.description, AlertDescription::PROTOCOL_VERSION),
        Err(e) => panic!("expected the server's protocol_version alert, got {e}"),
        Ok(_) => panic!("a TLS 1.2-only server accepted TLS 1.0"),
    }
}

/// The downgrade sentinel (RFC 8446 §4.1.3) against a real rollback: a
/// proxy rewrites our `ClientHello.client_version` from TLS 1.2 to TLS 1.1
/// on its way to tlslite-ng (which speaks up to TLS 1.3, here capped at 1.2).
/// The server answers TLS 1.1 with `DOWNGRD\x00` at the end of its random;
/// the client, which offered TLS 1.2, stops with illegal_parameter. A client
/// that itself offers at most TLS 1.1 reads the same sentinel as no attack
/// and completes.
#[test]
fn a_version_rollback_on_the_path_is_caught_by_the_downgrade_sentinel() {
    let peer = Peer::start(
        PeerKind::TlsliteNg,
        &PeerOptions {
            suites: Some(vec![ECDHE_RSA]),
            ..PeerOptions::default()
        },
    )
    .expect("tlslite-ng");
    let proxy = Proxy::start(
        peer.addr(),
        ProxyMode::RewriteHelloVersion(ProtocolVersion::TLS11),
    )
    .expect("proxy");
    let mut rec = Recorder::new();
    let client = Client::with_observer(
        config(&peer, ECDHE_RSA, ProtocolVersion::TLS10, ProtocolVersion::TLS12),
        &mut rec,
    );
    match net::connect(&proxy.addr().to_string(), client, timeouts()) {
        Err(Error::Handshake(HandshakeError::IllegalParameter(IllegalParameter::DowngradeSentinel(v)))) => {
            assert_eq!(v, ProtocolVersion::TLS11)
        }
        Err(e) => panic!("expected the downgrade sentinel, got {e}"),
        Ok(_) => panic!("the rolled-back handshake completed"),
    }
    assert!(rec.events.iter().any(|e| matches!(
        e,
        OwnedEvent::VersionNegotiated {
            server_version: ProtocolVersion::TLS11,
            downgrade_sentinel: true,
            ..
        }
    )));

    let mut tls = connect_ecdhe_rsa(&peer, ProtocolVersion::TLS11, ProtocolVersion::TLS11)
        .expect("TLS 1.1 offered and chosen");
    assert_eq!(tls.client().session().version, Some(ProtocolVersion::TLS11));
    peer.round_trip(&mut tls).unwrap();
}

/// Resumption keeps the session's version (RFC 5246 §7.4.1.3: the server
/// resumes "using the specified session state"; Appendix E.1: a client
/// resuming knows the server's version). tlslite-ng, which speaks TLS 1.0 to
/// 1.2, resumes a session by its ID in whatever version the new ClientHello
/// allows: a session made in TLS 1.0 and offered again by a client that
/// allows TLS 1.2 is resumed by the server in TLS 1.2. The client refuses
/// that ServerHello with a protocol_version alert (OpenSSL:
/// SSL_R_SSL_SESSION_VERSION_MISMATCH; BoringSSL:
/// OLD_SESSION_VERSION_NOT_RETURNED). The same session offered in TLS 1.0
/// resumes. The session's master secret is the one in tlslite-ng's key log.
#[test]
fn a_session_is_resumed_only_in_its_own_version() {
    let peer = Peer::start(
        PeerKind::TlsliteNg,
        &PeerOptions {
            suites: Some(vec![ECDHE_RSA]),
            ..PeerOptions::default()
        },
    )
    .expect("tlslite-ng");
    let tls10 = || {
        let mut c = config(&peer, ECDHE_RSA, ProtocolVersion::TLS10, ProtocolVersion::TLS10);
        c.offer_session_ticket = false;
        c
    };
    let mut tls = net::connect(&peer.addr().to_string(), Client::new(tls10()), timeouts()).expect("TLS 1.0");
    peer.round_trip(&mut tls).unwrap();
    let session = tls
        .client()
        .session_to_resume()
        .expect("tlslite-ng keeps a session cache");
    assert_eq!(session.version, ProtocolVersion::TLS10);
    assert!(!session.session_id.is_empty());
    let cr = tls.client().session().client_random.unwrap();
    assert_eq!(
        peer.wait_master_secret(&cr, Duration::from_secs(5)).as_deref(),
        Some(&session.master_secret[..]),
        "tlslite-ng's key log"
    );
    tls.close().unwrap();
    drop(tls);

    // Through a relay that logs the records: the server's answer and ours.
    let proxy = Proxy::start(peer.addr(), ProxyMode::Pass).expect("proxy");
    let mut c = config(&peer, ECDHE_RSA, ProtocolVersion::TLS10, ProtocolVersion::TLS12);
    c.offer_session_ticket = false;
    c.resume = Some(session.clone());
    match net::connect(&proxy.addr().to_string(), Client::new(c), timeouts()) {
        Err(Error::Handshake(HandshakeError::ResumedWithOtherVersion { session: s, server })) => {
            assert_eq!((s, server), (ProtocolVersion::TLS10, ProtocolVersion::TLS12))
        }
        Err(e) => panic!("expected the version mismatch, got {e}"),
        Ok(_) => panic!("a TLS 1.0 session was resumed as TLS 1.2"),
    }
    // The server did resume: its ServerHello (RFC 5246 §7.4.1.3: version,
    // random, session_id) names TLS 1.2 and echoes the session's ID.
    let hello = &proxy.server_records(0)[0].prefix;
    assert_eq!(hello[0], 2, "ServerHello");
    assert_eq!(&hello[4..6], &[3, 3], "server_version TLS 1.2");
    let id_len = hello[38] as usize;
    assert_eq!(
        &hello[39..39 + id_len],
        &session.session_id[..],
        "session_id echoed"
    );
    // Our answer: a plaintext fatal protocol_version alert (level 2, code 70,
    // RFC 5246 §7.2). Waited for: the proxy logs it as it relays it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let alert = loop {
        let found = proxy
            .client_records(0)
            .into_iter()
            .find(|r| r.content_type == ContentType::ALERT);
        match found {
            Some(r) => break r,
            None if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            None => panic!("no alert reached the server: {:?}", proxy.client_records(0)),
        }
    };
    assert_eq!(alert.prefix, vec![2, 70]);

    // In its own version the session resumes.
    let mut c = tls10();
    c.resume = Some(session.clone());
    let mut tls = net::connect(&peer.addr().to_string(), Client::new(c), timeouts()).expect("resumed");
    assert!(tls.client().session().resumed);
    assert_eq!(tls.client().session().version, Some(ProtocolVersion::TLS10));
    // Both Finished verified under keys from the session's master secret,
    // and the server echoes under them.
    peer.round_trip(&mut tls).unwrap();
}

fn diagnose_report(addr: &str, ca: &std::path::Path) -> tlslab_cli::diagnose::Report {
    let make = || {
        let mut c = ClientConfig::new("localhost");
        c.verification = Verification::Verify(CertVerifier::from_ca_file(ca)?);
        Ok(c)
    };
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let options = tlslab_cli::diagnose::Options {
        repeat: 2,
        sizes: false,
        bisect: false,
    };
    tlslab_cli::diagnose::diagnose_with(addr, &make, timeouts, &options, &mut |_, _, _| {}).unwrap()
}

/// `diagnose` against a server that speaks only TLS 1.0: it answers the
/// TLS 1.2 offer with a TLS 1.0 ServerHello, the probe of only TLS 1.0
/// completes, and the report says it speaks only an older version, not that
/// it is intolerant.
#[test]
fn diagnose_names_a_server_that_speaks_only_tls10() {
    let peer = server(PeerKind::OpenSsl, ProtocolVersion::TLS10, KeyType::Rsa2048);
    let report = diagnose_report(&peer.addr().to_string(), &peer.ca_pem_path());
    assert!(report.failed(), "the default offer must fail");
    let finding = report.versions().expect("the version probes ran");
    assert_eq!(
        finding,
        tlslab_cli::diagnose::VersionFinding::OnlyOlder {
            highest: ProtocolVersion::TLS10,
            confirmed: true
        },
        "{}",
        report.to_text()
    );
    let text = report.to_text();
    assert!(text.contains("== protocol versions"), "{text}");
    assert!(report
        .to_json()
        .contains("\"finding\":\"speaks_only_older_version\",\"highest\":\"TLSv1.0\""));
}

/// `diagnose` against a version-intolerant path: a proxy drops every
/// ClientHello whose client_version is above TLS 1.1 (silently, as the
/// intolerant servers and middleboxes of RFC 7507 §1 did) in front of
/// tlslite-ng, which speaks TLS 1.0 to 1.2. The TLS 1.2 offer gets no
/// answer, an offer of only TLS 1.1 completes: version intolerance, highest
/// version TLS 1.1. A healthy TLS 1.2 server gets no version probes at all.
#[test]
fn diagnose_finds_version_intolerance_and_the_highest_version() {
    let peer = Peer::start(PeerKind::TlsliteNg, &PeerOptions::default()).expect("tlslite-ng");
    let proxy = Proxy::start(
        peer.addr(),
        ProxyMode::DropHelloVersionAbove(ProtocolVersion::TLS11),
    )
    .expect("proxy");
    let report = diagnose_report(&proxy.addr().to_string(), &peer.ca_pem_path());
    assert!(report.failed());
    assert_eq!(
        report.versions(),
        Some(tlslab_cli::diagnose::VersionFinding::Intolerant {
            highest: ProtocolVersion::TLS11
        }),
        "{}",
        report.to_text()
    );
    // The evidence engine separates the outcomes by client_version too.
    assert!(
        report
            .conclusions
            .iter()
            .any(|c| c.cause.id() == "version_intolerance"),
        "{}",
        report.to_text()
    );

    let healthy = diagnose_report(&peer.addr().to_string(), &peer.ca_pem_path());
    assert!(!healthy.failed(), "{}", healthy.to_text());
    assert_eq!(healthy.versions(), None);
}

/// `tlslab connect` to the file's TLS 1.0 OpenSSL server, TLS 1.0 and
/// ECDHE-RSA-AES256-SHA only, sending one line, with `options` added: the
/// exit code, standard output and standard error.
fn connect_tls10(options: &[&str]) -> (i32, String, String) {
    let peer = server(PeerKind::OpenSsl, ProtocolVersion::TLS10, KeyType::Rsa2048);
    let mut args = vec![
        "--max-version",
        "tls1.0",
        "--min-version",
        "tls1.0",
        "--cipher",
        "ECDHE-RSA-AES256-SHA",
        "--send",
        "hello tlslab\n",
    ];
    args.extend(options);
    common::connect(peer.addr(), peer.server_name(), &peer.ca_pem_path(), &args)
}

/// `tlslab connect` against a TLS 1.0 server: the deprecation warning on
/// standard error, the negotiated version, and a ladder that reads the TLS
/// 1.0 ServerKeyExchange (no signature algorithm field) without a decode
/// error.
#[test]
fn connect_prints_the_warning_and_a_clean_tls10_ladder() {
    let (code, stdout, stderr) = connect_tls10(&[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("deprecated (RFC 8996)"), "{stderr}");
    assert!(
        stdout.contains("negotiated: TLSv1.0 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
        "{stdout}"
    );
    assert!(stdout.contains("← ServerKeyExchange  ECDHE"), "{stdout}");
    assert!(!stdout.contains("decode error"), "{stdout}");
    assert!(stdout.contains("balslt olleh"), "{stdout}");
}

/// A TLS 1.0 connection our client breaks on purpose (another pre-master
/// secret after the key exchange): the server answers bad_record_mac, the
/// command fails, and the explainer, which recomputes under TLS 1.0's
/// layout (no IV in the record), proves nothing false: our Finished record
/// is whole and verifies under our own keys.
#[test]
fn a_broken_tls10_connection_is_explained_without_false_proofs() {
    let (code, stdout, stderr) = connect_tls10(&["--no-etm", "--fault", "wrong-pre-master-secret"]);
    let text = stdout + &stderr;
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("bad_record_mac"), "{text}");
    assert!(!text.contains("[truncated_record]"), "{text}");
    assert!(
        text.contains("our record seq 0 verifies under our own client->server keys"),
        "{text}"
    );
}

/// A bit flipped in one of OUR application records under TLS 1.0 (the
/// `flip-ciphertext-bit` fault: bit 100 of record 1's payload, counted from
/// the most significant bit of its first byte, is inverted after sealing, as
/// corruption on the path would). OpenSSL refuses the record with
/// bad_record_mac. The record carries no IV: it was sealed under the last
/// ciphertext block of our Finished, and only with that IV does restoring
/// one bit make the record verify, so the explainer proves the corruption
/// and names the bit: byte 100 / 8 = 12, bit 7 - 100 % 8 = 3 (bits counted
/// from the least significant).
#[test]
fn a_bit_flipped_in_our_tls10_record_is_proven_with_its_position() {
    let peer = server(PeerKind::OpenSsl, ProtocolVersion::TLS10, KeyType::Rsa2048);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args([
            "connect",
            &peer.addr().to_string(),
            "--servername",
            peer.server_name(),
            "--ca",
        ])
        .arg(peer.ca_pem_path())
        .args([
            "--max-version",
            "tls1.0",
            "--min-version",
            "tls1.0",
            "--cipher",
            "ECDHE-RSA-AES256-SHA",
            "--no-etm",
            "--fault",
            "flip-ciphertext-bit:1,100",
            "--send",
            "hello tlslab, a record of a few blocks\n",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("bad_record_mac"), "{text}");
    assert!(
        text.contains("CERTAIN: server sent bad_record_mac after our record seq 1"),
        "{text}"
    );
    assert!(text.contains("bit 3 of payload byte 12 is flipped"), "{text}");
}
