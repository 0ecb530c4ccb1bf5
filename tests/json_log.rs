//! Every line `JsonLog` writes during a real handshake with
//! `openssl s_server -tls1_2` (ECDHE-RSA-AES128-SHA, one application-data
//! round trip), parsed with `serde_json`, its fields checked against values
//! computed elsewhere:
//!
//! - the master secret: the line OpenSSL's own `-keylogfile` wrote for our
//!   client random; the randoms: the bytes of ClientHello and ServerHello as
//!   logged by `handshake_out` / `handshake_in`;
//! - the key block: `openssl kdf TLS1-PRF` from that master secret and the
//!   two randoms; the PRF's A(1) and first HMAC output: `openssl mac HMAC`;
//! - both Finished messages: the handshake hash by `openssl dgst -sha256`
//!   over the handshake messages as they crossed the wire, verify_data by
//!   `openssl kdf TLS1-PRF` (and OpenSSL accepted ours: the data flowed);
//! - the server's Certificate message: it carries the certificate the
//!   server was started with (`openssl x509 -outform DER`);
//! - the application data: the `-rev` server's answer as read from the
//!   connection;
//! - every record: its header's type byte and length field against the
//!   `content_type` name and the payload.
//!
//! The redacted log of the same connection is the same line for line, but
//! for the secrets, each `"<redacted N bytes>"` with N the full value's length.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::observer::{Event, JsonLog, Observer};
use tlslab::wire::NamedGroup;
use tlslab::{ClientConfig, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};

/// The full log and the redacted log of one connection.
struct BothLogs {
    full: JsonLog<Vec<u8>>,
    redacted: JsonLog<Vec<u8>>,
}

impl Observer for BothLogs {
    fn on_event(&mut self, event: &Event<'_>) {
        self.full.on_event(event);
        self.redacted.on_event(event);
    }
}

fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `openssl kdf TLS1-PRF` with SHA-256: RFC 5246 §5's PRF as OpenSSL computes it.
fn openssl_prf(secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let out = openssl(
        &[
            "kdf",
            "-keylen",
            &len.to_string(),
            "-kdfopt",
            "digest:SHA256",
            "-kdfopt",
            &format!("hexsecret:{}", hex::encode(secret)),
            "-kdfopt",
            &format!("hexseed:{}{}", hex::encode(label), hex::encode(seed)),
            "TLS1-PRF",
        ],
        b"",
    );
    hex::decode(String::from_utf8_lossy(&out).trim().replace(':', "")).unwrap()
}

/// `openssl mac HMAC` with SHA-256.
fn openssl_hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let out = openssl(
        &[
            "mac",
            "-digest",
            "SHA256",
            "-macopt",
            &format!("hexkey:{}", hex::encode(key)),
            "HMAC",
        ],
        data,
    );
    hex::decode(String::from_utf8_lossy(&out).trim()).unwrap()
}

fn field<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.get(name).unwrap_or_else(|| panic!("no {name} in {v}"))
}

/// A hex field: lowercase, even length, decoded.
fn bytes(v: &Value, name: &str) -> Vec<u8> {
    let s = field(v, name)
        .as_str()
        .unwrap_or_else(|| panic!("{name} not a string in {v}"));
    assert!(
        s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
        "{name} not lowercase hex in {v}"
    );
    hex::decode(s).unwrap_or_else(|e| panic!("{name}: {e} in {v}"))
}

fn events<'a>(log: &'a [Value], name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    log.iter().filter(move |v| v["event"] == name)
}

fn one<'a>(log: &'a [Value], name: &'a str) -> &'a Value {
    let all: Vec<&Value> = events(log, name).collect();
    assert_eq!(all.len(), 1, "{name}: {all:?}");
    all[0]
}

#[test]
fn every_json_line_of_a_real_handshake_against_openssl() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..ServerOptions::with_cipher("ECDHE-RSA-AES128-SHA")
    })
    .expect("start openssl s_server");
    let mut config = ClientConfig::new("localhost");
    config.suites = vec![suites::find_by_name("ECDHE-RSA-AES128-SHA").unwrap()];
    config.groups = vec![NamedGroup::X25519];
    config.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path()).unwrap());

    let mut logs = BothLogs {
        full: JsonLog::new(Vec::new()),
        redacted: JsonLog::redacted(Vec::new()),
    };
    let client = tlslab::Client::with_observer(config, &mut logs);
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let mut stream = net::connect(&server.addr().to_string(), client, timeouts).expect("handshake");
    stream.write_all(b"hello tlslab\n").unwrap();
    let mut answer = vec![];
    while !answer.ends_with(b"\n") {
        let more = stream.read().expect("read");
        assert!(!more.is_empty(), "server closed after {answer:?}");
        answer.extend_from_slice(&more);
    }
    assert_eq!(answer, b"balslt olleh\n", "the -rev server's answer");
    stream.close().unwrap();
    drop(stream);

    let full_text = String::from_utf8(logs.full.into_inner()).unwrap();
    let redacted_text = String::from_utf8(logs.redacted.into_inner()).unwrap();
    let log: Vec<Value> = full_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(log.len() > 30, "{} lines", log.len());
    for v in &log {
        assert!(v.is_object(), "{v}");
        assert!(field(v, "event").is_string(), "{v}");
    }

    // The wire: handshake messages in order.
    let messages: Vec<(String, Vec<u8>)> = log
        .iter()
        .filter(|v| v["event"] == "handshake_out" || v["event"] == "handshake_in")
        .map(|v| (field(v, "typ").as_str().unwrap().to_owned(), bytes(v, "raw")))
        .collect();
    let raw_of = |typ: &str| -> &Vec<u8> {
        &messages
            .iter()
            .find(|(t, _)| t == typ)
            .unwrap_or_else(|| panic!("no {typ} in {messages:?}"))
            .1
    };
    // ClientHello / ServerHello: 4-byte header, 2-byte version, then random.
    let client_random = raw_of("client_hello")[6..38].to_vec();
    let server_random = raw_of("server_hello")[6..38].to_vec();

    // The master secret against OpenSSL's key log.
    let ms_line = one(&log, "master_secret");
    assert_eq!(bytes(ms_line, "client_random"), client_random);
    assert_eq!(bytes(ms_line, "server_random"), server_random);
    let master_secret = bytes(ms_line, "master_secret");
    let by_openssl = (0..50)
        .find_map(|_| {
            let r = server.keylog_master_secret(&client_random);
            if r.is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
            r
        })
        .expect("OpenSSL wrote no key log line for our client random");
    assert_eq!(
        master_secret, by_openssl,
        "master secret against OpenSSL's key log"
    );

    // The key block against openssl kdf: AES-128-CBC with HMAC-SHA1 is
    // 20-byte MAC keys, 16-byte keys, no fixed IV.
    let kb = one(&log, "key_block");
    let mut seed = server_random.clone();
    seed.extend_from_slice(&client_random);
    let expected = openssl_prf(&master_secret, "key expansion", &seed, 72);
    let mut at = 0;
    for (name, len) in [
        ("client_write_mac_key", 20),
        ("server_write_mac_key", 20),
        ("client_write_key", 16),
        ("server_write_key", 16),
        ("client_write_iv", 0),
        ("server_write_iv", 0),
    ] {
        assert_eq!(
            bytes(kb, name),
            expected[at..at + len],
            "{name} against openssl kdf"
        );
        at += len;
    }

    // The key-block PRF call, value by value.
    let prf = events(&log, "prf")
        .find(|v| v["purpose"] == "key_block")
        .expect("prf key_block");
    assert_eq!(field(prf, "hash"), "P_SHA256");
    assert_eq!(field(prf, "label"), "key expansion");
    assert_eq!(bytes(prf, "secret"), master_secret);
    assert_eq!(bytes(prf, "seed"), seed);
    assert_eq!(bytes(prf, "output"), expected);
    let mut label_seed = b"key expansion".to_vec();
    label_seed.extend_from_slice(&seed);
    let a1 = openssl_hmac(&master_secret, &label_seed);
    let a = field(prf, "a").as_array().expect("a is a list");
    assert_eq!(
        hex::decode(a[0].as_str().unwrap()).unwrap(),
        a1,
        "A(1) against openssl mac"
    );
    let mut a1_label_seed = a1.clone();
    a1_label_seed.extend_from_slice(&label_seed);
    let hmac_outputs = field(prf, "hmac_outputs")
        .as_array()
        .expect("hmac_outputs is a list");
    assert_eq!(a.len(), hmac_outputs.len());
    assert_eq!(a.len(), 3, "72 bytes take three SHA-256 blocks");
    assert_eq!(
        hex::decode(hmac_outputs[0].as_str().unwrap()).unwrap(),
        openssl_hmac(&master_secret, &a1_label_seed),
        "HMAC(secret, A(1) + label + seed) against openssl mac"
    );

    // Both Finished: the handshake hash over the messages before each, and
    // verify_data from it.
    let finished: Vec<&Value> = events(&log, "finished_verify").collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    let mut finished_seen = 0;
    for f in finished {
        let label = field(f, "label").as_str().unwrap();
        let (role, nth) = match label {
            "client finished" => ("client", 0),
            "server finished" => ("server", 1),
            other => panic!("label {other}"),
        };
        let mut before = vec![];
        let mut finished_messages = 0;
        for (typ, raw) in &messages {
            if typ == "finished" {
                if finished_messages == nth {
                    break;
                }
                finished_messages += 1;
            }
            before.extend_from_slice(raw);
        }
        let hash = openssl(&["dgst", "-sha256", "-binary"], &before);
        assert_eq!(
            bytes(f, "handshake_hash"),
            hash,
            "{role}: handshake hash against openssl dgst"
        );
        let verify_data = openssl_prf(&master_secret, label, &hash, 12);
        assert_eq!(
            bytes(f, "computed"),
            verify_data,
            "{role}: verify_data against openssl kdf"
        );
        assert_eq!(bytes(f, "received"), verify_data, "{role}");
        finished_seen += 1;
    }
    assert_eq!(finished_seen, 2);

    // The server's certificate, as the server's own file has it.
    let der = openssl(
        &[
            "x509",
            "-in",
            server.cert_pem_path().to_str().unwrap(),
            "-outform",
            "DER",
        ],
        b"",
    );
    let certificate = raw_of("certificate");
    assert!(
        certificate.windows(der.len()).any(|w| w == der),
        "the Certificate message does not carry cert.pem"
    );
    let checked = one(&log, "certificate_checked");
    assert_eq!(field(checked, "server_name"), "localhost");
    assert_eq!(field(checked, "verified"), true);
    assert!(field(checked, "chain_len").is_u64());

    // The application data, as read from the connection.
    let data: Vec<u8> = events(&log, "application_data")
        .filter(|v| v["direction"] == "server->client")
        .flat_map(|v| bytes(v, "data"))
        .collect();
    assert_eq!(data, answer);

    // Every record: the header against the named type and the payload.
    let mut records = 0;
    for r in log
        .iter()
        .filter(|v| v["event"] == "record_out" || v["event"] == "record_in")
    {
        let header = bytes(r, "header");
        let payload = bytes(r, "payload");
        assert_eq!(header.len(), 5, "{r}");
        let typ = match field(r, "content_type").as_str().unwrap() {
            "change_cipher_spec" => 20,
            "alert" => 21,
            "handshake" => 22,
            "application_data" => 23,
            other => panic!("content_type {other}"),
        };
        assert_eq!(header[0], typ, "{r}");
        let version = match field(r, "version").as_str().unwrap() {
            "TLSv1.0" => [3, 1],
            "TLSv1.2" => [3, 3],
            other => panic!("version {other}"),
        };
        assert_eq!(header[1..3], version, "{r}");
        assert_eq!(
            usize::from(u16::from_be_bytes([header[3], header[4]])),
            payload.len(),
            "{r}"
        );
        assert!(field(r, "seq").is_u64(), "{r}");
        assert!(field(r, "protected").is_boolean(), "{r}");
        records += 1;
    }
    assert!(records >= 8, "{records} records");

    // CBC records: every MAC verified, every padding well formed.
    assert!(events(&log, "mac_compared").count() >= 2);
    for m in events(&log, "mac_compared") {
        assert_eq!(field(m, "equal"), true, "{m}");
        assert_eq!(bytes(m, "computed"), bytes(m, "received"), "{m}");
        assert_eq!(bytes(m, "computed").len(), 20, "HMAC-SHA1: {m}");
    }
    for p in events(&log, "cbc_padding") {
        let n = field(p, "padding_length").as_u64().unwrap();
        assert_eq!(bytes(p, "padding"), vec![n as u8; n as usize], "{p}");
        assert_eq!(field(p, "well_formed"), true, "{p}");
        assert!(field(p, "first_bad").is_null(), "{p}");
    }
    let states: Vec<&str> = events(&log, "state_changed")
        .map(|v| field(v, "to").as_str().unwrap())
        .collect();
    assert!(states.contains(&"Established"), "{states:?}");

    // The redacted log: the same lines, secrets replaced by their length.
    let redacted: Vec<Value> = redacted_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(redacted.len(), log.len());
    let mut hidden = std::collections::BTreeSet::new();
    for (full, red) in log.iter().zip(&redacted) {
        let (full, red) = (full.as_object().unwrap(), red.as_object().unwrap());
        assert_eq!(
            full.keys().collect::<Vec<_>>(),
            red.keys().collect::<Vec<_>>(),
            "same fields, same order"
        );
        for (k, v) in full {
            if red[k] == *v {
                continue;
            }
            let redacted_as = |v: &Value| format!("<redacted {} bytes>", v.as_str().unwrap().len() / 2);
            match v {
                Value::Array(items) => {
                    let expect: Vec<Value> = items.iter().map(|i| redacted_as(i).into()).collect();
                    assert_eq!(red[k], Value::Array(expect), "{k}");
                }
                _ => assert_eq!(red[k], redacted_as(v), "{k}"),
            }
            hidden.insert(format!("{}.{k}", full["event"].as_str().unwrap()));
        }
    }
    for secret in [
        "master_secret.master_secret",
        "key_block.client_write_key",
        "key_block.server_write_mac_key",
        "prf.secret",
        "prf.a",
        "prf.output",
        "pre_master_secret.value",
    ] {
        assert!(hidden.contains(secret), "{secret} not redacted: {hidden:?}");
    }
    let wire: Vec<&String> = hidden
        .iter()
        .filter(|h| h.starts_with("record_") || h.starts_with("handshake_"))
        .collect();
    assert!(wire.is_empty(), "{wire:?} redacted, but they crossed the wire");
}
