//! RSA key transport tests. Expected values come from OpenSSL 3 (`openssl
//! pkeyutl -encrypt/-decrypt` with `rsa_padding_mode:pkcs1`, keys and
//! certificates made by `openssl req`/`genpkey` at test time) and from The
//! Illustrated TLS 1.2 Connection (its published server key and certificate).

use super::*;
use crate::crypto::test_util::{openssl, test_pki, unhex, vector_field};
use crate::error::ToolError;
use crate::observer::{format_event, Recorder};
use crate::rng::{ScriptedRng, SeededRng};
use crate::wire::AlertDescription;
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tlslab-rsa-kx-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The test PKI's RSA leaf key (PKCS #8 PEM, from `openssl req -newkey rsa:2048`).
fn pki_key_pem() -> Vec<u8> {
    std::fs::read(test_pki().dir.join("rsa.key")).unwrap()
}

#[test]
fn pre_master_secret_starts_with_the_offered_version() {
    let random = (1..=46).collect::<Vec<u8>>();
    let mut rng = ScriptedRng::new(vec![random.clone()], SeededRng::new(0, 0));
    let pms = make_pre_master_secret(ProtocolVersion::TLS12, &mut rng);
    assert_eq!(pms[..2], [0x03, 0x03]);
    assert_eq!(pms[2..], random[..]);
    let pms = make_pre_master_secret(ProtocolVersion::TLS10, &mut SeededRng::new(1, 0));
    assert_eq!(pms[..2], [0x03, 0x01]);
}

#[test]
fn our_encryption_decrypts_with_openssl() {
    let pki = test_pki();
    let d = dir("enc");
    let mut rng = SeededRng::new(7, 0);
    let pms = make_pre_master_secret(ProtocolVersion::TLS12, &mut rng);
    let enc = encrypt_pre_master_secret(&pki.rsa_leaf_der, &pms, &mut rng).unwrap();

    // The block's layout, RFC 8017 §7.2.1, for k = 256 and mLen = 48.
    assert_eq!(enc.modulus_bits, 2048);
    assert_eq!(enc.ciphertext.len(), 256);
    assert_eq!(enc.encoded_block.len(), 256);
    assert_eq!(enc.padding_string.len(), 256 - 48 - 3);
    assert!(enc.padding_string.iter().all(|&b| b != 0));
    assert_eq!(enc.encoded_block[..2], [0x00, 0x02]);
    assert_eq!(enc.encoded_block[2..2 + 205], enc.padding_string[..]);
    assert_eq!(enc.encoded_block[207], 0x00);
    assert_eq!(enc.encoded_block[208..], pms[..]);

    std::fs::write(d.join("ct.bin"), &enc.ciphertext).unwrap();
    std::fs::write(d.join("key.pem"), pki_key_pem()).unwrap();
    let decrypted = openssl(
        &d,
        &[
            "pkeyutl",
            "-decrypt",
            "-inkey",
            "key.pem",
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            "ct.bin",
        ],
    );
    assert_eq!(
        decrypted, pms,
        "OpenSSL decrypts our ciphertext to a different pre-master secret"
    );
    // And our own decryption agrees.
    assert_eq!(
        decrypt_pre_master_secret(&pki_key_pem(), &enc.ciphertext).unwrap(),
        pms
    );

    // Two encryptions of the same secret differ (random PS), both decrypt.
    let again = encrypt_pre_master_secret(&pki.rsa_leaf_der, &pms, &mut rng).unwrap();
    assert_ne!(again.ciphertext, enc.ciphertext);
    assert_eq!(
        decrypt_pre_master_secret(&pki_key_pem(), &again.ciphertext).unwrap(),
        pms
    );
}

#[test]
fn openssl_ciphertext_decrypts_with_ours_in_every_key_format() {
    let pki = test_pki();
    let d = dir("dec");
    std::fs::write(d.join("key.pem"), pki_key_pem()).unwrap();
    std::fs::write(d.join("cert.der"), &pki.rsa_leaf_der).unwrap();
    let pms = make_pre_master_secret(ProtocolVersion::TLS12, &mut SeededRng::new(9, 0));
    std::fs::write(d.join("pms.bin"), pms).unwrap();
    openssl(
        &d,
        &["x509", "-inform", "DER", "-in", "cert.der", "-out", "cert.pem"],
    );
    let ct = openssl(
        &d,
        &[
            "pkeyutl",
            "-encrypt",
            "-certin",
            "-inkey",
            "cert.pem",
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            "pms.bin",
        ],
    );
    assert_eq!(ct.len(), 256);
    let pkcs1_pem = openssl(&d, &["rsa", "-in", "key.pem", "-traditional"]);
    let pkcs1_der = openssl(&d, &["rsa", "-in", "key.pem", "-traditional", "-outform", "DER"]);
    let pkcs8_der = openssl(&d, &["pkey", "-in", "key.pem", "-outform", "DER"]);
    assert!(String::from_utf8_lossy(&pkcs1_pem).contains("BEGIN RSA PRIVATE KEY"));
    for (name, key) in [
        ("PKCS#8 PEM", pki_key_pem()),
        ("PKCS#1 PEM", pkcs1_pem),
        ("PKCS#1 DER", pkcs1_der),
        ("PKCS#8 DER", pkcs8_der),
    ] {
        assert_eq!(decrypt_pre_master_secret(&key, &ct).unwrap(), pms, "{name}");
        assert!(key_matches_certificate(&key, &pki.rsa_leaf_der), "{name}");
    }
}

#[test]
fn illustrated_key_matches_its_certificate_and_no_other() {
    let key = vector_field("server_rsa_private_key_pem").replace("\\n", "\n");
    let cert = unhex(vector_field("server_certificate_der"));
    assert!(key_matches_certificate(key.as_bytes(), &cert));
    let pki = test_pki();
    assert!(!key_matches_certificate(key.as_bytes(), &pki.rsa_leaf_der));
    assert!(!key_matches_certificate(&pki_key_pem(), &cert));
    // An EC certificate never matches; garbage never parses.
    assert!(!key_matches_certificate(key.as_bytes(), &pki.ec_leaf_der));
    assert!(!key_matches_certificate(b"not a key", &cert));
    assert!(matches!(
        RsaPrivateKey::from_pem_or_der(b"not a key"),
        Err(Error::Tool(ToolError::PrivateKey(_)))
    ));
    assert!(matches!(
        RsaPrivateKey::from_pem_or_der(&[0x30, 0x05, 0x02]),
        Err(Error::Tool(ToolError::PrivateKey(m))) if m.contains("malformed private key")
    ));

    // A ciphertext made for the PKI key, decrypted with the Illustrated key:
    // the error names the likely cause.
    let mut rng = SeededRng::new(3, 0);
    let pms = make_pre_master_secret(ProtocolVersion::TLS12, &mut rng);
    let enc = encrypt_pre_master_secret(&pki.rsa_leaf_der, &pms, &mut rng).unwrap();
    let err = decrypt_pre_master_secret(key.as_bytes(), &enc.ciphertext).unwrap_err();
    assert!(
        matches!(&err, Error::Tool(ToolError::PrivateKey(m)) if m.contains("another key") || m.contains("not below the modulus")),
        "{err}"
    );
    assert_eq!(err.alert(), None);
    // Wrong length.
    assert!(decrypt_pre_master_secret(key.as_bytes(), &enc.ciphertext[1..]).is_err());
}

#[test]
fn small_and_malformed_keys_are_refused() {
    // A 512-bit certificate made by OpenSSL.
    let d = dir("small");
    openssl(
        &d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:512",
            "-nodes",
            "-subj",
            "/CN=small",
            "-keyout",
            "small.key",
            "-outform",
            "DER",
            "-out",
            "small.der",
        ],
    );
    let cert = std::fs::read(d.join("small.der")).unwrap();
    let mut rng = SeededRng::new(0, 0);
    let err = encrypt_pre_master_secret(&cert, &[3; 48], &mut rng).unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::INSUFFICIENT_SECURITY));
    assert!(err.to_string().contains("512 bits"), "{err}");

    let odd_1024 = (BigUint::from(1u32) << 1023u32) + 1u32;
    let f4 = BigUint::from(65537u32);
    // 1023 bits: too small; 1024: fine.
    let k1023 = RsaPublicKey::new((BigUint::from(1u32) << 1022u32) + 1u32, f4.clone());
    assert_eq!(
        k1023.check_for_key_transport().unwrap_err().alert(),
        Some(AlertDescription::INSUFFICIENT_SECURITY)
    );
    assert!(RsaPublicKey::new(odd_1024.clone(), f4.clone())
        .check_for_key_transport()
        .is_ok());
    let bad = |n: BigUint, e: BigUint| {
        let err = RsaPublicKey::new(n, e).check_for_key_transport().unwrap_err();
        assert_eq!(err.alert(), Some(AlertDescription::BAD_CERTIFICATE), "{err}");
    };
    bad(&odd_1024 + 1u32, f4.clone()); // even modulus
    bad(odd_1024.clone(), BigUint::from(1u32)); // e = 1: m^1 = m, the secret in the clear
    bad(odd_1024.clone(), BigUint::from(2u32)); // e < 3 and even
    bad(odd_1024.clone(), BigUint::from(65536u32)); // even e
    bad(odd_1024.clone(), odd_1024.clone()); // e >= n
    bad(odd_1024.clone(), (BigUint::from(1u32) << 64u32) + 1u32); // 65-bit e
    bad((BigUint::from(1u32) << 16384u32) + 1u32, f4.clone()); // 16385 bits
                                                               // The checks run inside encrypt_pkcs1_v1_5 too.
    assert!(encrypt_pkcs1_v1_5(&k1023, &[0; 48], &mut rng).is_err());
    // RSAPublicKey DER with a negative modulus or trailing bytes.
    assert!(RsaPublicKey::from_der(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x03]).is_err());
    assert!(RsaPublicKey::from_der(&[0x30, 0x07, 0x02, 0x01, 0x7f, 0x02, 0x01, 0x03, 0x00]).is_err());
    assert!(RsaPublicKey::from_der(&[0x30, 0x06, 0x02, 0x01, 0x7f, 0x02, 0x01, 0x03]).is_ok());
    // An EC certificate cannot do RSA key transport.
    let err = RsaPublicKey::from_certificate(&test_pki().ec_leaf_der).unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::UNSUPPORTED_CERTIFICATE));
}

/// Answers the first fill (the padding string) with zeros, then single bytes
/// from `then`.
struct ZerosFirst(Vec<u8>);

impl Rng for ZerosFirst {
    fn fill(&mut self, dest: &mut [u8]) {
        if dest.len() > 1 {
            dest.fill(0);
        } else {
            dest[0] = if self.0.is_empty() { 0 } else { self.0.remove(0) };
        }
    }
}

#[test]
fn zero_padding_bytes_are_redrawn_and_a_stuck_rng_is_an_error() {
    let key = RsaPublicKey::from_certificate(&test_pki().rsa_leaf_der).unwrap();
    // 205 padding bytes, each first drawn as 0: byte i is redrawn as 0, 0, then 1 + i % 255.
    let mut script = Vec::new();
    for i in 0..205usize {
        script.extend_from_slice(&[0, 0, 1 + (i % 255) as u8]);
    }
    let enc = encrypt_pkcs1_v1_5(&key, &[0x42; 48], &mut ZerosFirst(script)).unwrap();
    let expected: Vec<u8> = (0..205usize).map(|i| 1 + (i % 255) as u8).collect();
    assert_eq!(enc.padding_string, expected);
    // The padding-string length guards the separator: the message comes out whole.
    let pki_key = RsaPrivateKey::from_pem_or_der(&pki_key_pem()).unwrap();
    assert_eq!(pki_key.decrypt_pkcs1_v1_5(&enc.ciphertext).unwrap(), [0x42; 48]);

    let err = encrypt_pkcs1_v1_5(&key, &[0x42; 48], &mut ZerosFirst(vec![])).unwrap_err();
    assert!(matches!(err, Error::Internal(_)));
}

#[test]
fn events_and_redaction() {
    let pki = test_pki();
    let mut rng = SeededRng::new(11, 0);
    let pms = make_pre_master_secret(ProtocolVersion::TLS12, &mut rng);
    let enc = encrypt_pre_master_secret(&pki.rsa_leaf_der, &pms, &mut rng).unwrap();
    let mut rec = Recorder::new();
    enc.emit(&mut Hooks::new(&mut rec));
    assert_eq!(rec.names(), ["rsa_padding", "rsa_encrypted"]);
    let padding = Event::RsaPadding {
        padding_string: &enc.padding_string,
        encoded_block: &enc.encoded_block,
    };
    let full = format_event(&padding, false);
    assert!(full.contains(&hex::encode(pms)), "{full}");
    let redacted = format_event(&padding, true);
    assert!(!redacted.contains(&hex::encode(pms)));
    assert!(redacted.contains("<redacted 256 bytes>"), "{redacted}");
    let ct = Event::RsaEncrypted {
        modulus_bits: enc.modulus_bits,
        ciphertext: &enc.ciphertext,
    };
    // The ciphertext crosses the wire: never redacted.
    assert!(format_event(&ct, true).contains(&hex::encode(&enc.ciphertext)));
    assert!(format_event(&ct, true).starts_with("rsa_encrypted  modulus_bits=2048"));
}
