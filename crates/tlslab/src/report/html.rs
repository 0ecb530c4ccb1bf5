//! HTML building blocks: escaping, the style sheet, hex dumps with field
//! annotations, and the redaction of secrets.
//!
//! Everything a peer controls (server names, certificate details, alert
//! texts, bytes) passes through [`esc`] before it reaches the page, and the
//! page carries a Content-Security-Policy that forbids every script and every
//! external load: a report opened from `file://` runs with the reader's
//! rights, so an injected `<script>` would be an attack on the reader.

use std::fmt::Write as _;

/// Escapes text for an HTML element body or a quoted attribute value.
#[doc(hidden)]
pub fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            // Control characters from hostile peers are shown, not interpreted.
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(s, "\\u{{{:x}}}", c as u32);
            }
            c => s.push(c),
        }
    }
    s
}

/// The values a redacted page must not show: every secret the events carry.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Whether to redact at all.
    pub on: bool,
    /// The secret byte strings (at least 8 bytes each: shorter ones would
    /// hide innocent bytes by coincidence).
    pub secrets: Vec<Vec<u8>>,
}

impl Redactor {
    /// Adds one secret.
    pub fn add(&mut self, secret: &[u8]) {
        if secret.len() >= 8 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_vec());
        }
    }

    /// Which positions of `bytes` belong to a secret.
    fn mask(&self, bytes: &[u8]) -> Vec<bool> {
        let mut mask = vec![false; bytes.len()];
        if !self.on {
            return mask;
        }
        for s in &self.secrets {
            if s.len() > bytes.len() {
                continue;
            }
            for start in 0..=bytes.len() - s.len() {
                if bytes[start..start + s.len()] == s[..] {
                    mask[start..start + s.len()].iter_mut().for_each(|m| *m = true);
                }
            }
        }
        mask
    }

    /// Text with every secret written as hex (either case) replaced.
    pub fn text(&self, text: &str) -> String {
        if !self.on {
            return text.to_owned();
        }
        let mut t = text.to_owned();
        for s in &self.secrets {
            let lower = hex::encode(s);
            t = t
                .replace(&lower, "[redacted]")
                .replace(&lower.to_uppercase(), "[redacted]");
        }
        t
    }
}

/// One named byte range of a dissected message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The RFC name of the field.
    pub name: String,
    /// Start offset.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// Drawn as the failing value.
    pub bad: bool,
}

impl Field {
    /// A field.
    pub fn new(name: impl Into<String>, start: usize, end: usize) -> Field {
        Field {
            name: name.into(),
            start,
            end,
            bad: false,
        }
    }
}

/// How many bytes of one field a dump shows before it says how many more
/// there are.
const FIELD_SHOWN: usize = 96;

/// Bytes as spaced hex, secrets replaced when redacting, the byte at `bad`
/// marked. At most `limit` bytes are written.
pub fn hex_span(bytes: &[u8], red: &Redactor, bad: Option<usize>, limit: usize) -> String {
    let mask = red.mask(bytes);
    let mut s = String::new();
    let shown = bytes.len().min(limit);
    let mut i = 0;
    while i < shown {
        if mask[i] {
            let start = i;
            while i < bytes.len() && mask[i] {
                i += 1;
            }
            let _ = write!(
                s,
                "<span class=\"red\">[secret: {} bytes redacted]</span> ",
                i - start
            );
            continue;
        }
        if Some(i) == bad {
            let _ = write!(
                s,
                "<mark class=\"badbyte\" title=\"first byte that differs\">{:02x}</mark> ",
                bytes[i]
            );
        } else {
            let _ = write!(s, "{:02x} ", bytes[i]);
        }
        i += 1;
    }
    if bytes.len() > i {
        let _ = write!(s, "<span class=\"more\">… {} more bytes</span>", bytes.len() - i);
    }
    if bytes.is_empty() {
        s.push_str("<span class=\"more\">(empty)</span>");
    }
    s.trim_end().to_owned()
}

/// A value shown as a whole (a secret is replaced entirely when redacting).
pub fn value(bytes: &[u8], red: &Redactor, secret: bool) -> String {
    if secret && red.on {
        return format!(
            "<span class=\"red\">[secret: {} bytes redacted]</span>",
            bytes.len()
        );
    }
    format!("<code class=\"hex\">{}</code>", hex_span(bytes, red, None, 256))
}

/// Bytes under their field names, one colour per field.
pub fn annotated(bytes: &[u8], fields: &[Field], red: &Redactor) -> String {
    let mut s = String::from("<div class=\"dump\">");
    let mut pos = 0;
    let emit = |s: &mut String, name: &str, start: usize, end: usize, bad: bool, colour: usize| {
        let end = end.min(bytes.len());
        if start >= end {
            return;
        }
        let class = if bad {
            "fld bad".to_owned()
        } else {
            format!("fld c{}", colour % 8)
        };
        let _ = write!(
            s,
            "<span class=\"{class}\"><span class=\"fn\">{} <small>[{start}..{end}]</small></span><code>{}</code></span>",
            esc(name),
            hex_span(&bytes[start..end], red, None, FIELD_SHOWN)
        );
    };
    for (colour, f) in fields.iter().enumerate() {
        if f.start > pos {
            emit(&mut s, "(bytes)", pos, f.start, false, 7);
        }
        emit(&mut s, &f.name, f.start.max(pos), f.end, f.bad, colour);
        pos = pos.max(f.end);
    }
    if pos < bytes.len() {
        emit(&mut s, "(rest)", pos, bytes.len(), false, 7);
    }
    s.push_str("</div>");
    s
}

/// Computed against received, side by side, the first differing byte marked
/// in both.
pub fn side_by_side(what: &str, computed: &[u8], received: &[u8], red: &Redactor) -> String {
    let diff = computed
        .iter()
        .zip(received)
        .position(|(a, b)| a != b)
        .or_else(|| (computed.len() != received.len()).then_some(computed.len().min(received.len())));
    let mut s = String::new();
    let _ = write!(
        s,
        "<table class=\"cmp\"><caption>{}</caption><tr class=\"computed\"><th>computed</th><td><code class=\"hex\">{}</code></td></tr><tr class=\"received{}\"><th>received</th><td><code class=\"hex\">{}</code></td></tr>",
        esc(&red.text(what)),
        hex_span(computed, red, diff, 512),
        if diff.is_some() { " differs" } else { "" },
        hex_span(received, red, diff, 512),
    );
    match diff {
        Some(i) => {
            let _ = write!(
                s,
                "<tr><th></th><td class=\"note\">first difference at byte {i}</td></tr>"
            );
        }
        None if !computed.is_empty() => s.push_str("<tr><th></th><td class=\"note ok\">equal</td></tr>"),
        None => {}
    }
    s.push_str("</table>");
    s
}

/// The style sheet: inline, no fonts or images from anywhere. Records and
/// key-schedule steps have `content-visibility: auto`: the browser lays out
/// only those on screen, so a page of a thousand records opens about twice
/// as fast (the `html` section of the benchmark measures it).
pub const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:1em;color:#222;background:#fdfdfb}
h1{font-size:1.5em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}
code,.hex,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.hex{word-break:break-all;white-space:normal}
.verdict{padding:.8em 1em;border-radius:6px;margin:1em 0;border:2px solid}
.verdict.ok{background:#e8f6e8;border-color:#3a3}.verdict.failed{background:#fdecec;border-color:#c33}
.verdict .word{font-size:1.6em;font-weight:bold}
.certainty{display:inline-block;padding:0 .5em;border-radius:4px;background:#fff;border:1px solid #888;margin-left:.5em}
table.cmp{border-collapse:collapse;margin:.5em 0;width:100%}table.cmp caption{text-align:left;font-style:italic}
table.cmp th{text-align:right;padding:2px 8px;width:7em;vertical-align:top}table.cmp td{padding:2px 4px}
tr.received.differs td code{background:#fdd;color:#900}
mark.badbyte{background:#d00;color:#fff;font-weight:bold;padding:0 1px}
.note{color:#555}.ok{color:#272}.red{background:#333;color:#fff;padding:0 3px;border-radius:3px}.more{color:#888}
.ladder{position:relative;margin:1em 0;padding:0 0;border-left:6px solid #5470c6;border-right:6px solid #c65454}
.lanes{display:flex;justify-content:space-between;font-weight:bold}.lanes .s{color:#c65454}.lanes .c{color:#5470c6}
details.rec{margin:0;padding:2px 0}details.rec>summary{list-style:none;cursor:pointer;display:flex;align-items:center;padding:2px 8px}
details.rec>summary::-webkit-details-marker{display:none}
details.rec .arrow{flex:1;border-bottom:2px solid #555;position:relative;text-align:center;padding-bottom:1px;font-size:13px}
details.rec.c2s .arrow::after{content:"";position:absolute;right:-2px;bottom:-6px;border:5px solid transparent;border-left:9px solid #555}
details.rec.s2c .arrow::before{content:"";position:absolute;left:-2px;bottom:-6px;border:5px solid transparent;border-right:9px solid #555}
details.rec.c2s>summary{padding-right:35%}details.rec.s2c>summary{padding-left:35%}
details.rec.prot .arrow{border-bottom-style:dashed}
details.rec.failing .arrow{border-bottom-color:#d00;color:#b00;font-weight:bold}
details.rec.failing.c2s .arrow::after{border-left-color:#d00}details.rec.failing.s2c .arrow::before{border-right-color:#d00}
details.rec[open]{background:#f3f3f0}details.rec .body{padding:.3em 1em .8em 1em}
.summary-row{text-align:center;color:#666;font-style:italic;padding:4px}
.dump{line-height:1.1}.fld{display:inline-block;vertical-align:top;margin:2px;padding:2px 4px;border-radius:3px;max-width:100%}
.fld .fn{display:block;font-size:10px;font-weight:bold;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.fld code{word-break:break-all}
.c0{background:#dbe7ff}.c1{background:#ffe6c7}.c2{background:#dff5d8}.c3{background:#f4dcf7}.c4{background:#fff6bf}.c5{background:#d5f2f2}.c6{background:#f1e0d0}.c7{background:#eee}
.fld.bad{background:#fcc;outline:2px solid #d00}.fld.bad .fn{color:#900}
.chain{border-left:3px solid #888;margin-left:1em;padding-left:1em}
.step{margin:.6em 0;padding:.4em .6em;background:#f6f6f2;border-radius:4px}.step.bad{background:#fdecec;outline:2px solid #d00}
.step .lbl{font-weight:bold}.down{margin-left:2em;color:#888}
table.kv{border-collapse:collapse}table.kv th{text-align:left;padding:1px 8px 1px 0;vertical-align:top;white-space:nowrap}table.kv td{padding:1px 0}
table.findings{border-collapse:collapse;width:100%}table.findings td,table.findings th{border-bottom:1px solid #ddd;padding:3px;vertical-align:top;text-align:left}
ul.fields{font-size:12px;margin:.2em 0;padding-left:1.2em}ul.fields small{color:#888}
details.rec,.step{content-visibility:auto;contain-intrinsic-size:auto 2.5em}
.recverdict.ok{color:#272;font-weight:bold}.recverdict.bad{color:#c00;font-weight:bold}
"#;
