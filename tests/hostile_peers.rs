//! The hostile peers misbehave as documented, seen by clients that are not
//! tlslab: `openssl s_client` and Python's `ssl` module (OpenSSL 3 too, but
//! driven from another program, with its own key log through
//! `SSLContext.keylog_filename`).
//!
//! - [`tlslab_peers::hostile`]: each server fault gives the failure OpenSSL
//!   reports, and only where the fault applies (EMS not offered, a SHA-256
//!   suite, a GCM suite: the connection works). Where the server derives a
//!   wrong master secret, its key log and the client's disagree for the same
//!   client random; where it does not, they agree. Under RSA key transport
//!   the pre-master secret is recovered from the ClientKeyExchange with
//!   `openssl pkeyutl` and the certificate's key, and the server's master
//!   secret is recomputed here from RFC 5246 §5/§8.1 (HMAC from `ring`):
//!   exactly the non-EMS one, exactly P_SHA256 instead of P_SHA384, or (wrong
//!   key) not derived from the client's pre-master secret at all. The
//!   SSL 3.0-padded Finished is opened by hand (`aes` crate): MAC right,
//!   padding bytes wrong.
//! - [`tlslab_peers::proxy`]: each mode changes the records or the
//!   connection as documented (the proxy's own record log, and what the
//!   client reports), and passes what it should.
//!
//! Servers are started once for the file (kept in statics; the peers'
//! reaper stops them at exit), proxies per test.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tlslab::wire::{ContentType, ExtensionType, ProtocolVersion};
use tlslab_peers::hostile::{HostileServer, ServerFault};
use tlslab_peers::proxy::{Proxy, ProxyEvent, ProxyMode, RecordFate, RecordSeen};
use tlslab_peers::{KeyType, PeerOptions};

/// One server per fault and key type for the whole file.
fn server(fault: ServerFault, key_type: KeyType) -> &'static HostileServer {
    type Slot = Arc<OnceLock<&'static HostileServer>>;
    static SERVERS: OnceLock<Mutex<HashMap<(ServerFault, KeyType), Slot>>> = OnceLock::new();
    let slot = SERVERS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((fault, key_type))
        .or_default()
        .clone();
    slot.get_or_init(|| {
        let opts = PeerOptions {
            key_type,
            ..PeerOptions::default()
        };
        let s = HostileServer::start(fault, &opts).unwrap_or_else(|e| panic!("start {fault}: {e}"));
        Box::leak(Box::new(s))
    })
}

fn rsa(fault: ServerFault) -> &'static HostileServer {
    server(fault, KeyType::Rsa2048)
}

/// A client written in Python with its `ssl` module. Takes a JSON list of
/// connections, made one after the other; each is an object with `port`,
/// `ciphers` (OpenSSL names), `no_ems` (sets SSL_OP_NO_EXTENDED_MASTER_SECRET,
/// bit 0 in OpenSSL 3.0's ssl.h), `no_padding_ext` (clears
/// SSL_OP_TLSEXT_PADDING, bit 4, which Python's default SSL_OP_ALL sets:
/// OpenSSL then pads a ClientHello of 256..=511 bytes to 512, the RFC 7685
/// workaround), `sni`, `min`/`max` (`ssl.TLSVersion` names), `send` (lines,
/// each expected back before the next is sent), `pipeline` (lines sent one
/// record each, then all expected back), `read_to_end`, `keylog` (a file). Prints one JSON
/// object per connection: `ok`, `stage`, `error`, `cipher`, `cert_sha256`,
/// `echoes`, `clean_close`, `keylog` (the lines OpenSSL added to the key log
/// during that connection).
const PY_CLIENT: &str = r#"
import hashlib, json, os, socket, ssl, sys

def connect(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = getattr(ssl.TLSVersion, a.get("max", "TLSv1_2"))
    if a.get("min"):
        ctx.minimum_version = getattr(ssl.TLSVersion, a["min"])
    if a.get("ciphers"):
        ctx.set_ciphers(a["ciphers"])
    if a.get("no_ems"):
        ctx.options |= 1
    if a.get("no_padding_ext"):
        ctx.options &= ~0x10
    ctx.keylog_filename = a["keylog"]
    out = {"ok": False, "stage": "connect", "echoes": []}
    try:
        raw = socket.create_connection(("127.0.0.1", a["port"]), timeout=10)
        out["stage"] = "handshake"
        s = ctx.wrap_socket(raw, server_hostname=a.get("sni"), suppress_ragged_eofs=False)
        out["cipher"] = s.cipher()[0]
        out["cert_sha256"] = hashlib.sha256(s.getpeercert(True)).hexdigest()
        for msg in a.get("send", []):
            out["stage"] = "echo"
            s.sendall(msg.encode())
            got = b""
            while len(got) < len(msg):
                d = s.recv(65536)
                if not d:
                    break
                got += d
            out["echoes"].append(got.decode("latin1"))
        if a.get("pipeline"):
            out["stage"] = "echo"
            want = "".join(a["pipeline"])
            for msg in a["pipeline"]:
                s.sendall(msg.encode())
            got = b""
            while len(got) < len(want):
                d = s.recv(65536)
                if not d:
                    break
                got += d
            out["echoes"].append(got.decode("latin1"))
        if a.get("read_to_end"):
            out["stage"] = "read to end"
            while s.recv(65536):
                pass
            out["clean_close"] = True
        out["ok"] = True
        out["stage"] = "done"
        s.close()
    except Exception as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out

for a in json.loads(sys.argv[1]):
    before = os.path.getsize(a["keylog"]) if os.path.exists(a["keylog"]) else 0
    out = connect(a)
    with open(a["keylog"]) as f:
        f.seek(before)
        out["keylog"] = f.read().splitlines()
    print(json.dumps(out), flush=True)
"#;

/// What [`py_clients`] reports for one connection.
#[derive(Debug, Default)]
struct PyResult {
    ok: bool,
    stage: String,
    error: String,
    cipher: String,
    cert_sha256: String,
    echoes: Vec<String>,
    clean_close: bool,
    /// `CLIENT_RANDOM` → master secret, from the client's own key log.
    keylog: HashMap<String, String>,
}

fn fresh_keylog() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("tlslab-hostile-test-{}-{n}.keylog", std::process::id()))
}

/// Runs the Python client once for all `connections` (an address and a
/// JSON object's members, without braces), in order; a 30 s bound.
fn py_clients(connections: &[(SocketAddr, String)]) -> Vec<PyResult> {
    let keylog = fresh_keylog();
    let list: Vec<String> = connections
        .iter()
        .map(|(addr, args)| {
            let sep = if args.is_empty() { "" } else { ", " };
            format!(
                "{{\"port\": {}, \"keylog\": {:?}{sep}{args}}}",
                addr.port(),
                keylog.display().to_string()
            )
        })
        .collect();
    let json = format!("[{}]", list.join(", "));
    let out = run_bounded(
        Command::new("python3").args(["-W", "ignore", "-c", PY_CLIENT, &json]),
        Duration::from_secs(30),
    );
    let _ = std::fs::remove_file(&keylog);
    let results: Vec<PyResult> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
            let list = |k: &str| -> Vec<String> {
                v[k].as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            PyResult {
                ok: v["ok"].as_bool().unwrap_or(false),
                stage: s("stage"),
                error: s("error"),
                cipher: s("cipher"),
                cert_sha256: s("cert_sha256"),
                echoes: list("echoes"),
                clean_close: v["clean_close"].as_bool().unwrap_or(false),
                keylog: list("keylog")
                    .iter()
                    .filter_map(|l| {
                        let mut f = l.split_whitespace();
                        match (f.next(), f.next(), f.next()) {
                            (Some("CLIENT_RANDOM"), Some(cr), Some(ms)) => {
                                Some((cr.to_lowercase(), ms.to_lowercase()))
                            }
                            _ => None,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    assert_eq!(results.len(), connections.len(), "python client output:\n{out}");
    results
}

fn py_client(addr: SocketAddr, args: &str) -> PyResult {
    py_clients(&[(addr, args.to_owned())]).pop().unwrap()
}

/// Runs a command with stdin closed; returns stdout and stderr together,
/// killing it after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> String {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run a client (python3, openssl)");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.wait();
    format!("{}{}", out_t.join().unwrap(), err_t.join().unwrap())
}

/// `openssl s_client -tls1_2 -trace` with stdin closed: the handshake, then
/// an immediate close.
fn s_client(addr: SocketAddr, extra: &[&str]) -> String {
    run_bounded(
        Command::new("openssl")
            .args(["s_client", "-tls1_2", "-trace", "-connect", &addr.to_string()])
            .args(extra),
        Duration::from_secs(20),
    )
}

/// The server's key log line for the client's (only) client random: (the
/// client's master secret, the server's).
fn both_master_secrets(server: &HostileServer, r: &PyResult) -> (String, String) {
    assert_eq!(r.keylog.len(), 1, "client key log: {r:?}");
    let (cr, ms) = r.keylog.iter().next().unwrap();
    let theirs = server
        .wait_master_secret(&hex::decode(cr).unwrap(), Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no server key log line for {cr}\n{}", server.output_tail(20)));
    (ms.clone(), hex::encode(theirs))
}

const HELLO: &str = r#""send": ["hello hostile\n"]"#;

fn assert_echo(r: &PyResult) {
    assert!(r.ok, "{r:?}");
    assert_eq!(r.echoes, vec!["hello hostile\n".to_owned()], "{r:?}");
}

/// `(addr, args)` pairs for [`py_clients`].
fn each<'a>(addr: SocketAddr, args: impl IntoIterator<Item = &'a str>) -> Vec<(SocketAddr, String)> {
    args.into_iter().map(|a| (addr, a.to_owned())).collect()
}

fn with_hello(cipher: &str) -> String {
    format!(r#""ciphers": "{cipher}", {HELLO}"#)
}

#[test]
fn healthy_server_echoes_and_logs_the_same_master_secret_as_the_client() {
    let s = rsa(ServerFault::Healthy);
    let ciphers = [
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-SHA384",
        "AES128-SHA",
    ];
    let args: Vec<String> = ciphers.iter().map(|c| with_hello(c)).collect();
    let results = py_clients(&each(s.addr(), args.iter().map(String::as_str)));
    for (cipher, r) in ciphers.iter().zip(&results) {
        assert_echo(r);
        let (client, server) = both_master_secrets(s, r);
        assert_eq!(client, server, "{cipher}");
    }
}

#[test]
fn ems_acked_not_used_fails_at_finished_and_works_without_ems() {
    let s = rsa(ServerFault::EmsAckedNotUsed);
    // OpenSSL offers EMS; the server acknowledges it, then answers the
    // client's Finished with bad_record_mac.
    let trace = s_client(s.addr(), &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    let hello = &trace[trace.find("ServerHello, Length").expect(&trace)..];
    assert!(hello.contains("extended_master_secret(23)"), "{trace}");
    assert!(
        trace.contains("Content Type = Alert (21)") && trace.contains("alert bad record mac"),
        "{trace}"
    );
    // Python's client: the same failure, and the two key logs disagree;
    // without EMS offered the RFC 5246 derivation is the right one.
    let no_ems = format!(r#""no_ems": true, {HELLO}"#);
    let r = py_clients(&each(s.addr(), [HELLO, &no_ems]));
    assert!(!r[0].ok && r[0].error.contains("BAD_RECORD_MAC"), "{:?}", r[0]);
    let (client, server) = both_master_secrets(s, &r[0]);
    assert_ne!(client, server);
    assert_echo(&r[1]);
    let (client, server) = both_master_secrets(s, &r[1]);
    assert_eq!(client, server);

    // With RSA key transport the pre-master secret can be recovered from
    // the ClientKeyExchange with the server's key (`openssl pkeyutl`): the
    // server's master secret is exactly the RFC 5246 §8.1 one.
    let proxy = Proxy::start(s.addr(), ProxyMode::Pass).unwrap();
    let r = py_client(proxy.addr(), &with_hello("AES128-GCM-SHA256"));
    assert!(!r.ok && r.error.contains("BAD_RECORD_MAC"), "{r:?}");
    let (client_random, client_ms) = r.keylog.iter().next().unwrap();
    let pms = rsa_premaster_secret(s, &proxy);
    let seed = [hex::decode(client_random).unwrap(), server_random(&proxy)].concat();
    let rfc5246 = hex::encode(prf(ring::hmac::HMAC_SHA256, &pms, b"master secret", &seed, 48));
    let (_, server_ms) = both_master_secrets(s, &r);
    assert_eq!(server_ms, rfc5246);
    assert_ne!(client_ms, &rfc5246);
}

/// `ServerHello.random` of the proxy's first connection.
fn server_random(proxy: &Proxy) -> Vec<u8> {
    let hello = &proxy.server_records(0)[0].prefix;
    assert_eq!(hello[0], 2, "ServerHello");
    hello[6..38].to_vec()
}

/// The RSA-encrypted pre-master secret of the proxy's first connection
/// (RFC 5246 §7.4.7.1), decrypted by `openssl pkeyutl` with the key of the
/// server's certificate (`key.pem`; the wrong-key server uses another).
fn rsa_premaster_secret(server: &HostileServer, proxy: &Proxy) -> Vec<u8> {
    let records = proxy.client_records(0);
    let cke = records
        .iter()
        .find(|r| r.content_type == ContentType::HANDSHAKE && r.prefix[0] == 16)
        .unwrap_or_else(|| panic!("no ClientKeyExchange: {records:?}"));
    let encrypted = &cke.prefix[6..];
    assert_eq!(encrypted.len(), 256, "{cke:?}");
    let file = fresh_keylog().with_extension("cke");
    std::fs::write(&file, encrypted).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-decrypt", "-inkey"])
        .arg(server.dir().join("key.pem"))
        .arg("-in")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.len(), 48);
    assert_eq!(out.stdout[..2], [3, 3], "client_version first");
    out.stdout
}

#[test]
fn sha384_prf_as_sha256_breaks_every_sha384_suite_only() {
    let s = rsa(ServerFault::Sha384PrfAsSha256);
    let bad = [
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-SHA384",
        "AES256-GCM-SHA384",
    ];
    let good = [
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA",
    ];
    let args: Vec<String> = bad.iter().chain(&good).map(|c| with_hello(c)).collect();
    let results = py_clients(&each(s.addr(), args.iter().map(String::as_str)));
    for (cipher, r) in bad.iter().zip(&results[..3]) {
        assert!(!r.ok && r.error.contains("BAD_RECORD_MAC"), "{cipher}: {r:?}");
        let (client, server) = both_master_secrets(s, r);
        assert_ne!(client, server, "{cipher}");
    }
    for (cipher, r) in good.iter().zip(&results[3..]) {
        assert_echo(r);
        assert_eq!(&r.cipher, cipher);
    }

    // RSA key transport without EMS: from the pre-master secret (recovered
    // with the server's key), the client's master secret is P_SHA384's and
    // the server's P_SHA256's (RFC 5246 §8.1 with either hash).
    let proxy = Proxy::start(s.addr(), ProxyMode::Pass).unwrap();
    let r = py_client(
        proxy.addr(),
        &format!(r#""no_ems": true, {}"#, with_hello("AES256-GCM-SHA384")),
    );
    assert!(!r.ok && r.error.contains("BAD_RECORD_MAC"), "{r:?}");
    let pms = rsa_premaster_secret(s, &proxy);
    let (client_ms, server_ms) = both_master_secrets(s, &r);
    let (client_random, _) = r.keylog.iter().next().unwrap();
    let seed = [hex::decode(client_random).unwrap(), server_random(&proxy)].concat();
    let with = |alg| hex::encode(prf(alg, &pms, b"master secret", &seed, 48));
    assert_eq!(client_ms, with(ring::hmac::HMAC_SHA384));
    assert_eq!(server_ms, with(ring::hmac::HMAC_SHA256));
}

#[test]
fn wrong_key_fails_the_signature_or_the_finished() {
    let rsa_server = server(ServerFault::WrongKey, KeyType::Rsa2048);
    let ecdsa_server = server(ServerFault::WrongKey, KeyType::EcdsaP256);
    let ecdhe_rsa = r#""ciphers": "ECDHE-RSA-AES128-GCM-SHA256""#;
    let ecdhe_ecdsa = r#""ciphers": "ECDHE-ECDSA-AES128-GCM-SHA256""#;
    let trace = s_client(rsa_server.addr(), &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    assert!(trace.contains("bad signature"), "{trace}");
    let r = py_clients(&[
        (rsa_server.addr(), ecdhe_rsa.to_owned()),
        (ecdsa_server.addr(), ecdhe_ecdsa.to_owned()),
        // RSA key transport: the server decrypts garbage, goes on with a
        // random pre-master secret (RFC 5246 §7.4.7.1) and rejects the
        // Finished.
        (rsa_server.addr(), with_hello("AES128-SHA")),
    ]);
    for r in &r[..2] {
        assert!(!r.ok && r.error.contains("BAD_SIGNATURE"), "{r:?}");
    }
    assert!(!r[2].ok && r[2].error.contains("BAD_RECORD_MAC"), "{:?}", r[2]);
    let (client, server) = both_master_secrets(rsa_server, &r[2]);
    assert_ne!(client, server);

    // Without EMS: the client's master secret follows from the pre-master
    // secret it encrypted (recovered with the certificate's real key,
    // `key.pem`), the server's does not.
    let proxy = Proxy::start(rsa_server.addr(), ProxyMode::Pass).unwrap();
    let r = py_client(
        proxy.addr(),
        &format!(r#""no_ems": true, {}"#, with_hello("AES128-SHA")),
    );
    assert!(!r.ok && r.error.contains("BAD_RECORD_MAC"), "{r:?}");
    let pms = rsa_premaster_secret(rsa_server, &proxy);
    let (client_ms, server_ms) = both_master_secrets(rsa_server, &r);
    let (client_random, _) = r.keylog.iter().next().unwrap();
    let seed = [hex::decode(client_random).unwrap(), server_random(&proxy)].concat();
    let from_pms = hex::encode(prf(ring::hmac::HMAC_SHA256, &pms, b"master secret", &seed, 48));
    assert_eq!(client_ms, from_pms);
    assert_ne!(server_ms, from_pms);
}

/// The explicit nonces (first 8 fragment bytes) of the server's AES-GCM
/// records after its ChangeCipherSpec.
fn explicit_nonces(proxy: &Proxy) -> Vec<Vec<u8>> {
    let records = proxy.server_records(0);
    let ccs = records
        .iter()
        .position(|r| r.content_type == ContentType::CHANGE_CIPHER_SPEC)
        .expect("a ChangeCipherSpec");
    records[ccs + 1..]
        .iter()
        .map(|r| r.prefix[..8].to_vec())
        .collect()
}

#[test]
fn gcm_nonce_repeat_works_but_repeats_the_explicit_nonce() {
    let args = r#""ciphers": "ECDHE-RSA-AES128-GCM-SHA256", "send": ["one\n", "two\n", "three\n"]"#;
    let bad = Proxy::start(rsa(ServerFault::GcmNonceRepeat).addr(), ProxyMode::Pass).unwrap();
    let good = Proxy::start(rsa(ServerFault::Healthy).addr(), ProxyMode::Pass).unwrap();
    let r = py_clients(&[(bad.addr(), args.to_owned()), (good.addr(), args.to_owned())]);
    for r in &r {
        assert!(r.ok && r.echoes == ["one\n", "two\n", "three\n"], "{r:?}");
    }
    let nonces = explicit_nonces(&bad);
    // Finished and three answers, all with nonce zero.
    assert!(nonces.len() >= 4, "{nonces:?}");
    assert!(nonces.iter().all(|n| n == &[0u8; 8]), "{nonces:?}");
    // The healthy server (tlslite-ng) uses the sequence number: all distinct.
    let nonces = explicit_nonces(&good);
    let mut distinct = nonces.clone();
    distinct.dedup();
    assert!(nonces.len() >= 4, "{nonces:?}");
    assert_eq!(distinct.len(), nonces.len(), "{nonces:?}");
}

#[test]
fn sslv3_padding_breaks_cbc_only() {
    let s = rsa(ServerFault::Sslv3Padding);
    let proxy = Proxy::start(s.addr(), ProxyMode::Pass).unwrap();
    let cbc = ["ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA", "AES256-SHA"];
    let args: Vec<String> = cbc
        .iter()
        .chain(&["ECDHE-RSA-AES128-GCM-SHA256"])
        .map(|c| with_hello(c))
        .collect();
    let results = py_clients(&each(proxy.addr(), args.iter().map(String::as_str)));
    for (cipher, r) in cbc.iter().zip(&results) {
        assert!(
            !r.ok && r.stage == "handshake" && r.error.contains("BAD_RECORD_MAC"),
            "{cipher}: {r:?}"
        );
        // The keys are right: only the padding is wrong.
        let (client, server) = both_master_secrets(s, r);
        assert_eq!(client, server, "{cipher}");
    }
    assert_echo(&results[3]);

    // The server's Finished of the first connection, opened with the keys
    // from the client's own master secret: MAC right, padding-length byte
    // right, padding bytes not.
    let (client_random, ms) = results[0].keylog.iter().next().unwrap();
    let opened = open_cbc_sha256_finished(&proxy.server_records(0), client_random, ms);
    let (&len, padding) = opened.padding.split_last().unwrap();
    assert!(opened.mac_ok, "{opened:?}");
    assert!(opened.finished.starts_with(&[20, 0, 0, 12]), "{opened:?}");
    assert_eq!(usize::from(len), padding.len());
    assert!(len > 0 && len < 16, "{opened:?}");
    assert!(padding.iter().all(|&b| b != len), "{opened:?}");
}

/// HMAC-SHA256 (ring) over the concatenation of `parts`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    hmac(ring::hmac::HMAC_SHA256, key, parts)
}

/// HMAC (ring) over the concatenation of `parts`.
fn hmac(alg: ring::hmac::Algorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let key = ring::hmac::Key::new(alg, key);
    let mut ctx = ring::hmac::Context::with_key(&key);
    for p in parts {
        ctx.update(p);
    }
    ctx.sign().as_ref().to_vec()
}

/// The TLS 1.2 PRF, P_hash with `alg`, written here from RFC 5246 §5.
fn prf(alg: ring::hmac::Algorithm, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let seed = [label, seed].concat();
    let mut a = hmac(alg, secret, &[&seed]);
    let mut out = vec![];
    while out.len() < len {
        out.extend(hmac(alg, secret, &[&a, &seed]));
        a = hmac(alg, secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// A server Finished record opened by hand.
#[derive(Debug)]
struct OpenedFinished {
    finished: Vec<u8>,
    /// The padding bytes and the padding-length byte last.
    padding: Vec<u8>,
    mac_ok: bool,
}

/// Opens the server's first encrypted record (its Finished) of a
/// TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 connection: key block from
/// RFC 5246 §6.3, AES-128-CBC from the `aes` crate, HMAC-SHA256 over
/// RFC 5246 §6.2.3.1's MAC input (sequence number 0), or over the IV and
/// ciphertext when the ServerHello accepted encrypt_then_mac (RFC 7366 §3).
fn open_cbc_sha256_finished(records: &[RecordSeen], client_random: &str, ms: &str) -> OpenedFinished {
    use aes::cipher::{generic_array::GenericArray, BlockDecrypt, KeyInit};
    let hello = &records[0].prefix;
    assert_eq!(hello[0], 2, "ServerHello first: {records:?}");
    let server_random = &hello[6..38];
    // session_id, cipher_suite, compression_method, then the extensions.
    let mut pos = 38 + 1 + usize::from(hello[38]) + 3 + 2;
    let mut etm = false;
    while pos + 4 <= hello.len() {
        etm |= hello[pos..pos + 2] == [0, 22];
        pos += 4 + usize::from(u16::from_be_bytes([hello[pos + 2], hello[pos + 3]]));
    }
    let ccs = records
        .iter()
        .position(|r| r.content_type == ContentType::CHANGE_CIPHER_SPEC)
        .expect("ChangeCipherSpec");
    let record = &records[ccs + 1];
    assert!(record.length <= record.prefix.len(), "{record:?}");
    let fragment = &record.prefix;
    let key_block = prf(
        ring::hmac::HMAC_SHA256,
        &hex::decode(ms).unwrap(),
        b"key expansion",
        &[server_random, &hex::decode(client_random).unwrap()].concat(),
        96,
    );
    let (server_mac_key, server_key) = (&key_block[32..64], &key_block[80..96]);
    let mac_input = |body: &[u8]| {
        let mut m = vec![0u8; 8];
        m.extend_from_slice(&[22, 3, 3]);
        m.extend_from_slice(&(body.len() as u16).to_be_bytes());
        m.extend_from_slice(body);
        hmac_sha256(server_mac_key, &[&m])
    };
    let (iv, rest) = fragment.split_at(16);
    let ciphertext = if etm { &rest[..rest.len() - 32] } else { rest };
    let aes = aes::Aes128::new(GenericArray::from_slice(server_key));
    let mut prev = iv.to_vec();
    let mut plain = vec![];
    for block in ciphertext.chunks(16) {
        let mut b = GenericArray::clone_from_slice(block);
        aes.decrypt_block(&mut b);
        plain.extend(b.iter().zip(&prev).map(|(x, y)| x ^ y));
        prev = block.to_vec();
    }
    let pad_len = usize::from(*plain.last().unwrap());
    let padding = plain[plain.len() - pad_len - 1..].to_vec();
    let content = &plain[..plain.len() - pad_len - 1];
    if etm {
        OpenedFinished {
            finished: content.to_vec(),
            padding,
            mac_ok: mac_input(&fragment[..fragment.len() - 32]) == fragment[fragment.len() - 32..],
        }
    } else {
        let (finished, mac) = content.split_at(content.len() - 32);
        OpenedFinished {
            finished: finished.to_vec(),
            padding,
            mac_ok: mac_input(finished) == mac,
        }
    }
}

#[test]
fn record_oversize_sends_one_record_over_two_to_the_fourteen() {
    let proxy = Proxy::start(rsa(ServerFault::RecordOversize).addr(), ProxyMode::Pass).unwrap();
    let r = py_client(
        proxy.addr(),
        &format!(r#""ciphers": "ECDHE-RSA-AES128-GCM-SHA256", {HELLO}"#),
    );
    assert!(
        !r.ok && r.stage == "echo" && r.error.contains("DATA_LENGTH_TOO_LONG"),
        "{r:?}"
    );
    // 2^14 + 1 plaintext bytes + 8 (explicit nonce) + 16 (tag).
    let records = proxy.server_records(0);
    assert!(
        records
            .iter()
            .any(|r| r.content_type == ContentType::APPLICATION_DATA && r.length == (1 << 14) + 1 + 24),
        "{records:?}"
    );
}

#[test]
fn no_close_notify_ends_with_a_bare_tcp_close() {
    let proxy = Proxy::start(rsa(ServerFault::NoCloseNotify).addr(), ProxyMode::Pass).unwrap();
    let r = py_client(proxy.addr(), &format!(r#"{HELLO}, "read_to_end": true"#));
    assert_eq!(r.echoes, vec!["hello hostile\n".to_owned()], "{r:?}");
    assert!(!r.ok && !r.clean_close && r.stage == "read to end", "{r:?}");
    assert!(r.error.contains("EOF") || r.error.contains("eof"), "{r:?}");
    let records = proxy.server_records(0);
    assert!(
        records.iter().all(|r| r.content_type != ContentType::ALERT),
        "{records:?}"
    );
}

#[test]
fn proxy_pass_is_transparent() {
    let proxy = Proxy::start(rsa(ServerFault::Healthy).addr(), ProxyMode::Pass).unwrap();
    let r = py_client(proxy.addr(), HELLO);
    assert_echo(&r);
    assert_eq!(proxy.connections(), 1);
    assert!(proxy
        .server_records(0)
        .iter()
        .all(|r| r.fate == RecordFate::Forwarded));
}

#[test]
fn proxy_reorders_drops_and_truncates_server_records() {
    let up = rsa(ServerFault::Healthy).addr();
    let ecdhe = r#""ciphers": "ECDHE-RSA-AES128-GCM-SHA256""#.to_owned();
    let pass = Proxy::start(up, ProxyMode::Pass).unwrap();
    // ChangeCipherSpec and Finished swapped: the encrypted Finished arrives
    // while the client still reads plaintext.
    let reorder = Proxy::start(up, ProxyMode::ReorderServerRecords { first: 5 }).unwrap();
    // ServerKeyExchange dropped: ServerHelloDone comes too early.
    let drop = Proxy::start(up, ProxyMode::DropServerRecord(2)).unwrap();
    // Certificate cut in half, then the connection closed.
    let cut = Proxy::start(up, ProxyMode::TruncateServerRecord(1)).unwrap();
    let r = py_clients(&[
        (pass.addr(), ecdhe.clone()),
        (reorder.addr(), ecdhe.clone()),
        (drop.addr(), ecdhe.clone()),
        (cut.addr(), ecdhe),
    ]);

    // tlslite-ng sends one message per record: 0 ServerHello, 1 Certificate,
    // 2 ServerKeyExchange, 3 ServerHelloDone, 4 NewSessionTicket (RFC 5077:
    // the client offers tickets), 5 ChangeCipherSpec, 6 Finished.
    assert!(r[0].ok, "{:?}", r[0]);
    let types: Vec<ContentType> = pass.server_records(0).iter().map(|r| r.content_type).collect();
    assert_eq!(
        types[..7],
        [22, 22, 22, 22, 22, 20, 22].map(ContentType),
        "{types:?}"
    );

    assert!(
        !r[1].ok && r[1].stage == "handshake" && r[1].error.contains("UNEXPECTED_MESSAGE"),
        "{:?}",
        r[1]
    );
    let recs = reorder.server_records(0);
    assert_eq!(
        recs.iter().map(|r| (r.index, r.fate.clone())).collect::<Vec<_>>()[5..7],
        [(6, RecordFate::Forwarded), (5, RecordFate::Delayed)]
    );

    assert!(
        !r[2].ok && r[2].error.contains("UNEXPECTED_MESSAGE"),
        "{:?}",
        r[2]
    );
    assert_eq!(drop.server_records(0)[2].fate, RecordFate::Dropped);

    assert!(
        !r[3].ok && r[3].stage == "handshake" && r[3].error.contains("EOF"),
        "{:?}",
        r[3]
    );
    let rec = &cut.server_records(0)[1];
    assert_eq!(rec.fate, RecordFate::Truncated { sent: rec.length / 2 });
}

#[test]
fn proxy_reorders_and_drops_encrypted_records() {
    let up = rsa(ServerFault::Healthy).addr();
    // Two lines, one record each, sent before reading: the server echoes
    // them in records 7 and 8 (after 6, its Finished).
    let args = r#""ciphers": "ECDHE-RSA-AES128-GCM-SHA256", "pipeline": ["one\n", "two\n"]"#.to_owned();
    let pass = Proxy::start(up, ProxyMode::Pass).unwrap();
    let reorder = Proxy::start(up, ProxyMode::ReorderServerRecords { first: 7 }).unwrap();
    let drop = Proxy::start(up, ProxyMode::DropServerRecord(7)).unwrap();
    let r = py_clients(&[
        (pass.addr(), args.clone()),
        (reorder.addr(), args.clone()),
        (drop.addr(), args),
    ]);
    assert!(r[0].ok && r[0].echoes == ["one\ntwo\n"], "{:?}", r[0]);
    let types: Vec<ContentType> = pass.server_records(0).iter().map(|r| r.content_type).collect();
    assert_eq!(types[5..9], [20, 22, 23, 23].map(ContentType), "{types:?}");
    // The record with sequence number 2 arrives where 1 is expected: its
    // AEAD additional data differs, so it fails to authenticate.
    for r in &r[1..] {
        assert!(
            !r.ok && r.stage == "echo" && r.error.contains("BAD_RECORD_MAC"),
            "{r:?}"
        );
    }
    // Logged in delivery order: 8 forwarded, then 7 delayed.
    let order: Vec<(usize, RecordFate)> = reorder.server_records(0)[7..9]
        .iter()
        .map(|r| (r.index, r.fate.clone()))
        .collect();
    assert_eq!(order, [(8, RecordFate::Forwarded), (7, RecordFate::Delayed)]);
    assert_eq!(drop.server_records(0)[7].fate, RecordFate::Dropped);
}

fn hello_lengths(proxy: &Proxy) -> Vec<usize> {
    proxy
        .events()
        .iter()
        .filter_map(|e| match e {
            ProxyEvent::Hello { hello, .. } => Some(hello.message_len),
            _ => None,
        })
        .collect()
}

fn dropped(proxy: &Proxy, conn: usize) -> bool {
    proxy
        .events()
        .iter()
        .any(|e| matches!(e, ProxyEvent::HelloDropped { conn: c, .. } if *c == conn))
}

/// A DNS name of exactly `len` bytes (labels of at most 63).
fn name_of_len(len: usize) -> String {
    let mut name = String::new();
    while name.len() < len {
        if !name.is_empty() {
            name.push('.');
        }
        let label = (len - name.len()).min(63);
        name.push_str(&"a".repeat(label));
    }
    name
}

#[test]
fn proxy_drops_hellos_of_256_to_511_bytes_only() {
    let proxy = Proxy::start(
        rsa(ServerFault::Healthy).addr(),
        ProxyMode::DropHelloSized(256..=511),
    )
    .unwrap();
    // The hello of one suite and a short name: measured, below 256.
    let base_name = "a.test";
    let args = |name: &str, padding_ext: bool| {
        format!(
            r#""ciphers": "ECDHE-RSA-AES128-GCM-SHA256", "sni": "{name}", "no_padding_ext": {}, {HELLO}"#,
            !padding_ext
        )
    };
    let r = py_client(proxy.addr(), &args(base_name, false));
    let base = hello_lengths(&proxy)[0];
    assert!(base < 256, "the smallest hello is already {base} bytes");
    assert_echo(&r);
    // Each byte of server_name adds one byte to the hello (a name has at
    // most 253 bytes): 255 passes, 256 and 380 are dropped (the client sees
    // the connection close). Then OpenSSL's own workaround (the padding
    // extension, on by default) pads the 256-byte hello to 512: it passes.
    let name = |target: usize| name_of_len(base_name.len() + target - base);
    let cases = [
        (255, false, false),
        (256, true, false),
        (380, true, false),
        (256, false, true),
    ];
    let conns: Vec<(SocketAddr, String)> = cases
        .iter()
        .map(|&(target, _, padding_ext)| (proxy.addr(), args(&name(target), padding_ext)))
        .collect();
    let results = py_clients(&conns);
    let lengths = hello_lengths(&proxy);
    for (i, (&(target, drop, padding_ext), r)) in cases.iter().zip(&results).enumerate() {
        let want = if padding_ext { 512 } else { target };
        assert_eq!(lengths[i + 1], want, "{cases:?}");
        assert_eq!(dropped(&proxy, i + 1), drop, "{target}");
        if drop {
            assert!(
                !r.ok && r.stage == "handshake" && r.error.contains("EOF"),
                "{r:?}"
            );
        } else {
            assert_echo(r);
        }
    }
}

#[test]
fn proxy_drops_hellos_with_an_extension_or_a_high_version() {
    let up = rsa(ServerFault::Healthy).addr();
    let ems = Proxy::start(up, ProxyMode::DropHelloWithExtension(ExtensionType(23))).unwrap();
    let version = Proxy::start(up, ProxyMode::DropHelloVersionAbove(ProtocolVersion::TLS10)).unwrap();
    let r = py_clients(&[
        (ems.addr(), HELLO.to_owned()),
        (ems.addr(), format!(r#""no_ems": true, {HELLO}"#)),
        (version.addr(), HELLO.to_owned()),
        // A TLS 1.0 client (OpenSSL 3 needs security level 0 for it).
        (
            version.addr(),
            format!(r#""min": "TLSv1", "max": "TLSv1", "ciphers": "DEFAULT:@SECLEVEL=0", {HELLO}"#),
        ),
    ]);
    for (i, proxy) in [(0, &ems), (2, &version)] {
        assert!(!r[i].ok && r[i].error.contains("EOF"), "{:?}", r[i]);
        assert!(dropped(proxy, 0));
        assert_echo(&r[i + 1]);
        assert!(!dropped(proxy, 1));
    }
}

#[test]
fn round_robin_alternates_backends() {
    let a = server(ServerFault::Healthy, KeyType::Rsa2048);
    let b = server(ServerFault::Healthy, KeyType::EcdsaP256);
    let two_certs = Proxy::start(a.addr(), ProxyMode::RoundRobin(vec![b.addr()])).unwrap();
    // One bad backend behind a good one: every other connection fails.
    let bad = rsa(ServerFault::EmsAckedNotUsed);
    let one_bad = Proxy::start(a.addr(), ProxyMode::RoundRobin(vec![bad.addr()])).unwrap();
    let mut conns = each(two_certs.addr(), [HELLO; 4]);
    conns.extend(each(one_bad.addr(), [HELLO; 4]));
    let r = py_clients(&conns);
    for r in &r[..4] {
        assert_echo(r);
    }
    assert_ne!(r[0].cert_sha256, r[1].cert_sha256);
    assert_eq!(r[0].cert_sha256, r[2].cert_sha256);
    assert_eq!(r[1].cert_sha256, r[3].cert_sha256);
    let ok: Vec<bool> = r[4..].iter().map(|r| r.ok).collect();
    assert_eq!(ok, [true, false, true, false], "{:?}", &r[4..]);
}
