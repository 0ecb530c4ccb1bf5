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
            error: None,
        }
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
                out.push(format!(
                    "      {:04x}  {}",
                    j * 32,
                    String::from_utf8_lossy(chunk)
                ));
            }
        } else {
            let text: Vec<char> = tok.chars().collect();
            for chunk in text.chunks(width - 6) {
                out.push(format!("    {}", chunk.iter().collect::<String>()));
            }
        }
    }
    out.into_iter().map(|l| clip(&l, width)).collect()
}

impl<W: Write> Observer for LadderLog<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        let lines = self.lines(event);
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
