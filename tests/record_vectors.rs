//! The record layer against record-protection vectors computed by an
//! independent implementation (vectors/record-protection: Python
//! `cryptography`, and for CBC the published records of The Illustrated TLS
//! 1.2 Connection, each recomputed by `cryptography`; see make.py there).
//!
//! Sealing the plaintext with the vector's seq_num (and, for CBC, its explicit
//! IV) must give the record byte for byte; opening the record must give the
//! plaintext back; one flipped bit must be `bad_record_mac`.

use serde_json::Value;
use tlslab::crypto::suites::{BulkCipher, MacAlgorithm};
use tlslab::internal::record::{AeadState, CbcState, Protection, RecordLayerState};
use tlslab::observer::{Hooks, OwnedEvent, Recorder};
use tlslab::rng::{OsRng, ScriptedRng};
use tlslab::wire::{AlertDescription, ContentType, Direction, ProtocolVersion, RecordHeader};

fn load(text: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn hex(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("{key} missing"))).unwrap()
}

fn cipher(name: &str) -> BulkCipher {
    match name {
        "AES_128_CBC" => BulkCipher::Aes128Cbc,
        "AES_256_CBC" => BulkCipher::Aes256Cbc,
        "AES_128_GCM" => BulkCipher::Aes128Gcm,
        "AES_256_GCM" => BulkCipher::Aes256Gcm,
        "CHACHA20_POLY1305" => BulkCipher::Chacha20Poly1305,
        other => panic!("unknown cipher {other}"),
    }
}

fn protection(v: &Value) -> Protection {
    let name = v["cipher"].as_str().unwrap();
    // The direction only names which keys an observer sees; the vectors'
    // keys are used as given.
    let dir = Direction::ServerToClient;
    if name.ends_with("CBC") {
        let mac = match v["mac"].as_str().unwrap() {
            "HMAC_SHA1" => MacAlgorithm::HmacSha1,
            "HMAC_SHA256" => MacAlgorithm::HmacSha256,
            "HMAC_SHA384" => MacAlgorithm::HmacSha384,
            other => panic!("unknown MAC {other}"),
        };
        Protection::Cbc(
            CbcState::new(dir, cipher(name), mac, &hex(v, "mac_key"), &hex(v, "enc_key")).unwrap(),
        )
    } else {
        Protection::Aead(AeadState::new(dir, cipher(name), &hex(v, "key"), &hex(v, "fixed_iv")).unwrap())
    }
}

fn state(v: &Value) -> RecordLayerState {
    let mut s = RecordLayerState::new(Direction::ServerToClient);
    s.change_protection(protection(v));
    s.seq = v["seq"].as_u64().unwrap();
    s
}

fn check(v: &Value) {
    let name = v["name"].as_str().unwrap();
    let typ = ContentType(v["content_type"].as_u64().unwrap() as u8);
    let plaintext = hex(v, "plaintext");
    let record = hex(v, "record");

    // seal: the only randomness is CBC's explicit IV, taken from the vector.
    let iv = v.get("explicit_iv").map(|_| hex(v, "explicit_iv"));
    let mut rng = ScriptedRng::new(iv.into_iter().collect(), OsRng::new());
    let mut out = vec![];
    let mut recorder = Recorder::new();
    state(v)
        .seal(
            typ,
            ProtocolVersion::TLS12,
            &plaintext,
            &mut out,
            &mut rng,
            &mut Hooks::new(&mut recorder),
        )
        .unwrap();
    assert_eq!(hex::encode(&out), hex::encode(&record), "seal: {name}");
    // The nonce and additional data the observer is shown are the vector's.
    if v.get("nonce").is_some() {
        let Some(OwnedEvent::AeadNonce(n)) = recorder.find("aead_nonce") else {
            panic!("no aead_nonce")
        };
        assert_eq!(
            hex::encode(&*n.nonce),
            hex::encode(hex(v, "nonce")),
            "nonce: {name}"
        );
        let Some(OwnedEvent::AeadAad { aad, .. }) = recorder.find("aead_aad") else {
            panic!("no aead_aad")
        };
        assert_eq!(
            hex::encode(&**aad),
            hex::encode(hex(v, "additional_data")),
            "aad: {name}"
        );
    }

    // open.
    let header = RecordHeader::decode(record[..5].try_into().unwrap());
    let mut payload = record[5..].to_vec();
    let mut s = state(v);
    s.open(&header, &mut payload, &mut Hooks::none()).unwrap();
    assert_eq!(hex::encode(&payload), hex::encode(&plaintext), "open: {name}");
    assert_eq!(s.seq, v["seq"].as_u64().unwrap() + 1);

    // One bit flipped in the last byte (tag, or CBC padding block): rejected.
    let mut payload = record[5..].to_vec();
    *payload.last_mut().unwrap() ^= 0x80;
    let err = state(v)
        .open(&header, &mut payload, &mut Hooks::none())
        .unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC), "{name}");
}

#[test]
fn cbc_mac_then_encrypt_records() {
    let vectors = load(include_str!("../vectors/record-protection/cbc.json"));
    assert!(vectors.len() >= 10);
    assert!(
        vectors
            .iter()
            .filter(|v| v["name"].as_str().unwrap().starts_with("illustrated"))
            .count()
            == 5
    );
    vectors.iter().for_each(check);
}

#[test]
fn aes_gcm_records() {
    let vectors = load(include_str!("../vectors/record-protection/gcm.json"));
    assert!(vectors.len() >= 10);
    for v in &vectors {
        // RFC 5288 §3: the nonce is salt ‖ nonce_explicit, and we send seq_num.
        assert_eq!(hex(v, "nonce_explicit"), v["seq"].as_u64().unwrap().to_be_bytes());
        check(v);
    }
}

#[test]
fn chacha20_poly1305_records() {
    let vectors = load(include_str!("../vectors/record-protection/chacha20.json"));
    assert!(vectors.len() >= 5);
    vectors.iter().for_each(check);
}
