//! Every message, field by field: which bytes are which RFC field, and what
//! they mean.
//!
//! A [`Dissection`] is a tree of [`Field`]s. Each field has its RFC name in
//! snake_case (`cipher_suites`, `named_curve`, `dh_Ys` keeps the RFC's own
//! spelling), the byte range it occupies inside the dissected input, the raw
//! bytes, a decoded value as text, and its children. So any output can say
//! "bytes 39..41 = cipher_suite 0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".
//!
//! Entry points:
//!
//! * [`dissect_handshake`]`(typ, body, ctx)`: a handshake message body (after
//!   the 4-byte header); ranges are relative to the body.
//! * [`dissect_handshake_message`]`(raw, ctx)`: a whole handshake message
//!   (`msg_type`, `length`, body); ranges are relative to the message.
//! * [`dissect_alert`], [`dissect_change_cipher_spec`]: those two bodies.
//! * [`dissect_record`]`(record, ctx)`: a whole record (header and fragment),
//!   protected or not.
//!
//! Conventions, the same for every message:
//!
//! * A vector (`opaque x<0..2^16-1>`, `CipherSuite cipher_suites<2..2^16-2>`)
//!   is one field whose range includes its length prefix; its first child is
//!   `length`, the elements follow (`cipher_suite`, `named_group`, ...).
//! * An extension is a field named after its type (`server_name`,
//!   `key_share`, or `unknown_extension`) with children `extension_type`,
//!   `length` and the decoded `extension_data` fields.
//! * A certificate (`ASN.1Cert`) is decoded down to `subject`, `issuer`,
//!   `not_before`, `not_after`, `subject_alt_name`, `subject_public_key_info`
//!   (key type and size) and `spki_sha256`; the X.509 fields are read by a
//!   small DER walker here (the byte layer names no other module).
//! * Malformed input never panics: the tree holds every field decoded up to
//!   the fault, the field being read is marked `(incomplete)`, and
//!   [`Dissection::error`] names the structure, offset and reason.
//!
//! Values that are not bytes of the message but follow from them (the exact
//! bytes a ServerKeyExchange signature covers: `client_random +
//! server_random + params`, RFC 5246 §7.4.3) are in [`Dissection::derived`].
//!
//! The JSON form (`serde`) of a [`Dissection`] is
//! `{"message": NAME, "len": N, "fields": [FIELD...], "error": TEXT|null,
//! "derived": [{"name", "value", "hex"}...]}` with each FIELD
//! `{"name", "start", "end", "value", "hex", "children": [FIELD...]}`.

use std::fmt::Write as _;
use std::ops::Range;

use serde::Serialize;

use super::decode_error::{DecodeError, DecodeReason};
use super::{
    AlertDescription, AlertLevel, CipherSuite, CompressionMethod, ContentType, ExtensionType, HandshakeType,
    NamedGroup, ProtocolVersion, SignatureScheme,
};

/// One field of a message: RFC name, byte range, raw bytes, decoded value and
/// sub-fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The RFC name in snake_case (`cipher_suite`, `ecdh_Yc`, `subject`).
    pub name: String,
    /// Where the field lies inside the dissected input (`start..end`).
    pub range: Range<usize>,
    /// The decoded value as text (`0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`,
    /// `secp256r1`, `65 bytes`). Empty for plain containers.
    pub value: String,
    /// The bytes of the field, exactly as they appear in the input.
    pub raw: Vec<u8>,
    /// Sub-fields, in wire order.
    pub children: Vec<Field>,
}

// `{"name", "start", "end", "value", "hex", "children"}`: the range as two
// members, the bytes as hex.
impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Field", 6)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("start", &self.range.start)?;
        st.serialize_field("end", &self.range.end)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("hex", &hex::encode(&self.raw))?;
        st.serialize_field("children", &self.children)?;
        st.end()
    }
}

fn as_hex<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

impl Field {
    /// The first descendant (depth first, this field included) named `name`.
    pub fn find(&self, name: &str) -> Option<&Field> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every descendant (depth first, this field included) named `name`.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Field>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.find_all(name, out);
        }
    }
}

/// A value that follows from the message without being bytes of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Derived {
    /// What it is (`signed_data`).
    pub name: String,
    /// What it is made of, in words.
    pub value: String,
    /// The bytes.
    #[serde(rename = "hex", serialize_with = "as_hex")]
    pub bytes: Vec<u8>,
}

/// The dissection of one message or record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dissection {
    /// What was dissected, in RFC terms (`client_hello`, `alert`, `record`).
    pub message: String,
    /// Length of the dissected input.
    pub len: usize,
    /// The top-level fields, in wire order.
    pub fields: Vec<Field>,
    /// Why decoding stopped early, if it did; the fields up to there are kept.
    #[serde(serialize_with = "opt_error")]
    pub error: Option<DecodeError>,
    /// Values derived from the message (see the module documentation).
    pub derived: Vec<Derived>,
}

fn opt_error<S: serde::Serializer>(e: &Option<DecodeError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_str(&e.to_string()),
        None => s.serialize_none(),
    }
}

impl Dissection {
    /// The first field (depth first) named `name`.
    pub fn find(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find_map(|f| f.find(name))
    }

    /// Every field (depth first) named `name`.
    pub fn find_all(&self, name: &str) -> Vec<&Field> {
        let mut out = vec![];
        for f in &self.fields {
            f.find_all(name, &mut out);
        }
        out
    }

    /// The tree as indented text lines, one per field:
    /// `  39..41    cipher_suite  0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
    /// No line is longer than `width` (values are cut with `…`).
    #[doc(hidden)]
    pub fn to_lines(&self, width: usize) -> Vec<String> {
        let mut out = vec![];
        for f in &self.fields {
            field_lines(f, 0, width, &mut out);
        }
        for d in &self.derived {
            out.push(clip(&format!("{}  {}", d.name, d.value), width));
            out.extend(hex_dump(&d.bytes, 0, 16).into_iter().map(|l| format!("    {l}")));
        }
        if let Some(e) = &self.error {
            out.push(clip(&format!("decode error: {e}"), width));
        }
        out
    }
}

fn field_lines(f: &Field, depth: usize, width: usize, out: &mut Vec<String>) {
    let range = format!("{}..{}", f.range.start, f.range.end);
    let line = format!(
        "{:indent$}{range:<11} {}  {}",
        "",
        f.name,
        f.value,
        indent = 2 * depth
    );
    out.push(clip(line.trim_end(), width));
    for c in &f.children {
        field_lines(c, depth + 1, width, out);
    }
}

/// Cuts `s` to at most `width` characters, ending in `…` when cut.
#[doc(hidden)]
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// A classic hex dump: `0010  16 03 03 00 …  ascii`, `per_line` bytes a line,
/// offsets counted from `base`.
#[doc(hidden)]
pub fn hex_dump(bytes: &[u8], base: usize, per_line: usize) -> Vec<String> {
    let per_line = per_line.max(1);
    bytes
        .chunks(per_line)
        .enumerate()
        .map(|(i, chunk)| {
            let mut l = format!("{:04x}  ", base + i * per_line);
            for j in 0..per_line {
                match chunk.get(j) {
                    Some(b) => write!(l, "{b:02x} ").unwrap_or(()),
                    None => l.push_str("   "),
                }
            }
            l.push(' ');
            l.extend(
                chunk
                    .iter()
                    .map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }),
            );
            l.trim_end().to_string()
        })
        .collect()
}

/// What a dissector may know besides the bytes: the negotiated suite decides
/// how a ServerKeyExchange or ClientKeyExchange is laid out and how a
/// protected record splits; the randoms make the signed data explicit.
#[derive(Clone, Debug, Default)]
pub struct DissectContext {
    /// The negotiated cipher suite, once the ServerHello is known.
    pub cipher_suite: Option<CipherSuite>,
    /// `ClientHello.random`.
    pub client_random: Option<[u8; 32]>,
    /// `ServerHello.random`.
    pub server_random: Option<[u8; 32]>,
    /// Whether encrypt_then_mac was negotiated (RFC 7366): the MAC of a CBC
    /// record then follows the ciphertext in clear.
    pub encrypt_then_mac: bool,
    /// Whether records are protected (after ChangeCipherSpec in that direction).
    pub protected: bool,
    /// For a protected CBC record whose keys are known: the decrypted
    /// ciphertext (same length and positions as the ciphertext), so that
    /// content, MAC and padding can be shown where they lie.
    pub decrypted: Option<Vec<u8>>,
    /// Which side sent the message; extensions differ by side (RFC 8446 §4.2).
    pub from_server: bool,
    /// `ServerHello.server_version`, once known: TLS 1.0/1.1 signatures and
    /// CertificateRequests have no signature-algorithm fields.
    pub version: Option<ProtocolVersion>,
}

impl DissectContext {
    /// Whether the negotiated version is TLS 1.0 or 1.1 (or older).
    fn before_tls12(&self) -> bool {
        self.version.is_some_and(|v| v.0 < ProtocolVersion::TLS12.0)
    }
}

/// Key exchange as read from the suite name (the byte layer keeps no suite table).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kx {
    Ecdhe,
    Dhe,
    Rsa,
}

fn kx_of(suite: Option<CipherSuite>) -> Option<Kx> {
    let name = suite?.name()?;
    if name.contains("_ECDHE_") {
        Some(Kx::Ecdhe)
    } else if name.contains("_DHE_") {
        Some(Kx::Dhe)
    } else if name.starts_with("TLS_RSA_") {
        Some(Kx::Rsa)
    } else {
        None
    }
}

/// How a protected record of `suite` splits (RFC 5246 §6.2.3, RFC 5288 §3,
/// RFC 7905 §2): `(explicit_nonce_or_iv_len, tag_len, aead, mac_len)`.
fn record_layout(suite: CipherSuite) -> Option<(usize, usize, bool, usize)> {
    let name = suite.name()?;
    if name.contains("_GCM_") {
        Some((8, 16, true, 0))
    } else if name.contains("CHACHA20_POLY1305") {
        Some((0, 16, true, 0))
    } else if name.contains("_CBC_") {
        let mac = if name.ends_with("_SHA384") {
            48
        } else if name.ends_with("_SHA256") {
            32
        } else {
            20
        };
        Some((16, 0, false, mac))
    } else {
        None
    }
}

/// A cursor over the whole input with absolute offsets and a movable end
/// (the end of the vector being read).
struct Cur<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

type R<T> = Result<T, DecodeError>;

impl<'a> Cur<'a> {
    fn new(data: &'a [u8]) -> Cur<'a> {
        Cur {
            data,
            pos: 0,
            end: data.len(),
        }
    }

    fn remaining(&self) -> usize {
        self.end - self.pos
    }

    fn err(&self, what: &'static str, reason: DecodeReason) -> DecodeError {
        DecodeError {
            what,
            offset: self.pos,
            reason,
        }
    }

    fn take(&mut self, n: usize, what: &'static str) -> R<Range<usize>> {
        if self.remaining() < n {
            return Err(self.err(
                what,
                DecodeReason::Truncated {
                    need: n,
                    have: self.remaining(),
                },
            ));
        }
        let r = self.pos..self.pos + n;
        self.pos += n;
        Ok(r)
    }

    fn int(&mut self, n: usize, what: &'static str) -> R<(Range<usize>, u64)> {
        let r = self.take(n, what)?;
        let v = self.data[r.clone()]
            .iter()
            .fold(0u64, |a, &b| (a << 8) | b as u64);
        Ok((r, v))
    }

    fn field(&self, name: &str, range: Range<usize>, value: impl Into<String>) -> Field {
        Field {
            name: name.to_string(),
            raw: self.data[range.clone()].to_vec(),
            range,
            value: value.into(),
            children: vec![],
        }
    }

    /// Reads an integer of `n` bytes as a field whose value `show` formats.
    fn num(
        &mut self,
        out: &mut Vec<Field>,
        name: &'static str,
        n: usize,
        show: impl Fn(u64) -> String,
    ) -> R<u64> {
        let (r, v) = self.int(n, name)?;
        out.push(self.field(name, r, show(v)));
        Ok(v)
    }

    /// Reads `n` opaque bytes as a field.
    fn opaque(&mut self, out: &mut Vec<Field>, name: &'static str, n: usize) -> R<Range<usize>> {
        let r = match self.take(n, name) {
            Ok(r) => r,
            Err(e) => {
                let have = self.pos..self.end;
                out.push(self.field(name, have, "(incomplete)"));
                self.pos = self.end;
                return Err(e);
            }
        };
        let v = bytes_value(&self.data[r.clone()]);
        out.push(self.field(name, r.clone(), v));
        Ok(r)
    }

    /// A field made of sub-fields that `body` reads; its value is what `body`
    /// returns. On an error the partial field is kept, marked `(incomplete)`.
    fn group(
        &mut self,
        out: &mut Vec<Field>,
        name: &str,
        body: impl FnOnce(&mut Cur<'a>, &mut Vec<Field>) -> R<String>,
    ) -> R<()> {
        let start = self.pos;
        let mut kids = vec![];
        let res = body(self, &mut kids);
        let mut f = self.field(name, start..self.pos.max(start), "");
        f.children = kids;
        match res {
            Ok(v) => {
                f.value = v;
                out.push(f);
                Ok(())
            }
            Err(e) => {
                f.value = "(incomplete)".into();
                out.push(f);
                Err(e)
            }
        }
    }

    /// A vector with a `width`-byte length prefix: one field (prefix
    /// included) whose first child is `length`; `body` reads the elements and
    /// must consume exactly the declared length.
    fn vector(
        &mut self,
        out: &mut Vec<Field>,
        name: &'static str,
        width: usize,
        body: impl FnOnce(&mut Cur<'a>, &mut Vec<Field>) -> R<String>,
    ) -> R<()> {
        self.group(out, name, |c, kids| {
            let (lr, len) = c.int(width, name)?;
            kids.push(c.field("length", lr, len.to_string()));
            let len = len as usize;
            if c.remaining() < len {
                return Err(c.err(
                    name,
                    DecodeReason::Truncated {
                        need: len,
                        have: c.remaining(),
                    },
                ));
            }
            let outer_end = c.end;
            c.end = c.pos + len;
            let res = body(c, kids);
            let res = res.and_then(|v| {
                if c.pos == c.end {
                    Ok(v)
                } else {
                    Err(c.err(name, DecodeReason::TrailingBytes(c.end - c.pos)))
                }
            });
            c.pos = c.end;
            c.end = outer_end;
            res
        })
    }

    /// An opaque vector (`opaque x<..>`): the field's value describes the bytes.
    fn opaque_vector(&mut self, out: &mut Vec<Field>, name: &'static str, width: usize) -> R<Range<usize>> {
        let mut body = 0..0;
        self.vector(out, name, width, |c, _| {
            let r = c.take(c.remaining(), name)?;
            body = r.clone();
            Ok(bytes_value(&c.data[r]))
        })?;
        Ok(body)
    }

    /// Elements of `n` bytes each until the vector ends.
    fn list(
        &mut self,
        kids: &mut Vec<Field>,
        elem: &'static str,
        n: usize,
        show: impl Fn(u64) -> String,
    ) -> R<String> {
        let mut count = 0;
        while self.pos < self.end {
            self.num(kids, elem, n, &show)?;
            count += 1;
        }
        Ok(format!(
            "{count} {}",
            if count == 1 { "entry" } else { "entries" }
        ))
    }
}

/// Short text for opaque bytes: the hex when short, else a count and a prefix.
fn bytes_value(b: &[u8]) -> String {
    if b.is_empty() {
        "empty".into()
    } else if b.len() <= 32 {
        hex::encode(b)
    } else {
        format!("{} bytes: {}…", b.len(), hex::encode(&b[..16]))
    }
}

fn show_version(v: u64) -> String {
    format!("0x{v:04x} {}", ProtocolVersion(v as u16))
}

fn show_suite(v: u64) -> String {
    let s = CipherSuite(v as u16);
    match s.name() {
        Some(n) => format!("0x{v:04x} {n}"),
        None if v & 0x0f0f == 0x0a0a => format!("0x{v:04x} GREASE"),
        None => format!("0x{v:04x} unknown"),
    }
}

fn show_group(v: u64) -> String {
    match NamedGroup(v as u16).name() {
        Some(n) => format!("0x{v:04x} {n}"),
        None => match v {
            0x0101 => format!("0x{v:04x} ffdhe3072"),
            0x0102 => format!("0x{v:04x} ffdhe4096"),
            0x0103 => format!("0x{v:04x} ffdhe6144"),
            0x0104 => format!("0x{v:04x} ffdhe8192"),
            0x11ec => format!("0x{v:04x} X25519MLKEM768"),
            _ if v & 0x0f0f == 0x0a0a => format!("0x{v:04x} GREASE"),
            _ => format!("0x{v:04x} unknown"),
        },
    }
}

fn show_scheme(v: u64) -> String {
    match SignatureScheme(v as u16).name() {
        Some(n) => format!("0x{v:04x} {n}"),
        None => {
            // RFC 5246 §7.4.1.4.1: SignatureAndHashAlgorithm = hash(1) signature(1).
            let hash = match v >> 8 {
                1 => "md5",
                2 => "sha1",
                3 => "sha224",
                4 => "sha256",
                5 => "sha384",
                6 => "sha512",
                _ => "",
            };
            let sig = match v & 0xff {
                1 => "rsa",
                2 => "dsa",
                3 => "ecdsa",
                _ => "",
            };
            if hash.is_empty() || sig.is_empty() {
                match v {
                    0x0808 => format!("0x{v:04x} ed448"),
                    0x080a => format!("0x{v:04x} rsa_pss_pss_sha384"),
                    0x080b => format!("0x{v:04x} rsa_pss_pss_sha512"),
                    _ => format!("0x{v:04x} unknown"),
                }
            } else {
                format!("0x{v:04x} {sig}_{hash}")
            }
        }
    }
}

/// Extension names, including the ones this client never sends but may see.
fn extension_name(t: u16) -> Option<&'static str> {
    ExtensionType(t).name().or(match t {
        0x0001 => Some("max_fragment_length"),
        0x0015 => Some("padding"),
        0x001b => Some("compress_certificate"),
        0x0029 => Some("pre_shared_key"),
        0x002a => Some("early_data"),
        0x002d => Some("psk_key_exchange_modes"),
        0x0033 => Some("key_share"),
        0x3374 => Some("next_protocol_negotiation"),
        _ => None,
    })
}

fn done(out: &mut Dissection, res: R<()>) {
    if let Err(e) = res {
        out.error = Some(e);
    }
}

fn start(message: &str, len: usize) -> Dissection {
    Dissection {
        message: message.to_string(),
        len,
        fields: vec![],
        error: None,
        derived: vec![],
    }
}

/// Dissects a whole handshake message: `msg_type`, `length`, then the body's
/// fields (RFC 5246 §7.4). Ranges are relative to `raw`.
pub fn dissect_handshake_message(raw: &[u8], ctx: &DissectContext) -> Dissection {
    let typ = raw.first().map(|&t| HandshakeType(t));
    let mut d = start(
        &typ.map(|t| t.to_string()).unwrap_or_else(|| "handshake".into()),
        raw.len(),
    );
    let mut c = Cur::new(raw);
    let res = (|| {
        let t = c.num(&mut d.fields, "msg_type", 1, |v| {
            format!("{v} {}", HandshakeType(v as u8))
        })?;
        let (lr, len) = c.int(3, "length")?;
        d.fields.push(c.field("length", lr, len.to_string()));
        if c.remaining() < len as usize {
            return Err(c.err(
                "Handshake.body",
                DecodeReason::Truncated {
                    need: len as usize,
                    have: c.remaining(),
                },
            ));
        }
        c.end = c.pos + len as usize;
        body(&mut c, &mut d, HandshakeType(t as u8), ctx)?;
        c.end = raw.len();
        if c.pos != c.end {
            return Err(c.err("Handshake", DecodeReason::TrailingBytes(c.end - c.pos)));
        }
        Ok(())
    })();
    done(&mut d, res);
    d
}

/// Dissects a handshake message body (after the 4-byte header) of type
/// `typ`. Ranges are relative to `body`.
pub fn dissect_handshake(typ: HandshakeType, body_bytes: &[u8], ctx: &DissectContext) -> Dissection {
    let mut d = start(&typ.to_string(), body_bytes.len());
    let mut c = Cur::new(body_bytes);
    let res = body(&mut c, &mut d, typ, ctx);
    done(&mut d, res);
    d
}

fn body(c: &mut Cur<'_>, d: &mut Dissection, typ: HandshakeType, ctx: &DissectContext) -> R<()> {
    let out = &mut d.fields;
    let res = match typ {
        HandshakeType::CLIENT_HELLO => hello(c, out, false),
        HandshakeType::SERVER_HELLO => hello(c, out, true),
        HandshakeType::CERTIFICATE => certificate(c, out),
        HandshakeType::SERVER_KEY_EXCHANGE => server_key_exchange(c, d, ctx),
        HandshakeType::CERTIFICATE_REQUEST => certificate_request(c, out, ctx),
        HandshakeType::CLIENT_KEY_EXCHANGE => client_key_exchange(c, out, ctx),
        HandshakeType::NEW_SESSION_TICKET => new_session_ticket(c, out),
        HandshakeType::FINISHED => c.opaque(out, "verify_data", c.remaining()).map(|_| ()),
        HandshakeType::CERTIFICATE_VERIFY => {
            // RFC 2246/4346 §7.4.8: before TLS 1.2, no algorithm field.
            if !ctx.before_tls12() {
                c.num(out, "algorithm", 2, show_scheme)?;
            }
            c.opaque_vector(out, "signature", 2).map(|_| ())
        }
        HandshakeType::CERTIFICATE_STATUS => {
            c.num(out, "status_type", 1, |v| match v {
                1 => "1 ocsp".into(),
                _ => format!("{v} unknown"),
            })?;
            c.opaque_vector(out, "ocsp_response", 3).map(|_| ())
        }
        // HelloRequest and ServerHelloDone have an empty body (RFC 5246 §7.4.1.1, §7.4.5).
        HandshakeType::HELLO_REQUEST | HandshakeType::SERVER_HELLO_DONE => Ok(()),
        _ => c.opaque(out, "body", c.remaining()).map(|_| ()),
    };
    res?;
    if c.pos != c.end {
        return Err(c.err("Handshake.body", DecodeReason::TrailingBytes(c.end - c.pos)));
    }
    Ok(())
}

/// ClientHello (RFC 5246 §7.4.1.2) and ServerHello (§7.4.1.3).
fn hello(c: &mut Cur<'_>, out: &mut Vec<Field>, server: bool) -> R<()> {
    let version_name = if server {
        "server_version"
    } else {
        "client_version"
    };
    c.num(out, version_name, 2, show_version)?;
    c.opaque(out, "random", 32)?;
    c.opaque_vector(out, "session_id", 1)?;
    if server {
        c.num(out, "cipher_suite", 2, show_suite)?;
        c.num(out, "compression_method", 1, |v| {
            format!("{v} {}", CompressionMethod(v as u8))
        })?;
    } else {
        c.vector(out, "cipher_suites", 2, |c, kids| {
            c.list(kids, "cipher_suite", 2, show_suite)
        })?;
        c.vector(out, "compression_methods", 1, |c, kids| {
            c.list(kids, "compression_method", 1, |v| {
                format!("{v} {}", CompressionMethod(v as u8))
            })
        })?;
    }
    // RFC 5246 §7.4.1.2: the extensions block is optional; its absence is
    // told by the message ending here.
    if c.pos < c.end {
        c.vector(out, "extensions", 2, |c, kids| {
            let mut n = 0;
            while c.pos < c.end {
                extension(c, kids, server)?;
                n += 1;
            }
            Ok(format!("{n} extensions"))
        })?;
    }
    Ok(())
}

/// One extension (RFC 5246 §7.4.1.4): type, length, and its decoded data.
fn extension(c: &mut Cur<'_>, out: &mut Vec<Field>, server: bool) -> R<()> {
    let t = if c.remaining() >= 2 {
        u16::from_be_bytes([c.data[c.pos], c.data[c.pos + 1]])
    } else {
        0xffff
    };
    let name = extension_name(t).unwrap_or("unknown_extension");
    c.group(out, name, |c, kids| {
        c.num(kids, "extension_type", 2, |v| match extension_name(v as u16) {
            Some(n) => format!("0x{v:04x} {n}"),
            None => format!("0x{v:04x} unknown"),
        })?;
        let (lr, len) = c.int(2, "Extension.extension_data")?;
        kids.push(c.field("length", lr, len.to_string()));
        let len = len as usize;
        if c.remaining() < len {
            return Err(c.err(
                "Extension.extension_data",
                DecodeReason::Truncated {
                    need: len,
                    have: c.remaining(),
                },
            ));
        }
        let outer = c.end;
        c.end = c.pos + len;
        let res = extension_data(c, kids, t, server).and_then(|v| {
            if c.pos == c.end {
                Ok(v)
            } else {
                Err(c.err(
                    "Extension.extension_data",
                    DecodeReason::TrailingBytes(c.end - c.pos),
                ))
            }
        });
        c.pos = c.end;
        c.end = outer;
        res
    })
}

fn extension_data(c: &mut Cur<'_>, k: &mut Vec<Field>, t: u16, server: bool) -> R<String> {
    let empty = |c: &Cur<'_>| if c.pos == c.end { "empty" } else { "" };
    match t {
        // RFC 6066 §3: ServerNameList; the server answers with empty data.
        0x0000 if c.pos < c.end => {
            let mut names = vec![];
            c.vector(k, "server_name_list", 2, |c, kids| {
                while c.pos < c.end {
                    c.group(kids, "server_name", |c, k2| {
                        c.num(k2, "name_type", 1, |v| match v {
                            0 => "0 host_name".into(),
                            _ => format!("{v} unknown"),
                        })?;
                        let r = c.opaque_vector(k2, "host_name", 2)?;
                        let host = String::from_utf8_lossy(&c.data[r]).into_owned();
                        if let Some(f) = k2.last_mut() {
                            f.value = host.clone();
                        }
                        names.push(host.clone());
                        Ok(host)
                    })?;
                }
                Ok(String::new())
            })?;
            Ok(names.join(", "))
        }
        // RFC 8422 §5.1.1 / RFC 7919.
        0x000a => {
            let mut v = String::new();
            c.vector(k, "named_group_list", 2, |c, kids| {
                let r = c.list(kids, "named_group", 2, show_group);
                v = names_of(kids);
                r
            })?;
            Ok(v)
        }
        // RFC 8422 §5.1.2.
        0x000b => {
            let mut v = String::new();
            c.vector(k, "ec_point_format_list", 1, |c, kids| {
                let r = c.list(kids, "ec_point_format", 1, |v| match v {
                    0 => "0 uncompressed".into(),
                    1 => "1 ansiX962_compressed_prime".into(),
                    2 => "2 ansiX962_compressed_char2".into(),
                    _ => format!("{v} unknown"),
                });
                v = names_of(kids);
                r
            })?;
            Ok(v)
        }
        // RFC 5246 §7.4.1.4.1.
        0x000d => {
            let mut v = String::new();
            c.vector(k, "supported_signature_algorithms", 2, |c, kids| {
                let r = c.list(kids, "signature_scheme", 2, show_scheme);
                v = names_of(kids);
                r
            })?;
            Ok(v)
        }
        // RFC 7301 §3.1.
        0x0010 => {
            let mut protos = vec![];
            c.vector(k, "protocol_name_list", 2, |c, kids| {
                while c.pos < c.end {
                    let r = c.opaque_vector(kids, "protocol_name", 1)?;
                    let p = String::from_utf8_lossy(&c.data[r]).into_owned();
                    if let Some(f) = kids.last_mut() {
                        f.value = p.clone();
                    }
                    protos.push(p);
                }
                Ok(String::new())
            })?;
            Ok(protos.join(", "))
        }
        // RFC 6066 §8: CertificateStatusRequest (the server's answer is empty).
        0x0005 if c.pos < c.end => {
            c.num(k, "status_type", 1, |v| match v {
                1 => "1 ocsp".into(),
                _ => format!("{v} unknown"),
            })?;
            c.opaque_vector(k, "responder_id_list", 2)?;
            c.opaque_vector(k, "request_extensions", 2)?;
            Ok("ocsp".into())
        }
        // RFC 6962 §3.3.1: the server's SignedCertificateTimestampList.
        0x0012 if c.pos < c.end => {
            let r = c.opaque_vector(k, "signed_certificate_timestamp_list", 2)?;
            Ok(format!("{} bytes", r.len()))
        }
        // RFC 5077 §3.2: a ticket, or empty to ask for one.
        0x0023 => {
            if c.pos < c.end {
                let r = c.opaque(k, "ticket", c.remaining())?;
                Ok(format!("ticket of {} bytes", r.len()))
            } else {
                Ok("empty".into())
            }
        }
        // RFC 5746 §3.2.
        0xff01 => {
            let r = c.opaque_vector(k, "renegotiated_connection", 1)?;
            Ok(if r.is_empty() {
                "initial handshake".into()
            } else {
                format!("verify_data of {} bytes", r.len())
            })
        }
        // RFC 7685: zero bytes to pad the ClientHello.
        0x0015 => {
            let r = c.opaque(k, "padding", c.remaining())?;
            Ok(format!("{} bytes", r.len()))
        }
        // RFC 8446 §4.2.1.
        0x002b => {
            if server {
                let v = c.num(k, "selected_version", 2, show_version)?;
                Ok(ProtocolVersion(v as u16).to_string())
            } else {
                let mut v = String::new();
                c.vector(k, "versions", 1, |c, kids| {
                    let r = c.list(kids, "version", 2, show_version);
                    v = names_of(kids);
                    r
                })?;
                Ok(v)
            }
        }
        // RFC 8446 §4.2.8.
        0x0033 => {
            if server {
                c.group(k, "server_share", key_share_entry)?;
            } else {
                c.vector(k, "client_shares", 2, |c, kids| {
                    while c.pos < c.end {
                        c.group(kids, "key_share_entry", key_share_entry)?;
                    }
                    Ok(String::new())
                })?;
            }
            Ok(String::new())
        }
        // extended_master_secret (RFC 7627 §5.1), encrypt_then_mac (RFC 7366
        // §2) and the empty answers above carry no data.
        _ if c.pos == c.end => Ok(empty(c).into()),
        _ => {
            c.opaque(k, "extension_data", c.remaining())?;
            Ok(String::new())
        }
    }
}

fn key_share_entry(c: &mut Cur<'_>, k: &mut Vec<Field>) -> R<String> {
    let g = c.num(k, "group", 2, show_group)?;
    let r = c.opaque_vector(k, "key_exchange", 2)?;
    Ok(format!("{} ({} bytes)", NamedGroup(g as u16), r.len()))
}

/// The names (after the code) of the elements of a list, comma-separated.
fn names_of(kids: &[Field]) -> String {
    kids.iter()
        .filter(|f| f.name != "length")
        .map(|f| f.value.split_once(' ').map_or(f.value.as_str(), |(_, n)| n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Certificate (RFC 5246 §7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`.
fn certificate(c: &mut Cur<'_>, out: &mut Vec<Field>) -> R<()> {
    c.vector(out, "certificate_list", 3, |c, kids| {
        let mut n = 0;
        while c.pos < c.end {
            c.vector(kids, "certificate", 3, |c, k| {
                let start = c.pos;
                let end = c.end;
                c.pos = end;
                Ok(x509(c.data, start..end, k))
            })?;
            n += 1;
        }
        Ok(format!("{n} certificates"))
    })
}

/// ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4): params, then the
/// signature over `client_random + server_random + params`.
fn server_key_exchange(c: &mut Cur<'_>, d: &mut Dissection, ctx: &DissectContext) -> R<()> {
    let out = &mut d.fields;
    // Without a suite, the first byte tells: 3 is named_curve, while a DHE
    // prime's two-byte length never starts with 0x03 for sane sizes.
    let kx = kx_of(ctx.cipher_suite).unwrap_or(if c.data.get(c.pos) == Some(&3) {
        Kx::Ecdhe
    } else {
        Kx::Dhe
    });
    let params_start = c.pos;
    if kx == Kx::Ecdhe {
        c.group(out, "params", |c, k| {
            c.group(k, "curve_params", |c, k2| {
                let t = c.num(k2, "curve_type", 1, |v| match v {
                    1 => "1 explicit_prime".into(),
                    2 => "2 explicit_char2".into(),
                    3 => "3 named_curve".into(),
                    _ => format!("{v} unknown"),
                })?;
                if t != 3 {
                    return Err(c.err(
                        "ServerECDHParams.curve_type",
                        DecodeReason::Invalid("only named_curve (3) is allowed"),
                    ));
                }
                let g = c.num(k2, "named_curve", 2, show_group)?;
                Ok(NamedGroup(g as u16).to_string())
            })?;
            let r = c.opaque_vector(k, "public", 1)?;
            let point = &c.data[r.clone()];
            if let Some(f) = k.last_mut() {
                f.value = match point.first() {
                    Some(4) => format!("uncompressed point, {}", bytes_value(point)),
                    _ => bytes_value(point),
                };
            }
            Ok("ServerECDHParams".into())
        })?;
    } else {
        c.group(out, "params", |c, k| {
            let mut sizes = vec![];
            for name in ["dh_p", "dh_g", "dh_Ys"] {
                let r = c.opaque_vector(k, name, 2)?;
                let b = &c.data[r.clone()];
                let bits = bit_len(b);
                if let Some(f) = k.last_mut() {
                    f.value = format!("{bits} bits: {}", bytes_value(b));
                }
                sizes.push(format!("{name} {bits} bits"));
            }
            Ok(format!("ServerDHParams ({})", sizes.join(", ")))
        })?;
    }
    let params_end = c.pos;
    if kx == Kx::Rsa {
        return Ok(());
    }
    let legacy = ctx.before_tls12();
    c.group(out, "signed_params", |c, k| {
        // Before TLS 1.2 (RFC 4346 §7.4.3, RFC 4492 §5.4) the signature has
        // no algorithm field: MD5 + SHA-1 under RSA, SHA-1 under ECDSA or DSA.
        let scheme = if legacy {
            let ecdsa = ctx
                .cipher_suite
                .and_then(|s| s.name())
                .is_some_and(|n| n.contains("_ECDSA_"));
            (if ecdsa { "ecdsa_sha1" } else { "rsa_md5_sha1" }).to_string()
        } else {
            SignatureScheme(c.num(k, "algorithm", 2, show_scheme)? as u16).to_string()
        };
        c.opaque_vector(k, "signature", 2)?;
        Ok(format!(
            "{scheme} over client_random + server_random + params (bytes {params_start}..{params_end})"
        ))
    })?;
    if let (Some(cr), Some(sr)) = (ctx.client_random, ctx.server_random) {
        let mut signed = cr.to_vec();
        signed.extend_from_slice(&sr);
        signed.extend_from_slice(&c.data[params_start..params_end]);
        d.derived.push(Derived {
            name: "signed_data".into(),
            value: format!(
                "client_random (32) + server_random (32) + params ({} bytes): what signed_params.signature covers",
                params_end - params_start
            ),
            bytes: signed,
        });
    }
    Ok(())
}

/// Number of significant bits of a big-endian integer.
fn bit_len(b: &[u8]) -> usize {
    match b.iter().position(|&x| x != 0) {
        None => 0,
        Some(i) => (b.len() - i - 1) * 8 + (8 - b[i].leading_zeros() as usize),
    }
}

/// CertificateRequest (RFC 5246 §7.4.4).
fn certificate_request(c: &mut Cur<'_>, out: &mut Vec<Field>, ctx: &DissectContext) -> R<()> {
    c.vector(out, "certificate_types", 1, |c, k| {
        c.list(k, "certificate_type", 1, |v| {
            let n = match v {
                1 => "rsa_sign",
                2 => "dss_sign",
                3 => "rsa_fixed_dh",
                4 => "dss_fixed_dh",
                64 => "ecdsa_sign",
                65 => "rsa_fixed_ecdh",
                66 => "ecdsa_fixed_ecdh",
                _ => "unknown",
            };
            format!("{v} {n}")
        })
    })?;
    // TLS 1.0/1.1 (RFC 2246 §7.4.4) have no supported_signature_algorithms.
    if !ctx.before_tls12() {
        c.vector(out, "supported_signature_algorithms", 2, |c, k| {
            c.list(k, "signature_scheme", 2, show_scheme)
        })?;
    }
    c.vector(out, "certificate_authorities", 2, |c, k| {
        let mut n = 0;
        while c.pos < c.end {
            let r = c.opaque_vector(k, "distinguished_name", 2)?;
            if let Some(f) = k.last_mut() {
                f.value = match Der::new(c.data, r.clone()).read(0x30) {
                    Ok((_, body)) => name_text(c.data, body),
                    Err(_) => "(not a DER Name)".into(),
                };
            }
            n += 1;
        }
        Ok(format!("{n} names"))
    })
}

/// ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7).
fn client_key_exchange(c: &mut Cur<'_>, out: &mut Vec<Field>, ctx: &DissectContext) -> R<()> {
    // Without a suite: a one-byte length that covers the rest is ECDHE.
    let kx = kx_of(ctx.cipher_suite).unwrap_or(
        if c.remaining() >= 1 && c.data[c.pos] as usize + 1 == c.remaining() {
            Kx::Ecdhe
        } else {
            Kx::Dhe
        },
    );
    match kx {
        Kx::Ecdhe => {
            let r = c.opaque_vector(out, "ecdh_Yc", 1)?;
            if let Some(f) = out.last_mut() {
                f.value = format!("ClientECDiffieHellmanPublic, {}", bytes_value(&c.data[r]));
            }
        }
        Kx::Dhe => {
            let r = c.opaque_vector(out, "dh_Yc", 2)?;
            let bits = bit_len(&c.data[r]);
            if let Some(f) = out.last_mut() {
                f.value = format!("ClientDiffieHellmanPublic, {bits} bits");
            }
        }
        Kx::Rsa => {
            let r = c.opaque_vector(out, "encrypted_pre_master_secret", 2)?;
            if let Some(f) = out.last_mut() {
                f.value = format!("RSA-encrypted PreMasterSecret, {} bytes", r.len());
            }
        }
    }
    Ok(())
}

/// NewSessionTicket (RFC 5077 §3.3).
fn new_session_ticket(c: &mut Cur<'_>, out: &mut Vec<Field>) -> R<()> {
    c.num(out, "ticket_lifetime_hint", 4, |v| format!("{v} s"))?;
    c.opaque_vector(out, "ticket", 2).map(|_| ())
}

/// Dissects an alert body (RFC 5246 §7.2).
pub fn dissect_alert(bytes: &[u8]) -> Dissection {
    let mut d = start("alert", bytes.len());
    let mut c = Cur::new(bytes);
    let res = alert(&mut c, &mut d.fields);
    done(&mut d, res);
    d
}

fn alert(c: &mut Cur<'_>, out: &mut Vec<Field>) -> R<()> {
    c.num(out, "level", 1, |v| format!("{v} {}", AlertLevel(v as u8)))?;
    c.num(out, "description", 1, |v| {
        format!("{v} {}", AlertDescription(v as u8))
    })?;
    if c.pos != c.end {
        return Err(c.err("Alert", DecodeReason::TrailingBytes(c.end - c.pos)));
    }
    Ok(())
}

/// Dissects a ChangeCipherSpec body (RFC 5246 §7.1): one byte, 1.
pub fn dissect_change_cipher_spec(bytes: &[u8]) -> Dissection {
    let mut d = start("change_cipher_spec", bytes.len());
    let mut c = Cur::new(bytes);
    let res = ccs(&mut c, &mut d.fields);
    done(&mut d, res);
    d
}

fn ccs(c: &mut Cur<'_>, out: &mut Vec<Field>) -> R<()> {
    let v = c.num(out, "type", 1, |v| match v {
        1 => "1 change_cipher_spec".into(),
        _ => format!("{v} invalid"),
    })?;
    if v != 1 {
        return Err(c.err("ChangeCipherSpec.type", DecodeReason::Invalid("must be 1")));
    }
    if c.pos != c.end {
        return Err(c.err("ChangeCipherSpec", DecodeReason::TrailingBytes(c.end - c.pos)));
    }
    Ok(())
}

/// Dissects a whole record (RFC 5246 §6.2): header, then the fragment. A
/// plaintext fragment is dissected as its content type (a handshake
/// fragment may hold several messages, each a `handshake` field); a
/// protected one (`ctx.protected`) is split as the suite lays it out:
/// GCM `nonce_explicit` + ciphertext + tag (RFC 5288 §3), ChaCha20-Poly1305
/// ciphertext + tag (RFC 7905 §2), CBC `IV` + ciphertext (with the MAC and
/// padding inside, RFC 5246 §6.2.3.2, shown when `ctx.decrypted` is given)
/// or, with encrypt_then_mac, `IV` + ciphertext + `mac` (RFC 7366 §3).
pub fn dissect_record(record: &[u8], ctx: &DissectContext) -> Dissection {
    let mut d = start("record", record.len());
    let mut c = Cur::new(record);
    let res = record_fields(&mut c, &mut d.fields, ctx);
    done(&mut d, res);
    d
}

fn record_fields(c: &mut Cur<'_>, out: &mut Vec<Field>, ctx: &DissectContext) -> R<()> {
    let t = c.num(out, "type", 1, |v| format!("{v} {}", ContentType(v as u8)))?;
    c.num(out, "version", 2, show_version)?;
    let len = c.num(out, "length", 2, |v| v.to_string())? as usize;
    if c.remaining() < len {
        c.opaque(out, "fragment", c.remaining())?;
        return Err(c.err(
            "TLSPlaintext.fragment",
            DecodeReason::Truncated {
                need: len,
                have: c.end - c.pos,
            },
        ));
    }
    c.end = c.pos + len;
    let res = c.group(out, "fragment", |c, k| {
        if ctx.protected {
            protected(c, k, ctx)
        } else {
            plaintext(c, k, ContentType(t as u8), ctx)
        }
    });
    c.end = c.data.len();
    res?;
    if c.pos != c.end {
        return Err(c.err("record", DecodeReason::TrailingBytes(c.end - c.pos)));
    }
    Ok(())
}

fn plaintext(c: &mut Cur<'_>, k: &mut Vec<Field>, t: ContentType, ctx: &DissectContext) -> R<String> {
    match t {
        ContentType::HANDSHAKE => {
            let mut names = vec![];
            while c.pos < c.end {
                let typ = HandshakeType(c.data[c.pos]);
                names.push(typ.to_string());
                c.group(k, "handshake", |c, k2| {
                    c.num(k2, "msg_type", 1, |v| format!("{v} {}", HandshakeType(v as u8)))?;
                    let (lr, len) = c.int(3, "Handshake.length")?;
                    k2.push(c.field("length", lr, len.to_string()));
                    if c.remaining() < len as usize {
                        // A message continued in the next record.
                        c.opaque(k2, "body", c.remaining())?;
                        return Ok(format!("{typ} (continues in the next record)"));
                    }
                    let outer = c.end;
                    c.end = c.pos + len as usize;
                    let mut inner = start("", 0);
                    let res = body(c, &mut inner, typ, ctx);
                    k2.extend(inner.fields);
                    c.pos = c.end;
                    c.end = outer;
                    res.map(|_| typ.to_string())
                })?;
            }
            Ok(names.join(", "))
        }
        ContentType::ALERT => {
            alert(c, k)?;
            Ok("alert".into())
        }
        ContentType::CHANGE_CIPHER_SPEC => {
            ccs(c, k)?;
            Ok("change_cipher_spec".into())
        }
        _ => {
            let r = c.opaque(k, "data", c.remaining())?;
            Ok(format!("{} bytes", r.len()))
        }
    }
}

fn protected(c: &mut Cur<'_>, k: &mut Vec<Field>, ctx: &DissectContext) -> R<String> {
    let Some((explicit, tag, aead, mac)) = ctx.cipher_suite.and_then(record_layout) else {
        let r = c.opaque(k, "encrypted_fragment", c.remaining())?;
        return Ok(format!("{} bytes, suite unknown", r.len()));
    };
    if aead {
        if explicit > 0 {
            c.opaque(k, "nonce_explicit", explicit)?;
        }
        let n = c.remaining().saturating_sub(tag);
        c.opaque(k, "ciphertext", n)?;
        c.opaque(k, "tag", tag)?;
        return Ok(format!("AEAD: {n} bytes of ciphertext"));
    }
    c.opaque(k, "IV", explicit)?;
    let mac_after = if ctx.encrypt_then_mac { mac } else { 0 };
    let n = c.remaining().saturating_sub(mac_after);
    let r = c.opaque(k, "ciphertext", n)?;
    if let (Some(plain), Some(f)) = (&ctx.decrypted, k.last_mut()) {
        if plain.len() == r.len() && !plain.is_empty() {
            f.children = cbc_plaintext(plain, r.start, if ctx.encrypt_then_mac { 0 } else { mac });
        }
    }
    if ctx.encrypt_then_mac {
        c.opaque(k, "mac", mac)?;
    }
    Ok(format!("CBC: {n} bytes of ciphertext"))
}

/// The decrypted CBC block: content, MAC (MAC-then-encrypt), padding and
/// padding_length (RFC 5246 §6.2.3.2). Positions are those of the
/// ciphertext, whose bytes they replace one for one.
fn cbc_plaintext(plain: &[u8], at: usize, mac: usize) -> Vec<Field> {
    let mk = |name: &str, r: Range<usize>, value: String| Field {
        name: name.into(),
        raw: plain[r.clone()].to_vec(),
        range: at + r.start..at + r.end,
        value,
        children: vec![],
    };
    let n = plain.len();
    let pad_len = plain[n - 1] as usize;
    if pad_len + 1 + mac > n {
        return vec![mk(
            "plaintext",
            0..n,
            format!("padding_length {pad_len} does not fit (decrypted, malformed)"),
        )];
    }
    let content_end = n - 1 - pad_len - mac;
    vec![
        mk(
            "content",
            0..content_end,
            format!("decrypted, {content_end} bytes"),
        ),
        mk("mac", content_end..content_end + mac, "decrypted".into()),
        mk("padding", n - 1 - pad_len..n - 1, format!("{pad_len} bytes")),
        mk("padding_length", n - 1..n, pad_len.to_string()),
    ]
}

/// A DER element reader over absolute offsets of the message (X.690;
/// definite lengths of up to four bytes, as DER requires for our sizes).
struct Der<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Der<'a> {
    fn new(data: &'a [u8], r: Range<usize>) -> Der<'a> {
        Der {
            data,
            pos: r.start,
            end: r.end,
        }
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.data[self.pos])
    }

    /// The next element: `(whole element range, contents range)`; it must
    /// carry tag `tag`.
    fn read(&mut self, tag: u8) -> Result<(Range<usize>, Range<usize>), &'static str> {
        let (t, whole, body) = self.any()?;
        if t != tag {
            self.pos = whole.start;
            return Err("unexpected tag");
        }
        Ok((whole, body))
    }

    fn any(&mut self) -> Result<(u8, Range<usize>, Range<usize>), &'static str> {
        let start = self.pos;
        if self.end - self.pos < 2 {
            return Err("element truncated");
        }
        let tag = self.data[self.pos];
        let first = self.data[self.pos + 1] as usize;
        let mut p = self.pos + 2;
        let len = if first < 0x80 {
            first
        } else {
            let n = first & 0x7f;
            if n == 0 || n > 4 || self.end - p < n {
                return Err("bad length");
            }
            let l = self.data[p..p + n]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | b as usize);
            p += n;
            l
        };
        if self.end - p < len {
            return Err("element truncated");
        }
        self.pos = p + len;
        Ok((tag, start..p + len, p..p + len))
    }
}

fn oid_text(b: &[u8]) -> String {
    let mut parts = vec![];
    let mut v: u64 = 0;
    for (i, &x) in b.iter().enumerate() {
        v = (v << 7) | (x & 0x7f) as u64;
        if x & 0x80 == 0 {
            if parts.is_empty() {
                let first = (v / 40).min(2);
                parts.push(first.to_string());
                parts.push((v - first * 40).to_string());
            } else {
                parts.push(v.to_string());
            }
            v = 0;
        }
        if i > 20 {
            break;
        }
    }
    parts.join(".")
}

fn oid_name(oid: &str) -> &str {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.1.1" => "rsaEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.2.1" => "id-ecPublicKey",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.3.1.7" => "prime256v1",
        "1.3.132.0.34" => "secp384r1",
        "1.3.132.0.35" => "secp521r1",
        "1.3.101.112" => "Ed25519",
        "1.3.101.110" => "X25519",
        _ => oid,
    }
}

/// `Name` (RFC 5280 §4.1.2.4) as `CN=..., O=...` in wire order.
fn name_text(data: &[u8], body: Range<usize>) -> String {
    let mut parts = vec![];
    let mut rdns = Der::new(data, body);
    while let Ok((_, set)) = rdns.read(0x31) {
        let mut atvs = Der::new(data, set);
        while let Ok((_, atv)) = atvs.read(0x30) {
            let mut a = Der::new(data, atv);
            let Ok((_, oid)) = a.read(0x06) else { break };
            let Ok((_, _, val)) = a.any() else { break };
            let oid = oid_text(&data[oid]);
            parts.push(format!(
                "{}={}",
                oid_name(&oid),
                String::from_utf8_lossy(&data[val])
            ));
        }
    }
    parts.join(", ")
}

/// `Time` (RFC 5280 §4.1.2.5) as `2019-10-05 01:38:17 UTC`.
fn time_text(tag: u8, b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let (y, rest) = match (tag, s.len()) {
        (0x17, 13) => {
            let yy: u32 = s[..2].parse().unwrap_or(0);
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }.to_string(), &s[2..])
        }
        (0x18, 15) => (s[..4].to_string(), &s[4..]),
        _ => return s.into_owned(),
    };
    if !rest.is_ascii() || rest.len() != 11 {
        return s.into_owned();
    }
    format!(
        "{y}-{}-{} {}:{}:{} UTC",
        &rest[0..2],
        &rest[2..4],
        &rest[4..6],
        &rest[6..8],
        &rest[8..10]
    )
}

/// Decodes one `ASN.1Cert` (RFC 5280 §4.1) into fields; returns its summary.
/// A certificate that does not parse keeps what was read plus a
/// `der_error` field: the TLS structure around it is still sound.
fn x509(data: &[u8], r: Range<usize>, out: &mut Vec<Field>) -> String {
    let sha = ring::digest::digest(&ring::digest::SHA256, &data[r.clone()]);
    let mk = |name: &str, r: Range<usize>, value: String| Field {
        name: name.into(),
        raw: data[r.clone()].to_vec(),
        range: r,
        value,
        children: vec![],
    };
    let mut subject_cn = String::new();
    let res = (|| -> Result<(), (&'static str, usize)> {
        let mut top = Der::new(data, r.clone());
        let (_, cert) = top.read(0x30).map_err(|e| (e, top.pos))?;
        let mut c = Der::new(data, cert);
        let (tbs_whole, tbs) = c.read(0x30).map_err(|e| (e, c.pos))?;
        let mut t = Der::new(data, tbs);
        let mut tbs_fields = vec![];
        if t.peek() == Some(0xa0) {
            let (w, b) = t.read(0xa0).map_err(|e| (e, t.pos))?;
            let mut v = Der::new(data, b);
            let ver = v
                .read(0x02)
                .map(|(_, b)| data[b].last().copied().unwrap_or(0))
                .unwrap_or(0);
            tbs_fields.push(mk("version", w, format!("v{}", ver + 1)));
        }
        let (w, b) = t.read(0x02).map_err(|e| (e, t.pos))?;
        tbs_fields.push(mk("serial_number", w, hex::encode(&data[b])));
        let (w, b) = t.read(0x30).map_err(|e| (e, t.pos))?;
        let mut alg = Der::new(data, b);
        let sig_alg = alg
            .read(0x06)
            .map(|(_, o)| oid_name(&oid_text(&data[o])).to_string())
            .unwrap_or_default();
        tbs_fields.push(mk("signature", w, sig_alg));
        let (w, b) = t.read(0x30).map_err(|e| (e, t.pos))?;
        tbs_fields.push(mk("issuer", w, name_text(data, b)));
        let (w, b) = t.read(0x30).map_err(|e| (e, t.pos))?;
        let mut val = Der::new(data, b);
        let mut vf = mk("validity", w, String::new());
        for name in ["not_before", "not_after"] {
            let (tag, w, b) = val.any().map_err(|e| (e, val.pos))?;
            vf.children.push(mk(name, w, time_text(tag, &data[b])));
        }
        vf.value = format!("{} to {}", vf.children[0].value, vf.children[1].value);
        tbs_fields.push(vf);
        let (w, b) = t.read(0x30).map_err(|e| (e, t.pos))?;
        let subject = name_text(data, b);
        subject_cn = subject.clone();
        tbs_fields.push(mk("subject", w, subject));
        let (w, b) = t.read(0x30).map_err(|e| (e, t.pos))?;
        let spki_sha = ring::digest::digest(&ring::digest::SHA256, &data[w.clone()]);
        let mut spki = mk("subject_public_key_info", w, spki_text(data, b));
        spki.children.push(Field {
            name: "spki_sha256".into(),
            range: spki.range.clone(),
            raw: spki.raw.clone(),
            value: hex::encode(spki_sha.as_ref()),
            children: vec![],
        });
        tbs_fields.push(spki);
        // extensions [3] (RFC 5280 §4.1.2.9), after the optional unique IDs.
        while t.peek().is_some() {
            let (tag, w, b) = t.any().map_err(|e| (e, t.pos))?;
            if tag != 0xa3 {
                continue;
            }
            let mut outer = Der::new(data, b);
            let (_, list) = outer.read(0x30).map_err(|e| (e, outer.pos))?;
            let mut ef = mk("extensions", w, String::new());
            let mut exts = Der::new(data, list);
            while let Ok((ew, eb)) = exts.read(0x30) {
                let mut e = Der::new(data, eb);
                let Ok((_, oid)) = e.read(0x06) else { break };
                let oid = oid_text(&data[oid]);
                if e.peek() == Some(0x01) {
                    let _ = e.read(0x01);
                }
                let Ok((_, octets)) = e.read(0x04) else { break };
                if oid == "2.5.29.17" {
                    ef.children
                        .push(mk("subject_alt_name", ew, san_text(data, octets)));
                } else {
                    let name = match oid.as_str() {
                        "2.5.29.19" => "basic_constraints",
                        "2.5.29.15" => "key_usage",
                        "2.5.29.37" => "extended_key_usage",
                        "2.5.29.14" => "subject_key_identifier",
                        "2.5.29.35" => "authority_key_identifier",
                        _ => "extension",
                    };
                    ef.children.push(mk(name, ew, oid));
                }
            }
            ef.value = format!("{} extensions", ef.children.len());
            tbs_fields.push(ef);
        }
        let mut tbs_field = mk("tbs_certificate", tbs_whole, String::new());
        tbs_field.children = tbs_fields;
        out.push(tbs_field);
        if let Ok((w, b)) = c.read(0x30) {
            let mut alg = Der::new(data, b);
            let v = alg
                .read(0x06)
                .map(|(_, o)| oid_name(&oid_text(&data[o])).to_string())
                .unwrap_or_default();
            out.push(mk("signature_algorithm", w, v));
        }
        if let Ok((w, b)) = c.read(0x03) {
            out.push(mk(
                "signature_value",
                w,
                format!("{} bytes", b.len().saturating_sub(1)),
            ));
        }
        Ok(())
    })();
    let sha_field = Field {
        name: "certificate_sha256".into(),
        range: r.clone(),
        raw: data[r.clone()].to_vec(),
        value: hex::encode(sha.as_ref()),
        children: vec![],
    };
    out.push(sha_field);
    match res {
        Ok(()) => subject_cn,
        Err((why, at)) => {
            out.push(mk(
                "der_error",
                at..at,
                format!("X.509 does not parse at offset {at}: {why}"),
            ));
            format!("malformed X.509 ({why} at offset {at})")
        }
    }
}

/// The key type and size of a `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7).
fn spki_text(data: &[u8], body: Range<usize>) -> String {
    let mut s = Der::new(data, body);
    let Ok((_, alg)) = s.read(0x30) else {
        return "?".into();
    };
    let mut a = Der::new(data, alg);
    let Ok((_, oid)) = a.read(0x06) else {
        return "?".into();
    };
    let oid = oid_text(&data[oid]);
    let param = a
        .read(0x06)
        .map(|(_, o)| oid_name(&oid_text(&data[o])).to_string())
        .ok();
    let Ok((_, bits)) = s.read(0x03) else {
        return oid_name(&oid).into();
    };
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)
            let mut k = Der::new(data, bits.start + 1..bits.end);
            let Ok((_, rk)) = k.read(0x30) else {
                return "RSA".into();
            };
            let mut rk = Der::new(data, rk);
            let Ok((_, m)) = rk.read(0x02) else {
                return "RSA".into();
            };
            let e = rk
                .read(0x02)
                .map(|(_, e)| data[e].iter().fold(0u64, |a, &b| (a << 8) | b as u64))
                .unwrap_or(0);
            format!("RSA {} bits, e={e}", bit_len(&data[m]))
        }
        "1.2.840.10045.2.1" => format!("EC {}", param.unwrap_or_default()),
        "1.3.101.112" => "Ed25519".into(),
        _ => oid_name(&oid).to_string(),
    }
}

/// `GeneralNames` of subjectAltName (RFC 5280 §4.2.1.6): DNS names and IP addresses.
fn san_text(data: &[u8], octets: Range<usize>) -> String {
    let mut names = vec![];
    let mut o = Der::new(data, octets);
    if let Ok((_, seq)) = o.read(0x30) {
        let mut g = Der::new(data, seq);
        while let Ok((tag, _, b)) = g.any() {
            let v = &data[b];
            match tag {
                0x82 => names.push(format!("DNS:{}", String::from_utf8_lossy(v))),
                0x87 if v.len() == 4 => names.push(format!("IP:{}.{}.{}.{}", v[0], v[1], v[2], v[3])),
                0x87 if v.len() == 16 => names.push(format!(
                    "IP:{}",
                    std::net::Ipv6Addr::from(<[u8; 16]>::try_from(v).unwrap_or([0; 16]))
                )),
                0x81 => names.push(format!("email:{}", String::from_utf8_lossy(v))),
                0x86 => names.push(format!("URI:{}", String::from_utf8_lossy(v))),
                _ => {}
            }
        }
    }
    names.join(", ")
}

/// Dissects the handshake messages of one connection in order, carrying
/// what later messages need from earlier ones: the randoms from the hellos,
/// the suite and encrypt_then_mac from the ServerHello.
#[derive(Clone, Debug, Default)]
pub struct Dissector {
    ctx: DissectContext,
}

impl Dissector {
    /// A dissector at the start of a connection.
    pub fn new() -> Dissector {
        Dissector::default()
    }

    /// What is known so far.
    pub fn context(&self) -> &DissectContext {
        &self.ctx
    }

    /// Dissects a whole handshake message (with its 4-byte header) sent by
    /// the server (`from_server`) or the client, and learns from it.
    pub fn handshake(&mut self, from_server: bool, raw: &[u8]) -> Dissection {
        self.ctx.from_server = from_server;
        let d = dissect_handshake_message(raw, &self.ctx);
        let random = d
            .fields
            .iter()
            .find(|f| f.name == "random")
            .and_then(|f| <[u8; 32]>::try_from(f.raw.as_slice()).ok());
        match d.message.as_str() {
            "client_hello" => {
                self.ctx.client_random = random;
                // A new handshake: the previous ServerHello no longer applies.
                self.ctx.server_random = None;
                self.ctx.cipher_suite = None;
                self.ctx.encrypt_then_mac = false;
                self.ctx.version = None;
            }
            "server_hello" => {
                self.ctx.server_random = random;
                self.ctx.cipher_suite = d
                    .fields
                    .iter()
                    .find(|f| f.name == "cipher_suite")
                    .and_then(|f| <[u8; 2]>::try_from(f.raw.as_slice()).ok())
                    .map(|b| CipherSuite(u16::from_be_bytes(b)));
                self.ctx.encrypt_then_mac = d.find("encrypt_then_mac").is_some();
                self.ctx.version = d
                    .fields
                    .iter()
                    .find(|f| f.name == "server_version")
                    .and_then(|f| <[u8; 2]>::try_from(f.raw.as_slice()).ok())
                    .map(|b| ProtocolVersion(u16::from_be_bytes(b)));
            }
            _ => {}
        }
        d
    }
}

/// The message's name as the RFC's structure names it (`ServerHello`).
#[doc(hidden)]
pub fn message_title(message: &str) -> String {
    match message {
        "client_hello" => "ClientHello".into(),
        "server_hello" => "ServerHello".into(),
        "certificate" => "Certificate".into(),
        "server_key_exchange" => "ServerKeyExchange".into(),
        "certificate_request" => "CertificateRequest".into(),
        "server_hello_done" => "ServerHelloDone".into(),
        "certificate_verify" => "CertificateVerify".into(),
        "client_key_exchange" => "ClientKeyExchange".into(),
        "new_session_ticket" => "NewSessionTicket".into(),
        "finished" => "Finished".into(),
        "certificate_status" => "CertificateStatus".into(),
        "hello_request" => "HelloRequest".into(),
        "alert" => "Alert".into(),
        "change_cipher_spec" => "ChangeCipherSpec".into(),
        other => other.into(),
    }
}

/// One line for a message ladder: arrow, message name and its key fields,
/// at most `width` characters, e.g.
/// `← ServerHello  TLSv1.2  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  EMS ✓  EtM –  ticket ✓`.
#[doc(hidden)]
pub fn ladder_line(d: &Dissection, from_server: bool, width: usize) -> String {
    let arrow = if from_server { "←" } else { "→" };
    let mut parts = vec![format!("{arrow} {}", message_title(&d.message))];
    let val = |name: &str| d.find(name).map(|f| f.value.clone()).unwrap_or_default();
    let after_code = |v: String| v.split_once(' ').map(|(_, n)| n.to_string()).unwrap_or(v);
    let has = |name: &str| if d.find(name).is_some() { "✓" } else { "–" };
    match d.message.as_str() {
        "client_hello" => {
            parts.push(after_code(val("client_version")));
            let n = d.find_all("cipher_suite").len();
            parts.push(format!("{n} suites"));
            if let Some(h) = d.find("host_name") {
                parts.push(format!("SNI {}", h.value));
            }
            if let Some(g) = d.find("supported_groups") {
                parts.push(format!("groups {}", g.value.replace(", ", ",")));
            }
            parts.push(format!("EMS {}", has("extended_master_secret")));
            parts.push(format!("EtM {}", has("encrypt_then_mac")));
            parts.push(format!("ticket {}", has("session_ticket")));
        }
        "server_hello" => {
            parts.push(after_code(val("server_version")));
            parts.push(after_code(val("cipher_suite")));
            parts.push(format!("EMS {}", has("extended_master_secret")));
            parts.push(format!("EtM {}", has("encrypt_then_mac")));
            parts.push(format!("ticket {}", has("session_ticket")));
            if let Some(p) = d.find("protocol_name") {
                parts.push(format!("ALPN {}", p.value));
            }
            let sid = d.find("session_id").map_or(0, |f| f.raw.len().saturating_sub(1));
            if sid > 0 {
                parts.push(format!("session_id {sid} bytes"));
            }
        }
        "certificate" => {
            let certs = d.find_all("certificate");
            parts.push(format!(
                "{} cert{}",
                certs.len(),
                if certs.len() == 1 { "" } else { "s" }
            ));
            if let Some(c) = certs.first() {
                parts.push(c.value.clone());
                if let Some(k) = c.find("subject_public_key_info") {
                    parts.push(k.value.clone());
                }
            }
        }
        "server_key_exchange" => {
            if let Some(c) = d.find("named_curve") {
                parts.push(format!("ECDHE {}", after_code(c.value.clone())));
            } else if let Some(p) = d.find("dh_p") {
                parts.push(format!("DHE p {}", p.value.split(':').next().unwrap_or_default()));
            }
            if let Some(a) = d.find("algorithm") {
                parts.push(format!("signed {}", after_code(a.value.clone())));
            } else if let Some(s) = d.find("signed_params") {
                let scheme = s.value.split(" over ").next().unwrap_or_default();
                parts.push(format!("signed {scheme}"));
            }
        }
        "client_key_exchange" => {
            for name in ["ecdh_Yc", "dh_Yc", "encrypted_pre_master_secret"] {
                if let Some(f) = d.find(name) {
                    parts.push(format!(
                        "{name} {} bytes",
                        f.raw.len().saturating_sub(if name == "ecdh_Yc" { 1 } else { 2 })
                    ));
                }
            }
        }
        "new_session_ticket" => {
            parts.push(format!("lifetime {}", val("ticket_lifetime_hint")));
            parts.push(format!(
                "ticket {} bytes",
                d.find("ticket").map_or(0, |f| f.raw.len().saturating_sub(2))
            ));
        }
        "finished" => parts.push(format!("verify_data {}", val("verify_data"))),
        "alert" => parts.push(format!(
            "{} {}",
            after_code(val("level")),
            after_code(val("description"))
        )),
        _ => {}
    }
    if let Some(e) = &d.error {
        parts.push(format!("decode error: {e}"));
    }
    clip(&parts.join("  "), width)
}

/// Hex wrapped at `per_line` bytes with offsets, each line prefixed by
/// `indent`: for long values in text output.
#[doc(hidden)]
pub fn wrapped_hex(bytes: &[u8], per_line: usize, indent: &str) -> Vec<String> {
    bytes
        .chunks(per_line.max(1))
        .enumerate()
        .map(|(i, c)| format!("{indent}{:04x}  {}", i * per_line.max(1), hex::encode(c)))
        .collect()
}

/// An annotated hex dump of a dissected message: each leaf field's bytes on
/// their own lines (16 a line) next to its name and value.
#[doc(hidden)]
pub fn annotated_dump(d: &Dissection, width: usize) -> Vec<String> {
    let mut out = vec![];
    for f in &d.fields {
        annotate(f, 0, width, &mut out);
    }
    if let Some(e) = &d.error {
        out.push(clip(&format!("decode error: {e}"), width));
    }
    out
}

fn annotate(f: &Field, depth: usize, width: usize, out: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    out.push(clip(
        format!("{pad}{} {}..{}  {}", f.name, f.range.start, f.range.end, f.value).trim_end(),
        width,
    ));
    // Digests (certificate_sha256, spki_sha256) cover bytes shown elsewhere.
    if f.name.ends_with("_sha256") {
        return;
    }
    if f.children.is_empty() {
        for l in hex_dump(&f.raw, f.range.start, 16) {
            out.push(clip(&format!("{pad}  {l}"), width));
        }
    } else {
        // Bytes of the field not covered by a child (DER headers) are still
        // part of the message; children show the rest.
        for c in &f.children {
            annotate(c, depth + 1, width, out);
        }
    }
}
