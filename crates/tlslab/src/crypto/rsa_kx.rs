//! RSA key transport for the TLS_RSA_WITH_* suites ([RFC 5246 §7.4.7.1]):
//! the client makes the pre-master secret and encrypts it to the key in the
//! server's certificate with PKCS#1 v1.5 ([RFC 8017 §7.2.1]), written out
//! here on `num-bigint`.
//!
//! ```text
//! pre_master_secret = client_version(2) ‖ random(46)
//! EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ pre_master_secret     PS: k - 51 nonzero random bytes
//! c  = EM^e mod n                                       → EncryptedPreMasterSecret
//! ```
//!
//! There is no forward secrecy: whoever holds the server's private key,
//! today or in ten years, decrypts every recorded session. That is also what
//! makes [`decrypt_pre_master_secret`] useful: given the server's key, a
//! capture can be decrypted offline, and [`key_matches_certificate`] tells
//! whether the key a user holds is the one the server presented.
//!
//! The decryption side here is for analysis only. A *server* must not report
//! which padding check failed (Bleichenbacher 1998, ROBOT 2017); this code
//! reports exactly that, on purpose.
//!
//! [RFC 5246 §7.4.7.1]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.7.1
//! [RFC 8017 §7.2.1]: https://www.rfc-editor.org/rfc/rfc8017#section-7.2.1

use std::fmt;

use num_bigint::BigUint;
use rustls_pki_types::pem::{PemObject, SectionKind};

use crate::crypto::der::{tag, Der};
use crate::crypto::signature::{server_public_key, PublicKeyKind};
use crate::error::{CertificateError, CertificateKind, Error};
use crate::observer::{Event, Hooks};
use crate::rng::Rng;
use crate::wire::ProtocolVersion;

/// The smallest modulus we encrypt to. RSA-512 was factored in 1999 and
/// RSA-768 in 2009; 1024 bits is the floor every current TLS library keeps
/// (and itself considered breakable by a well-funded adversary).
pub const MIN_MODULUS_BITS: usize = 1024;

/// The largest modulus we accept (OpenSSL's `OPENSSL_RSA_MAX_MODULUS_BITS`):
/// a bound on the work a hostile certificate can ask for.
pub const MAX_MODULUS_BITS: usize = 16384;

/// The largest public exponent we accept, in bits. Real keys use 65537 (17
/// bits); OpenSSL refuses exponents above 64 bits for large moduli for the
/// same reason as here: `modpow` time grows with the exponent's length.
pub const MAX_EXPONENT_BITS: usize = 64;

/// RFC 8017 §7.2.1: at least 8 bytes of nonzero padding, so that even a short
/// message is hidden among 2^64 or more possible blocks.
pub const MIN_PADDING_LEN: usize = 8;

/// How many redraws of a single zero padding byte we allow before deciding the
/// random number generator is broken. Each draw is zero with probability
/// 1/256, so 64 zeros in a row (2^-512) never happen by chance.
const MAX_ZERO_REDRAWS: usize = 64;

/// `OCTET STRING`, the wrapper around the key in PKCS #8.
const OCTET_STRING: u8 = 0x04;

/// `pre_master_secret = client_version ‖ random[46]` (RFC 5246 §7.4.7.1).
///
/// `client_version` is the version the client *offered* in its ClientHello,
/// not the one negotiated: the server checks it to detect a version
/// rollback by a man in the middle.
// ANCHOR: make_pre_master_secret
pub fn make_pre_master_secret(client_version: ProtocolVersion, rng: &mut dyn Rng) -> [u8; 48] {
    let mut pms = [0u8; 48];
    pms[..2].copy_from_slice(&client_version.0.to_be_bytes());
    rng.fill(&mut pms[2..]);
    pms
}
// ANCHOR_END: make_pre_master_secret

/// An RSA public key (RFC 8017 §3.1): modulus `n` and public exponent `e`.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: BigUint,
    e: BigUint,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("modulus_bits", &self.modulus_bits())
            .field("n", &hex::encode(self.n.to_bytes_be()))
            .field("e", &self.e)
            .finish()
    }
}

/// The error for a certificate key we refuse: `bad_certificate` unless a
/// more precise alert applies.
fn bad_key(kind: CertificateKind, why: String) -> Error {
    Error::certificate(kind, why)
}

/// Turns a DER error from the private-key parser into [`ToolError::PrivateKey`](crate::error::ToolError::PrivateKey)
/// (the DER reader speaks of certificates).
fn key_error(e: Error) -> Error {
    match e {
        Error::Certificate(CertificateError { reason, .. }) => {
            Error::private_key(reason.replacen("malformed certificate", "malformed private key", 1))
        }
        other => other,
    }
}

/// A DER INTEGER's contents as an unsigned number. Negative values (top bit
/// set without a leading zero byte) are refused: no RSA component is negative.
fn read_uint(der: &mut Der<'_>, what: &str) -> Result<BigUint, Error> {
    let at = der.offset();
    let bytes = der.read(tag::INTEGER, what)?.rest();
    if bytes.first().is_some_and(|&b| b & 0x80 != 0) {
        return Err(crate::crypto::der::bad(what, at, "negative INTEGER"));
    }
    Ok(BigUint::from_bytes_be(bytes))
}

impl RsaPublicKey {
    /// A key from its numbers (no checks; see [`RsaPublicKey::check_for_key_transport`]).
    pub fn new(n: BigUint, e: BigUint) -> RsaPublicKey {
        RsaPublicKey { n, e }
    }

    /// Parses `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent
    /// INTEGER }` (RFC 8017 Appendix A.1.1): the contents of a certificate's
    /// `subjectPublicKey` BIT STRING ([`crate::crypto::signature::ServerPublicKey::spki_key`]).
    pub fn from_der(rsa_public_key: &[u8]) -> Result<RsaPublicKey, Error> {
        let mut outer = Der::new(rsa_public_key);
        let mut seq = outer.read(tag::SEQUENCE, "RSAPublicKey")?;
        let n = read_uint(&mut seq, "RSAPublicKey.modulus")?;
        let e = read_uint(&mut seq, "RSAPublicKey.publicExponent")?;
        if !seq.is_empty() || !outer.is_empty() {
            return Err(crate::crypto::der::bad(
                "RSAPublicKey",
                seq.offset(),
                "trailing bytes",
            ));
        }
        Ok(RsaPublicKey { n, e })
    }

    /// The RSA key of a DER certificate. A certificate with another key type
    /// is `unsupported_certificate`: RSA key transport needs an RSA key.
    pub fn from_certificate(cert_der: &[u8]) -> Result<RsaPublicKey, Error> {
        let key = server_public_key(cert_der)?;
        match key.kind {
            PublicKeyKind::Rsa { .. } => RsaPublicKey::from_der(&key.spki_key),
            other => Err(bad_key(
                CertificateKind::Unsupported,
                format!("RSA key transport needs an RSA key; the certificate has {other}"),
            )),
        }
    }

    /// Bits in the modulus `n`.
    pub fn modulus_bits(&self) -> usize {
        self.n.bits() as usize
    }

    /// `k`, the length of the modulus in bytes: the length of `EM` and of the ciphertext.
    pub fn modulus_len(&self) -> usize {
        self.modulus_bits().div_ceil(8)
    }

    /// RSAVP1 (RFC 8017 §5.2.2) and I2OSP: `EM = s^e mod n` as `k` bytes,
    /// the encoded message a signature `s` carries. `None` when the
    /// signature is not `k` bytes or not below `n` ("signature
    /// representative out of range").
    pub fn rsavp1(&self, signature: &[u8]) -> Option<Vec<u8>> {
        let k = self.modulus_len();
        let s = BigUint::from_bytes_be(signature);
        if signature.len() != k || s >= self.n {
            return None;
        }
        Some(i2osp(&s.modpow(&self.e, &self.n), k))
    }

    /// The modulus `n`, big-endian.
    pub fn modulus(&self) -> Vec<u8> {
        self.n.to_bytes_be()
    }

    /// The public exponent `e`, big-endian.
    pub fn exponent(&self) -> Vec<u8> {
        self.e.to_bytes_be()
    }

    /// Checks the key before we encrypt a secret to it:
    ///
    /// * at least [`MIN_MODULUS_BITS`]: `insufficient_security`. The
    ///   certificate is well-formed and may well verify; what fails is our
    ///   minimum strength, and RFC 5246 §7.2.2 defines `insufficient_security`
    ///   for a negotiation that failed "specifically because" of a security
    ///   requirement. `bad_certificate` would send the operator looking for a
    ///   corrupt or untrusted chain. (OpenSSL answers `handshake_failure`
    ///   here, which names no cause at all.)
    /// * at most [`MAX_MODULUS_BITS`], and `e` at most [`MAX_EXPONENT_BITS`]
    ///   long: `bad_certificate` (a bound on work, not a real key);
    /// * `n` odd and `e` odd with `3 <= e < n`: `bad_certificate`. An even
    ///   modulus has the factor 2; `e = 1` sends the pre-master secret in the
    ///   clear (`m^1 = m`); an even `e` has no inverse mod λ(n), so no
    ///   private key exists.
    pub fn check_for_key_transport(&self) -> Result<(), Error> {
        let bits = self.modulus_bits();
        if bits < MIN_MODULUS_BITS {
            return Err(bad_key(
                CertificateKind::WeakKey,
                format!(
                    "the server's RSA key is {bits} bits; RSA key transport needs at least \
                     {MIN_MODULUS_BITS} (a {bits}-bit modulus can be factored, and the pre-master \
                     secret with it)"
                ),
            ));
        }
        if bits > MAX_MODULUS_BITS {
            return Err(bad_key(
                CertificateKind::Malformed,
                format!("the server's RSA key is {bits} bits, above the {MAX_MODULUS_BITS}-bit maximum"),
            ));
        }
        if !self.n.bit(0) {
            return Err(bad_key(
                CertificateKind::Malformed,
                "the server's RSA modulus is even, so it is not a product of two odd primes".into(),
            ));
        }
        if self.e < BigUint::from(3u32) || !self.e.bit(0) || self.e >= self.n {
            return Err(bad_key(
                CertificateKind::Malformed,
                format!(
                    "the server's RSA public exponent {} is not an odd number with 3 <= e < n",
                    self.e
                ),
            ));
        }
        if self.e.bits() as usize > MAX_EXPONENT_BITS {
            return Err(bad_key(
                CertificateKind::Malformed,
                format!(
                    "the server's RSA public exponent is {} bits, above the {MAX_EXPONENT_BITS}-bit maximum",
                    self.e.bits()
                ),
            ));
        }
        Ok(())
    }
}

/// Every value of one PKCS#1 v1.5 encryption (RFC 8017 §7.2.1).
#[derive(Clone, PartialEq, Eq)]
pub struct RsaEncryption {
    /// Bits in the modulus.
    pub modulus_bits: usize,
    /// `PS`: `k - mLen - 3` nonzero random bytes. Secret (see [`Event::RsaPadding`]).
    pub padding_string: Vec<u8>,
    /// `EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M`, `k` bytes. Secret: it contains `M`.
    pub encoded_block: Vec<u8>,
    /// `C = I2OSP(EM^e mod n, k)`: `k` bytes, leading zeros kept.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for RsaEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets are the product of this crate, so they print too.
        f.debug_struct("RsaEncryption")
            .field("modulus_bits", &self.modulus_bits)
            .field("padding_string", &hex::encode(&self.padding_string))
            .field("encoded_block", &hex::encode(&self.encoded_block))
            .field("ciphertext", &hex::encode(&self.ciphertext))
            .finish()
    }
}

impl RsaEncryption {
    /// Emits `RsaPadding`, then `RsaEncrypted`.
    pub fn emit(&self, hooks: &mut Hooks<'_>) {
        hooks.emit(&Event::RsaPadding {
            padding_string: &self.padding_string,
            encoded_block: &self.encoded_block,
        });
        hooks.emit(&Event::RsaEncrypted {
            modulus_bits: self.modulus_bits,
            ciphertext: &self.ciphertext,
        });
    }
}

/// `n` as exactly `len` big-endian bytes (I2OSP, RFC 8017 §4.1); `n` must fit.
fn i2osp(n: &BigUint, len: usize) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(&bytes);
    out
}

/// RSAES-PKCS1-v1_5-ENCRYPT (RFC 8017 §7.2.1), after
/// [`RsaPublicKey::check_for_key_transport`].
///
/// 1. `mLen <= k - 11`, else "message too long" (`Error::Internal`: the
///    48-byte pre-master secret always fits a key of 1024 bits or more).
/// 2. `PS`: `k - mLen - 3` random bytes, each redrawn until nonzero (a zero
///    would end the padding early and the server would read a shorter `M`).
/// 3. `EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M`; `c = EM^e mod n`; `C = I2OSP(c, k)`.
#[inline(never)]
pub fn encrypt_pkcs1_v1_5(
    key: &RsaPublicKey,
    message: &[u8],
    rng: &mut dyn Rng,
) -> Result<RsaEncryption, Error> {
    key.check_for_key_transport()?;
    let k = key.modulus_len();
    // 1.
    if message.len() + 3 + MIN_PADDING_LEN > k {
        return Err(Error::Internal(format!(
            "message too long: {} bytes for a {k}-byte RSA modulus",
            message.len()
        )));
    }
    // 2.
    let mut padding_string = vec![0u8; k - message.len() - 3];
    rng.fill(&mut padding_string);
    for b in padding_string.iter_mut() {
        let mut draws = 0;
        while *b == 0 {
            if draws == MAX_ZERO_REDRAWS {
                return Err(Error::Internal(
                    "the random number generator keeps returning zero bytes".into(),
                ));
            }
            rng.fill(std::slice::from_mut(b));
            draws += 1;
        }
    }
    // 3.
    let mut encoded_block = Vec::with_capacity(k);
    encoded_block.extend_from_slice(&[0x00, 0x02]);
    encoded_block.extend_from_slice(&padding_string);
    encoded_block.push(0x00);
    encoded_block.extend_from_slice(message);
    let m = BigUint::from_bytes_be(&encoded_block);
    let c = m.modpow(&key.e, &key.n);
    Ok(RsaEncryption {
        modulus_bits: key.modulus_bits(),
        padding_string,
        encoded_block,
        ciphertext: i2osp(&c, k),
    })
}

/// Encrypts a pre-master secret to the RSA key of the server's certificate
/// (`cert_der`, the leaf): [`RsaPublicKey::from_certificate`] then
/// [`encrypt_pkcs1_v1_5`].
pub fn encrypt_pre_master_secret(
    cert_der: &[u8],
    pre_master_secret: &[u8; 48],
    rng: &mut dyn Rng,
) -> Result<RsaEncryption, Error> {
    let key = RsaPublicKey::from_certificate(cert_der)?;
    encrypt_pkcs1_v1_5(&key, pre_master_secret, rng)
}

/// An RSA private key, for offline analysis: `n`, `e` and `d` (the CRT
/// values are read past, not used).
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    d: BigUint,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl RsaPrivateKey {
    /// Reads a private key: PEM (`RSA PRIVATE KEY`, PKCS #1; or `PRIVATE
    /// KEY`, PKCS #8) or DER of either. Errors are [`ToolError::PrivateKey`](crate::error::ToolError::PrivateKey).
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<RsaPrivateKey, Error> {
        if bytes.first() == Some(&tag::SEQUENCE) {
            return Self::from_der(bytes);
        }
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
            match section {
                Ok((SectionKind::RsaPrivateKey, der)) => return Self::from_pkcs1_der(&der),
                Ok((SectionKind::PrivateKey, der)) => return Self::from_pkcs8_der(&der),
                Ok(_) => continue,
                Err(e) => return Err(Error::private_key(format!("bad PEM: {e:?}"))),
            }
        }
        Err(Error::private_key(
            "no RSA PRIVATE KEY or PRIVATE KEY section found (nor DER)",
        ))
    }

    /// DER, PKCS #1 or PKCS #8 (told apart by the second element: an INTEGER
    /// modulus in PKCS #1, a SEQUENCE AlgorithmIdentifier in PKCS #8).
    fn from_der(der: &[u8]) -> Result<RsaPrivateKey, Error> {
        let mut outer = Der::new(der);
        let mut seq = outer.read(tag::SEQUENCE, "private key").map_err(key_error)?;
        seq.skip(tag::INTEGER, "private key version").map_err(key_error)?;
        if seq.peek_tag() == Some(tag::SEQUENCE) {
            Self::from_pkcs8_der(der)
        } else {
            Self::from_pkcs1_der(der)
        }
    }

    /// `RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent,
    /// privateExponent, prime1, prime2, exponent1, exponent2, coefficient,
    /// otherPrimeInfos OPTIONAL }` (RFC 8017 Appendix A.1.2).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<RsaPrivateKey, Error> {
        let parse = || -> Result<RsaPrivateKey, Error> {
            let mut outer = Der::new(der);
            let mut seq = outer.read(tag::SEQUENCE, "RSAPrivateKey")?;
            seq.skip(tag::INTEGER, "RSAPrivateKey.version")?;
            let n = read_uint(&mut seq, "RSAPrivateKey.modulus")?;
            let e = read_uint(&mut seq, "RSAPrivateKey.publicExponent")?;
            let d = read_uint(&mut seq, "RSAPrivateKey.privateExponent")?;
            Ok(RsaPrivateKey {
                public: RsaPublicKey { n, e },
                d,
            })
        };
        let key = parse().map_err(key_error)?;
        if key.public.n.bits() == 0 || key.d.bits() == 0 {
            return Err(Error::private_key("RSAPrivateKey: zero modulus or exponent"));
        }
        Ok(key)
    }

    /// `PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm, privateKey
    /// OCTET STRING, ... }` (RFC 5208 §5) around an `RSAPrivateKey`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<RsaPrivateKey, Error> {
        let inner = (|| -> Result<&[u8], Error> {
            let mut outer = Der::new(der);
            let mut seq = outer.read(tag::SEQUENCE, "PrivateKeyInfo")?;
            seq.skip(tag::INTEGER, "PrivateKeyInfo.version")?;
            let mut alg = seq.read(tag::SEQUENCE, "PrivateKeyInfo.privateKeyAlgorithm")?;
            let oid = alg
                .read(tag::OID, "PrivateKeyInfo.privateKeyAlgorithm.algorithm")?
                .rest();
            if oid != OID_RSA_ENCRYPTION {
                return Err(Error::private_key(format!(
                    "not an RSA key (algorithm OID {})",
                    hex::encode(oid)
                )));
            }
            Ok(seq.read(OCTET_STRING, "PrivateKeyInfo.privateKey")?.rest())
        })()
        .map_err(key_error)?;
        Self::from_pkcs1_der(inner)
    }

    /// The public half.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    /// Whether this key belongs to `public` (same modulus and exponent).
    pub fn matches(&self, public: &RsaPublicKey) -> bool {
        &self.public == public
    }

    /// RSAES-PKCS1-v1_5-DECRYPT (RFC 8017 §7.2.2), reporting which check
    /// failed. **Not for a server** (see the module doc: Bleichenbacher).
    pub fn decrypt_pkcs1_v1_5(&self, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
        let k = self.public.modulus_len();
        if ciphertext.len() != k {
            return Err(Error::private_key(format!(
                "the ciphertext is {} bytes, the {}-bit key needs exactly {k}",
                ciphertext.len(),
                self.public.modulus_bits()
            )));
        }
        let c = BigUint::from_bytes_be(ciphertext);
        if c >= self.public.n {
            return Err(Error::private_key(
                "the ciphertext is not below the modulus: it was not made for this key",
            ));
        }
        let em = i2osp(&c.modpow(&self.d, &self.public.n), k);
        if em[0] != 0x00 || em[1] != 0x02 {
            return Err(Error::private_key(format!(
                "decryption gives a block starting {:02x} {:02x}, not 00 02: the ciphertext was \
                 encrypted to another key (or is corrupt)",
                em[0], em[1]
            )));
        }
        let Some(sep) = em[2..].iter().position(|&b| b == 0) else {
            return Err(Error::private_key(
                "no zero byte ends the padding string: not a PKCS#1 v1.5 block",
            ));
        };
        if sep < MIN_PADDING_LEN {
            return Err(Error::private_key(format!(
                "the padding string is {sep} bytes, fewer than the {MIN_PADDING_LEN} RFC 8017 requires"
            )));
        }
        Ok(em[2 + sep + 1..].to_vec())
    }
}

/// `rsaEncryption`, 1.2.840.113549.1.1.1 (RFC 8017 Appendix C).
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Decrypts an `EncryptedPreMasterSecret` with the server's private key
/// (PEM or DER, PKCS #1 or PKCS #8), for offline analysis of a capture.
///
/// Errors ([`ToolError::PrivateKey`](crate::error::ToolError::PrivateKey)) say which step failed; a block that does
/// not start `00 02` almost always means the key is not the server's. A
/// result that is not 48 bytes is refused: RFC 5246 §7.4.7.1 fixes the
/// length of the pre-master secret.
pub fn decrypt_pre_master_secret(private_key: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let key = RsaPrivateKey::from_pem_or_der(private_key)?;
    let pms = key.decrypt_pkcs1_v1_5(ciphertext)?;
    if pms.len() != 48 {
        return Err(Error::private_key(format!(
            "the decrypted pre-master secret is {} bytes, not 48",
            pms.len()
        )));
    }
    Ok(pms)
}

/// Whether `private_key` (PEM or DER) is the key of the certificate
/// `cert_der`: same modulus `n` and exponent `e`. False if either does not
/// parse or the certificate has no RSA key.
pub fn key_matches_certificate(private_key: &[u8], cert_der: &[u8]) -> bool {
    match (
        RsaPrivateKey::from_pem_or_der(private_key),
        RsaPublicKey::from_certificate(cert_der),
    ) {
        (Ok(key), Ok(public)) => key.matches(&public),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
