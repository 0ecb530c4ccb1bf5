//! Known answers for SSL 3.0 from two sources independent of this crate,
//! computed by `python3` when the test runs:
//!
//! * `rfc`: hashlib, with the constructions typed in from the text of
//!   RFC 6101 §5.2.3.1, §5.6.9, §6.1 and §6.2.2 (the script below);
//! * `tlslite`: tlslite-ng's own functions (`mathtls.calcMasterSecret` and
//!   `PRF_SSL`, `createMAC_SSL`, `HandshakeHashes.digestSSL`, the code its
//!   SSL 3.0 connections run).
//!
//! Each value must agree across both sources and with ours.

use std::collections::HashMap;
use std::process::Command;

use super::*;
use crate::crypto::suites::find_by_name;
use crate::observer::OwnedEvent;
use crate::observer::Recorder;

const PRE_MASTER_SECRET: &str =
    "0300a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdce";
const CLIENT_RANDOM: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SERVER_RANDOM: &str = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
/// Handshake messages: a made-up ClientHello and ServerHello header and body;
/// any bytes do for the hash.
const MESSAGES: &str = "0100000403000102020000050300aabbcc0b000000";
const CONTENT: &str = "474554202f20485454502f312e300d0a0d0a";
const SEQ: u64 = 5;

const SCRIPT: &str = r#"
import hashlib, sys
pms, cr, sr, msgs, content = (bytes.fromhex(a) for a in sys.argv[1:6])
seq = int(sys.argv[6])
md5 = lambda b: hashlib.md5(b).digest()
sha = lambda b: hashlib.sha1(b).digest()
out = {}
# RFC 6101 section 6.1
ms = b"".join(md5(pms + sha(l + pms + cr + sr)) for l in (b"A", b"BB", b"CCC"))
out["rfc master_secret"] = ms
# RFC 6101 section 6.2.2, AES128-SHA: 2 * (20 + 16 + 16) = 104 bytes
kb = b""
i = 1
while len(kb) < 104:
    l = bytes([0x40 + i]) * i
    kb += md5(ms + sha(l + ms + sr + cr))
    i += 1
out["rfc key_block"] = kb[:104]
# RFC 6101 section 5.2.3.1, SHA-1: pads of 40 bytes
key = kb[:20]
h = seq.to_bytes(8, "big") + bytes([23]) + len(content).to_bytes(2, "big")
out["rfc mac"] = sha(key + b"\x5c" * 40 + sha(key + b"\x36" * 40 + h + content))
# RFC 6101 section 5.6.9
for name, sender in (("client", b"\x43\x4c\x4e\x54"), ("server", b"\x53\x52\x56\x52")):
    out["rfc finished_" + name] = (
        md5(ms + b"\x5c" * 48 + md5(msgs + sender + ms + b"\x36" * 48))
        + sha(ms + b"\x5c" * 40 + sha(msgs + sender + ms + b"\x36" * 40)))
import warnings
warnings.simplefilter("ignore")
from tlslite import mathtls
from tlslite.constants import CipherSuite
from tlslite.handshakehashes import HandshakeHashes
suite = CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA
tms = bytes(mathtls.calcMasterSecret((3, 0), suite, bytearray(pms), bytearray(cr), bytearray(sr)))
out["tlslite master_secret"] = tms
out["tlslite key_block"] = bytes(mathtls.PRF_SSL(bytearray(tms), bytearray(sr + cr), 104))
mac = mathtls.createMAC_SSL(bytearray(kb[:20]))
mac.update(h + content)
out["tlslite mac"] = bytes(mac.digest())
for name, is_client in (("client", True), ("server", False)):
    hh = HandshakeHashes()
    hh.update(bytearray(msgs))
    out["tlslite finished_" + name] = bytes(mathtls.calcFinished((3, 0), bytearray(tms), suite, hh, is_client))
for k, v in out.items():
    print(k, v.hex())
"#;

/// The script's answers, by name.
fn python_answers() -> HashMap<String, Vec<u8>> {
    let out = Command::new("python3")
        .args([
            "-c",
            SCRIPT,
            PRE_MASTER_SECRET,
            CLIENT_RANDOM,
            SERVER_RANDOM,
            MESSAGES,
            CONTENT,
        ])
        .arg(SEQ.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), hex::decode(v).unwrap())
        })
        .collect()
}

fn random(h: &str) -> [u8; 32] {
    hex::decode(h).unwrap().try_into().unwrap()
}

#[test]
fn master_secret_key_block_mac_and_finished_match_rfc_text_and_tlslite() {
    let want = python_answers();
    for what in [
        "master_secret",
        "key_block",
        "mac",
        "finished_client",
        "finished_server",
    ] {
        assert_eq!(
            want[&format!("rfc {what}")],
            want[&format!("tlslite {what}")],
            "{what}: the RFC-text script and tlslite-ng disagree"
        );
    }
    let pms = hex::decode(PRE_MASTER_SECRET).unwrap();
    let (cr, sr) = (random(CLIENT_RANDOM), random(SERVER_RANDOM));
    let mut rec = Recorder::new();
    let mut hooks = Hooks::new(&mut rec);
    let ms = compute_master_secret(&pms, &cr, &sr, &mut hooks);
    assert_eq!(ms.to_vec(), want["rfc master_secret"], "master_secret");

    let suite = find_by_name("AES128-SHA").unwrap();
    let kb = compute_key_block(suite, &ms, &cr, &sr, &mut hooks);
    let joined: Vec<u8> = kb
        .named_parts()
        .iter()
        .flat_map(|(_, b)| b.0.iter().copied())
        .collect();
    assert_eq!(joined, want["rfc key_block"], "key_block");
    assert_eq!(kb.client_write_iv.0.len(), 16);

    let content = hex::decode(CONTENT).unwrap();
    let mac = record_mac(
        Ssl3Hash::Sha1,
        &kb.client_write_mac_key.0,
        SEQ,
        ContentType::APPLICATION_DATA,
        &content,
        &mut hooks,
    );
    assert_eq!(mac, want["rfc mac"], "record MAC");

    let msgs = hex::decode(MESSAGES).unwrap();
    let client = compute_finished(&ms, Sender::Client, &msgs, &mut hooks);
    let server = compute_finished(&ms, Sender::Server, &msgs, &mut hooks);
    assert_eq!(client.to_vec(), want["rfc finished_client"], "client Finished");
    assert_eq!(server.to_vec(), want["rfc finished_server"], "server Finished");

    // Every intermediate value reached the observer: three rounds for the
    // master secret, seven for 104 key block bytes, one pass of each hash
    // for the MAC, two of each for a Finished.
    let rounds: Vec<(String, usize, usize)> = rec
        .filter("ssl3_hash")
        .map(|e| match e {
            OwnedEvent::Ssl3Hash {
                purpose,
                inner,
                outer,
                ..
            } => (purpose.to_string(), inner.len(), outer.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        rounds,
        vec![
            ("master_secret".into(), 3, 3),
            ("key_block".into(), 7, 7),
            ("record_mac".into(), 1, 1),
            ("client_finished".into(), 2, 2),
            ("server_finished".into(), 2, 2),
        ]
    );
}

#[test]
fn padding_rule_checks_only_the_length_byte() {
    // RFC 6101 §5.2.3.2: padding_length < block size; the pad bytes are arbitrary.
    assert_eq!(padding_length(&[0xde, 0xad, 0xbe, 2], 16), Some(3));
    assert_eq!(padding_length(&[9; 32], 16), Some(10));
    // 16 or more is a whole block of padding: not allowed in SSL 3.0.
    assert_eq!(padding_length(&[16; 32], 16), None);
    assert_eq!(padding_length(&[3, 3, 3], 16), None, "longer than the fragment");
    assert_eq!(padding_length(&[], 16), None);
}
