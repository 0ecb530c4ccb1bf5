//! `tlslab diagnose` against real servers configured to refuse things, and
//! the `--server-key` key-pair check.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use tlslab::crypto::cert::CertVerifier;
use tlslab::wire::AlertDescription;
use tlslab::{ClientConfig, Error, Verification};
use tlslab_cli::diagnose::{self, Outcome, Report};
use tlslab_cli::net::Timeouts;
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab_peers::{Peer, PeerKind, PeerOptions};

fn run(addr: &str, name: &str, ca: &std::path::Path) -> Report {
    let make = || {
        let mut c = ClientConfig::new(name);
        c.verification = Verification::Verify(CertVerifier::from_ca_file(ca)?);
        Ok(c)
    };
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    diagnose::diagnose(addr, &make, timeouts, &mut |_, _, _| {}).unwrap()
}

fn works(r: &Report, label: &str) -> bool {
    r.rows
        .iter()
        .any(|row| row.probe.label == label && matches!(row.outcome, Outcome::Works { .. }))
}

#[test]
fn a_server_restricted_to_two_suites_is_reported_exactly() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        cipher: Some("AES256-SHA256:ECDHE-RSA-AES128-GCM-SHA256".into()),
        ..Default::default()
    })
    .unwrap();
    let started = Instant::now();
    let report = run(&server.addr().to_string(), "localhost", &server.ca_pem_path());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "diagnose took {:?}",
        started.elapsed()
    );
    let accepted: BTreeSet<&str> = report
        .rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Works { .. }))
        .filter_map(|r| r.probe.suite.map(|s| s.openssl_name))
        .collect();
    assert_eq!(
        accepted,
        BTreeSet::from(["AES256-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"])
    );
    // Every other single-suite probe is refused by OpenSSL, by name, before any key exists.
    for row in report.rows.iter().filter(|r| r.probe.suite.is_some()) {
        if let Outcome::Fails { error, state, .. } = &row.outcome {
            assert!(
                matches!(error, Error::AlertReceived(a) if a.description == AlertDescription::HANDSHAKE_FAILURE),
                "{}: {error}",
                row.probe.label
            );
            assert_eq!(state, "ExpectServerHello", "{}", row.probe.label);
        }
    }
    for label in [
        "default offer",
        "resumption",
        "handshake in 1-byte records",
        "40000 bytes (3 records)",
    ] {
        assert!(works(&report, label), "{label}\n{}", report.to_text());
    }
    let text = report.to_text();
    assert!(
        text.contains("suites the server accepts: ECDHE-RSA-AES128-GCM-SHA256, AES256-SHA256"),
        "{text}"
    );
    assert!(text.contains("reproduce: tlslab connect"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["combinations"].as_array().unwrap().len(), report.rows.len());
}

/// The seeds' story: a server that prefers DHE with parameters a careful
/// client must refuse (generator p-1: a small-subgroup trap), so the default
/// offer fails and pinning an ECDHE suite works. One run must show both.
#[test]
fn the_pin_that_makes_a_failing_server_work_is_found_in_one_run() {
    let dir = std::env::temp_dir().join(format!("tlslab-diagnose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dh = tlslab_cli::lab::write_bad_dh_params(&dir).unwrap();
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        cipher: Some("DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256".into()),
        extra_args: vec!["-serverpref".into(), "-dhparam".into(), dh.display().to_string()],
        ..Default::default()
    })
    .unwrap();
    let report = run(&server.addr().to_string(), "localhost", &server.ca_pem_path());
    let text = report.to_text();
    assert!(!works(&report, "default offer"), "{text}");
    assert!(works(&report, "only ECDHE-RSA-AES128-GCM-SHA256"), "{text}");
    assert!(text.contains("the default offer FAILS"), "{text}");
    assert!(text.contains("--cipher ECDHE-RSA-AES128-GCM-SHA256"), "{text}");
    let default = &report.rows[0];
    let Outcome::Fails { error, .. } = &default.outcome else {
        panic!()
    };
    assert_eq!(
        error.alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gnutls_without_etm_and_ems_is_reported_as_such() {
    let peer = Peer::start(
        PeerKind::GnuTls,
        &PeerOptions {
            ems: false,
            etm: false,
            ..PeerOptions::default()
        },
    )
    .unwrap();
    let report = run(&peer.addr().to_string(), peer.server_name(), &peer.ca_pem_path());
    for row in &report.rows {
        if let Outcome::Works { ems, etm, .. } = row.outcome {
            assert!(!ems && !etm, "{}: EMS {ems} EtM {etm}", row.probe.label);
        }
    }
    assert!(
        works(&report, "only ECDHE-RSA-AES128-SHA"),
        "{}",
        report.to_text()
    );
}

#[test]
fn the_server_key_check_compares_the_key_with_the_certificate() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..Default::default()
    })
    .unwrap();
    let connect = |key: &std::path::Path, suite: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlslab"))
            .args([
                "connect",
                &server.addr().to_string(),
                "--servername",
                "localhost",
                "--ca",
            ])
            .arg(server.ca_pem_path())
            .args(["--cipher", suite, "--server-key"])
            .arg(key)
            .args(["--trace", "text"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The server's own key: it matches.
    let out = connect(&server.key_pem_path(), "AES128-GCM-SHA256");
    assert!(out.contains("server_key_checked  matches=true"), "{out}");
    // Another key (made here with openssl): a mismatch, explained in advance for RSA key exchange.
    let other = std::env::temp_dir().join(format!("tlslab-other-key-{}.pem", std::process::id()));
    let st = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&other)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let out = connect(&other, "AES128-GCM-SHA256");
    assert!(out.contains("matches=false"), "{out}");
    assert!(
        out.contains("use a random pre-master secret, and answer Finished with bad_record_mac"),
        "{out}"
    );
    std::fs::remove_file(&other).unwrap();
}
