//! Every named fault against a real `openssl s_server`: the alert the server
//! sends back is OpenSSL's verdict on the mistake we made, an independent
//! check that each fault breaks what it claims to break (and that the
//! fragmentation "fault" breaks nothing).

use std::sync::OnceLock;
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::faults::{Fault, Faults};
use tlslab::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab::net::{self, Timeouts};
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::wire::{AlertDescription, HandshakeType};
use tlslab::{Client, ClientConfig, Error, Verification};

fn server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        LocalServer::start(&ServerOptions {
            mode: ServerMode::Rev,
            ..Default::default()
        })
        .unwrap()
    })
}

/// Runs one connection with `fault`: handshake, then one line round trip.
/// Returns the error (if any) and the events.
fn run(suite: &str, ems: bool, fault: Fault) -> (Result<(), Error>, Recorder) {
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&server().ca_pem_path()).unwrap());
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c.offer_extended_master_secret = ems;
    c.faults = Faults(vec![fault]);
    let mut recorder = Recorder::new();
    let result = (|| {
        let client = Client::with_observer(c, &mut recorder);
        let timeouts = Timeouts {
            read: Duration::from_secs(5),
            ..Timeouts::default()
        };
        let mut s = net::connect(&server().addr().to_string(), client, timeouts)?;
        s.write_all(b"fault\n")?;
        let mut got = vec![];
        while !got.ends_with(b"\n") {
            let more = s.read()?;
            if more.is_empty() {
                return Err(Error::ConnectionClosed("server closed".into()));
            }
            got.extend(more);
        }
        assert_eq!(got, b"tluaf\n");
        s.close()
    })();
    (result, recorder)
}

fn server_alert(r: &Result<(), Error>) -> Option<AlertDescription> {
    match r {
        Err(Error::AlertReceived(a)) => Some(a.description),
        _ => None,
    }
}

#[test]
fn each_fault_gets_the_alert_openssl_must_send() {
    use AlertDescription as A;
    let cases: Vec<(&str, bool, Fault, AlertDescription)> = vec![
        (
            "ECDHE-RSA-AES128-SHA",
            true,
            Fault::FlipCiphertextBit { record: 0, bit: 200 },
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            true,
            Fault::FlipCiphertextBit { record: 0, bit: 100 },
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            true,
            Fault::TruncateRecord { record: 0, bytes: 1 },
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-SHA256",
            true,
            Fault::SeqOffByOne { record: 0 },
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-CHACHA20-POLY1305",
            true,
            Fault::SeqReused { record: 1 },
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES256-SHA384",
            true,
            Fault::SwapDirectionKeys,
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            true,
            Fault::WrongPreMasterSecret,
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            true,
            Fault::EmsExpectedNotUsed,
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            false,
            Fault::EmsUsedNotNegotiated,
            A::BAD_RECORD_MAC,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            true,
            Fault::BadFinished,
            A::DECRYPT_ERROR,
        ),
        (
            "ECDHE-RSA-AES128-SHA",
            true,
            Fault::TranscriptMissing {
                message: HandshakeType::SERVER_KEY_EXCHANGE,
            },
            A::DECRYPT_ERROR,
        ),
    ];
    let mut failures = vec![];
    for (suite, ems, fault, expected) in cases {
        let (result, recorder) = run(suite, ems, fault);
        let got = server_alert(&result);
        println!(
            "{fault:<40} {suite:<30} server sent {:?}",
            got.map(|a| a.to_string())
        );
        if got != Some(expected) {
            failures.push(format!(
                "{fault} with {suite}: expected {expected}, got {result:?}"
            ));
        }
        // The trace shows what the fault changed.
        if !recorder
            .events
            .iter()
            .any(|e| matches!(e, OwnedEvent::FaultApplied { fault: f, .. } if *f == fault))
        {
            failures.push(format!("{fault}: no FaultApplied event"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn splitting_records_at_odd_boundaries_still_works() {
    for size in [1, 3, 7, 100] {
        let (result, _) = run("ECDHE-RSA-AES128-GCM-SHA256", true, Fault::SplitRecords { size });
        assert!(result.is_ok(), "split-records:{size}: {result:?}");
    }
}
