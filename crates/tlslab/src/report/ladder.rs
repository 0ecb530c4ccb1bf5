//! The ladder: one arrow per record, client on the left, server on the
//! right, each opening onto the record's bytes under their field names.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::html::{self, esc, Field, Redactor};
use super::{HtmlOptions, Section};
use crate::crypto::suites::{BulkCipher, SuiteInfo};
use crate::faults::Fault;
use crate::observer::{OwnedEvent, OwnedRecordView};
use crate::wire::dissect;
use crate::wire::{AlertDescription, AlertLevel, ContentType, Direction, HandshakeType};

/// One record of the connection.
pub(super) struct Rec<'e> {
    /// Position among the section's events.
    pub event: usize,
    /// Who sent it.
    pub dir: Direction,
    /// The record as it went on the wire.
    pub view: Cow<'e, OwnedRecordView>,
    /// A fault changed its bytes after it was sealed (the event shows them
    /// before the change; `view` after).
    pub changed_after_sealing: bool,
}

/// The section's records, in order.
pub(super) struct Records<'e> {
    pub list: Vec<Rec<'e>>,
}

impl<'e> Records<'e> {
    pub fn collect(s: &Section<'e>) -> Records<'e> {
        let mut list: Vec<Rec<'e>> = vec![];
        let mut last_out = None;
        for (i, e) in s.events.iter().enumerate() {
            match e {
                OwnedEvent::RecordOut(v) | OwnedEvent::RecordIn(v) => {
                    let dir = if matches!(e, OwnedEvent::RecordOut(_)) {
                        last_out = Some(list.len());
                        Direction::ClientToServer
                    } else {
                        Direction::ServerToClient
                    };
                    list.push(Rec {
                        event: i,
                        dir,
                        view: Cow::Borrowed(v),
                        changed_after_sealing: false,
                    });
                }
                OwnedEvent::FaultApplied { fault, after, .. } => {
                    if let Some(r) = last_out.and_then(|k| list.get_mut(k)) {
                        if after_sealing(s, r, *fault, after) {
                            r.changed_after_sealing = true;
                        }
                    }
                }
                _ => {}
            }
        }
        Records { list }
    }

    /// The protected record `seq` of direction `d`.
    pub fn protected(&self, d: Direction, seq: u64) -> Option<usize> {
        self.list
            .iter()
            .position(|r| r.dir == d && r.view.protected && r.view.seq == seq)
    }
}

/// Applies a fault that edits a record after sealing (after its
/// `RecordOut`), so the ladder shows the bytes that went on the wire.
fn after_sealing(s: &Section<'_>, r: &mut Rec<'_>, fault: Fault, after: &[u8]) -> bool {
    let payload_len = r.view.payload.len();
    let at = match fault {
        Fault::FlipCiphertextBit { bit, .. } => bit / 8,
        Fault::CorruptMac { .. } => {
            let suite = super::suite_of(s);
            if suite.is_none_or(|x| x.is_aead()) || super::encrypt_then_mac(s) {
                payload_len.saturating_sub(1)
            } else {
                // MAC-then-encrypt: plaintext byte k sits at payload offset 16 + k.
                let fragment = s.events.iter().find_map(|e| match e {
                    OwnedEvent::MacInput(m)
                        if m.direction == Direction::ClientToServer && m.seq == r.view.seq =>
                    {
                        Some(m.fragment.len())
                    }
                    _ => None,
                });
                match (fragment, suite) {
                    (Some(f), Some(x)) => f + x.mac.len() - 1,
                    _ => return false,
                }
            }
        }
        Fault::TruncateRecord { bytes, .. } => {
            let v = r.view.to_mut();
            let keep = payload_len.saturating_sub(bytes);
            v.payload.0.truncate(keep);
            v.header.0[3..5].copy_from_slice(&(keep as u16).to_be_bytes());
            return true;
        }
        _ => return false,
    };
    match (after.first(), at < payload_len) {
        (Some(&b), true) => {
            r.view.to_mut().payload.0[at] = b;
            true
        }
        _ => false,
    }
}

/// Which record failed, if one did: the analysis's failure, the record layer's
/// own MAC/tag/padding verdict, the server's Finished, or (for a fatal alert
/// from the server) the last protected record we sent before it.
pub(super) fn failing_record(s: &Section<'_>, records: &Records<'_>) -> Option<usize> {
    if let Some(f) = s.connection.and_then(|c| c.first_failure()) {
        if let Some(r) = f.record {
            if let Some(seq) = f.seq {
                if let Some(i) = records.protected(r.direction, seq) {
                    return Some(i);
                }
            }
            if s.gaps.is_empty() && r.index >= 1 && r.index <= records.list.len() {
                return Some(r.index - 1);
            }
        }
    }
    for e in s.events {
        let found = match e {
            OwnedEvent::MacCompared {
                equal: false,
                direction,
                seq,
                ..
            }
            | OwnedEvent::AeadOpenFailed { direction, seq, .. } => records.protected(*direction, *seq),
            OwnedEvent::CbcPadding(p) if !p.well_formed => records.protected(p.direction, p.seq),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    if s.events.iter().any(|e| {
        matches!(e, OwnedEvent::FinishedVerify { label: "server finished", computed, received, .. } if computed != received)
    }) {
        return records.list.iter().position(|r| {
            r.dir == Direction::ServerToClient && r.view.protected && r.view.content_type == ContentType::HANDSHAKE
        });
    }
    let alert = s.events.iter().position(|e| {
        matches!(e, OwnedEvent::AlertReceived(a) if a.level == AlertLevel::FATAL
            && a.description != AlertDescription::CLOSE_NOTIFY)
    })?;
    records
        .list
        .iter()
        .rposition(|r| r.event < alert && r.dir == Direction::ClientToServer && r.view.protected)
}

/// The handshake messages in an unprotected handshake record, with their
/// fields, continuing a message split over records (`pending` bytes of it
/// left, per direction).
fn handshake_fields(bytes: &[u8], pending: &mut usize, fields: &mut Vec<Field>, names: &mut Vec<String>) {
    let mut p = 5;
    while p < bytes.len() {
        if *pending > 0 {
            let n = (*pending).min(bytes.len() - p);
            fields.push(Field::new("handshake message (continued)", p, p + n));
            names.push("(continued)".into());
            *pending -= n;
            p += n;
            continue;
        }
        if bytes.len() - p < 4 {
            fields.push(Field::new("handshake header fragment", p, bytes.len()));
            break;
        }
        let typ = HandshakeType(bytes[p]);
        let len =
            usize::from(bytes[p + 1]) << 16 | usize::from(bytes[p + 2]) << 8 | usize::from(bytes[p + 3]);
        let name = message_name(typ);
        names.push(name.clone());
        fields.push(Field::new(format!("msg_type ({name})"), p, p + 1));
        fields.push(Field::new(format!("length ({len})"), p + 1, p + 4));
        let body = p + 4;
        let end = body + len;
        hello_fields(typ, bytes, body, end.min(bytes.len()), fields);
        if end > bytes.len() {
            *pending = end - bytes.len();
            p = bytes.len();
        } else {
            p = end;
        }
    }
}

/// The fixed fields at the start of a ClientHello or ServerHello (RFC 5246
/// §7.4.1.2, §7.4.1.3); other messages as one body.
fn hello_fields(typ: HandshakeType, b: &[u8], body: usize, end: usize, fields: &mut Vec<Field>) {
    let mut p = body;
    let take = |fields: &mut Vec<Field>, name: &str, n: usize, p: &mut usize| -> bool {
        if *p + n > end {
            return false;
        }
        fields.push(Field::new(name, *p, *p + n));
        *p += n;
        true
    };
    let hello = typ == HandshakeType::CLIENT_HELLO || typ == HandshakeType::SERVER_HELLO;
    if hello {
        let version = if typ == HandshakeType::CLIENT_HELLO {
            "client_version"
        } else {
            "server_version"
        };
        if take(fields, version, 2, &mut p)
            && take(fields, "random", 32, &mut p)
            && take(fields, "session_id length", 1, &mut p)
        {
            let sid = usize::from(b[p - 1]);
            if sid > 0 {
                take(fields, "session_id", sid, &mut p);
            }
            if typ == HandshakeType::SERVER_HELLO {
                if take(fields, "cipher_suite", 2, &mut p)
                    && take(fields, "compression_method", 1, &mut p)
                    && p < end
                {
                    fields.push(Field::new("extensions", p, end));
                }
            } else if take(fields, "cipher_suites length", 2, &mut p) {
                let n = usize::from(b[p - 2]) << 8 | usize::from(b[p - 1]);
                if take(fields, "cipher_suites", n, &mut p)
                    && take(fields, "compression_methods length", 1, &mut p)
                {
                    let n = usize::from(b[p - 1]);
                    if take(fields, "compression_methods", n, &mut p) && p < end {
                        fields.push(Field::new("extensions", p, end));
                    }
                }
            }
            return;
        }
    }
    if body < end {
        fields.push(Field::new(format!("{} body", message_name(typ)), body, end));
    }
}

/// `client_hello` → `ClientHello`.
fn message_name(t: HandshakeType) -> String {
    match t.name() {
        Some(n) => n
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect(),
        None => t.to_string(),
    }
}

/// The record's fields and the label of its arrow.
pub(super) fn record_fields(
    r: &Rec<'_>,
    suite: Option<&SuiteInfo>,
    failing: bool,
    etm: bool,
    pending: &mut [usize; 2],
) -> (String, Vec<Field>, Vec<u8>) {
    let v = &r.view;
    let mut bytes = v.header.to_vec();
    bytes.extend_from_slice(&v.payload);
    let len = bytes.len();
    let mut fields = vec![
        Field::new(format!("content_type ({})", v.content_type), 0, 1),
        Field::new(format!("version ({})", v.version), 1, 3),
        Field::new(format!("length ({})", v.payload.len()), 3, 5),
    ];
    let d = usize::from(r.dir == Direction::ServerToClient);
    let label;
    if v.protected {
        let what = match v.content_type {
            ContentType::HANDSHAKE => "Finished (encrypted)".to_owned(),
            ContentType::APPLICATION_DATA => format!("application_data ({} bytes)", v.payload.len()),
            ContentType::ALERT => "alert (encrypted)".to_owned(),
            t => format!("{t} (encrypted)"),
        };
        label = format!("{what} · seq {}", v.seq);
        match suite {
            Some(s) if s.is_aead() => {
                let explicit = if s.cipher == BulkCipher::Chacha20Poly1305 {
                    0
                } else {
                    8
                };
                if len >= 5 + explicit + 16 {
                    if explicit > 0 {
                        fields.push(Field::new("nonce_explicit", 5, 5 + explicit));
                    }
                    fields.push(Field::new("ciphertext", 5 + explicit, len - 16));
                    fields.push(Field {
                        bad: failing,
                        ..Field::new("tag (16)", len - 16, len)
                    });
                } else {
                    fields.push(Field {
                        bad: failing,
                        ..Field::new("payload (shorter than nonce + tag)", 5, len)
                    });
                }
            }
            Some(s) => {
                let mac = s.mac.len();
                if etm && len >= 5 + 16 + mac {
                    fields.push(Field::new("IV", 5, 21));
                    fields.push(Field::new("ciphertext (content ‖ padding)", 21, len - mac));
                    fields.push(Field {
                        bad: failing,
                        ..Field::new(format!("MAC ({mac})"), len - mac, len)
                    });
                } else if len >= 21 {
                    fields.push(Field::new("IV", 5, 21));
                    fields.push(Field {
                        bad: failing,
                        ..Field::new(format!("ciphertext (content ‖ MAC ({mac}) ‖ padding)"), 21, len)
                    });
                } else {
                    fields.push(Field {
                        bad: failing,
                        ..Field::new("payload (shorter than one block)", 5, len)
                    });
                }
            }
            None => fields.push(Field {
                bad: failing,
                ..Field::new("protected fragment", 5, len)
            }),
        }
        return (label, fields, bytes);
    }
    match v.content_type {
        ContentType::HANDSHAKE => {
            let mut names = vec![];
            handshake_fields(&bytes, &mut pending[d], &mut fields, &mut names);
            label = if names.is_empty() {
                "handshake".into()
            } else {
                names.join(", ")
            };
        }
        ContentType::CHANGE_CIPHER_SPEC => {
            fields.push(Field::new("type (1 = change_cipher_spec)", 5, len));
            label = "ChangeCipherSpec".into();
        }
        ContentType::ALERT if len >= 7 => {
            let a = crate::wire::Alert {
                level: AlertLevel(bytes[5]),
                description: AlertDescription(bytes[6]),
            };
            fields.push(Field::new(format!("level ({})", a.level), 5, 6));
            fields.push(Field::new(format!("description ({})", a.description), 6, 7));
            label = format!("Alert: {a}");
        }
        t => {
            fields.push(Field::new(format!("{t} fragment"), 5, len));
            label = format!("{t} ({} bytes)", v.payload.len());
        }
    }
    (label, fields, bytes)
}

/// The dissection's fields as byte ranges to colour: containers (the
/// fragment, each handshake message) open up to three levels deep, deeper
/// structures (the cipher_suites list, the extensions) stay one range. The
/// MAC, tag or ciphertext of a failing record is drawn as the failing value.
fn dissected(fields: &[dissect::Field], depth: usize, failing: bool, out: &mut Vec<Field>) {
    for f in fields {
        if !f.children.is_empty() && depth < 3 {
            dissected(&f.children, depth + 1, failing, out);
            continue;
        }
        let name = if f.value.is_empty() || f.value.len() > 60 {
            f.name.clone()
        } else {
            format!("{} = {}", f.name, f.value)
        };
        let bad = failing && matches!(f.name.as_str(), "tag" | "mac" | "encrypted_fragment")
            || failing
                && f.name == "ciphertext"
                && !fields.iter().any(|g| g.name == "tag" || g.name == "mac");
        out.push(Field {
            bad,
            ..Field::new(name, f.range.start, f.range.end)
        });
    }
}

/// Every field with its value, as nested lists.
fn field_list(fields: &[dissect::Field], out: &mut String) {
    out.push_str("<ul class=\"fields\">");
    for f in fields {
        let _ = write!(
            out,
            "<li><b>{}</b> <small>[{}..{}]</small> {}",
            esc(&f.name),
            f.range.start,
            f.range.end,
            esc(&f.value)
        );
        if !f.children.is_empty() {
            field_list(&f.children, out);
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

/// The record dissected field by field ([`crate::wire::dissect`]): its
/// coloured ranges and the field list. `None` when the dissector found no
/// field at all.
fn dissect_view(
    r: &Rec<'_>,
    bytes: &[u8],
    suite: Option<&SuiteInfo>,
    etm: bool,
    failing: bool,
    red: &Redactor,
) -> Option<String> {
    let ctx = dissect::DissectContext {
        cipher_suite: suite.map(|x| x.id),
        encrypt_then_mac: etm,
        protected: r.view.protected,
        from_server: r.dir == Direction::ServerToClient,
        ..dissect::DissectContext::default()
    };
    let d = dissect::dissect_record(bytes, &ctx);
    if d.fields.is_empty() {
        return None;
    }
    let mut fields = vec![];
    dissected(&d.fields, 0, failing, &mut fields);
    let mut out = html::annotated(bytes, &fields, red);
    if let Some(e) = &d.error {
        let _ = write!(
            out,
            "<p class=\"note\">The dissector stopped: {}</p>",
            esc(&e.to_string())
        );
    }
    out.push_str("<details><summary>Field by field</summary>");
    field_list(&d.fields, &mut out);
    out.push_str("</details>");
    Some(red.text(&out))
}

/// Whether a record is drawn in full.
pub(super) fn shown(i: usize, r: &Rec<'_>, failing: Option<usize>, limit: usize) -> bool {
    i < limit || !r.view.protected || failing.is_some_and(|f| i + 1 >= f && i <= f + 1)
}

/// Draws the ladder.
pub(super) fn draw(
    out: &mut String,
    s: &Section<'_>,
    records: &Records<'_>,
    failing: Option<usize>,
    suite: Option<&SuiteInfo>,
    options: &HtmlOptions,
    red: &Redactor,
) {
    let etm = super::encrypt_then_mac(s);
    let _ = write!(
        out,
        "<h3>The flights</h3><p class=\"note\">{} records{}. Click a record to open its bytes.</p><div class=\"ladder\"><div class=\"lanes\"><span class=\"c\">client</span><span class=\"s\">server</span></div>",
        records.list.len() as u64 + s.gaps.iter().map(|g| g.records).sum::<u64>(),
        suite.map(|s| format!(", suite {}", s.name())).unwrap_or_default()
    );
    let mut pending = [0usize; 2];
    let mut hidden: (u64, u64) = (0, 0);
    let mut gaps = s.gaps.iter().peekable();
    let flush = |out: &mut String, hidden: &mut (u64, u64)| {
        if hidden.0 > 0 {
            let _ = write!(
                out,
                "<div class=\"summary-row\">… {} more records ({} bytes) summarised: not failing, not drawn</div>",
                hidden.0, hidden.1
            );
            *hidden = (0, 0);
        }
    };
    for (i, r) in records.list.iter().enumerate() {
        while let Some(g) = gaps.next_if(|g| g.position <= r.event) {
            hidden.0 += g.records;
            hidden.1 += g.bytes;
        }
        let is_failing = failing == Some(i);
        if !shown(i, r, failing, options.record_limit) {
            hidden.0 += 1;
            hidden.1 += 5 + r.view.payload.len() as u64;
            continue;
        }
        flush(out, &mut hidden);
        let (label, fields, bytes) = record_fields(r, suite, is_failing, etm, &mut pending);
        let class = format!(
            "rec {}{}{}",
            if r.dir == Direction::ClientToServer {
                "c2s"
            } else {
                "s2c"
            },
            if r.view.protected { " prot" } else { "" },
            if is_failing { " failing" } else { "" }
        );
        let _ = write!(
            out,
            "<details class=\"{class}\" id=\"rec{i}\" data-index=\"{}\"{}><summary><span class=\"arrow\">{}{}</span></summary><div class=\"body\"><p>Record #{} · {} · {} bytes on the wire{}{}</p>{}</div></details>",
            i + 1,
            // The failing record opens with the page.
            if is_failing { " open" } else { "" },
            esc(&label),
            if is_failing { " ✗ failed here" } else { "" },
            i + 1,
            super::lane(r.dir),
            bytes.len(),
            if r.view.protected { format!(" · protected, seq_num {}", r.view.seq) } else { String::new() },
            if r.changed_after_sealing { " · <b>changed by a fault after sealing: these are the bytes sent</b>" } else { "" },
            dissect_view(r, &bytes, suite, etm, is_failing, red).unwrap_or_else(|| html::annotated(&bytes, &fields, red))
        );
    }
    for g in gaps {
        hidden.0 += g.records;
        hidden.1 += g.bytes;
    }
    flush(out, &mut hidden);
    out.push_str("</div>");
}
