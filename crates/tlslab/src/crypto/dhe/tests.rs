//! DHE tests. Expected values come from OpenSSL 3 (`openssl genpkey` makes the
//! server key, `openssl pkeyutl -derive` computes its side of Z) and from the
//! text of RFC 7919 (the ffdhe2048 prime).

use super::*;
use crate::crypto::der::{tag, Der};
use crate::crypto::test_util::{openssl, unhex};
use crate::observer::{OwnedEvent, Recorder};
use crate::rng::{ScriptedRng, SeededRng};
use crate::wire::AlertDescription;
use std::path::{Path, PathBuf};

/// ffdhe2048 `p`, copied from RFC 7919 Appendix A.1.
const FFDHE2048_P: &str = "
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695 A9E13641 146433FB
    CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561 2433F51F 5F066ED0
    85636555 3DED1AF3 B557135E 7F57C935 984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4
    AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 9172FE9C E98583FF
    8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 61285C97 FFFFFFFF FFFFFFFF";

/// A fixed ffdhe2048 server key, made with
/// `openssl genpkey -algorithm DH -pkeyopt group:ffdhe2048` (OpenSSL 3.0.19).
const FIXED_SERVER_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIBPwIBADCCARcGCSqGSIb3DQEDATCCAQgCggEBAP//////////rfhUWKK7Spqv
3FYgJz088di5xYPOLTaVqeE2QRRkM/vMk53OJJs++X0v42NjDHXY9oGyAq7EYXrT
3x7V1f1lYSQz9R9fBm7QhWNlVT3tGvO1VxNef1fJNZhPDHDg5ot34qaJ2vPv6HId
8VihNq3nNTCsyk9IOnl6vAqxgrMk+2HRCKlLssjj+7lq2rdg1/RoHU9Co945TfSu
Vu3nY3K7GQsHp8juCm1wngL84c334uzANATNKDQvYZFy/pzphYP/jk8SMu7ygYPD
/jsbTG+tczu1/LwuwiAFxY7xg30Wg7LG80omwbLv+ohrQjhhKFyX//////////8C
AQIEHwIdATmLJ4lm7wfyT+8seCMGnIuZyU1EteGbYV7HPBI=
-----END PRIVATE KEY-----
";

fn p2048() -> Vec<u8> {
    unhex(FFDHE2048_P)
}

fn params(p: &[u8], g: &[u8], ys: &[u8]) -> ServerDhParams {
    ServerDhParams {
        dh_p: p.to_vec(),
        dh_g: g.to_vec(),
        dh_ys: ys.to_vec(),
    }
}

fn big(n: &BigUint) -> Vec<u8> {
    n.to_bytes_be()
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tlslab-dhe-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A DER element: tag, definite length, contents (X.690 §8.1).
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = contents.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = (n as u32).to_be_bytes();
        let skip = len.iter().position(|&b| b != 0).unwrap();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// An OpenSSL DH key: its SubjectPublicKeyInfo's AlgorithmIdentifier (with p
/// and g) and the numbers, read from `openssl pkey -pubout -outform DER`.
struct OpensslDhPublic {
    algorithm: Vec<u8>,
    p: Vec<u8>,
    g: Vec<u8>,
    y: Vec<u8>,
}

fn positive(int: &[u8]) -> Vec<u8> {
    strip_leading_zeros(int).to_vec()
}

fn openssl_dh_public(d: &Path, key_file: &str) -> OpensslDhPublic {
    let spki = openssl(d, &["pkey", "-in", key_file, "-pubout", "-outform", "DER"]);
    let mut outer = Der::new(&spki);
    let mut seq = outer.read(tag::SEQUENCE, "spki").unwrap();
    let alg_start = seq.offset();
    let mut alg = seq.read(tag::SEQUENCE, "algorithm").unwrap();
    let algorithm = spki[alg_start..seq.offset()].to_vec();
    alg.skip(tag::OID, "oid").unwrap();
    // PKCS #3 DHParameter or X9.42 DomainParameters: p and g come first in both.
    let mut dom = alg.read(tag::SEQUENCE, "params").unwrap();
    let p = positive(dom.read(tag::INTEGER, "p").unwrap().rest());
    let g = positive(dom.read(tag::INTEGER, "g").unwrap().rest());
    let bits = seq.read(tag::BIT_STRING, "key").unwrap().rest();
    let y = positive(Der::new(&bits[1..]).read(tag::INTEGER, "y").unwrap().rest());
    OpensslDhPublic { algorithm, p, g, y }
}

/// Z as OpenSSL computes it from its private key and our public value.
/// `pad`: OpenSSL's `dh_pad` (1 keeps Z at the length of p).
fn openssl_derive(
    d: &Path,
    key_file: &str,
    server: &OpensslDhPublic,
    our_public: &[u8],
    pad: bool,
) -> Vec<u8> {
    let mut int = our_public.to_vec();
    if int[0] & 0x80 != 0 {
        int.insert(0, 0);
    }
    let mut bits = vec![0u8];
    bits.extend(der(tag::INTEGER, &int));
    let spki = der(
        tag::SEQUENCE,
        &[server.algorithm.clone(), der(tag::BIT_STRING, &bits)].concat(),
    );
    std::fs::write(d.join("peer.der"), spki).unwrap();
    let pad = format!("dh_pad:{}", u8::from(pad));
    openssl(
        d,
        &[
            "pkeyutl",
            "-derive",
            "-inkey",
            key_file,
            "-peerkey",
            "peer.der",
            "-peerform",
            "DER",
            "-pkeyopt",
            &pad,
        ],
    )
}

#[test]
fn agreement_matches_openssl_and_rfc7919_prime() {
    for (group, seed) in [("ffdhe2048", 1u64), ("ffdhe3072", 2)] {
        let d = dir(group);
        openssl(
            &d,
            &[
                "genpkey",
                "-algorithm",
                "DH",
                "-pkeyopt",
                &format!("group:{group}"),
                "-out",
                "server.pem",
            ],
        );
        let server = openssl_dh_public(&d, "server.pem");
        if group == "ffdhe2048" {
            // Two independent copies of RFC 7919's prime agree: the RFC text and OpenSSL's table.
            assert_eq!(server.p, p2048());
        }
        assert_eq!(server.g, [2]);
        let sp = params(&server.p, &server.g, &server.y);
        let ours = agree(&sp, &mut SeededRng::new(seed, 0)).unwrap();
        assert_eq!(ours.p_bits, if group == "ffdhe2048" { 2048 } else { 3072 });
        assert_eq!(ours.z.len(), ours.p_bits / 8);
        assert_eq!(
            openssl_derive(&d, "server.pem", &server, &ours.client_public, false),
            ours.pre_master_secret,
            "{group}: OpenSSL's Z (unpadded) differs from our pre_master_secret"
        );
        assert_eq!(
            openssl_derive(&d, "server.pem", &server, &ours.client_public, true),
            ours.z
        );
        // Full-length exponent in [2, p-2].
        let x = BigUint::from_bytes_be(&ours.client_private);
        assert!(x >= BigUint::from(2u32) && x <= BigUint::from_bytes_be(&server.p) - 2u32);
        assert!(x.bits() > 1000);
    }
}

/// The 1-in-256 case. The client exponent was found by trying
/// x = 2 + (SHA-256("tlslab dh leading zero N") repeated 8 times) for N = 0, 1, ...
/// against `FIXED_SERVER_KEY_PEM` in Python until Z began with one zero byte
/// (N = 202); OpenSSL then confirms Z here.
#[test]
fn leading_zero_of_z_is_stripped_as_openssl_does() {
    let d = dir("leading-zero");
    std::fs::write(d.join("server.pem"), FIXED_SERVER_KEY_PEM).unwrap();
    let server = openssl_dh_public(&d, "server.pem");
    let digest = ring::digest::digest(&ring::digest::SHA256, b"tlslab dh leading zero 202");
    // r = the 256-byte number, behind 8 zero bytes (the extra bytes `agree` draws).
    let mut r = vec![0u8; 8];
    for _ in 0..8 {
        r.extend_from_slice(digest.as_ref());
    }
    let mut rng = ScriptedRng::new(vec![r], SeededRng::new(0, 0));
    let ours = agree(&params(&server.p, &server.g, &server.y), &mut rng).unwrap();
    assert_eq!(ours.z.len(), 256);
    assert_eq!(ours.z[0], 0);
    assert_eq!(ours.leading_zeros_stripped(), 1);
    assert_eq!(ours.pre_master_secret.len(), 255);
    assert_eq!(ours.pre_master_secret, ours.z[1..]);
    assert_eq!(
        openssl_derive(&d, "server.pem", &server, &ours.client_public, false),
        ours.pre_master_secret
    );
    assert_eq!(
        openssl_derive(&d, "server.pem", &server, &ours.client_public, true),
        ours.z
    );

    let mut rec = Recorder::new();
    ours.emit(
        &params(&server.p, &server.g, &server.y),
        &mut Hooks::new(&mut rec),
    );
    assert_eq!(rec.names(), ["dh_key_share", "dh_shared_secret"]);
    match &rec.events[1] {
        OwnedEvent::DhSharedSecret {
            z,
            leading_zeros_stripped,
        } => {
            assert_eq!(z.as_slice(), &ours.z[..]);
            assert_eq!(*leading_zeros_stripped, 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn strip_leading_zeros_examples() {
    assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), [1, 0]);
    assert_eq!(strip_leading_zeros(&[7, 0]), [7, 0]);
    assert!(strip_leading_zeros(&[0, 0]).is_empty());
    assert!(strip_leading_zeros(&[]).is_empty());
}

fn check_err(p: &[u8], g: &[u8], ys: &[u8]) -> DhParamError {
    match check_server_params(&params(p, g, ys)) {
        Err(Error::Handshake(HandshakeError::DhParameter(e))) => e,
        other => panic!("expected a DhParameter error, got {other:?}"),
    }
}

#[test]
fn each_parameter_check_fails_with_its_own_error() {
    let p = p2048();
    let pn = BigUint::from_bytes_be(&p);
    let one = BigUint::from(1u32);
    let ok_ys = [5u8];
    assert!(check_server_params(&params(&p, &[2], &ok_ys)).is_ok());

    // 1. Size. A 1023-bit odd number, also behind a zero byte (the encoding
    //    length does not count, the number does); then 1024 bits passes.
    let small = big(&((BigUint::from(1u32) << 1022u32) + 1u32));
    assert_eq!(
        check_err(&small, &[2], &ok_ys),
        DhParamError::PrimeTooSmall {
            bits: 1023,
            min: MIN_PRIME_BITS
        }
    );
    assert_eq!(
        check_err(&[&[0u8][..], &small].concat(), &[2], &ok_ys),
        DhParamError::PrimeTooSmall {
            bits: 1023,
            min: MIN_PRIME_BITS
        }
    );
    let e = Error::Handshake(HandshakeError::DhParameter(DhParamError::PrimeTooSmall {
        bits: 1023,
        min: MIN_PRIME_BITS,
    }));
    assert_eq!(e.alert(), Some(AlertDescription::INSUFFICIENT_SECURITY));
    assert!(e.to_string().contains("Logjam"), "{e}");
    let k1024 = big(&((BigUint::from(1u32) << 1023u32) + 1u32));
    assert!(check_server_params(&params(&k1024, &[2], &ok_ys)).is_ok());
    let huge = big(&((BigUint::from(1u32) << 8192u32) + 1u32));
    assert_eq!(
        check_err(&huge, &[2], &ok_ys),
        DhParamError::PrimeTooLarge {
            bits: 8193,
            max: MAX_PRIME_BITS
        }
    );
    assert_eq!(
        check_err(&[0xff; 1024 * 8], &[2], &ok_ys),
        DhParamError::PrimeTooLarge {
            bits: 65536,
            max: MAX_PRIME_BITS
        }
    );

    // 2. Even p.
    assert_eq!(
        check_err(&big(&(&pn + 1u32)), &[2], &ok_ys),
        DhParamError::PrimeEven
    );

    // 3. g outside (1, p-1).
    for g in [
        big(&BigUint::from(0u32)),
        vec![0],
        vec![1],
        vec![0, 1],
        big(&(&pn - &one)),
        p.clone(),
        big(&(&pn + 7u32)),
    ] {
        assert_eq!(
            check_err(&p, &g, &ok_ys),
            DhParamError::GeneratorOutOfRange,
            "g={}",
            hex::encode(&g)
        );
    }
    assert!(check_server_params(&params(&p, &big(&(&pn - 2u32)), &ok_ys)).is_ok());

    // 4. Ys outside (1, p-1): the degenerate keys 0, 1 and p-1, and values >= p.
    for ys in [
        vec![0],
        vec![1],
        vec![0, 0, 1],
        big(&(&pn - &one)),
        p.clone(),
        vec![0xff; 300],
    ] {
        let e = check_err(&p, &[2], &ys);
        assert_eq!(e, DhParamError::PublicValueOutOfRange, "ys={}", hex::encode(&ys));
        assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);
    }
    assert!(check_server_params(&params(&p, &[2], &big(&(&pn - 2u32)))).is_ok());

    // The checks run inside `agree` too, before anything is drawn.
    assert!(matches!(
        agree(&params(&small, &[2], &ok_ys), &mut SeededRng::new(0, 0)),
        Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::PrimeTooSmall { .. }
        )))
    ));
}

#[test]
fn shared_secret_of_one_is_refused() {
    // In ffdhe2048, 2 generates the subgroup of prime order q = (p-1)/2, so a
    // server that sends Ys = 2 and a client exponent x = q give Z = 1.
    let p = BigUint::from_bytes_be(&p2048());
    let q: BigUint = (&p - 1u32) >> 1u32;
    let r = big(&(&q - 2u32)); // agree computes x = 2 + r mod (p-3)
    let mut script = vec![0u8; 256 + 8 - r.len()];
    script.extend_from_slice(&r);
    let mut rng = ScriptedRng::new(vec![script], SeededRng::new(0, 0));
    let e = agree(&params(&p2048(), &[2], &[2]), &mut rng).unwrap_err();
    assert_eq!(
        e,
        Error::Handshake(HandshakeError::DhParameter(DhParamError::SharedSecretDegenerate))
    );
    assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
}
