//! Record-layer tests. Expected values come from outside this crate: the
//! Illustrated TLS 1.2 Connection (a published capture), NIST SP 800-38A, and
//! records built with Python's `cryptography` (commands quoted by each value).

use super::*;
use crate::crypto::suites::lookup;
use crate::observer::Observer;
use crate::rng::{ScriptedRng, SeededRng};
use crate::wire::CipherSuite;

const VECTOR: &str = include_str!("../../../../vectors/illustrated-tls12/vector.json");

/// The string value of the first `"key": "..."` in `text`.
fn field<'a>(text: &'a str, key: &str) -> &'a str {
    let pat = format!("\"{key}\": \"");
    let start = text.find(&pat).unwrap_or_else(|| panic!("no {key}")) + pat.len();
    let len = text[start..].find('"').unwrap();
    &text[start..start + len]
}

fn hexf(text: &str, key: &str) -> Vec<u8> {
    hex::decode(field(text, key)).unwrap()
}

/// The JSON object of record `index` (records hold no nested objects).
fn record_obj(index: usize) -> &'static str {
    let pat = format!("\"index\": {index},");
    let start = VECTOR.find(&pat).unwrap();
    let end = start + VECTOR[start..].find('}').unwrap();
    &VECTOR[start..end]
}

fn illustrated_key_block() -> KeyBlock {
    let kb = &VECTOR[VECTOR.find("\"key_block\"").unwrap()..];
    KeyBlock {
        client_write_mac_key: hexf(kb, "client_write_mac_key").into(),
        server_write_mac_key: hexf(kb, "server_write_mac_key").into(),
        client_write_key: hexf(kb, "client_write_key").into(),
        server_write_key: hexf(kb, "server_write_key").into(),
        client_write_iv: hexf(kb, "client_write_iv").into(),
        server_write_iv: hexf(kb, "server_write_iv").into(),
    }
}

fn suite(id: u16) -> &'static SuiteInfo {
    lookup(CipherSuite(id)).unwrap()
}

fn protected(id: u16, kb: &KeyBlock, direction: Direction) -> RecordLayerState {
    let mut s = RecordLayerState::new(direction);
    s.change_protection(Protection::from_key_block(suite(id), kb, direction).unwrap());
    s
}

/// A tiny observer: one line per event, with the fields the tests look at.
#[derive(Default)]
struct Log(Vec<String>);

impl Observer for Log {
    fn on_event(&mut self, e: &Event<'_>) {
        let line = match e {
            Event::MacCompared {
                seq,
                computed,
                received,
                equal,
                ..
            } => {
                format!(
                    "mac_compared seq={seq} equal={equal} {} {}",
                    hex::encode(computed),
                    hex::encode(received)
                )
            }
            Event::MacInput(m) => {
                format!(
                    "mac_input seq={} {} {}",
                    m.seq,
                    hex::encode(m.pseudo_header),
                    hex::encode(m.mac)
                )
            }
            Event::CbcPadding(p) => format!(
                "cbc_padding len={} ok={} bad={:?}",
                p.padding_length, p.well_formed, p.first_bad
            ),
            Event::AeadNonce(n) => format!("aead_nonce seq={} {}", n.seq, hex::encode(n.nonce)),
            Event::AeadAad { aad, .. } => format!("aead_aad {}", hex::encode(aad)),
            Event::AeadOpenFailed { tag, .. } => format!("aead_open_failed {}", hex::encode(tag)),
            Event::RecordIn(r) | Event::RecordOut(r) => {
                format!("{} seq={} {}", e.name(), r.seq, r.payload.len())
            }
            other => other.name().to_string(),
        };
        self.0.push(line);
    }
}

fn open_hex(state: &mut RecordLayerState, record: &[u8], hooks: &mut Hooks<'_>) -> Result<Vec<u8>, Error> {
    let mut d = Deframer::new();
    d.push(record);
    let mut payload = Vec::new();
    let header = d.next_record(&mut payload)?.expect("whole record");
    assert_eq!(d.buffered(), 0);
    state.open(&header, &mut payload, hooks)?;
    Ok(payload)
}

// ---------------------------------------------------------------------------
// 1. The published vector: The Illustrated TLS 1.2 Connection (suite 0xc013).
// ---------------------------------------------------------------------------

#[test]
fn illustrated_open_server_records_9_and_11() {
    let kb = illustrated_key_block();
    let mut s = protected(0xc013, &kb, Direction::ServerToClient);
    for (index, seq) in [(9, 0), (11, 1)] {
        let r = record_obj(index);
        assert_eq!(field(r, "direction"), "s2c");
        assert_eq!(s.seq, seq);
        let mut log = Log::default();
        let pt = open_hex(&mut s, &hexf(r, "record"), &mut Hooks::new(&mut log)).unwrap();
        assert_eq!(pt, hexf(r, "plaintext"), "record {index}");
        // The observer saw the published MAC, both computed and received.
        let mac = field(r, "mac");
        assert!(
            log.0
                .iter()
                .any(|l| l == &format!("mac_compared seq={seq} equal=true {mac} {mac}")),
            "{log:?}",
            log = log.0
        );
        let pad = *hexf(r, "decrypted_cbc").last().unwrap();
        assert!(
            log.0.contains(&format!("cbc_padding len={pad} ok=true bad=None")),
            "{:?}",
            log.0
        );
    }
    assert_eq!(s.seq, 2);
}

#[test]
fn illustrated_open_client_records_7_10_12() {
    let kb = illustrated_key_block();
    let mut s = protected(0xc013, &kb, Direction::ClientToServer);
    for (index, seq, ascii) in [(7, 0, None), (10, 1, Some("ping")), (12, 2, None)] {
        let r = record_obj(index);
        assert_eq!(field(r, "direction"), "c2s");
        assert_eq!(s.seq, seq);
        let pt = open_hex(&mut s, &hexf(r, "record"), &mut Hooks::none()).unwrap();
        assert_eq!(pt, hexf(r, "plaintext"), "record {index}");
        if let Some(a) = ascii {
            assert_eq!(pt, a.as_bytes());
        }
    }
}

#[test]
fn illustrated_seal_reproduces_records_7_10_12_byte_for_byte() {
    let kb = illustrated_key_block();
    let mut s = protected(0xc013, &kb, Direction::ClientToServer);
    for (index, typ) in [
        (7, ContentType::HANDSHAKE),
        (10, ContentType::APPLICATION_DATA),
        (12, ContentType::ALERT),
    ] {
        let r = record_obj(index);
        // The explicit IV is the only thing seal takes from the rng.
        let mut rng = ScriptedRng::new(vec![hexf(r, "explicit_iv")], SeededRng::new(0, 0));
        let mut out = vec![0xaa]; // seal appends: earlier bytes stay
        let mut log = Log::default();
        s.seal(
            typ,
            ProtocolVersion::TLS12,
            &hexf(r, "plaintext"),
            &mut out,
            &mut rng,
            &mut Hooks::new(&mut log),
        )
        .unwrap();
        assert_eq!(out[0], 0xaa);
        assert_eq!(hex::encode(&out[1..]), field(r, "record"), "record {index}");
        assert_eq!(log.0.len(), 2, "{:?}", log.0);
        assert!(log.0[0].starts_with("mac_input") && log.0[0].ends_with(field(r, "mac")));
        assert!(log.0[1].starts_with("record_out"));
    }
    assert_eq!(s.seq, 3);
}

// ---------------------------------------------------------------------------
// 2. Known answers built with Python's `cryptography` 48.0.0 (independent of
//    ring and of this crate). The scripts, run as `python3 kat.py` and
//    `python3 kat_cbc.py`, are quoted in full so the values can be regenerated:
//
//    # kat.py
//    import struct
//    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
//    def aad(seq, typ, ver, n): return struct.pack(">QBHH", seq, typ, ver, n)
//    pt = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
//    k = bytes(range(16)); salt = bytes.fromhex("a0a1a2a3"); seq = 5
//    ex = struct.pack(">Q", seq)
//    ct = AESGCM(k).encrypt(salt + ex, pt, aad(seq, 23, 0x0303, len(pt)))
//    payload = ex + ct
//    print("gcm128", (struct.pack(">BHH", 23, 0x0303, len(payload)) + payload).hex())
//    k = bytes(range(0x20, 0x40)); salt = bytes.fromhex("b0b1b2b3"); seq = 0x0102030405060708
//    ex = struct.pack(">Q", seq)
//    ct = AESGCM(k).encrypt(salt + ex, pt, aad(seq, 22, 0x0303, len(pt)))
//    payload = ex + ct
//    print("gcm256", (struct.pack(">BHH", 22, 0x0303, len(payload)) + payload).hex())
//    k = bytes(range(0x40, 0x60)); iv = bytes(range(0xc0, 0xcc)); seq = 0x0102030405060708
//    nonce = bytes(a ^ b for a, b in zip(iv, b"\0\0\0\0" + struct.pack(">Q", seq)))
//    ct = ChaCha20Poly1305(k).encrypt(nonce, pt, aad(seq, 23, 0x0303, len(pt)))
//    print("chacha_nonce", nonce.hex())
//    print("chacha", (struct.pack(">BHH", 23, 0x0303, len(ct)) + ct).hex())
//
//    # kat_cbc.py
//    import struct, hmac, hashlib
//    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
//    mk = bytes(range(0x60, 0x90)); ek = bytes(range(0x90, 0xb0)); iv = bytes(range(0xe0, 0xf0)); seq = 3
//    pt = b"pong pong pong"
//    mac = hmac.new(mk, struct.pack(">QBHH", seq, 23, 0x0303, len(pt)) + pt, hashlib.sha384).digest()
//    body = pt + mac
//    pad = 15 - len(body) % 16
//    body += bytes([pad]) * (pad + 1)
//    e = Cipher(algorithms.AES(ek), modes.CBC(iv)).encryptor()
//    payload = iv + e.update(body) + e.finalize()
//    print("cbc256", (struct.pack(">BHH", 23, 0x0303, len(payload)) + payload).hex())
// ---------------------------------------------------------------------------

const KAT_PT: &[u8] = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
const KAT_GCM128: &str = "170303003d0000000000000005965bc79e09ff0db2de06c1f51c7f91c093c243d731950a3d03723e6fe388ce674db4baa6fc53faaf1d40a2e1914040ddf6829cfd2a";
const KAT_GCM256: &str = "160303003d01020304050607083b43f7c7bc0df354303ff0ba93b6332fc8ed1fe55156818e05578849d5c4e025a7157028176c43642982365c0e3e9982a4eb9cde4f";
const KAT_CHACHA_NONCE: &str = "c0c1c2c3c5c7c5c3cdcfcdc3";
const KAT_CHACHA: &str = "1703030035c6dda04d43ff92c0e06c636355478d3c8decaede811d2d56627f06c30daa5dd5155e1e32ce6a3b7642f76b466c29730e1ed990f26a";
const KAT_CBC256: &str = "1703030050e0e1e2e3e4e5e6e7e8e9eaebecedeeefa75d8c78e67b828b53e0cb43cdd6718f0e5c8f442b6551df06eea44b88207a0798af2f6d123cd8fed4d59b7005cf782173490aeeb1ade5e54aa391473b739575";

fn range_bytes(r: std::ops::Range<u8>) -> Vec<u8> {
    r.collect()
}

/// A key block whose client and server halves are the same, so one KAT serves both directions.
fn symmetric_kb(mac: Vec<u8>, key: Vec<u8>, iv: Vec<u8>) -> KeyBlock {
    KeyBlock {
        client_write_mac_key: mac.clone().into(),
        server_write_mac_key: mac.into(),
        client_write_key: key.clone().into(),
        server_write_key: key.into(),
        client_write_iv: iv.clone().into(),
        server_write_iv: iv.into(),
    }
}

/// Seals `KAT_PT` at `seq` and checks the bytes, then opens them on the read side.
fn check_kat(
    id: u16,
    kb: &KeyBlock,
    seq: u64,
    typ: ContentType,
    expected: &str,
    rng_script: Vec<Vec<u8>>,
) -> Log {
    let mut w = protected(id, kb, Direction::ClientToServer);
    w.seq = seq;
    let mut out = Vec::new();
    let mut log = Log::default();
    let mut rng = ScriptedRng::new(rng_script, SeededRng::new(1, 1));
    w.seal(
        typ,
        ProtocolVersion::TLS12,
        KAT_PT,
        &mut out,
        &mut rng,
        &mut Hooks::new(&mut log),
    )
    .unwrap();
    assert_eq!(hex::encode(&out), expected, "suite {id:#06x}");
    assert_eq!(w.seq, seq + 1);

    let mut r = protected(id, kb, Direction::ServerToClient);
    r.seq = seq;
    let pt = open_hex(&mut r, &hex::decode(expected).unwrap(), &mut Hooks::new(&mut log)).unwrap();
    assert_eq!(pt, KAT_PT);
    log
}

#[test]
fn aes128_gcm_known_answer() {
    let kb = symmetric_kb(vec![], range_bytes(0..16), hex::decode("a0a1a2a3").unwrap());
    let log = check_kat(0xc02f, &kb, 5, ContentType::APPLICATION_DATA, KAT_GCM128, vec![]);
    // Nonce = salt ‖ seq_num; AAD = seq ‖ 17 0303 ‖ plaintext length (0x25 = 37).
    assert_eq!(log.0[0], "aead_nonce seq=5 a0a1a2a30000000000000005");
    assert_eq!(log.0[1], "aead_aad 00000000000000051703030025");
}

/// A peer may choose any `nonce_explicit` (RFC 5288 §3); we must read it
/// from the record, not assume `seq_num`. Produced by:
///
/// ```text
/// python3 -c "
/// import struct
/// from cryptography.hazmat.primitives.ciphers.aead import AESGCM
/// k = bytes(range(16)); salt = bytes.fromhex('a0a1a2a3'); seq = 1; ex = bytes.fromhex('f0e1d2c3b4a59687')
/// pt = b'pong'
/// ct = AESGCM(k).encrypt(salt + ex, pt, struct.pack('>QBHH', seq, 23, 0x0303, len(pt)))
/// p = ex + ct
/// print((struct.pack('>BHH', 23, 0x0303, len(p)) + p).hex())"
/// ```
#[test]
fn gcm_peer_explicit_nonce_is_taken_from_the_record() {
    let rec = hex::decode("170303001cf0e1d2c3b4a59687490bdcf6eed114eeea2a6c27583537c6bdb29d8b").unwrap();
    let kb = symmetric_kb(vec![], range_bytes(0..16), hex::decode("a0a1a2a3").unwrap());
    let mut r = protected(0xc02f, &kb, Direction::ServerToClient);
    r.seq = 1;
    let mut log = Log::default();
    assert_eq!(
        open_hex(&mut r, &rec, &mut Hooks::new(&mut log)).unwrap(),
        b"pong"
    );
    assert!(
        log.0
            .contains(&"aead_nonce seq=1 a0a1a2a3f0e1d2c3b4a59687".to_string()),
        "{:?}",
        log.0
    );
}

#[test]
fn aes256_gcm_known_answer() {
    let kb = symmetric_kb(vec![], range_bytes(0x20..0x40), hex::decode("b0b1b2b3").unwrap());
    check_kat(
        0xc030,
        &kb,
        0x0102030405060708,
        ContentType::HANDSHAKE,
        KAT_GCM256,
        vec![],
    );
}

#[test]
fn chacha20_poly1305_known_answer_and_rfc7905_nonce() {
    let kb = symmetric_kb(vec![], range_bytes(0x40..0x60), range_bytes(0xc0..0xcc));
    let log = check_kat(
        0xcca8,
        &kb,
        0x0102030405060708,
        ContentType::APPLICATION_DATA,
        KAT_CHACHA,
        vec![],
    );
    assert_eq!(
        log.0[0],
        format!("aead_nonce seq={} {KAT_CHACHA_NONCE}", 0x0102030405060708u64)
    );
}

#[test]
fn aes256_cbc_sha384_known_answer() {
    let kb = symmetric_kb(range_bytes(0x60..0x90), range_bytes(0x90..0xb0), vec![]);
    let pt = b"pong pong pong";
    let mut w = protected(0xc028, &kb, Direction::ClientToServer);
    w.seq = 3;
    let mut out = Vec::new();
    let mut rng = ScriptedRng::new(vec![range_bytes(0xe0..0xf0)], SeededRng::new(1, 1));
    w.seal(
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLS12,
        pt,
        &mut out,
        &mut rng,
        &mut Hooks::none(),
    )
    .unwrap();
    assert_eq!(hex::encode(&out), KAT_CBC256);
    let mut r = protected(0xc028, &kb, Direction::ServerToClient);
    r.seq = 3;
    assert_eq!(open_hex(&mut r, &out, &mut Hooks::none()).unwrap(), pt);
}

// ---------------------------------------------------------------------------
// 3. Sequence numbers (RFC 5246 §6.1).
// ---------------------------------------------------------------------------

#[test]
fn record_sealed_at_seq_5_opens_only_at_seq_5() {
    for id in [0xc013, 0xc027, 0xc028, 0xc02f, 0xcca8] {
        let s = suite(id);
        let kb = symmetric_kb(
            vec![7; s.mac.len()],
            vec![9; s.enc_key_len()],
            vec![3; s.fixed_iv_len()],
        );
        let mut w = protected(id, &kb, Direction::ClientToServer);
        w.seq = 5;
        let mut rec = Vec::new();
        w.seal(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS12,
            b"five",
            &mut rec,
            &mut SeededRng::new(2, 0),
            &mut Hooks::none(),
        )
        .unwrap();
        for seq in [4, 6] {
            let mut r = protected(id, &kb, Direction::ServerToClient);
            r.seq = seq;
            let mut log = Log::default();
            let err = open_hex(&mut r, &rec, &mut Hooks::new(&mut log)).unwrap_err();
            assert_eq!(
                err,
                Error::Record(RecordError::BadRecordMac {
                    direction: Direction::ServerToClient,
                    seq,
                    content_type: ContentType::APPLICATION_DATA
                })
            );
            assert_eq!(r.seq, seq, "seq must not advance on failure");
            if s.is_aead() {
                assert!(
                    log.0.iter().any(|l| l.starts_with("aead_open_failed")),
                    "{:?}",
                    log.0
                );
            } else {
                assert!(
                    log.0
                        .iter()
                        .any(|l| l.starts_with(&format!("mac_compared seq={seq} equal=false"))),
                    "{:?}",
                    log.0
                );
                assert!(log
                    .0
                    .iter()
                    .any(|l| l.starts_with("cbc_padding") && l.contains("ok=true")));
            }
        }
        let mut r = protected(id, &kb, Direction::ServerToClient);
        r.seq = 5;
        assert_eq!(open_hex(&mut r, &rec, &mut Hooks::none()).unwrap(), b"five");
        assert_eq!(r.seq, 6);
    }
}

#[test]
fn change_protection_resets_seq() {
    let kb = illustrated_key_block();
    let mut s = RecordLayerState::new(Direction::ClientToServer);
    assert!(!s.is_protected());
    let mut out = Vec::new();
    s.seal(
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        b"hello",
        &mut out,
        &mut SeededRng::new(0, 0),
        &mut Hooks::none(),
    )
    .unwrap();
    assert_eq!(out, b"\x16\x03\x03\x00\x05hello");
    assert_eq!(s.seq, 1);
    s.change_protection(Protection::from_key_block(suite(0xc013), &kb, Direction::ClientToServer).unwrap());
    assert!(s.is_protected());
    assert_eq!(s.seq, 0);
}

// ---------------------------------------------------------------------------
// 4. Tampering: every single-bit flip is rejected, and the twins agree.
// ---------------------------------------------------------------------------

#[test]
fn every_bit_flip_is_rejected_and_twins_agree() {
    for id in [0xc013, 0xc028, 0xc02f, 0xcca8] {
        let s = suite(id);
        let kb = symmetric_kb(
            vec![0x5a; s.mac.len()],
            vec![0xa5; s.enc_key_len()],
            vec![1; s.fixed_iv_len()],
        );
        let mut w = protected(id, &kb, Direction::ClientToServer);
        let mut rec = Vec::new();
        w.seal(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS12,
            &[0x42; 33],
            &mut rec,
            &mut SeededRng::new(3, 0),
            &mut Hooks::none(),
        )
        .unwrap();
        // Header bytes 0..3 (type, version) enter the MAC/AAD; 3..5 (length) frame the record.
        for pos in (0..3).chain(RecordHeader::LEN..rec.len()) {
            for bit in [0x01u8, 0x80] {
                let mut bad = rec.clone();
                bad[pos] ^= bit;
                let mut r = protected(id, &kb, Direction::ServerToClient);
                let mut log = Log::default();
                let result = open_hex(&mut r, &bad, &mut Hooks::new(&mut log));
                assert!(
                    matches!(result, Err(Error::Record(RecordError::BadRecordMac { .. }))),
                    "suite {id:#06x} pos {pos} bit {bit:#x}"
                );
                if !s.is_aead() {
                    // The explaining twin, fed to the observer, must also say "reject".
                    let padding_ok = log
                        .0
                        .iter()
                        .any(|l| l.starts_with("cbc_padding") && l.contains("ok=true"));
                    let mac_ok = log.0.iter().any(|l| l.contains("equal=true"));
                    assert!(
                        !(padding_ok && mac_ok),
                        "explain accepted a flip at {pos}: {:?}",
                        log.0
                    );
                    assert!(log.0.iter().any(|l| l.starts_with("mac_compared")));
                }
            }
        }
        // And the untouched record opens, with both twins saying yes.
        let mut r = protected(id, &kb, Direction::ServerToClient);
        let mut log = Log::default();
        assert_eq!(
            open_hex(&mut r, &rec, &mut Hooks::new(&mut log)).unwrap(),
            [0x42; 33]
        );
        if !s.is_aead() {
            assert!(log.0.iter().any(|l| l.contains("equal=true")));
        }
    }
}

#[test]
fn malformed_protected_records_are_bad_record_mac() {
    for id in [0xc013, 0xc02f, 0xcca8] {
        let s = suite(id);
        let kb = symmetric_kb(
            vec![1; s.mac.len()],
            vec![2; s.enc_key_len()],
            vec![3; s.fixed_iv_len()],
        );
        for len in [0usize, 1, 8, 16, 23, 31, 33, 47, 63] {
            let mut r = protected(id, &kb, Direction::ServerToClient);
            let header = RecordHeader {
                content_type: ContentType::ALERT,
                version: ProtocolVersion::TLS12,
                length: len as u16,
            };
            let mut payload = vec![0u8; len];
            let err = r.open(&header, &mut payload, &mut Hooks::none()).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Record(RecordError::BadRecordMac {
                        seq: 0,
                        content_type: ContentType::ALERT,
                        ..
                    })
                ),
                "{id:#x} {len}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 5. Length limits (RFC 5246 §6.2.1, §6.2.3).
// ---------------------------------------------------------------------------

#[test]
fn overlong_plaintext_after_decryption_is_record_overflow() {
    // Seal MAX_PLAINTEXT + 1 bytes directly with the per-cipher sealers (the
    // public seal refuses), as a misbehaving peer could.
    let big = vec![0u8; MAX_PLAINTEXT + 1];
    for id in [0xc013, 0xc02f] {
        let s = suite(id);
        let kb = symmetric_kb(
            vec![1; s.mac.len()],
            vec![2; s.enc_key_len()],
            vec![3; s.fixed_iv_len()],
        );
        let mut payload = Vec::new();
        match Protection::from_key_block(s, &kb, Direction::ClientToServer).unwrap() {
            Protection::Cbc(mut c) => c.seal(
                0,
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLS12,
                &big,
                &mut payload,
                &mut SeededRng::new(0, 0),
                &mut Hooks::none(),
            ),
            Protection::Aead(a) => a
                .seal(
                    0,
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLS12,
                    &big,
                    &mut payload,
                    &mut Hooks::none(),
                )
                .unwrap(),
            Protection::Null | Protection::Ssl3(_) | Protection::Legacy(_) => {
                unreachable!("AES and AEAD suites only")
            }
        }
        let header = RecordHeader {
            content_type: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLS12,
            length: payload.len() as u16,
        };
        let mut r = protected(id, &kb, Direction::ServerToClient);
        assert_eq!(
            r.open(&header, &mut payload, &mut Hooks::none()),
            Err(Error::Record(RecordError::RecordOverflow {
                length: MAX_PLAINTEXT + 1,
                limit: MAX_PLAINTEXT
            }))
        );
    }
}

#[test]
fn null_protection_limits() {
    let mut r = RecordLayerState::new(Direction::ServerToClient);
    let header = RecordHeader {
        content_type: ContentType::HANDSHAKE,
        version: ProtocolVersion::TLS12,
        length: 0,
    };
    let mut payload = vec![0u8; MAX_PLAINTEXT];
    r.open(&header, &mut payload, &mut Hooks::none()).unwrap();
    assert_eq!(payload.len(), MAX_PLAINTEXT);
    let mut payload = vec![0u8; MAX_PLAINTEXT + 1];
    assert_eq!(
        r.open(&header, &mut payload, &mut Hooks::none()),
        Err(Error::Record(RecordError::RecordOverflow {
            length: MAX_PLAINTEXT + 1,
            limit: MAX_PLAINTEXT
        }))
    );
    let mut w = RecordLayerState::new(Direction::ClientToServer);
    let mut out = Vec::new();
    let big = vec![0u8; MAX_PLAINTEXT + 1];
    let err = w.seal(
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        &big,
        &mut out,
        &mut SeededRng::new(0, 0),
        &mut Hooks::none(),
    );
    assert!(matches!(err, Err(Error::Internal(_))));
    assert!(out.is_empty());
}

#[test]
fn key_block_of_wrong_shape_is_refused() {
    let kb = illustrated_key_block(); // AES-128 / SHA-1 lengths
    assert!(matches!(
        Protection::from_key_block(suite(0xc027), &kb, Direction::ClientToServer),
        Err(Error::Internal(_))
    ));
    assert!(matches!(
        Protection::from_key_block(suite(0xc02f), &kb, Direction::ClientToServer),
        Err(Error::Internal(_))
    ));
}

// ---------------------------------------------------------------------------
// 6. Deframer and handshake joiner.
// ---------------------------------------------------------------------------

fn three_records() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&[0x16, 3, 3, 0, 3, b'a', b'b', b'c']);
    v.extend_from_slice(&[0x14, 3, 3, 0, 1, 1]);
    v.extend_from_slice(&[0x17, 3, 3, 0, 0]);
    v
}

fn drain(d: &mut Deframer) -> Vec<(RecordHeader, Vec<u8>)> {
    let mut got = Vec::new();
    let mut payload = Vec::new();
    while let Some(h) = d.next_record(&mut payload).unwrap() {
        got.push((h, payload.clone()));
    }
    got
}

#[test]
fn deframer_many_records_in_one_push() {
    let mut d = Deframer::new();
    d.push(&three_records());
    let got = drain(&mut d);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].0.content_type, ContentType::HANDSHAKE);
    assert_eq!(got[0].1, b"abc");
    assert_eq!(got[1].0.content_type, ContentType::CHANGE_CIPHER_SPEC);
    assert_eq!(got[1].1, [1]);
    assert_eq!(got[2].0.length, 0);
    assert!(got[2].1.is_empty());
    assert_eq!(d.buffered(), 0);
}

#[test]
fn deframer_split_at_every_byte_boundary() {
    let all = three_records();
    let mut expect = Deframer::new();
    expect.push(&all);
    let expect = drain(&mut expect);
    for cut in 0..=all.len() {
        let mut d = Deframer::new();
        d.push(&all[..cut]);
        let mut got = drain(&mut d);
        d.push(&all[cut..]);
        got.extend(drain(&mut d));
        assert_eq!(got, expect, "cut at {cut}");
        assert_eq!(d.buffered(), 0);
    }
    // And one byte at a time.
    let mut d = Deframer::new();
    let mut got = Vec::new();
    for b in &all {
        d.push(std::slice::from_ref(b));
        got.extend(drain(&mut d));
    }
    assert_eq!(got, expect);
}

#[test]
fn deframer_rejects_oversized_header_before_body() {
    let mut d = Deframer::new();
    let mut payload = Vec::new();
    let len = (MAX_CIPHERTEXT + 1) as u16;
    d.push(&[0x17, 3, 3]);
    assert_eq!(d.next_record(&mut payload), Ok(None));
    d.push(&len.to_be_bytes());
    assert_eq!(
        d.next_record(&mut payload),
        Err(Error::Record(RecordError::RecordOverflow {
            length: MAX_CIPHERTEXT + 1,
            limit: MAX_CIPHERTEXT
        }))
    );
    // Exactly the limit is fine (and waits for the body).
    let mut d = Deframer::new();
    d.push(&[0x17, 3, 3]);
    d.push(&(MAX_CIPHERTEXT as u16).to_be_bytes());
    assert_eq!(d.next_record(&mut payload), Ok(None));
    assert_eq!(d.buffered(), 5);
}

fn hs(typ: u8, body: &[u8]) -> Vec<u8> {
    let l = body.len();
    let mut m = vec![typ, (l >> 16) as u8, (l >> 8) as u8, l as u8];
    m.extend_from_slice(body);
    m
}

#[test]
fn joiner_message_across_three_fragments() {
    let msg = hs(11, &[7u8; 300]);
    let mut j = HandshakeJoiner::new();
    assert!(j.is_empty());
    j.push(&msg[..2]); // not even the header
    assert_eq!(j.next_message(), Ok(None));
    assert!(!j.is_empty());
    j.push(&msg[2..150]);
    assert_eq!(j.next_message(), Ok(None));
    j.push(&msg[150..]);
    assert_eq!(j.next_message(), Ok(Some(msg)));
    assert_eq!(j.next_message(), Ok(None));
    assert!(j.is_empty());
}

#[test]
fn joiner_three_messages_in_one_fragment() {
    let (a, b, c) = (hs(2, b"server hello"), hs(11, b"cert"), hs(14, b""));
    let mut j = HandshakeJoiner::new();
    j.push(&[a.clone(), b.clone(), c.clone()].concat());
    assert_eq!(j.next_message(), Ok(Some(a)));
    assert_eq!(j.next_message(), Ok(Some(b)));
    assert!(!j.is_empty());
    assert_eq!(j.next_message(), Ok(Some(c)));
    assert_eq!(j.next_message(), Ok(None));
    assert!(j.is_empty());
}

#[test]
fn joiner_truncated_leftover_and_length_cap() {
    let (a, b) = (hs(2, b"whole"), hs(20, &[1; 12]));
    let mut j = HandshakeJoiner::new();
    j.push(&[&a[..], &b[..10]].concat());
    assert_eq!(j.next_message(), Ok(Some(a)));
    assert_eq!(j.next_message(), Ok(None));
    assert!(
        !j.is_empty(),
        "a partial Finished is pending: a CCS now must be refused"
    );
    j.push(&b[10..]);
    assert_eq!(j.next_message(), Ok(Some(b)));

    let mut j = HandshakeJoiner::new();
    let too_long = MAX_HANDSHAKE_MESSAGE + 1;
    j.push(&[11, (too_long >> 16) as u8, (too_long >> 8) as u8, too_long as u8]);
    assert!(matches!(j.next_message(), Err(Error::Decode(_))));
}

// ---------------------------------------------------------------------------
// 7. Encrypt-then-MAC (RFC 7366). Known answers built with Python's
//    `cryptography` 48.0.0 and the standard library's hmac, by this script
//    (`python3 kat_etm.py`):
//
//    import struct, hmac, hashlib
//    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
//    def etm(mk, ek, iv, seq, typ, body, h):
//        e = Cipher(algorithms.AES(ek), modes.CBC(iv)).encryptor()
//        ivct = iv + e.update(body) + e.finalize()
//        mac = hmac.new(mk, struct.pack(">QBHH", seq, typ, 0x0303, len(ivct)) + ivct, h).digest()
//        payload = ivct + mac
//        return struct.pack(">BHH", typ, 0x0303, len(payload)) + payload
//    def pad(pt):
//        n = 15 - len(pt) % 16
//        return pt + bytes([n]) * (n + 1)
//    pt = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
//    print("etm_sha1", etm(bytes(range(0x10, 0x24)), bytes(range(0x30, 0x40)), bytes(range(0x50, 0x60)), 1, 23, pad(pt), hashlib.sha1).hex())
//    print("etm_sha384", etm(bytes(range(0x60, 0x90)), bytes(range(0x90, 0xb0)), bytes(range(0xe0, 0xf0)), 3, 23, pad(b"pong pong pong"), hashlib.sha384).hex())
//    bad = b"abc" + b"\x0c" * 12 + b"\x0b"
//    print("etm_bad_padding", etm(bytes(range(0x10, 0x24)), bytes(range(0x30, 0x40)), bytes(range(0x50, 0x60)), 0, 23, bad, hashlib.sha1).hex())
// ---------------------------------------------------------------------------

const KAT_ETM_SHA1: &str = "1703030054505152535455565758595a5b5c5d5e5fc4fed682fdec9da4a0482489b0adb344c0d563cb1259f25236c3982d4ae77271d38c9ccd5c075e8f2e93cb66f85e72ce2c9eaea72c6c105ff892317295b8a749b10c00d9";
const KAT_ETM_SHA384: &str = "1703030050e0e1e2e3e4e5e6e7e8e9eaebecedeeef65c2b9a989b12b04a991b0717c8b18ca502fafb5c770da09dc800156ccdf06e6e2aa76cc5df6f40be5b1c6d76674b3c43835ea4f2cb01712d2334e7610df46d9";
const KAT_ETM_BAD_PADDING: &str = "1703030034505152535455565758595a5b5c5d5e5f28fa3b6322e5905d9e6acfe24d4e11e2370ab4805b239f05820deed8b99774dfef9e280e";

const ETM: RecordOptions = RecordOptions {
    encrypt_then_mac: true,
    chained_iv: false,
};

fn protected_etm(id: u16, kb: &KeyBlock, direction: Direction) -> RecordLayerState {
    let mut s = RecordLayerState::new(direction);
    s.change_protection(Protection::from_key_block_with(suite(id), kb, direction, ETM).unwrap());
    s
}

fn etm_sha1_kb() -> KeyBlock {
    symmetric_kb(range_bytes(0x10..0x24), range_bytes(0x30..0x40), vec![])
}

/// Seals `pt` at `seq` with the scripted IV, compares with `expected`, opens it again.
fn check_etm_kat(id: u16, kb: &KeyBlock, seq: u64, pt: &[u8], iv: Vec<u8>, expected: &str) -> Log {
    let mut w = protected_etm(id, kb, Direction::ClientToServer);
    w.seq = seq;
    let mut out = Vec::new();
    let mut log = Log::default();
    let mut rng = ScriptedRng::new(vec![iv], SeededRng::new(1, 1));
    w.seal(
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLS12,
        pt,
        &mut out,
        &mut rng,
        &mut Hooks::new(&mut log),
    )
    .unwrap();
    assert_eq!(hex::encode(&out), expected, "suite {id:#06x}");
    let mut r = protected_etm(id, kb, Direction::ServerToClient);
    r.seq = seq;
    assert_eq!(open_hex(&mut r, &out, &mut Hooks::new(&mut log)).unwrap(), pt);
    assert_eq!(r.seq, seq + 1);
    log
}

#[test]
fn etm_aes128_cbc_sha1_known_answer() {
    let log = check_etm_kat(
        0xc013,
        &etm_sha1_kb(),
        1,
        KAT_PT,
        range_bytes(0x50..0x60),
        KAT_ETM_SHA1,
    );
    let record = hex::decode(KAT_ETM_SHA1).unwrap();
    // The MAC input: seq 1, type 23, version 0303, length 0x40 = IV(16) +
    // ciphertext(48), the length of what is MACed, not of the plaintext.
    let mac = hex::encode(&record[record.len() - 20..]);
    let expect_input = format!("mac_input seq=1 00000000000000011703030040 {mac}");
    assert_eq!(log.0[0], expect_input, "{:?}", log.0);
    assert!(log.0[1].starts_with("record_out"));
    // Opening: MAC events first (on the ciphertext), then the padding.
    let open: Vec<&str> = log.0[2..].iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(open, ["record_in", "mac_input", "mac_compared", "cbc_padding"]);
    assert_eq!(log.0[3], expect_input);
    assert_eq!(log.0[4], format!("mac_compared seq=1 equal=true {mac} {mac}"));
    // 37 bytes of plaintext + 10 padding bytes + the length byte = 48.
    assert_eq!(log.0[5], "cbc_padding len=10 ok=true bad=None");
}

#[test]
fn etm_aes256_cbc_sha384_known_answer() {
    let kb = symmetric_kb(range_bytes(0x60..0x90), range_bytes(0x90..0xb0), vec![]);
    check_etm_kat(
        0xc028,
        &kb,
        3,
        b"pong pong pong",
        range_bytes(0xe0..0xf0),
        KAT_ETM_SHA384,
    );
}

#[test]
fn etm_and_mte_records_do_not_open_as_each_other() {
    let kb = etm_sha1_kb();
    let etm = hex::decode(KAT_ETM_SHA1).unwrap();
    let mut mte_reader = protected(0xc013, &kb, Direction::ServerToClient);
    mte_reader.seq = 1;
    assert!(matches!(
        open_hex(&mut mte_reader, &etm, &mut Hooks::none()),
        Err(Error::Record(RecordError::BadRecordMac { .. }))
    ));
    // And a MAC-then-encrypt record of the same plaintext under the same keys.
    let mut w = protected(0xc013, &kb, Direction::ClientToServer);
    let mut mte = Vec::new();
    w.seal(
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLS12,
        KAT_PT,
        &mut mte,
        &mut SeededRng::new(4, 0),
        &mut Hooks::none(),
    )
    .unwrap();
    let mut etm_reader = protected_etm(0xc013, &kb, Direction::ServerToClient);
    assert!(open_hex(&mut etm_reader, &mte, &mut Hooks::none()).is_err());
    // from_key_block is still MAC-then-encrypt; AEAD suites ignore the option.
    match Protection::from_key_block(suite(0xc013), &kb, Direction::ServerToClient).unwrap() {
        Protection::Cbc(c) => assert!(!c.encrypt_then_mac()),
        other => panic!("{other:?}"),
    }
    let gcm = symmetric_kb(vec![], range_bytes(0..16), vec![1; 4]);
    assert!(matches!(
        Protection::from_key_block_with(suite(0xc02f), &gcm, Direction::ServerToClient, ETM).unwrap(),
        Protection::Aead(_)
    ));
}

/// A record whose MAC is right but whose padding is not (built by the
/// script above): rejected, and the events show the MAC passed and where
/// the padding broke.
#[test]
fn etm_good_mac_bad_padding_is_rejected_after_decryption() {
    let mut r = protected_etm(0xc013, &etm_sha1_kb(), Direction::ServerToClient);
    let mut log = Log::default();
    let err = open_hex(
        &mut r,
        &hex::decode(KAT_ETM_BAD_PADDING).unwrap(),
        &mut Hooks::new(&mut log),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::Record(RecordError::BadRecordMac { seq: 0, .. })
    ));
    assert!(
        log.0
            .iter()
            .any(|l| l.starts_with("mac_compared seq=0 equal=true")),
        "{:?}",
        log.0
    );
    assert!(
        log.0
            .contains(&"cbc_padding len=11 ok=false bad=Some(0)".to_string()),
        "{:?}",
        log.0
    );
}

#[test]
fn etm_every_bit_flip_is_rejected_before_decryption() {
    for id in [0xc013, 0xc027, 0xc028] {
        let s = suite(id);
        let kb = symmetric_kb(vec![0x5a; s.mac.len()], vec![0xa5; s.enc_key_len()], vec![]);
        let mut w = protected_etm(id, &kb, Direction::ClientToServer);
        let mut rec = Vec::new();
        w.seal(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS12,
            &[0x42; 33],
            &mut rec,
            &mut SeededRng::new(3, 0),
            &mut Hooks::none(),
        )
        .unwrap();
        // IV(16) + 3 blocks (33 + 15 padding) + MAC.
        assert_eq!(rec.len(), RecordHeader::LEN + 16 + 48 + s.mac.len());
        for pos in (0..3).chain(RecordHeader::LEN..rec.len()) {
            for bit in [0x01u8, 0x80] {
                let mut bad = rec.clone();
                bad[pos] ^= bit;
                let mut r = protected_etm(id, &kb, Direction::ServerToClient);
                let mut log = Log::default();
                let result = open_hex(&mut r, &bad, &mut Hooks::new(&mut log));
                assert!(
                    matches!(result, Err(Error::Record(RecordError::BadRecordMac { .. }))),
                    "suite {id:#06x} pos {pos} bit {bit:#x}"
                );
                // The explaining twin saw a MAC mismatch, and the padding was
                // never looked at: the record was not decrypted.
                assert!(
                    log.0
                        .iter()
                        .any(|l| l.starts_with("mac_compared seq=0 equal=false")),
                    "{:?}",
                    log.0
                );
                assert!(!log.0.iter().any(|l| l.starts_with("cbc_padding")), "{:?}", log.0);
            }
        }
        let mut r = protected_etm(id, &kb, Direction::ServerToClient);
        assert_eq!(open_hex(&mut r, &rec, &mut Hooks::none()).unwrap(), [0x42; 33]);
        // Truncated or misaligned records: refused on length alone.
        for cut in [1, 16, s.mac.len()] {
            let mut short = rec[..rec.len() - cut].to_vec();
            let l = (short.len() - RecordHeader::LEN) as u16;
            short[3..5].copy_from_slice(&l.to_be_bytes());
            let mut r = protected_etm(id, &kb, Direction::ServerToClient);
            assert!(open_hex(&mut r, &short, &mut Hooks::none()).is_err(), "cut {cut}");
        }
    }
}

#[test]
fn etm_round_trips_every_plaintext_length_around_block_boundaries() {
    let kb = etm_sha1_kb();
    for len in (0..=48).chain([MAX_PLAINTEXT - 1, MAX_PLAINTEXT]) {
        let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut w = protected_etm(0xc013, &kb, Direction::ClientToServer);
        let mut rec = Vec::new();
        w.seal(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS12,
            &pt,
            &mut rec,
            &mut SeededRng::new(len as u64, 0),
            &mut Hooks::none(),
        )
        .unwrap();
        assert_eq!((rec.len() - RecordHeader::LEN - 20) % 16, 0);
        let mut r = protected_etm(0xc013, &kb, Direction::ServerToClient);
        assert_eq!(
            open_hex(&mut r, &rec, &mut Hooks::none()).unwrap(),
            pt,
            "len {len}"
        );
    }
}

// TLS 1.0's implicit IV chain (RFC 2246 §6.2.3.2). Known answers built with
// Python's `cryptography` 48.0.0, `python3 kat_tls10.py`:
//
//    import hmac, hashlib, struct
//    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
//    key, mk, iv = bytes([9]*16), bytes([7]*20), bytes([3]*16)
//    for seq, pt in enumerate([b"hello", b"", b"0123456789abcdef0123456789abcdef!"]):
//        mac = hmac.new(mk, struct.pack(">QBHH", seq, 23, 0x0301, len(pt)) + pt, hashlib.sha1).digest()
//        body = pt + mac
//        pad = 15 - len(body) % 16
//        body += bytes([pad] * (pad + 1))
//        e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
//        ct = e.update(body) + e.finalize()
//        print(struct.pack(">BHH", 23, 0x0301, len(ct)).hex() + ct.hex())
//        iv = ct[-16:]
const KAT_TLS10_CHAIN: [&str; 3] = [
    "17030100209c1402443d0b40ecad3b538592326a585ade5c3f56bf06df1802a5a0d4e559ed",
    "1703010020bf97420a9541c835cebb27dd38e4842a031d3ed129d6b708eff261a6b26b04ba",
    "1703010040006a9b2514b304f22f1dc68d8912e5e94fdadbcef65bd7b3c2e7d249620299b57fdea10610ee73b66aecbace4fdba98d0620abcab2fde80273222ecf05f04404",
];
const KAT_TLS10_PLAINTEXTS: [&[u8]; 3] = [b"hello", b"", b"0123456789abcdef0123456789abcdef!"];

/// TLS 1.0 draws no IV: an rng that fails the test if asked.
struct NoIvRng;

impl crate::rng::Rng for NoIvRng {
    fn fill(&mut self, _: &mut [u8]) {
        panic!("TLS 1.0 CBC must not draw an IV");
    }
}

fn tls10_key_block() -> KeyBlock {
    KeyBlock {
        client_write_mac_key: vec![7u8; 20].into(),
        server_write_mac_key: vec![7u8; 20].into(),
        client_write_key: vec![9u8; 16].into(),
        server_write_key: vec![9u8; 16].into(),
        client_write_iv: vec![3u8; 16].into(),
        server_write_iv: vec![3u8; 16].into(),
    }
}

fn tls10_state(direction: Direction) -> RecordLayerState {
    let options = RecordOptions::for_version(ProtocolVersion::TLS10, false);
    assert!(options.chained_iv);
    let mut s = RecordLayerState::new(direction);
    s.change_protection(
        Protection::from_key_block_with(suite(0x002f), &tls10_key_block(), direction, options).unwrap(),
    );
    s
}

/// Sealing three records under TLS 1.0 gives the records Python built: no
/// IV on the wire, the first under client_write_IV, each later one under
/// the previous record's last ciphertext block. The rng is never asked
/// for an IV.
#[test]
fn tls10_seal_chains_the_iv() {
    let mut s = tls10_state(Direction::ClientToServer);
    let mut rng = NoIvRng;
    let mut log = Log::default();
    for (pt, kat) in KAT_TLS10_PLAINTEXTS.iter().zip(KAT_TLS10_CHAIN) {
        let mut out = vec![];
        s.seal(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS10,
            pt,
            &mut out,
            &mut rng,
            &mut Hooks::new(&mut log),
        )
        .unwrap();
        assert_eq!(hex::encode(&out), kat);
    }
}

/// Opening the same records in order gives the plaintexts back and reports
/// the chain: each record's IV and the next one, which is the record's last
/// ciphertext block.
#[test]
fn tls10_open_follows_the_chain_and_reports_it() {
    let mut s = tls10_state(Direction::ServerToClient);
    let mut rec = crate::observer::Recorder::new();
    let mut prev_last = vec![3u8; 16];
    for (pt, kat) in KAT_TLS10_PLAINTEXTS.iter().zip(KAT_TLS10_CHAIN) {
        let wire = hex::decode(kat).unwrap();
        let header = RecordHeader::decode(wire[..5].try_into().unwrap());
        let mut payload = wire[5..].to_vec();
        s.open(&header, &mut payload, &mut Hooks::new(&mut rec)).unwrap();
        assert_eq!(payload, *pt);
        let chain: Vec<_> = rec
            .events
            .iter()
            .filter_map(|e| match e {
                crate::observer::OwnedEvent::CbcIvChain { iv, next_iv, .. } => {
                    Some((iv.0.clone(), next_iv.0.clone()))
                }
                _ => None,
            })
            .collect();
        let (iv, next) = chain.last().unwrap();
        assert_eq!(*iv, prev_last);
        assert_eq!(next[..], wire[wire.len() - 16..]);
        prev_last = next.clone();
    }
}

/// Out of order, the chain breaks: the second record opened first fails
/// (its IV would have been the first record's last block), with
/// bad_record_mac like every record failure.
#[test]
fn tls10_record_out_of_chain_fails() {
    let mut s = tls10_state(Direction::ServerToClient);
    let wire = hex::decode(KAT_TLS10_CHAIN[2]).unwrap();
    let header = RecordHeader::decode(wire[..5].try_into().unwrap());
    let mut payload = wire[5..].to_vec();
    // seq 0 and the key block's IV, where the record was made with seq 2 and
    // the second record's last block: MAC and first block both wrong.
    let e = s.open(&header, &mut payload, &mut Hooks::none()).unwrap_err();
    assert!(
        matches!(e, Error::Record(RecordError::BadRecordMac { .. })),
        "{e:?}"
    );
}

/// TLS 1.0 with encrypt_then_mac (RFC 7366 §3): there is no IV on the wire,
/// so the MAC covers the ciphertext alone; a record sealed by one side opens
/// on the other, three times in a row (the chain advances on both sides).
#[test]
fn tls10_encrypt_then_mac_round_trip() {
    let options = RecordOptions::for_version(ProtocolVersion::TLS10, true);
    let kb = tls10_key_block();
    let mut w = RecordLayerState::new(Direction::ClientToServer);
    w.change_protection(
        Protection::from_key_block_with(suite(0x002f), &kb, Direction::ClientToServer, options).unwrap(),
    );
    // The reader uses the server_* keys, which are the same bytes here.
    let mut r = RecordLayerState::new(Direction::ServerToClient);
    r.change_protection(
        Protection::from_key_block_with(suite(0x002f), &kb, Direction::ServerToClient, options).unwrap(),
    );
    let mut rng = NoIvRng;
    for pt in KAT_TLS10_PLAINTEXTS {
        let mut out = vec![];
        w.seal(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS10,
            pt,
            &mut out,
            &mut rng,
            &mut Hooks::none(),
        )
        .unwrap();
        // ciphertext (whole blocks) ‖ 20-byte MAC, no IV.
        assert_eq!((out.len() - 5 - 20) % 16, 0);
        assert_eq!(out.len() - 5 - 20, (pt.len() + 1).div_ceil(16) * 16);
        // The MAC covers seq ‖ type ‖ version ‖ length ‖ ciphertext.
        let ct = &out[5..out.len() - 20];
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &[7u8; 20]);
        let ph = pseudo_header(
            w.seq - 1,
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS10,
            ct.len(),
        );
        let mac = ring::hmac::sign(&key, &[&ph[..], ct].concat());
        assert_eq!(&out[out.len() - 20..], mac.as_ref());
        let header = RecordHeader::decode(out[..5].try_into().unwrap());
        let mut payload = out[5..].to_vec();
        r.open(&header, &mut payload, &mut Hooks::none()).unwrap();
        assert_eq!(payload, pt);
    }
}
