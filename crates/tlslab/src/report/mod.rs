//! One self-contained HTML page per connection, live, failed or captured, in
//! the spirit of *The Illustrated TLS Connection*: the verdict first, then a
//! ladder of the flights (client left, server right) whose records open onto
//! their annotated bytes, then the key schedule as a chain from the
//! pre-master secret to each record's MAC or tag and its verdict.
//!
//! ```text
//! Recorder / ReportRecorder ──► OwnedEvent list ─┐
//! Client::explain_failure   ──► Explanation  ────┼──► Section ──► render() ──► page.html
//! explain_capture           ──► ConnectionReport ┘
//! ```
//!
//! The page loads nothing (no script, font, image or style sheet from
//! anywhere; a Content-Security-Policy forbids it), so it works from
//! `file://` and can be mailed around. Every string and byte a peer controls
//! is escaped. With [`HtmlOptions::redact`], every secret the events carry
//! (pre-master secret, master secret, key block, PRF intermediate values,
//! fixed IVs and nonces) is replaced wherever its bytes appear in the page.
//!
//! A large capture stays readable: records past [`HtmlOptions::record_limit`]
//! are summarised (counted, with their bytes), failing records are always
//! shown; [`ReportRecorder`] applies the same limit while recording so a
//! 100 MB capture does not keep 100 MB of events.

mod html;
mod ladder;
mod schedule;
mod trace;

use std::collections::VecDeque;
use std::fmt::Write as _;

#[doc(hidden)]
pub use html::{esc, Field, Redactor};
pub use trace::{bundle_html, json_trace_html};
#[doc(hidden)]
pub use trace::{read_json_trace, Trace};

use crate::capture::{
    is_empty_connection, CaptureError, CaptureReport, ConnectionReport, Connections, KeySources,
};
use crate::crypto::suites::{self, SuiteInfo};
use crate::explain::{Certainty, Explanation, Verdict};
use crate::observer::{Event, Observer, OwnedEvent};
use crate::wire::{AlertLevel, CipherSuite, Direction, HandshakeType};

/// How the page is drawn.
#[derive(Clone, Debug)]
pub struct HtmlOptions {
    /// The page title.
    pub title: String,
    /// Replace every secret with a placeholder.
    pub redact: bool,
    /// Records shown in full per connection; later records are summarised
    /// unless they fail (or sit next to the one that failed).
    pub record_limit: usize,
}

impl Default for HtmlOptions {
    fn default() -> HtmlOptions {
        HtmlOptions {
            title: "TLS connection".into(),
            redact: false,
            record_limit: 200,
        }
    }
}

/// Records left out while recording ([`ReportRecorder`]): `records` records
/// carrying `bytes` bytes, just before event number `position`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct Gap {
    /// Index into the kept events where the left-out records were.
    pub position: usize,
    /// Records left out.
    pub records: u64,
    /// Their bytes on the wire.
    pub bytes: u64,
}

/// One connection on the page.
#[derive(Clone, Debug, Default)]
pub struct Section<'a> {
    /// A heading ("connection 1: 10.0.0.1:51000 → 10.0.0.2:443").
    pub title: String,
    /// The connection's events, in order.
    pub events: &'a [OwnedEvent],
    /// Records left out while recording.
    pub gaps: &'a [Gap],
    /// The error the connection ended with, if it failed.
    pub error: Option<String>,
    /// The explainer's report on the failure.
    pub explanation: Option<&'a Explanation>,
    /// The offline analysis of a captured connection.
    pub connection: Option<&'a ConnectionReport>,
}

/// The whole page: a heading, optional notes (a capture's summary) and one
/// section per connection.
pub fn render(options: &HtmlOptions, preamble: &str, sections: &[Section<'_>]) -> String {
    let mut red = Redactor {
        on: options.redact,
        ..Redactor::default()
    };
    for s in sections {
        collect_secrets(s.events, &mut red);
    }
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", esc(&red.text(&options.title)));
    if options.redact {
        body.push_str("<p class=\"note\">Secrets are redacted: the pre-master and master secrets, the key block, PRF intermediate values, fixed IVs and nonces are replaced wherever their bytes appear.</p>");
    }
    body.push_str(&red.text(preamble));
    if sections.is_empty() {
        body.push_str("<p>No connection to show.</p>");
    }
    for (i, s) in sections.iter().enumerate() {
        section(&mut body, i, s, options, &red);
    }
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{}</style></head><body>{}\
<footer class=\"note\"><p>Written by tlslab. Click a record in the ladder to open its bytes.</p></footer></body></html>\n",
        esc(&red.text(&options.title)),
        html::STYLE,
        body
    );
    if red.on {
        // Last line of defence: a secret's hex in any text the page took
        // from elsewhere (an error message, a cause's evidence).
        page = red.text(&page);
    }
    page
}

/// A live connection's page: its events, the error it ended with and the
/// explainer's report.
pub fn connection_html(
    options: &HtmlOptions,
    server: &str,
    events: &[OwnedEvent],
    error: Option<String>,
    explanation: Option<&Explanation>,
) -> String {
    let s = Section {
        title: format!("connection to {server}"),
        events,
        error,
        explanation,
        ..Section::default()
    };
    render(options, "", &[s])
}

/// Reads a capture, analyses every TCP connection (each with its own
/// [`ReportRecorder`]) and draws one section per connection.
pub fn capture_html(
    bytes: &[u8],
    secrets: &KeySources,
    options: &HtmlOptions,
) -> Result<String, CaptureError> {
    let mut connections = Connections::new(bytes)?;
    let mut analysed = vec![];
    let mut empty = 0;
    let mut recorded = vec![];
    let mut secrets = secrets.clone();
    for c in connections.by_ref() {
        if is_empty_connection(&c) {
            empty += 1;
            continue;
        }
        let mut rec = ReportRecorder::new(options.record_limit);
        let r = crate::capture::analyze_connection(&c, &secrets, &mut rec);
        for (id, ms) in &r.sessions {
            secrets.keylog.remember_session(id.clone(), *ms);
        }
        analysed.push(r);
        recorded.push(rec.finish());
    }
    let mut report = connections.empty_report();
    report.empty_connections = empty;
    report.connections = analysed;
    Ok(capture_report_html(options, &report, &recorded))
}

/// A capture's page from its report and each connection's recorded events
/// (`recorded[i]` belongs to `report.connections[i]`; missing entries draw
/// the connection from its report alone).
pub fn capture_report_html(
    options: &HtmlOptions,
    report: &CaptureReport,
    recorded: &[ReportRecorder],
) -> String {
    let preamble = format!(
        "<details open><summary>Capture summary</summary><pre>{}</pre></details>",
        esc(&report.summary_text())
    );
    let sections: Vec<Section<'_>> = report
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (events, gaps) = recorded
                .get(i)
                .map_or((&[][..], &[][..]), |r| (&r.events[..], &r.gaps[..]));
            Section {
                title: format!("connection {}: client {} → server {}", i + 1, c.client, c.server),
                events,
                gaps,
                error: c.skipped.clone(),
                explanation: c.first_failure().and_then(|f| f.explanation.as_ref()),
                connection: Some(c),
            }
        })
        .collect();
    render(options, &preamble, &sections)
}

/// Every secret the events carry, for the redactor.
fn collect_secrets(events: &[OwnedEvent], red: &mut Redactor) {
    for e in events {
        match e {
            OwnedEvent::PreMasterSecret(v) => red.add(v),
            OwnedEvent::Prf(p) => {
                red.add(&p.secret);
                red.add(&p.output);
                p.a.iter().chain(&p.hmac_outputs).for_each(|v| red.add(v));
                for half in &p.halves {
                    red.add(&half.secret);
                    red.add(&half.output);
                    half.a.iter().chain(&half.hmac_outputs).for_each(|v| red.add(v));
                }
            }
            OwnedEvent::MasterSecret { master_secret, .. }
            | OwnedEvent::ResumptionOffered { master_secret, .. }
            | OwnedEvent::SessionResumed { master_secret, .. } => red.add(master_secret),
            OwnedEvent::KeyBlock(kb) => {
                for (_, part) in kb.named_parts() {
                    red.add(part);
                }
            }
            OwnedEvent::AeadNonce(n) => {
                red.add(&n.fixed_iv);
                red.add(&n.nonce);
            }
            OwnedEvent::RsaPadding {
                padding_string,
                encoded_block,
            } => {
                red.add(padding_string);
                red.add(encoded_block);
            }
            OwnedEvent::DhSharedSecret { z, .. } => red.add(z),
            OwnedEvent::Ssl3Hash {
                purpose,
                inner,
                outer,
                output,
            } if *purpose == "master_secret" || *purpose == "key_block" => {
                for v in inner.iter().chain(outer.iter()) {
                    red.add(v);
                }
                red.add(output);
            }
            _ => {}
        }
    }
    // A pre-master secret with its leading zeros stripped is a suffix of Z;
    // GCM's 4-byte salt is too short to search for but it sits inside every
    // nonce, which is.
}

/// The suite, from the connection report or the ServerHello.
fn suite_of(s: &Section<'_>) -> Option<&'static SuiteInfo> {
    if let Some(id) = s.connection.and_then(|c| c.suite) {
        return suites::lookup_for_analysis(id);
    }
    s.events.iter().find_map(|e| match e {
        OwnedEvent::HandshakeIn { typ, raw } if *typ == HandshakeType::SERVER_HELLO => {
            // msg_type(1) length(3) server_version(2) random(32) session_id<0..32> cipher_suite(2)
            let sid = usize::from(*raw.get(38)?);
            let id = raw.get(39 + sid..41 + sid)?;
            suites::lookup_for_analysis(CipherSuite(u16::from_be_bytes([id[0], id[1]])))
        }
        _ => None,
    })
}

/// Whether encrypt_then_mac (RFC 7366) is in use: from the analysis, or
/// from the extensions of the ServerHello.
fn encrypt_then_mac(s: &Section<'_>) -> bool {
    if let Some(c) = s.connection {
        return c.encrypt_then_mac;
    }
    s.events.iter().any(|e| match e {
        OwnedEvent::HandshakeIn { typ, raw } if *typ == HandshakeType::SERVER_HELLO => {
            server_hello_extensions(raw).contains(&0x0016)
        }
        _ => false,
    })
}

/// The extension types of a ServerHello (with its 4-byte header).
fn server_hello_extensions(raw: &[u8]) -> Vec<u16> {
    let mut types = vec![];
    let Some(&sid) = raw.get(38) else { return types };
    // cipher_suite(2) compression_method(1) extensions_length(2)
    let mut p = 39 + usize::from(sid) + 3 + 2;
    while let Some(h) = raw.get(p..p + 4) {
        types.push(u16::from_be_bytes([h[0], h[1]]));
        p += 4 + usize::from(u16::from_be_bytes([h[2], h[3]]));
    }
    types
}

/// For a record we sent under encrypt_then_mac: the MAC we computed and the
/// MAC the record carried on the wire (its last bytes), which differ when
/// the record changed after sealing.
fn sent_mac(s: &Section<'_>, seq: u64, payload: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    if !encrypt_then_mac(s) {
        return None;
    }
    let mac = s.events.iter().find_map(|e| match e {
        OwnedEvent::MacInput(m) if m.direction == Direction::ClientToServer && m.seq == seq => {
            Some(m.mac.to_vec())
        }
        _ => None,
    })?;
    let tail = payload.get(payload.len().checked_sub(mac.len())?..)?;
    Some((mac, tail.to_vec()))
}

/// Whether the section's connection failed, and why in one line.
fn failure_line(s: &Section<'_>) -> Option<String> {
    if let Some(e) = &s.error {
        return Some(e.clone());
    }
    if let Some(f) = s.connection.and_then(ConnectionReport::first_failure) {
        return Some(f.to_string());
    }
    if let Some(e) = s.explanation {
        return Some(e.subject.clone());
    }
    s.events.iter().find_map(|e| match e {
        OwnedEvent::MacCompared {
            equal: false,
            direction,
            seq,
            ..
        } => Some(format!("bad_record_mac: {direction} record seq {seq}")),
        OwnedEvent::AeadOpenFailed { direction, seq, .. } => Some(format!(
            "bad_record_mac: {direction} record seq {seq} did not open"
        )),
        OwnedEvent::AlertReceived(a) if a.level == AlertLevel::FATAL => Some(format!("server sent {a}")),
        OwnedEvent::AlertSent(a) if a.level == AlertLevel::FATAL => Some(format!("we sent {a}")),
        _ => None,
    })
}

fn certainty_text(c: Certainty) -> String {
    match c {
        Certainty::Proven => "proven".into(),
        Certainty::Plausible(score) => format!("plausible (score {score} of 100)"),
        Certainty::RuledOut => "ruled out".into(),
    }
}

fn section(out: &mut String, number: usize, s: &Section<'_>, options: &HtmlOptions, red: &Redactor) {
    let _ = write!(
        out,
        "<section class=\"connection\" id=\"conn{number}\"><h2>{}</h2>",
        esc(&s.title)
    );
    verdict(out, s, red);
    let suite = suite_of(s);
    if let Some(c) = s.connection {
        let _ = write!(
            out,
            "<details><summary>Connection summary</summary><pre>{}</pre></details>",
            esc(&red.text(&c.summary_text(number + 1)))
        );
    }
    let records = ladder::Records::collect(s);
    let failing = ladder::failing_record(s, &records);
    ladder::draw(out, s, &records, failing, suite, options, red);
    schedule::draw(out, s, &records, failing, suite, options, red);
    out.push_str("</section>");
}

/// The verdict at the top of a section.
fn verdict(out: &mut String, s: &Section<'_>, red: &Redactor) {
    let Some(line) = failure_line(s) else {
        let detail = s
            .connection
            .map(|c| {
                if c.all_verified() {
                    "every protected record and both Finished messages verified".to_owned()
                } else {
                    "no failure found; some records could not be checked (see the summary)".to_owned()
                }
            })
            .unwrap_or_else(|| "handshake complete, every record verified".to_owned());
        let _ = write!(
            out,
            "<div class=\"verdict ok\" id=\"verdict\"><span class=\"word\">connected</span><p>{}</p></div>",
            esc(&detail)
        );
        return;
    };
    let _ = write!(
        out,
        "<div class=\"verdict failed\"><span class=\"word\">failed</span><p class=\"symptom\">{}</p>",
        esc(&red.text(&line))
    );
    match s.explanation {
        Some(e) => {
            match (&e.verdict, e.top()) {
                (_, Some(top)) => {
                    let _ = write!(
                        out,
                        "<p class=\"cause\"><b>First cause:</b> {} <span class=\"certainty\">{}</span> <small>({})</small></p>",
                        esc(&red.text(&top.cause.description())),
                        esc(&certainty_text(top.certainty)),
                        esc(e.rfc_of(top)),
                    );
                    if top.evidence.computed.is_empty() && top.evidence.received.is_empty() {
                        let _ = write!(
                            out,
                            "<p class=\"note\">{}</p>",
                            esc(&red.text(&top.evidence.what))
                        );
                    }
                }
                (Verdict::Unknown(reason), None) => {
                    let _ = write!(
                        out,
                        "<p class=\"cause\"><b>No cause could be tested:</b> {}</p>",
                        esc(&red.text(reason))
                    );
                }
                _ => {}
            }
            if let Some(ev) = &e.expected {
                if !ev.computed.is_empty() || !ev.received.is_empty() {
                    out.push_str(&html::side_by_side(&ev.what, &ev.computed, &ev.received, red));
                }
            }
            if let Some(top) = e.top() {
                let ev = &top.evidence;
                if (!ev.computed.is_empty() || !ev.received.is_empty()) && Some(ev) != e.expected.as_ref() {
                    out.push_str(&html::side_by_side(&ev.what, &ev.computed, &ev.received, red));
                }
            }
            sent_record_mac(out, s, red);
            findings(out, e, red);
        }
        None => {
            if let Some(f) = s.connection.and_then(ConnectionReport::first_failure) {
                let _ = write!(
                    out,
                    "<p class=\"cause\"><b>First cause:</b> {} <span class=\"certainty\">{}</span></p>",
                    esc(&red.text(&f.cause.description())),
                    if f.proven { "proven" } else { "not proven" }
                );
                for ev in &f.evidence {
                    let _ = write!(out, "<p class=\"note\">{}</p>", esc(&red.text(ev)));
                }
            }
            // Without an explainer's report, the record layer's own comparison.
            if let Some((d, seq, c, r)) = s.events.iter().find_map(|e| match e {
                OwnedEvent::MacCompared {
                    direction,
                    seq,
                    computed,
                    received,
                    equal: false,
                } => Some((*direction, *seq, computed, received)),
                _ => None,
            }) {
                out.push_str(&html::side_by_side(
                    &format!("record MAC, {d} seq {seq}"),
                    c,
                    r,
                    red,
                ));
            }
        }
    }
    out.push_str("</div>");
}

/// The failing record, when it is one we sent under encrypt_then_mac: the
/// MAC computed over it against the MAC it carried.
fn sent_record_mac(out: &mut String, s: &Section<'_>, red: &Redactor) {
    let records = ladder::Records::collect(s);
    let Some(r) = ladder::failing_record(s, &records).map(|i| &records.list[i]) else {
        return;
    };
    if r.dir != Direction::ClientToServer || !r.view.protected {
        return;
    }
    if let Some((computed, carried)) = sent_mac(s, r.view.seq, &r.view.payload) {
        out.push_str(&html::side_by_side(
            &format!(
                "record MAC, client->server seq {}: computed over the record (MAC input) against the MAC the record carried (encrypt_then_mac)",
                r.view.seq
            ),
            &computed,
            &carried,
            red,
        ));
    }
}

/// Every finding the explainer ranked.
fn findings(out: &mut String, e: &Explanation, red: &Redactor) {
    let _ = write!(
        out,
        "<details class=\"findings\"><summary>All {} findings ({} recomputations)</summary>",
        e.ranked.len(),
        e.recomputations
    );
    if !e.facts.is_empty() {
        out.push_str("<ul>");
        for f in &e.facts {
            let _ = write!(out, "<li>{}</li>", esc(&red.text(f)));
        }
        out.push_str("</ul>");
    }
    out.push_str("<table class=\"findings\"><tr><th>cause</th><th>certainty</th><th>evidence</th></tr>");
    for f in &e.ranked {
        let _ = write!(
            out,
            "<tr><td>{}<br><small>{}</small></td><td>{}</td><td>{}{}</td></tr>",
            esc(&red.text(&f.cause.description())),
            esc(e.rfc_of(f)),
            esc(&certainty_text(f.certainty)),
            esc(&red.text(&f.evidence.what)),
            f.decide_by
                .as_ref()
                .map(|d| format!("<br><i>decide by:</i> {}", esc(&red.text(d))))
                .unwrap_or_default()
        );
    }
    out.push_str("</table></details>");
}

/// An observer that keeps what a report needs in bounded memory: every
/// handshake, key-schedule and alert event, the first `limit` records with
/// their MAC/AEAD events, and later records only when they fail (with the
/// few events before them). Left-out records are counted in [`Gap`]s.
#[derive(Clone, Debug)]
pub struct ReportRecorder {
    /// The kept events.
    pub events: Vec<OwnedEvent>,
    /// Where records were left out.
    pub gaps: Vec<Gap>,
    limit: usize,
    records: usize,
    window: VecDeque<OwnedEvent>,
    pending: Gap,
}

/// Record-scoped events kept in the window once the limit is reached.
const WINDOW: usize = 32;

impl ReportRecorder {
    /// Keeps the first `limit` records in full.
    pub fn new(limit: usize) -> ReportRecorder {
        ReportRecorder {
            events: vec![],
            gaps: vec![],
            limit,
            records: 0,
            window: VecDeque::new(),
            pending: Gap {
                position: 0,
                records: 0,
                bytes: 0,
            },
        }
    }

    /// Ends recording: left-out records at the end become the last gap.
    pub fn finish(mut self) -> ReportRecorder {
        while let Some(e) = self.window.pop_front() {
            self.drop_event(&e);
        }
        self.close_gap();
        self
    }

    fn close_gap(&mut self) {
        if self.pending.records > 0 {
            self.pending.position = self.events.len();
            self.gaps.push(self.pending);
        }
        self.pending = Gap {
            position: 0,
            records: 0,
            bytes: 0,
        };
    }

    fn drop_event(&mut self, e: &OwnedEvent) {
        if let OwnedEvent::RecordIn(r) | OwnedEvent::RecordOut(r) = e {
            self.pending.records += 1;
            self.pending.bytes += 5 + r.payload.len() as u64;
        }
    }

    /// Keeps the window (the failing record and what led to it).
    fn flush(&mut self) {
        self.close_gap();
        self.events.extend(self.window.drain(..));
    }
}

fn record_scoped(e: &Event<'_>) -> bool {
    matches!(
        e,
        Event::RecordIn(_)
            | Event::RecordOut(_)
            | Event::MacInput(_)
            | Event::CbcPadding(_)
            | Event::MacCompared { .. }
            | Event::AeadNonce(_)
            | Event::AeadAad { .. }
            | Event::AeadOpenFailed { .. }
            | Event::ApplicationData { .. }
    )
}

fn is_failure(e: &Event<'_>) -> bool {
    match e {
        Event::MacCompared { equal, .. } => !equal,
        Event::AeadOpenFailed { .. } => true,
        Event::CbcPadding(p) => !p.well_formed,
        Event::FinishedVerify {
            computed, received, ..
        } => computed != received,
        Event::AlertReceived(a) | Event::AlertSent(a) => a.level == AlertLevel::FATAL,
        _ => false,
    }
}

impl Observer for ReportRecorder {
    fn on_event(&mut self, event: &Event<'_>) {
        if matches!(event, Event::RecordIn(_) | Event::RecordOut(_)) {
            self.records += 1;
        }
        let owned = OwnedEvent::from(event);
        if self.records <= self.limit || !record_scoped(event) {
            if is_failure(event) || !self.window.is_empty() {
                self.flush();
            }
            self.events.push(owned);
            return;
        }
        self.window.push_back(owned);
        if is_failure(event) {
            self.flush();
            return;
        }
        while self.window.len() > WINDOW {
            if let Some(e) = self.window.pop_front() {
                self.drop_event(&e);
            }
        }
    }
}

/// A [`ReportRecorder`] shared with whoever draws the page once the
/// connection is over (the observer itself is handed to the client), with a
/// place for the error and the explainer's report.
#[derive(Clone)]
pub struct SharedReport(std::rc::Rc<std::cell::RefCell<Shared>>);

/// What a [`SharedReport`] holds: the events, the error, the explanation.
type Shared = (ReportRecorder, Option<String>, Option<Explanation>);

impl SharedReport {
    /// An empty report keeping `limit` records in full.
    pub fn new(limit: usize) -> SharedReport {
        SharedReport(std::rc::Rc::new(std::cell::RefCell::new((
            ReportRecorder::new(limit),
            None,
            None,
        ))))
    }

    /// Notes how the connection failed and the explainer's report.
    pub fn failed(&self, error: String, explanation: Option<Explanation>) {
        let mut r = self.0.borrow_mut();
        r.1 = Some(error);
        r.2 = explanation;
    }

    /// The page: `server` names the connection.
    pub fn html(&self, options: &HtmlOptions, server: &str) -> String {
        let r = self.0.borrow();
        let rec = r.0.clone().finish();
        let s = Section {
            title: format!("connection to {server}"),
            events: &rec.events,
            gaps: &rec.gaps,
            error: r.1.clone(),
            explanation: r.2.as_ref(),
            connection: None,
        };
        render(options, "", &[s])
    }
}

impl Observer for SharedReport {
    fn on_event(&mut self, event: &Event<'_>) {
        self.0.borrow_mut().0.on_event(event);
    }
}

/// The direction's lane name.
fn lane(d: Direction) -> &'static str {
    match d {
        Direction::ClientToServer => "client → server",
        Direction::ServerToClient => "server → client",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::RecordView;
    use crate::wire::{Alert, AlertDescription, ContentType, ProtocolVersion};

    fn record_in(seq: u64, payload: &[u8]) -> Event<'_> {
        static HEADER: [u8; 5] = [23, 3, 3, 0, 0];
        Event::RecordIn(RecordView {
            content_type: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLS12,
            header: &HEADER,
            payload,
            seq,
            protected: true,
        })
    }

    /// A long connection keeps its first records, counts the rest in a gap,
    /// and keeps the one that failed wherever it is.
    #[test]
    fn report_recorder_is_bounded_and_keeps_the_failure() {
        let payload = [0u8; 1000];
        let mut rec = ReportRecorder::new(10);
        for seq in 0..100_000u64 {
            rec.on_event(&record_in(seq, &payload));
            rec.on_event(&Event::MacCompared {
                direction: Direction::ServerToClient,
                seq,
                computed: &[1; 20],
                received: if seq == 77_777 { &[2; 20] } else { &[1; 20] },
                equal: seq != 77_777,
            });
        }
        rec.on_event(&Event::AlertSent(Alert::fatal(AlertDescription::BAD_RECORD_MAC)));
        let rec = rec.finish();
        assert!(rec.events.len() < 100, "{} events kept", rec.events.len());
        let failing = rec
            .events
            .iter()
            .position(|e| {
                matches!(
                    e,
                    OwnedEvent::MacCompared {
                        equal: false,
                        seq: 77_777,
                        ..
                    }
                )
            })
            .expect("the failure is kept");
        assert!(matches!(&rec.events[failing - 1], OwnedEvent::RecordIn(r) if r.seq == 77_777));
        let left_out: u64 = rec.gaps.iter().map(|g| g.records).sum();
        let kept = rec
            .events
            .iter()
            .filter(|e| matches!(e, OwnedEvent::RecordIn(_)))
            .count() as u64;
        assert_eq!(left_out + kept, 100_000);
        assert_eq!(rec.gaps.iter().map(|g| g.bytes).sum::<u64>(), left_out * 1005);

        // Drawn: the failing record is marked, the rest summarised, and the
        // page stays small.
        let s = Section {
            title: "long".into(),
            events: &rec.events,
            gaps: &rec.gaps,
            ..Section::default()
        };
        let page = render(&HtmlOptions::default(), "", &[s]);
        assert!(page.len() < 500_000, "{} bytes", page.len());
        assert_eq!(page.matches(" failing\"").count(), 1);
        assert!(page.contains("more records"));
        assert!(page.contains("<div class=\"verdict failed\">"));
    }

    /// The smallest trace there is: one record and nothing else (no
    /// handshake, no keys). The page still says what it knows: one record
    /// in the ladder, no verdict it cannot support, no key schedule.
    #[test]
    fn a_one_record_trace_is_drawn() {
        let events = [OwnedEvent::from(&record_in(0, &[1, 2, 3]))];
        let s = Section {
            title: "one record".into(),
            events: &events,
            ..Section::default()
        };
        let page = render(&HtmlOptions::default(), "", &[s]);
        assert_eq!(page.matches("<details class=\"rec ").count(), 1, "{page}");
        assert!(page.contains("01 02 03"), "{page}");
        assert!(!page.contains(" failing\""), "{page}");
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(esc("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
        assert_eq!(esc("a\u{0}b"), "a\\u{0}b");
    }

    #[test]
    fn redaction_replaces_a_secret_inside_other_bytes_and_text() {
        let red = Redactor {
            on: true,
            secrets: vec![vec![0xaa; 8]],
        };
        let mut bytes = vec![1, 2];
        bytes.extend([0xaa; 8]);
        bytes.push(3);
        let h = html::hex_span(&bytes, &red, None, 100);
        assert!(!h.contains("aa"), "{h}");
        assert!(h.contains("01 02") && h.contains("03"));
        assert_eq!(red.text(&format!("x{}y", "AA".repeat(8))), "x[redacted]y");
    }
}
