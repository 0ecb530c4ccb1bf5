//! Readable text: a message ladder, then the values, at a chosen level of
//! detail, never a line longer than 120 characters.
//!
//! ```text
//! → ClientHello  TLSv1.2  16 suites  SNI example.com  groups x25519,secp256r1  EMS ✓  EtM ✓  ticket ✓
//! ← ServerHello  TLSv1.2  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  EMS ✓  EtM –  ticket ✓
//! ← Certificate  1 cert  C=US, CN=example.com  RSA 2048 bits, e=65537
//! ```
//!
//! The levels ([`TraceLevel`]) add to one another: `summary` is the ladder
//! (one line per handshake message, ChangeCipherSpec and alert); `messages`
//! adds each message's fields (name, byte range, decoded value, from
//! [`crate::wire::dissect`]); `values` adds every other event (PRF, key block,
//! MAC inputs, nonces) with long values wrapped and labelled; `bytes` adds
//! the annotated hex dump of every message. The one-line-per-event format
//! of [`super::TextLog`] stays available for tools that grep it.

use std::io::{self, Write};

use super::event::Event;
use super::text::format_event;
use super::Observer;
use crate::types::StateName;
use crate::wire::dissect::{annotated_dump, clip, dissect_alert, ladder_line, Dissector};

/// How much [`LadderLog`] prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TraceLevel {
    /// One line per message.
    Summary,
    /// Plus every field of every message.
    Messages,
    /// Plus every derived value, wrapped and labelled.
    Values,
    /// Plus the annotated hex dump of every message.
    Bytes,
}

impl TraceLevel {
    /// Parses `summary`, `messages`, `values` or `bytes`.
    pub fn from_name(text: &str) -> Option<TraceLevel> {
        match text {
            "summary" => Some(TraceLevel::Summary),
            "messages" => Some(TraceLevel::Messages),
            "values" => Some(TraceLevel::Values),
            "bytes" => Some(TraceLevel::Bytes),
            _ => None,
        }
    }
}

/// Writes the ladder (see the module documentation). Write errors are kept,
/// never raised, as with [`super::TextLog`].
pub struct LadderLog<W: Write> {
    out: W,
    level: TraceLevel,
    redact: bool,
    dissector: Dissector,
    fields: bool,
    /// The readable default: derived values collected under the ladder.
    derived: Option<Derived>,
    error: Option<io::Error>,
}

impl<W: Write> LadderLog<W> {
    /// The longest line written.
    #[doc(hidden)]
    pub const WIDTH: usize = 120;

    /// A ladder at `level`; secret values are printed in full.
    pub fn new(out: W, level: TraceLevel) -> LadderLog<W> {
        LadderLog {
            out,
            level,
            redact: false,
            dissector: Dissector::new(),
            fields: true,
            derived: None,
            error: None,
        }
    }

    /// The readable default of `connect` and `demo`: the ladder (one line
    /// per message, ChangeCipherSpec, alert and application data record),
    /// then, once the handshake is over (or an alert ends it), the values
    /// the handshake derived, wrapped and labelled: the certificate and
    /// signature checks, the key exchange, pre-master secret, master secret
    /// (with its PRF label and seed), the key block's named parts and both
    /// Finished comparisons. A failure later on (a MAC, a tag, a padding that
    /// does not verify) and every deliberate fault are printed where they
    /// happen. `redact` hides the secrets as [`LadderLog::redacted`] does.
    pub fn readable(out: W, redact: bool) -> LadderLog<W> {
        LadderLog {
            redact,
            derived: Some(Derived::default()),
            ..LadderLog::new(out, TraceLevel::Summary)
        }
    }

    /// Writes the derived values collected so far (the readable default
    /// only): a command calls it before it explains a failure that ended the
    /// handshake without an alert (a closed connection).
    pub fn flush_values(&mut self) {
        let Some(d) = self.derived.as_mut() else {
            return;
        };
        let lines = d.take();
        self.write_lines(&lines);
    }

    /// The same with secret values replaced by `<redacted N bytes>`.
    pub fn redacted(out: W, level: TraceLevel) -> LadderLog<W> {
        LadderLog {
            redact: true,
            ..LadderLog::new(out, level)
        }
    }

    /// Leaves out the field trees of the messages (the `messages` detail)
    /// whatever the level: the ladder line of each message stays, and at
    /// `values` the derived values follow it.
    #[doc(hidden)]
    pub fn without_fields(mut self) -> LadderLog<W> {
        self.fields = false;
        self
    }

    /// The first write error, if any, leaving `None` behind.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Gives the writer back.
    #[doc(hidden)]
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The lines for one event.
    #[doc(hidden)]
    pub fn lines(&mut self, event: &Event<'_>) -> Vec<String> {
        let w = Self::WIDTH;
        if self.derived.is_some() {
            return self.readable_lines(event);
        }
        let mut out = vec![];
        match *event {
            Event::HandshakeOut { raw, .. } | Event::HandshakeIn { raw, .. } => {
                let from_server = matches!(event, Event::HandshakeIn { .. });
                let d = self.dissector.handshake(from_server, raw);
                out.push(ladder_line(&d, from_server, w));
                if self.level >= TraceLevel::Messages && self.fields {
                    out.extend(d.to_lines(w - 4).into_iter().map(|l| format!("    {l}")));
                }
                if self.level >= TraceLevel::Bytes {
                    out.extend(annotated_dump(&d, w - 4).into_iter().map(|l| format!("    {l}")));
                }
            }
            Event::AlertSent(a) | Event::AlertReceived(a) => {
                let from_server = matches!(event, Event::AlertReceived(_));
                let d = dissect_alert(&a.encode());
                out.push(ladder_line(&d, from_server, w));
            }
            Event::RecordOut(r) | Event::RecordIn(r) => {
                let from_server = matches!(event, Event::RecordIn(_));
                if r.content_type == crate::wire::ContentType::CHANGE_CIPHER_SPEC {
                    out.push(format!(
                        "{} ChangeCipherSpec",
                        if from_server { "←" } else { "→" }
                    ));
                }
                if self.level >= TraceLevel::Values {
                    out.extend(wrap_event(&format_event(event, self.redact), w));
                }
            }
            _ if self.level >= TraceLevel::Values => {
                out.extend(wrap_event(&format_event(event, self.redact), w))
            }
            _ => {}
        }
        out
    }
}

/// A `name  k=v k=v` line from [`super::TextLog`], wrapped: short pairs stay
/// on the first line, each long value goes on its own labelled lines, 32
/// bytes (64 hex digits) a line with offsets.
#[doc(hidden)]
pub fn wrap_event(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let mut out = vec![];
    let mut first = String::new();
    let mut long = vec![];
    for (i, tok) in line.split(' ').filter(|t| !t.is_empty()).enumerate() {
        if i > 0 && tok.chars().count() > 40 {
            long.push(tok);
        } else if first.chars().count() + tok.chars().count() + 2 <= width {
            if !first.is_empty() {
                first.push_str(if i == 1 { "  " } else { " " });
            }
            first.push_str(tok);
        } else {
            long.push(tok);
        }
    }
    out.push(first);
    for tok in long {
        let (label, value) = tok.split_once('=').unwrap_or(("", tok));
        let is_hex = value.len() > 64 && value.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex {
            out.push(format!("    {label} ({} bytes):", value.len() / 2));
            for (j, chunk) in value.as_bytes().chunks(64).enumerate() {
                // Hex digits: ASCII, one byte a character.
                let chunk = std::str::from_utf8(chunk).unwrap_or_default();
                out.push(format!("      {:04x}  {chunk}", j * 32));
            }
        } else if tok.is_ascii() {
            for chunk in tok.as_bytes().chunks(width - 6) {
                out.push(format!("    {}", std::str::from_utf8(chunk).unwrap_or_default()));
            }
        } else {
            let text: Vec<char> = tok.chars().collect();
            for chunk in text.chunks(width - 6) {
                out.push(format!("    {}", chunk.iter().collect::<String>()));
            }
        }
    }
    out.into_iter()
        .map(|l| if l.len() <= width { l } else { clip(&l, width) })
        .collect()
}

impl<W: Write> LadderLog<W> {
    /// The readable default's lines for one event (see [`LadderLog::readable`]).
    fn readable_lines(&mut self, event: &Event<'_>) -> Vec<String> {
        let w = Self::WIDTH;
        let redact = self.redact;
        let Some(d) = self.derived.as_mut() else {
            return vec![];
        };
        let mut out = vec![];
        match *event {
            Event::HandshakeOut { raw, .. } | Event::HandshakeIn { raw, .. } => {
                let from_server = matches!(event, Event::HandshakeIn { .. });
                if !from_server && raw.first() == Some(&1) && !d.collecting {
                    // A ClientHello: a new handshake collects its own values.
                    d.collecting = true;
                    d.pending.clear();
                }
                let dis = self.dissector.handshake(from_server, raw);
                out.push(ladder_line(&dis, from_server, w));
            }
            Event::AlertSent(a) | Event::AlertReceived(a) => {
                let from_server = matches!(event, Event::AlertReceived(_));
                out.push(ladder_line(&dissect_alert(&a.encode()), from_server, w));
                out.extend(d.take());
            }
            Event::RecordOut(r) | Event::RecordIn(r) => {
                let arrow = if matches!(event, Event::RecordIn(_)) {
                    "←"
                } else {
                    "→"
                };
                if r.content_type == crate::wire::ContentType::CHANGE_CIPHER_SPEC {
                    out.push(format!("{arrow} ChangeCipherSpec"));
                } else if r.content_type == crate::wire::ContentType::APPLICATION_DATA && arrow == "→" {
                    out.push(format!(
                        "→ ApplicationData  record seq {}, {} bytes on the wire",
                        r.seq,
                        r.payload.len()
                    ));
                }
            }
            Event::ApplicationData { direction, data } => {
                let arrow = match direction {
                    crate::wire::Direction::ServerToClient => "←",
                    crate::wire::Direction::ClientToServer => "→",
                };
                out.push(clip(
                    &format!(
                        "{arrow} ApplicationData  {} bytes  {}",
                        data.len(),
                        super::text::Quoted(data)
                    ),
                    w,
                ));
            }
            Event::StateChanged { to, .. } => {
                if matches!(to, StateName::Established | StateName::Closed) {
                    out.extend(d.take());
                }
            }
            _ => {
                if matches!(event, Event::ResumptionOffered { .. }) && !d.collecting {
                    // Offered before the ClientHello that carries it.
                    d.collecting = true;
                    d.pending.clear();
                }
                let lines = derived_lines(d, event, redact, w);
                if d.collecting {
                    d.pending.extend(lines);
                } else {
                    out.extend(lines);
                }
            }
        }
        out.into_iter().map(|l| clip(&l, w)).collect()
    }

    /// One write of the lines, then a flush (as the text log does): the
    /// ladder is complete up to the step where a handshake stopped.
    fn write_lines(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        let mut text = lines.join("\n");
        text.push('\n');
        let r = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush());
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }
}

/// What the readable default remembers between events: the values waiting
/// for the end of the handshake, and what a later value is computed from.
#[derive(Default)]
struct Derived {
    /// Collecting (from a ClientHello to the end of its handshake).
    collecting: bool,
    pending: Vec<String>,
    /// The label and seed name of the last master secret PRF call.
    master_label: Option<&'static str>,
    /// The key block PRF's output length.
    key_block_len: Option<usize>,
    /// The last AEAD nonce and additional data line per direction (shown
    /// with a tag that fails).
    aead: [Vec<String>; 2],
    /// The last MAC input per direction, `pseudo_header ‖ covered bytes`
    /// (shown with a MAC that differs).
    mac_input: [Vec<u8>; 2],
}

impl Derived {
    /// The collected values under their heading; collecting stops.
    fn take(&mut self) -> Vec<String> {
        self.collecting = false;
        if self.pending.is_empty() {
            return vec![];
        }
        let mut out = vec!["── derived values".to_string()];
        out.append(&mut self.pending);
        out
    }
}

/// The label column of the derived values.
const LABEL: usize = 20;

/// `label  value`, or when that is too wide, the label then the value as
/// hex wrapped 32 bytes a line with offsets (`hex` is lowercase hex).
fn labelled_hex(indent: &str, label: &str, hex: &str, note: &str, width: usize) -> Vec<String> {
    let head = format!("{indent}{label:<w$}", w = LABEL.saturating_sub(indent.len()));
    let one = format!("{head} {hex}{note}");
    if one.chars().count() <= width {
        return vec![one];
    }
    let mut out = vec![format!("{indent}{label} ({} bytes){note}:", hex.len() / 2)];
    for (j, chunk) in hex.as_bytes().chunks(64).enumerate() {
        out.push(format!(
            "{indent}  {:04x}  {}",
            j * 32,
            String::from_utf8_lossy(chunk)
        ));
    }
    out
}

/// Hex of a value, or `<redacted N bytes>` when it is secret and hidden.
fn shown(bytes: &[u8], secret: bool, redact: bool) -> String {
    if secret && redact {
        format!("<redacted {} bytes>", bytes.len())
    } else {
        hex::encode(bytes)
    }
}

fn dir_index(d: crate::wire::Direction) -> usize {
    match d {
        crate::wire::Direction::ClientToServer => 0,
        crate::wire::Direction::ServerToClient => 1,
    }
}

/// The two public values of a key exchange (ECDHE or DHE), under the line
/// that names it.
fn public_values(client_public: &[u8], server_public: &[u8], width: usize) -> Vec<String> {
    let mut out = labelled_hex("  ", "client_public", &hex::encode(client_public), "", width);
    out.extend(labelled_hex(
        "  ",
        "server_public",
        &hex::encode(server_public),
        "",
        width,
    ));
    out
}

/// The readable lines of one derived value (empty for events the default
/// leaves to `--trace values`).
fn derived_lines(d: &mut Derived, event: &Event<'_>, redact: bool, w: usize) -> Vec<String> {
    let mut out = vec![];
    let lab = |label: &str, value: String| format!("{label:<LABEL$} {value}");
    match *event {
        Event::CertificateChecked {
            server_name,
            chain_len,
            verified,
            detail,
        } => out.push(lab(
            "certificate",
            format!(
                "{} for {:?} ({chain_len} in the chain): {detail}",
                if verified { "verified" } else { "NOT verified" },
                server_name
            ),
        )),
        Event::SignatureChecked {
            scheme,
            signed,
            valid,
            ..
        } => out.push(lab(
            "key signature",
            format!(
                "{scheme} over {} bytes (client_random + server_random + params): {}",
                signed.len(),
                if valid { "valid" } else { "INVALID" }
            ),
        )),
        Event::ServerKeyChecked { matches, detail } => out.push(lab(
            "server key",
            format!(
                "{}: {detail}",
                if matches {
                    "matches the certificate"
                } else {
                    "does NOT match the certificate"
                }
            ),
        )),
        Event::KeyShare {
            group,
            client_public,
            server_public,
        } => {
            out.push(lab("key exchange", format!("ECDHE {group}")));
            out.extend(public_values(client_public, server_public, w));
        }
        Event::DhKeyShare {
            p_bits,
            g,
            client_public,
            server_public,
            ..
        } => {
            out.push(lab(
                "key exchange",
                format!("DHE, p of {p_bits} bits, g = {}", hex::encode(g)),
            ));
            out.extend(public_values(client_public, server_public, w));
        }
        Event::DhSharedSecret {
            z,
            leading_zeros_stripped,
        } => {
            let note = if leading_zeros_stripped > 0 {
                format!("  ({leading_zeros_stripped} leading zero bytes stripped, RFC 5246 §8.1.2)")
            } else {
                String::new()
            };
            out.extend(labelled_hex(
                "",
                "Z = Ys^x mod p",
                &shown(z, true, redact),
                &note,
                w,
            ));
        }
        Event::RsaEncrypted { modulus_bits, .. } => out.push(lab(
            "key exchange",
            format!("RSA key transport: pre_master_secret encrypted to the server's {modulus_bits}-bit key"),
        )),
        Event::PreMasterSecret(pms) => out.extend(labelled_hex(
            "",
            "pre_master_secret",
            &shown(pms, true, redact),
            "",
            w,
        )),
        Event::SessionHash { session_hash } => out.extend(labelled_hex(
            "",
            "session_hash",
            &hex::encode(session_hash),
            "  (RFC 7627 §4)",
            w,
        )),
        Event::Prf(p) => match p.purpose {
            "master_secret" => d.master_label = Some("\"master secret\", client_random + server_random"),
            "extended_master_secret" => d.master_label = Some("\"extended master secret\", session_hash"),
            "key_block" => d.key_block_len = Some(p.output.len()),
            _ => {}
        },
        Event::MasterSecret {
            client_random,
            server_random,
            master_secret,
        } => {
            let how = d
                .master_label
                .take()
                .unwrap_or("\"master secret\", client_random + server_random");
            out.push(format!("master_secret = PRF(pre_master_secret, {how})"));
            out.extend(labelled_hex(
                "  ",
                "client_random",
                &hex::encode(client_random),
                "",
                w,
            ));
            out.extend(labelled_hex(
                "  ",
                "server_random",
                &hex::encode(server_random),
                "",
                w,
            ));
            out.extend(labelled_hex(
                "  ",
                "master_secret",
                &shown(master_secret, true, redact),
                "",
                w,
            ));
        }
        Event::KeyBlock(kb) => {
            let len = d
                .key_block_len
                .take()
                .map(|n| format!(", {n} bytes"))
                .unwrap_or_default();
            out.push(format!(
                "key_block = PRF(master_secret, \"key expansion\", server_random + client_random){len}"
            ));
            for (name, v) in kb.named_parts() {
                if !v.is_empty() {
                    out.extend(labelled_hex("  ", name, &shown(v, true, redact), "", w));
                }
            }
        }
        Event::FinishedVerify {
            label,
            handshake_hash,
            computed,
            received,
        } => {
            out.push(format!(
                "{} Finished: verify_data = PRF(master_secret, \"{label}\", handshake_hash)[0..{}]",
                label.split(' ').next().unwrap_or(label),
                computed.len()
            ));
            out.extend(labelled_hex(
                "  ",
                "handshake_hash",
                &hex::encode(handshake_hash),
                "",
                w,
            ));
            out.push(format!(
                "  {:<18} {}  received {}  {}",
                "computed",
                hex::encode(computed),
                hex::encode(received),
                if computed == received {
                    "✓ equal"
                } else {
                    "✗ DIFFER"
                }
            ));
        }
        Event::SessionResumed {
            session_id,
            master_secret,
        } => {
            out.push(lab(
                "session resumed",
                "abbreviated handshake: no key exchange".into(),
            ));
            out.extend(labelled_hex("  ", "session_id", &hex::encode(session_id), "", w));
            out.extend(labelled_hex(
                "  ",
                "master_secret",
                &shown(master_secret, true, redact),
                "",
                w,
            ));
        }
        Event::ResumptionOffered {
            session_id, ticket, ..
        } => out.push(lab(
            "resumption offered",
            match ticket {
                Some(t) => format!("a session ticket of {} bytes", t.len()),
                None => format!("session_id {}", hex::encode(session_id)),
            },
        )),
        Event::FaultApplied {
            fault,
            what,
            before,
            after,
        } => out.extend(wrap_event(
            &format!(
                "FAULT {fault}  changed {}: before={} after={}",
                what,
                hex::encode(before),
                hex::encode(after)
            ),
            w,
        )),
        Event::Intercepted { point, before, after } => out.extend(wrap_event(
            &format!(
                "EDITED {point}  before={} after={}",
                hex::encode(before),
                hex::encode(after)
            ),
            w,
        )),
        Event::MacInput(m) => {
            // Kept as bytes and formatted only if the MAC then fails: every
            // record has a MAC input, and wrapping 32 KiB of hex per record
            // cost several times the record itself.
            let kept = &mut d.mac_input[dir_index(m.direction)];
            kept.clear();
            kept.extend_from_slice(m.pseudo_header);
            kept.extend_from_slice(m.fragment);
        }
        Event::MacCompared {
            direction,
            seq,
            computed,
            received,
            equal: false,
        } => {
            out.push(format!("✗ MAC of the {direction} record seq {seq} differs"));
            let kept = std::mem::take(&mut d.mac_input[dir_index(direction)]);
            if let Some((pseudo_header, fragment)) = kept.split_first_chunk::<13>() {
                out.extend(wrap_event(
                    &format!(
                        "  MAC input  pseudo_header={} fragment={}",
                        hex::encode(pseudo_header),
                        hex::encode(fragment)
                    ),
                    w,
                ));
            }
            out.extend(labelled_hex("  ", "computed", &hex::encode(computed), "", w));
            out.extend(labelled_hex("  ", "received", &hex::encode(received), "", w));
        }
        Event::AeadNonce(n) => {
            let lines = &mut d.aead[dir_index(n.direction)];
            lines.clear();
            lines.extend(labelled_hex("  ", "nonce", &shown(n.nonce, true, redact), "", w));
        }
        Event::AeadAad { direction, aad, .. } => d.aead[dir_index(direction)].extend(labelled_hex(
            "  ",
            "additional data",
            &hex::encode(aad),
            "",
            w,
        )),
        Event::AeadOpenFailed { direction, seq, tag } => {
            out.push(format!(
                "✗ AEAD tag of the {direction} record seq {seq} does not verify"
            ));
            out.append(&mut d.aead[dir_index(direction)]);
            out.extend(labelled_hex("  ", "tag received", &hex::encode(tag), "", w));
        }
        Event::CbcPadding(p) if !p.well_formed => out.push(format!(
            "✗ CBC padding of the {} record seq {} malformed: padding_length {}, first bad byte {}",
            p.direction,
            p.seq,
            p.padding_length,
            p.first_bad.map_or("none".to_string(), |i| i.to_string())
        )),
        _ => {}
    }
    out
}

impl<W: Write> Observer for LadderLog<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        let lines = self.lines(event);
        self.write_lines(&lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Illustrated TLS 1.2 Connection's ClientHello and ServerHello
    /// (vectors/illustrated-tls12): the ladder names what the walkthrough
    /// annotates (SNI example.ulfheim.net, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA).
    #[test]
    fn ladder_lines_of_the_walkthrough() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../../vectors/illustrated-tls12/vector.json")).unwrap();
        let rec = |i: usize| hex::decode(v["records"][i]["record"].as_str().unwrap()).unwrap();
        let mut log = LadderLog::new(Vec::new(), TraceLevel::Bytes);
        let ch = rec(0);
        let sh = rec(1);
        let ske = rec(3);
        log.on_event(&Event::HandshakeOut {
            typ: crate::wire::HandshakeType::CLIENT_HELLO,
            raw: &ch[5..],
        });
        log.on_event(&Event::HandshakeIn {
            typ: crate::wire::HandshakeType::SERVER_HELLO,
            raw: &sh[5..],
        });
        log.on_event(&Event::HandshakeIn {
            typ: crate::wire::HandshakeType::SERVER_KEY_EXCHANGE,
            raw: &ske[5..],
        });
        let text = String::from_utf8(log.into_inner()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("→ ClientHello  TLSv1.2  16 suites  SNI example.ulfheim.net"),
            "{}",
            lines[0]
        );
        assert!(text.contains("← ServerHello  TLSv1.2  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA  EMS –  EtM –"));
        assert!(text.contains("← ServerKeyExchange  ECDHE x25519  signed rsa_pkcs1_sha256"));
        // The signed data is shown once the randoms are known.
        assert!(text.contains("signed_data  client_random (32) + server_random (32) + params (36 bytes)"));
        for l in &lines {
            assert!(l.chars().count() <= 120, "{l}");
        }
    }

    /// A MAC that differs brings back the MAC input of its direction (kept
    /// as bytes until then): the hex of the `hex` crate, wrapped; a MAC that
    /// verifies prints nothing.
    #[test]
    fn readable_default_shows_the_mac_input_of_a_failed_mac() {
        use crate::observer::MacInput;
        use crate::wire::Direction;
        let mut log = LadderLog::readable(Vec::new(), false);
        let (ph, frag) = ([0x42u8; 13], [0xa5u8; 40]);
        let input = |log: &mut LadderLog<Vec<u8>>| {
            log.on_event(&Event::MacInput(MacInput {
                direction: Direction::ServerToClient,
                seq: 3,
                pseudo_header: &ph,
                fragment: &frag,
                mac: &[0; 20],
            }))
        };
        let compared = |log: &mut LadderLog<Vec<u8>>, equal| {
            log.on_event(&Event::MacCompared {
                direction: Direction::ServerToClient,
                seq: 3,
                computed: &[1; 20],
                received: &[2; 20],
                equal,
            })
        };
        input(&mut log);
        compared(&mut log, true);
        assert!(log.out.is_empty());
        input(&mut log);
        compared(&mut log, false);
        let text: String = String::from_utf8(log.out.clone())
            .unwrap()
            .split_whitespace()
            .collect();
        assert!(
            text.contains(&format!("pseudo_header={}", hex::encode(ph))),
            "{text}"
        );
        // Wrapped with offsets: the length, then the bytes line by line.
        assert!(text.contains("fragment(40bytes):0000"), "{text}");
        assert!(text.contains(&hex::encode(&frag[..32])), "{text}");
        assert!(
            text.contains(&format!("0020{}", hex::encode(&frag[32..]))),
            "{text}"
        );
    }

    /// The readable default: values wait for the end of the handshake,
    /// come under their heading after the ladder, and hide secrets when
    /// redacted; a long value is wrapped with offsets.
    #[test]
    fn readable_default_collects_the_values_after_the_ladder() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../../vectors/illustrated-tls12/vector.json")).unwrap();
        let ch = hex::decode(v["records"][0]["record"].as_str().unwrap()).unwrap();
        let pms = [7u8; 48];
        let (cr, sr, ms) = ([1u8; 32], [2u8; 32], [3u8; 48]);
        let mut log = LadderLog::readable(Vec::new(), true);
        log.on_event(&Event::HandshakeOut {
            typ: crate::wire::HandshakeType::CLIENT_HELLO,
            raw: &ch[5..],
        });
        log.on_event(&Event::PreMasterSecret(&pms));
        log.on_event(&Event::MasterSecret {
            client_random: &cr,
            server_random: &sr,
            master_secret: &ms,
        });
        let before_end = log.out.len();
        log.on_event(&Event::StateChanged {
            from: StateName::ExpectFinished,
            to: StateName::Established,
        });
        let text = String::from_utf8(log.into_inner()).unwrap();
        assert!(text[..before_end].starts_with("→ ClientHello"));
        assert!(!text[..before_end].contains("derived values"), "{text}");
        let values: Vec<&str> = text[before_end..].lines().collect();
        assert_eq!(values[0], "── derived values");
        assert_eq!(values[1], "pre_master_secret    <redacted 48 bytes>");
        assert_eq!(
            values[2],
            "master_secret = PRF(pre_master_secret, \"master secret\", client_random + server_random)"
        );
        assert_eq!(values[3], format!("  client_random      {}", "01".repeat(32)));
        assert_eq!(values[5], "  master_secret      <redacted 48 bytes>");

        let long = labelled_hex("  ", "client_public", &"ab".repeat(97), "", 120);
        assert_eq!(long[0], "  client_public (97 bytes):");
        assert_eq!(long[1], format!("    0000  {}", "ab".repeat(32)));
        assert_eq!(long[4], "    0060  ab");
    }

    #[test]
    fn long_values_are_wrapped_and_labelled() {
        let line = format!("master_secret  prf=sha256 value={}", "ab".repeat(48));
        let lines = wrap_event(&line, 120);
        assert_eq!(lines[0], "master_secret  prf=sha256");
        assert_eq!(lines[1], "    value (48 bytes):");
        assert_eq!(lines[2], format!("      0000  {}", "ab".repeat(32)));
        assert_eq!(lines[3], format!("      0020  {}", "ab".repeat(16)));
    }
}
