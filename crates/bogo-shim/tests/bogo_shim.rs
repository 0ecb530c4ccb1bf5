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
    // A flag value outside TLS 1.2 is just as unimplemented.
    let out = wait(runner.start_shim(1, &["-max-version", "770"]));
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
