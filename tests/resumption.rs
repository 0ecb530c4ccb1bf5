//! Session resumption against a real `openssl s_server`: by ticket (RFC 5077)
//! and by session ID (RFC 5246 §7.3, Figure 2). OpenSSL's own key log is the
//! independent check that the abbreviated handshake reused the master secret.

use std::time::Duration;

use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::session::StoredSession;
use tlslab::{Client, ClientConfig};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::testkit::{rev_server, trusting_config};

fn config() -> ClientConfig {
    trusting_config(rev_server())
}

/// One connection with a round trip; returns (resumed?, session, client_random, events).
fn connect(config: ClientConfig) -> (bool, Option<StoredSession>, [u8; 32], Recorder) {
    let mut recorder = Recorder::new();
    let client = Client::with_observer(config, &mut recorder);
    let mut s = net::connect(&rev_server().addr().to_string(), client, Timeouts::default()).unwrap();
    s.write_all(b"abc\n").unwrap();
    let mut got = vec![];
    while !got.ends_with(b"\n") {
        got.extend(s.read().unwrap());
    }
    assert_eq!(got, b"cba\n");
    let resumed = s.client().session().resumed;
    let session = s.client().session_to_resume();
    let cr = s.client().session().client_random.unwrap();
    s.close().unwrap();
    drop(s);
    (resumed, session, cr, recorder)
}

fn openssl_master_secret(cr: &[u8; 32]) -> Vec<u8> {
    rev_server()
        .wait_master_secret(cr, Duration::from_secs(2))
        .expect("OpenSSL logged the connection")
}

#[test]
fn resumption_by_ticket_reuses_the_master_secret() {
    let (resumed, session, cr1, _) = connect(config());
    assert!(!resumed);
    let session = session.expect("OpenSSL issues tickets by default");
    assert!(session.ticket.is_some(), "no ticket stored");
    assert_eq!(openssl_master_secret(&cr1), session.master_secret);

    let mut c = config();
    c.resume = Some(session.clone());
    let (resumed, again, cr2, events) = connect(c);
    assert!(resumed, "server did not accept the ticket");
    // OpenSSL's key log for the second connection has the SAME master secret.
    assert_eq!(openssl_master_secret(&cr2), session.master_secret);
    assert!(events.events.iter().any(|e| matches!(e, OwnedEvent::SessionResumed { master_secret, .. } if master_secret.as_slice() == session.master_secret)));
    // No key exchange happened.
    assert!(events.find("pre_master_secret").is_none());
    assert!(again.is_some());
}

#[test]
fn resumption_by_session_id_through_a_file() {
    let mut c = config();
    c.offer_session_ticket = false;
    let (_, session, _, _) = connect(c);
    let session = session.expect("OpenSSL keeps a session cache by default");
    assert!(session.ticket.is_none());
    assert_eq!(session.session_id.len(), 32);
    let path = std::env::temp_dir().join(format!("tlslab-sess-{}.txt", std::process::id()));
    session.save(&path).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let loaded = StoredSession::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();

    let mut c = config();
    c.offer_session_ticket = false;
    c.resume = Some(loaded);
    let (resumed, _, cr, _) = connect(c);
    assert!(resumed);
    assert_eq!(openssl_master_secret(&cr), session.master_secret);
}

#[test]
fn an_unknown_session_falls_back_to_a_full_handshake() {
    let (_, session, _, _) = connect(config());
    let mut session = session.unwrap();
    session.ticket = Some(tlslab::bytes::Bytes(vec![0x42; 160]));
    session.session_id = tlslab::bytes::Bytes(vec![0x17; 32]);
    let mut c = config();
    c.resume = Some(session.clone());
    let (resumed, _, cr, _) = connect(c);
    assert!(!resumed);
    assert_ne!(openssl_master_secret(&cr), session.master_secret);
}

#[test]
fn a_session_cannot_be_resumed_under_another_name() {
    let (_, session, _, _) = connect(config());
    let mut c = config();
    c.server_name = "127.0.0.1".into();
    c.resume = session;
    let mut out = vec![];
    let err = Client::new(c).start(&mut out).unwrap_err();
    assert!(err.to_string().contains("certificate check"), "{err}");
}

#[test]
fn cli_reconnect_resumes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args([
            "connect",
            &rev_server().addr().to_string(),
            "--servername",
            "localhost",
            "--ca",
        ])
        .arg(rev_server().ca_pem_path())
        .args(["--send", "xyz\\n", "--reconnect"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("session: new (full handshake)"), "{stdout}");
    assert!(
        stdout.contains("session: resumed (abbreviated handshake)"),
        "{stdout}"
    );
}
