use super::*;
use crate::record::Plaintext;
use crate::rng::SeededRng;

fn header(version: ProtocolVersion, len: usize) -> RecordHeader {
    RecordHeader {
        content_type: ContentType::APPLICATION_DATA,
        version,
        length: len as u16,
    }
}

fn tls10() -> RecordOptions {
    RecordOptions::for_version(ProtocolVersion::TLS10, false)
}

fn tls11() -> RecordOptions {
    RecordOptions::for_version(ProtocolVersion::TLS11, false)
}

fn state(
    cipher: BulkCipher,
    mac: MacAlgorithm,
    ssl3: bool,
    key: &[u8],
    iv: &[u8],
    options: RecordOptions,
) -> LegacyState {
    let mac_key = vec![0x11; mac.len()];
    LegacyState::new(
        Direction::ClientToServer,
        cipher,
        mac,
        ssl3,
        WriteKeys {
            mac_write_secret: &mac_key,
            write_key: key,
            write_iv: iv,
        },
        options,
    )
    .unwrap()
}

/// A TLS 1.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA record sealed by Python's
/// `cryptography` 48.0 (TripleDES in CBC mode, `hmac` with SHA-1 over
/// seq_num ‖ type ‖ version ‖ length ‖ content, padding bytes equal to
/// padding_length): MAC key 0x11 × 20, key 01..18, IV 0x22 × 8, seq_num 0.
#[test]
fn a_3des_record_sealed_by_python_cryptography_opens() {
    let key: Vec<u8> = (1..=24).collect();
    let wire =
        hex::decode("db37ad3ef4476d6434fa527f21e6319b7f0341c5a1a2f3e8dcd9a831511fb4cbc8136005a66b478e")
            .unwrap();
    let mut s = state(
        BulkCipher::TripleDesEdeCbc,
        MacAlgorithm::HmacSha1,
        false,
        &key,
        &[0x22; 8],
        tls10(),
    );
    let mut p = wire.clone();
    assert!(s.open(
        0,
        &header(ProtocolVersion::TLS10, p.len()),
        &mut p,
        &mut Hooks::none()
    ));
    assert_eq!(p, b"GET / HTTP/1.0\r\n\r\n");
    // Sealing the same content under the same IV gives the same bytes.
    let mut t = state(
        BulkCipher::TripleDesEdeCbc,
        MacAlgorithm::HmacSha1,
        false,
        &key,
        &[0x22; 8],
        tls10(),
    );
    let mut out = vec![];
    t.seal(
        0,
        Plaintext {
            typ: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLS10,
            fragment: b"GET / HTTP/1.0\r\n\r\n",
        },
        &mut out,
        &mut SeededRng::new(0, 0),
        &mut Hooks::none(),
    );
    assert_eq!(out, wire);
    // The next IV is the record's last 8 bytes.
    assert_eq!(s.chain, Some(wire[wire.len() - 8..].try_into().unwrap()));
}

/// Two TLS 1.0 TLS_RSA_WITH_RC4_128_MD5 records sealed by Python's
/// `cryptography` 48.0 (ARC4, one key stream across both records; HMAC-MD5):
/// MAC key 0x33 × 16, key 40..4f. The second only opens where the first
/// left the key stream.
#[test]
fn rc4_md5_records_sealed_by_python_cryptography_open_in_order() {
    let key: Vec<u8> = (0x40..0x50).collect();
    let records = [
        (
            b"first record".as_slice(),
            "08c0558780124b3ff8da3d3c6328228e2336fc4b877f8ad62548c82e",
        ),
        (
            b"second record",
            "98d447f3b4e6e686ed26ea8a90b82c2b776d8e504015f9d3b5e2fc066c",
        ),
    ];
    let new = || {
        LegacyState::new(
            Direction::ClientToServer,
            BulkCipher::Rc4_128,
            MacAlgorithm::HmacMd5,
            false,
            WriteKeys {
                mac_write_secret: &[0x33; 16],
                write_key: &key,
                write_iv: &[],
            },
            tls10(),
        )
        .unwrap()
    };
    let mut s = new();
    for (seq, (text, wire)) in records.iter().enumerate() {
        let mut p = hex::decode(wire).unwrap();
        assert!(s.open(
            seq as u64,
            &header(ProtocolVersion::TLS10, p.len()),
            &mut p,
            &mut Hooks::none()
        ));
        assert_eq!(&p, text);
    }
    assert_eq!(s.stream_position(), 28 + 29);
    // The second record from a fresh key stream fails; skipped to 28 bytes, it opens.
    let mut p = hex::decode(records[1].1).unwrap();
    assert!(!new().open(
        1,
        &header(ProtocolVersion::TLS10, p.len()),
        &mut p,
        &mut Hooks::none()
    ));
    let mut skipped = new();
    skipped.skip_key_stream(28);
    let mut p = hex::decode(records[1].1).unwrap();
    assert!(skipped.open(
        1,
        &header(ProtocolVersion::TLS10, p.len()),
        &mut p,
        &mut Hooks::none()
    ));
    assert_eq!(p, records[1].0);
}

/// RC4 is malleable bit for bit: a flipped ciphertext bit flips the same
/// plaintext bit, nothing else changes, and only the MAC catches it.
#[test]
fn a_flipped_rc4_bit_flips_one_plaintext_bit_and_fails_the_mac() {
    let key = [7u8; 16];
    let mut tx = state(
        BulkCipher::Rc4_128,
        MacAlgorithm::HmacSha1,
        false,
        &key,
        &[],
        tls10(),
    );
    let mut out = vec![];
    let text = b"pay 100 to alice";
    tx.seal(
        0,
        Plaintext {
            typ: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLS10,
            fragment: text,
        },
        &mut out,
        &mut SeededRng::new(0, 0),
        &mut Hooks::none(),
    );
    out[4] ^= 0x01;
    let mut rx = state(
        BulkCipher::Rc4_128,
        MacAlgorithm::HmacSha1,
        false,
        &key,
        &[],
        tls10(),
    );
    let mut p = out.clone();
    assert!(!rx.open(
        0,
        &header(ProtocolVersion::TLS10, p.len()),
        &mut p,
        &mut Hooks::none()
    ));
    let mut expected = text.to_vec();
    expected[4] ^= 0x01;
    assert_eq!(p, expected, "exactly one plaintext bit differs");
}

/// Round trips: 3DES and DES under TLS 1.1 (explicit IV) and SSL 3.0
/// (chained, SSL 3.0 MAC), NULL with SHA-1; a record from the wrong
/// position of the chain fails.
#[test]
fn block_and_null_round_trips() {
    for (cipher, key_len, ssl3, options) in [
        (BulkCipher::TripleDesEdeCbc, 24, false, tls11()),
        (BulkCipher::DesCbc, 8, false, tls11()),
        (BulkCipher::TripleDesEdeCbc, 24, true, RecordOptions::default()),
        (BulkCipher::TripleDesEdeCbc, 24, false, tls10()),
        (BulkCipher::Null, 0, false, tls10()),
        (BulkCipher::Rc4_128, 16, true, RecordOptions::default()),
    ] {
        let key = vec![0x5a; key_len];
        let iv = [9u8; 8];
        let version = if ssl3 {
            ProtocolVersion::SSL3
        } else {
            ProtocolVersion::TLS10
        };
        let mut tx = state(cipher, MacAlgorithm::HmacSha1, ssl3, &key, &iv, options);
        let mut rx = state(cipher, MacAlgorithm::HmacSha1, ssl3, &key, &iv, options);
        let mut rng = SeededRng::new(1, 2);
        let mut sealed = vec![];
        for (seq, text) in [&b"one"[..], b"two, a little longer than a block", b""]
            .iter()
            .enumerate()
        {
            let mut out = vec![];
            tx.seal(
                seq as u64,
                Plaintext {
                    typ: ContentType::APPLICATION_DATA,
                    version,
                    fragment: text,
                },
                &mut out,
                &mut rng,
                &mut Hooks::none(),
            );
            if cipher.block_len() > 0 {
                assert_eq!(out.len() % 8, 0, "{cipher:?}");
            }
            sealed.push(out.clone());
            let mut p = out;
            assert!(
                rx.open(seq as u64, &header(version, p.len()), &mut p, &mut Hooks::none()),
                "{cipher:?} {seq}"
            );
            assert_eq!(&p, text, "{cipher:?}");
        }
        // Record 1 opened by a fresh receiver: the chain (or key stream) is wrong,
        // except with explicit IVs and NULL, where each record stands alone.
        let mut fresh = state(cipher, MacAlgorithm::HmacSha1, ssl3, &key, &iv, options);
        let mut p = sealed[1].clone();
        let stands_alone = cipher == BulkCipher::Null || (!ssl3 && !options.chained_iv);
        assert_eq!(
            fresh.open(1, &header(version, p.len()), &mut p, &mut Hooks::none()),
            stands_alone,
            "{cipher:?} ssl3={ssl3}"
        );
    }
}
