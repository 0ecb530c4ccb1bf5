//! JSON Lines: [`JsonLog`].

use std::fmt::Write as _;
use std::io::{self, Stdout, Write};

use super::text::prf_hash_name;
use super::{Event, Observer};

/// Writes one JSON object per event and line (JSON Lines).
///
///
/// Field names are the Rust field names of [`Event`] (snake_case) and stay
/// stable. Byte strings are lowercase hex strings, enums are their RFC names
/// (an unknown value is the hex text its `Display` gives, such as `"0xee"`),
/// numbers and booleans are JSON numbers and booleans. Text the RFC defines as
/// ASCII (the PRF label) is a JSON string; bytes that are not UTF-8 are
/// replaced by U+FFFD there.
///
/// | `event` | fields |
/// |---|---|
/// | `state_changed` | `from`, `to` (state names, e.g. `"ExpectServerHello"`) |
/// | `record_out`, `record_in` | `content_type`, `version`, `header` (hex, 5 bytes), `payload` (hex), `seq`, `protected` |
/// | `handshake_out`, `handshake_in` | `typ`, `raw` (hex, 4-byte header included) |
/// | `transcript_appended` | `typ`, `raw`, `running_hash` |
/// | `certificate_checked` | `server_name`, `chain_len`, `verified`, `detail` |
/// | `signature_checked` | `scheme`, `signed`, `signature`, `valid` |
/// | `key_share` | `group`, `client_public`, `server_public` |
/// | `pre_master_secret` | `value` |
/// | `prf` | `purpose`, `hash` (`"P_SHA256"`/`"P_SHA384"`), `secret`, `label` (string), `seed`, `a` (array of hex: A(1), A(2), ...), `hmac_outputs` (array of hex), `output` |
/// | `master_secret` | `client_random`, `server_random`, `master_secret` |
/// | `key_block` | `client_write_mac_key`, `server_write_mac_key`, `client_write_key`, `server_write_key`, `client_write_iv`, `server_write_iv` |
/// | `mac_input` | `direction`, `seq`, `pseudo_header`, `fragment`, `mac` |
/// | `cbc_padding` | `direction`, `seq`, `padding_length`, `padding`, `well_formed`, `first_bad` (number or `null`) |
/// | `mac_compared` | `direction`, `seq`, `computed`, `received`, `equal` |
/// | `aead_nonce` | `direction`, `seq`, `fixed_iv`, `explicit`, `nonce` |
/// | `aead_aad` | `direction`, `seq`, `aad` |
/// | `aead_open_failed` | `direction`, `seq`, `tag` |
/// | `finished_verify` | `label`, `handshake_hash`, `computed`, `received` |
/// | `application_data` | `direction`, `data` |
/// | `alert_sent`, `alert_received` | `level`, `description` |
/// | `rsa_padding` | `padding_string`, `encoded_block` (both secret) |
/// | `rsa_encrypted` | `modulus_bits`, `ciphertext` |
/// | `dh_key_share` | `p_bits`, `p`, `g`, `client_public`, `server_public` |
/// | `dh_shared_secret` | `z` (secret), `leading_zeros_stripped` |
///
/// `direction` is `"client->server"` or `"server->client"`. With
/// [`JsonLog::redacted`], the same secrets as in `TextLog::redacted` become the
/// string `"<redacted N bytes>"` (arrays keep their length).
///
/// Write errors are ignored: an observer must never make a handshake fail. The
/// first error is kept and can be read with [`JsonLog::take_error`].
pub struct JsonLog<W: Write = Stdout> {
    out: W,
    redact: bool,
    error: Option<io::Error>,
}

impl<W: Write> JsonLog<W> {
    /// Logs every value in full.
    pub fn new(out: W) -> JsonLog<W> {
        JsonLog {
            out,
            redact: false,
            error: None,
        }
    }

    /// Logs with secret values replaced by `"<redacted N bytes>"`.
    pub fn redacted(out: W) -> JsonLog<W> {
        JsonLog {
            out,
            redact: true,
            error: None,
        }
    }

    /// The first write error, if any, leaving `None` behind.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl JsonLog<Stdout> {
    /// Logs every value in full to standard output.
    pub fn stdout() -> JsonLog<Stdout> {
        JsonLog::new(io::stdout())
    }

    /// The JSON object [`JsonLog`] writes for `event`, without the newline.
    pub fn format_event(event: &Event<'_>, redact: bool) -> String {
        json_line(event, redact)
    }
}

impl<W: Write> Observer for JsonLog<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        let mut line = json_line(event, self.redact);
        line.push('\n');
        // Flushed per line, as TextLog: the log must be complete up to a failure.
        let r = self
            .out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.flush());
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }
}

/// Builds one object, field by field, with commas in the right places.
struct Obj {
    s: String,
    redact: bool,
}

impl Obj {
    fn key(&mut self, k: &str) {
        self.s.push(',');
        push_str(&mut self.s, k);
        self.s.push(':');
    }
    fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        push_str(&mut self.s, v);
        self
    }
    fn display(&mut self, k: &str, v: impl std::fmt::Display) -> &mut Self {
        self.str(k, &v.to_string())
    }
    fn hex(&mut self, k: &str, v: &[u8]) -> &mut Self {
        self.key(k);
        push_hex(&mut self.s, v);
        self
    }
    fn secret(&mut self, k: &str, v: &[u8]) -> &mut Self {
        self.key(k);
        self.secret_value(v);
        self
    }
    fn secret_value(&mut self, v: &[u8]) {
        if self.redact {
            push_str(&mut self.s, &format!("<redacted {} bytes>", v.len()));
        } else {
            push_hex(&mut self.s, v);
        }
    }
    fn secret_list(&mut self, k: &str, v: &[Vec<u8>]) -> &mut Self {
        self.key(k);
        self.s.push('[');
        for (i, x) in v.iter().enumerate() {
            if i > 0 {
                self.s.push(',');
            }
            self.secret_value(x);
        }
        self.s.push(']');
        self
    }
    fn num(&mut self, k: &str, v: u64) -> &mut Self {
        self.key(k);
        let _ = write!(self.s, "{v}");
        self
    }
    fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.s.push_str(if v { "true" } else { "false" });
        self
    }
}

fn push_hex(s: &mut String, v: &[u8]) {
    s.push('"');
    let _ = write!(s, "{}", crate::bytes::Hex(v));
    s.push('"');
}

/// A JSON string literal (RFC 8259 §7): quote, backslash and control
/// characters escaped; everything else, non-ASCII included, as is.
fn push_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

fn json_line(event: &Event<'_>, redact: bool) -> String {
    let mut o = Obj {
        s: String::with_capacity(160),
        redact,
    };
    o.s.push_str("{\"event\":");
    push_str(&mut o.s, event.name());
    match *event {
        Event::StateChanged { from, to } => {
            o.display("from", from).display("to", to);
        }
        Event::RecordOut(r) | Event::RecordIn(r) => {
            o.display("content_type", r.content_type)
                .display("version", r.version)
                .hex("header", r.header)
                .hex("payload", r.payload)
                .num("seq", r.seq)
                .bool("protected", r.protected);
        }
        Event::HandshakeOut { typ, raw } | Event::HandshakeIn { typ, raw } => {
            o.display("typ", typ).hex("raw", raw);
        }
        Event::TranscriptAppended {
            typ,
            raw,
            running_hash,
        } => {
            o.display("typ", typ)
                .hex("raw", raw)
                .hex("running_hash", running_hash);
        }
        Event::CertificateChecked {
            server_name,
            chain_len,
            verified,
            detail,
        } => {
            o.str("server_name", server_name)
                .num("chain_len", chain_len as u64)
                .bool("verified", verified)
                .str("detail", detail);
        }
        Event::SignatureChecked {
            scheme,
            signed,
            signature,
            valid,
        } => {
            o.display("scheme", scheme)
                .hex("signed", signed)
                .hex("signature", signature)
                .bool("valid", valid);
        }
        Event::KeyShare {
            group,
            client_public,
            server_public,
        } => {
            o.display("group", group)
                .hex("client_public", client_public)
                .hex("server_public", server_public);
        }
        Event::PreMasterSecret(pms) => {
            o.secret("value", pms);
        }
        Event::Prf(p) => {
            o.str("purpose", p.purpose)
                .str("hash", prf_hash_name(p.hash))
                .secret("secret", p.secret)
                .str("label", &String::from_utf8_lossy(p.label))
                .hex("seed", p.seed)
                .secret_list("a", p.a)
                .secret_list("hmac_outputs", p.hmac_outputs)
                .secret("output", p.output);
        }
        Event::MasterSecret {
            client_random,
            server_random,
            master_secret,
        } => {
            o.hex("client_random", client_random)
                .hex("server_random", server_random)
                .secret("master_secret", master_secret);
        }
        Event::KeyBlock(kb) => {
            o.secret("client_write_mac_key", &kb.client_write_mac_key)
                .secret("server_write_mac_key", &kb.server_write_mac_key)
                .secret("client_write_key", &kb.client_write_key)
                .secret("server_write_key", &kb.server_write_key)
                .secret("client_write_iv", &kb.client_write_iv)
                .secret("server_write_iv", &kb.server_write_iv);
        }
        Event::MacInput(m) => {
            o.display("direction", m.direction)
                .num("seq", m.seq)
                .hex("pseudo_header", m.pseudo_header)
                .hex("fragment", m.fragment)
                .hex("mac", m.mac);
        }
        Event::CbcPadding(p) => {
            o.display("direction", p.direction)
                .num("seq", p.seq)
                .num("padding_length", p.padding_length.into())
                .hex("padding", p.padding)
                .bool("well_formed", p.well_formed);
            match p.first_bad {
                Some(i) => {
                    o.num("first_bad", i as u64);
                }
                None => {
                    o.key("first_bad");
                    o.s.push_str("null");
                }
            }
        }
        Event::MacCompared {
            direction,
            seq,
            computed,
            received,
            equal,
        } => {
            o.display("direction", direction)
                .num("seq", seq)
                .hex("computed", computed)
                .hex("received", received)
                .bool("equal", equal);
        }
        Event::AeadNonce(n) => {
            o.display("direction", n.direction)
                .num("seq", n.seq)
                .secret("fixed_iv", n.fixed_iv)
                .hex("explicit", n.explicit)
                .secret("nonce", n.nonce);
        }
        Event::AeadAad { direction, seq, aad } => {
            o.display("direction", direction).num("seq", seq).hex("aad", aad);
        }
        Event::AeadOpenFailed { direction, seq, tag } => {
            o.display("direction", direction).num("seq", seq).hex("tag", tag);
        }
        Event::FinishedVerify {
            label,
            handshake_hash,
            computed,
            received,
        } => {
            o.str("label", label)
                .hex("handshake_hash", handshake_hash)
                .hex("computed", computed)
                .hex("received", received);
        }
        Event::ApplicationData { direction, data } => {
            o.display("direction", direction).hex("data", data);
        }
        Event::AlertSent(a) | Event::AlertReceived(a) => {
            o.display("level", a.level).display("description", a.description);
        }
        Event::ResumptionOffered {
            session_id,
            ticket,
            master_secret,
        } => {
            o.hex("session_id", session_id);
            match ticket {
                Some(t) => {
                    o.hex("ticket", t);
                }
                None => {
                    o.key("ticket");
                    o.s.push_str("null");
                }
            }
            o.secret("master_secret", master_secret);
        }
        Event::Intercepted { point, before, after } => {
            o.str("point", point).hex("before", before).hex("after", after);
        }
        Event::SessionHash { session_hash } => {
            o.hex("session_hash", session_hash);
        }
        Event::ServerKeyChecked { matches, detail } => {
            o.bool("matches", matches).str("detail", detail);
        }
        Event::FaultApplied {
            fault,
            what,
            before,
            after,
        } => {
            o.display("fault", fault)
                .str("what", what)
                .hex("before", before)
                .hex("after", after);
        }
        Event::SessionResumed {
            session_id,
            master_secret,
        } => {
            o.hex("session_id", session_id)
                .secret("master_secret", master_secret);
        }
        Event::RsaPadding {
            padding_string,
            encoded_block,
        } => {
            o.secret("padding_string", padding_string)
                .secret("encoded_block", encoded_block);
        }
        Event::RsaEncrypted {
            modulus_bits,
            ciphertext,
        } => {
            o.num("modulus_bits", modulus_bits as u64)
                .hex("ciphertext", ciphertext);
        }
        Event::DhKeyShare {
            p_bits,
            p,
            g,
            client_public,
            server_public,
        } => {
            o.num("p_bits", p_bits as u64)
                .hex("p", p)
                .hex("g", g)
                .hex("client_public", client_public)
                .hex("server_public", server_public);
        }
        Event::DhSharedSecret {
            z,
            leading_zeros_stripped,
        } => {
            o.secret("z", z)
                .num("leading_zeros_stripped", leading_zeros_stripped as u64);
        }
    }
    o.s.push('}');
    o.s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::text::tests::sample_key_block;
    use crate::observer::PrfCall;
    use crate::types::PrfHash;
    use crate::types::StateName;
    use crate::wire::{Alert, AlertDescription, AlertLevel, Direction};
    use serde_json::{json, Value};

    fn parse(e: &Event<'_>, redact: bool) -> Value {
        let line = json_line(e, redact);
        assert!(!line.contains('\n'));
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"))
    }

    #[test]
    fn prf_object() {
        let a = [vec![0xa1], vec![0xa2]];
        let h = [vec![0xb1], vec![0xb2]];
        let e = Event::Prf(PrfCall {
            purpose: "key_block",
            hash: PrfHash::Sha384,
            secret: &[0x5e],
            label: b"key \"expansion\"\\\x01",
            seed: &[0x00, 0xff],
            a: &a,
            hmac_outputs: &h,
            output: &[0xb1],
        });
        assert_eq!(
            parse(&e, false),
            json!({"event": "prf", "purpose": "key_block", "hash": "P_SHA384", "secret": "5e",
                   "label": "key \"expansion\"\\\u{1}", "seed": "00ff", "a": ["a1", "a2"],
                   "hmac_outputs": ["b1", "b2"], "output": "b1"})
        );
        assert_eq!(
            parse(&e, true),
            json!({"event": "prf", "purpose": "key_block", "hash": "P_SHA384", "secret": "<redacted 1 bytes>",
                   "label": "key \"expansion\"\\\u{1}", "seed": "00ff",
                   "a": ["<redacted 1 bytes>", "<redacted 1 bytes>"],
                   "hmac_outputs": ["<redacted 1 bytes>", "<redacted 1 bytes>"], "output": "<redacted 1 bytes>"})
        );
    }

    #[test]
    fn key_block_object() {
        let kb = sample_key_block();
        assert_eq!(
            parse(&Event::KeyBlock(&kb), false),
            json!({"event": "key_block", "client_write_mac_key": "01".repeat(20),
                   "server_write_mac_key": "02".repeat(20), "client_write_key": "03".repeat(16),
                   "server_write_key": "04".repeat(16), "client_write_iv": "", "server_write_iv": ""})
        );
    }

    #[test]
    fn mac_padding_alert_state_objects() {
        let e = Event::MacCompared {
            direction: Direction::ServerToClient,
            seq: 1,
            computed: &[0x11],
            received: &[0x12],
            equal: false,
        };
        assert_eq!(
            json_line(&e, false),
            r#"{"event":"mac_compared","direction":"server->client","seq":1,"computed":"11","received":"12","equal":false}"#
        );
        let e = Event::CbcPadding(crate::observer::PaddingView {
            direction: Direction::ServerToClient,
            seq: 2,
            padding_length: 3,
            padding: &[3, 4, 3],
            well_formed: false,
            first_bad: Some(1),
        });
        assert_eq!(parse(&e, false)["first_bad"], json!(1));
        assert_eq!(parse(&e, false)["padding_length"], json!(3));
        let e = Event::AlertReceived(Alert {
            level: AlertLevel::FATAL,
            description: AlertDescription(0xee),
        });
        assert_eq!(
            parse(&e, false),
            json!({"event": "alert_received", "level": "fatal", "description": "0xee"})
        );
        let e = Event::StateChanged {
            from: StateName::Start,
            to: StateName::ExpectServerHello,
        };
        assert_eq!(
            parse(&e, false),
            json!({"event": "state_changed", "from": "Start", "to": "ExpectServerHello"})
        );
        let e = Event::CertificateChecked {
            server_name: "l\u{f6}calhost",
            chain_len: 2,
            verified: false,
            detail: "skipped:\t--insecure\u{1b}",
        };
        assert_eq!(parse(&e, false)["detail"], json!("skipped:\t--insecure\u{1b}"));
        assert_eq!(parse(&e, false)["server_name"], json!("l\u{f6}calhost"));
    }

    #[test]
    fn log_writes_lines() {
        let mut log = JsonLog::new(Vec::new());
        let ms = [3u8; 48];
        log.on_event(&Event::MasterSecret {
            client_random: &[1; 32],
            server_random: &[2; 32],
            master_secret: &ms,
        });
        log.on_event(&Event::AlertSent(Alert::fatal(AlertDescription::BAD_RECORD_MAC)));
        let text = String::from_utf8(log.into_inner()).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["master_secret"], json!("03".repeat(48)));
        assert_eq!(lines[1]["description"], json!("bad_record_mac"));
        let redacted = json_line(
            &Event::MasterSecret {
                client_random: &[1; 32],
                server_random: &[2; 32],
                master_secret: &ms,
            },
            true,
        );
        assert!(redacted.contains(r#""master_secret":"<redacted 48 bytes>""#));
    }
}
