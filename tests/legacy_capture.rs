//! `tlslab explain` on captures of SSL 3.0, TLS 1.0 and TLS 1.1 connections
//! between real peers, taken here with tcpdump on 127.0.0.1.
//!
//! Expected values come from outside tlslab: the peers' own secrets
//! (tlslite-ng's session state, `openssl s_server -keylogfile`), and
//! tshark's decryption of the same capture with the same key log or server
//! key, which the application data `explain` prints must equal byte for byte.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tlslab_peers::certs::{fresh_dir, make_material};
use tlslab_peers::tcpdump::Tcpdump;
use tlslab_peers::testkit::{capture_of, tshark_follow_tls};
use tlslab_peers::KeyType;

use common::{events, tlslab};

const TLSLITE_PAIR: &str = include_str!("legacy_capture/tlslite_pair.py");

/// `tlslab explain CAPTURE ARGS --json`, parsed line by line; `ok` is
/// whether it must exit 0.
fn explain_json(capture: &Path, args: &[&str], ok: bool) -> Vec<Value> {
    let mut all = vec!["explain", capture.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = tlslab(&all);
    assert_eq!(code == 0, ok, "exit {code}\nstdout:\n{out}\nstderr:\n{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn summary(lines: &[Value]) -> &Value {
    events(lines, "connection_summary")
        .next()
        .unwrap_or_else(|| panic!("no connection summary in {lines:#?}"))
}

/// The decrypted application data `explain` printed, per direction.
fn explained_data(lines: &[Value]) -> (Vec<u8>, Vec<u8>) {
    let (mut c2s, mut s2c) = (vec![], vec![]);
    for e in events(lines, "application_data") {
        let data = hex::decode(e["data"].as_str().unwrap()).unwrap();
        if e["direction"] == "client->server" {
            c2s.extend(data);
        } else {
            s2c.extend(data);
        }
    }
    (c2s, s2c)
}

/// tshark's decryption of the first TLS stream, with `options` (`-o`
/// settings naming the key log or the RSA key).
fn tshark_follow(capture: &Path, options: &[String]) -> (Vec<u8>, Vec<u8>) {
    tshark_follow_tls(capture, options, 0)
}

/// tshark's setting for an RSA private key file (any address and port).
fn tshark_rsa_key(key: &Path) -> String {
    format!("uat:rsa_keys:\"{}\",\"\"", key.display())
}

/// A directory with a fresh RSA `key.pem` and `cert.pem`.
fn rsa_material(name: &str) -> PathBuf {
    let dir = fresh_dir(&format!("tlslab-legacy-{name}")).unwrap();
    make_material(&dir, KeyType::Rsa2048)
        .unwrap()
        .write_to(&dir)
        .unwrap();
    dir
}

/// One tlslite-ng client to tlslite-ng server connection at `version`
/// (`ssl3`, `tls1.0`, `tls1.1`), captured: the capture file and the master
/// secret tlslite-ng's session holds.
fn tlslite_pair(dir: &Path, version: &str, message: &str) -> (PathBuf, String) {
    tlslite_pair_with(dir, version, message, "aes128", "sha")
}

/// [`tlslite_pair`] with tlslite-ng's bulk cipher and MAC names
/// (`3des`, `rc4`, `null`; `sha`, `md5`).
fn tlslite_pair_with(dir: &Path, version: &str, message: &str, cipher: &str, mac: &str) -> (PathBuf, String) {
    let (pcap, ms, _) = tlslite_pair_kx(dir, version, message, cipher, mac, "rsa");
    (pcap, ms)
}

/// [`tlslite_pair_with`] with tlslite-ng's key exchange name (`rsa`,
/// `dhe_rsa`, `ecdhe_rsa`); also returns the client random tlslite-ng's
/// client sent, for a key log line.
fn tlslite_pair_kx(
    dir: &Path,
    version: &str,
    message: &str,
    cipher: &str,
    mac: &str,
    kx: &str,
) -> (PathBuf, String, String) {
    let script = dir.join("tlslite_pair.py");
    std::fs::write(&script, TLSLITE_PAIR).unwrap();
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(dir.join("key.pem"))
        .arg(dir.join("cert.pem"))
        .args([version, message, cipher, mac, kx])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with tlslite-ng");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut port = String::new();
    out.read_line(&mut port).unwrap();
    let port: u16 = port
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no port: {port:?}"));
    let dump = Tcpdump::start(port, dir.join(format!("{version}-{kx}-{cipher}-{mac}.pcap")));
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "tlslite-ng pair failed:\n{err}");
    let pcap = dump.stop();
    let ms = rest
        .lines()
        .find_map(|l| l.strip_prefix("master_secret "))
        .unwrap_or_else(|| panic!("no master secret in {rest:?}"))
        .to_string();
    let client_random = rest
        .lines()
        .find_map(|l| l.strip_prefix("client_random "))
        .unwrap_or_else(|| panic!("no client random in {rest:?}"))
        .to_string();
    (pcap, ms, client_random)
}

/// The records of one direction, as `record_in` / `record_out` show them: (seq, payload).
fn payloads(lines: &[Value], event: &str) -> Vec<(u64, Vec<u8>, bool)> {
    events(lines, event)
        .map(|r| {
            (
                r["seq"].as_u64().unwrap(),
                hex::decode(r["payload"].as_str().unwrap()).unwrap(),
                r["protected"] == true,
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// SSL 3.0

/// A real SSL 3.0 connection (tlslite-ng at both ends, RSA key transport):
/// the server key alone decrypts it, the master secret is tlslite-ng's, the
/// 36-byte Finished messages verify, the application data equals tshark's,
/// and each record's IV is the previous record's last ciphertext block.
#[test]
fn ssl3_capture_is_decrypted_with_the_server_key_as_tshark_does() {
    let dir = rsa_material("ssl3");
    let (pcap, master_secret) = tlslite_pair(&dir, "ssl3", "attack at dawn");
    let key = dir.join("key.pem");
    let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
    let s = summary(&lines);
    assert_eq!(s["version"], "SSLv3", "{s}");
    assert_eq!(s["suite"], "TLS_RSA_WITH_AES_128_CBC_SHA", "{s}");
    assert_eq!(s["all_verified"], true, "{s}");
    assert_eq!(s["finished_ok"], serde_json::json!([true, true]), "{s}");
    assert_eq!(
        s["master_secret_source"], "pre-master secret decrypted with the server key",
        "{s}"
    );
    // tlslite-ng's own master secret.
    let ms = events(&lines, "master_secret").next().unwrap();
    assert_eq!(ms["master_secret"], master_secret.as_str());
    // Byte-exact against tshark's SSL 3.0 decryption with the same key.
    let (c2s, s2c) = explained_data(&lines);
    let (t_c2s, t_s2c) = tshark_follow(&pcap, &[tshark_rsa_key(&key)]);
    assert_eq!(c2s, b"attack at dawn\n");
    assert_eq!(c2s, t_c2s, "client->server against tshark");
    assert_eq!(s2c, t_s2c, "server->client against tshark");
    assert_eq!(s2c, b"nwad ta kcatta\n");
    // The Finished messages are SSL 3.0's 36 bytes.
    for f in events(&lines, "finished_verify") {
        assert_eq!(f["computed"].as_str().unwrap().len(), 72, "{f}");
        assert_eq!(f["computed"], f["received"]);
    }
    // The IV chain, checked against the wire: the first IV of each direction
    // comes from the key block, every later one is the last 16 bytes of the
    // previous protected record of that direction.
    for (dir_name, record_event) in [("client->server", "record_out"), ("server->client", "record_in")] {
        let protected: Vec<Vec<u8>> = payloads(&lines, record_event)
            .into_iter()
            .filter(|(_, _, p)| *p)
            .map(|(_, payload, _)| payload)
            .collect();
        let chain: Vec<&Value> = events(&lines, "cbc_iv_chain")
            .filter(|e| e["direction"] == dir_name)
            .collect();
        assert_eq!(chain.len(), protected.len(), "{dir_name}");
        let kb = events(&lines, "key_block").next().unwrap();
        let write_iv = if dir_name == "client->server" {
            &kb["client_write_iv"]
        } else {
            &kb["server_write_iv"]
        };
        assert_eq!(&chain[0]["iv"], write_iv, "{dir_name}");
        for (i, (link, record)) in chain.iter().zip(&protected).enumerate() {
            let last = hex::encode(&record[record.len() - 16..]);
            assert_eq!(link["next_iv"], last, "{dir_name} record {i}");
            if let Some(next) = chain.get(i + 1) {
                assert_eq!(next["iv"], last, "{dir_name} record {}", i + 1);
            }
        }
    }
    // `TLSLAB_WRITE_VECTORS=1` freezes this capture for the book's POODLE
    // chapter (vectors/ssl3-tlslite/), which the next test checks.
    if std::env::var_os("TLSLAB_WRITE_VECTORS").is_some() {
        let out = Path::new(SSL3_VECTOR);
        std::fs::create_dir_all(out).unwrap();
        std::fs::copy(&pcap, out.join("capture.pcap")).unwrap();
        std::fs::copy(&key, out.join("server-key.pem")).unwrap();
        std::fs::write(out.join("master-secret.txt"), format!("{master_secret}\n")).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SSL 3.0 capture the book's POODLE chapter reads, made by the test
/// above (tlslite-ng at both ends) and frozen.
const SSL3_VECTOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/ssl3-tlslite");

/// The frozen SSL 3.0 capture still explains as it did when it was made:
/// tlslite-ng's master secret (kept beside it), tshark's decryption with the
/// server key, both 36-byte Finished messages.
#[test]
fn the_frozen_ssl3_capture_matches_tshark() {
    let dir = Path::new(SSL3_VECTOR);
    let (pcap, key) = (dir.join("capture.pcap"), dir.join("server-key.pem"));
    let master_secret = std::fs::read_to_string(dir.join("master-secret.txt")).unwrap();
    let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
    let s = summary(&lines);
    assert_eq!(s["version"], "SSLv3", "{s}");
    assert_eq!(s["all_verified"], true, "{s}");
    let ms = events(&lines, "master_secret").next().unwrap();
    assert_eq!(ms["master_secret"], master_secret.trim());
    let (c2s, s2c) = explained_data(&lines);
    assert_eq!(
        (c2s.clone(), s2c.clone()),
        tshark_follow(&pcap, &[tshark_rsa_key(&key)])
    );
    assert_eq!(c2s, b"attack at dawn\n");
    assert_eq!(s2c, b"nwad ta kcatta\n");
}

// ---------------------------------------------------------------------------
// TLS 1.0 and TLS 1.1: openssl s_server and s_client

/// `openssl s_server -VERSION -rev` on a free port of 127.0.0.1 with its key
/// log; dropping it stops the server.
struct OpensslServer {
    child: std::process::Child,
    port: u16,
    keylog: PathBuf,
    _stdin: std::process::ChildStdin,
}

impl OpensslServer {
    fn start(dir: &Path, version_flag: &str) -> OpensslServer {
        let keylog = dir.join(format!("server-keylog{version_flag}.txt"));
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", version_flag])
            .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-rev", "-cert"])
            .arg(dir.join("cert.pem"))
            .arg("-key")
            .arg(dir.join("key.pem"))
            .arg("-keylogfile")
            .arg(&keylog)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        // Readiness: "ACCEPT 127.0.0.1:PORT", with the port the kernel chose.
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let port = loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("s_server {version_flag} exited before ACCEPT");
            }
            if let Some(p) = line.trim().strip_prefix("ACCEPT 127.0.0.1:") {
                break p.parse().unwrap();
            }
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = std::io::Read::read_to_string(&mut out, &mut sink);
        });
        let stdin = child.stdin.take().unwrap();
        OpensslServer {
            child,
            port,
            keylog,
            _stdin: stdin,
        }
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `openssl s_client -VERSION -cipher SUITE` connection: sends `message`
/// and a newline, waits for the server's reversed line, closes.
fn openssl_client(port: u16, version_flag: &str, suite: &str, message: &str) {
    openssl_client_with(port, version_flag, suite, message, &[]);
}

/// [`openssl_client`] with more `s_client` arguments.
fn openssl_client_with(port: u16, version_flag: &str, suite: &str, message: &str, extra: &[&str]) {
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), version_flag])
        .args(["-cipher", &format!("{suite}:@SECLEVEL=0"), "-no_ign_eof"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_client");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{message}\n").as_bytes()).unwrap();
    let reversed: String = message.chars().rev().collect();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
            panic!("s_client {version_flag} {suite}: no answer {reversed:?}");
        }
        if line.trim() == reversed {
            break;
        }
    }
    // End of input: s_client sends close_notify and exits.
    drop(stdin);
    let _ = child.wait();
}

/// Every key log line of `path` (the server writes it as each handshake ends).
fn keylog_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().filter(|l| l.starts_with("CLIENT_RANDOM")).count())
        .unwrap_or(0)
}

/// TLS 1.0 and TLS 1.1 connections between OpenSSL's client and server, RSA
/// key transport and ECDHE, one capture per version: with the server's key
/// log every record and both Finished messages verify, and the application
/// data equals tshark's decryption with the same key log byte for byte; the
/// RSA connections also decrypt with the server's private key alone.
#[test]
fn tls10_and_tls11_captures_match_tshark() {
    let dir = rsa_material("openssl");
    for (flag, version) in [("-tls1", "TLSv1.0"), ("-tls1_1", "TLSv1.1")] {
        let server = OpensslServer::start(&dir, flag);
        let dump = Tcpdump::start(server.port, dir.join(format!("openssl{flag}.pcap")));
        let suites = ["AES128-SHA", "ECDHE-RSA-AES256-SHA"];
        for (i, suite) in suites.iter().enumerate() {
            openssl_client(
                server.port,
                flag,
                suite,
                &format!("message {i} over {version} with {suite}"),
            );
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while keylog_lines(&server.keylog) < suites.len() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let pcap = dump.stop();
        let keylog = server.keylog.to_str().unwrap().to_string();
        let lines = explain_json(&pcap, &["--keylog", &keylog], true);
        let summaries: Vec<&Value> = events(&lines, "connection_summary").collect();
        assert_eq!(summaries.len(), 2, "{version}");
        for (s, suite) in summaries.iter().zip(suites) {
            assert_eq!(s["version"], version, "{s}");
            assert_eq!(
                s["suite"],
                tlslab::crypto::suites::find_by_name(suite).unwrap().name(),
                "{s}"
            );
            assert_eq!(s["all_verified"], true, "{version} {suite}: {s}");
            assert_eq!(s["finished_ok"], serde_json::json!([true, true]), "{s}");
        }
        // TLS 1.0: no IV in the records, the chain instead; TLS 1.1: explicit IVs.
        let chained = events(&lines, "cbc_iv_chain").count();
        if flag == "-tls1" {
            assert!(chained > 4, "{chained} chained IVs");
        } else {
            assert_eq!(chained, 0);
        }
        // Byte-exact against tshark, connection by connection.
        let (c2s, s2c) = explained_data(&lines);
        let (mut t_c2s, mut t_s2c) = (vec![], vec![]);
        for stream in 0..suites.len() {
            let (c, s) = tshark_follow_tls(&pcap, &[format!("tls.keylog_file:{keylog}")], stream);
            t_c2s.extend(c);
            t_s2c.extend(s);
        }
        assert!(!c2s.is_empty());
        assert_eq!(c2s, t_c2s, "{version} client->server against tshark");
        assert_eq!(s2c, t_s2c, "{version} server->client against tshark");

        // The RSA connection with the server's private key alone.
        let key = dir.join("key.pem");
        let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
        let summaries: Vec<&Value> = events(&lines, "connection_summary").collect();
        assert_eq!(summaries[0]["all_verified"], true, "{}", summaries[0]);
        assert_eq!(
            summaries[0]["master_secret_source"],
            "pre-master secret decrypted with the server key"
        );
        // The ECDHE one cannot be decrypted that way (forward secrecy).
        assert_eq!(summaries[1]["all_verified"], false, "{}", summaries[1]);
        assert!(
            summaries[1]["notes"].to_string().contains("forward secrecy"),
            "{}",
            summaries[1]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// A broken IV chain, made by a real server

/// tlslite-ng as a TLS 1.0 server that restarts its CBC IV chain from the
/// key block's server_write_IV at its first application data record (the
/// `iv-chain-restart` fault, made by the server, not by our client): the
/// client's own explanation, and the explanation of a capture of the same
/// connection, both prove `wrong_iv_chain` by recomputation, naming the IV
/// that verifies.
#[test]
fn a_restarted_iv_chain_is_proven_live_and_from_the_capture() {
    use tlslab::wire::ProtocolVersion;
    use tlslab_peers::hostile::{HostileServer, ServerFault};
    use tlslab_peers::PeerOptions;

    let server = HostileServer::start(
        ServerFault::IvChainRestart,
        &PeerOptions {
            version: Some(ProtocolVersion::TLS10),
            ..PeerOptions::default()
        },
    )
    .unwrap();
    let dir = fresh_dir("tlslab-legacy-ivchain").unwrap();
    let dump = Tcpdump::start(server.addr().port(), dir.join("iv-chain.pcap"));
    let keylog = dir.join("client-keylog.txt");
    let (code, out, err) = common::connect(
        server.addr(),
        "localhost",
        &server.ca_pem_path(),
        &[
            "--min-version",
            "tls1.0",
            "--max-version",
            "tls1.0",
            "--cipher",
            "ECDHE-RSA-AES128-SHA",
            "--keylog",
            keylog.to_str().unwrap(),
            "--send",
            "ping\\n",
        ],
    );
    let pcap = dump.stop();
    // The connection fails, and says why: proven by recomputation.
    assert_ne!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let all = format!("{out}\n{err}");
    assert!(all.contains("the IV chain broke"), "{all}");
    assert!(all.contains("server_write_IV"), "{all}");

    // The capture, with our key log: the same proof.
    let lines = explain_json(&pcap, &["--keylog", keylog.to_str().unwrap()], true);
    let s = summary(&lines);
    assert_eq!(s["version"], "TLSv1.0", "{s}");
    let f = &s["first_failure"];
    assert_eq!(f["cause"], "wrong_iv_chain", "{s}");
    assert_eq!(f["proven"], true, "{f}");
    assert_eq!(f["direction"], "server->client", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("the key block's server_write_IV"),
        "{f}"
    );
    // Every server record before it verified (the handshake is intact).
    assert_eq!(s["finished_ok"], serde_json::json!([true, true]), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two TLS 1.0 connections with RSA key transport, the second resuming the
/// first's session (by session ticket, then, with tickets off, by
/// session_id): the server's private key alone decrypts both, the second
/// with the master secret learned from the first, as Wireshark does.
#[test]
fn resumed_tls10_sessions_decrypt_with_the_server_key_alone() {
    let dir = rsa_material("resume");
    let server = OpensslServer::start(&dir, "-tls1");
    let dump = Tcpdump::start(server.port, dir.join("resume.pcap"));
    let session = dir.join("session.pem");
    let (s, t) = (session.to_str().unwrap(), "-no_ticket");
    openssl_client_with(server.port, "-tls1", "AES128-SHA", "full one", &["-sess_out", s]);
    openssl_client_with(
        server.port,
        "-tls1",
        "AES128-SHA",
        "resumed one",
        &["-sess_in", s],
    );
    openssl_client_with(
        server.port,
        "-tls1",
        "AES128-SHA",
        "full two",
        &["-sess_out", s, t],
    );
    openssl_client_with(
        server.port,
        "-tls1",
        "AES128-SHA",
        "resumed two",
        &["-sess_in", s, t],
    );
    let pcap = dump.stop();
    let key = dir.join("key.pem");
    let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
    let summaries: Vec<&Value> = events(&lines, "connection_summary").collect();
    assert_eq!(summaries.len(), 4);
    for (i, s) in summaries.iter().enumerate() {
        assert_eq!(s["all_verified"], true, "connection {}: {s}", i + 1);
        assert_eq!(s["resumed"], i % 2 == 1, "{s}");
    }
    let by = |i: usize| summaries[i]["master_secret_source"].as_str().unwrap().to_string();
    assert!(by(1).contains("session ticket"), "{}", by(1));
    assert!(by(3).contains("session_id"), "{}", by(3));
    // Byte-exact against tshark, which resumes sessions the same way. (Its
    // `follow` names as first node whoever sends decrypted data first: the
    // server, in an abbreviated handshake; so each pair is compared either way.)
    let mut start = 0;
    for (stream, end) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["event"] == "connection_summary")
        .map(|(i, _)| i)
        .enumerate()
    {
        let ours = explained_data(&lines[start..end]);
        let (a, b) = tshark_follow_tls(&pcap, &[tshark_rsa_key(&key)], stream);
        assert!(
            ours == (a.clone(), b.clone()) || ours == (b, a),
            "stream {stream}"
        );
        start = end + 1;
    }
    let (c2s, _) = explained_data(&lines);
    assert_eq!(c2s, b"full one\nresumed one\nfull two\nresumed two\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// One bit flipped in the frozen SSL 3.0 capture, inside the client's second
/// application data record: the SSL 3.0 recomputation (its MAC, its padding
/// rule, the chained IV) finds the very bit, and the records after it still
/// verify.
#[test]
fn a_flipped_bit_in_an_ssl3_record_is_found() {
    let dir = Path::new(SSL3_VECTOR);
    let (pcap, key) = (dir.join("capture.pcap"), dir.join("server-key.pem"));
    let key = key.to_str().unwrap();
    let lines = explain_json(&pcap, &["--server-key", key], true);
    // The record as it is in the file (header and payload), from the trace.
    // Payload byte 20, bit 3: the second ciphertext block.
    let damaged = with_flipped_bit(&pcap, &lines, 1, |_| 20, 1 << 3, "ssl3-flip");
    let lines = explain_json(&damaged, &["--server-key", key], true);
    let _ = std::fs::remove_file(&damaged);
    let s = summary(&lines);
    let f = &s["first_failure"];
    assert_eq!(f["cause"], "corrupted_in_transit", "{s}");
    assert_eq!(f["proven"], true, "{f}");
    assert_eq!(f["direction"], "client->server", "{f}");
    assert_eq!(f["seq"], 2, "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("bit 3 of payload byte 20 "),
        "{f}"
    );
    // The server's records are untouched.
    assert_eq!(s["verified"][1], 4, "{s}");
}

/// `pcap` with bit 1 of byte 3 of the last ciphertext block of the
/// client's `nth` application data record flipped (`mac_len`: the MAC bytes
/// after the ciphertext under encrypt-then-MAC), explained with the server
/// key: the JSON lines, the text report and the payload byte flipped.
fn explain_flip_in_last_block(
    pcap: &Path,
    key: &str,
    nth: usize,
    mac_len: usize,
) -> (Vec<Value>, String, usize) {
    let lines = explain_json(pcap, &["--server-key", key], true);
    // AES: the last block is the 16 bytes before the MAC (encrypt-then-MAC)
    // or at the very end (MAC-then-encrypt).
    let last_block = |payload_len: usize| payload_len - mac_len - 16 + 3;
    let damaged = with_flipped_bit(pcap, &lines, nth, last_block, 1 << 1, &format!("flip-last-{nth}"));
    let byte = last_block(flipped_record_len(&lines, nth));
    let lines = explain_json(&damaged, &["--server-key", key], true);
    let (code, text, err) = tlslab(&["explain", damaged.to_str().unwrap(), "--server-key", key]);
    assert_eq!(code, 0, "{text}{err}");
    let _ = std::fs::remove_file(&damaged);
    (lines, text, byte)
}

/// The first failure is the flipped `byte`; the client's next record is
/// proven to fail only because of it (it verifies under the restored
/// block), listed with the first rather than as a fault of its own; both
/// cite `rfc` (RFC 6101 §5.2.3.x for SSL 3.0, RFC 2246 §6.2.3.x for TLS 1.0).
fn assert_follow_on(lines: &[Value], text: &str, byte: usize, rfc: &str) {
    let s = summary(lines);
    let f = &s["first_failure"];
    assert_eq!(f["cause"], "corrupted_in_transit", "{s}");
    assert_eq!(f["proven"], true, "{f}");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains(&format!("bit 1 of payload byte {byte} ")), "{f}");
    assert!(message.ends_with(&format!("({rfc}.1)")), "{f}");
    let first = f["record"].as_u64().unwrap();
    let follow = s["follow_on_failures"].as_array().unwrap();
    assert_eq!(follow.len(), 1, "{s}");
    let next = &follow[0];
    assert_eq!(next["cause"], "iv_changed_by_previous_flip", "{next}");
    assert_eq!(next["proven"], true, "{next}");
    assert_eq!(next["direction"], "client->server", "{next}");
    let message = next["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "record #{} fails only because its IV, the last block of record #{first}, was changed by the flip found in record #{first}",
            next["record"].as_u64().unwrap()
        )),
        "{message}"
    );
    assert!(message.ends_with(&format!("({rfc}.2)")), "{message}");
    // The text report says it next to the first failure.
    assert!(text.contains("then record #"), "{text}");
    assert!(text.contains("fails only because its IV"), "{text}");
}

/// One bit flipped in the last ciphertext block of the client's second
/// application data record of the frozen SSL 3.0 capture (tlslite-ng's
/// peers): that block is also the IV of the client's next record (SSL 3.0
/// chains IVs, RFC 6101 §5.2.3.2), so the next record fails too.
#[test]
fn a_flip_in_the_last_block_explains_the_next_ssl3_record() {
    let dir = Path::new(SSL3_VECTOR);
    let pcap = std::env::temp_dir().join(format!("tlslab-ssl3-last-{}.pcap", std::process::id()));
    std::fs::copy(dir.join("capture.pcap"), &pcap).unwrap();
    let key = dir.join("server-key.pem");
    let (lines, text, byte) = explain_flip_in_last_block(&pcap, key.to_str().unwrap(), 1, 0);
    let _ = std::fs::remove_file(&pcap);
    assert_follow_on(&lines, &text, byte, "RFC 6101 §5.2.3");
}

/// The same on a TLS 1.0 connection between OpenSSL's client and server
/// captured here (RFC 2246 §6.2.3.2 chains the IVs), MAC-then-encrypt
/// (`-no_etm`): the MAC covers the plaintext, so the garbled first block of
/// the next record makes it fail.
#[test]
fn a_flip_in_the_last_block_explains_the_next_tls10_record() {
    let dir = rsa_material("flip-last");
    let server = OpensslServer::start(&dir, "-tls1");
    let dump = Tcpdump::start(server.port, dir.join("flip-last.pcap"));
    openssl_client_with(
        server.port,
        "-tls1",
        "AES128-SHA",
        "a message long enough to fill a few blocks",
        &["-no_etm"],
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while keylog_lines(&server.keylog) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pcap = dump.stop();
    drop(server);
    let key = dir.join("key.pem");
    let key = key.to_str().unwrap();
    let lines = explain_json(&pcap, &["--server-key", key], true);
    assert_eq!(summary(&lines)["encrypt_then_mac"], false);
    let (lines, text, byte) = explain_flip_in_last_block(&pcap, key, 0, 0);
    assert_follow_on(&lines, &text, byte, "RFC 2246 §6.2.3");
    let _ = std::fs::remove_dir_all(&dir);
}

/// With encrypt-then-MAC (tlslite-ng's TLS 1.0 default) the MAC covers the
/// ciphertext but not the chained IV: after a bit flipped in the last block
/// of the client's first application data record (its 1/n-1 split's single
/// byte), the next record verifies, and the same bit of its first plaintext
/// block is flipped (CBC: P1 = D(C1) ⊕ IV). The report says so, and the
/// data it prints is the message sent with exactly that bit changed.
#[test]
fn under_encrypt_then_mac_a_flip_in_the_iv_passes_into_the_next_plaintext() {
    let dir = rsa_material("flip-etm");
    let message = "a message long enough to fill a few blocks";
    let (pcap, _) = tlslite_pair(&dir, "tls1.0", message);
    let key = dir.join("key.pem");
    let key = key.to_str().unwrap();
    let lines = explain_json(&pcap, &["--server-key", key], true);
    assert_eq!(summary(&lines)["encrypt_then_mac"], true);
    // HMAC-SHA1: 20 bytes of MAC after the ciphertext.
    let (lines, _, byte) = explain_flip_in_last_block(&pcap, key, 0, 20);
    let s = summary(&lines);
    assert_eq!(s["first_failure"]["cause"], "corrupted_in_transit", "{s}");
    assert_eq!(s["failures"], 1, "{s}");
    // The IV's byte 3 is the first plaintext block's byte 3.
    assert_eq!(byte % 16, 3);
    let note = s["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|n| n.contains("verifies, yet bit 1 of its plaintext byte 3 is flipped"))
        .unwrap_or_else(|| panic!("no note in {s}"));
    assert!(
        note.contains("encrypt-then-MAC authenticates the ciphertext"),
        "{note}"
    );
    // What arrived: the message after its first byte (the damaged record),
    // with bit 1 of its byte 3 flipped.
    let mut expected = format!("{}\n", &message[1..]).into_bytes();
    expected[3] ^= 1 << 1;
    let (c2s, _) = explained_data(&lines);
    assert_eq!(c2s, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Wireshark's `RSA` key log line (the first 8 bytes of the encrypted
/// pre-master secret, then the pre-master secret) opens the frozen SSL 3.0
/// capture without the server key: the master secret is tlslite-ng's.
#[test]
fn an_rsa_key_log_line_opens_the_ssl3_capture() {
    let dir = Path::new(SSL3_VECTOR);
    let pcap = dir.join("capture.pcap");
    let key = dir.join("server-key.pem");
    let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
    // The inputs of the line: the ciphertext as sent (SSL 3.0 sends it bare
    // in ClientKeyExchange) and the pre-master secret inside it.
    let cke = events(&lines, "handshake_out")
        .find(|m| m["typ"] == "client_key_exchange")
        .unwrap()["raw"]
        .as_str()
        .unwrap()
        .to_string();
    let pms = events(&lines, "pre_master_secret").next().unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    let keylog = std::env::temp_dir().join(format!("tlslab-rsa-line-{}.txt", std::process::id()));
    std::fs::write(&keylog, format!("RSA {} {pms}\n", &cke[8..24])).unwrap();
    let lines = explain_json(&pcap, &["--keylog", keylog.to_str().unwrap()], true);
    let _ = std::fs::remove_file(&keylog);
    let s = summary(&lines);
    assert_eq!(s["all_verified"], true, "{s}");
    assert_eq!(
        s["master_secret_source"], "key log (RSA line), RFC 6101 §6.1",
        "{s}"
    );
    let ms = events(&lines, "master_secret").next().unwrap();
    let want = std::fs::read_to_string(dir.join("master-secret.txt")).unwrap();
    assert_eq!(ms["master_secret"], want.trim());
}

/// A TLS 1.0 ServerHello that picks DEFLATE (RFC 3749): the connection is
/// named and skipped, not misread record by record.
#[test]
fn a_compressed_connection_is_named_and_skipped() {
    use tlslab::capture::{explain_capture, KeySources};
    use tlslab::internal::messages::{encode_handshake, ClientHello, ServerHello};
    use tlslab::observer::Recorder;
    use tlslab::wire::{CipherSuite, CompressionMethod, HandshakeType, ProtocolVersion};

    let ch = ClientHello {
        client_version: ProtocolVersion::TLS10,
        random: [7; 32],
        session_id: vec![],
        cipher_suites: vec![CipherSuite(0x002f)],
        compression_methods: vec![CompressionMethod(1), CompressionMethod(0)],
        extensions: None,
    };
    let sh = ServerHello {
        server_version: ProtocolVersion::TLS10,
        random: [8; 32],
        session_id: vec![],
        cipher_suite: CipherSuite(0x002f),
        compression_method: CompressionMethod(1),
        extensions: None,
    };
    let record = |body: Vec<u8>| {
        let mut r = vec![22, 3, 1];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(&body);
        r
    };
    let records = [
        (
            true,
            record(encode_handshake(HandshakeType::CLIENT_HELLO, |o| ch.encode(o))),
        ),
        (
            false,
            record(encode_handshake(HandshakeType::SERVER_HELLO, |o| sh.encode(o))),
        ),
    ];
    let r = explain_capture(
        &capture_of(&records),
        &KeySources::default(),
        &mut Recorder::new(),
    )
    .unwrap();
    let why = r.connections[0].skipped.as_deref().unwrap_or("");
    assert!(
        why.contains("compression method 1") && why.contains("RFC 3749"),
        "{why}"
    );
}

/// tlslite-ng at both ends in TLS 1.0 and TLS 1.1, RSA key transport: the
/// server key alone decrypts both, as tshark does. (tlslite-ng makes its TLS
/// 1.1 explicit IV by encrypting a block in front of the data with the
/// chain, RFC 4346 §6.2.3.2 option 2b; read as an explicit IV it is all the
/// same.)
#[test]
fn tlslite_tls10_and_tls11_captures_match_tshark() {
    let dir = rsa_material("tlslite-legacy");
    let key = dir.join("key.pem");
    for (version, name) in [("tls1.0", "TLSv1.0"), ("tls1.1", "TLSv1.1")] {
        let (pcap, master_secret) = tlslite_pair(&dir, version, "hello from the past");
        let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
        let s = summary(&lines);
        assert_eq!(s["version"], name, "{s}");
        assert_eq!(s["all_verified"], true, "{s}");
        assert_eq!(s["finished_ok"], serde_json::json!([true, true]), "{s}");
        let ms = events(&lines, "master_secret").next().unwrap();
        assert_eq!(ms["master_secret"], master_secret.as_str(), "{version}");
        let ours = explained_data(&lines);
        assert_eq!(ours, tshark_follow(&pcap, &[tshark_rsa_key(&key)]), "{version}");
        assert_eq!(ours.0, b"hello from the past\n");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// The text of `explain` on old versions

/// `explain` in text: every line at most 120 characters, and the lines a
/// reader needs joined up again (a long sentence wraps onto an indented
/// continuation line).
fn readable_text(text: &str) -> String {
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "line of {} characters:\n{line}",
            line.chars().count()
        );
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// tlslab's own client with `--split-records 1/n-1` to `openssl s_server
/// -tls1`, captured with tcpdump: `explain` with the server's key log
/// verifies everything and names both servers' BEAST countermeasures: ours,
/// the first byte of the write alone in a record (1/n-1, as asked), and
/// OpenSSL's, an empty record before its answer (0/n, OpenSSL's default
/// unless SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS is set). The record lengths
/// come from tshark's decryption with the same key log: the client's first
/// application data record holds 1 byte, the server's 0.
#[test]
fn explain_names_the_split_of_a_tls10_capture() {
    let dir = rsa_material("split");
    let server = OpensslServer::start(&dir, "-tls1");
    let dump = Tcpdump::start(server.port, dir.join("split.pcap"));
    let message = "split over TLS 1.0\n";
    let ca = dir.join("ca.pem");
    let (code, out, err) = tlslab(&[
        "connect",
        &format!("127.0.0.1:{}", server.port),
        "--servername",
        "localhost",
        "--ca",
        ca.to_str().unwrap(),
        "--min-version",
        "tls1.0",
        "--max-version",
        "tls1.0",
        "--no-etm",
        "--cipher",
        "ECDHE-RSA-AES128-SHA",
        "--split-records",
        "1/n-1",
        "--send",
        message,
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while keylog_lines(&server.keylog) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pcap = dump.stop();
    let keylog = server.keylog.to_str().unwrap().to_string();

    // tshark: the plaintext length of each decrypted application data record.
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-o", &format!("tls.keylog_file:{keylog}")])
        .args([
            "-Y",
            "tls.app_data",
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tls.app_data",
        ])
        .output()
        .expect("tshark");
    assert!(out.status.success());
    let tshark = String::from_utf8_lossy(&out.stdout).into_owned();
    let (code, text, err) = tlslab(&["explain", pcap.to_str().unwrap(), "--keylog", &keylog]);
    assert_eq!(code, 0, "{text}\n{err}");
    let flat = readable_text(&text);
    for needle in [
        "version TLSv1.0",
        "result: every protected record and both Finished messages verified",
        &format!("client->server: 7 records, 4 protected, 4 verified, 0 not decrypted; {} bytes", message.len()),
        "note: client->server: 1 write split 1/n-1 (the first byte alone in a record): the BEAST countermeasure",
        "note: server->client: 1 write after an empty application data record (0/n split): the BEAST countermeasure",
    ] {
        assert!(flat.contains(needle), "{needle:?} not in:\n{text}\ntshark:\n{tshark}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The frozen SSL 3.0 capture with one bit flipped in the client's second
/// application data record, explained in text with the server key: the
/// failing record, the flipped bit and the proof read in lines of at most
/// 120 characters. The bit is in the record's last ciphertext block, which
/// is also the IV of the client's next record (its close_notify alert, RFC
/// 6101 §5.2.3.2): that record fails too, so two client records fail and the
/// server's four verify.
#[test]
fn explain_text_of_an_ssl3_capture_with_a_flipped_bit() {
    let dir = Path::new(SSL3_VECTOR);
    let (pcap, key) = (dir.join("capture.pcap"), dir.join("server-key.pem"));
    let key = key.to_str().unwrap();
    let lines = explain_json(&pcap, &["--server-key", key], true);
    // Payload byte 33, bit 6 (0x40): the third ciphertext block.
    let damaged = with_flipped_bit(&pcap, &lines, 1, |_| 33, 0x40, "ssl3-flip-text");
    let (code, text, err) = tlslab(&["explain", damaged.to_str().unwrap(), "--server-key", key]);
    let _ = std::fs::remove_file(&damaged);
    assert_eq!(code, 0, "{text}\n{err}");
    let flat = readable_text(&text);
    for needle in [
        "version SSLv3",
        "fully verified: 0",
        "client->server: 7 records, 4 protected, 2 verified, 0 not decrypted; 1 byte of application data",
        "server->client: 8 records, 4 protected, 4 verified",
        "(2 failures in all)",
        "first failing record #11 (client->server, seq 2, frame 12): the record was altered after it was protected: \
         bit 6 of payload byte 33 is flipped, and restoring it makes the record verify",
        "- proven: payload byte 33: this value verifies (computed) where this one arrived (received)",
    ] {
        assert!(flat.contains(needle), "{needle:?} not in:\n{text}");
    }
}

// ---------------------------------------------------------------------------
// The old suites of published captures: RC4, 3DES, NULL

/// Real connections between a tlslite-ng client and server with the suites
/// old captures carry (RSA key transport): RC4 with MD5 and SHA-1, 3DES
/// with SHA-1 and NULL with SHA-1, under TLS 1.0, TLS 1.1 and SSL 3.0. The
/// server key alone opens every record, the master secret is tlslite-ng's,
/// both Finished messages verify, and the application data equals tshark's
/// decryption with the same key byte for byte.
#[test]
fn rc4_3des_and_null_captures_match_tshark() {
    let dir = rsa_material("old-suites");
    let key = dir.join("key.pem");
    for (version, cipher, mac, suite, version_name) in [
        ("tls1.0", "rc4", "md5", "TLS_RSA_WITH_RC4_128_MD5", "TLSv1.0"),
        ("tls1.0", "rc4", "sha", "TLS_RSA_WITH_RC4_128_SHA", "TLSv1.0"),
        (
            "tls1.0",
            "3des",
            "sha",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLSv1.0",
        ),
        (
            "tls1.1",
            "3des",
            "sha",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLSv1.1",
        ),
        ("tls1.0", "null", "sha", "TLS_RSA_WITH_NULL_SHA", "TLSv1.0"),
        ("ssl3", "3des", "sha", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "SSLv3"),
        ("ssl3", "rc4", "md5", "TLS_RSA_WITH_RC4_128_MD5", "SSLv3"),
    ] {
        let what = format!("{version} {suite}");
        // Long enough for several 3DES blocks and RC4 key stream past one record.
        let message = format!("the {cipher}-{mac} message over {version}, longer than a few cipher blocks");
        let (pcap, master_secret) = tlslite_pair_with(&dir, version, &message, cipher, mac);
        let lines = explain_json(&pcap, &["--server-key", key.to_str().unwrap()], true);
        let s = summary(&lines);
        assert_eq!(s["version"], version_name, "{what}: {s}");
        assert_eq!(s["suite"], suite, "{what}: {s}");
        assert_eq!(s["all_verified"], true, "{what}: {s}");
        assert_eq!(s["finished_ok"], serde_json::json!([true, true]), "{what}: {s}");
        // tlslite-ng's own master secret.
        let ms = events(&lines, "master_secret").next().unwrap();
        assert_eq!(ms["master_secret"], master_secret.as_str(), "{what}");
        // Byte-exact against tshark with the same server key.
        let (c2s, s2c) = explained_data(&lines);
        let (t_c2s, t_s2c) = tshark_follow(&pcap, &[tshark_rsa_key(&key)]);
        assert_eq!(c2s, format!("{message}\n").as_bytes(), "{what}");
        assert_eq!(c2s, t_c2s, "{what}: client->server against tshark");
        assert_eq!(s2c, t_s2c, "{what}: server->client against tshark");
        // 3DES under SSL 3.0 and TLS 1.0 chains 8-byte IVs; RC4 and NULL have none.
        let chained = events(&lines, "cbc_iv_chain").count();
        match (cipher, version) {
            ("3des", "tls1.0" | "ssl3") => {
                assert!(chained >= 4, "{what}: {chained}");
                for e in events(&lines, "cbc_iv_chain") {
                    assert_eq!(e["next_iv"].as_str().unwrap().len(), 16, "{what}: {e}");
                }
            }
            _ => assert_eq!(chained, 0, "{what}"),
        }
        // 3DES with encrypt-then-MAC (tlslite-ng's TLS 1.0 default) and
        // MAC-then-encrypt (SSL 3.0 has no extensions); RC4 with MD5.
        if (version == "tls1.0" && mac == "md5") || (version != "tls1.1" && cipher == "3des") {
            damaged_records_are_explained(&pcap, &key, cipher, &what);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `pcap` with one bit of the client's application data record flipped
/// (payload byte `byte`, bit `bit`), explained with the server key.
fn explain_flipped(pcap: &Path, key: &Path, byte: usize, bit: u8) -> Vec<Value> {
    let key = key.to_str().unwrap();
    let lines = explain_json(pcap, &["--server-key", key], true);
    // usize::MAX: the record's last byte.
    let pick = |payload_len: usize| if byte == usize::MAX { payload_len - 1 } else { byte };
    let damaged = with_flipped_bit(pcap, &lines, 0, pick, 1 << bit, &format!("flip{byte}"));
    let lines = explain_json(&damaged, &["--server-key", key], true);
    if std::env::var_os("DBG").is_none() {
        let _ = std::fs::remove_file(&damaged);
    }
    lines
}

/// The explainer on damaged records of these suites: under 3DES a flipped
/// bit is found by recomputation; under RC4 a bit flipped in the MAC or in
/// the content is located too (the stream cipher maps it onto the same
/// plaintext bit), and the report says so.
fn damaged_records_are_explained(pcap: &Path, key: &Path, cipher: &str, what: &str) {
    if cipher == "3des" {
        // Payload byte 12, bit 5: the second 8-byte block.
        let lines = explain_flipped(pcap, key, 12, 5);
        let f = &summary(&lines)["first_failure"];
        assert_eq!(f["cause"], "corrupted_in_transit", "{what}: {f}");
        assert_eq!(f["proven"], true, "{what}: {f}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("bit 5 of payload byte 12 "),
            "{what}: {f}"
        );
        return;
    }
    // RC4: the last payload byte is the MAC's last byte.
    let lines = explain_flipped(pcap, key, usize::MAX, 2);
    let f = &summary(&lines)["first_failure"];
    assert_eq!(f["cause"], "corrupted_in_transit", "{what}: {f}");
    assert_eq!(f["proven"], true, "{what}: {f}");
    // Content byte 3: found by recomputing the MAC over the content with
    // each bit restored; the report says what RC4 does with a flipped bit.
    let lines = explain_flipped(pcap, key, 3, 0);
    let s = summary(&lines);
    let f = &s["first_failure"];
    assert_eq!(f["cause"], "corrupted_in_transit", "{what}: {f}");
    assert_eq!(f["proven"], true, "{what}: {f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("bit 0 of payload byte 3 "),
        "{what}: {f}"
    );
    assert!(
        s.to_string().contains("flips exactly the same plaintext bit"),
        "{what}: {s}"
    );
}

/// The forward-secret variants of the old suites (DHE and ECDHE with 3DES,
/// ECDHE with RC4), between a tlslite-ng client and server under TLS 1.0:
/// the server key cannot open them, a key log line made of tlslite-ng's
/// client random and master secret does, and the application data equals
/// tshark's decryption with the same key log byte for byte.
#[test]
fn dhe_and_ecdhe_variants_match_tshark_with_a_key_log() {
    let dir = rsa_material("old-suites-fs");
    for (cipher, kx, suite) in [
        ("3des", "dhe_rsa", "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
        ("3des", "ecdhe_rsa", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
        ("rc4", "ecdhe_rsa", "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    ] {
        let message = format!("{kx} with {cipher}, a forward-secret key exchange in front of an old cipher");
        let (pcap, master_secret, client_random) =
            tlslite_pair_kx(&dir, "tls1.0", &message, cipher, "sha", kx);
        let keylog = dir.join(format!("{kx}-{cipher}.keylog"));
        std::fs::write(
            &keylog,
            format!("CLIENT_RANDOM {client_random} {master_secret}\n"),
        )
        .unwrap();
        let keylog = keylog.to_str().unwrap();
        let lines = explain_json(&pcap, &["--keylog", keylog], true);
        let s = summary(&lines);
        assert_eq!(s["suite"], suite, "{s}");
        assert_eq!(s["all_verified"], true, "{suite}: {s}");
        assert_eq!(s["finished_ok"], serde_json::json!([true, true]), "{suite}: {s}");
        let (c2s, s2c) = explained_data(&lines);
        let (t_c2s, t_s2c) = tshark_follow(&pcap, &[format!("tls.keylog_file:{keylog}")]);
        assert_eq!(c2s, format!("{message}\n").as_bytes(), "{suite}");
        assert_eq!(c2s, t_c2s, "{suite}: client->server against tshark");
        assert_eq!(s2c, t_s2c, "{suite}: server->client against tshark");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The payload length of the client's `nth` application data record, as
/// the trace in `lines` shows it.
fn flipped_record_len(lines: &[Value], nth: usize) -> usize {
    client_application_record(lines, nth).len() - 5
}

/// The client's `nth` application data record (header and payload), as the
/// trace in `lines` shows it.
fn client_application_record(lines: &[Value], nth: usize) -> Vec<u8> {
    events(lines, "record_out")
        .filter(|r| r["content_type"] == "application_data")
        .nth(nth)
        .map(|r| {
            hex::decode(format!(
                "{}{}",
                r["header"].as_str().unwrap(),
                r["payload"].as_str().unwrap()
            ))
            .unwrap()
        })
        .unwrap()
}

/// A copy of `pcap` (named from `name`, in the temporary directory) with
/// `mask` flipped in one payload byte of the client's `nth` application
/// data record: the byte `pick(payload length)`. The record is found in the
/// file by its bytes, as the trace in `lines` shows them.
fn with_flipped_bit(
    pcap: &Path,
    lines: &[Value],
    nth: usize,
    pick: impl Fn(usize) -> usize,
    mask: u8,
    name: &str,
) -> PathBuf {
    let record = client_application_record(lines, nth);
    let mut file = std::fs::read(pcap).unwrap();
    let at = file
        .windows(record.len())
        .position(|w| w == record)
        .expect("the record is in one frame");
    file[at + 5 + pick(record.len() - 5)] ^= mask;
    let damaged = std::env::temp_dir().join(format!("tlslab-{name}-{}.pcap", std::process::id()));
    std::fs::write(&damaged, &file).unwrap();
    damaged
}
