//! The runner's command line, as far as this shim understands it.
//!
//! Every flag is either mapped onto [`tlslab::ClientConfig`] (or onto a check
//! made after the handshake), or refused with [`Unsupported`], which the shim
//! turns into exit code 89: the runner then counts the test as skipped rather
//! than passed or failed.
//!
//! BoringSSL's `-on-initial-FLAG` and `-on-resume-FLAG` prefixes apply a flag
//! to the first connection only, or to the resumption connections only.

use std::fmt;

/// A flag (or flag value) this shim does not implement.
#[derive(Debug)]
pub struct Unsupported(pub String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Settings that may differ between the first connection and the resumptions.
#[derive(Clone, Debug, Default)]
pub struct PerConnection {
    /// `-export-keying-material N`: after the handshake, write N bytes of
    /// RFC 5705 keying material (`-export-label`, and `-export-context`
    /// when `-use-export-context`).
    pub export_keying_material: Option<usize>,
    /// `-export-label LABEL`.
    pub export_label: String,
    /// `-export-context CONTEXT`.
    pub export_context: String,
    /// `-use-export-context`: the context goes into the seed (even empty).
    pub use_export_context: bool,
    /// `-tls-unique`: after the handshake, write the tls-unique channel
    /// binding (RFC 5929 §3.1).
    pub tls_unique: bool,
    /// `-verify-peer`: verify the chain against `-trust-cert`.
    pub verify_peer: bool,
    /// `-verify-fail`: the certificate verifier refuses every chain.
    pub verify_fail: bool,
    /// `-no-ticket`: do not offer session_ticket.
    pub no_ticket: bool,
    /// `-host-name NAME`: send server_name with NAME (otherwise none).
    pub host_name: Option<String>,
    /// `-advertise-alpn LIST`: protocols in wire format (length-prefixed).
    pub advertise_alpn: Option<Vec<Vec<u8>>>,
    /// `-expect-alpn PROTO`: the protocol the server must select.
    pub expect_alpn: Option<String>,
    /// `-cipher LIST`: colon-separated OpenSSL suite names.
    pub cipher: Option<String>,
    /// `-curves ID` (repeated): groups to offer.
    pub curves: Vec<u16>,
    /// `-verify-prefs ID` (repeated): signature schemes to accept.
    pub verify_prefs: Vec<u16>,
    /// `-expect-extended-master-secret`.
    pub expect_ems: bool,
    /// `-expect-session-miss`: a resumption attempt must not resume.
    pub expect_session_miss: bool,
    /// `-expect-ticket-renewal`: a resumed connection must bring a new ticket.
    pub expect_ticket_renewal: bool,
    /// `-expect-no-session`: the connection must leave nothing to resume.
    pub expect_no_session: bool,
    /// `-expect-curve-id ID`: the ECDHE group the server must pick.
    pub expect_curve_id: Option<u16>,
    /// `-shim-writes-first`: send "hello" right after the handshake.
    pub shim_writes_first: bool,
    /// `-check-close-notify`: the runner must end with close_notify.
    pub check_close_notify: bool,
    /// `-async`: read the socket one byte at a time, so every record and
    /// handshake message arrives in pieces.
    pub async_io: bool,
    /// `-expect-verify-result`: the verifier's verdict must be a failure
    /// exactly when `-verify-fail` is given (on a resumption: the verdict of
    /// the session's original handshake).
    pub expect_verify_result: bool,
    /// `-use-custom-verify-callback`: BoringSSL's newer verification callback.
    /// For tlslab both are [`tlslab::Verification::Custom`]; they differ in
    /// the alert a refusal sends (`certificate_unknown` rather than the legacy
    /// callback's `handshake_failure`).
    pub custom_verify_callback: bool,
    /// `-reverify-on-resume`: run the verifier again on a resumed session's
    /// chain (a session does not outlive the trust in its certificate).
    pub reverify_on_resume: bool,
    /// `-shim-shuts-down`: send close_notify right after the handshake instead
    /// of echoing (with `-check-close-notify`: then wait for the runner's).
    pub shim_shuts_down: bool,
    /// `-send-alert`: end the connection with a fatal decompression_failure
    /// alert right after the handshake.
    pub send_alert: bool,
    /// `-expect-peer-signature-algorithm ID`: the scheme of the server's
    /// ServerKeyExchange signature (on a resumption: of the original one).
    pub expect_peer_signature_algorithm: Option<u16>,
    /// `-expect-certificate-types B64`: the `certificate_types` of the
    /// server's CertificateRequest.
    pub expect_certificate_types: Option<Vec<u8>>,
    /// `-no-tls12`: TLS 1.2 is disabled.
    pub no_tls12: bool,
    /// `-fallback-scsv`: send TLS_FALLBACK_SCSV (RFC 7507).
    pub fallback_scsv: bool,
    /// `-min-version V`: the lowest version enabled (wire number).
    pub min_version: Option<u16>,
    /// `-max-version V`: the highest version enabled (wire number).
    pub max_version: Option<u16>,
    /// `-no-tls1`: TLS 1.0 disabled.
    pub no_tls1: bool,
    /// `-no-tls11`: TLS 1.1 disabled.
    pub no_tls11: bool,
    /// `-expect-version V`: the version the handshake must negotiate.
    pub expect_version: Option<u16>,
    /// `-max-cert-list N`: the largest Certificate message accepted.
    pub max_cert_list: Option<usize>,
}

/// The whole command line.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// `-port N`.
    pub port: u16,
    /// `-shim-id K`, sent first on every connection (8 bytes, little-endian).
    pub shim_id: u64,
    /// `-ipv6`: connect to `::1`.
    pub ipv6: bool,
    /// `-trust-cert FILE`: the root to verify against.
    pub trust_cert: Option<String>,
    /// `-resume-count N`: connections after the first, each resuming.
    pub resume_count: u32,
    /// Settings of the first connection.
    pub initial: PerConnection,
    /// Settings of the resumption connections.
    pub resume: PerConnection,
}

/// Which connections a flag applies to.
#[derive(Clone, Copy)]
enum Scope {
    All,
    Initial,
    Resume,
}

/// The TLS 1.2 wire version.
const TLS12: u16 = 0x0303;

impl Flags {
    /// Parses the runner's arguments (without the program name).
    pub fn parse(args: &[String]) -> Result<Flags, Unsupported> {
        let mut flags = Flags::default();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            let (scope, name) = if let Some(rest) = arg.strip_prefix("-on-initial-") {
                (Scope::Initial, format!("-{rest}"))
            } else if let Some(rest) = arg.strip_prefix("-on-resume-") {
                (Scope::Resume, format!("-{rest}"))
            } else {
                (Scope::All, arg.to_string())
            };
            let takes_value = VALUE_FLAGS.contains(&name.as_str());
            let value = if takes_value {
                i += 1;
                Some(
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| Unsupported(format!("{arg} needs a value")))?,
                )
            } else {
                None
            };
            flags.apply(scope, &name, value.as_deref())?;
            i += 1;
        }
        if flags.port == 0 {
            return Err(Unsupported("no -port given".into()));
        }
        Ok(flags)
    }

    fn apply(&mut self, scope: Scope, name: &str, value: Option<&str>) -> Result<(), Unsupported> {
        let v = value.unwrap_or_default();
        let int = |what: &str| -> Result<u64, Unsupported> {
            v.parse()
                .map_err(|_| Unsupported(format!("{what}: '{v}' is not a number")))
        };
        // Connection-wide flags first; they make no sense per connection.
        match (scope, name) {
            (Scope::All, "-port") => {
                self.port = int(name)?
                    .try_into()
                    .map_err(|_| Unsupported("-port out of range".into()))?;
                return Ok(());
            }
            (Scope::All, "-shim-id") => {
                self.shim_id = int(name)?;
                return Ok(());
            }
            (Scope::All, "-ipv6") => {
                self.ipv6 = true;
                return Ok(());
            }
            (Scope::All, "-trust-cert") => {
                self.trust_cert = Some(v.to_string());
                return Ok(());
            }
            (Scope::All, "-resume-count") => {
                self.resume_count = int(name)?
                    .try_into()
                    .map_err(|_| Unsupported("-resume-count out of range".into()))?;
                return Ok(());
            }
            // The handshake runs before the first read either way: with a
            // sans-IO client the explicit and implicit handshakes are the
            // same sequence of reads and writes.
            (Scope::All, "-implicit-handshake") => return Ok(()),
            // The split-handshake tests are declined (`-is-handshaker-supported`
            // answers No); the handshaker's path is passed to every test anyway.
            (Scope::All, "-handshaker-path") => return Ok(()),
            // TLS 1.2 has no HelloRetryRequest: there is never one to expect.
            (_, "-expect-no-hrr") => return Ok(()),
            // Encrypted Client Hello is never offered, so it never replaces
            // the name the certificate is checked against.
            (_, "-expect-no-ech-name-override") => return Ok(()),
            // TLS 1.3 and SSL 3.0 are never offered: disabling them changes
            // nothing.
            (_, "-no-tls13" | "-no-ssl3") => return Ok(()),
            _ => {}
        }
        let targets: Vec<&mut PerConnection> = match scope {
            Scope::All => vec![&mut self.initial, &mut self.resume],
            Scope::Initial => vec![&mut self.initial],
            Scope::Resume => vec![&mut self.resume],
        };
        for c in targets {
            match name {
                "-verify-peer" => c.verify_peer = true,
                "-verify-fail" => c.verify_fail = true,
                "-no-ticket" => c.no_ticket = true,
                "-host-name" => c.host_name = Some(v.to_string()),
                "-export-keying-material" => {
                    c.export_keying_material = Some(v.parse().map_err(|_| {
                        Unsupported(format!("-export-keying-material: '{v}' is not a number"))
                    })?)
                }
                "-export-label" => c.export_label = v.to_string(),
                "-export-context" => c.export_context = v.to_string(),
                "-use-export-context" => c.use_export_context = true,
                "-tls-unique" => c.tls_unique = true,
                "-advertise-alpn" => c.advertise_alpn = Some(parse_alpn_wire(v)?),
                "-expect-alpn" => c.expect_alpn = Some(v.to_string()),
                "-cipher" => c.cipher = Some(v.to_string()),
                "-curves" => c.curves.push(parse_u16(name, v)?),
                "-verify-prefs" => c.verify_prefs.push(parse_u16(name, v)?),
                "-expect-extended-master-secret" => c.expect_ems = true,
                "-expect-session-miss" => c.expect_session_miss = true,
                "-expect-ticket-renewal" => c.expect_ticket_renewal = true,
                "-expect-no-session" => c.expect_no_session = true,
                "-expect-curve-id" => c.expect_curve_id = Some(parse_u16(name, v)?),
                "-shim-writes-first" => c.shim_writes_first = true,
                "-check-close-notify" => c.check_close_notify = true,
                "-async" => c.async_io = true,
                "-expect-verify-result" => c.expect_verify_result = true,
                "-use-custom-verify-callback" => c.custom_verify_callback = true,
                "-reverify-on-resume" => c.reverify_on_resume = true,
                "-shim-shuts-down" => c.shim_shuts_down = true,
                "-send-alert" => c.send_alert = true,
                "-no-tls12" => c.no_tls12 = true,
                "-no-tls11" => c.no_tls11 = true,
                "-no-tls1" => c.no_tls1 = true,
                "-min-version" => c.min_version = Some(parse_u16(name, v)?),
                "-max-version" => c.max_version = Some(parse_u16(name, v)?),
                "-expect-version" => c.expect_version = Some(parse_u16(name, v)?),
                "-fallback-scsv" => c.fallback_scsv = true,
                // Older runners ask for what tlslab always does: the RSA
                // certificate's keyUsage is checked against the key exchange.
                "-enforce-rsa-key-usage" => {}
                "-max-cert-list" => {
                    c.max_cert_list = Some(
                        v.parse()
                            .map_err(|_| Unsupported(format!("-max-cert-list: '{v}' is not a number")))?,
                    )
                }
                "-expect-certificate-types" => c.expect_certificate_types = Some(decode_base64(v)?),
                "-expect-peer-signature-algorithm" => {
                    c.expect_peer_signature_algorithm = Some(parse_u16(name, v)?)
                }
                other => return Err(Unsupported(format!("unsupported flag {other}"))),
            }
        }
        Ok(())
    }
}

/// TLS 1.0 and TLS 1.1 (wire versions).
const TLS10: u16 = 0x0301;
const TLS11: u16 = 0x0302;

impl PerConnection {
    /// The versions enabled, as the `(min, max)` range tlslab's client takes:
    /// by default TLS 1.0 to 1.2 (BoringSSL's default, less TLS 1.3, which
    /// the runner's tests assume: a server limited to TLS 1.0 is met by a
    /// client that speaks it; tlslab's own default is TLS 1.2 only);
    /// `-min-version` and `-max-version` move the ends within TLS 1.0 to
    /// 1.2, and `-no-tls1`, `-no-tls11`, `-no-tls12` take versions out.
    /// `None`: no version left.
    pub fn version_range(&self) -> Result<Option<(u16, u16)>, Unsupported> {
        if self.min_version.is_some_and(|v| v > TLS12) {
            return Err(Unsupported(format!(
                "-min-version {:#06x}: tlslab speaks TLS 1.0 to 1.2",
                self.min_version.unwrap_or_default()
            )));
        }
        let max = self.max_version.unwrap_or(TLS12).min(TLS12);
        let min = self.min_version.unwrap_or(TLS10).max(TLS10);
        let enabled: Vec<u16> = (min..=max)
            .filter(|&v| {
                !(v == TLS10 && self.no_tls1 || v == TLS11 && self.no_tls11 || v == TLS12 && self.no_tls12)
            })
            .collect();
        match (enabled.first(), enabled.last()) {
            (None, _) | (_, None) => Ok(None),
            (Some(&lo), Some(&hi)) if usize::from(hi - lo) + 1 == enabled.len() => Ok(Some((lo, hi))),
            _ => Err(Unsupported(format!(
                "versions {enabled:04x?}: tlslab takes a range, not a set with a hole"
            ))),
        }
    }
}

/// Flags followed by a value. An unknown flag is refused before its value
/// would matter, so only the flags understood here need to be listed.
const VALUE_FLAGS: &[&str] = &[
    "-export-keying-material",
    "-export-label",
    "-export-context",
    "-port",
    "-shim-id",
    "-trust-cert",
    "-resume-count",
    "-min-version",
    "-max-version",
    "-expect-version",
    "-host-name",
    "-advertise-alpn",
    "-expect-alpn",
    "-cipher",
    "-curves",
    "-verify-prefs",
    "-expect-curve-id",
    "-expect-peer-signature-algorithm",
    "-handshaker-path",
    "-expect-certificate-types",
    "-max-cert-list",
];

/// Standard base64 (RFC 4648 §4), as the runner encodes byte-string flags.
pub fn decode_base64(v: &str) -> Result<Vec<u8>, Unsupported> {
    let bad = || Unsupported(format!("'{v}' is not base64"));
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits = v.trim_end_matches('=').as_bytes();
    if !v.len().is_multiple_of(4) || v.len() - digits.len() > 2 {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c).ok_or_else(bad)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Ok(out)
}

fn parse_u16(name: &str, v: &str) -> Result<u16, Unsupported> {
    v.parse()
        .map_err(|_| Unsupported(format!("{name}: '{v}' is not a 16-bit number")))
}

/// `-advertise-alpn` is the ALPN list in wire format: each protocol preceded
/// by its length byte.
fn parse_alpn_wire(v: &str) -> Result<Vec<Vec<u8>>, Unsupported> {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let len = usize::from(bytes[i]);
        let proto = bytes
            .get(i + 1..i + 1 + len)
            .ok_or_else(|| Unsupported("-advertise-alpn: truncated list".into()))?;
        out.push(proto.to_vec());
        i += 1 + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scopes_and_values() {
        let f = Flags::parse(&args(&[
            "-port",
            "4000",
            "-shim-id",
            "7",
            "-on-resume-expect-session-miss",
            "-curves",
            "29",
            "-advertise-alpn",
            "\x03foo\x03bar",
        ]))
        .unwrap();
        assert_eq!((f.port, f.shim_id), (4000, 7));
        assert!(!f.initial.expect_session_miss && f.resume.expect_session_miss);
        assert_eq!(f.initial.curves, vec![29]);
        assert_eq!(
            f.resume.advertise_alpn,
            Some(vec![b"foo".to_vec(), b"bar".to_vec()])
        );
    }

    #[test]
    fn base64_as_rfc_4648_section_10_encodes_it() {
        // The test vectors of RFC 4648 §10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(decode_base64(encoded).unwrap(), plain.as_bytes(), "{encoded}");
        }
        assert!(decode_base64("Zm9").is_err());
        assert!(decode_base64("Zm9v!A==").is_err());
    }

    #[test]
    fn unknown_flags_are_unsupported() {
        assert!(Flags::parse(&args(&["-port", "1", "-false-start"])).is_err());
        assert!(Flags::parse(&args(&["-port", "1", "-on-retry-verify-peer"])).is_err());
    }

    fn range(v: &[&str]) -> Result<Option<(u16, u16)>, Unsupported> {
        let mut a = vec!["-port", "1"];
        a.extend_from_slice(v);
        Flags::parse(&args(&a))?.initial.version_range()
    }

    #[test]
    fn version_flags_make_a_range_of_what_tlslab_speaks() {
        // Wire numbers: 0x0301 TLS 1.0 (769), 0x0302 TLS 1.1 (770), 0x0303
        // TLS 1.2 (771), 0x0304 TLS 1.3 (772), as RFC 8446 §4.2.1 lists them.
        assert_eq!(range(&[]).unwrap(), Some((0x0301, 0x0303)));
        assert_eq!(range(&["-max-version", "772"]).unwrap(), Some((0x0301, 0x0303)));
        assert_eq!(range(&["-min-version", "771"]).unwrap(), Some((0x0303, 0x0303)));
        assert_eq!(range(&["-max-version", "770"]).unwrap(), Some((0x0301, 0x0302)));
        assert_eq!(
            range(&["-min-version", "769", "-no-tls12"]).unwrap(),
            Some((0x0301, 0x0302))
        );
        assert_eq!(
            range(&["-min-version", "769", "-no-tls1"]).unwrap(),
            Some((0x0302, 0x0303))
        );
        assert_eq!(
            range(&["-no-tls13", "-no-tls12", "-no-tls11", "-no-tls1"]).unwrap(),
            None
        );
        // TLS 1.3 only, and a set with a hole, are not what tlslab can offer.
        assert!(range(&["-min-version", "772"]).is_err());
        assert!(range(&["-min-version", "769", "-no-tls11"]).is_err());
    }
}
