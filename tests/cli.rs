//! The `tlslab` command line, run as a user would, against a real
//! `openssl s_server` started by the test.

mod common;

use std::process::Command;

use common::tlslab;
use tlslab_peers::testkit::rev_server;

/// `tlslab connect` to the file's `openssl s_server -rev`, trusting its CA,
/// with `options` after the address.
fn connect_to_rev_server(options: &[&str]) -> (i32, String, String) {
    common::connect(
        rev_server().addr(),
        "localhost",
        &rev_server().ca_pem_path(),
        options,
    )
}

/// A key log line (`CLIENT_RANDOM <client_random> <master_secret>`) has the
/// master secret OpenSSL logged itself for that client_random.
#[track_caller]
fn assert_master_secret_is_openssls(line: &str) {
    let cr = hex::decode(line.split(' ').nth(1).unwrap()).unwrap();
    let ms = rev_server()
        .keylog_master_secret(&cr)
        .expect("OpenSSL logged this connection");
    assert_eq!(line.split(' ').nth(2).unwrap().trim(), hex::encode(ms));
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tlslab-cli-{}-{name}", std::process::id()))
}

#[test]
fn connect_prints_suite_and_reply_and_writes_a_0600_key_log() {
    let keylog = temp_path("keylog.txt");
    let _ = std::fs::remove_file(&keylog);
    let (code, stdout, stderr) = connect_to_rev_server(&[
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
    assert_master_secret_is_openssls(&line);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&keylog).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::remove_file(&keylog).unwrap();
}

#[test]
fn json_trace_is_one_event_per_line() {
    let (code, stdout, stderr) = connect_to_rev_server(&["--trace", "json"]);
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
    let addr = rev_server().addr().to_string();
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
fn demo_runs_end_to_end_against_the_in_process_rustls_server() {
    // The default server: rustls in the same process, with certificates made
    // in-process too, so the demo runs without any program on the PATH.
    let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .arg("demo")
        .env("PATH", "/nonexistent")
        .env_remove("SSLKEYLOGFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("rustls server (in this process)"), "{stdout}");
    // The full trace, the echo, and rustls' own key log (written by its
    // `KeyLog` hook) agreeing with our master secret.
    assert!(stdout.contains("server Finished: verify_data"), "{stdout}");
    assert!(stdout.contains("   hello tlslab"), "{stdout}");
    assert!(
        stdout.contains("rustls's own key log has the same master secret for this client_random: keys agree"),
        "{stdout}"
    );
}

#[test]
fn demo_against_openssl_s_server() {
    let (code, stdout, stderr) = tlslab(&["demo", "--server", "openssl"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("keys agree"), "{stdout}");
    assert!(stdout.contains("HTTP/1.0 200 ok"), "{stdout}");
    assert_readable(&stdout);
}

/// No line wider than 120 characters, and no one-line-per-event hex wall.
fn assert_readable(stdout: &str) {
    for line in stdout.lines() {
        assert!(
            line.chars().count() <= 120,
            "a line of {} characters:\n{line}",
            line.chars().count()
        );
        for raw in [
            "record_out ",
            "record_in ",
            "transcript_appended ",
            "handshake_out ",
        ] {
            assert!(
                !line.starts_with(raw),
                "the default output has the event trace:\n{line}"
            );
        }
    }
}

/// The default output of `connect` against a real `openssl s_server`: the
/// ladder in protocol order (RFC 5246 §7.3 Figure 1), then the derived
/// values, every line at most 120 characters; the master secret it prints is
/// the one in OpenSSL's own key log, and the suite the one OpenSSL chose.
/// `--trace bytes` keeps the full detail and the annotated hex dump.
#[test]
fn default_output_is_the_readable_ladder_and_values() {
    let options = ["--cipher", "ECDHE-RSA-AES128-SHA256", "--send", "abc\\n"];
    let (code, stdout, stderr) = connect_to_rev_server(&options);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_readable(&stdout);
    let ladder = [
        "→ ClientHello  TLSv1.2  1 suites  SNI localhost",
        "← ServerHello  TLSv1.2  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256  EMS ✓",
        "← Certificate  1 cert  CN=localhost",
        "← ServerKeyExchange  ECDHE ",
        "← ServerHelloDone",
        "→ ClientKeyExchange",
        "→ ChangeCipherSpec",
        "→ Finished  verify_data ",
        "← ChangeCipherSpec",
        "← Finished  verify_data ",
        "── derived values",
        "master_secret = PRF(pre_master_secret, \"extended master secret\", session_hash)",
        "key_block = PRF(master_secret, \"key expansion\", server_random + client_random), 96 bytes",
        "client Finished: verify_data",
        "server Finished: verify_data",
        "→ ApplicationData  record seq 1",
        "← ApplicationData  4 bytes  \"cba\\n\"",
    ];
    let mut at = 0;
    for want in ladder {
        let Some(i) = stdout.lines().skip(at).position(|l| l.starts_with(want)) else {
            panic!("no line starting {want:?} after line {at}:\n{stdout}");
        };
        at += i + 1;
    }
    // The values: OpenSSL's key log has the master secret printed for the
    // client_random printed.
    let value = |label: &str| {
        stdout
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix(label).map(|v| v.trim().to_string()))
            .find(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .unwrap_or_else(|| panic!("no {label} line:\n{stdout}"))
    };
    let cr = hex::decode(value("client_random ")).unwrap();
    let ms = rev_server()
        .keylog_master_secret(&cr)
        .expect("OpenSSL logged this connection");
    assert_eq!(value("master_secret "), hex::encode(ms));
    // The key block's parts for AES-128-CBC with HMAC-SHA256 (RFC 5246 §6.3):
    // 32-byte MAC keys, 16-byte keys, no IV (TLS 1.2 CBC sends its IV).
    assert_eq!(value("client_write_MAC_key ").len(), 64);
    assert_eq!(value("server_write_key ").len(), 32);
    assert!(stdout.lines().all(|l| !l.contains("client_write_IV")), "{stdout}");
    for l in stdout.lines().filter(|l| l.contains("computed ")) {
        assert!(l.ends_with("✓ equal"), "{l}");
    }

    // --trace bytes: every event, values wrapped with offsets, and the
    // annotated dump of each message; still no line over 120 characters.
    let mut options = options.to_vec();
    options.extend(["--trace", "bytes"]);
    let (code, stdout, stderr) = connect_to_rev_server(&options);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    for l in stdout.lines() {
        assert!(l.chars().count() <= 120, "{l}");
    }
    for want in [
        "record_out  handshake TLSv1.2",
        "prf  key_block",
        "    payload (",
        "      0020  ",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(want)),
            "no {want:?} in:\n{stdout}"
        );
    }
}

/// `tlslab suites` lists only what the client offers; `--all` adds the
/// capture-only suites under their own heading. Code points from the IANA
/// registry as RFC 5246 Appendix A.5 (0x0004, 0x000a) and RFC 4492 §6
/// (0xc012) assign them.
#[test]
fn suites_all_adds_the_analysis_only_suites_under_their_own_heading() {
    let (code, default, stderr) = tlslab(&["suites"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        default.contains("0x002f   TLS_RSA_WITH_AES_128_CBC_SHA "),
        "{default}"
    );
    assert!(
        !default.contains("RC4") && !default.contains("analysis only"),
        "{default}"
    );
    let (code, all, stderr) = tlslab(&["suites", "--all"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        all.starts_with(&default),
        "--all begins with the default list:\n{all}"
    );
    let (_, extra) = all.split_once("\nanalysis only").expect("a heading");
    assert!(extra.contains("the client never offers them"), "{extra}");
    for row in [
        "0x0004   TLS_RSA_WITH_RC4_128_MD5",
        "0x000a   TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "0xc012   TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    ] {
        assert!(extra.contains(row), "no {row} under the heading:\n{extra}");
    }
    assert!(!extra.contains("AES_128_GCM"), "{extra}");
}

#[test]
fn help_exits_0_and_lists_every_command_and_option() {
    let (code, stdout, stderr) = tlslab(&["help"]);
    assert_eq!(code, 0, "{stderr}");
    for cmd in [
        "connect",
        "diagnose",
        "explain",
        "demo",
        "replay",
        "lab",
        "suites",
        "faults",
        "completions",
        "view",
    ] {
        assert!(stdout.contains(cmd), "no {cmd} in:\n{stdout}");
    }
    let (code, stdout, stderr) = tlslab(&["connect", "--help"]);
    assert_eq!(code, 0, "{stderr}");
    for option in [
        "--servername",
        "--cipher",
        "--groups",
        "--no-ems",
        "--no-etm",
        "--sigalgs",
        "--alpn",
        "--no-tickets",
        "--sess-out",
        "--sess-in",
        "--reconnect",
        "--fault",
        "--seed",
        "--bundle",
        "--server-key",
        "--ca",
        "--insecure",
        "--trace",
        "--trace-file",
        "--redact",
        "--keylog",
        "SSLKEYLOGFILE",
        "--send",
        "--timeout",
        "--pcap",
    ] {
        assert!(stdout.contains(option), "no {option} in:\n{stdout}");
    }
    // Every command answers --help.
    for cmd in [
        &["diagnose"][..],
        &["explain"],
        &["demo"],
        &["replay"],
        &["lab"],
        &["lab", "list"],
        &["lab", "start"],
        &["lab", "check"],
        &["suites"],
        &["faults"],
        &["completions"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let (code, stdout, stderr) = tlslab(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stdout.contains("Usage: tlslab"), "{args:?}: {stdout}");
    }
    let (_, stdout, _) = tlslab(&["explain", "--help"]);
    assert!(stdout.contains("--keylog") && stdout.contains("--server-key") && stdout.contains("--json"));
    let (_, stdout, _) = tlslab(&["lab", "check", "--help"]);
    assert!(stdout.contains("--answer") && stdout.contains("--seed") && stdout.contains("--labs-dir"));
}

#[test]
fn options_take_their_value_after_an_equals_sign() {
    let addr = rev_server().addr().to_string();
    let ca = format!("--ca={}", rev_server().ca_pem_path().display());
    let (code, stdout, stderr) = tlslab(&[
        "connect",
        &addr,
        "--servername=localhost",
        &ca,
        "--cipher=AES128-SHA",
        "--send=equals\\n",
    ]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    // OpenSSL's name AES128-SHA is TLS_RSA_WITH_AES_128_CBC_SHA
    // (`openssl ciphers -V AES128-SHA`: 0x00,0x2F).
    assert!(stdout.contains("TLS_RSA_WITH_AES_128_CBC_SHA "), "{stdout}");
    assert!(
        stdout.contains("slauqe"),
        "the reversed line from s_server -rev: {stdout}"
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for (args, expected) in [
        (
            &["connect", "127.0.0.1:1", "--bogus"][..],
            "unknown option '--bogus' (try 'tlslab connect --help')",
        ),
        (
            &["connect", "127.0.0.1:1", "--seed", "x"],
            "--seed: 'x' is not a number",
        ),
        (
            &["connect", "127.0.0.1:1", "--trace=xml"],
            "--trace: 'xml' is not one of: text, json",
        ),
        (&["connect"], "HOST:PORT"),
        (&["lab", "check", "lost-count"], "--answer"),
        (&["no-such-command"], "unknown command 'no-such-command'"),
        (&["demo", "--server", "iis"], "--server: 'iis' is not one of"),
    ] {
        let (code, stdout, stderr) = tlslab(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn bash_accepts_the_completion_script() {
    let (code, script, stderr) = tlslab(&["completions", "bash"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        script.contains("complete") && script.contains("tlslab"),
        "{script}"
    );
    let path = temp_path("completion.bash");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    // The reading end is closed before tlslab writes anything, so its first
    // write fails with EPIPE (what `tlslab faults | head -0` does).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .arg("faults")
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn groups_p521_is_negotiated_with_openssl() {
    // secp521r1 is not in the default offer; --groups asks for it, and
    // OpenSSL's key log has the same master secret for the connection.
    let keylog = temp_path("keylog-p521.txt");
    let _ = std::fs::remove_file(&keylog);
    let (code, stdout, stderr) = connect_to_rev_server(&[
        "--groups",
        "P-521",
        "--keylog",
        keylog.to_str().unwrap(),
        "--send",
        "abc\\n",
    ]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("secp521r1"), "{stdout}");
    let line = std::fs::read_to_string(&keylog).unwrap();
    assert_master_secret_is_openssls(&line);
    std::fs::remove_file(&keylog).unwrap();
}
