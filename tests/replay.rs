//! Recorded transcripts, replayed offline byte for byte (Go's crypto/tls
//! approach). Each bundle in `vectors/transcripts/` was recorded against a real
//! server named in its `bundle.txt` (`recorded_with`). The replay feeds the
//! recorded server bytes into a client built from the same seed and settings:
//! every client byte and every event must match.
//!
//! `TLSLAB_UPDATE=1 cargo test --test replay` re-records the bundles that no
//! longer replay (starting the servers); CI never re-records.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::replay::{self, Action, Bundle};
use tlslab::{ClientConfig, Verification};
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};

/// (directory, OpenSSL suite name, seed, offer encrypt_then_mac)
#[rustfmt::skip]
const OPENSSL: &[(&str, &str, u64, bool)] = &[
    ("openssl-ecdhe-rsa-aes128-gcm-sha256", "ECDHE-RSA-AES128-GCM-SHA256", 11, true),
    ("openssl-ecdhe-rsa-aes256-gcm-sha384", "ECDHE-RSA-AES256-GCM-SHA384", 12, true),
    ("openssl-ecdhe-rsa-aes128-sha", "ECDHE-RSA-AES128-SHA", 13, false),
    ("openssl-ecdhe-rsa-aes128-sha-etm", "ECDHE-RSA-AES128-SHA", 16, true),
    ("openssl-ecdhe-rsa-aes256-sha384", "ECDHE-RSA-AES256-SHA384", 14, true),
    ("openssl-ecdhe-rsa-chacha20-poly1305", "ECDHE-RSA-CHACHA20-POLY1305", 15, true),
    ("openssl-dhe-rsa-aes128-gcm-sha256", "DHE-RSA-AES128-GCM-SHA256", 17, true),
    ("openssl-rsa-aes256-sha256", "AES256-SHA256", 18, true),
];

/// (directory, suite, seed) recorded against gnutls-serv.
#[rustfmt::skip]
const GNUTLS: &[(&str, &str, u64)] = &[
    ("gnutls-ecdhe-rsa-aes128-gcm-sha256", "ECDHE-RSA-AES128-GCM-SHA256", 21),
    ("gnutls-ecdhe-rsa-aes128-sha", "ECDHE-RSA-AES128-SHA", 22),
    ("gnutls-ecdhe-rsa-chacha20-poly1305", "ECDHE-RSA-CHACHA20-POLY1305", 23),
];

/// Re-records the GnuTLS bundles that no longer replay (TLSLAB_UPDATE=1 only).
fn update_gnutls() {
    use tlslab_peers::{Peer, PeerKind, PeerOptions};
    let stale: Vec<_> = GNUTLS
        .iter()
        .filter(|(d, _, _)| !replays_cleanly(&dir(d)))
        .collect();
    if stale.is_empty() {
        return;
    }
    let peer = Peer::start(PeerKind::GnuTls, &PeerOptions::default()).unwrap();
    let recorded_with = format!("GnuTLS {} `{}`", peer.version(), peer.command());
    for (name, suite, seed) in stale {
        let addr = peer.addr().to_string();
        record_one(
            &addr,
            peer.server_name(),
            &peer.ca_pem_path(),
            name,
            suite,
            *seed,
            true,
            &recorded_with,
        );
    }
}

/// Records one bundle against a running server and writes it to `vectors/transcripts/NAME`.
#[allow(clippy::too_many_arguments)]
fn record_one(
    addr: &str,
    server_name: &str,
    ca: &Path,
    name: &str,
    suite: &str,
    seed: u64,
    etm: bool,
    recorded_with: &str,
) {
    let mut c = ClientConfig::new(server_name);
    c.offer_encrypt_then_mac = etm;
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c.verification = Verification::Verify(CertVerifier::from_ca_file(ca).unwrap());
    let pem = std::fs::read(ca).unwrap();
    let (bundle, result) = tlslab_cli::bundle::record(
        addr,
        c,
        seed,
        Some(pem),
        b"hello replay\n",
        Duration::from_millis(300),
        recorded_with,
    );
    result.unwrap();
    bundle.write(&dir(name)).unwrap();
    eprintln!("re-recorded {name}");
}

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors/transcripts")
        .join(name)
}

fn replays_cleanly(path: &Path) -> bool {
    Bundle::read(path)
        .ok()
        .and_then(|b| b.replay().ok())
        .is_some_and(|r| r.mismatch().is_none())
}

/// Re-records the OpenSSL bundles that no longer replay (TLSLAB_UPDATE=1 only).
fn update_openssl() {
    let stale: Vec<_> = OPENSSL
        .iter()
        .filter(|(d, _, _, _)| !replays_cleanly(&dir(d)))
        .collect();
    if stale.is_empty() {
        return;
    }
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..Default::default()
    })
    .unwrap();
    let version = std::process::Command::new("openssl")
        .arg("version")
        .output()
        .unwrap();
    let recorded_with = format!(
        "{} `{}`",
        String::from_utf8_lossy(&version.stdout).trim(),
        server.command.join(" ")
    );
    for (name, suite, seed, etm) in stale {
        let addr = server.addr().to_string();
        record_one(
            &addr,
            "localhost",
            &server.ca_pem_path(),
            name,
            suite,
            *seed,
            *etm,
            &recorded_with,
        );
    }
}

#[test]
fn recorded_transcripts_replay_byte_for_byte() {
    if std::env::var("TLSLAB_UPDATE").as_deref() == Ok("1") {
        update_openssl();
        update_gnutls();
    }
    for (name, _, _) in GNUTLS {
        let bundle = Bundle::read(&dir(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            bundle.settings.recorded_with.contains("GnuTLS"),
            "{name}: provenance missing"
        );
        let report = bundle.replay().unwrap();
        assert!(
            report.mismatch().is_none(),
            "{name}: {}",
            report.mismatch().unwrap()
        );
        assert!(report.final_error.is_none(), "{name}: {:?}", report.final_error);
    }
    for (name, _, _, _) in OPENSSL {
        let bundle = Bundle::read(&dir(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            bundle.settings.recorded_with.contains("OpenSSL"),
            "{name}: provenance missing"
        );
        let report = bundle.replay().unwrap();
        assert!(
            report.mismatch().is_none(),
            "{name}: {}",
            report.mismatch().unwrap()
        );
        assert!(report.final_error.is_none(), "{name}: {:?}", report.final_error);
        assert!(report.events > 30, "{name}: only {} events", report.events);
    }
}

/// `vectors/transcripts/tamper.txt`: bundle, step, offset, xor, expected alert,
/// expected first event that records a failed check.
#[test]
fn tampered_server_flights_fail_with_the_expected_alert_and_first_event() {
    let cases = std::fs::read_to_string(dir("tamper.txt")).unwrap();
    let mut n = 0;
    for line in cases
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [name, step, offset, xor, alert, event] = f[..] else {
            panic!("bad line: {line}")
        };
        let mut bundle = Bundle::read(&dir(name)).unwrap();
        let step: usize = step.parse().unwrap();
        let offset: usize = offset.parse().unwrap();
        let Action::Receive(bytes) = &mut bundle.steps[step - 1].action else {
            panic!("{line}: step {step} is not a receive step")
        };
        bytes[offset] ^= u8::from_str_radix(xor.trim_start_matches("0x"), 16).unwrap();
        let report = bundle.replay().unwrap();
        let err = report
            .final_error
            .as_ref()
            .unwrap_or_else(|| panic!("{line}: the tampered replay succeeded"));
        assert_eq!(
            err.alert().map(|a| a.to_string()).as_deref(),
            Some(alert),
            "{line}: {err}"
        );
        let (first, line_text) = tlslab::replay::first_failing_event(&report.replayed_events)
            .unwrap_or_else(|| panic!("{line}: no failing event"));
        assert_eq!(first, event, "{line}: first failing event {line_text}");
        n += 1;
    }
    assert!(n >= 3, "only {n} tamper cases");
}

#[test]
fn a_live_bundle_from_the_command_line_replays() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..Default::default()
    })
    .unwrap();
    let out_dir = std::env::temp_dir().join(format!("tlslab-bundle-{}", std::process::id()));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tlslab"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&[
        "connect",
        &server.addr().to_string(),
        "--servername",
        "localhost",
        "--ca",
        server.ca_pem_path().to_str().unwrap(),
        "--seed",
        "7",
        "--send",
        "abc\\n",
        "--bundle",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let flights = std::fs::read_to_string(out_dir.join("flights.txt")).unwrap();
    assert!(flights.contains("## step 1: start"), "{flights}");
    let out = run(&["replay", out_dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("replay OK"), "{stdout}");
    // Same seed, same server bytes: a second replay of an edited flight fails, naming the step.
    let edited = flights.replacen("> 16", "> 17", 1);
    std::fs::write(out_dir.join("flights.txt"), edited).unwrap();
    let out = run(&["replay", out_dir.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("step 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&out_dir).unwrap();
}

/// A failing case (here: a recorded server flight with one byte flipped, as
/// a property test or fuzz target would produce) saved as a bundle, written,
/// read back and replayed byte for byte.
#[test]
fn a_failing_case_is_saved_as_a_bundle_and_replays() {
    let recorded = Bundle::read(&dir("openssl-ecdhe-rsa-aes128-gcm-sha256")).unwrap();
    let mut chunks: Vec<Vec<u8>> = recorded
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Receive(b) => Some(b.clone()),
            _ => None,
        })
        .collect();
    chunks[1][213] ^= 0x80; // the server Finished's GCM ciphertext (tamper.txt)
    let refs: Vec<&[u8]> = chunks.iter().map(|c| c.as_slice()).collect();
    let bundle = replay::offline(recorded.settings.clone(), recorded.ca_pem.clone(), &refs).unwrap();
    let out_dir = std::env::temp_dir().join(format!("tlslab-case-bundle-{}", std::process::id()));
    bundle.write(&out_dir).unwrap();
    let again = Bundle::read(&out_dir).unwrap();
    let report = again.replay().unwrap();
    assert!(report.mismatch().is_none(), "{}", report.mismatch().unwrap());
    assert_eq!(
        report.final_error.and_then(|e| e.alert()),
        Some(tlslab::wire::AlertDescription::BAD_RECORD_MAC)
    );
    assert_eq!(
        replay::first_failing_event(&again.events)
            .map(|(n, _)| n)
            .as_deref(),
        Some("aead_open_failed")
    );
    std::fs::remove_dir_all(&out_dir).unwrap();
}
