//! The server's public key and the ServerKeyExchange signature
//! ([RFC 5246 §7.4.3], [RFC 8422 §5.4]).
//!
//! The signed bytes are `ClientHello.random + ServerHello.random +
//! ServerECDHParams`; the handshake code assembles them, this module checks
//! the signature over them with ring.
//!
//! [RFC 5246 §7.4.3]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.3
//! [RFC 8422 §5.4]: https://www.rfc-editor.org/rfc/rfc8422#section-5.4

use std::fmt;

use ring::signature as rs;

use crate::crypto::der::{bad, tag, Der};
use crate::error::{CertificateError, CertificateKind, Error, HandshakeError, IllegalParameter};
use crate::wire::SignatureScheme;

/// `rsaEncryption`, 1.2.840.113549.1.1.1 (RFC 8017 Appendix C).
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// `id-ecPublicKey`, 1.2.840.10045.2.1 (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// `secp256r1` / prime256v1, 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1).
const OID_SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// `secp384r1`, 1.3.132.0.34 (RFC 5480 §2.1.1.1).
const OID_SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// `secp521r1`, 1.3.132.0.35 (RFC 5480 §2.1.1.1).
const OID_SECP521R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
/// `id-Ed25519`, 1.3.101.112 (RFC 8410 §3).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// ring verifies RSA signatures for moduli of 2048 to 8192 bits.
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;

/// What kind of key the certificate carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKeyKind {
    /// `rsaEncryption`, with the modulus size.
    Rsa {
        /// Bits in the modulus `n`.
        modulus_bits: usize,
    },
    /// `id-ecPublicKey` on secp256r1.
    EcP256,
    /// `id-ecPublicKey` on secp384r1.
    EcP384,
    /// `id-ecPublicKey` on secp521r1.
    EcP521,
    /// `id-Ed25519` (RFC 8410): the 32-byte public key.
    Ed25519,
    /// Anything else (Ed448, RSASSA-PSS keys, other curves): the algorithm
    /// OID (and the curve OID for EC keys), as hex of the DER contents.
    Other(String),
}

impl fmt::Display for PublicKeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicKeyKind::Rsa { modulus_bits } => write!(f, "RSA {modulus_bits}-bit"),
            PublicKeyKind::EcP256 => f.write_str("ECDSA P-256"),
            PublicKeyKind::EcP384 => f.write_str("ECDSA P-384"),
            PublicKeyKind::EcP521 => f.write_str("ECDSA P-521"),
            PublicKeyKind::Ed25519 => f.write_str("Ed25519"),
            PublicKeyKind::Other(oid) => write!(f, "unsupported key type (OID {oid})"),
        }
    }
}

/// The server's public key, from its certificate's SubjectPublicKeyInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerPublicKey {
    /// The key type.
    pub kind: PublicKeyKind,
    /// The `subjectPublicKey` BIT STRING contents (without the unused-bits
    /// byte): `RSAPublicKey` DER for RSA, the uncompressed point for EC.
    pub spki_key: Vec<u8>,
}

/// Extracts the SubjectPublicKeyInfo of a DER certificate ([RFC 5280 §4.1]):
///
/// ```text
/// Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
/// TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber,
///     signature, issuer, validity, subject, subjectPublicKeyInfo, ... }
/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
///     subjectPublicKey BIT STRING }
/// ```
///
/// Errors name the field ([`Error::Certificate`], `bad_certificate`).
/// This reads the key only; chain and name checks are [`super::cert`]'s.
///
/// [RFC 5280 §4.1]: https://www.rfc-editor.org/rfc/rfc5280#section-4.1
#[inline(never)]
pub fn server_public_key(cert_der: &[u8]) -> Result<ServerPublicKey, Error> {
    let mut outer = Der::new(cert_der);
    let mut certificate = outer.read(tag::SEQUENCE, "Certificate")?;
    if !outer.is_empty() {
        return Err(bad(
            "Certificate",
            outer.offset(),
            "trailing bytes after the certificate",
        ));
    }
    let mut tbs = certificate.read(tag::SEQUENCE, "tbsCertificate")?;
    if tbs.peek_tag() == Some(tag::CONTEXT_0) {
        tbs.skip(tag::CONTEXT_0, "tbsCertificate.version")?;
    }
    tbs.skip(tag::INTEGER, "tbsCertificate.serialNumber")?;
    tbs.skip(tag::SEQUENCE, "tbsCertificate.signature")?;
    tbs.skip(tag::SEQUENCE, "tbsCertificate.issuer")?;
    tbs.skip(tag::SEQUENCE, "tbsCertificate.validity")?;
    tbs.skip(tag::SEQUENCE, "tbsCertificate.subject")?;
    let mut spki = tbs.read(tag::SEQUENCE, "tbsCertificate.subjectPublicKeyInfo")?;

    let mut algorithm = spki.read(tag::SEQUENCE, "subjectPublicKeyInfo.algorithm")?;
    let algorithm_oid = algorithm
        .read(tag::OID, "subjectPublicKeyInfo.algorithm.algorithm")?
        .rest();
    let bit_string = spki.read(tag::BIT_STRING, "subjectPublicKeyInfo.subjectPublicKey")?;
    let unused_bits_at = bit_string.offset();
    let (&unused_bits, key_bytes) = bit_string.rest().split_first().ok_or_else(|| {
        bad(
            "subjectPublicKeyInfo.subjectPublicKey",
            unused_bits_at,
            "empty BIT STRING",
        )
    })?;
    if unused_bits != 0 {
        return Err(bad(
            "subjectPublicKeyInfo.subjectPublicKey",
            unused_bits_at,
            &format!("{unused_bits} unused bits; a key is whole bytes"),
        ));
    }

    let kind = if algorithm_oid == OID_RSA_ENCRYPTION {
        PublicKeyKind::Rsa {
            modulus_bits: rsa_modulus_bits(key_bytes, unused_bits_at + 1)?,
        }
    } else if algorithm_oid == OID_EC_PUBLIC_KEY {
        // ECParameters: we only accept namedCurve (RFC 5480 §2.1.1).
        let curve = if algorithm.peek_tag() == Some(tag::OID) {
            algorithm
                .read(tag::OID, "subjectPublicKeyInfo.algorithm.parameters (namedCurve)")?
                .rest()
        } else {
            &[]
        };
        if curve == OID_SECP256R1 {
            PublicKeyKind::EcP256
        } else if curve == OID_SECP384R1 {
            PublicKeyKind::EcP384
        } else if curve == OID_SECP521R1 {
            PublicKeyKind::EcP521
        } else {
            PublicKeyKind::Other(format!(
                "{} curve {}",
                hex::encode(algorithm_oid),
                hex::encode(curve)
            ))
        }
    } else if algorithm_oid == OID_ED25519 {
        // RFC 8410 §3: the parameters are absent; the key is 32 bytes (§4).
        if key_bytes.len() != 32 {
            return Err(bad(
                "subjectPublicKeyInfo.subjectPublicKey",
                unused_bits_at + 1,
                &format!("an Ed25519 key is 32 bytes, not {}", key_bytes.len()),
            ));
        }
        PublicKeyKind::Ed25519
    } else {
        PublicKeyKind::Other(hex::encode(algorithm_oid))
    };
    Ok(ServerPublicKey {
        kind,
        spki_key: key_bytes.to_vec(),
    })
}

/// The keyUsage bits of a certificate ([RFC 5280 §4.2.1.3]), `None` when the
/// extension is absent (then every use is allowed).
///
/// ```text
/// TBSCertificate ::= SEQUENCE { ..., subjectPublicKeyInfo,
///     issuerUniqueID [1] IMPLICIT OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL,
///     extensions [3] EXPLICIT SEQUENCE OF Extension OPTIONAL }
/// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
/// KeyUsage ::= BIT STRING { digitalSignature (0), nonRepudiation (1), keyEncipherment (2), ... }
/// ```
///
/// [RFC 5280 §4.2.1.3]: https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3
pub fn key_usage(cert_der: &[u8]) -> Result<Option<KeyUsage>, Error> {
    let mut outer = Der::new(cert_der);
    let mut certificate = outer.read(tag::SEQUENCE, "Certificate")?;
    let mut tbs = certificate.read(tag::SEQUENCE, "tbsCertificate")?;
    if tbs.peek_tag() == Some(tag::CONTEXT_0) {
        tbs.skip(tag::CONTEXT_0, "tbsCertificate.version")?;
    }
    for what in [
        "serialNumber",
        "signature",
        "issuer",
        "validity",
        "subject",
        "subjectPublicKeyInfo",
    ] {
        let t = if what == "serialNumber" {
            tag::INTEGER
        } else {
            tag::SEQUENCE
        };
        tbs.skip(t, what)?;
    }
    for (t, what) in [(0x81, "issuerUniqueID"), (0x82, "subjectUniqueID")] {
        if tbs.peek_tag() == Some(t) {
            tbs.skip(t, what)?;
        }
    }
    if tbs.peek_tag() != Some(0xa3) {
        return Ok(None);
    }
    let mut wrapper = tbs.read(0xa3, "tbsCertificate.extensions")?;
    let mut extensions = wrapper.read(tag::SEQUENCE, "Extensions")?;
    while !extensions.is_empty() {
        let mut extension = extensions.read(tag::SEQUENCE, "Extension")?;
        let id = extension.read(tag::OID, "Extension.extnID")?.rest();
        if extension.peek_tag() == Some(0x01) {
            extension.skip(0x01, "Extension.critical")?;
        }
        let value = extension.read(0x04, "Extension.extnValue")?;
        if id != OID_KEY_USAGE {
            continue;
        }
        let mut inner = Der::new(value.rest());
        let bits = inner.read(tag::BIT_STRING, "KeyUsage")?;
        // The first content byte counts the unused bits; bit 0 is the top
        // bit of the next byte.
        let first = bits.rest().get(1).copied().unwrap_or(0);
        return Ok(Some(KeyUsage {
            digital_signature: first & 0x80 != 0,
            key_encipherment: first & 0x20 != 0,
        }));
    }
    Ok(None)
}

/// `id-ce-keyUsage` (2.5.29.15).
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];

/// The keyUsage bits TLS 1.2 server authentication cares about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyUsage {
    /// `digitalSignature`: the key may sign (ServerKeyExchange).
    pub digital_signature: bool,
    /// `keyEncipherment`: the key may decrypt a transported key (RSA key exchange).
    pub key_encipherment: bool,
}

/// The bit length of `n` in `RSAPublicKey ::= SEQUENCE { modulus INTEGER,
/// publicExponent INTEGER }` (RFC 8017 Appendix A.1.1).
fn rsa_modulus_bits(rsa_public_key: &[u8], base: usize) -> Result<usize, Error> {
    let mut outer = Der::new(rsa_public_key);
    let mut seq = outer
        .read(tag::SEQUENCE, "RSAPublicKey")
        .map_err(|e| rebase(e, base))?;
    let modulus = seq
        .read(tag::INTEGER, "RSAPublicKey.modulus")
        .map_err(|e| rebase(e, base))?
        .rest();
    // DER INTEGERs are signed: a positive modulus with its top bit set has a
    // leading zero byte, which is not part of the size.
    let significant: &[u8] = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return Err(bad("RSAPublicKey.modulus", base, "modulus is zero")),
    };
    Ok(significant.len() * 8 - significant[0].leading_zeros() as usize)
}

/// Offsets inside the BIT STRING are relative to it; say so in the message.
fn rebase(e: Error, base: usize) -> Error {
    match e {
        Error::Certificate(CertificateError { kind, reason }) => Error::certificate(
            kind,
            format!("{reason} (inside subjectPublicKey at certificate offset {base})"),
        ),
        other => other,
    }
}

/// The ring algorithm for `scheme` with this key type, as TLS 1.2 allows it.
///
/// In TLS 1.2, `SignatureAndHashAlgorithm` {sha256, ecdsa} (0x0403) names a
/// hash and a signature algorithm, not a curve (RFC 5246 §7.4.1.4.1): a P-384
/// key may sign with SHA-256 and a P-256 key with SHA-384, so both pairings
/// are accepted. TLS 1.3 names that bind the curve are a later restriction.
fn ring_algorithm(
    kind: &PublicKeyKind,
    scheme: SignatureScheme,
) -> Option<&'static dyn rs::VerificationAlgorithm> {
    Some(match (kind, scheme) {
        // SHA-1 only because old servers still sign with it when the client
        // offers it; we offer it last (see `supported_schemes`).
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PKCS1_SHA1) => {
            &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PKCS1_SHA256) => &rs::RSA_PKCS1_2048_8192_SHA256,
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PKCS1_SHA384) => &rs::RSA_PKCS1_2048_8192_SHA384,
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PKCS1_SHA512) => &rs::RSA_PKCS1_2048_8192_SHA512,
        // rsa_pss_rsae_*: PSS signatures by an rsaEncryption key (RFC 8446
        // §4.2.3, usable in TLS 1.2 per the same section).
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PSS_RSAE_SHA256) => &rs::RSA_PSS_2048_8192_SHA256,
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PSS_RSAE_SHA384) => &rs::RSA_PSS_2048_8192_SHA384,
        (PublicKeyKind::Rsa { .. }, SignatureScheme::RSA_PSS_RSAE_SHA512) => &rs::RSA_PSS_2048_8192_SHA512,
        // ECDSA signatures are DER `Ecdsa-Sig-Value` (RFC 8422 §5.4).
        (PublicKeyKind::EcP256, SignatureScheme::ECDSA_SECP256R1_SHA256) => &rs::ECDSA_P256_SHA256_ASN1,
        (PublicKeyKind::EcP256, SignatureScheme::ECDSA_SECP384R1_SHA384) => &rs::ECDSA_P256_SHA384_ASN1,
        (PublicKeyKind::EcP384, SignatureScheme::ECDSA_SECP384R1_SHA384) => &rs::ECDSA_P384_SHA384_ASN1,
        (PublicKeyKind::EcP384, SignatureScheme::ECDSA_SECP256R1_SHA256) => &rs::ECDSA_P384_SHA256_ASN1,
        // Ed25519 (RFC 8422 §5.4 as updated for EdDSA: the signature is the
        // 64-byte PureEdDSA signature over the same bytes, no prehash).
        (PublicKeyKind::Ed25519, SignatureScheme::ED25519) => &rs::ED25519,
        _ => return None,
    })
}

/// Verifies the ServerKeyExchange `signature` over `signed` (=
/// `client_random + server_random + ServerECDHParams`, [RFC 8422 §5.4]) with
/// the server's key, using the `scheme` the server named.
///
/// Supported: RSA PKCS#1 v1.5 with SHA-1/256/384/512, RSA-PSS-RSAE with
/// SHA-256/384/512 (RSA keys of 2048 to 8192 bits), ECDSA on P-256/P-384
/// with SHA-256/384 and on P-521 with SHA-384/512, Ed25519; and the implicit
/// schemes of TLS 1.0/1.1, [`SignatureScheme::RSA_PKCS1_MD5_SHA1`] and
/// [`SignatureScheme::ECDSA_SHA1`] (RFC 2246 §7.4.3, RFC 4492 §5.4), checked
/// without ring.
///
/// Errors: a scheme that does not fit the key type (or that we do not
/// implement) is [`IllegalParameter::SignatureSchemeForKey`]; an RSA key outside ring's size
/// range is [`Error::Certificate`] (`unsupported_certificate`); a signature
/// that does not verify is [`HandshakeError::BadSignature`].
///
/// [RFC 8422 §5.4]: https://www.rfc-editor.org/rfc/rfc8422#section-5.4
#[inline(never)]
pub fn verify_server_signature(
    key: &ServerPublicKey,
    scheme: SignatureScheme,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    if scheme == SignatureScheme::RSA_PKCS1_MD5_SHA1 || scheme == SignatureScheme::ECDSA_SHA1 {
        return verify_legacy_signature(key, scheme, signed, signature);
    }
    if key.kind == PublicKeyKind::EcP521 {
        return verify_p521(key, scheme, signed, signature);
    }
    let algorithm = ring_algorithm(&key.kind, scheme).ok_or_else(|| {
        Error::from(IllegalParameter::SignatureSchemeForKey {
            scheme,
            key: key.kind.to_string(),
        })
    })?;
    if let PublicKeyKind::Rsa { modulus_bits } = key.kind {
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&modulus_bits) {
            return Err(Error::certificate(
                CertificateKind::Unsupported,
                format!("server RSA key is {modulus_bits} bits; tlslab verifies {RSA_MIN_BITS} to {RSA_MAX_BITS} bits"),
            ));
        }
    }
    rs::UnparsedPublicKey::new(algorithm, &key.spki_key).verify(signed, signature).map_err(|_| {
        Error::Handshake(HandshakeError::BadSignature(format!(
            "{scheme} signature ({} bytes) over {} signed bytes does not verify with the certificate's {} key",
            signature.len(),
            signed.len(),
            key.kind
        )))
    })
}

/// ECDSA on P-521 (ring has no P-521), with RustCrypto's `p521`: the
/// signature is DER `Ecdsa-Sig-Value` (RFC 8422 §5.4) over the scheme's hash
/// of `signed`. As on the other curves, TLS 1.2 does not tie the hash to the
/// curve (RFC 5246 §7.4.1.4.1 names hash and signature apart), so SHA-384 is
/// accepted with a P-521 key as well as SHA-512; SHA-256 is not (a digest
/// shorter than half the 66-byte field, which the `ecdsa` crate refuses).
fn verify_p521(
    key: &ServerPublicKey,
    scheme: SignatureScheme,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let digest_alg = match scheme {
        SignatureScheme::ECDSA_SECP384R1_SHA384 => &ring::digest::SHA384,
        SignatureScheme::ECDSA_SECP521R1_SHA512 => &ring::digest::SHA512,
        _ => {
            return Err(IllegalParameter::SignatureSchemeForKey {
                scheme,
                key: key.kind.to_string(),
            }
            .into())
        }
    };
    let bad = || {
        Error::Handshake(HandshakeError::BadSignature(format!(
            "{scheme} signature ({} bytes) over {} signed bytes does not verify with the certificate's {} key",
            signature.len(),
            signed.len(),
            key.kind
        )))
    };
    let digest = ring::digest::digest(digest_alg, signed);
    verify_ecdsa_prehash(&key.kind, &key.spki_key, digest.as_ref(), signature).map_err(|f| match f {
        EcdsaFailure::Point => Error::certificate(
            CertificateKind::Malformed,
            "the certificate's P-521 public key is not a point on the curve",
        ),
        EcdsaFailure::NotDer | EcdsaFailure::Check => bad(),
    })
}

/// Where a RustCrypto ECDSA check stopped; each caller names it in its own
/// error.
enum EcdsaFailure {
    /// The certificate's key is not a point on its curve (or not an EC key).
    Point,
    /// The signature is not a DER `Ecdsa-Sig-Value`.
    NotDer,
    /// The signature does not verify.
    Check,
}

/// ECDSA with RustCrypto's P-256, P-384 and P-521, for what ring does not
/// do (P-521, and SHA-1 prehashes): `signature` is a DER `Ecdsa-Sig-Value`
/// (RFC 8422 §5.4) over `prehash`, the hash of the signed bytes.
fn verify_ecdsa_prehash(
    kind: &PublicKeyKind,
    spki_key: &[u8],
    prehash: &[u8],
    signature: &[u8],
) -> Result<(), EcdsaFailure> {
    macro_rules! verify_on {
        ($curve:ident) => {{
            use $curve::ecdsa::signature::hazmat::PrehashVerifier;
            let vk =
                $curve::ecdsa::VerifyingKey::from_sec1_bytes(spki_key).map_err(|_| EcdsaFailure::Point)?;
            let sig = $curve::ecdsa::Signature::from_der(signature).map_err(|_| EcdsaFailure::NotDer)?;
            vk.verify_prehash(prehash, &sig).map_err(|_| EcdsaFailure::Check)
        }};
    }
    match kind {
        PublicKeyKind::EcP256 => verify_on!(p256),
        PublicKeyKind::EcP384 => verify_on!(p384),
        PublicKeyKind::EcP521 => verify_on!(p521),
        PublicKeyKind::Rsa { .. } | PublicKeyKind::Ed25519 | PublicKeyKind::Other(_) => {
            Err(EcdsaFailure::Point)
        }
    }
}

/// The signatures of TLS 1.0 and 1.1, which carry no algorithm field
/// ([RFC 2246 §7.4.3], [RFC 4492 §5.4]); ring implements neither:
///
/// * RSA ([`SignatureScheme::RSA_PKCS1_MD5_SHA1`]): PKCS#1 v1.5 block type 1
///   over the 36 bytes `MD5(signed) ‖ SHA-1(signed)`, with no DigestInfo.
///   Verified by encoding the expected block `00 01 FF…FF 00 ‖ hash` and
///   comparing it whole with `s^e mod n`, never by parsing the decrypted
///   block: parsers that skipped bytes let Bleichenbacher (2006) forge
///   signatures for small exponents.
/// * ECDSA ([`SignatureScheme::ECDSA_SHA1`]): a DER `Ecdsa-Sig-Value` over
///   SHA-1(signed), with RustCrypto's P-256/P-384.
///
/// [RFC 2246 §7.4.3]: https://www.rfc-editor.org/rfc/rfc2246#section-7.4.3
/// [RFC 4492 §5.4]: https://www.rfc-editor.org/rfc/rfc4492#section-5.4
// ANCHOR: verify_legacy_signature
fn verify_legacy_signature(
    key: &ServerPublicKey,
    scheme: SignatureScheme,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    use sha1::Digest as _;
    let bad = |why: &str| {
        Error::Handshake(HandshakeError::BadSignature(format!(
            "{scheme} signature ({} bytes) over {} signed bytes does not verify with the certificate's {} key: {why}",
            signature.len(),
            signed.len(),
            key.kind
        )))
    };
    let sha1 = sha1::Sha1::digest(signed);
    // ECDSA reads a hash shorter than the group order as that integer (SEC 1
    // §4.1.4 step 5): left-padded with zeros to the field size it is the
    // same number, and the `ecdsa` crate takes no prehash shorter than half
    // the field (24 bytes for P-384).
    let padded = |field: usize| {
        let mut e = vec![0u8; field - sha1.len()];
        e.extend_from_slice(&sha1);
        e
    };
    match (&key.kind, scheme) {
        (PublicKeyKind::Rsa { modulus_bits }, SignatureScheme::RSA_PKCS1_MD5_SHA1) => {
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(modulus_bits) {
                return Err(Error::certificate(
                    CertificateKind::Unsupported,
                    format!("server RSA key is {modulus_bits} bits; tlslab verifies {RSA_MIN_BITS} to {RSA_MAX_BITS} bits"),
                ));
            }
            let public = crate::crypto::rsa_kx::RsaPublicKey::from_der(&key.spki_key)?;
            let k = public.modulus_len();
            // EM = 0x00 ‖ 0x01 ‖ PS (0xff, k - 3 - 36 bytes) ‖ 0x00 ‖ MD5 ‖ SHA-1.
            let mut expected = vec![0x00, 0x01];
            expected.resize(k - 37, 0xff);
            expected.push(0x00);
            expected.extend_from_slice(&md5::Md5::digest(signed));
            expected.extend_from_slice(&sha1);
            let em = public
                .rsavp1(signature)
                .ok_or_else(|| bad("not a value below the modulus of its length"))?;
            if em != expected {
                return Err(bad(
                    "s^e mod n is not 00 01 FF..FF 00 ‖ MD5 ‖ SHA-1 of the signed bytes",
                ));
            }
            Ok(())
        }
        (PublicKeyKind::EcP256 | PublicKeyKind::EcP384, SignatureScheme::ECDSA_SHA1) => {
            let (field, bad_point) = match key.kind {
                PublicKeyKind::EcP256 => (32, "bad P-256 point"),
                _ => (48, "bad P-384 point"),
            };
            verify_ecdsa_prehash(&key.kind, &key.spki_key, &padded(field), signature).map_err(|f| {
                bad(match f {
                    EcdsaFailure::Point => bad_point,
                    EcdsaFailure::NotDer => "not a DER Ecdsa-Sig-Value",
                    EcdsaFailure::Check => "ECDSA check failed",
                })
            })
        }
        _ => Err(IllegalParameter::SignatureSchemeForKey {
            scheme,
            key: key.kind.to_string(),
        }
        .into()),
    }
}
// ANCHOR_END: verify_legacy_signature

/// The implicit signature scheme of a TLS 1.0/1.1 ServerKeyExchange for the
/// certificate's key (see [`verify_server_signature`]); `None` for a key type
/// those versions cannot sign with here.
pub fn legacy_scheme_for(key: &ServerPublicKey) -> Option<SignatureScheme> {
    match key.kind {
        PublicKeyKind::Rsa { .. } => Some(SignatureScheme::RSA_PKCS1_MD5_SHA1),
        PublicKeyKind::EcP256 | PublicKeyKind::EcP384 => Some(SignatureScheme::ECDSA_SHA1),
        // SHA-1's 20 bytes are shorter than half of P-521's field, which the
        // `ecdsa` crate refuses; no TLS 1.0 server here signs with P-521.
        _ => None,
    }
}

/// The schemes we offer in `signature_algorithms` ([RFC 5246 §7.4.1.4.1]),
/// in preference order: ECDSA, then RSA-PSS, then RSA PKCS#1 v1.5, with
/// SHA-1 last for servers that know nothing better.
///
/// [RFC 5246 §7.4.1.4.1]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.1.4.1
pub fn supported_schemes() -> &'static [SignatureScheme] {
    &[
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RSA_PSS_RSAE_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA512,
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PKCS1_SHA512,
        SignatureScheme::RSA_PKCS1_SHA1,
    ]
}

/// Every TLS 1.2 scheme [`verify_server_signature`] can check: the default
/// offer ([`supported_schemes`]), and ecdsa_secp521r1_sha512 and Ed25519
/// (RFC 8422 §3.1), which are verified when the caller lists them in
/// `ClientConfig::signature_schemes` but not offered by default (as in
/// BoringSSL's client: a server holding several certificates would otherwise
/// pick the rarer, slower one), and ecdsa_sha1, the TLS 1.0/1.1 signature,
/// which RFC 9155 §2 forbids offering in TLS 1.2 (only a caller that lists
/// it gets it).
pub fn implemented_schemes() -> &'static [SignatureScheme] {
    &[
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RSA_PSS_RSAE_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA512,
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PKCS1_SHA512,
        SignatureScheme::RSA_PKCS1_SHA1,
        SignatureScheme::ECDSA_SECP521R1_SHA512,
        SignatureScheme::ED25519,
        SignatureScheme::ECDSA_SHA1,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{openssl_sign, test_pki, unhex, vector_field, vector_record};
    use crate::wire::AlertDescription;

    /// A signature that does not verify: bad signature (decrypt_error).
    #[track_caller]
    fn assert_bad_signature(err: &Error) {
        assert!(
            matches!(err, Error::Handshake(HandshakeError::BadSignature(_))),
            "{err}"
        );
    }

    /// A scheme the key cannot sign with: the server's mistake
    /// (illegal_parameter), not a bad signature.
    #[track_caller]
    fn assert_scheme_refused_for_key(err: &Error) {
        assert!(
            matches!(
                err,
                Error::Handshake(HandshakeError::IllegalParameter(
                    IllegalParameter::SignatureSchemeForKey { .. }
                ))
            ),
            "{err}"
        );
    }

    /// The ServerKeyExchange of The Illustrated TLS 1.2 Connection (record 3 of
    /// `vectors/illustrated-tls12/vector.json`, from https://tls12.xargs.org/),
    /// checked with the key of the published server certificate.
    #[test]
    fn illustrated_tls12_server_key_exchange_signature() {
        let cert = unhex(vector_field("server_certificate_der"));
        let key = server_public_key(&cert).unwrap();
        // The walkthrough's certificate is RSA-2048 (`site/files/server.key`).
        assert_eq!(key.kind, PublicKeyKind::Rsa { modulus_bits: 2048 });

        let record = vector_record("ServerKeyExchange");
        // 5-byte record header, 4-byte handshake header (type 12).
        assert_eq!(record[5], 12);
        let body = &record[9..];
        // ServerECDHParams: curve_type(1) named_curve(2) public(1 + 32).
        let params = &body[..4 + 32];
        assert_eq!(params[..4], [0x03, 0x00, 0x1d, 32]);
        let scheme = SignatureScheme(u16::from_be_bytes([body[36], body[37]]));
        assert_eq!(scheme, SignatureScheme::RSA_PKCS1_SHA256);
        let sig_len = u16::from_be_bytes([body[38], body[39]]) as usize;
        let signature = &body[40..40 + sig_len];
        assert_eq!(40 + sig_len, body.len());

        let signed = [
            unhex(vector_field("client_random")),
            unhex(vector_field("server_random")),
            params.to_vec(),
        ]
        .concat();
        verify_server_signature(&key, scheme, &signed, signature).unwrap();

        // One flipped bit, in the signed bytes or in the signature, breaks it.
        let mut bad_signed = signed.clone();
        bad_signed[70] ^= 0x01;
        let err = verify_server_signature(&key, scheme, &bad_signed, signature).unwrap_err();
        assert_bad_signature(&err);
        let mut bad_sig = signature.to_vec();
        bad_sig[100] ^= 0x80;
        let err = verify_server_signature(&key, scheme, &signed, &bad_sig).unwrap_err();
        assert_bad_signature(&err);
        assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR));

        // An ECDSA scheme with an RSA key is the server's mistake.
        let err = verify_server_signature(&key, SignatureScheme::ECDSA_SECP256R1_SHA256, &signed, signature)
            .unwrap_err();
        assert_scheme_refused_for_key(&err);
    }

    /// Key kinds of the OpenSSL-made leaves; signatures made by `openssl dgst`
    /// (PKCS#1 v1.5, PSS with salt = hash length, ECDSA) verify.
    #[test]
    fn openssl_made_keys_and_signatures() {
        let pki = test_pki();
        let rsa = server_public_key(&pki.rsa_leaf_der).unwrap();
        assert_eq!(rsa.kind, PublicKeyKind::Rsa { modulus_bits: 2048 });
        let ec = server_public_key(&pki.ec_leaf_der).unwrap();
        assert_eq!(ec.kind, PublicKeyKind::EcP256);
        assert_eq!(ec.spki_key.len(), 65);
        let ec384 = server_public_key(&pki.ec384_leaf_der).unwrap();
        assert_eq!(ec384.kind, PublicKeyKind::EcP384);

        let data = b"client_random + server_random + ServerECDHParams, more or less";
        let cases: [(&ServerPublicKey, &str, &str, &[&str], SignatureScheme); 7] = [
            (&rsa, "rsa.key", "sha256", &[], SignatureScheme::RSA_PKCS1_SHA256),
            (&rsa, "rsa.key", "sha1", &[], SignatureScheme::RSA_PKCS1_SHA1),
            (
                &rsa,
                "rsa.key",
                "sha256",
                &["rsa_padding_mode:pss", "rsa_pss_saltlen:32"],
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ),
            (
                &rsa,
                "rsa.key",
                "sha384",
                &["rsa_padding_mode:pss", "rsa_pss_saltlen:48"],
                SignatureScheme::RSA_PSS_RSAE_SHA384,
            ),
            (
                &ec,
                "ec.key",
                "sha256",
                &[],
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
            (
                &ec384,
                "ec384.key",
                "sha384",
                &[],
                SignatureScheme::ECDSA_SECP384R1_SHA384,
            ),
            (
                &ec384,
                "ec384.key",
                "sha256",
                &[],
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
        ];
        for (key, key_file, digest, sigopts, scheme) in cases {
            let sig = openssl_sign(key_file, digest, sigopts, data);
            verify_server_signature(key, scheme, data, &sig).unwrap_or_else(|e| panic!("{scheme}: {e}"));
            let err = verify_server_signature(key, scheme, b"other data", &sig).unwrap_err();
            assert!(
                matches!(err, Error::Handshake(HandshakeError::BadSignature(_))),
                "{scheme}: {err}"
            );
        }
    }

    /// TLS 1.0/1.1 signatures made by OpenSSL: RSA PKCS#1 v1.5 over the 36
    /// bytes MD5 ‖ SHA-1 with no DigestInfo (`openssl pkeyutl -sign` of the
    /// raw bytes, RFC 2246 §7.4.3), ECDSA over SHA-1 (`openssl dgst -sha1
    /// -sign`, RFC 4492 §5.4). Each verifies under its implicit scheme and
    /// fails over other bytes; TLS 1.2's rsa_pkcs1_sha1 signature (with its
    /// DigestInfo) is not accepted as a TLS 1.0 one.
    #[test]
    fn openssl_made_legacy_signatures() {
        use crate::crypto::test_util::{openssl, openssl_sign};
        use sha1::Digest as _;
        let pki = test_pki();
        let rsa = server_public_key(&pki.rsa_leaf_der).unwrap();
        let ec = server_public_key(&pki.ec_leaf_der).unwrap();
        let ec384 = server_public_key(&pki.ec384_leaf_der).unwrap();
        let data = b"client_random + server_random + ServerDHParams, TLS 1.0";
        let bad = |e: Error| matches!(e, Error::Handshake(HandshakeError::BadSignature(_)));

        let mut hash = md5::Md5::digest(data).to_vec();
        hash.extend_from_slice(&sha1::Sha1::digest(data));
        let file = format!("md5-sha1-{}.bin", std::process::id());
        std::fs::write(pki.dir.join(&file), &hash).unwrap();
        let sig = openssl(&pki.dir, &["pkeyutl", "-sign", "-inkey", "rsa.key", "-in", &file]);
        assert_eq!(legacy_scheme_for(&rsa), Some(SignatureScheme::RSA_PKCS1_MD5_SHA1));
        verify_server_signature(&rsa, SignatureScheme::RSA_PKCS1_MD5_SHA1, data, &sig).unwrap();
        assert!(bad(verify_server_signature(
            &rsa,
            SignatureScheme::RSA_PKCS1_MD5_SHA1,
            b"other",
            &sig
        )
        .unwrap_err()));
        let with_digest_info = openssl_sign("rsa.key", "sha1", &[], data);
        assert!(bad(verify_server_signature(
            &rsa,
            SignatureScheme::RSA_PKCS1_MD5_SHA1,
            data,
            &with_digest_info
        )
        .unwrap_err()));

        for (key, file) in [(&ec, "ec.key"), (&ec384, "ec384.key")] {
            assert_eq!(legacy_scheme_for(key), Some(SignatureScheme::ECDSA_SHA1));
            let sig = openssl_sign(file, "sha1", &[], data);
            verify_server_signature(key, SignatureScheme::ECDSA_SHA1, data, &sig)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(bad(verify_server_signature(
                key,
                SignatureScheme::ECDSA_SHA1,
                b"other",
                &sig
            )
            .unwrap_err()));
        }
    }

    /// An Ed25519 certificate and signature made by the `openssl` tool (RFC
    /// 8410 key, RFC 8032 PureEdDSA signature with `pkeyutl -rawin`): the key
    /// is read as Ed25519 and the signature verifies under the ed25519
    /// scheme (0x0807, RFC 8422 §5.1.3), and under no other.
    #[test]
    fn openssl_made_ed25519_certificate_and_signature() {
        use crate::crypto::test_util::{openssl, openssl_self_signed_der};
        let dir = std::env::temp_dir().join(format!("tlslab-ed25519-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        openssl(&dir, &["genpkey", "-algorithm", "ed25519", "-out", "ed.key"]);
        openssl_self_signed_der(&dir, "ed.key", "ed.der");
        let data = b"client_random + server_random + ServerECDHParams";
        std::fs::write(dir.join("data.bin"), data).unwrap();
        openssl(
            &dir,
            &[
                "pkeyutl", "-sign", "-rawin", "-inkey", "ed.key", "-in", "data.bin", "-out", "sig.bin",
            ],
        );
        let der = std::fs::read(dir.join("ed.der")).unwrap();
        let sig = std::fs::read(dir.join("sig.bin")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let key = server_public_key(&der).unwrap();
        assert_eq!(key.kind, PublicKeyKind::Ed25519);
        assert_eq!(key.spki_key.len(), 32);
        assert_eq!(sig.len(), 64, "RFC 8032 §5.1.6: an Ed25519 signature is 64 bytes");
        verify_server_signature(&key, SignatureScheme::ED25519, data, &sig).unwrap();
        let err = verify_server_signature(&key, SignatureScheme::ED25519, b"other data", &sig).unwrap_err();
        assert_bad_signature(&err);
        let err =
            verify_server_signature(&key, SignatureScheme::ECDSA_SECP256R1_SHA256, data, &sig).unwrap_err();
        assert_scheme_refused_for_key(&err);
        // Offered only on request: the default list leaves it out (and
        // ecdsa_sha1, which RFC 9155 §2 forbids offering).
        assert!(!supported_schemes().contains(&SignatureScheme::ED25519));
        assert!(implemented_schemes().contains(&SignatureScheme::ED25519));
        assert!(!supported_schemes().contains(&SignatureScheme::ECDSA_SHA1));
        assert!(implemented_schemes().contains(&SignatureScheme::ECDSA_SHA1));
    }

    /// A P-521 certificate and ECDSA signatures made by the `openssl` tool
    /// (`dgst -sha512` / `-sha384 -sign`) verify under ecdsa_secp521r1_sha512
    /// and ecdsa_secp384r1_sha384; a changed byte does not.
    #[test]
    fn openssl_made_p521_certificate_and_signatures() {
        use crate::crypto::test_util::{openssl, openssl_ec_key, openssl_self_signed_der};
        let dir = std::env::temp_dir().join(format!("tlslab-p521-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        openssl_ec_key(&dir, "P-521", "p521.key");
        openssl_self_signed_der(&dir, "p521.key", "p521.der");
        let data = b"client_random + server_random + ServerECDHParams";
        std::fs::write(dir.join("data.bin"), data).unwrap();
        let sign = |digest: &str| {
            openssl(
                &dir,
                &[
                    "dgst",
                    &format!("-{digest}"),
                    "-sign",
                    "p521.key",
                    "-out",
                    &format!("sig-{digest}.bin"),
                    "data.bin",
                ],
            );
            std::fs::read(dir.join(format!("sig-{digest}.bin"))).unwrap()
        };
        let sig512 = sign("sha512");
        let sig384 = sign("sha384");
        let der = std::fs::read(dir.join("p521.der")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let key = server_public_key(&der).unwrap();
        assert_eq!(key.kind, PublicKeyKind::EcP521);
        assert_eq!(
            key.spki_key.len(),
            133,
            "SEC 1 §2.3.3: 0x04 || X || Y, 66 bytes each"
        );
        verify_server_signature(&key, SignatureScheme::ECDSA_SECP521R1_SHA512, data, &sig512).unwrap();
        verify_server_signature(&key, SignatureScheme::ECDSA_SECP384R1_SHA384, data, &sig384).unwrap();
        for (scheme, sig) in [
            (SignatureScheme::ECDSA_SECP521R1_SHA512, &sig512),
            (SignatureScheme::ECDSA_SECP384R1_SHA384, &sig384),
        ] {
            let err = verify_server_signature(&key, scheme, b"other data", sig).unwrap_err();
            assert_bad_signature(&err);
        }
        // The SHA-512 signature is not a SHA-384 one.
        let err = verify_server_signature(&key, SignatureScheme::ECDSA_SECP384R1_SHA384, data, &sig512)
            .unwrap_err();
        assert_bad_signature(&err);
        let err =
            verify_server_signature(&key, SignatureScheme::RSA_PKCS1_SHA256, data, &sig512).unwrap_err();
        assert_scheme_refused_for_key(&err);
        assert!(!supported_schemes().contains(&SignatureScheme::ECDSA_SECP521R1_SHA512));
    }

    /// Hostile input: every truncation and every single-byte corruption of a
    /// real certificate gives a result (Ok or a named error), never a panic.
    #[test]
    fn no_panic_on_truncated_or_corrupted_certificates() {
        let cert = unhex(vector_field("server_certificate_der"));
        for cut in 0..cert.len() {
            assert!(server_public_key(&cert[..cut]).is_err());
        }
        for i in 0..cert.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut c = cert.clone();
                c[i] ^= x;
                let _ = server_public_key(&c);
            }
        }
    }

    #[test]
    fn malformed_certificates_name_the_field() {
        let cert = unhex(vector_field("server_certificate_der"));
        for cut in [0, 1, 3, 20, 200, cert.len() - 1] {
            let err = server_public_key(&cert[..cut]).unwrap_err();
            let Error::Certificate(CertificateError { kind, reason }) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(kind.alert(), AlertDescription::BAD_CERTIFICATE);
            assert!(
                reason.contains("Certificate") || reason.contains("tbs"),
                "{reason}"
            );
        }
        let mut trailing = cert.clone();
        trailing.push(0);
        assert!(server_public_key(&trailing)
            .unwrap_err()
            .to_string()
            .contains("trailing"));
        let mut wrong_tag = cert.clone();
        wrong_tag[0] = 0x31;
        let msg = server_public_key(&wrong_tag).unwrap_err().to_string();
        assert!(msg.contains("Certificate at offset 0: tag 0x31"), "{msg}");
        assert!(server_public_key(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(server_public_key(&[0x30, 0x80, 0, 0]).is_err());
    }
}
