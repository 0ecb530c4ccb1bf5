//! JSON Lines: [`JsonLog`], and how each value an event carries is written in
//! JSON (the `serialize_with` functions the declaration of [`Event`] names,
//! and `Serialize` for the protocol enums it carries).

use std::cell::{Cell, RefCell};
use std::io::{self, Stdout, Write};

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::text::prf_hash_name;
use super::{Event, Observer};
use crate::bytes::fill_hex;
use crate::types::Fault;
use crate::types::StateName;
use crate::types::{KeyBlock, PrfHash};
use crate::wire::dissect::{Dissection, Dissector};
use crate::wire::{
    Alert, AlertDescription, AlertLevel, ContentType, Direction, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};

/// Writes one JSON object per event and line (JSON Lines).
///
/// The format follows from the declaration of [`Event`] (its `Serialize`
/// implementation, through `serde_json`), so every field below is documented
/// there, once:
///
/// * `"event"` comes first: [`Event::name`], the variant's snake_case name
///   (`"record_out"`, `"mac_compared"`, ...).
/// * Then the variant's fields, in declaration order, under their Rust names.
///   A variant that carries a struct has that struct's fields:
///   [`RecordView`](super::RecordView) (`record_out`, `record_in`),
///   [`PrfCall`](super::PrfCall) (`prf`), [`MacInput`](super::MacInput)
///   (`mac_input`), [`PaddingView`](super::PaddingView) (`cbc_padding`),
///   [`NonceParts`](super::NonceParts) (`aead_nonce`),
///   [`KeyBlock`](crate::types::KeyBlock) (`key_block`), and
///   [`Alert`]'s `level` and `description` (`alert_sent`, `alert_received`).
///   `pre_master_secret` has one field, `value`.
/// * Byte strings are lowercase hex strings. Enums are their RFC names, as
///   their `Display` writes them (an unknown value is its hex text, such as
///   `"0xee"`); `direction` is `"client->server"` or `"server->client"`;
///   states are names such as `"ExpectServerHello"`; the PRF `hash` is
///   `"P_SHA256"`, `"P_SHA384"` or `"P_MD5 XOR P_SHA1"` (TLS 1.0/1.1, whose
///   `prf` object adds `halves`: one object per half, `"P_MD5"` then
///   `"P_SHA1"`, each with `secret`, `a`, `hmac_outputs` and `output`). The
///   PRF `label`, ASCII in the RFC, is a JSON string (bytes that are not
///   UTF-8 become U+FFFD). Numbers and
///   booleans are JSON numbers and booleans; an absent option is `null`.
///   [`OwnedEvent`](super::OwnedEvent), which a [`Recorder`](super::Recorder)
///   keeps, serializes to the same object.
///
/// With [`JsonLog::redacted`], the secrets (the fields documented as such:
/// the same values `TextLog::redacted` hides) become the string
/// `"<redacted N bytes>"`; a list of secrets keeps its length.
///
/// ```
/// use tlslab::observer::{Event, JsonLog};
/// use tlslab::wire::Direction;
///
/// let e = Event::MacCompared {
///     direction: Direction::ServerToClient,
///     seq: 1,
///     computed: &[0x11, 0x22],
///     received: &[0x11, 0x23],
///     equal: false,
/// };
/// assert_eq!(
///     JsonLog::format_event(&e, false),
///     r#"{"event":"mac_compared","direction":"server->client","seq":1,"computed":"1122","received":"1123","equal":false}"#
/// );
/// let e = Event::MasterSecret { client_random: &[1; 32], server_random: &[2; 32], master_secret: &[3; 48] };
/// assert!(JsonLog::format_event(&e, true).ends_with(r#""master_secret":"<redacted 48 bytes>"}"#));
/// ```
///
/// Each byte string is hex-encoded once per line, and a large one (a record's
/// plaintext) that the next event carries again (the MAC input, then the
/// application data) is not encoded again: the log keeps the last one.
///
/// With [`JsonLog::with_messages`], each `handshake_out` and `handshake_in`
/// line is followed by a `message` line: the message dissected field by
/// field ([`crate::wire::dissect`]),
/// `{"event":"message","direction":"client->server","message":"client_hello",
/// "len":N,"fields":[FIELD...],"error":null,"derived":[...]}`, each FIELD
/// `{"name","start","end","value","hex","children":[FIELD...]}` with `start`
/// and `end` byte offsets inside the message (4-byte header included). These
/// lines are off by default, so a log without them (a recorded bundle) stays
/// line for line what it was.
///
/// Write errors are ignored: an observer must never make a handshake fail. The
/// first error is kept and can be read with [`JsonLog::take_error`].
pub struct JsonLog<W: Write = Stdout> {
    out: W,
    redact: bool,
    /// Dissects handshake messages into `message` lines when set.
    messages: Option<Dissector>,
    error: Option<io::Error>,
    /// The line being written, kept for its allocation.
    line: Vec<u8>,
    cache: HexCache,
}

impl<W: Write> JsonLog<W> {
    /// Logs every value in full.
    pub fn new(out: W) -> JsonLog<W> {
        JsonLog {
            out,
            redact: false,
            messages: None,
            error: None,
            line: Vec::new(),
            cache: HexCache::default(),
        }
    }

    /// Logs with secret values replaced by `"<redacted N bytes>"`.
    pub fn redacted(out: W) -> JsonLog<W> {
        JsonLog {
            redact: true,
            ..JsonLog::new(out)
        }
    }

    /// Adds a `message` line, the dissection, after every handshake message
    /// (see above).
    pub fn with_messages(mut self) -> JsonLog<W> {
        self.messages = Some(Dissector::new());
        self
    }

    /// The first write error, if any, leaving `None` behind.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// The writer.
    #[doc(hidden)]
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Gives the writer back.
    #[doc(hidden)]
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
    #[doc(hidden)]
    pub fn format_event(event: &Event<'_>, redact: bool) -> String {
        let mut line = Vec::new();
        // Serializing into a Vec fails only if a Serialize impl fails, and
        // none of the event's does.
        let _ = write_json(&mut line, event, redact, &mut HexCache::default());
        String::from_utf8_lossy(&line).into_owned()
    }
}

impl<W: Write> Observer for JsonLog<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        self.line.clear();
        let r = write_json(&mut self.line, event, self.redact, &mut self.cache)
            .map_err(io::Error::from)
            .and_then(|()| {
                self.line.push(b'\n');
                // Flushed per line, as TextLog: the log must be complete up to a failure.
                if let Some(d) = self.messages.as_mut() {
                    if let Event::HandshakeOut { raw, .. } | Event::HandshakeIn { raw, .. } = *event {
                        let from_server = matches!(event, Event::HandshakeIn { .. });
                        let m = MessageLine {
                            event: "message",
                            direction: if from_server {
                                Direction::ServerToClient
                            } else {
                                Direction::ClientToServer
                            },
                            dissection: d.handshake(from_server, raw),
                        };
                        serde_json::to_writer(&mut self.line, &m)?;
                        self.line.push(b'\n');
                    }
                }
                self.out.write_all(&self.line)?;
                self.out.flush()
            });
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }
}

/// The `message` line: the dissection's members after `event` and `direction`.
#[derive(Serialize)]
struct MessageLine {
    event: &'static str,
    direction: Direction,
    #[serde(flatten)]
    dissection: Dissection,
}

/// Serializes `event` into `out` with `redact` and `cache` in force.
fn write_json(
    out: &mut Vec<u8>,
    event: &Event<'_>,
    redact: bool,
    cache: &mut HexCache,
) -> serde_json::Result<()> {
    let _lent = Lent::new(redact, cache);
    event.serialize(&mut serde_json::Serializer::with_formatter(out, HexFormatter))
}

/// serde_json's compact output, except that a large byte string's hex goes
/// straight from the log's cache into the line.
///
/// Why: `serialize_str` scans every byte of a string for characters to
/// escape, which for the 32 KiB of hex of a 16 KiB record cost five times
/// what encoding it did (measured: 17 µs against 1.6 µs), and hex digits
/// never need escaping. So within a `JsonLog` line, [`hex`] encodes a large
/// value into the cache, marks it pending and serializes an empty string;
/// this formatter, seeing the string close, writes the pending hex before
/// the closing quote.
struct HexFormatter;

impl serde_json::ser::Formatter for HexFormatter {
    fn end_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        CACHE.with(
            |c| match c.try_borrow_mut().ok().as_deref_mut().and_then(Option::as_mut) {
                Some(cache) if cache.pending => {
                    cache.pending = false;
                    writer.write_all(&cache.hex)
                }
                _ => Ok(()),
            },
        )?;
        writer.write_all(b"\"")
    }
}

// ---------------------------------------------------------------------------
// What JsonLog lends the serializer for one line.
//
// `Serialize` has no room for a caller's settings, so the two things a field
// needs from the log (redact or not; the hex of the last large byte string)
// are lent through thread-locals for the duration of one line. Outside a
// `JsonLog` line (an event given to `serde_json` directly), nothing is
// redacted and nothing is cached.
// ---------------------------------------------------------------------------

thread_local! {
    static REDACT: Cell<bool> = const { Cell::new(false) };
    static CACHE: RefCell<Option<HexCache>> = const { RefCell::new(None) };
}

/// From this length up, the hex of a byte string is kept for the next
/// event: below it, encoding costs less than comparing and copying.
const CACHE_FROM: usize = 64;

/// The last large byte string encoded and its hex.
#[derive(Default)]
struct HexCache {
    bytes: Vec<u8>,
    hex: Vec<u8>,
    /// `hex` is to be written at the end of the string being serialized
    /// (see [`HexFormatter`]).
    pending: bool,
}

impl HexCache {
    /// Makes `hex` the hex of `v`, encoding only if `v` is not the last one.
    fn encode(&mut self, v: &[u8]) {
        // Comparing 16 KiB costs a small fraction of encoding it.
        if self.bytes != v {
            self.bytes.clear();
            self.bytes.extend_from_slice(v);
            self.hex.resize(2 * v.len(), 0);
            fill_hex(v, &mut self.hex);
        }
    }
}

/// Settings and cache of one line, put back when dropped.
struct Lent<'c> {
    home: &'c mut HexCache,
}

impl<'c> Lent<'c> {
    fn new(redact: bool, home: &'c mut HexCache) -> Lent<'c> {
        REDACT.set(redact);
        let cache = std::mem::take(home);
        CACHE.with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = Some(cache);
            }
        });
        Lent { home }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        REDACT.set(false);
        CACHE.with(|c| {
            if let Some(cache) = c.try_borrow_mut().ok().and_then(|mut c| c.take()) {
                *self.home = cache;
            }
        });
    }
}

/// Hex digits as text (they are ASCII, so this never fails).
fn as_str(hex: &[u8]) -> &str {
    std::str::from_utf8(hex).unwrap_or_default()
}

/// Serializes the lowercase hex of `v` as a string. Within a `JsonLog` line a
/// large `v` is encoded into the log's cache (not again if it is the last one
/// encoded) and written into the line by [`HexFormatter`]; otherwise the
/// hex goes through `serialize_str`.
fn serialize_hex<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if v.len() < CACHE_FROM {
        let mut buf = [0u8; 2 * CACHE_FROM];
        let out = &mut buf[..2 * v.len()];
        fill_hex(v, out);
        return s.serialize_str(as_str(out));
    }
    let lent = CACHE.with(
        |c| match c.try_borrow_mut().ok().as_deref_mut().and_then(Option::as_mut) {
            Some(cache) => {
                cache.encode(v);
                cache.pending = true;
                true
            }
            None => false,
        },
    );
    if lent {
        s.serialize_str("")
    } else {
        let mut out = vec![0u8; 2 * v.len()];
        fill_hex(v, &mut out);
        s.serialize_str(as_str(&out))
    }
}

// ---------------------------------------------------------------------------
// The `serialize_with` functions of the event declaration. Each takes any
// byte container, so the borrowed `Event` and the owned `OwnedEvent` (with
// `Bytes`) serialize alike.
// ---------------------------------------------------------------------------

/// Bytes as a lowercase hex string.
pub(crate) fn hex<B: AsRef<[u8]>, S: Serializer>(v: &B, s: S) -> Result<S::Ok, S::Error> {
    serialize_hex(v.as_ref(), s)
}

/// A secret: lowercase hex, or `"<redacted N bytes>"` in a redacted log.
pub(crate) fn secret<B: AsRef<[u8]>, S: Serializer>(v: &B, s: S) -> Result<S::Ok, S::Error> {
    let v = v.as_ref();
    if REDACT.get() {
        s.collect_str(&format_args!("<redacted {} bytes>", v.len()))
    } else {
        hex(&v, s)
    }
}

/// Bytes as hex, or `null`.
pub(crate) fn opt_hex<B: AsRef<[u8]>, S: Serializer>(v: &Option<B>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(b) => hex(b, s),
        None => s.serialize_none(),
    }
}

/// Whether a list field is empty, for `skip_serializing_if`: the TLS 1.2 PRF
/// event has no `halves`, and its JSON does not name them.
pub(crate) fn empty_list<L: AsRef<[T]>, T>(v: &L) -> bool {
    v.as_ref().is_empty()
}

/// A list of secrets (the PRF's A(i) and HMAC outputs).
pub(crate) fn secret_list<L, B, S>(v: &L, s: S) -> Result<S::Ok, S::Error>
where
    L: AsRef<[B]>,
    B: AsRef<[u8]>,
    S: Serializer,
{
    let v = v.as_ref();
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for x in v {
        seq.serialize_element(&Secret(x.as_ref()))?;
    }
    seq.end()
}

/// ASCII text the RFC gives as bytes (the PRF label), as a JSON string.
pub(crate) fn lossy_text<B: AsRef<[u8]>, S: Serializer>(v: &B, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(v.as_ref()))
}

/// A secret that is an event's only value, as the field `value`.
pub(crate) fn secret_value<B: AsRef<[u8]>, S: Serializer>(v: &B, s: S) -> Result<S::Ok, S::Error> {
    let mut o = s.serialize_struct("Secret", 1)?;
    o.serialize_field("value", &Secret(v.as_ref()))?;
    o.end()
}

struct Secret<'a>(&'a [u8]);

/// The key block as an object of its six secrets, by their RFC names in
/// snake_case (written here rather than derived, so that the leaf module
/// that defines `KeyBlock` stays free of the observer).
impl Serialize for KeyBlock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("KeyBlock", 6)?;
        o.serialize_field("client_write_mac_key", &Secret(&self.client_write_mac_key))?;
        o.serialize_field("server_write_mac_key", &Secret(&self.server_write_mac_key))?;
        o.serialize_field("client_write_key", &Secret(&self.client_write_key))?;
        o.serialize_field("server_write_key", &Secret(&self.server_write_key))?;
        o.serialize_field("client_write_iv", &Secret(&self.client_write_iv))?;
        o.serialize_field("server_write_iv", &Secret(&self.server_write_iv))?;
        o.end()
    }
}

impl Serialize for Secret<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        secret(&self.0, s)
    }
}

// ---------------------------------------------------------------------------
// The protocol values events carry: enums by the RFC name their `Display`
// gives, as in the text log.
// ---------------------------------------------------------------------------

macro_rules! serialize_as_display {
    ($($t:ty),* $(,)?) => {$(
        /// Its `Display` text (the RFC name) as a JSON string.
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}

serialize_as_display!(
    ContentType,
    ProtocolVersion,
    HandshakeType,
    SignatureScheme,
    NamedGroup,
    ExtensionType,
    AlertLevel,
    AlertDescription,
    Direction,
    StateName,
    Fault,
);

/// `"P_SHA256"` or `"P_SHA384"`, as RFC 5246 §5 writes them, or `"P_MD5 XOR
/// P_SHA1"` for the PRF of TLS 1.0/1.1 (RFC 2246 §5).
impl Serialize for PrfHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(prf_hash_name(*self))
    }
}

/// An object with `level` and `description`.
impl Serialize for Alert {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Alert", 2)?;
        o.serialize_field("level", &self.level)?;
        o.serialize_field("description", &self.description)?;
        o.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::text::tests::{legacy_prf_halves, sample_key_block};
    use crate::observer::PrfCall;
    use crate::types::PrfHash;
    use crate::types::StateName;
    use crate::wire::{Alert, AlertDescription, AlertLevel, Direction};
    use serde_json::{json, Value};

    fn json_line(e: &Event<'_>, redact: bool) -> String {
        JsonLog::format_event(e, redact)
    }

    fn parse(e: &Event<'_>, redact: bool) -> Value {
        let line = json_line(e, redact);
        assert!(!line.contains('\n'));
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"))
    }

    /// Large byte strings (written from the cache into the line, not through
    /// serde_json's string escaping) and small ones, in one line and in
    /// consecutive lines that share a payload: every value equals the `hex`
    /// crate's encoding, and every line parses as JSON.
    #[test]
    fn large_byte_strings_match_the_hex_crate() {
        use crate::observer::{MacInput, RecordView};
        let mut log = JsonLog::new(Vec::new());
        let payloads: Vec<Vec<u8>> = [0usize, 1, 63, 64, 65, 1000, 16384]
            .iter()
            .map(|&n| (0..n).map(|i| (i * 151 + n) as u8).collect())
            .collect();
        for p in &payloads {
            let header = [0x17, 3, 3, 0, 0];
            log.on_event(&Event::RecordOut(RecordView {
                content_type: ContentType::APPLICATION_DATA,
                version: ProtocolVersion::TLS12,
                header: &header,
                payload: p,
                seq: 1,
                protected: true,
            }));
            // The same bytes again (the cache's hit), next to another large value.
            log.on_event(&Event::MacInput(MacInput {
                direction: Direction::ClientToServer,
                seq: 1,
                pseudo_header: &[9; 13],
                fragment: p,
                mac: &payloads[5],
            }));
        }
        let text = String::from_utf8(log.into_inner()).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2 * payloads.len());
        for (pair, p) in lines.chunks(2).zip(&payloads) {
            assert_eq!(pair[0]["payload"], hex::encode(p));
            assert_eq!(pair[0]["header"], "1703030000");
            assert_eq!(pair[1]["fragment"], hex::encode(p));
            assert_eq!(pair[1]["mac"], hex::encode(&payloads[5]));
            assert_eq!(pair[1]["pseudo_header"], hex::encode([9; 13]));
        }
        // Outside a JsonLog (serde_json directly): the same text.
        let e = Event::RecordOut(RecordView {
            content_type: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLS12,
            header: &[0x17, 3, 3, 3, 232],
            payload: &payloads[5],
            seq: 1,
            protected: true,
        });
        assert_eq!(serde_json::to_string(&e).unwrap(), json_line(&e, false));
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
            halves: &[],
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

    /// A TLS 1.0/1.1 PRF call: `halves` appears, every value in it is
    /// redacted with the others; TLS 1.2 calls (above) have no `halves`.
    #[test]
    fn legacy_prf_object_has_halves() {
        let a = [vec![0xa1]];
        let h = [vec![0xb1]];
        let halves = legacy_prf_halves(&a, &h, [&[0x01], &[0x01]]);
        let e = Event::Prf(PrfCall {
            purpose: "verify_data",
            hash: PrfHash::Md5Sha1,
            secret: &[0x01],
            label: b"client finished",
            seed: &[0x02],
            a: &[],
            hmac_outputs: &[],
            output: &[0xff],
            halves: &halves,
        });
        let v = parse(&e, false);
        assert_eq!(v["hash"], "P_MD5 XOR P_SHA1");
        assert_eq!(
            v["halves"],
            json!([{"hash": "P_MD5", "secret": "01", "a": ["a1"], "hmac_outputs": ["b1"], "output": "0f"},
                   {"hash": "P_SHA1", "secret": "01", "a": ["a1"], "hmac_outputs": ["b1"], "output": "f0"}])
        );
        let r = parse(&e, true);
        assert_eq!(r["halves"][1]["output"], "<redacted 1 bytes>");
        assert_eq!(r["halves"][0]["a"][0], "<redacted 1 bytes>");
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

    #[test]
    fn large_values_are_reused_only_when_equal() {
        let mut log = JsonLog::new(Vec::new());
        let mut data = vec![0xab; 16384];
        let d = Direction::ServerToClient;
        log.on_event(&Event::ApplicationData {
            direction: d,
            data: &data,
        });
        log.on_event(&Event::ApplicationData {
            direction: d,
            data: &data,
        });
        assert_eq!(log.cache.bytes, data, "the last large value is kept");
        // The same buffer with new contents (a record buffer reused).
        data[16383] = 0xcd;
        log.on_event(&Event::ApplicationData {
            direction: d,
            data: &data,
        });
        log.on_event(&Event::ApplicationData {
            direction: d,
            data: &data[..100],
        });
        let text = String::from_utf8(log.into_inner()).unwrap();
        let got: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["data"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let first = "ab".repeat(16384);
        let changed = format!("{}cd", "ab".repeat(16383));
        assert_eq!(got, [first.clone(), first, changed, "ab".repeat(100)]);
    }

    #[test]
    fn redaction_ends_with_the_line() {
        let ms = [3u8; 48];
        let e = Event::MasterSecret {
            client_random: &[1; 32],
            server_random: &[2; 32],
            master_secret: &ms,
        };
        assert!(json_line(&e, true).contains("<redacted 48 bytes>"));
        // Outside a redacted JsonLog line, an event serializes in full.
        let v = serde_json::to_value(e).unwrap();
        assert_eq!(v["master_secret"], json!("03".repeat(48)));
    }

    /// `with_messages`: the ServerHello of the Illustrated TLS 1.2 Connection
    /// (vectors/illustrated-tls12) followed by its `message` line, whose
    /// cipher_suite lies at bytes 39..41 (RFC 5246 §7.4.1.3: 4-byte header,
    /// server_version 2, random 32, session_id length 1 and empty).
    #[test]
    fn message_lines_follow_handshake_events_when_asked() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../../vectors/illustrated-tls12/vector.json")).unwrap();
        let sh = hex::decode(v["records"][1]["record"].as_str().unwrap()).unwrap();
        let e = Event::HandshakeIn {
            typ: HandshakeType::SERVER_HELLO,
            raw: &sh[5..],
        };
        let mut plain = JsonLog::new(Vec::new());
        plain.on_event(&e);
        assert_eq!(String::from_utf8(plain.into_inner()).unwrap().lines().count(), 1);
        let mut log = JsonLog::new(Vec::new()).with_messages();
        log.on_event(&e);
        let text = String::from_utf8(log.into_inner()).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        let m = &lines[1];
        assert_eq!(m["event"], json!("message"));
        assert_eq!(m["direction"], json!("server->client"));
        assert_eq!(m["message"], json!("server_hello"));
        assert_eq!(m["error"], json!(null));
        let suite = m["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "cipher_suite")
            .unwrap();
        assert_eq!(suite["start"], json!(39));
        assert_eq!(suite["end"], json!(41));
        assert_eq!(suite["hex"], json!("c013"));
        assert_eq!(suite["value"], json!("0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
    }
}
