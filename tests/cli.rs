//! The `tlslab` command line, run as a user would, against a real
//! `openssl s_server` started by the test.

use std::process::Command;
use std::sync::OnceLock;

use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};

fn server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        LocalServer::start(&ServerOptions {
            mode: ServerMode::Rev,
            ..ServerOptions::default()
        })
        .unwrap()
    })
}

fn tlslab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tlslab-cli-{}-{name}", std::process::id()))
}

#[test]
fn connect_prints_suite_and_reply_and_writes_a_0600_key_log() {
    let addr = server().addr().to_string();
    let ca = server().ca_pem_path();
    let keylog = temp_path("keylog.txt");
    let _ = std::fs::remove_file(&keylog);
    let (code, stdout, stderr) = tlslab(&[
        "connect",
        &addr,
        "--servername",
        "localhost",
        "--ca",
        ca.to_str().unwrap(),
        "--cipher",
        "ECDHE-RSA-AES128-SHA256",
        "--keylog",
        keylog.to_str().unwrap(),
        "--send",
        "abc\\n",
    ]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cba"),
        "the reversed line from s_server -rev: {stdout}"
    );
    let line = std::fs::read_to_string(&keylog).unwrap();
    assert!(line.starts_with("CLIENT_RANDOM "), "{line}");
    // The same line is in OpenSSL's own key log.
    let cr = hex::decode(line.split(' ').nth(1).unwrap()).unwrap();
    let ms = server()
        .keylog_master_secret(&cr)
        .expect("OpenSSL logged this connection");
    assert_eq!(line.split(' ').nth(2).unwrap().trim(), hex::encode(ms));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&keylog).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::remove_file(&keylog).unwrap();
}

#[test]
fn json_trace_is_one_event_per_line() {
    let addr = server().addr().to_string();
    let ca = server().ca_pem_path();
    let (code, stdout, stderr) = tlslab(&[
        "connect",
        &addr,
        "--servername",
        "localhost",
        "--ca",
        ca.to_str().unwrap(),
        "--trace",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    for expected in [
        "record_out",
        "record_in",
        "prf",
        "master_secret",
        "key_block",
        "finished_verify",
    ] {
        assert!(names.contains(&expected), "no {expected} in {names:?}");
    }
}

#[test]
fn failures_exit_nonzero_with_the_alert_name() {
    let addr = server().addr().to_string();
    // Default roots: the throwaway CA is unknown.
    let (code, _, stderr) = tlslab(&["connect", &addr, "--servername", "localhost"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown_ca"), "{stderr}");
    // --insecure connects, with a warning.
    let (code, _, stderr) = tlslab(&["connect", &addr, "--insecure"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("WARNING"), "{stderr}");
    // Usage errors.
    let (code, _, stderr) = tlslab(&["connect", &addr, "--cipher", "RC4-MD5"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("RC4-MD5"), "{stderr}");
    // Nothing listening.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let (code, _, stderr) = tlslab(&["connect", &free, "--insecure", "--timeout", "2"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

#[test]
fn demo_runs_end_to_end() {
    let (code, stdout, stderr) = tlslab(&["demo"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("keys agree"), "{stdout}");
    assert!(stdout.contains("HTTP/1.0 200 ok"), "{stdout}");
}
