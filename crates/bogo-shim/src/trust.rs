//! What `-trust-cert` makes the shim trust.
//!
//! The runner's certificates are self-signed, marked as CAs, for the name
//! `test`, and `-trust-cert` names that very certificate: BoringSSL's
//! verifier accepts a chain that ends in a certificate of its trust store.
//! tlslab's [`CertVerifier`] (rustls-webpki) builds a path from a leaf to an
//! anchor and refuses a CA certificate as the leaf, so the shim trusts two
//! ways: a leaf that *is* one of the trusted certificates (byte for byte),
//! or a chain that [`CertVerifier`] verifies to them for the name `test`.

use std::path::Path;
use std::time::SystemTime;

use tlslab::crypto::cert::CertVerifier;
use tlslab::error::{CertificateError, CertificateKind};
use tlslab::Error;

use crate::flags::decode_base64;

/// The trusted certificates of one `-trust-cert` file.
#[derive(Clone)]
pub struct Trust {
    /// Every certificate of the file, DER.
    pinned: Vec<Vec<u8>>,
    /// The same certificates as path-building anchors (`None` if webpki
    /// cannot use any of them as one).
    verifier: Option<CertVerifier>,
}

impl Trust {
    /// Reads the PEM file `-trust-cert` names.
    pub fn from_file(path: &Path) -> Result<Trust, Error> {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("-trust-cert {}: {e}", path.display())))?;
        let pinned = pem_certificates(&pem);
        if pinned.is_empty() {
            return Err(Error::config(format!(
                "-trust-cert {}: no PEM certificate in it",
                path.display()
            )));
        }
        Ok(Trust {
            pinned,
            verifier: CertVerifier::from_ca_pem(pem.as_bytes()).ok(),
        })
    }

    /// Whether `chain` (leaf first) is trusted for the runner's name.
    pub fn verify(&self, chain: &[&[u8]], server_name: &str) -> Result<(), Error> {
        let leaf = chain.first().copied().unwrap_or_default();
        if self.pinned.iter().any(|c| c.as_slice() == leaf) {
            return Ok(());
        }
        match &self.verifier {
            Some(v) => v.verify(chain, server_name, SystemTime::now()),
            None => Err(Error::Certificate(CertificateError {
                kind: CertificateKind::UnknownIssuer,
                reason:
                    "the leaf is not the trusted certificate, and the trusted certificate is no usable anchor"
                        .into(),
            })),
        }
    }
}

/// The DER certificates of a PEM file (RFC 7468 §2: base64 between the
/// BEGIN and END lines, in lines of any length).
fn pem_certificates(pem: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in pem.lines().map(str::trim) {
        match (&mut body, line) {
            (None, "-----BEGIN CERTIFICATE-----") => body = Some(String::new()),
            (Some(b), "-----END CERTIFICATE-----") => {
                if let Ok(der) = decode_base64(b) {
                    out.push(der);
                }
                body = None;
            }
            (Some(b), text) => b.push_str(text),
            (None, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_read_in_order() {
        // "AQID" is base64 of 01 02 03 (RFC 4648 §4); the second block spans
        // two lines.
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\nBAUG\nBwgJ\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificates(pem), vec![vec![1, 2, 3], vec![4, 5, 6, 7, 8, 9]]);
    }
}
