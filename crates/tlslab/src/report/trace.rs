//! Pages from what a connection left behind: a saved JSON trace
//! (`--trace json`, the format of [`crate::observer::JsonLog`]) and a replay
//! bundle directory (replayed into a fresh client, which records its events
//! again).

use std::path::Path;

use serde_json::Value;

use super::{render, HtmlOptions, Section};
use crate::bytes::Bytes;
use crate::error::Error;
use crate::observer::{
    OwnedEvent, OwnedMacInput, OwnedNonceParts, OwnedPaddingView, OwnedPrfCall, OwnedPrfHalf,
    OwnedRecordView, Recorder,
};
use crate::replay::{Action, Bundle};
use crate::types::{KeyBlock, PrfHash};
use crate::wire::{
    Alert, AlertDescription, AlertLevel, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use crate::Client;

/// What a JSON trace held.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The events the page draws, in order.
    pub events: Vec<OwnedEvent>,
    /// Whether the trace was written redacted (`"<redacted N bytes>"`).
    pub redacted: bool,
    /// Lines that are events the page does not draw (state changes,
    /// transcript hashes, ...).
    pub skipped: usize,
}

/// Reads a JSON Lines trace. Blank lines are ignored; a line that is not a
/// JSON object with an `"event"` name is an error with its line number.
#[doc(hidden)]
pub fn read_json_trace(text: &str) -> Result<Trace, String> {
    let mut t = Trace::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| format!("line {}: not JSON: {e}", n + 1))?;
        let name = v
            .get("event")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("line {}: no \"event\" name", n + 1))?;
        let mut r = Fields {
            v: &v,
            redacted: false,
        };
        match event(name, &mut r) {
            Some(e) => t.events.push(e),
            None => t.skipped += 1,
        }
        t.redacted |= r.redacted;
    }
    Ok(t)
}

/// A saved JSON trace as a page.
pub fn json_trace_html(text: &str, options: &HtmlOptions) -> Result<String, String> {
    let t = read_json_trace(text)?;
    let options = HtmlOptions {
        redact: options.redact || t.redacted,
        ..options.clone()
    };
    let s = Section {
        title: "saved trace".into(),
        events: &t.events,
        ..Section::default()
    };
    Ok(render(&options, "", &[s]))
}

/// A replay bundle as a page: the recorded server bytes are fed, in their
/// recorded chunks, into a client built from the bundle's seed and settings,
/// which emits every event again; the explainer runs on its failure.
pub fn bundle_html(dir: &Path, options: &HtmlOptions) -> Result<String, Error> {
    let bundle = Bundle::read(dir)?;
    let config = bundle.settings.config(bundle.ca_pem.as_deref())?;
    let mut rec = Recorder::new();
    let (error, explanation) = {
        let mut client = Client::with_observer(config, &mut rec);
        let mut error = None;
        for step in &bundle.steps {
            let mut out = vec![];
            let r = match &step.action {
                Action::Start => client.start(&mut out),
                Action::Receive(bytes) => client.receive(bytes, &mut out),
                Action::Send(data) => client.send(data, &mut out),
                Action::Close => client.close(&mut out),
            };
            if let Err(e) = r {
                error.get_or_insert(e.to_string());
            }
        }
        let explanation = error.as_ref().and_then(|_| client.explain_failure());
        (error, explanation)
    };
    let s = Section {
        title: format!("replay of {}", dir.display()),
        events: &rec.events,
        error,
        explanation: explanation.as_ref(),
        ..Section::default()
    };
    Ok(render(options, "", &[s]))
}

/// One JSON object's fields.
struct Fields<'v> {
    v: &'v Value,
    redacted: bool,
}

impl Fields<'_> {
    fn str(&self, k: &str) -> Option<&str> {
        self.v.get(k)?.as_str()
    }
    fn bytes(&mut self, k: &str) -> Option<Bytes> {
        let s = self.str(k)?;
        if s.starts_with("<redacted") {
            self.redacted = true;
            return Some(Bytes::default());
        }
        hex::decode(s).ok().map(Bytes)
    }
    fn list(&mut self, k: &str) -> Option<Vec<Bytes>> {
        let items = self.v.get(k)?.as_array()?.clone();
        Some(
            items
                .iter()
                .map(|i| match i.as_str() {
                    Some(s) if s.starts_with("<redacted") => {
                        self.redacted = true;
                        Bytes::default()
                    }
                    Some(s) => Bytes(hex::decode(s).unwrap_or_default()),
                    None => Bytes::default(),
                })
                .collect(),
        )
    }
    fn u64(&self, k: &str) -> Option<u64> {
        self.v.get(k)?.as_u64()
    }
    fn bool(&self, k: &str) -> Option<bool> {
        self.v.get(k)?.as_bool()
    }
    fn dir(&self) -> Option<Direction> {
        match self.str("direction")? {
            "client->server" => Some(Direction::ClientToServer),
            "server->client" => Some(Direction::ServerToClient),
            _ => None,
        }
    }
}

/// A wire enum from its RFC name or its `0x..` text.
fn wire<T>(
    text: Option<&str>,
    from_name: fn(&str) -> Option<T>,
    from_int: fn(u64) -> Option<T>,
) -> Option<T> {
    let t = text?;
    from_name(t).or_else(|| {
        t.strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .and_then(from_int)
    })
}

fn record(r: &mut Fields<'_>) -> Option<OwnedRecordView> {
    Some(OwnedRecordView {
        content_type: wire(r.str("content_type"), ContentType::from_name, |i| {
            u8::try_from(i).ok().map(ContentType)
        })?,
        version: wire(r.str("version"), ProtocolVersion::from_name, |i| {
            u16::try_from(i).ok().map(ProtocolVersion)
        })?,
        header: r.bytes("header")?,
        payload: r.bytes("payload")?,
        seq: r.u64("seq")?,
        protected: r.bool("protected")?,
    })
}

fn handshake_type(r: &Fields<'_>) -> Option<HandshakeType> {
    wire(r.str("typ"), HandshakeType::from_name, |i| {
        u8::try_from(i).ok().map(HandshakeType)
    })
}

fn alert(r: &Fields<'_>) -> Option<Alert> {
    Some(Alert {
        level: wire(r.str("level"), AlertLevel::from_name, |i| {
            u8::try_from(i).ok().map(AlertLevel)
        })?,
        description: wire(r.str("description"), AlertDescription::from_name, |i| {
            u8::try_from(i).ok().map(AlertDescription)
        })?,
    })
}

/// The `&'static str` names an event carries, as the library writes them.
fn known(text: Option<&str>, names: &[&'static str]) -> Option<&'static str> {
    let t = text?;
    names.iter().copied().find(|n| *n == t)
}

/// The `halves` of a TLS 1.0/1.1 `prf` object (absent for TLS 1.2).
fn prf_halves(r: &mut Fields<'_>) -> Option<Vec<OwnedPrfHalf>> {
    let Some(items) = r.v.get("halves") else {
        return Some(Vec::new());
    };
    let mut halves = Vec::new();
    for item in items.as_array()? {
        let mut h = Fields {
            v: item,
            redacted: false,
        };
        halves.push(OwnedPrfHalf {
            hash: known(h.str("hash"), &["P_MD5", "P_SHA1"])?,
            secret: h.bytes("secret")?,
            a: h.list("a")?,
            hmac_outputs: h.list("hmac_outputs")?,
            output: h.bytes("output")?,
        });
        r.redacted |= h.redacted;
    }
    Some(halves)
}

fn event(name: &str, r: &mut Fields<'_>) -> Option<OwnedEvent> {
    Some(match name {
        "record_out" => OwnedEvent::RecordOut(record(r)?),
        "record_in" => OwnedEvent::RecordIn(record(r)?),
        "handshake_out" => OwnedEvent::HandshakeOut {
            typ: handshake_type(r)?,
            raw: r.bytes("raw")?,
        },
        "handshake_in" => OwnedEvent::HandshakeIn {
            typ: handshake_type(r)?,
            raw: r.bytes("raw")?,
        },
        "certificate_checked" => OwnedEvent::CertificateChecked {
            server_name: r.str("server_name")?.to_owned(),
            chain_len: usize::try_from(r.u64("chain_len")?).ok()?,
            verified: r.bool("verified")?,
            detail: r.str("detail")?.to_owned(),
        },
        "signature_checked" => OwnedEvent::SignatureChecked {
            scheme: wire(r.str("scheme"), SignatureScheme::from_name, |i| {
                u16::try_from(i).ok().map(SignatureScheme)
            })?,
            signed: r.bytes("signed")?,
            signature: r.bytes("signature")?,
            valid: r.bool("valid")?,
        },
        "key_share" => OwnedEvent::KeyShare {
            group: wire(r.str("group"), NamedGroup::from_name, |i| {
                u16::try_from(i).ok().map(NamedGroup)
            })?,
            client_public: r.bytes("client_public")?,
            server_public: r.bytes("server_public")?,
        },
        "pre_master_secret" => OwnedEvent::PreMasterSecret(r.bytes("value")?),
        "prf" => OwnedEvent::Prf(OwnedPrfCall {
            purpose: known(
                r.str("purpose"),
                &[
                    "master_secret",
                    "extended_master_secret",
                    "key_block",
                    "verify_data",
                ],
            )?,
            hash: match r.str("hash")? {
                "P_SHA384" => PrfHash::Sha384,
                "P_MD5 XOR P_SHA1" => PrfHash::Md5Sha1,
                _ => PrfHash::Sha256,
            },
            secret: r.bytes("secret")?,
            label: Bytes(r.str("label")?.as_bytes().to_vec()),
            seed: r.bytes("seed")?,
            a: r.list("a")?,
            hmac_outputs: r.list("hmac_outputs")?,
            output: r.bytes("output")?,
            halves: prf_halves(r)?,
        }),
        "master_secret" => OwnedEvent::MasterSecret {
            client_random: r.bytes("client_random")?,
            server_random: r.bytes("server_random")?,
            master_secret: r.bytes("master_secret")?,
        },
        "key_block" => OwnedEvent::KeyBlock(KeyBlock {
            client_write_mac_key: r.bytes("client_write_mac_key")?,
            server_write_mac_key: r.bytes("server_write_mac_key")?,
            client_write_key: r.bytes("client_write_key")?,
            server_write_key: r.bytes("server_write_key")?,
            client_write_iv: r.bytes("client_write_iv")?,
            server_write_iv: r.bytes("server_write_iv")?,
        }),
        "mac_input" => OwnedEvent::MacInput(OwnedMacInput {
            direction: r.dir()?,
            seq: r.u64("seq")?,
            pseudo_header: r.bytes("pseudo_header")?,
            fragment: r.bytes("fragment")?,
            mac: r.bytes("mac")?,
        }),
        "cbc_padding" => OwnedEvent::CbcPadding(OwnedPaddingView {
            direction: r.dir()?,
            seq: r.u64("seq")?,
            padding_length: u8::try_from(r.u64("padding_length")?).ok()?,
            padding: r.bytes("padding")?,
            well_formed: r.bool("well_formed")?,
            first_bad: r.u64("first_bad").and_then(|i| usize::try_from(i).ok()),
        }),
        "mac_compared" => OwnedEvent::MacCompared {
            direction: r.dir()?,
            seq: r.u64("seq")?,
            computed: r.bytes("computed")?,
            received: r.bytes("received")?,
            equal: r.bool("equal")?,
        },
        "aead_nonce" => OwnedEvent::AeadNonce(OwnedNonceParts {
            direction: r.dir()?,
            seq: r.u64("seq")?,
            fixed_iv: r.bytes("fixed_iv")?,
            explicit: r.bytes("explicit")?,
            nonce: r.bytes("nonce")?,
        }),
        "aead_aad" => OwnedEvent::AeadAad {
            direction: r.dir()?,
            seq: r.u64("seq")?,
            aad: r.bytes("aad")?,
        },
        "aead_open_failed" => OwnedEvent::AeadOpenFailed {
            direction: r.dir()?,
            seq: r.u64("seq")?,
            tag: r.bytes("tag")?,
        },
        "finished_verify" => OwnedEvent::FinishedVerify {
            label: known(r.str("label"), &["client finished", "server finished"])?,
            handshake_hash: r.bytes("handshake_hash")?,
            computed: r.bytes("computed")?,
            received: r.bytes("received")?,
        },
        "application_data" => OwnedEvent::ApplicationData {
            direction: r.dir()?,
            data: r.bytes("data")?,
        },
        "alert_sent" => OwnedEvent::AlertSent(alert(r)?),
        "alert_received" => OwnedEvent::AlertReceived(alert(r)?),
        "session_hash" => OwnedEvent::SessionHash {
            session_hash: r.bytes("session_hash")?,
        },
        "session_resumed" => OwnedEvent::SessionResumed {
            session_id: r.bytes("session_id")?,
            master_secret: r.bytes("master_secret")?,
        },
        "rsa_encrypted" => OwnedEvent::RsaEncrypted {
            modulus_bits: usize::try_from(r.u64("modulus_bits")?).ok()?,
            ciphertext: r.bytes("ciphertext")?,
        },
        "dh_key_share" => OwnedEvent::DhKeyShare {
            p_bits: usize::try_from(r.u64("p_bits")?).ok()?,
            p: r.bytes("p")?,
            g: r.bytes("g")?,
            client_public: r.bytes("client_public")?,
            server_public: r.bytes("server_public")?,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::{Event, Observer, RecordView};
    use crate::wire::AlertDescription;

    /// Every event the page draws survives JSON and back unchanged.
    #[test]
    fn json_trace_round_trips_the_drawn_events() {
        let header = [23, 3, 3, 0, 3];
        let events = [
            Event::RecordIn(RecordView {
                content_type: ContentType::APPLICATION_DATA,
                version: ProtocolVersion::TLS12,
                header: &header,
                payload: &[1, 2, 3],
                seq: 4,
                protected: true,
            }),
            Event::MacCompared {
                direction: Direction::ServerToClient,
                seq: 4,
                computed: &[1, 2],
                received: &[1, 3],
                equal: false,
            },
            Event::AlertSent(Alert::fatal(AlertDescription::BAD_RECORD_MAC)),
            Event::FinishedVerify {
                label: "server finished",
                handshake_hash: &[7; 32],
                computed: &[1; 12],
                received: &[1; 12],
            },
        ];
        let mut rec = Recorder::new();
        let mut text = String::new();
        for e in &events {
            rec.on_event(e);
            text.push_str(&crate::observer::JsonLog::format_event(e, false));
            text.push('\n');
        }
        text.push_str("{\"event\":\"state_changed\",\"from\":\"Start\",\"to\":\"ExpectServerHello\"}\n");
        let t = read_json_trace(&text).unwrap();
        assert_eq!(t.events, rec.events);
        assert_eq!(t.skipped, 1);
        assert!(!t.redacted);
        assert!(read_json_trace("{\"no\":1}").unwrap_err().contains("line 1"));
    }
}
