//! The one static cipher-suite table. Adding a suite means adding one row.
//!
//! Key and IV lengths follow RFC 5246 Appendix C (CBC) and RFC 5288 §3 /
//! RFC 7905 §2 (AEAD).

pub use crate::types::PrfHash;
use crate::wire::{CipherSuite, ProtocolVersion};

/// How the pre-master secret is agreed (RFC 5246 §7.4.7, RFC 8422 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyExchange {
    /// Ephemeral elliptic-curve Diffie-Hellman, signed with the server's RSA key.
    EcdheRsa,
    /// Ephemeral elliptic-curve Diffie-Hellman, signed with the server's ECDSA key.
    EcdheEcdsa,
    /// RSA key transport (RFC 5246 §7.4.7.1): the client encrypts the
    /// pre-master secret to the key in the server's certificate. No forward
    /// secrecy: whoever gets that key later decrypts every recorded session.
    Rsa,
    /// Ephemeral finite-field Diffie-Hellman (RFC 5246 §7.4.3, §8.1.2), the
    /// server's parameters signed with its RSA key.
    DheRsa,
}

impl KeyExchange {
    /// Whether the key exchange is elliptic-curve Diffie-Hellman (the suite
    /// needs `supported_groups` and a ServerECDHParams).
    pub fn is_ecdhe(self) -> bool {
        matches!(self, KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa)
    }
}

/// The bulk cipher that protects records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkCipher {
    /// AES-128 in CBC mode (MAC-then-encrypt, RFC 5246 §6.2.3.2).
    Aes128Cbc,
    /// AES-256 in CBC mode.
    Aes256Cbc,
    /// AES-128-GCM (RFC 5288).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5288).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905).
    Chacha20Poly1305,
    /// RC4 with a 128-bit key, a stream cipher (RFC 2246 §6.2.3.1):
    /// analysis of captures only, never offered (RFC 7465 prohibits it).
    Rc4_128,
    /// Triple DES (EDE, three 64-bit keys) in CBC mode, 8-byte blocks:
    /// analysis of captures only (Sweet32: 64-bit blocks collide after
    /// about 2^32 blocks).
    TripleDesEdeCbc,
    /// Single DES in CBC mode, 8-byte blocks, 56-bit key: analysis of
    /// captures only (RFC 5246 Appendix C removed it).
    DesCbc,
    /// No encryption at all, MAC only (`TLS_RSA_WITH_NULL_*`): analysis of
    /// captures only.
    Null,
}

impl BulkCipher {
    /// The cipher block size: 16 for AES-CBC, 8 for (3)DES-CBC, 0 for
    /// stream ciphers, NULL and AEAD ciphers (no padding, no CBC IV).
    pub fn block_len(self) -> usize {
        match self {
            BulkCipher::Aes128Cbc | BulkCipher::Aes256Cbc => 16,
            BulkCipher::TripleDesEdeCbc | BulkCipher::DesCbc => 8,
            BulkCipher::Aes128Gcm
            | BulkCipher::Aes256Gcm
            | BulkCipher::Chacha20Poly1305
            | BulkCipher::Rc4_128
            | BulkCipher::Null => 0,
        }
    }

    /// Whether records of this cipher are opened by the analysis-only
    /// record path (the record layer's `legacy` module): RC4, (3)DES and NULL.
    pub fn is_analysis_only(self) -> bool {
        matches!(
            self,
            BulkCipher::Rc4_128 | BulkCipher::TripleDesEdeCbc | BulkCipher::DesCbc | BulkCipher::Null
        )
    }
}

/// The record MAC of a CBC suite; AEAD suites have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacAlgorithm {
    /// HMAC-MD5, 16-byte tag and key (the `*_MD5` suites; captures only).
    HmacMd5,
    /// HMAC-SHA1, 20-byte tag and key.
    HmacSha1,
    /// HMAC-SHA256, 32-byte tag and key.
    HmacSha256,
    /// HMAC-SHA384, 48-byte tag and key.
    HmacSha384,
    /// AEAD suite: integrity comes from the cipher.
    Aead,
}

impl MacAlgorithm {
    /// `mac_length` and `mac_key_length` (RFC 5246 §6.2.3.1, Appendix C).
    #[doc(hidden)]
    pub fn len(self) -> usize {
        match self {
            MacAlgorithm::HmacMd5 => 16,
            MacAlgorithm::HmacSha1 => 20,
            MacAlgorithm::HmacSha256 => 32,
            MacAlgorithm::HmacSha384 => 48,
            MacAlgorithm::Aead => 0,
        }
    }

    /// Whether this is the AEAD placeholder (no separate MAC).
    #[doc(hidden)]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The ring HMAC algorithm, `None` for AEAD suites and for HMAC-MD5
    /// (ring has no MD5; the analysis-only record path computes it).
    #[doc(hidden)]
    pub fn hmac(self) -> Option<ring::hmac::Algorithm> {
        match self {
            MacAlgorithm::HmacSha1 => Some(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
            MacAlgorithm::HmacSha256 => Some(ring::hmac::HMAC_SHA256),
            MacAlgorithm::HmacSha384 => Some(ring::hmac::HMAC_SHA384),
            MacAlgorithm::HmacMd5 | MacAlgorithm::Aead => None,
        }
    }
}

/// One row of the suite table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteInfo {
    /// The IANA code point.
    pub id: CipherSuite,
    /// The OpenSSL name (`openssl ciphers -V`), accepted by `--cipher`.
    pub openssl_name: &'static str,
    /// Key exchange and server authentication.
    pub kx: KeyExchange,
    /// Record cipher.
    pub cipher: BulkCipher,
    /// Record MAC (CBC suites).
    pub mac: MacAlgorithm,
    /// PRF hash.
    pub prf: PrfHash,
}

impl SuiteInfo {
    /// The IANA name (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`).
    pub fn name(&self) -> &'static str {
        self.id.name().unwrap_or("unknown")
    }
    /// `enc_key_length` (RFC 5246 Appendix C).
    #[doc(hidden)]
    pub fn enc_key_len(&self) -> usize {
        match self.cipher {
            BulkCipher::Aes128Cbc | BulkCipher::Aes128Gcm | BulkCipher::Rc4_128 => 16,
            BulkCipher::Aes256Cbc | BulkCipher::Aes256Gcm | BulkCipher::Chacha20Poly1305 => 32,
            // RFC 2246 Appendix C: DES_EDE_CBC 24, DES_CBC 8, NULL 0.
            BulkCipher::TripleDesEdeCbc => 24,
            BulkCipher::DesCbc => 8,
            BulkCipher::Null => 0,
        }
    }
    /// `fixed_iv_length`: the IV bytes taken from the key block. Zero for
    /// TLS 1.2 CBC (the IV is explicit per record), 4 for GCM's salt (RFC 5288
    /// §3), 12 for ChaCha20-Poly1305 (RFC 7905 §2).
    #[doc(hidden)]
    pub fn fixed_iv_len(&self) -> usize {
        match self.cipher {
            BulkCipher::Aes128Cbc
            | BulkCipher::Aes256Cbc
            | BulkCipher::TripleDesEdeCbc
            | BulkCipher::DesCbc
            | BulkCipher::Rc4_128
            | BulkCipher::Null => 0,
            BulkCipher::Aes128Gcm | BulkCipher::Aes256Gcm => 4,
            BulkCipher::Chacha20Poly1305 => 12,
        }
    }
    /// `record_iv_length`: the explicit bytes sent in front of each record.
    pub(crate) fn record_iv_len(&self) -> usize {
        match self.cipher {
            BulkCipher::Aes128Cbc | BulkCipher::Aes256Cbc => 16,
            BulkCipher::TripleDesEdeCbc | BulkCipher::DesCbc => 8,
            BulkCipher::Aes128Gcm | BulkCipher::Aes256Gcm => 8,
            BulkCipher::Chacha20Poly1305 | BulkCipher::Rc4_128 | BulkCipher::Null => 0,
        }
    }
    /// Whether the suite uses an AEAD cipher.
    pub fn is_aead(&self) -> bool {
        self.mac == MacAlgorithm::Aead
    }
    /// The PRF (and Finished transcript hash) this suite uses under
    /// `version`: the suite's own for TLS 1.2, P_MD5 XOR P_SHA1 with MD5 ‖
    /// SHA-1 for TLS 1.0 and 1.1, whose PRF does not depend on the suite
    /// ([RFC 2246 §5], [RFC 4346 §5]).
    ///
    /// [RFC 2246 §5]: https://www.rfc-editor.org/rfc/rfc2246#section-5
    /// [RFC 4346 §5]: https://www.rfc-editor.org/rfc/rfc4346#section-5
    pub fn prf_for(&self, version: ProtocolVersion) -> PrfHash {
        if is_legacy(version) {
            PrfHash::Md5Sha1
        } else {
            self.prf
        }
    }

    /// `fixed_iv_length` under `version`: TLS 1.0 CBC takes each direction's
    /// first IV from the key block, one cipher block (16 bytes for AES), and
    /// chains every later IV from the previous record ([RFC 2246 §6.3]); TLS
    /// 1.1 sends it explicitly (RFC 4346 §6.2.3.2), like TLS 1.2.
    ///
    /// [RFC 2246 §6.3]: https://www.rfc-editor.org/rfc/rfc2246#section-6.3
    #[doc(hidden)]
    pub fn fixed_iv_len_for(&self, version: ProtocolVersion) -> usize {
        match self.cipher.block_len() {
            n if n > 0 && version.0 <= ProtocolVersion::TLS10.0 => n,
            _ => self.fixed_iv_len(),
        }
    }

    /// `record_iv_length` under `version`: 0 for TLS 1.0 CBC (the IV is
    /// implicit), otherwise as in TLS 1.2.
    #[doc(hidden)]
    pub fn record_iv_len_for(&self, version: ProtocolVersion) -> usize {
        match self.cipher.block_len() {
            n if n > 0 && version.0 <= ProtocolVersion::TLS10.0 => 0,
            _ => self.record_iv_len(),
        }
    }

    /// Length of the key block under `version` (RFC 5246 §6.3; RFC 2246 §6.3
    /// adds the two CBC IVs for TLS 1.0).
    #[doc(hidden)]
    pub fn key_block_len_for(&self, version: ProtocolVersion) -> usize {
        2 * (self.mac.len() + self.enc_key_len() + self.fixed_iv_len_for(version))
    }

    /// Whether the suite may be negotiated in `version`. TLS 1.0 and 1.1 know
    /// neither AEAD ciphers nor the SHA-256/SHA-384 MACs and PRFs, which
    /// arrived with TLS 1.2 (RFC 5246 §1.2, RFC 5288, RFC 5289 §3): below
    /// TLS 1.2 only the CBC suites with HMAC-SHA1 remain.
    /// (The analysis-only rows with HMAC-MD5 existed then too.)
    pub fn allowed_in(&self, version: ProtocolVersion) -> bool {
        !is_legacy(version) || matches!(self.mac, MacAlgorithm::HmacSha1 | MacAlgorithm::HmacMd5)
    }
}

/// TLS 1.0 or TLS 1.1: the versions whose PRF is P_MD5 XOR P_SHA1 and whose
/// signatures carry no algorithm field. (SSL 3.0 derives its keys without a
/// PRF at all, RFC 6101 §6.2.2, and is not one of them.)
#[doc(hidden)]
pub fn is_legacy(version: ProtocolVersion) -> bool {
    version == ProtocolVersion::TLS10 || version == ProtocolVersion::TLS11
}

macro_rules! suite {
    ($id:ident, $ossl:literal, $kx:ident, $cipher:ident, $mac:ident, $prf:ident) => {
        SuiteInfo {
            id: CipherSuite::$id,
            openssl_name: $ossl,
            kx: KeyExchange::$kx,
            cipher: BulkCipher::$cipher,
            mac: MacAlgorithm::$mac,
            prf: PrfHash::$prf,
        }
    };
}

/// Every suite this client implements, in our default preference order.
#[rustfmt::skip]
pub static ALL_SUITES: &[SuiteInfo] = &[
    suite!(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", EcdheEcdsa, Aes128Gcm, Aead, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", EcdheRsa, Aes128Gcm, Aead, Sha256),
    suite!(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", EcdheEcdsa, Aes256Gcm, Aead, Sha384),
    suite!(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", EcdheRsa, Aes256Gcm, Aead, Sha384),
    suite!(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", EcdheEcdsa, Chacha20Poly1305, Aead, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", EcdheRsa, Chacha20Poly1305, Aead, Sha256),
    suite!(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", EcdheEcdsa, Aes128Cbc, HmacSha256, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", EcdheRsa, Aes128Cbc, HmacSha256, Sha256),
    suite!(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "ECDHE-ECDSA-AES256-SHA384", EcdheEcdsa, Aes256Cbc, HmacSha384, Sha384),
    suite!(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "ECDHE-RSA-AES256-SHA384", EcdheRsa, Aes256Cbc, HmacSha384, Sha384),
    suite!(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", EcdheEcdsa, Aes128Cbc, HmacSha1, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", EcdheRsa, Aes128Cbc, HmacSha1, Sha256),
    suite!(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", EcdheEcdsa, Aes256Cbc, HmacSha1, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", EcdheRsa, Aes256Cbc, HmacSha1, Sha256),
    // Below ECDHE on purpose: finite-field DHE is slower for the same strength
    // and its parameters are the server's choice (Logjam), RSA key transport
    // has no forward secrecy. Kept for the servers that speak nothing else.
    suite!(TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "DHE-RSA-AES128-GCM-SHA256", DheRsa, Aes128Gcm, Aead, Sha256),
    suite!(TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "DHE-RSA-AES256-GCM-SHA384", DheRsa, Aes256Gcm, Aead, Sha384),
    suite!(TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "DHE-RSA-CHACHA20-POLY1305", DheRsa, Chacha20Poly1305, Aead, Sha256),
    suite!(TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, "DHE-RSA-AES128-SHA256", DheRsa, Aes128Cbc, HmacSha256, Sha256),
    suite!(TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, "DHE-RSA-AES256-SHA256", DheRsa, Aes256Cbc, HmacSha256, Sha256),
    suite!(TLS_DHE_RSA_WITH_AES_128_CBC_SHA, "DHE-RSA-AES128-SHA", DheRsa, Aes128Cbc, HmacSha1, Sha256),
    suite!(TLS_DHE_RSA_WITH_AES_256_CBC_SHA, "DHE-RSA-AES256-SHA", DheRsa, Aes256Cbc, HmacSha1, Sha256),
    suite!(TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", Rsa, Aes128Gcm, Aead, Sha256),
    suite!(TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", Rsa, Aes256Gcm, Aead, Sha384),
    suite!(TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", Rsa, Aes128Cbc, HmacSha256, Sha256),
    suite!(TLS_RSA_WITH_AES_256_CBC_SHA256, "AES256-SHA256", Rsa, Aes256Cbc, HmacSha256, Sha256),
    suite!(TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", Rsa, Aes128Cbc, HmacSha1, Sha256),
    suite!(TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", Rsa, Aes256Cbc, HmacSha1, Sha256),
];

/// Suites that old captures carry and that `tlslab explain` opens, but that
/// this client never offers and `--cipher` does not accept: RC4 (RFC 7465
/// prohibits it), single and triple DES (64-bit blocks: Sweet32; single DES
/// keys are searchable), and NULL encryption. Key and IV lengths from RFC
/// 2246 Appendix C; the `*_SHA` rows' PRF column is TLS 1.2's default
/// (RFC 5246 §5), used only if a TLS 1.2 capture carries one of them.
#[rustfmt::skip]
pub static ANALYSIS_ONLY_SUITES: &[SuiteInfo] = &[
    suite!(TLS_RSA_WITH_NULL_MD5, "NULL-MD5", Rsa, Null, HmacMd5, Sha256),
    suite!(TLS_RSA_WITH_NULL_SHA, "NULL-SHA", Rsa, Null, HmacSha1, Sha256),
    suite!(TLS_RSA_WITH_RC4_128_MD5, "RC4-MD5", Rsa, Rc4_128, HmacMd5, Sha256),
    suite!(TLS_RSA_WITH_RC4_128_SHA, "RC4-SHA", Rsa, Rc4_128, HmacSha1, Sha256),
    suite!(TLS_RSA_WITH_DES_CBC_SHA, "DES-CBC-SHA", Rsa, DesCbc, HmacSha1, Sha256),
    suite!(TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", Rsa, TripleDesEdeCbc, HmacSha1, Sha256),
    suite!(TLS_DHE_RSA_WITH_DES_CBC_SHA, "EDH-RSA-DES-CBC-SHA", DheRsa, DesCbc, HmacSha1, Sha256),
    suite!(TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA, "DHE-RSA-DES-CBC3-SHA", DheRsa, TripleDesEdeCbc, HmacSha1, Sha256),
    suite!(TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, "ECDHE-ECDSA-RC4-SHA", EcdheEcdsa, Rc4_128, HmacSha1, Sha256),
    suite!(TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-ECDSA-DES-CBC3-SHA", EcdheEcdsa, TripleDesEdeCbc, HmacSha1, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_RC4_128_SHA, "ECDHE-RSA-RC4-SHA", EcdheRsa, Rc4_128, HmacSha1, Sha256),
    suite!(TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", EcdheRsa, TripleDesEdeCbc, HmacSha1, Sha256),
];

/// The table row for a code point among every suite a capture can be
/// analysed with: [`ALL_SUITES`], then [`ANALYSIS_ONLY_SUITES`].
pub fn lookup_for_analysis(id: CipherSuite) -> Option<&'static SuiteInfo> {
    lookup(id).or_else(|| ANALYSIS_ONLY_SUITES.iter().find(|s| s.id == id))
}

/// The suites a client offers by default: every row of [`ALL_SUITES`], in
/// table order, so forward-secret ECDHE comes first and DHE, then RSA key
/// transport (no forward secrecy), only reach servers that speak nothing
/// better, as in the browsers that still offer them.
pub fn default_suites() -> Vec<&'static SuiteInfo> {
    ALL_SUITES.iter().collect()
}

/// The table row for a code point, if we implement it.
pub fn lookup(id: CipherSuite) -> Option<&'static SuiteInfo> {
    ALL_SUITES.iter().find(|s| s.id == id)
}

/// Finds a suite by IANA name, OpenSSL name or hex code point (`0xc02f`).
pub fn find_by_name(text: &str) -> Option<&'static SuiteInfo> {
    let t = text.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        let v = u16::from_str_radix(h, 16).ok()?;
        return lookup(CipherSuite(v));
    }
    ALL_SUITES
        .iter()
        .find(|s| s.openssl_name.eq_ignore_ascii_case(t) || s.name().eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_both_ways() {
        let s = find_by_name("ECDHE-RSA-AES128-SHA").unwrap();
        assert_eq!(s.id.0, 0xc013);
        assert_eq!(
            find_by_name("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
                .unwrap()
                .id
                .0,
            0xc030
        );
        assert_eq!(
            find_by_name("0xc02f").unwrap().openssl_name,
            "ECDHE-RSA-AES128-GCM-SHA256"
        );
        assert!(find_by_name("RC4-MD5").is_none());
        // Analysis-only rows: never offered, never accepted by `--cipher`.
        for s in ANALYSIS_ONLY_SUITES {
            assert!(find_by_name(s.openssl_name).is_none(), "{}", s.openssl_name);
            assert!(lookup(s.id).is_none());
            assert!(!default_suites().contains(&s));
            assert_eq!(lookup_for_analysis(s.id), Some(s));
            assert!(s.id.name().is_some(), "{} has no IANA name", s.openssl_name);
        }
        // RSA and DHE rows: code points and names as `openssl ciphers -V` (OpenSSL 3.0) lists them.
        for (name, id) in [
            ("AES128-SHA", 0x002f),
            ("AES256-SHA", 0x0035),
            ("AES128-SHA256", 0x003c),
            ("AES256-SHA256", 0x003d),
            ("AES128-GCM-SHA256", 0x009c),
            ("AES256-GCM-SHA384", 0x009d),
            ("DHE-RSA-AES128-SHA", 0x0033),
            ("DHE-RSA-AES256-SHA", 0x0039),
            ("DHE-RSA-AES128-SHA256", 0x0067),
            ("DHE-RSA-AES256-SHA256", 0x006b),
            ("DHE-RSA-AES128-GCM-SHA256", 0x009e),
            ("DHE-RSA-AES256-GCM-SHA384", 0x009f),
            ("DHE-RSA-CHACHA20-POLY1305", 0xccaa),
        ] {
            let s = find_by_name(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(s.id.0, id, "{name}");
            assert!(s.id.name().is_some(), "{name} has no IANA name");
        }
    }

    #[test]
    fn default_suites_put_forward_secrecy_first() {
        let d = default_suites();
        assert_eq!(d.len(), 27);
        assert!(d[..14].iter().all(|s| s.kx.is_ecdhe()));
        assert!(d[d.len() - 6..].iter().all(|s| s.kx == KeyExchange::Rsa));
        // Every RSA and DHE row sorts after every ECDHE row.
        let first_other = ALL_SUITES.iter().position(|s| !s.kx.is_ecdhe()).unwrap();
        assert!(ALL_SUITES[first_other..].iter().all(|s| !s.kx.is_ecdhe()));
        assert_eq!(ALL_SUITES.len() - first_other, 13);
    }

    #[test]
    fn key_block_lengths_match_rfc5246_appendix_c() {
        // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 2*(20+16) = 72 bytes are used
        // (the Illustrated TLS 1.2 walkthrough prints 104 because it also
        // prints two unused 16-byte IVs).
        assert_eq!(
            lookup(CipherSuite(0xc013))
                .unwrap()
                .key_block_len_for(ProtocolVersion::TLS12),
            72
        );
        // AES_128_GCM: 2*(16+4) = 40 (RFC 5288 §3).
        assert_eq!(
            lookup(CipherSuite(0xc02f))
                .unwrap()
                .key_block_len_for(ProtocolVersion::TLS12),
            40
        );
        // TLS_RSA_WITH_AES_256_CBC_SHA256: 2*(32+32) = 128.
        assert_eq!(
            lookup(CipherSuite(0x003d))
                .unwrap()
                .key_block_len_for(ProtocolVersion::TLS12),
            128
        );
        // TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 2*(32+12) = 88 (RFC 7905 §2).
        assert_eq!(
            lookup(CipherSuite(0xccaa))
                .unwrap()
                .key_block_len_for(ProtocolVersion::TLS12),
            88
        );
    }

    /// RFC 2246 §6.3 and Appendix C: TLS_RSA_WITH_AES_128_CBC_SHA under TLS
    /// 1.0 takes 2*(20+16+16) = 104 bytes, the two IVs included; TLS 1.1
    /// (RFC 4346 §6.3) drops the IVs again: 72.
    #[test]
    fn legacy_key_block_lengths() {
        let s = lookup(CipherSuite(0x002f)).unwrap();
        assert_eq!(s.key_block_len_for(ProtocolVersion::TLS10), 104);
        assert_eq!(s.key_block_len_for(ProtocolVersion::TLS11), 72);
        assert_eq!(s.record_iv_len_for(ProtocolVersion::TLS10), 0);
        assert_eq!(s.record_iv_len_for(ProtocolVersion::TLS11), 16);
        assert_eq!(s.prf_for(ProtocolVersion::TLS11), PrfHash::Md5Sha1);
        assert_eq!(s.prf_for(ProtocolVersion::TLS12), PrfHash::Sha256);
        // Only the HMAC-SHA1 CBC rows remain below TLS 1.2.
        let legacy: Vec<&str> = ALL_SUITES
            .iter()
            .filter(|s| s.allowed_in(ProtocolVersion::TLS10))
            .map(|s| s.openssl_name)
            .collect();
        assert_eq!(
            legacy,
            [
                "ECDHE-ECDSA-AES128-SHA",
                "ECDHE-RSA-AES128-SHA",
                "ECDHE-ECDSA-AES256-SHA",
                "ECDHE-RSA-AES256-SHA",
                "DHE-RSA-AES128-SHA",
                "DHE-RSA-AES256-SHA",
                "AES128-SHA",
                "AES256-SHA"
            ]
        );
    }

    /// RFC 2246 §6.3 and Appendix C: RC4_128 has a 16-byte key and no IV,
    /// DES_EDE_CBC a 24-byte key and an 8-byte IV, DES_CBC 8 and 8, NULL
    /// neither; MD5 MACs are 16 bytes.
    #[test]
    fn analysis_only_key_block_lengths_match_rfc2246_appendix_c() {
        let len = |id: u16, v| lookup_for_analysis(CipherSuite(id)).unwrap().key_block_len_for(v);
        // TLS_RSA_WITH_RC4_128_MD5: 2*(16+16) = 64.
        assert_eq!(len(0x0004, ProtocolVersion::TLS10), 64);
        // TLS_RSA_WITH_RC4_128_SHA: 2*(20+16) = 72.
        assert_eq!(len(0x0005, ProtocolVersion::TLS10), 72);
        // TLS_RSA_WITH_3DES_EDE_CBC_SHA: 2*(20+24+8) = 104 in TLS 1.0, 88 in 1.1.
        assert_eq!(len(0x000a, ProtocolVersion::TLS10), 104);
        assert_eq!(len(0x000a, ProtocolVersion::TLS11), 88);
        // TLS_RSA_WITH_DES_CBC_SHA: 2*(20+8+8) = 72.
        assert_eq!(len(0x0009, ProtocolVersion::TLS10), 72);
        // TLS_RSA_WITH_NULL_SHA: 2*20 = 40.
        assert_eq!(len(0x0002, ProtocolVersion::TLS10), 40);
    }
}
