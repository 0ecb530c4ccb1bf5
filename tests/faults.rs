//! Every named fault against a real `openssl s_server`: the alert the server
//! sends back is OpenSSL's verdict on the mistake we made, an independent
//! check that each fault breaks what it claims to break (and that the
//! fragmentation "fault" breaks nothing).

use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::explain::Explanation;
use tlslab::faults::{Fault, Faults};
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::wire::{AlertDescription, HandshakeType};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::testkit::{alert_received, rev_server, trusting_config};

/// Runs one connection with `fault`: handshake, then one line round trip.
/// Returns the error (if any), the events, and the explainer's verdict (given
/// OpenSSL's own master secret from its key log when OpenSSL wrote one: it
/// logs only handshakes that complete).
fn run(suite: &str, ems: bool, fault: Fault) -> (Result<(), Error>, Recorder, Option<Explanation>) {
    let mut c = trusting_config(rev_server());
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c.offer_extended_master_secret = ems;
    c.faults = Faults(vec![fault]);
    let mut recorder = Recorder::new();
    let client = Client::with_observer(c, &mut recorder);
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let mut s = net::connect_tcp(&rev_server().addr().to_string(), client, timeouts).unwrap();
    let result = (|| {
        s.handshake()?;
        s.write_all(b"fault\n")?;
        let mut got = vec![];
        while !got.ends_with(b"\n") {
            let more = s.read()?;
            if more.is_empty() {
                return Err(Error::connection_closed("server closed"));
            }
            got.extend(more);
        }
        assert_eq!(got, b"tluaf\n");
        s.close()
    })();
    let peer = s
        .client()
        .session()
        .client_random
        .and_then(|cr| rev_server().wait_master_secret(&cr, Duration::from_millis(200)))
        .map(|ms| <[u8; 48]>::try_from(ms.as_slice()).unwrap());
    let explanation = s.client().explain_failure_given(peer);
    drop(s);
    (result, recorder, explanation)
}

#[rustfmt::skip]
#[test]
fn each_fault_gets_the_alert_openssl_must_send_and_the_explainer_names_it() {
    use AlertDescription as A;
    // (suite, EMS offered, fault, OpenSSL's alert, the cause the explainer must rank first)
    let cases: Vec<(&str, bool, Fault, AlertDescription, &str)> = vec![
        ("ECDHE-RSA-AES128-SHA", true, Fault::FlipCiphertextBit { record: 0, bit: 200 }, A::BAD_RECORD_MAC, "corrupted_in_transit"),
        ("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::FlipCiphertextBit { record: 0, bit: 100 }, A::BAD_RECORD_MAC, "corrupted_in_transit"),
        ("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::TruncateRecord { record: 0, bytes: 1 }, A::BAD_RECORD_MAC, "truncated_record"),
        ("ECDHE-RSA-AES128-SHA256", true, Fault::SeqOffByOne { record: 0 }, A::BAD_RECORD_MAC, "sequence_number"),
        ("ECDHE-RSA-CHACHA20-POLY1305", true, Fault::SeqReused { record: 1 }, A::BAD_RECORD_MAC, "sequence_number"),
        ("ECDHE-RSA-AES256-SHA384", true, Fault::SwapDirectionKeys, A::BAD_RECORD_MAC, "other_direction_keys"),
        ("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::WrongPreMasterSecret, A::BAD_RECORD_MAC, "pre_master_secret_differs"),
        ("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::EmsExpectedNotUsed, A::BAD_RECORD_MAC, "extended_master_secret"),
        ("ECDHE-RSA-AES128-GCM-SHA256", false, Fault::EmsUsedNotNegotiated, A::BAD_RECORD_MAC, "extended_master_secret"),
        ("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::BadFinished, A::DECRYPT_ERROR, "wrong_verify_data"),
        ("ECDHE-RSA-AES128-SHA", true, Fault::TranscriptMissing { message: HandshakeType::SERVER_KEY_EXCHANGE }, A::DECRYPT_ERROR, "transcript_missing"),
        ("AES128-GCM-SHA256", true, Fault::RsaWrongKey, A::BAD_RECORD_MAC, "pre_master_secret_differs"),
        ("AES128-SHA256", true, Fault::RsaWrongClientVersion, A::BAD_RECORD_MAC, "rsa_pre_master_version"),
        ("ECDHE-RSA-AES128-SHA", true, Fault::MacWrongVersion { record: 0 }, A::BAD_RECORD_MAC, "mac_version"),
        ("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::MacWrongVersion { record: 0 }, A::BAD_RECORD_MAC, "mac_version"),
        ("ECDHE-RSA-AES128-SHA256", true, Fault::CorruptMac { record: 0 }, A::BAD_RECORD_MAC, "corrupted_in_transit"),
        ("ECDHE-RSA-CHACHA20-POLY1305", true, Fault::CorruptMac { record: 0 }, A::BAD_RECORD_MAC, "corrupted_in_transit"),
        ("ECDHE-RSA-AES128-SHA", true, Fault::BadPadding { record: 0 }, A::BAD_RECORD_MAC, "padding_malformed"),
        ("ECDHE-RSA-AES256-SHA384", true, Fault::BadPaddingLength { record: 0 }, A::BAD_RECORD_MAC, "padding_malformed"),
    ];
    let mut failures = vec![];
    for (suite, ems, fault, expected, cause) in cases {
        let (result, recorder, explanation) = run(suite, ems, fault);
        let got = alert_received(&result);
        let top = explanation.as_ref().and_then(|e| e.top()).map(|f| f.cause.id());
        println!("{:<40} {suite:<30} server sent {:<16} explainer: {top:?}", fault.to_string(), got.map_or("-".into(), |a| a.to_string()));
        if got != Some(expected) {
            failures.push(format!("{fault} with {suite}: expected {expected}, got {result:?}"));
        }
        if cause != "-" && top != Some(cause) {
            failures.push(format!("{fault}: explainer ranked {top:?} first, not {cause}:\n{}", explanation.map_or(String::new(), |e| e.to_string())));
        }
        // The trace shows what the fault changed.
        if !recorder.events.iter().any(|e| matches!(e, OwnedEvent::FaultApplied { fault: f, .. } if *f == fault)) {
            failures.push(format!("{fault}: no FaultApplied event"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn splitting_records_at_odd_boundaries_still_works() {
    for size in [1, 3, 7, 100] {
        let (result, _, _) = run("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::SplitRecords { size });
        assert!(result.is_ok(), "split-records:{size}: {result:?}");
    }
}

/// The server-visible faults against gnutls-serv too: a second, independent
/// implementation must answer each with the alert RFC 5246 prescribes.
#[rustfmt::skip]
#[test]
fn gnutls_answers_the_server_visible_faults_too() {
    use tlslab_peers::{Peer, PeerKind, PeerOptions};
    use AlertDescription as A;
    let peer = Peer::start(PeerKind::GnuTls, &PeerOptions::default()).unwrap();
    let cases: Vec<(&str, Fault, AlertDescription)> = vec![
        ("ECDHE-RSA-AES128-SHA", Fault::FlipCiphertextBit { record: 0, bit: 200 }, A::BAD_RECORD_MAC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::SeqOffByOne { record: 0 }, A::BAD_RECORD_MAC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::SwapDirectionKeys, A::BAD_RECORD_MAC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::WrongPreMasterSecret, A::BAD_RECORD_MAC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::EmsExpectedNotUsed, A::BAD_RECORD_MAC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::MacWrongVersion { record: 0 }, A::BAD_RECORD_MAC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::BadFinished, A::DECRYPT_ERROR),
        ("ECDHE-RSA-AES128-SHA", Fault::TranscriptMissing { message: HandshakeType::SERVER_KEY_EXCHANGE }, A::DECRYPT_ERROR),
    ];
    let mut failures = vec![];
    for (suite, fault, expected) in cases {
        let mut c = ClientConfig::new(peer.server_name());
        c.verification = Verification::Verify(CertVerifier::from_ca_file(&peer.ca_pem_path()).unwrap());
        c.suites = vec![suites::find_by_name(suite).unwrap()];
        c.faults = Faults(vec![fault]);
        let timeouts = Timeouts { read: Duration::from_secs(5), ..Timeouts::default() };
        let result = net::connect(&peer.addr().to_string(), Client::new(c), timeouts)
            .and_then(|mut s| { peer.round_trip(&mut s).map_err(Error::Internal)?; s.close() });
        let got = alert_received(&result);
        println!("{:<40} {suite:<30} gnutls sent {:?}", fault.to_string(), got.map(|a| a.to_string()));
        if got != Some(expected) {
            failures.push(format!("{fault} with {suite}: expected {expected}, got {result:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The trace shows the record the server received, not the one before the
/// fault: every `RecordOut` event of a faulty connection equals, header and
/// bytes, the record the framing proxy in front of `openssl s_server` saw
/// arrive (the proxy is the independent witness of what went on the wire).
#[rustfmt::skip]
#[test]
fn record_out_shows_the_bytes_that_went_on_the_wire() {
    use tlslab_peers::proxy::{Proxy, ProxyMode};
    let cases = [
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::FlipCiphertextBit { record: 0, bit: 100 }),
        ("ECDHE-RSA-AES128-SHA", Fault::FlipCiphertextBit { record: 0, bit: 200 }),
        ("ECDHE-RSA-AES128-GCM-SHA256", Fault::TruncateRecord { record: 0, bytes: 3 }),
        ("ECDHE-RSA-AES128-SHA256", Fault::CorruptMac { record: 0 }),
        ("ECDHE-RSA-AES128-SHA", Fault::MacWrongVersion { record: 0 }),
        ("ECDHE-RSA-AES128-SHA", Fault::BadPadding { record: 0 }),
    ];
    let mut failures = vec![];
    for (suite, fault) in cases {
        let proxy = Proxy::start(rev_server().addr(), ProxyMode::Pass).unwrap();
        let mut c = trusting_config(rev_server());
        c.suites = vec![suites::find_by_name(suite).unwrap()];
        c.faults = Faults(vec![fault]);
        let mut recorder = Recorder::new();
        let client = Client::with_observer(c, &mut recorder);
        let timeouts = Timeouts { read: Duration::from_secs(5), ..Timeouts::default() };
        let mut s = net::connect_tcp(&proxy.addr().to_string(), client, timeouts).unwrap();
        let result = s.handshake();
        assert!(result.is_err(), "{fault}: the server accepted the faulty record");
        drop(s);
        let sent: Vec<(u8, u16, Vec<u8>)> = recorder.events.iter().filter_map(|e| match e {
            OwnedEvent::RecordOut(r) => {
                assert_eq!(&r.header[3..5], &(r.payload.len() as u16).to_be_bytes(), "{fault}: header length");
                Some((r.content_type.0, r.version.0, r.payload.0.clone()))
            }
            _ => None,
        }).collect();
        // The proxy frames records as they arrive; wait until it has seen ours.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let seen = loop {
            let seen = proxy.client_records(0);
            if seen.len() >= sent.len() || std::time::Instant::now() > deadline {
                break seen;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let seen: Vec<(u8, u16, Vec<u8>)> = seen.iter().map(|r| {
            assert_eq!(r.prefix.len(), r.length, "{fault}: records this short are kept whole");
            (r.content_type.0, r.version.0, r.prefix.clone())
        }).collect();
        if sent != seen {
            failures.push(format!("{fault} ({suite}): the trace's records differ from the proxy's\n trace: {sent:02x?}\n proxy: {seen:02x?}"));
        }
        // And the fault is announced before the record that carries it.
        let applied = recorder.events.iter().position(|e| matches!(e, OwnedEvent::FaultApplied { .. }));
        let last_out = recorder.events.iter().rposition(|e| matches!(e, OwnedEvent::RecordOut(_)));
        if !matches!((applied, last_out), (Some(a), Some(o)) if a < o) {
            failures.push(format!("{fault}: FaultApplied at {applied:?}, last RecordOut at {last_out:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
