//! Certificate chain and server name verification, with rustls-webpki
//! ([RFC 5246 §7.4.2], [RFC 5280 §6], [RFC 6125]).
//!
//! Path building and name matching are the parts of TLS where hand-written
//! code is most often wrong, and they are not TLS compositions, so they are
//! delegated to webpki. What this module adds is the mapping of each webpki
//! error to the alert RFC 5246 §7.2.2 names, and a message a person can act
//! on.
//!
//! [RFC 5246 §7.4.2]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2
//! [RFC 5280 §6]: https://www.rfc-editor.org/rfc/rfc5280#section-6
//! [RFC 6125]: https://www.rfc-editor.org/rfc/rfc6125

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

use crate::error::{CertificateKind, Error, ToolError};

/// The trust anchors a [`CertVerifier`] checks chains against.
#[derive(Clone)]
pub enum TrustRoots {
    /// The Mozilla root program, as shipped by the `webpki-roots` crate.
    WebPki,
    /// Roots loaded from PEM (`--ca FILE`).
    Custom(Vec<TrustAnchor<'static>>),
}

impl TrustRoots {
    fn anchors(&self) -> &[TrustAnchor<'static>] {
        match self {
            TrustRoots::WebPki => webpki_roots::TLS_SERVER_ROOTS,
            TrustRoots::Custom(v) => v,
        }
    }
}

impl fmt::Debug for TrustRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustRoots::WebPki => write!(f, "WebPki({} roots)", webpki_roots::TLS_SERVER_ROOTS.len()),
            TrustRoots::Custom(v) => write!(f, "Custom({} roots)", v.len()),
        }
    }
}

/// Verifies a server's certificate chain and name.
#[derive(Clone, Debug)]
pub struct CertVerifier {
    roots: TrustRoots,
    /// Where the roots came from, for messages (`webpki-roots`, a file name).
    source: String,
}

impl CertVerifier {
    /// Trusts the Mozilla root program (`webpki-roots`).
    pub fn webpki_roots() -> CertVerifier {
        CertVerifier {
            roots: TrustRoots::WebPki,
            source: "webpki-roots (Mozilla root program)".into(),
        }
    }

    /// Trusts the certificates in a PEM file (one or more `CERTIFICATE`
    /// blocks), as given with `--ca FILE`.
    ///
    /// Errors (`ToolError::Config`): the file cannot be read, holds no
    /// certificate, or holds one that is not a usable trust anchor.
    pub fn from_ca_file(path: &Path) -> Result<CertVerifier, Error> {
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read CA file {}: {e}", path.display())))?;
        let mut v = Self::from_ca_pem(&pem).map_err(|e| match e {
            Error::Tool(ToolError::Config(m)) => Error::config(format!("CA file {}: {m}", path.display())),
            other => other,
        })?;
        v.source = format!("CA file {}", path.display());
        Ok(v)
    }

    /// Trusts the certificates in PEM text. See [`CertVerifier::from_ca_file`].
    pub fn from_ca_pem(pem: &[u8]) -> Result<CertVerifier, Error> {
        let mut anchors = Vec::new();
        for (i, item) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let der = item.map_err(|e| Error::config(format!("PEM certificate #{}: {e}", i + 1)))?;
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| {
                    Error::config(format!(
                        "PEM certificate #{} is not a usable CA certificate: {e}",
                        i + 1
                    ))
                })?
                .to_owned();
            anchors.push(anchor);
        }
        if anchors.is_empty() {
            return Err(Error::config("no PEM CERTIFICATE block found"));
        }
        let n = anchors.len();
        Ok(CertVerifier {
            roots: TrustRoots::Custom(anchors),
            source: format!("{n} PEM certificate(s)"),
        })
    }

    /// The trust anchors in use.
    pub fn roots(&self) -> &TrustRoots {
        &self.roots
    }

    /// Verifies `chain[0]` (the end-entity certificate) for TLS server
    /// authentication, using `chain[1..]` as intermediates, against the roots at
    /// time `now`; then checks that it is valid for `server_name` (a DNS name or
    /// an IP address, matched against subjectAltName only, as RFC 6125 §6.4.4
    /// recommends).
    ///
    /// Failures are [`Error::Certificate`] whose kind gives the alert of RFC 5246
    /// §7.2.2: expired or not yet valid → `certificate_expired`, unknown issuer
    /// → `unknown_ca`, revoked → `certificate_revoked`, wrong name or malformed
    /// → `bad_certificate`, unsupported algorithm or key usage →
    /// `unsupported_certificate`. An unusable `server_name` is `ToolError::Config`.
    #[inline(never)]
    pub fn verify(&self, chain: &[&[u8]], server_name: &str, now: SystemTime) -> Result<(), Error> {
        let name = ServerName::try_from(server_name)
            .map_err(|_| Error::config(format!("'{server_name}' is neither a DNS name nor an IP address")))?;
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(Error::certificate(
                CertificateKind::Malformed,
                "the server sent an empty certificate chain",
            ));
        };
        let time = UnixTime::since_unix_epoch(
            now.duration_since(UNIX_EPOCH)
                .map_err(|_| Error::config("verification time is before 1970"))?,
        );

        let end_entity_der = CertificateDer::from(*end_entity);
        let intermediates: Vec<CertificateDer<'_>> =
            intermediates.iter().map(|c| CertificateDer::from(*c)).collect();
        let cert = webpki::EndEntityCert::try_from(&end_entity_der)
            .map_err(|e| self.map_error(e, "server certificate"))?;

        cert.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            self.roots.anchors(),
            &intermediates,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map_err(|e| self.map_error(e, "certificate chain"))?;

        cert.verify_is_valid_for_subject_name(&name)
            .map_err(|e| self.map_error(e, "server certificate"))
    }

    /// A webpki error as the alert to send and a readable reason.
    fn map_error(&self, e: webpki::Error, what: &str) -> Error {
        use webpki::Error as W;
        let (kind, reason) = match &e {
            W::CertExpired { time, not_after } => (
                CertificateKind::Expired,
                format!(
                    "certificate has expired: valid until {}, checked at {} ({what})",
                    utc(not_after.as_secs()),
                    utc(time.as_secs())
                ),
            ),
            W::CertNotValidYet { time, not_before } => (
                CertificateKind::Expired,
                format!(
                    "certificate is not valid yet: valid from {}, checked at {} ({what})",
                    utc(not_before.as_secs()),
                    utc(time.as_secs())
                ),
            ),
            W::UnknownIssuer => (
                CertificateKind::UnknownIssuer,
                format!(
                    "{what} does not lead to a trusted root ({}): unknown issuer; \
                     the server may be missing an intermediate, or use --ca FILE",
                    self.source
                ),
            ),
            W::CertNotValidForName(ctx) => {
                let presented = if ctx.presented.is_empty() {
                    "no DNS or IP names".to_string()
                } else {
                    ctx.presented
                        .iter()
                        .map(|n| presented_name(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                (
                    CertificateKind::NotValidForName,
                    format!(
                        "certificate is not valid for name '{}' (it is for: {presented})",
                        server_name_text(&ctx.expected)
                    ),
                )
            }
            W::CertRevoked => (CertificateKind::Revoked, format!("{what}: revoked")),
            W::UnknownRevocationStatus => (
                CertificateKind::RevocationUnknown,
                format!("{what}: revocation status unknown"),
            ),
            // webpki 0.103 reports these with their `*Context` variants; the
            // deprecated unit variants fall to the default arm.
            W::UnsupportedSignatureAlgorithmContext(_)
            | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            | W::UnsupportedCertVersion
            | W::UnsupportedCriticalExtension
            | W::RequiredEkuNotFoundContext(_) => (CertificateKind::Unsupported, format!("{what}: {e}")),
            _ => (CertificateKind::Other, format!("{what}: {e}")),
        };
        Error::certificate(kind, reason)
    }
}

/// webpki lists the certificate's names in `Debug` form (`DnsName("a")`,
/// `IpAddress(1.2.3.4)`); show just the names.
fn presented_name(debug: &str) -> &str {
    debug
        .strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
        .or_else(|| debug.strip_prefix("IpAddress(").and_then(|r| r.strip_suffix(')')))
        .unwrap_or(debug)
}

fn server_name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian,
/// Howard Hinnant's `civil_from_days`), so messages need no date crate.
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{test_pki, unhex, vector_field};
    use crate::error::ToolError;
    use crate::wire::AlertDescription;
    use std::time::Duration;

    fn alert_of(e: &Error) -> AlertDescription {
        match e {
            Error::Certificate(c) => c.kind.alert(),
            other => panic!("expected BadCertificate, got {other:?}"),
        }
    }

    /// A chain made by the `openssl` CLI at test time (root → leaf for
    /// localhost / 127.0.0.1), checked by name and IP.
    #[test]
    fn valid_chain_and_names() {
        let pki = test_pki();
        let v = CertVerifier::from_ca_pem(&pki.ca_pem).unwrap();
        let now = SystemTime::now();
        for leaf in [&pki.rsa_leaf_der, &pki.ec_leaf_der] {
            v.verify(&[leaf], "localhost", now).unwrap();
            v.verify(&[leaf], "127.0.0.1", now).unwrap();
        }
        // The P-384 leaf needs its intermediate.
        v.verify(&[&pki.ec384_leaf_der, &pki.intermediate_der], "localhost", now)
            .unwrap();
        let err = v.verify(&[&pki.ec384_leaf_der], "localhost", now).unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::UNKNOWN_CA, "{err}");
    }

    #[test]
    fn wrong_name_is_bad_certificate_with_the_names_it_has() {
        let pki = test_pki();
        let v = CertVerifier::from_ca_pem(&pki.ca_pem).unwrap();
        let err = v
            .verify(&[&pki.rsa_leaf_der], "example.com", SystemTime::now())
            .unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::BAD_CERTIFICATE);
        let msg = err.to_string();
        assert!(msg.contains("not valid for name 'example.com'"), "{msg}");
        assert!(msg.contains("(it is for: localhost, 127.0.0.1)"), "{msg}");
        let err = v
            .verify(&[&pki.rsa_leaf_der], "10.0.0.1", SystemTime::now())
            .unwrap_err();
        assert!(err.to_string().contains("'10.0.0.1'"), "{err}");
    }

    #[test]
    fn unknown_ca_against_webpki_roots() {
        let pki = test_pki();
        let err = CertVerifier::webpki_roots()
            .verify(&[&pki.rsa_leaf_der], "localhost", SystemTime::now())
            .unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::UNKNOWN_CA, "{err}");
        assert!(err.to_string().contains("webpki-roots"), "{err}");
    }

    #[test]
    fn expired_and_not_yet_valid_are_certificate_expired() {
        let pki = test_pki();
        let v = CertVerifier::from_ca_pem(&pki.ca_pem).unwrap();
        let far_future = SystemTime::now() + Duration::from_secs(20 * 365 * 86_400);
        let err = v
            .verify(&[&pki.rsa_leaf_der], "localhost", far_future)
            .unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::CERTIFICATE_EXPIRED, "{err}");
        assert!(
            err.to_string().contains("certificate has expired: valid until"),
            "{err}"
        );
        let past = UNIX_EPOCH + Duration::from_secs(946_684_800); // 2000-01-01
        let err = v.verify(&[&pki.rsa_leaf_der], "localhost", past).unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::CERTIFICATE_EXPIRED, "{err}");
        assert!(err.to_string().contains("2000-01-01 00:00:00 UTC"), "{err}");
    }

    /// The Illustrated TLS 1.2 certificate: issued by "Example CA", which we
    /// do not have, and expired on 2019-10-05 (see the vector's README).
    #[test]
    fn illustrated_tls12_certificate_is_untrusted() {
        let cert = unhex(vector_field("server_certificate_der"));
        let err = CertVerifier::webpki_roots()
            .verify(&[&cert], "example.ulfheim.net", SystemTime::now())
            .unwrap_err();
        assert!(
            matches!(
                alert_of(&err),
                AlertDescription::UNKNOWN_CA | AlertDescription::CERTIFICATE_EXPIRED
            ),
            "{err}"
        );
    }

    #[test]
    fn ca_file_errors_are_named() {
        let pki = test_pki();
        let missing = pki.dir.join("does-not-exist.pem");
        let err = CertVerifier::from_ca_file(&missing).unwrap_err();
        assert!(
            matches!(err, Error::Tool(ToolError::Config(ref m)) if m.contains("cannot read CA file")),
            "{err}"
        );

        let no_cert = pki.dir.join("no-cert.pem");
        std::fs::write(&no_cert, "just some text\n").unwrap();
        let err = CertVerifier::from_ca_file(&no_cert).unwrap_err();
        assert!(
            matches!(err, Error::Tool(ToolError::Config(ref m)) if m.contains("no PEM CERTIFICATE")),
            "{err}"
        );

        // A key file is not a certificate either.
        let err = CertVerifier::from_ca_file(&pki.dir.join("ca.key")).unwrap_err();
        assert!(
            matches!(err, Error::Tool(ToolError::Config(ref m)) if m.contains("no PEM CERTIFICATE")),
            "{err}"
        );

        let garbage = pki.dir.join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = CertVerifier::from_ca_file(&garbage).unwrap_err();
        assert!(
            matches!(err, Error::Tool(ToolError::Config(ref m)) if m.contains("not a usable CA certificate")),
            "{err}"
        );

        let v = CertVerifier::from_ca_file(&pki.dir.join("ca.pem")).unwrap();
        v.verify(&[&pki.rsa_leaf_der], "localhost", SystemTime::now())
            .unwrap();
    }

    #[test]
    fn empty_chain_and_bad_names() {
        let v = CertVerifier::webpki_roots();
        let err = v.verify(&[], "localhost", SystemTime::now()).unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::BAD_CERTIFICATE);
        let err = v.verify(&[b"x"], "not a name!", SystemTime::now()).unwrap_err();
        assert!(matches!(err, Error::Tool(ToolError::Config(_))), "{err}");
        let err = v
            .verify(&[b"not der"], "localhost", SystemTime::now())
            .unwrap_err();
        assert_eq!(alert_of(&err), AlertDescription::BAD_CERTIFICATE, "{err}");
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_570_233_600 + 3_723), "2019-10-05 01:02:03 UTC");
    }
}
