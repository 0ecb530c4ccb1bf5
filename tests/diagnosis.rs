//! From a matrix to a diagnosis, against real faulty servers and a real
//! faulty path: for each fault, whether the report says failure, the first
//! cause and its certainty.
//!
//! The faults are made outside the client: a tlslite-ng server with one
//! server-side bug (`tlslab_peers::hostile`) and a record-framing TCP proxy
//! (`tlslab_peers::proxy`). What each fault does on the wire is documented
//! there, independently of the diagnosis under test.

use std::time::{Duration, Instant};

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{PrfHash, ALL_SUITES};
use tlslab::explain::evidence::ExperimentCause;
use tlslab::explain::Certainty;
use tlslab::wire::{ExtensionType, ProtocolVersion};
use tlslab::{ClientConfig, Error, Verification};
use tlslab_cli::diagnose::{self, probe_after_failure, Options, Report};
use tlslab_cli::net::Timeouts;
use tlslab_peers::hostile::{HostileServer, ServerFault};
use tlslab_peers::proxy::{Proxy, ProxyMode};
use tlslab_peers::PeerOptions;

fn timeouts() -> Timeouts {
    Timeouts {
        read: Duration::from_secs(5),
        connect: Duration::from_secs(5),
        write: Duration::from_secs(5),
    }
}

fn config(name: &str, ca: Option<&std::path::Path>) -> Result<ClientConfig, Error> {
    let mut c = ClientConfig::new(name);
    c.verification = match ca {
        Some(ca) => Verification::Verify(CertVerifier::from_ca_file(ca)?),
        None => Verification::Insecure,
    };
    Ok(c)
}

fn diagnose_at(addr: &str, name: &str, ca: Option<&std::path::Path>) -> Report {
    let started = Instant::now();
    let make = || config(name, ca);
    let report =
        diagnose::diagnose_with(addr, &make, timeouts(), &Options::default(), &mut |_, _, _| {}).unwrap();
    let text = report.to_text();
    // Kept for a person to read when a test fails.
    let _ = std::fs::write(
        std::env::temp_dir().join(format!("tlslab-diagnosis-{}.txt", addr.replace(':', "_"))),
        &text,
    );
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
    report
}

fn server(fault: ServerFault) -> HostileServer {
    HostileServer::start(fault, &PeerOptions::default()).unwrap()
}

fn diagnose_server(s: &HostileServer) -> Report {
    diagnose_at(&s.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()))
}

fn first(r: &Report) -> (&ExperimentCause, Certainty) {
    let c = r
        .conclusions
        .first()
        .unwrap_or_else(|| panic!("no conclusion:\n{}", r.to_text()));
    (&c.cause, c.certainty)
}

#[test]
fn ems_acknowledged_and_not_applied_is_certain_from_the_matrix_and_after_one_failure() {
    let s = server(ServerFault::EmsAckedNotUsed);
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert!(r.failed(), "{text}");
    assert_eq!(
        first(&r),
        (
            &ExperimentCause::ExtendedMasterSecretNotApplied,
            Certainty::Proven
        ),
        "{text}"
    );
    assert!(
        text.contains("acknowledges extended_master_secret but derives the master secret without it"),
        "{text}"
    );

    // connect's path: one failure, then at most 6 deciding handshakes.
    let make = || config(s.server_name(), Some(&s.ca_pem_path()));
    let d = probe_after_failure(&s.addr().to_string(), &make, timeouts(), None, 6, &mut |_| {}).unwrap();
    assert!(d.extra_handshakes() <= 6, "{}", d.to_text());
    let c = d.certain().unwrap_or_else(|| panic!("{}", d.to_text()));
    assert_eq!(
        c.cause,
        ExperimentCause::ExtendedMasterSecretNotApplied,
        "{}",
        d.to_text()
    );
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(
        json["diagnosis"][0]["cause"],
        "extended_master_secret_not_applied"
    );
    assert_eq!(json["diagnosis"][0]["certainty"], "proven");
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["default_offer_fails"], true);
    assert_eq!(
        json["diagnosis"][0]["cause"],
        "extended_master_secret_not_applied"
    );
}

#[test]
fn sha384_suites_with_a_sha256_prf_are_named_as_one_cause() {
    let s = server(ServerFault::Sha384PrfAsSha256);
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert_eq!(
        first(&r),
        (
            &ExperimentCause::PrfHashBroken {
                failing: PrfHash::Sha384
            },
            Certainty::Proven
        ),
        "{text}"
    );
    assert!(
        text.contains("probably uses P_SHA256 instead of P_SHA384"),
        "{text}"
    );

    // After a failure with one SHA-384 suite offered first.
    let make = || {
        let mut c = config(s.server_name(), Some(&s.ca_pem_path()))?;
        let sha384: Vec<_> = ALL_SUITES
            .iter()
            .filter(|x| {
                x.openssl_name == "ECDHE-RSA-AES256-GCM-SHA384"
                    || x.openssl_name == "ECDHE-RSA-AES128-GCM-SHA256"
            })
            .collect();
        c.suites = sha384;
        c.suites
            .sort_by_key(|x| std::cmp::Reverse(x.prf == PrfHash::Sha384));
        Ok(c)
    };
    let d = probe_after_failure(&s.addr().to_string(), &make, timeouts(), None, 6, &mut |_| {}).unwrap();
    let c = d.certain().unwrap_or_else(|| panic!("{}", d.to_text()));
    assert_eq!(
        c.cause,
        ExperimentCause::PrfHashBroken {
            failing: PrfHash::Sha384
        },
        "{}",
        d.to_text()
    );
}

#[test]
fn a_server_key_that_is_not_the_certificates_is_proven() {
    let s = server(ServerFault::WrongKey);
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert!(r.failed(), "{text}");
    assert_eq!(
        first(&r),
        (&ExperimentCause::ServerSignsWithOtherKey, Certainty::Proven),
        "{text}"
    );
    assert!(!text.contains("no recomputation applies"), "{text}");

    // RSA key exchange only: the failure shows at Finished; the ECDHE
    // experiment turns it into the proof.
    let make = || {
        let mut c = config(s.server_name(), Some(&s.ca_pem_path()))?;
        c.suites.retain(|x| x.name().starts_with("TLS_RSA_WITH_"));
        Ok(c)
    };
    let d = probe_after_failure(&s.addr().to_string(), &make, timeouts(), None, 6, &mut |_| {}).unwrap();
    let c = d.certain().unwrap_or_else(|| panic!("{}", d.to_text()));
    assert_eq!(
        c.cause,
        ExperimentCause::ServerSignsWithOtherKey,
        "{}",
        d.to_text()
    );
}

#[test]
fn a_middlebox_that_drops_one_extension_is_found_by_bisection() {
    let s = server(ServerFault::Healthy);
    let p = Proxy::start(
        s.addr(),
        ProxyMode::DropHelloWithExtension(ExtensionType::SESSION_TICKET),
    )
    .unwrap();
    let r = diagnose_at(&p.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()));
    let text = r.to_text();
    assert!(r.failed(), "{text}");
    assert_eq!(
        first(&r),
        (
            &ExperimentCause::ExtensionIntolerance(ExtensionType::SESSION_TICKET),
            Certainty::Proven
        ),
        "{text}"
    );
    assert!(
        text.contains("any ClientHello that offers extension 0x0023 session_ticket is refused (dropped, or answered with a fatal alert"),
        "{text}"
    );
}

#[test]
fn hellos_of_256_to_511_bytes_dropped_are_found_by_padding() {
    let s = server(ServerFault::Healthy);
    let p = Proxy::start(s.addr(), ProxyMode::DropHelloSized(256..=511)).unwrap();
    let r = diagnose_at(&p.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()));
    let text = r.to_text();
    assert_eq!(
        first(&r),
        (
            &ExperimentCause::HelloLengthIntolerance { min: 256, max: 511 },
            Certainty::Proven
        ),
        "{text}"
    );
    assert!(
        text.contains("ClientHellos of 256 to 511 bytes are refused"),
        "{text}"
    );
}

#[test]
fn a_client_version_above_tls10_dropped_is_version_intolerance() {
    let s = server(ServerFault::Healthy);
    let p = Proxy::start(s.addr(), ProxyMode::DropHelloVersionAbove(ProtocolVersion::TLS10)).unwrap();
    let r = diagnose_at(&p.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()));
    let text = r.to_text();
    assert!(r.failed(), "{text}");
    assert_eq!(
        first(&r),
        (
            &ExperimentCause::VersionIntolerance(ProtocolVersion::TLS10),
            Certainty::Proven
        ),
        "{text}"
    );
    assert!(
        text.contains("any client_version above TLSv1.0 is refused"),
        "{text}"
    );
}

#[test]
fn one_bad_backend_behind_a_round_robin_is_named() {
    let good = tlslab_peers::local_server::LocalServer::start(&tlslab_peers::local_server::ServerOptions {
        mode: tlslab_peers::local_server::ServerMode::Rev,
        ..Default::default()
    })
    .unwrap();
    let bad = server(ServerFault::EmsAckedNotUsed);
    let p = Proxy::start(bad.addr(), ProxyMode::RoundRobin(vec![good.addr()])).unwrap();
    let r = diagnose_at(&p.addr().to_string(), "localhost", None);
    let text = r.to_text();
    assert!(r.failed(), "{text}");
    assert!(text.contains("INTERMITTENT"), "{text}");
    let (cause, certainty) = first(&r);
    assert!(matches!(cause, ExperimentCause::BadBackend { .. }), "{text}");
    assert_eq!(certainty, Certainty::Proven, "{text}");
    assert!(!text.contains("Pinning any of these makes it work"), "{text}");
}

#[test]
fn a_repeated_gcm_nonce_and_a_close_without_close_notify_are_said() {
    let s = server(ServerFault::GcmNonceRepeat);
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert!(!r.failed(), "{text}");
    assert!(
        r.notices().iter().any(|(_, n)| n.id() == "gcm_nonce_repeated"),
        "{text}"
    );
    assert!(text.contains("forbidden attack"), "{text}");

    let s = server(ServerFault::NoCloseNotify);
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert!(r.notices().iter().any(|(_, n)| n.data_may_be_missing()), "{text}");
}

#[test]
fn a_healthy_server_is_diagnosed_quickly_and_with_no_cause() {
    let s = server(ServerFault::Healthy);
    let started = Instant::now();
    let r = diagnose_server(&s);
    assert!(!r.failed(), "{}", r.to_text());
    assert!(r.conclusions.is_empty(), "{}", r.to_text());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn sslv3_padding_from_a_tls_server_is_proven_by_recomputation() {
    let s = server(ServerFault::Sslv3Padding);
    let mut c = config(s.server_name(), Some(&s.ca_pem_path())).unwrap();
    c.suites = ALL_SUITES
        .iter()
        .filter(|x| x.openssl_name == "ECDHE-RSA-AES128-SHA")
        .collect();
    c.offer_encrypt_then_mac = false;
    let client = tlslab::Client::new(c);
    let mut stream = tlslab_cli::net::connect_tcp(&s.addr().to_string(), client, timeouts()).unwrap();
    assert!(stream.handshake().is_err());
    let e = stream.client().explain_failure().expect("an explanation");
    let top = e.top().expect("a finding");
    assert_eq!(top.cause.id(), "sslv3_padding", "{e}");
    assert_eq!(top.certainty, Certainty::Proven, "{e}");
    assert!(
        e.to_string()
            .contains("a lenient stack accepts the record, a strict one rejects it"),
        "{e}"
    );

    // The matrix: CBC suites fail at the server's record, AEAD suites work,
    // and each failing row carries the recomputation's proof.
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert_eq!(
        first(&r),
        (&ExperimentCause::CbcRecordsRejected, Certainty::Proven),
        "{text}"
    );
    // The failing rows negotiated encrypt-then-MAC: there the tag proves
    // the sender wrote the padding as it is.
    assert!(text.contains("the CBC padding is malformed"), "{text}");
}

#[test]
fn a_record_sealed_early_is_not_called_a_skipped_number() {
    use tlslab::explain::Cause;
    let c = Cause::SequenceNumber { expected: 1, used: 2 };
    let text = c.description();
    assert!(text.contains("sealed as seq_num 2 where 1 was due"), "{text}");
    assert!(text.contains("reordered, lost or skipped"), "{text}");
    assert!(!text.contains("off by one"), "{text}");
}

/// One echo through a proxy in `mode`: what arrived and what was noticed.
fn echo_through(
    s: &HostileServer,
    mode: ProxyMode,
) -> (Proxy, Vec<u8>, Vec<tlslab::explain::notices::Notice>) {
    let p = Proxy::start(s.addr(), mode).unwrap();
    let evidence = diagnose::ConnectionEvidence::new();
    let mut observer = evidence.clone();
    let client = tlslab::Client::with_observer(
        config(s.server_name(), Some(&s.ca_pem_path())).unwrap(),
        &mut observer,
    );
    let mut stream = tlslab_cli::net::connect_tcp(&p.addr().to_string(), client, timeouts()).unwrap();
    stream.handshake().unwrap();
    stream.write_all(b"hello, echo\n").unwrap();
    let got = stream
        .read_until_quiet(Duration::from_millis(500), Duration::from_secs(3))
        .unwrap_or_default();
    let notices = evidence.notices(&stream);
    (p, got, notices)
}

#[test]
fn a_server_record_cut_short_is_truncation_and_data_may_be_missing() {
    let s = server(ServerFault::Healthy);
    // Through a plain relay: the echo arrives, nothing is said.
    let (p, got, notices) = echo_through(&s, ProxyMode::Pass);
    assert_eq!(got, b"hello, echo\n");
    assert!(notices.is_empty(), "{notices:?}");
    let last = p.server_records(0).len() - 1;
    // The same record cut in half, then the connection closed.
    let (_p, got, notices) = echo_through(&s, ProxyMode::TruncateServerRecord(last));
    assert!(got.is_empty(), "{got:?}");
    assert!(
        notices.iter().any(|n| matches!(
            n,
            tlslab::explain::notices::Notice::NoCloseNotify { mid_record: Some(_) }
        )),
        "{notices:?}"
    );
    assert!(notices.iter().any(|n| n.data_may_be_missing()));
}

#[test]
fn an_oversized_server_record_is_named() {
    let s = server(ServerFault::RecordOversize);
    let r = diagnose_server(&s);
    let text = r.to_text();
    assert!(text.contains("over the limit of 16384"), "{text}");
}

/// Two echoes, each awaited, through a proxy in `mode`; the client as it
/// ended.
fn two_echoes(
    s: &HostileServer,
    mode: ProxyMode,
) -> (Proxy, Result<(), Error>, Option<tlslab::explain::Explanation>) {
    let p = Proxy::start(s.addr(), mode).unwrap();
    let client = tlslab::Client::new(config(s.server_name(), Some(&s.ca_pem_path())).unwrap());
    let mut stream = tlslab_cli::net::connect_tcp(&p.addr().to_string(), client, timeouts()).unwrap();
    let result = (|| {
        stream.handshake()?;
        stream.write_all(b"first\n")?;
        std::thread::sleep(Duration::from_millis(300));
        stream.write_all(b"second\n")?;
        let mut got = vec![];
        while got.len() < 13 {
            let more = stream.read()?;
            if more.is_empty() {
                break;
            }
            got.extend(more);
        }
        Ok(())
    })();
    let explanation = stream.client().explain_failure();
    (p, result, explanation)
}

#[test]
fn two_server_records_in_reverse_order_are_not_called_a_skipped_number() {
    let s = server(ServerFault::Healthy);
    let (p, result, _) = two_echoes(&s, ProxyMode::Pass);
    result.unwrap();
    // The two echoes are the last two server records (counted as the proxy counts them).
    let n = p.server_records(0).len();
    let (_p, result, explanation) = two_echoes(&s, ProxyMode::ReorderServerRecords { first: n - 2 });
    assert!(result.is_err());
    let e = explanation.expect("an explanation");
    let top = e.top().expect("a finding");
    assert_eq!(top.cause.id(), "sequence_number", "{e}");
    // What is proven: the record was sealed as the next number. Not why.
    let text = e.to_string();
    assert!(text.contains("reordered, lost or skipped"), "{text}");
    assert!(!text.contains("off by one"), "{text}");
}

#[test]
fn a_repeated_gcm_nonce_is_said_from_a_capture_too() {
    use tlslab::capture::{explain_capture, KeyLog, KeySources, PcapWriter};
    use tlslab::observer::{KeyLogWriter, Tee};
    use tlslab::replay::SharedBuf;

    let s = server(ServerFault::GcmNonceRepeat);
    let (pcap, keylog) = (SharedBuf::default(), SharedBuf::default());
    let mut tee = Tee::default();
    let client_addr = tlslab::capture::placeholder_client_addr(s.addr());
    tee.observers.push(Box::new(
        PcapWriter::new(pcap.clone(), client_addr, s.addr()).unwrap(),
    ));
    tee.observers.push(Box::new(KeyLogWriter::new(keylog.clone())));
    {
        let mut c = config(s.server_name(), Some(&s.ca_pem_path())).unwrap();
        c.suites = ALL_SUITES
            .iter()
            .filter(|x| x.openssl_name == "ECDHE-RSA-AES128-GCM-SHA256")
            .collect();
        let client = tlslab::Client::with_observer(c, &mut tee);
        let mut stream = tlslab_cli::net::connect_tcp(&s.addr().to_string(), client, timeouts()).unwrap();
        stream.handshake().unwrap();
        stream.write_all(b"hello, echo\n").unwrap();
        let _ = stream.read_until_quiet(Duration::from_millis(300), Duration::from_secs(2));
        let _ = stream.close();
    }
    drop(tee);
    // The capture, analysed offline with the key log, through a Watch.
    let secrets = KeySources {
        keylog: KeyLog::parse(&String::from_utf8_lossy(&keylog.contents())),
        server_key: None,
    };
    let mut watch = tlslab::explain::notices::Watch::new();
    explain_capture(&pcap.contents(), &secrets, &mut watch).unwrap();
    let notices = watch.notices();
    assert!(
        notices.iter().any(|n| n.id() == "gcm_nonce_repeated"),
        "{notices:?}"
    );
}

/// `tlslab connect` through a proxy in `mode`: its exit status and output.
fn connect_cli(s: &HostileServer, mode: ProxyMode) -> (Proxy, std::process::Output) {
    let p = Proxy::start(s.addr(), mode).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args([
            "connect",
            &p.addr().to_string(),
            "--servername",
            s.server_name(),
            "--ca",
        ])
        .arg(s.ca_pem_path())
        .args(["--send", "hello, echo\n", "--timeout", "5"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (p, out)
}

#[test]
fn connect_exits_non_zero_when_a_server_record_is_cut_short_and_zero_when_healthy() {
    let s = server(ServerFault::Healthy);
    let (p, out) = connect_cli(&s, ProxyMode::Pass);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("hello, echo"), "{text}");
    // The last server application-data record (the echo; the server's
    // close_notify may follow it), counted as the proxy counts them.
    let last = p
        .server_records(0)
        .iter()
        .rev()
        .find(|r| r.content_type == tlslab::wire::ContentType::APPLICATION_DATA)
        .expect("the echo")
        .index;
    let (_p, out) = connect_cli(&s, ProxyMode::TruncateServerRecord(last));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("note: "), "{text}");
    assert!(text.contains("truncated_mid_record"), "{text}");
}

#[test]
fn diagnose_exits_non_zero_for_a_faulty_server() {
    let s = server(ServerFault::EmsAckedNotUsed);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args([
            "diagnose",
            &s.addr().to_string(),
            "--servername",
            s.server_name(),
            "--ca",
        ])
        .arg(s.ca_pem_path())
        .args(["--repeat", "2", "--timeout", "5"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("the same offer again (2 of 2)"), "{text}");
    assert!(text.contains("extended_master_secret_not_applied"), "{text}");
}
