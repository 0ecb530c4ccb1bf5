//! One cipher suite or group, spelled the way each server wants it.
//!
//! The source of truth is the IANA name (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`,
//! [`CipherSuite::name`]). Its parts give GnuTLS' key exchange, cipher and MAC
//! keywords and mbedTLS' suite name; OpenSSL's own names come from OpenSSL
//! itself (`openssl ciphers -V`).

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::certs::openssl_bin;
use tlslab::wire::{CipherSuite, NamedGroup};
use tlslab::Error;

/// The three parts of a TLS 1.2 suite name, `TLS_<kx>_WITH_<cipher>_<hash>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteParts {
    /// Key exchange and authentication (`ECDHE_RSA`, `RSA`, `DHE_RSA`).
    pub kx: &'static str,
    /// Bulk cipher (`AES_128_GCM`, `AES_256_CBC`, `CHACHA20_POLY1305`).
    pub cipher: &'static str,
    /// The hash in the name: the record MAC of a CBC suite (`SHA` is SHA-1),
    /// the PRF hash of an AEAD suite.
    pub hash: &'static str,
}

impl SuiteParts {
    /// Splits a known suite's IANA name; `None` for unnamed code points and
    /// signalling values.
    pub fn of(suite: CipherSuite) -> Option<SuiteParts> {
        let name = suite.name()?.strip_prefix("TLS_")?;
        let (kx, rest) = name.split_once("_WITH_")?;
        let (cipher, hash) = rest.rsplit_once('_')?;
        Some(SuiteParts { kx, cipher, hash })
    }

    /// Whether the cipher is an AEAD one (GCM, CCM, ChaCha20-Poly1305).
    pub fn is_aead(&self) -> bool {
        self.cipher.ends_with("GCM") || self.cipher.contains("CCM") || self.cipher.ends_with("POLY1305")
    }

    /// Whether the server's certificate must carry an ECDSA key (else RSA).
    pub fn needs_ecdsa_key(&self) -> bool {
        self.kx.ends_with("ECDSA")
    }
}

/// Code point to OpenSSL name for every suite this OpenSSL knows, read once
/// from `openssl ciphers -V ALL:COMPLEMENTOFALL`.
fn openssl_table() -> &'static HashMap<u16, String> {
    static TABLE: OnceLock<HashMap<u16, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        openssl_ciphers(&["ALL:COMPLEMENTOFALL"])
            .unwrap_or_default()
            .into_iter()
            .collect()
    })
}

/// Runs `openssl ciphers -V args...` and returns (code point, name) pairs.
/// Lines look like `0xC0,0x2F - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH ...`.
pub(crate) fn openssl_ciphers(args: &[&str]) -> Result<Vec<(u16, String)>, Error> {
    let out = Command::new(openssl_bin())
        .arg("ciphers")
        .arg("-V")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("peer: running openssl ciphers: {e}")))?;
    if !out.status.success() {
        return Err(Error::config(format!(
            "openssl ciphers {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let code = f.next()?;
            let (hi, lo) = code.split_once(',')?;
            let hi = u8::from_str_radix(hi.strip_prefix("0x")?, 16).ok()?;
            let lo = u8::from_str_radix(lo.strip_prefix("0x")?, 16).ok()?;
            f.next(); // "-"
            Some((u16::from_be_bytes([hi, lo]), f.next()?.to_owned()))
        })
        .collect())
}

/// OpenSSL's name for `suite` (`ECDHE-RSA-AES128-GCM-SHA256`).
pub fn openssl_suite(suite: CipherSuite) -> Result<String, Error> {
    openssl_table().get(&suite.0).cloned().ok_or_else(|| {
        Error::config(format!(
            "OpenSSL ({}) does not know the suite {suite}",
            openssl_bin()
        ))
    })
}

/// OpenSSL's group name (`-groups`): `X25519`, `P-256`, `P-384`.
pub fn openssl_group(group: NamedGroup) -> Result<String, Error> {
    Ok(match group {
        NamedGroup::SECP256R1 => "P-256".into(),
        NamedGroup::SECP384R1 => "P-384".into(),
        NamedGroup::SECP521R1 => "P-521".into(),
        NamedGroup::X25519 => "X25519".into(),
        NamedGroup::X448 => "X448".into(),
        other => other
            .name()
            .map(str::to_owned)
            .ok_or_else(|| Error::config(format!("no OpenSSL name for group {other}")))?,
    })
}

/// GnuTLS priority keywords for the parts of `suite`: (kx, cipher, MAC),
/// e.g. `("ECDHE-RSA", "AES-128-GCM", "AEAD")` or `("RSA", "AES-256-CBC", "SHA1")`.
pub fn gnutls_suite(suite: CipherSuite) -> Result<(String, String, String), Error> {
    let p =
        SuiteParts::of(suite).ok_or_else(|| Error::config(format!("no GnuTLS name for suite {suite}")))?;
    let kx = p.kx.replace('_', "-");
    let cipher = match p.cipher {
        "3DES_EDE_CBC" => "3DES-CBC".to_owned(),
        c => c.replace('_', "-"),
    };
    let mac = if p.is_aead() {
        "AEAD".to_owned()
    } else if p.hash == "SHA" {
        "SHA1".to_owned()
    } else {
        p.hash.to_owned()
    };
    Ok((kx, cipher, mac))
}

/// GnuTLS' group keyword: `GROUP-X25519`, `GROUP-SECP256R1`, ...
pub fn gnutls_group(group: NamedGroup) -> Result<String, Error> {
    let n = group
        .name()
        .ok_or_else(|| Error::config(format!("no GnuTLS name for group {group}")))?;
    Ok(format!("GROUP-{}", n.to_ascii_uppercase()))
}

/// mbedTLS' suite name: the IANA name with dashes
/// (`TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256`, `ssl_ciphersuites.c`).
pub fn mbedtls_suite(suite: CipherSuite) -> Result<String, Error> {
    let n = suite
        .name()
        .ok_or_else(|| Error::config(format!("no mbedTLS name for suite {suite}")))?;
    Ok(n.replace('_', "-"))
}

/// The RFC name of a group (`x25519`, `secp256r1`), which is also what
/// tlslite-ng (`--groups`) and mbedTLS (`Curves`) call it.
pub fn rfc_group(group: NamedGroup) -> Result<String, Error> {
    group
        .name()
        .map(str::to_owned)
        .ok_or_else(|| Error::config(format!("group {group} has no name")))
}

/// Parses a `SUITES c02f,c030` line printed by a server.
pub(crate) fn parse_suites_line(stdout: &str) -> Vec<CipherSuite> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("SUITES "))
        .map(|l| {
            l.split(',')
                .filter_map(|x| u16::from_str_radix(x.trim(), 16).ok())
                .map(CipherSuite)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_iana_names() {
        let p = SuiteParts::of(CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256).unwrap();
        assert_eq!(
            (p.kx, p.cipher, p.hash),
            ("ECDHE_RSA", "CHACHA20_POLY1305", "SHA256")
        );
        assert!(p.is_aead());
        let p = SuiteParts::of(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA).unwrap();
        assert_eq!((p.kx, p.cipher, p.hash), ("RSA", "AES_128_CBC", "SHA"));
        assert!(!p.is_aead() && !p.needs_ecdsa_key());
        assert_eq!(
            SuiteParts::of(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
            None
        );
    }

    #[test]
    fn spellings() {
        // Keywords as listed by `gnutls-cli --list` (GnuTLS 3.7).
        assert_eq!(
            gnutls_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA).unwrap(),
            ("ECDHE-RSA".into(), "AES-128-CBC".into(), "SHA1".into())
        );
        assert_eq!(
            gnutls_suite(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384).unwrap(),
            ("ECDHE-ECDSA".into(), "AES-256-GCM".into(), "AEAD".into())
        );
        assert_eq!(gnutls_group(NamedGroup::SECP384R1).unwrap(), "GROUP-SECP384R1");
        // mbedTLS 2.28 ssl_ciphersuites.c spells it this way.
        assert_eq!(
            mbedtls_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).unwrap(),
            "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256"
        );
        // `openssl ciphers -V` names (OpenSSL 3.0).
        assert_eq!(
            openssl_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA).unwrap(),
            "ECDHE-RSA-AES128-SHA"
        );
        assert_eq!(openssl_group(NamedGroup::SECP256R1).unwrap(), "P-256");
    }
}
