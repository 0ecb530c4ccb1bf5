//! `-cipher`: BoringSSL's cipher rule strings (`SSL_CTX_set_strict_cipher_list`),
//! over the suites tlslab's client implements.
//!
//! A rule is a list of elements separated by `:` (or `,` or a space), applied
//! in order to an ordered list that starts empty:
//!
//! * `NAME` or `A+B` adds the suites that match (a suite name, or aliases
//!   joined by `+`, all of which must match) and are not yet in the list;
//! * `-X` takes the matching suites out, `!X` takes them out for good (a
//!   later element cannot add them back), `+X` moves them to the end;
//! * `ALL` and `DEFAULT` are every suite the client implements.
//!
//! Aliases, as BoringSSL defines them on its own suites: `kRSA` / `RSA` (RSA
//! key transport), `kECDHE` / `kEECDH` / `ECDHE` / `EECDH`, `kDHE` / `DHE` /
//! `EDH`, `aRSA`, `aECDSA` / `ECDSA`, `AES128`, `AES256`, `AES`, `AESGCM`,
//! `CHACHA20`, `SHA1` / `SHA`, `SHA256`, `SHA384`, `HIGH` (every suite here),
//! `3DES` (none: the client never offers it). Anything else, an
//! equal-preference group `[a|b]` or `@STRENGTH` among them, is refused with
//! exit code 89, as an unknown flag is.

use tlslab::crypto::suites::{
    default_suites, find_by_name, BulkCipher, KeyExchange, MacAlgorithm, SuiteInfo,
};

use crate::flags::Unsupported;

/// Whether `s` matches one alias; `None` for a word that is not an alias.
fn alias(word: &str, s: &SuiteInfo) -> Option<bool> {
    use BulkCipher as C;
    use KeyExchange as K;
    Some(match word {
        "ALL" | "DEFAULT" | "HIGH" => true,
        "kRSA" | "RSA" => s.kx == K::Rsa,
        "kECDHE" | "kEECDH" | "ECDHE" | "EECDH" => matches!(s.kx, K::EcdheRsa | K::EcdheEcdsa),
        "kDHE" | "DHE" | "EDH" => s.kx == K::DheRsa,
        "aRSA" => matches!(s.kx, K::Rsa | K::EcdheRsa | K::DheRsa),
        "aECDSA" | "ECDSA" => s.kx == K::EcdheEcdsa,
        "AES128" => matches!(s.cipher, C::Aes128Cbc | C::Aes128Gcm),
        "AES256" => matches!(s.cipher, C::Aes256Cbc | C::Aes256Gcm),
        "AES" => matches!(
            s.cipher,
            C::Aes128Cbc | C::Aes128Gcm | C::Aes256Cbc | C::Aes256Gcm
        ),
        "AESGCM" => matches!(s.cipher, C::Aes128Gcm | C::Aes256Gcm),
        "CHACHA20" => s.cipher == C::Chacha20Poly1305,
        "3DES" => s.cipher == C::TripleDesEdeCbc,
        "SHA1" | "SHA" => s.mac == MacAlgorithm::HmacSha1,
        "SHA256" => s.mac == MacAlgorithm::HmacSha256,
        "SHA384" => s.mac == MacAlgorithm::HmacSha384,
        _ => return None,
    })
}

/// The suites one element names: a suite by name, or aliases joined by `+`.
fn selected(element: &str) -> Result<Vec<&'static SuiteInfo>, Unsupported> {
    if let Some(s) = find_by_name(element) {
        return Ok(vec![s]);
    }
    let words: Vec<&str> = element.split('+').collect();
    let mut out = vec![];
    for s in default_suites() {
        let mut all = true;
        for w in &words {
            match alias(w, s) {
                Some(m) => all &= m,
                None => return Err(Unsupported(format!("-cipher: '{element}'"))),
            }
        }
        if all {
            out.push(s);
        }
    }
    Ok(out)
}

/// The ordered suite list a rule makes. An empty result is an error, as
/// BoringSSL's strict parser makes it (`NO_CIPHER_MATCH`).
pub fn suites(rule: &str) -> Result<Vec<&'static SuiteInfo>, Unsupported> {
    let mut list: Vec<&'static SuiteInfo> = vec![];
    let mut banned: Vec<&'static SuiteInfo> = vec![];
    let same = |a: &SuiteInfo, b: &SuiteInfo| a.id == b.id;
    for element in rule.split([':', ',', ' ']).filter(|e| !e.is_empty()) {
        if element.starts_with('[') || element.starts_with('@') {
            return Err(Unsupported(format!("-cipher: '{element}'")));
        }
        if let Some(rest) = element.strip_prefix('!') {
            let sel = selected(rest)?;
            list.retain(|s| !sel.iter().any(|x| same(s, x)));
            banned.extend(sel);
        } else if let Some(rest) = element.strip_prefix('-') {
            let sel = selected(rest)?;
            list.retain(|s| !sel.iter().any(|x| same(s, x)));
        } else if let Some(rest) = element.strip_prefix('+') {
            let sel = selected(rest)?;
            let (moved, kept): (Vec<_>, Vec<_>) = list.iter().partition(|s| sel.iter().any(|x| same(s, x)));
            list = kept.into_iter().chain(moved).collect();
        } else {
            for s in selected(element)? {
                if !list.iter().any(|x| same(s, x)) && !banned.iter().any(|x| same(s, x)) {
                    list.push(s);
                }
            }
        }
    }
    if list.is_empty() {
        return Err(Unsupported(format!("-cipher: '{rule}' leaves no suite")));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlslab::crypto::suites::default_suites;

    fn names(rule: &str) -> Vec<&'static str> {
        suites(rule).unwrap().iter().map(|s| s.openssl_name).collect()
    }

    #[test]
    fn lists_and_rules() {
        // A plain list keeps its order (the form the runner uses most).
        assert_eq!(
            names("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"),
            ["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"]
        );
        // The runner's UnsupportedCipherSuite: every suite but AES ones.
        let no_aes = suites("DEFAULT:!AES").unwrap();
        assert!(!no_aes.is_empty());
        assert!(no_aes.iter().all(|s| s.cipher == BulkCipher::Chacha20Poly1305));
        // `!` is for good; `-` is not.
        assert!(names("!CHACHA20:ALL").iter().all(|n| !n.contains("CHACHA20")));
        assert!(names("-CHACHA20:ALL").iter().any(|n| n.contains("CHACHA20")));
        // `+` moves to the end; `A+B` needs both.
        let last = *names("ALL:+RSA").last().unwrap();
        assert!(suites(last).unwrap()[0].kx == KeyExchange::Rsa, "{last}");
        assert!(names("ECDHE+AESGCM")
            .iter()
            .all(|n| n.starts_with("ECDHE-") && n.contains("GCM")));
        assert_eq!(suites("ALL").unwrap().len(), default_suites().len());
        // Not a rule this parser knows, or nothing left: exit code 89.
        assert!(suites("[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]").is_err());
        assert!(suites("ALL:@STRENGTH").is_err());
        assert!(suites("NOSUCH").is_err());
        assert!(suites("3DES").is_err());
    }
}
