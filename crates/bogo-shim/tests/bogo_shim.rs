//! The shim as BoringSSL's runner drives it, with the runner's side played
//! here: listen, read the 8-byte shim id, then relay the connection to a real
//! `openssl s_server` or answer with a crafted flight.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tlslab_peers::local_server::{LocalServer, ServerOptions};

const SHIM: &str = env!("CARGO_BIN_EXE_bogo-shim");

/// The runner's listening side.
struct Runner {
    listener: TcpListener,
}

impl Runner {
    fn new() -> Runner {
        Runner {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
        }
    }

    fn port(&self) -> String {
        self.listener.local_addr().unwrap().port().to_string()
    }

    /// Starts the shim with `-port` and `-shim-id` plus `flags`.
    fn start_shim(&self, id: u64, flags: &[&str]) -> Child {
        Command::new(SHIM)
            .args(["-port", &self.port(), "-shim-id", &id.to_string()])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Accepts the shim's next connection and checks its id.
    fn accept(&self, id: u64) -> TcpStream {
        let (mut sock, _) = self.listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = [0u8; 8];
        sock.read_exact(&mut got).unwrap();
        assert_eq!(u64::from_le_bytes(got), id, "shim id, 8 bytes little-endian");
        sock
    }
}

/// Copies bytes both ways between the shim and the server until either side
/// closes, then closes the other.
fn relay(shim: TcpStream, server_port: u16) -> std::thread::JoinHandle<()> {
    let server = TcpStream::connect(("127.0.0.1", server_port)).unwrap();
    let pipe = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        })
    };
    shim.set_read_timeout(None).unwrap();
    let a = pipe(shim.try_clone().unwrap(), server.try_clone().unwrap());
    let b = pipe(server, shim);
    std::thread::spawn(move || {
        let _ = a.join();
        let _ = b.join();
    })
}

fn wait(child: Child) -> Output {
    child.wait_with_output().unwrap()
}

/// Waits until the file holds `want`.
fn wait_for_bytes(path: &Path, want: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = std::fs::read(path).unwrap_or_default();
        if got.windows(want.len()).any(|w| w == want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "s_server never printed {want:?}; it printed {got:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn is_handshaker_supported_says_no() {
    let out = Command::new(SHIM)
        .arg("-is-handshaker-supported")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"No\n");
}

#[test]
fn an_unknown_flag_exits_89_before_connecting() {
    let runner = Runner::new();
    let out = wait(runner.start_shim(1, &["-false-start"]));
    assert_eq!(out.status.code(), Some(89));
    // A version range tlslab cannot offer (TLS 1.3 only) is just as
    // unimplemented.
    let out = wait(runner.start_shim(1, &["-min-version", "772"]));
    assert_eq!(out.status.code(), Some(89));
}

#[test]
fn echo_with_openssl_xors_every_byte() {
    let mut server = LocalServer::start(&ServerOptions::default()).unwrap();
    let runner = Runner::new();
    let shim = runner.start_shim(42, &["-async"]);
    let sock = runner.accept(42);
    let relay = relay(sock, server.port);
    server.send_stdin(b"ping\n").unwrap();
    let flipped: Vec<u8> = b"ping\n".iter().map(|b| b ^ 0xff).collect();
    wait_for_bytes(&server.dir.join("stdout.txt"), &flipped);
    drop(server); // TCP close ends the echo
    let out = wait(shim);
    let _ = relay.join();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn resume_count_resumes_on_a_new_connection_with_the_same_id() {
    let mut server = LocalServer::start(&ServerOptions::default()).unwrap();
    let runner = Runner::new();
    // The shim fails unless the second connection resumes (as BoringSSL's
    // shim does without -expect-session-miss).
    let shim = runner.start_shim(7, &["-resume-count", "1", "-expect-extended-master-secret"]);
    for _ in 0..2 {
        let sock = runner.accept(7);
        let relay = relay(sock, server.port);
        // `q` alone on a line: s_server closes this connection (without
        // close_notify) and waits for the next.
        std::thread::sleep(Duration::from_millis(300));
        server.send_stdin(b"q\n").unwrap();
        let _ = relay.join();
    }
    let out = wait(shim);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn verify_peer_against_the_wrong_name_and_verify_fail_report_certificate_verify_failed() {
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let ca = server.ca_pem_path();
    let ca = ca.to_str().unwrap();
    // s_server's certificate is for localhost; the runner's name is `test`.
    for flags in [
        vec!["-verify-peer", "-trust-cert", ca],
        vec!["-verify-peer", "-verify-fail", "-trust-cert", ca],
    ] {
        let runner = Runner::new();
        let shim = runner.start_shim(3, &flags);
        let sock = runner.accept(3);
        let relay = relay(sock, server.port);
        let out = wait(shim);
        let _ = relay.join();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(":CERTIFICATE_VERIFY_FAILED:"),
            "{flags:?}: {stderr}"
        );
    }
}

/// A ServerHello (RFC 5246 §7.4.1.3) with this cipher suite, in a record.
fn server_hello_record(suite: u16) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x5a; 32]);
    body.push(0); // session_id
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0); // compression_method null
    let mut hs = vec![2, 0, 0, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 3, 0, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

/// Reads the ClientHello record (enough to know the shim is waiting).
fn read_record(sock: &mut TcpStream) -> Vec<u8> {
    let mut head = [0u8; 5];
    sock.read_exact(&mut head).unwrap();
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    sock.read_exact(&mut body).unwrap();
    body
}

#[test]
fn a_crafted_failure_prints_boringssl_error_name_and_sends_the_alert() {
    let runner = Runner::new();
    let shim = runner.start_shim(9, &[]);
    let mut sock = runner.accept(9);
    read_record(&mut sock);
    // TLS_RSA_WITH_RC4_128_SHA (0x0005), which tlslab never offers.
    sock.write_all(&server_hello_record(0x0005)).unwrap();
    let mut alert = [0u8; 7];
    sock.read_exact(&mut alert).unwrap();
    // RFC 5246 §7.4.1.3: a suite not offered is illegal_parameter (47).
    assert_eq!(alert, [21, 3, 3, 0, 2, 2, 47]);
    let out = wait(shim);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(":WRONG_CIPHER_RETURNED:"), "{stderr}");
}

#[test]
fn a_fatal_alert_from_the_runner_is_named_as_boringssl_names_it() {
    let runner = Runner::new();
    let shim = runner.start_shim(5, &[]);
    let mut sock = runner.accept(5);
    read_record(&mut sock);
    sock.write_all(&[21, 3, 3, 0, 2, 2, 40]).unwrap();
    let out = wait(shim);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(":SSLV3_ALERT_HANDSHAKE_FAILURE:"), "{stderr}");
    // The alert answered the ClientHello: the runner's NoSharedCipher test
    // looks for this name (ssl/test/runner/runner.go).
    assert!(stderr.contains(":HANDSHAKE_FAILURE_ON_CLIENT_HELLO:"), "{stderr}");
}

#[test]
fn shim_writes_first_sends_hello_before_reading() {
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let runner = Runner::new();
    let shim = runner.start_shim(11, &["-shim-writes-first"]);
    let sock = runner.accept(11);
    let relay = relay(sock, server.port);
    wait_for_bytes(&server.dir.join("stdout.txt"), b"hello");
    drop(server); // TCP close ends the echo
    let out = wait(shim);
    let _ = relay.join();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn check_close_notify_fails_on_a_bare_tcp_close() {
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let runner = Runner::new();
    let shim = runner.start_shim(12, &["-check-close-notify"]);
    let sock = runner.accept(12);
    let relay = relay(sock, server.port);
    std::thread::sleep(Duration::from_millis(300));
    drop(server); // killed: TCP close without close_notify
    let out = wait(shim);
    let _ = relay.join();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":UNEXPECTED_EOF:"));
}

/// Runs the shim with `flags` against `server` over one relayed connection:
/// once s_server reports the handshake done, `q` makes it close the
/// connection (which ends the shim's echo), and the shim's output is returned
/// (a shim that fails first is simply waited for).
fn one_connection(mut server: LocalServer, id: u64, flags: &[&str]) -> Output {
    let runner = Runner::new();
    let mut shim = runner.start_shim(id, flags);
    let sock = runner.accept(id);
    let relay = relay(sock, server.port);
    let deadline = Instant::now() + Duration::from_secs(10);
    let stdout = server.dir.join("stdout.txt");
    while shim.try_wait().unwrap().is_none() {
        let log = std::fs::read(&stdout).unwrap_or_default();
        if log.windows(9).any(|w| w == b"CIPHER is") {
            server.send_stdin(b"q\n").unwrap();
            break;
        }
        assert!(Instant::now() < deadline, "neither a handshake nor an exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = wait(shim);
    drop(server);
    let _ = relay.join();
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn shim_shuts_down_and_waits_for_the_servers_close_notify() {
    // Our close_notify right after the handshake; OpenSSL answers with its
    // own (RFC 5246 §7.2.1), which -check-close-notify requires.
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let out = one_connection(server, 13, &["-shim-shuts-down", "-check-close-notify"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "stderr: {}", stderr(&out));
}

#[test]
fn send_alert_ends_the_connection_with_decompression_failure() {
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let log = server.dir.join("stderr.txt");
    let runner = Runner::new();
    let shim = runner.start_shim(14, &["-send-alert"]);
    let sock = runner.accept(14);
    let relay = relay(sock, server.port);
    let out = wait(shim);
    // OpenSSL names the alert it received (30, RFC 5246 §7.2.2).
    wait_for_bytes(&log, b"decompression failure");
    drop(server);
    let _ = relay.join();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(":SSLV3_ALERT_DECOMPRESSION_FAILURE:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn expect_peer_signature_algorithm_is_the_scheme_openssl_signed_with() {
    // Offering only rsa_pkcs1_sha256 (1025) leaves OpenSSL that one scheme
    // for its ServerKeyExchange signature (RFC 5246 §7.4.1.4.1).
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let out = one_connection(
        server,
        15,
        &[
            "-verify-prefs",
            "1025",
            "-expect-peer-signature-algorithm",
            "1025",
        ],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let out = one_connection(
        server,
        16,
        &[
            "-verify-prefs",
            "1025",
            "-expect-peer-signature-algorithm",
            "2052",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("peer signature algorithm"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn soft_fail_verification_keeps_the_verdict_for_expect_verify_result() {
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let ca = server.ca_pem_path();
    let ca = ca.to_str().unwrap().to_owned();
    // Without -verify-peer a refusal does not end the handshake; the verdict
    // is kept, and -expect-verify-result wants a failure with -verify-fail.
    let out = one_connection(
        server,
        17,
        &["-verify-fail", "-expect-verify-result", "-trust-cert", &ca],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    // Without -verify-fail it wants a success, and the verdict is real:
    // s_server's certificate is for localhost, not the runner's `test`.
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let ca = server.ca_pem_path();
    let out = one_connection(
        server,
        18,
        &["-expect-verify-result", "-trust-cert", ca.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("certificate verification result"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_resumed_connection_reports_the_original_verdict_signature_scheme_and_group() {
    // The resumed handshake has no certificate and no ServerKeyExchange; as
    // in BoringSSL, the session carries these answers from the full handshake.
    let mut server = LocalServer::start(&ServerOptions::default()).unwrap();
    let runner = Runner::new();
    let shim = runner.start_shim(
        19,
        &[
            "-resume-count",
            "1",
            "-verify-fail",
            "-expect-verify-result",
            "-verify-prefs",
            "1025",
            "-expect-peer-signature-algorithm",
            "1025",
            "-curves",
            "29",
            "-expect-curve-id",
            "29",
        ],
    );
    for _ in 0..2 {
        let sock = runner.accept(19);
        let relay = relay(sock, server.port);
        std::thread::sleep(Duration::from_millis(300));
        server.send_stdin(b"q\n").unwrap();
        let _ = relay.join();
    }
    let out = wait(shim);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(out.stderr.is_empty());
}

/// A Certificate message (RFC 5246 §7.4.2) with one "certificate" that is
/// not DER at all, in a record: only a verifier that refuses before parsing
/// gets to answer it.
fn junk_certificate_record() -> Vec<u8> {
    let cert = b"not a certificate";
    let mut list = vec![0, 0, cert.len() as u8];
    list.extend_from_slice(cert);
    let mut body = vec![0, 0, list.len() as u8];
    body.extend_from_slice(&list);
    let mut hs = vec![11, 0, 0, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 3, 0, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn a_refusing_verifier_sends_the_alert_of_the_callback_boringssl_uses() {
    // BoringSSL's legacy callback answers a refusal with handshake_failure
    // (40), its custom callback with certificate_unknown (46); the runner
    // checks which alert arrives.
    for (extra, alert) in [(None, 40u8), (Some("-use-custom-verify-callback"), 46)] {
        let runner = Runner::new();
        let mut flags = vec!["-verify-peer", "-verify-fail"];
        flags.extend(extra);
        let shim = runner.start_shim(20, &flags);
        let mut sock = runner.accept(20);
        read_record(&mut sock);
        // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, offered by default.
        let mut flight = server_hello_record(0xc02f);
        flight.extend(junk_certificate_record());
        sock.write_all(&flight).unwrap();
        let mut got = [0u8; 7];
        sock.read_exact(&mut got).unwrap();
        assert_eq!(got, [21, 3, 3, 0, 2, 2, alert], "{flags:?}");
        let out = wait(shim);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains(":CERTIFICATE_VERIFY_FAILED:"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn no_tls12_leaves_nothing_to_offer() {
    let runner = Runner::new();
    let shim = runner.start_shim(
        21,
        &["-no-tls13", "-no-tls12", "-no-tls11", "-no-tls1", "-no-ssl3"],
    );
    let mut sock = runner.accept(21);
    let mut rest = vec![];
    sock.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "no ClientHello: {rest:?}");
    let out = wait(shim);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(":NO_SUPPORTED_VERSIONS_ENABLED:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn curves_25_is_secp521r1_with_openssl() {
    // IANA group 25 is secp521r1 (RFC 8422 §5.1.1); OpenSSL's default
    // groups include it, so offering only it makes OpenSSL pick it.
    let server = LocalServer::start(&ServerOptions::default()).unwrap();
    let out = one_connection(server, 22, &["-curves", "25", "-expect-curve-id", "25"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
}

#[test]
fn a_self_signed_ca_certificate_named_by_trust_cert_is_trusted_as_the_leaf() {
    // As the runner's certificates: self-signed, basicConstraints CA:TRUE,
    // subjectAltName DNS:test, and -trust-cert names the certificate itself.
    let dir = std::env::temp_dir().join(format!("bogo-shim-selfsigned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test cert",
            "-addext",
            "subjectAltName=DNS:test",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-keyout",
            "self.key",
            "-out",
            "self.pem",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let cert = dir.join("self.pem");
    let key = dir.join("self.key");
    let options = || ServerOptions {
        // s_server takes the last -cert and -key it is given.
        extra_args: vec![
            "-cert".into(),
            cert.to_str().unwrap().into(),
            "-key".into(),
            key.to_str().unwrap().into(),
        ],
        ..ServerOptions::default()
    };
    let server = LocalServer::start(&options()).unwrap();
    let out = one_connection(
        server,
        23,
        &[
            "-verify-peer",
            "-expect-verify-result",
            "-trust-cert",
            cert.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    // Another certificate in the trust file is no reason to trust this one.
    let other = LocalServer::start(&ServerOptions::default()).unwrap();
    let other_ca = other.ca_pem_path();
    let server = LocalServer::start(&options()).unwrap();
    let out = one_connection(
        server,
        24,
        &["-verify-peer", "-trust-cert", other_ca.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(":CERTIFICATE_VERIFY_FAILED:"),
        "{}",
        stderr(&out)
    );
    drop(other);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn version_flags_reach_tls11_with_a_tls11_only_openssl() {
    use tlslab::wire::ProtocolVersion;
    use tlslab_peers::{Peer, PeerKind, PeerOptions};
    // An OpenSSL that speaks TLS 1.1 (0x0302 = 770) only.
    let peer = Peer::start(
        PeerKind::OpenSsl,
        &PeerOptions {
            version: Some(ProtocolVersion::TLS11),
            ..PeerOptions::default()
        },
    )
    .unwrap();
    let run = |id: u64, flags: &[&str]| {
        let runner = Runner::new();
        let shim = runner.start_shim(id, flags);
        let sock = runner.accept(id);
        let relay = relay(sock, peer.addr().port());
        let out = wait(shim);
        let _ = relay.join();
        out
    };
    // -max-version 770 opens the range down to TLS 1.0; OpenSSL answers 1.1.
    let out = run(
        25,
        &[
            "-max-version",
            "770",
            "-expect-version",
            "770",
            "-shim-shuts-down",
        ],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(out.stderr.is_empty());
    // By default the shim, like BoringSSL, speaks TLS 1.0 to 1.2: the same
    // server is met at TLS 1.1.
    let out = run(27, &["-expect-version", "770", "-shim-shuts-down"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    // With -min-version 771 (TLS 1.2) it accepts TLS 1.2 only: RFC 5246
    // Appendix E.1 lets the client refuse the lower version (protocol_version).
    let out = run(26, &["-min-version", "771", "-shim-shuts-down"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(":UNSUPPORTED_PROTOCOL:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verify_prefs_515_is_ecdsa_sha1_as_openssl_signs_it() {
    // ecdsa_sha1 (0x0203 = 515, RFC 8422 §5.1.3's table) only when listed:
    // OpenSSL, at security level 0 (its default level refuses SHA-1
    // signatures), signs its ServerKeyExchange with it.
    let server = LocalServer::start(&ServerOptions {
        key_type: tlslab_peers::KeyType::EcdsaP256,
        cipher: Some("ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0".into()),
        ..ServerOptions::default()
    })
    .unwrap();
    let out = one_connection(
        server,
        27,
        &["-verify-prefs", "515", "-expect-peer-signature-algorithm", "515"],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
}
