//! Interop with a real `openssl s_server -tls1_2` started on 127.0.0.1.
//!
//! Each case completes a handshake and an application-data round trip, and
//! checks that the master secret our `MasterSecret` event reports equals the
//! line OpenSSL's own `-keylogfile` wrote for the same client random: the key
//! schedule is checked by another implementation.

use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::wire::{AlertDescription, NamedGroup, SignatureScheme};
use tlslab::{Client, ClientConfig, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab_peers::testkit::rev_server;

const SUITES: &[&str] = &[
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
];

fn config(suite: &str, group: NamedGroup, ems: bool) -> ClientConfig {
    let mut c = ClientConfig::new("localhost");
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c.groups = vec![group];
    c.offer_extended_master_secret = ems;
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&rev_server().ca_pem_path()).unwrap());
    c
}

/// Handshake + "hello tlslab\n" round trip; returns the failure in words.
fn round_trip(suite: &str, group: NamedGroup, ems: bool) -> Result<(), String> {
    let mut recorder = Recorder::new();
    let client = Client::with_observer(config(suite, group, ems), &mut recorder);
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let mut stream =
        net::connect(&rev_server().addr().to_string(), client, timeouts).map_err(|e| e.to_string())?;
    let negotiated = stream.client().session().suite.unwrap().openssl_name;
    if negotiated != suite {
        return Err(format!("negotiated {negotiated}"));
    }
    if stream.client().session().group != Some(group) {
        return Err(format!("group {:?}", stream.client().session().group));
    }
    if stream.client().session().extended_master_secret != ems {
        return Err("extended_master_secret not as offered".into());
    }
    stream.write_all(b"hello tlslab\n").map_err(|e| e.to_string())?;
    let mut got = vec![];
    while !got.ends_with(b"\n") {
        let more = stream.read().map_err(|e| format!("read: {e}"))?;
        if more.is_empty() {
            return Err(format!("server closed after {:?}", String::from_utf8_lossy(&got)));
        }
        got.extend_from_slice(&more);
    }
    if got != b"balslt olleh\n" {
        return Err(format!("server answered {:?}", String::from_utf8_lossy(&got)));
    }
    let client_random = stream.client().session().client_random.unwrap();
    stream.close().map_err(|e| e.to_string())?;
    drop(stream);

    // The master secret our event reported, against OpenSSL's key log.
    let ours = recorder
        .events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::MasterSecret { master_secret, .. } => Some(master_secret.to_vec()),
            _ => None,
        })
        .ok_or("no MasterSecret event")?;
    let theirs = (0..50)
        .find_map(|_| {
            let r = rev_server().keylog_master_secret(&client_random);
            if r.is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
            r
        })
        .ok_or("OpenSSL wrote no key log line for our client_random")?;
    if ours != theirs {
        return Err(format!(
            "master secret {} but OpenSSL has {}",
            hex::encode(ours),
            hex::encode(theirs)
        ));
    }
    Ok(())
}

#[test]
fn every_ecdhe_rsa_suite_over_x25519_and_p256_with_and_without_ems() {
    let mut failures = vec![];
    println!("{:<32} {:<10} {:<5} result", "suite", "group", "EMS");
    for suite in SUITES {
        for group in [NamedGroup::X25519, NamedGroup::SECP256R1] {
            for ems in [true, false] {
                let r = round_trip(suite, group, ems);
                println!(
                    "{suite:<32} {:<10} {:<5} {}",
                    group.to_string(),
                    ems,
                    r.as_ref().err().map_or("ok", |e| e)
                );
                if let Err(e) = r {
                    failures.push(format!("{suite} {group} ems={ems}: {e}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn p384_and_default_offer() {
    round_trip("ECDHE-RSA-AES256-GCM-SHA384", NamedGroup::SECP384R1, true).unwrap();
    // secp521r1 (not offered by default) against OpenSSL's key log.
    round_trip("ECDHE-RSA-AES128-GCM-SHA256", NamedGroup::SECP521R1, true).unwrap();
    // Everything offered: the server picks; the handshake still completes.
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&rev_server().ca_pem_path()).unwrap());
    let mut s = net::connect(
        &rev_server().addr().to_string(),
        Client::new(c),
        Timeouts::default(),
    )
    .unwrap();
    assert!(s.client().is_established());
    s.close().unwrap();
}

#[test]
fn wrong_name_and_unknown_ca_are_refused_with_the_right_alert() {
    let mut c = config("ECDHE-RSA-AES128-GCM-SHA256", NamedGroup::X25519, true);
    c.server_name = "not-localhost.example".into();
    let err = net::connect(
        &rev_server().addr().to_string(),
        Client::new(c),
        Timeouts::default(),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.alert(),
        Some(tlslab::wire::AlertDescription::BAD_CERTIFICATE),
        "{err}"
    );

    let mut c = config("ECDHE-RSA-AES128-GCM-SHA256", NamedGroup::X25519, true);
    c.verification = Verification::Verify(CertVerifier::webpki_roots());
    let err = net::connect(
        &rev_server().addr().to_string(),
        Client::new(c),
        Timeouts::default(),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.alert(),
        Some(tlslab::wire::AlertDescription::UNKNOWN_CA),
        "{err}"
    );
}

/// Drives the sans-IO client by hand over a socket, so the test can flip a
/// bit in a real server record before `receive` sees it.
fn tampered_reply(suite: &str) -> (tlslab::Error, Recorder, Vec<u8>) {
    use std::io::{Read, Write};
    let mut recorder = Recorder::new();
    let mut client = Client::with_observer(config(suite, NamedGroup::X25519, true), &mut recorder);
    let mut sock = std::net::TcpStream::connect(rev_server().addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = vec![];
    let mut buf = vec![0; 65536];
    client.start(&mut out).unwrap();
    while !client.is_established() {
        sock.write_all(&out).unwrap();
        out.clear();
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "server closed during handshake");
        client.receive(&buf[..n], &mut out).unwrap();
    }
    client.send(b"ping\n", &mut out).unwrap();
    sock.write_all(&out).unwrap();
    out.clear();
    // Read one whole application-data record from the server.
    let mut record = vec![];
    while record.len() < 5 || record.len() < 5 + u16::from_be_bytes([record[3], record[4]]) as usize {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0);
        record.extend_from_slice(&buf[..n]);
    }
    assert_eq!(record[0], 23, "expected an application_data record");
    // One bit, in the middle of the encrypted payload.
    let mid = 5 + (record.len() - 5) / 2;
    record[mid] ^= 0x10;
    let err = client.receive(&record, &mut out).unwrap_err();
    drop(client);
    (err, recorder, out)
}

#[test]
fn a_flipped_bit_in_a_real_server_record_is_bad_record_mac_with_evidence() {
    for suite in [
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ] {
        let (err, recorder, out) = tampered_reply(suite);
        // seq 1: the server's Finished was record 0 under these keys.
        assert!(
            matches!(
                err,
                tlslab::Error::Record(tlslab::error::RecordError::BadRecordMac { seq: 1, .. })
            ),
            "{suite}: {err:?}"
        );
        // The fatal alert went out, encrypted: an alert record.
        assert_eq!(out.first(), Some(&21), "{suite}: no alert record written");
        let alert_sent = recorder.events.iter().any(|e| {
            matches!(e, OwnedEvent::AlertSent(a) if a.description == tlslab::wire::AlertDescription::BAD_RECORD_MAC)
        });
        assert!(alert_sent, "{suite}: no AlertSent(bad_record_mac)");
        let evidence = recorder.events.iter().any(|e| match e {
            OwnedEvent::MacCompared { equal, seq, .. } => !equal && *seq == 1,
            OwnedEvent::CbcPadding(p) => !p.well_formed && p.seq == 1,
            OwnedEvent::AeadOpenFailed { seq, .. } => *seq == 1,
            _ => false,
        });
        assert!(evidence, "{suite}: no event shows where the record broke");
    }
}

#[test]
fn alpn_is_negotiated_and_a_mismatch_is_named() {
    let alpn_server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        extra_args: vec!["-alpn".into(), "http/1.1".into()],
        ..ServerOptions::default()
    })
    .unwrap();
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&alpn_server.ca_pem_path()).unwrap());
    c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut s = net::connect(
        &alpn_server.addr().to_string(),
        Client::new(c),
        Timeouts::default(),
    )
    .unwrap();
    assert_eq!(
        s.client()
            .session()
            .alpn_protocol
            .as_deref()
            .map(|p| p.as_slice()),
        Some(&b"http/1.1"[..])
    );
    s.close().unwrap();
    drop(s);
    // Only h2 offered: OpenSSL refuses with no_application_protocol (RFC 7301 §3.2).
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&alpn_server.ca_pem_path()).unwrap());
    c.alpn_protocols = vec![b"h2".to_vec()];
    let err = net::connect(
        &alpn_server.addr().to_string(),
        Client::new(c),
        Timeouts::default(),
    )
    .err()
    .unwrap();
    assert_eq!(err.to_string(), "server sent alert fatal no_application_protocol");
}

/// Ed25519 (RFC 8422 §2.1, §5.1.3): OpenSSL's server with an Ed25519
/// certificate signs ServerKeyExchange with ed25519 when we offer it, and we
/// verify both the chain and the signature. Without ed25519 in our
/// signature_algorithms (the default), OpenSSL finds no signature it can make
/// and refuses the handshake itself.
#[test]
fn ed25519_certificate_when_offered_and_refused_by_the_server_when_not() {
    let server = LocalServer::start(&ServerOptions {
        key_type: tlslab_peers::KeyType::Ed25519,
        cipher: Some("ECDHE-ECDSA-AES128-GCM-SHA256".into()),
        ..ServerOptions::default()
    })
    .unwrap();
    let config = |offer_ed25519: bool| {
        let mut c = ClientConfig::new("localhost");
        c.suites = vec![suites::find_by_name("ECDHE-ECDSA-AES128-GCM-SHA256").unwrap()];
        if offer_ed25519 {
            c.signature_schemes = vec![SignatureScheme::ED25519];
        }
        c.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path()).unwrap());
        c
    };
    let mut s = net::connect(
        &server.addr().to_string(),
        Client::new(config(true)),
        Timeouts::default(),
    )
    .unwrap();
    assert_eq!(
        s.client().session().peer_signature_scheme,
        Some(SignatureScheme::ED25519)
    );
    s.close().unwrap();
    drop(s);

    let err = net::connect(
        &server.addr().to_string(),
        Client::new(config(false)),
        Timeouts::default(),
    )
    .err()
    .unwrap();
    assert!(
        matches!(err, tlslab::Error::AlertReceived(a) if a.description == AlertDescription::HANDSHAKE_FAILURE),
        "{err}"
    );
}
