//! `tlslab explain CAPTURE [--keylog FILE] [--server-key FILE] [--json]`.

use std::path::Path;

use tlslab::capture::{analyze_connection, read_capture, CaptureReport, KeyLog, KeySources, ServerKey};
use tlslab::explain::notices::Watch;
use tlslab::internal::tcp::reassemble;
use tlslab::observer::{Event, JsonLog, Observer, TextLog};
use tlslab::report::{self, HtmlOptions, ReportRecorder};

use super::args::ExplainArgs;
use super::CliError;

fn read(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {what} {}: {e}", path.display())))
}

/// Two observers of one connection.
/// The trace, the notices watch and (with `--html`) the page's recorder,
/// fed the same events.
struct Fan<'a> {
    trace: &'a mut dyn Observer,
    watch: &'a mut Watch,
    page: Option<&'a mut ReportRecorder>,
}

impl Observer for Fan<'_> {
    fn on_event(&mut self, e: &Event<'_>) {
        self.trace.on_event(e);
        self.watch.on_event(e);
        if let Some(page) = self.page.as_deref_mut() {
            page.on_event(e);
        }
    }
}

/// Reads the capture, explains every connection: events, then its summary.
pub fn run(o: &ExplainArgs) -> Result<(), CliError> {
    let mut secrets = KeySources::default();
    if let Some(p) = &o.keylog {
        let text = String::from_utf8_lossy(&read(p, "key log")?).into_owned();
        secrets.keylog = KeyLog::parse(&text);
        for (line, why) in secrets.keylog.ignored.iter().take(5) {
            eprintln!("warning: {}:{line}: ignored ({why})", p.display());
        }
    }
    if let Some(p) = &o.server_key {
        let text = String::from_utf8_lossy(&read(p, "server key")?).into_owned();
        secrets.server_key =
            Some(ServerKey::from_pem(&text).map_err(|e| CliError::Other(format!("{}: {e}", p.display())))?);
    }
    let bytes = read(&o.capture, "capture")?;
    let capture =
        read_capture(&bytes).map_err(|e| CliError::Other(format!("{}: {e}", o.capture.display())))?;
    let (connections, statistics) = reassemble(&capture.packets);
    let mut report = CaptureReport {
        format: capture.format,
        stopped: capture.stopped.clone(),
        statistics,
        empty_connections: 0,
        connections: vec![],
    };
    let stdout = std::io::stdout();
    let mut log: Box<dyn Observer> = if o.json {
        Box::new(JsonLog::new(stdout.lock()))
    } else {
        Box::new(TextLog::new(stdout.lock()))
    };
    let mut number = 0;
    let mut recorded = vec![];
    for c in &connections {
        if c.streams.iter().all(|s| s.data.is_empty() && s.gaps.is_empty()) {
            report.empty_connections += 1;
            continue;
        }
        number += 1;
        if !o.json {
            outln!(
                "══ connection {number}: {} ↔ {} (from frame {})",
                c.client,
                c.server,
                c.first_packet
            );
        }
        // The notices watch and the page's recorder see the same events as
        // the trace: what the connection shows that does not break it (a
        // repeated GCM nonce, an oversized record), and what the page draws.
        let mut watch = Watch::new();
        let mut rec = o
            .html
            .as_ref()
            .map(|_| ReportRecorder::new(HtmlOptions::default().record_limit));
        let r = analyze_connection(
            c,
            &secrets,
            &mut Fan {
                trace: &mut *log,
                watch: &mut watch,
                page: rec.as_mut(),
            },
        );
        if let Some(rec) = rec {
            recorded.push(rec.finish());
        }
        if !o.json {
            for n in watch.notices() {
                outln!("note: {n} [{}]", n.id());
            }
        }
        if o.json {
            outln!("{}", r.summary_json(number));
        } else {
            out!("{}", r.summary_text(number));
        }
        report.connections.push(r);
    }
    drop(log);
    if o.json {
        outln!("{}", report.summary_json());
    } else {
        out!("{}", report.summary_text());
    }
    if let Some(path) = &o.html {
        let options = HtmlOptions {
            title: format!("tlslab explain {}", o.capture.display()),
            redact: o.redact,
            ..HtmlOptions::default()
        };
        let page = report::capture_report_html(&options, &report, &recorded);
        std::fs::write(path, page)
            .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
        if !o.json {
            outln!("HTML report written to {}", path.display());
        }
    }
    Ok(())
}
