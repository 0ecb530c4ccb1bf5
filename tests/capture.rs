//! Captures: `connect --pcap` read back by tshark, `explain` of the published
//! Illustrated TLS 1.2 capture (byte-exact against the published values), of
//! tcpdump captures of our connections to a real `openssl s_server`, of
//! damaged copies of both, and of hostile files.
//!
//! Expected values come from outside tlslab: `vectors/illustrated-tls12/vector.json`
//! (published by The Illustrated TLS 1.2 Connection, re-derived with Python's
//! `cryptography`), OpenSSL's own `-keylogfile`, tshark's decryption, and the
//! construction of each damaged capture (which byte was flipped, which
//! segment removed).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use tlslab::capture::{explain_capture, Format, KeyLog, KeySources};
use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::internal::messages::{encode_handshake, ClientHello, Extension, ServerHello};
use tlslab::observer::{Event, Observer, OwnedEvent, Recorder};
use tlslab::wire::{
    CipherSuite, CompressionMethod, ContentType, ExtensionType, HandshakeType, ProtocolVersion,
};
use tlslab::{Client, ClientConfig, Verification};
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab_peers::tcpdump::Tcpdump;
use tlslab_peers::testkit::{capture_of, rev_server, tshark_follow_tls};

use common::{events, tlslab};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/illustrated-tls12");

fn vector() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| {
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/vector.json")).unwrap()).unwrap()
    })
}

fn vstr(key: &str) -> String {
    vector()[key].as_str().unwrap().to_string()
}

fn published_capture() -> Vec<u8> {
    std::fs::read(format!("{DIR}/capture.pcap")).unwrap()
}

fn published_keylog() -> PathBuf {
    PathBuf::from(format!("{DIR}/keylog.txt"))
}

/// The published records: (from the client, record bytes).
fn published_records() -> Vec<(bool, Vec<u8>)> {
    vector()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["direction"] == "c2s",
                hex::decode(r["record"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tlslab-capture-{}-{name}", std::process::id()))
}

/// `tlslab explain FILE --keylog KEYLOG --json`, parsed line by line.
fn explain_json(capture: &[u8], keylog: &Path, name: &str) -> Vec<Value> {
    let path = temp_path(name);
    std::fs::write(&path, capture).unwrap();
    let (code, out, err) = tlslab(&[
        "explain",
        path.to_str().unwrap(),
        "--keylog",
        keylog.to_str().unwrap(),
        "--json",
    ]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn summaries(lines: &[Value]) -> Vec<&Value> {
    events(lines, "connection_summary").collect()
}

/// One pcap packet: its 16-byte header and the frame.
type Frame = (Vec<u8>, Vec<u8>);

/// Classic pcap, split into the file header and (packet header, frame) pairs;
/// written here independently of the library's reader.
fn split_pcap(file: &[u8]) -> (Vec<u8>, Vec<Frame>) {
    let mut at = 24;
    let mut frames = vec![];
    while at < file.len() {
        let incl = u32::from_le_bytes(file[at + 8..at + 12].try_into().unwrap()) as usize;
        frames.push((file[at..at + 16].to_vec(), file[at + 16..at + 16 + incl].to_vec()));
        at += 16 + incl;
    }
    (file[..24].to_vec(), frames)
}

fn join_pcap(header: &[u8], frames: &[Frame]) -> Vec<u8> {
    let mut f = header.to_vec();
    for (h, d) in frames {
        f.extend_from_slice(h);
        f.extend_from_slice(d);
    }
    f
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("bytes not found in capture")
}

// ---------------------------------------------------------------------------
// The published capture

#[test]
fn illustrated_capture_reports_the_published_values_byte_exact() {
    let lines = explain_json(&published_capture(), &published_keylog(), "illustrated.pcap");
    let v = vector();
    let ms: Vec<_> = events(&lines, "master_secret").collect();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["master_secret"], vstr("master_secret").as_str());
    assert_eq!(ms[0]["client_random"], vstr("client_random").as_str());
    assert_eq!(ms[0]["server_random"], vstr("server_random").as_str());
    let kb = events(&lines, "key_block").next().unwrap();
    for part in [
        "client_write_mac_key",
        "server_write_mac_key",
        "client_write_key",
        "server_write_key",
    ] {
        assert_eq!(kb[part], v["key_block"][part], "{part}");
    }
    // Each encrypted record's MAC, in wire order, as published.
    let published_macs: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["mac"].as_str())
        .collect();
    assert_eq!(published_macs.len(), 5);
    let compared: Vec<&Value> = events(&lines, "mac_compared").collect();
    assert_eq!(compared.len(), 5);
    for (c, mac) in compared.iter().zip(&published_macs) {
        assert_eq!(c["computed"], *mac);
        assert_eq!(c["received"], *mac);
        assert_eq!(c["equal"], true);
    }
    let fin: Vec<&Value> = events(&lines, "finished_verify").collect();
    assert_eq!(fin.len(), 2);
    for (f, who) in fin.iter().zip(["client", "server"]) {
        assert_eq!(f["label"], format!("{who} finished"));
        assert_eq!(
            f["handshake_hash"],
            vstr(&format!("{who}_finished_handshake_hash")).as_str()
        );
        assert_eq!(f["computed"], vstr(&format!("{who}_verify_data")).as_str());
        assert_eq!(f["received"], vstr(&format!("{who}_verify_data")).as_str());
    }
    let data: Vec<&Value> = events(&lines, "application_data").collect();
    assert_eq!(data[0]["data"], hex::encode("ping"));
    assert_eq!(data[1]["data"], hex::encode("pong"));
    let s = summaries(&lines);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["suite_id"], "c013");
    assert_eq!(s[0]["all_verified"], true, "{}", s[0]);
    assert_eq!(s[0]["verified"], serde_json::json!([3, 2]));
    // The text output says the same in words.
    let (code, text, _) = tlslab(&[
        "explain",
        &format!("{DIR}/capture.pcap"),
        "--keylog",
        published_keylog().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(
        text.contains("every protected record and both Finished messages verified"),
        "{text}"
    );
}

/// `explain` in text: the capture's summary and the failure with its
/// evidence come first, no line is wider than 120 characters, and the
/// per-record trace is printed only with `--trace`, after them. The fault:
/// bit 0 of byte 2234 of the published capture flipped, which is payload
/// byte 16 of the server's Finished record (record #10; its header is at
/// byte 2213 of the file, then 5 header bytes and the 16-byte explicit IV).
#[test]
fn explain_text_puts_summary_and_failure_first_and_the_trace_on_request() {
    let mut file = published_capture();
    file[2234] ^= 0x01;
    let path = temp_path("flipped-first-block.pcap");
    std::fs::write(&path, &file).unwrap();
    let keylog = published_keylog();
    let base = [
        "explain",
        path.to_str().unwrap(),
        "--keylog",
        keylog.to_str().unwrap(),
    ];
    let (code, text, err) = tlslab(&base);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("── capture: pcap, 21 frames"), "{text}");
    assert!(lines[2].starts_with("── connection 1: "), "{text}");
    let failing = lines
        .iter()
        .position(|l| l.starts_with("   first failing record #10 (server->client, seq 0, frame 10)"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lines[failing + 1..]
            .iter()
            .take(3)
            .any(|l| l.starts_with("      - ")),
        "the evidence follows: {text}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("bit 0 of payload byte 16 is flipped"), "{text}");
    for l in &lines {
        assert!(l.chars().count() <= 120, "{l}");
        assert!(
            !l.starts_with("record_") && !l.starts_with("mac_compared"),
            "a trace line: {l}"
        );
    }
    let (code, traced, err) = tlslab(&[&base[..], &["--trace", "text"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(traced.starts_with(&text), "the same summaries first:\n{traced}");
    let rest = &traced[text.len()..];
    assert!(rest.starts_with("══ trace of connection 1: "), "{rest}");
    assert!(
        rest.lines()
            .any(|l| l.starts_with("mac_compared  server->client seq=0") && l.ends_with("equal=false")),
        "{rest}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn pre_master_secret_key_log_line_derives_the_published_master_secret() {
    // PMS_CLIENT_RANDOM carries the x25519 shared secret; the master secret
    // must come out as published.
    let keylog = KeyLog::parse(&format!(
        "PMS_CLIENT_RANDOM {} {}\n",
        vstr("client_random"),
        vstr("premaster")
    ));
    let mut rec = Recorder::new();
    let report = explain_capture(
        &published_capture(),
        &KeySources {
            keylog,
            server_key: None,
        },
        &mut rec,
    )
    .unwrap();
    assert!(
        report.connections[0].all_verified(),
        "{:?}",
        report.connections[0]
    );
    let Some(OwnedEvent::MasterSecret { master_secret, .. }) = rec.find("master_secret") else {
        panic!("no master_secret event");
    };
    assert_eq!(master_secret.to_hex(), vstr("master_secret"));
}

#[test]
fn flipped_iv_bit_is_found_behind_intact_padding() {
    // CBC: flipping a byte of the explicit IV flips the same byte of the first
    // plaintext block ("ping" + the start of the MAC) and leaves the padding
    // in the last block alone. The explainer finds the very bit flipped here.
    let ping = hex::decode(vector()["records"][10]["record"].as_str().unwrap()).unwrap();
    let mut file = published_capture();
    let at = find(&file, &ping);
    file[at + 5] ^= 0x01;
    let lines = explain_json(&file, &published_keylog(), "iv-flip.pcap");
    let s = summaries(&lines)[0];
    let f = &s["first_failure"];
    assert_eq!(f["record"], 11, "{s}");
    assert_eq!(f["direction"], "client->server");
    assert_eq!(f["seq"], 1);
    assert_eq!(f["frame"], 12);
    assert_eq!(f["cause"], "corrupted_in_transit", "{f}");
    assert_eq!(f["proven"], true, "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("bit 0 of payload byte 0 "),
        "{f}"
    );
    // The records after it still verify: one damaged record hides nothing else.
    assert_eq!(s["verified"], serde_json::json!([2, 2]));
    let padding = events(&lines, "cbc_padding").find(|p| p["seq"] == 1 && p["direction"] == "client->server");
    assert_eq!(padding.unwrap()["well_formed"], true);
}

#[test]
fn flipped_padding_length_breaks_the_padding_and_the_bit_is_found() {
    // Flipping the last byte of the second-to-last ciphertext block flips the
    // last plaintext byte, padding_length 7 -> 6: the padding bytes (7s) are
    // then wrong from the first one on.
    let ping = hex::decode(vector()["records"][10]["record"].as_str().unwrap()).unwrap();
    let mut file = published_capture();
    let at = find(&file, &ping);
    file[at + 5 + 31] ^= 0x01;
    let lines = explain_json(&file, &published_keylog(), "pad-flip.pcap");
    let f = &summaries(&lines)[0]["first_failure"];
    assert_eq!(f["record"], 11);
    assert_eq!(f["cause"], "corrupted_in_transit", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("bit 0 of payload byte 31 "),
        "{f}"
    );
    let padding = events(&lines, "cbc_padding").find(|p| p["seq"] == 1 && p["direction"] == "client->server");
    let padding = padding.unwrap();
    assert_eq!(padding["well_formed"], false, "{padding}");
    assert_eq!(padding["padding_length"], 6, "{padding}");
}

#[test]
fn removed_segment_is_a_gap_at_its_stream_offset() {
    let (header, mut frames) = split_pcap(&published_capture());
    // Frame 12 carries the client's "ping" record alone.
    let ping = hex::decode(vector()["records"][10]["record"].as_str().unwrap()).unwrap();
    assert!(frames[11].1.ends_with(&ping));
    frames.remove(11);
    let lines = explain_json(&join_pcap(&header, &frames), &published_keylog(), "gap.pcap");
    let s = summaries(&lines)[0];
    let f = &s["first_failure"];
    // The client's bytes before "ping": every earlier c2s record, from the vector.
    let before: usize = published_records()[..10]
        .iter()
        .filter(|(c, _)| *c)
        .map(|(_, r)| r.len())
        .sum();
    assert_eq!(f["cause"], "tcp_gap", "{s}");
    assert_eq!(f["direction"], "client->server");
    assert_eq!(f["gap_offset"], before as u64);
    assert_eq!(f["gap_len"], ping.len() as u64);
    // The server's records are unaffected.
    assert_eq!(s["verified"][1], 2);
}

#[test]
fn dropped_record_is_a_sequence_number_mismatch() {
    // The same TLS bytes without "ping", framed as a continuous TCP stream:
    // the close_notify alert (sent with seq_num 2) arrives where 1 is expected.
    let mut records = published_records();
    records.remove(10);
    let lines = explain_json(&capture_of(&records), &published_keylog(), "seq.pcap");
    let f = &summaries(&lines)[0]["first_failure"];
    assert_eq!(f["cause"], "sequence_number", "{f}");
    assert_eq!(f["seq"], 1);
    assert_eq!(f["proven"], true);
    assert!(f["message"].as_str().unwrap().contains("seq_num 2"), "{f}");
}

#[test]
fn record_under_the_other_directions_keys_is_named() {
    // The server's "pong" record sent by the client, in place of "ping".
    let mut records = published_records();
    records[10] = (true, records[11].1.clone());
    let lines = explain_json(&capture_of(&records), &published_keylog(), "swap.pcap");
    let f = &summaries(&lines)[0]["first_failure"];
    assert_eq!(f["cause"], "other_direction_keys", "{f}");
    assert_eq!(f["direction"], "client->server");
    assert_eq!(f["record"], 11);
}

#[test]
fn altered_handshake_message_is_a_finished_mismatch_with_every_mac_intact() {
    // One byte of the (plaintext) Certificate changed: the records still
    // verify, but the transcript no longer matches what both sides hashed.
    let cert = hex::decode(vector()["records"][2]["record"].as_str().unwrap()).unwrap();
    let mut file = published_capture();
    let at = find(&file, &cert);
    file[at + 400] ^= 0x80;
    let lines = explain_json(&file, &published_keylog(), "transcript.pcap");
    let s = summaries(&lines)[0];
    let f = &s["first_failure"];
    assert_eq!(f["cause"], "transcript_differs", "{s}");
    assert_eq!(f["record"], 8, "the client's Finished");
    assert!(
        f["evidence"][1]
            .as_str()
            .unwrap()
            .contains("every protected record"),
        "{f}"
    );
    assert_eq!(s["verified"], serde_json::json!([3, 2]));
}

#[test]
fn wrong_master_secret_fails_at_the_first_protected_record() {
    let keylog = temp_path("wrong-keylog.txt");
    std::fs::write(
        &keylog,
        format!("CLIENT_RANDOM {} {}\n", vstr("client_random"), "ab".repeat(48)),
    )
    .unwrap();
    let lines = explain_json(&published_capture(), &keylog, "wrong-ms.pcap");
    let _ = std::fs::remove_file(&keylog);
    let f = &summaries(&lines)[0]["first_failure"];
    assert_eq!(f["record"], 8);
    assert_eq!(f["seq"], 0);
    assert!(
        f["evidence"]
            .to_string()
            .contains("first protected client->server record"),
        "{f}"
    );
}

// ---------------------------------------------------------------------------
// Bad and hostile captures

struct Nothing;
impl Observer for Nothing {
    fn on_event(&mut self, _: &Event<'_>) {}
}

#[test]
fn truncated_at_every_offset_and_random_bytes_never_panic() {
    let file = published_capture();
    let secrets = KeySources {
        keylog: KeyLog::parse(&std::fs::read_to_string(published_keylog()).unwrap()),
        server_key: None,
    };
    // A cut between two packets leaves a valid, shorter file; any other cut is named.
    let (_, frames) = split_pcap(&file);
    let mut boundaries = vec![24];
    for (h, d) in &frames {
        boundaries.push(boundaries.last().unwrap() + h.len() + d.len());
    }
    for cut in 0..file.len() {
        match explain_capture(&file[..cut], &secrets, &mut Nothing) {
            Err(e) => assert!(cut < 24, "cut {cut}: {e}"),
            Ok(r) => assert_eq!(r.stopped.is_none(), boundaries.contains(&cut), "cut {cut}"),
        }
    }
    // Random bytes, and random damage to a valid file (xorshift, fixed seed).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..300 {
        let len = (next() % 2000) as usize;
        let junk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = explain_capture(&junk, &secrets, &mut Nothing);
        let mut damaged = file.clone();
        for _ in 0..1 + next() % 8 {
            let i = 24 + (next() as usize) % (damaged.len() - 24);
            damaged[i] = next() as u8;
        }
        let _ = explain_capture(&damaged, &secrets, &mut Nothing);
    }
    let (code, _, err) = tlslab(&["explain", "Cargo.toml"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a pcap or pcapng file"), "{err}");
}

/// A ClientHello and a ServerHello record naming `version`.
fn hello_records(version: ProtocolVersion) -> Vec<(bool, Vec<u8>)> {
    let ch = ClientHello {
        client_version: ProtocolVersion::TLS12.min(version),
        random: [7; 32],
        session_id: vec![],
        cipher_suites: vec![CipherSuite(0xc02f), CipherSuite(0x1301)],
        compression_methods: vec![CompressionMethod(0)],
        extensions: None,
    };
    let tls13 = version == ProtocolVersion::TLS13;
    let sh = ServerHello {
        server_version: if tls13 { ProtocolVersion::TLS12 } else { version },
        random: [8; 32],
        session_id: vec![],
        cipher_suite: CipherSuite(if tls13 { 0x1301 } else { 0xc02f }),
        compression_method: CompressionMethod(0),
        extensions: tls13.then(|| {
            vec![Extension {
                typ: ExtensionType::SUPPORTED_VERSIONS,
                data: vec![3, 4],
            }]
        }),
    };
    let record = |body: Vec<u8>| {
        let mut r = vec![22, 3, 1];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(&body);
        r
    };
    vec![
        (
            true,
            record(encode_handshake(HandshakeType::CLIENT_HELLO, |o| ch.encode(o))),
        ),
        (
            false,
            record(encode_handshake(HandshakeType::SERVER_HELLO, |o| sh.encode(o))),
        ),
    ]
}

#[test]
fn other_versions_and_non_tls_are_named_and_skipped() {
    for (v, name) in [
        (ProtocolVersion::TLS13, "TLS 1.3 (0x0304)"),
        (ProtocolVersion::TLS11, "TLS 1.1 (0x0302)"),
        (ProtocolVersion::TLS10, "TLS 1.0 (0x0301)"),
        (ProtocolVersion::SSL3, "SSLv3 (0x0300)"),
    ] {
        let file = capture_of(&hello_records(v));
        let r = explain_capture(&file, &KeySources::default(), &mut Nothing).unwrap();
        let why = r.connections[0].skipped.as_deref().unwrap_or("");
        assert!(why.contains(name), "{name}: {why}");
    }
    let file = capture_of(&[(true, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec())]);
    let r = explain_capture(&file, &KeySources::default(), &mut Nothing).unwrap();
    assert!(r.connections[0]
        .skipped
        .as_deref()
        .unwrap()
        .starts_with("not TLS"));
    // An unknown link type: the same frames relabelled as type 147 (user-defined).
    let mut file = published_capture();
    file[20..24].copy_from_slice(&147u32.to_le_bytes());
    let path = temp_path("linktype.pcap");
    std::fs::write(&path, &file).unwrap();
    let (code, out, _) = tlslab(&["explain", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0);
    assert!(out.contains("21 frames of unknown link-layer type 147"), "{out}");
}

// ---------------------------------------------------------------------------
// Real connections to OpenSSL

#[test]
fn connect_pcap_is_decrypted_by_tshark() {
    let server = rev_server();
    let (pcap, keylog) = (temp_path("connect.pcap"), temp_path("connect-keylog.txt"));
    let _ = std::fs::remove_file(&keylog);
    let (code, out, err) = common::connect(
        server.addr(),
        "localhost",
        &server.ca_pem_path(),
        &[
            "--cipher",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "--keylog",
            keylog.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
            "--send",
            "hello capture\\n",
        ],
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("erutpac olleh"), "{out}");
    // tshark, with our key log, decrypts both directions to exactly what was
    // sent and received: `follow,tls,raw` prints the decrypted bytes in hex,
    // the server's lines indented by a tab.
    let (sent, received) = tshark_follow_tls(&pcap, &[format!("tls.keylog_file:{}", keylog.display())], 0);
    assert_eq!(sent, b"hello capture\n", "tshark's client->server data");
    assert_eq!(received, b"erutpac olleh\n", "tshark's server->client data");
    // No checksum complaint from tshark.
    let bad = Command::new("tshark")
        .args(["-r", pcap.to_str().unwrap()])
        .args(["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"])
        .args(["-Y", "tcp.checksum.status == 0 || ip.checksum.status == 0"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&bad.stdout),
        "",
        "frames with bad checksums"
    );
    // And our own reader explains it, every record verified.
    let lines = explain_json(&std::fs::read(&pcap).unwrap(), &keylog, "connect-copy.pcap");
    assert_eq!(
        summaries(&lines)[0]["all_verified"],
        true,
        "{}",
        summaries(&lines)[0]
    );
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(&keylog);
}

/// `tcpdump -i any` writes Linux cooked frames (v1 by default, v2 with `-y
/// LINUX_SLL2`), and Wireshark's editcap rewrites each file as pcapng: all
/// four files are read and every record of the connection verifies.
#[test]
fn cooked_captures_and_their_pcapng_copies_are_explained() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..ServerOptions::default()
    })
    .unwrap();
    for (link, link_type) in [("LINUX_SLL", 113u32), ("LINUX_SLL2", 276)] {
        // Under load a capture on "any" can still lose a loopback segment
        // (the capture then has a TCP gap, which the analysis names): such a
        // capture is taken again, up to three times.
        let mut tries = 0;
        let (pcap, secrets) = loop {
            tries += 1;
            let before = server.keylog_entries().len();
            // Immediate mode: on "any", libpcap otherwise holds packets in its
            // ring buffer until a block fills or times out, and SIGINT would lose them.
            let interface = ["-i", "any", "-y", link, "--immediate-mode"];
            let dump = Tcpdump::start_on(server.port, temp_path(&format!("{link}.pcap")), &interface);
            exchange(&server, "ECDHE-RSA-AES128-GCM-SHA256");
            let path = dump.stop();
            let pcap = std::fs::read(&path).unwrap();
            let _ = std::fs::remove_file(&path);
            // OpenSSL's key log, once it holds this connection's line.
            let deadline = Instant::now() + Duration::from_secs(5);
            while server.keylog_entries().len() <= before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let secrets = KeySources {
                keylog: KeyLog::parse(&std::fs::read_to_string(server.keylog_path()).unwrap()),
                server_key: None,
            };
            let r = explain_capture(&pcap, &secrets, &mut Nothing).unwrap();
            let lost = r.connections.iter().any(|c| {
                c.first_failure()
                    .is_some_and(|f| matches!(f.cause, tlslab::explain::Cause::TcpGap { .. }))
            });
            if !lost || tries == 3 {
                break (pcap, secrets);
            }
        };
        // The link type in the pcap file header (tcpdump writes host byte order).
        let raw = [pcap[20], pcap[21], pcap[22], pcap[23]];
        let written = if pcap[..4] == [0xd4, 0xc3, 0xb2, 0xa1] {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        };
        assert_eq!(written, link_type, "{link}");
        let pcapng_path = temp_path(&format!("{link}.pcapng"));
        let in_path = temp_path(&format!("{link}-in.pcap"));
        std::fs::write(&in_path, &pcap).unwrap();
        let status = Command::new("editcap")
            .args(["-F", "pcapng"])
            .arg(&in_path)
            .arg(&pcapng_path)
            .status()
            .expect("editcap (Debian package wireshark-common) must be installed");
        assert!(status.success(), "editcap {link}");
        let pcapng = std::fs::read(&pcapng_path).unwrap();
        let _ = std::fs::remove_file(&in_path);
        let _ = std::fs::remove_file(&pcapng_path);
        assert_eq!(
            pcapng[..4],
            [0x0a, 0x0d, 0x0d, 0x0a],
            "{link}: pcapng section header"
        );
        for (file, format) in [(&pcap, Format::Pcap), (&pcapng, Format::PcapNg)] {
            let r = explain_capture(file, &secrets, &mut Nothing).unwrap();
            assert_eq!(r.format, format, "{link}");
            assert!(r.stopped.is_none(), "{link} {format:?}: {:?}", r.stopped);
            assert_eq!(r.connections.len(), 1, "{link} {format:?}: {:?}", r.statistics);
            let c = &r.connections[0];
            assert!(c.all_verified(), "{link} {format:?}: {:?}", c.failures);
            assert_eq!(c.finished_ok, [Some(true), Some(true)], "{link} {format:?}");
        }
    }
}

/// One connection: handshake, a line each way, close. Returns the recorded events.
fn exchange(server: &LocalServer, suite: &str) -> Recorder {
    let mut config = ClientConfig::new("localhost");
    config.suites = vec![suites::find_by_name(suite).unwrap()];
    config.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path()).unwrap());
    let mut rec = Recorder::new();
    {
        let client = Client::with_observer(config, &mut rec);
        let mut tls =
            tlslab_cli::net::connect(&server.addr().to_string(), client, Default::default()).unwrap();
        tls.write_all(format!("line for {suite}\n").as_bytes()).unwrap();
        let got = tls
            .read_until_quiet(Duration::from_millis(300), Duration::from_secs(5))
            .unwrap();
        assert!(!got.is_empty());
        tls.close().unwrap();
    }
    rec
}

#[test]
fn tcpdump_captures_of_our_connections_are_explained() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..ServerOptions::default()
    })
    .unwrap();
    let dump = Tcpdump::start(server.port, temp_path("tcpdump.pcap"));
    let suites = [
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ];
    let recorders: Vec<Recorder> = suites.iter().map(|s| exchange(&server, s)).collect();
    let path = dump.stop();
    let file = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    // The secrets come from OpenSSL's own key log, not from our client.
    let keylog = server.keylog_path();
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.keylog_entries().len() < suites.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let lines = explain_json(&file, &keylog, "tcpdump.pcap");
    let s = summaries(&lines);
    assert_eq!(s.len(), suites.len(), "{lines:?}");
    for (summary, suite) in s.iter().zip(suites) {
        let want = suites::find_by_name(suite).unwrap().name();
        assert_eq!(summary["suite"], want);
        assert_eq!(summary["all_verified"], true, "{summary}");
        assert_eq!(summary["finished_ok"], serde_json::json!([true, true]));
    }

    // The client's application-data record of the CBC connection, as it went out.
    let app = recorders[0]
        .events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::RecordOut(v) if v.content_type == ContentType::APPLICATION_DATA => {
                Some([v.header.0.clone(), v.payload.0.clone()].concat())
            }
            _ => None,
        })
        .unwrap();
    // One byte of its explicit IV flipped: a MAC failure behind intact padding,
    // first failure of connection 1, client->server seq_num 1.
    let mut flipped = file.clone();
    let at = find(&flipped, &app);
    flipped[at + 5 + 3] ^= 0x20;
    let lines = explain_json(&flipped, &keylog, "tcpdump-flip.pcap");
    let s = summaries(&lines);
    let f = &s[0]["first_failure"];
    assert_eq!(f["cause"], "corrupted_in_transit", "{}", s[0]);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("bit 5 of payload byte 3 "),
        "{f}"
    );
    assert_eq!(f["direction"], "client->server");
    assert_eq!(f["seq"], 1);
    assert_eq!(s[1]["all_verified"], true);

    // The GCM connection's application-data record, its ciphertext flipped: a tag mismatch.
    let app_gcm = recorders[1]
        .events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::RecordOut(v) if v.content_type == ContentType::APPLICATION_DATA => {
                Some([v.header.0.clone(), v.payload.0.clone()].concat())
            }
            _ => None,
        })
        .unwrap();
    let mut flipped = file.clone();
    let at = find(&flipped, &app_gcm);
    flipped[at + app_gcm.len() - 20] ^= 0x01;
    let lines = explain_json(&flipped, &keylog, "tcpdump-gcm.pcap");
    let f = &summaries(&lines)[1]["first_failure"];
    assert_eq!(f["cause"], "corrupted_in_transit", "{f}");
    let byte = app_gcm.len() - 20 - 5;
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("bit 0 of payload byte {byte} ")),
        "{f}"
    );
    assert_eq!(f["seq"], 1);

    // The frame that carried it removed: a gap at its stream offset.
    let (header, mut frames) = split_pcap(&file);
    let i = frames
        .iter()
        .position(|(_, d)| d.windows(app.len()).any(|w| w == app))
        .expect("the record travels in one segment on loopback");
    frames.remove(i);
    let lines = explain_json(&join_pcap(&header, &frames), &keylog, "tcpdump-gap.pcap");
    let s = summaries(&lines);
    let f = &s[0]["first_failure"];
    // Its stream offset: every client record before it, from the client's own events.
    let mut before = 0;
    for e in &recorders[0].events {
        match e {
            OwnedEvent::RecordOut(v) if v.content_type == ContentType::APPLICATION_DATA => break,
            OwnedEvent::RecordOut(v) => before += v.header.0.len() + v.payload.0.len(),
            _ => {}
        }
    }
    assert_eq!(f["cause"], "tcp_gap", "{}", s[0]);
    assert_eq!(f["direction"], "client->server");
    assert_eq!(f["gap_offset"], before as u64, "{f}");
    assert_eq!(s[1]["all_verified"], true);
}

#[test]
fn encrypt_then_mac_is_detected_and_applied() {
    // The published ServerHello with encrypt_then_mac (RFC 7366) added.
    let mut records = published_records();
    let sh_record = &records[1].1;
    let mut sh = ServerHello::decode(&sh_record[9..]).unwrap();
    sh.extensions.get_or_insert_with(Vec::new).push(Extension {
        typ: ExtensionType::ENCRYPT_THEN_MAC,
        data: vec![],
    });
    let body = encode_handshake(HandshakeType::SERVER_HELLO, |o| sh.encode(o));
    let mut rec = vec![22, 3, 3];
    rec.extend_from_slice(&(body.len() as u16).to_be_bytes());
    rec.extend_from_slice(&body);
    records[1].1 = rec;
    let lines = explain_json(&capture_of(&records), &published_keylog(), "etm.pcap");
    let s = summaries(&lines)[0];
    assert_eq!(s["encrypt_then_mac"], true);
    // The records were really MAC-then-encrypt: read as encrypt-then-MAC,
    // the very first protected record fails.
    assert_eq!(s["first_failure"]["record"], 8, "{s}");
    assert_eq!(s["first_failure"]["seq"], 0, "{s}");
    assert_eq!(s["all_verified"], false);
}

/// RSA key transport: the server's private key alone recovers the
/// pre-master secret from the capture (no key log), and every record verifies.
#[test]
fn an_rsa_capture_is_decrypted_with_the_server_key() {
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Rev,
        ..ServerOptions::default()
    })
    .unwrap();
    let pcap = temp_path("rsa.pcap");
    let (code, _, stderr) = common::connect(
        server.addr(),
        "localhost",
        &server.ca_pem_path(),
        &[
            "--cipher",
            "AES128-SHA256",
            "--send",
            "rsa capture\\n",
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = tlslab(&[
        "explain",
        pcap.to_str().unwrap(),
        "--server-key",
        server.key_pem_path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{stdout}");
    let summary: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "connection_summary")
        .expect("a connection summary");
    assert_eq!(summary["suite"], "TLS_RSA_WITH_AES_128_CBC_SHA256", "{summary}");
    assert_eq!(
        summary["master_secret_source"], "pre-master secret decrypted with the server key",
        "{summary}"
    );
    assert_eq!(summary["all_verified"], true, "{summary}");
    let _ = std::fs::remove_file(&pcap);
}
