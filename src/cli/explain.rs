//! `tlslab explain CAPTURE [--keylog FILE] [--server-key FILE] [--json]`.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::rc::Rc;

use tlslab::capture::{
    analyze_connection, is_empty_connection, CaptureReport, ConnectionReport, Connections, KeyLog,
    KeySources, ServerKey,
};
use tlslab::explain::notices::Watch;
use tlslab::observer::{Event, JsonLog, Observer, TextLog, TraceLevel};
use tlslab::report::{self, HtmlOptions, ReportRecorder};

use super::args::{ExplainArgs, TraceFormat};
use super::CliError;

fn read(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {what} {}: {e}", path.display())))
}

fn open(capture: &Path) -> Result<File, CliError> {
    File::open(capture)
        .map_err(|e| CliError::Other(format!("cannot read capture {}: {e}", capture.display())))
}

/// The notices watch and (with `--html`) the page's recorder, and in the
/// JSON output the trace, fed the same events.
struct Fan<'a> {
    trace: Option<&'a mut dyn Observer>,
    watch: &'a mut Watch,
    page: Option<&'a mut ReportRecorder>,
}

impl Observer for Fan<'_> {
    fn on_event(&mut self, e: &Event<'_>) {
        if let Some(t) = self.trace.as_deref_mut() {
            t.on_event(e);
        }
        self.watch.on_event(e);
        if let Some(page) = self.page.as_deref_mut() {
            page.on_event(e);
        }
    }
}

/// Reads the capture and explains every connection, each as soon as it is
/// closed (the capture is streamed, never held whole). Text: the capture's
/// summary, then each connection's summary (the failing ones first, each
/// with its evidence), then, only with `--trace LEVEL`, each connection's
/// trace (from a second pass over the file, since the summaries come
/// first). JSON: every event, then each connection's
/// summary, then the capture's.
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
    let file = open(&o.capture)?;
    let mut connections =
        Connections::new(file).map_err(|e| CliError::Other(format!("{}: {e}", o.capture.display())))?;
    let stdout = std::io::stdout();
    let mut json = o.json.then(|| JsonLog::new(stdout.lock()));
    let mut number = 0;
    let mut empty = 0;
    let mut analysed = vec![];
    let mut recorded = vec![];
    // (number, its notices) for the text output.
    let mut notices = vec![];
    for c in connections.by_ref() {
        if is_empty_connection(&c) {
            empty += 1;
            continue;
        }
        number += 1;
        // The notices watch and the page's recorder see the same events as
        // the trace: what the connection shows that does not break it (a
        // repeated GCM nonce, an oversized record), and what the page draws.
        let mut watch = Watch::new();
        let mut rec = o
            .html
            .as_ref()
            .map(|_| ReportRecorder::new(HtmlOptions::default().record_limit));
        let r = analyze_connection(
            &c,
            &secrets,
            &mut Fan {
                trace: json.as_mut().map(|j| j as &mut dyn Observer),
                watch: &mut watch,
                page: rec.as_mut(),
            },
        );
        // A later connection that resumes this one's session finds its keys.
        for (id, ms) in &r.sessions {
            secrets.keylog.remember_session(id.clone(), *ms);
        }
        if let Some(rec) = rec {
            recorded.push(rec.finish());
        }
        if o.json {
            outln!("{}", r.summary_json(number));
        } else {
            let notes: Vec<String> = watch
                .notices()
                .iter()
                .map(|n| format!("   note: {n} [{}]\n", n.id()))
                .collect();
            notices.push((number, notes));
        }
        analysed.push(r);
    }
    drop(json);
    let mut report: CaptureReport = connections.empty_report();
    report.empty_connections = empty;
    report.connections = analysed;
    if o.json {
        outln!("{}", report.summary_json());
    } else {
        out!("{}", super::wrap(&report.summary_text()));
        // The failing connections first, each with its evidence.
        let failing = |r: &ConnectionReport| r.first_failure().is_some();
        for want_failing in [true, false] {
            for ((number, notes), r) in notices.iter().zip(&report.connections) {
                if failing(r) == want_failing {
                    out!("{}", super::wrap(&r.summary_text(*number)));
                    for n in notes {
                        out!("{}", super::wrap(n));
                    }
                }
            }
        }
        if let Some(level) = o.trace {
            // A second pass over the file: the trace comes after every
            // summary, and may be far larger than memory should hold.
            let file = open(&o.capture)?;
            let connections = Connections::new(file)
                .map_err(|e| CliError::Other(format!("{}: {e}", o.capture.display())))?;
            let out = Shared(Rc::new(RefCell::new(BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            ))));
            let mut log = trace_observer(level, o.redact, Box::new(out.clone()));
            for (number, c) in (1..).zip(connections.filter(|c| !is_empty_connection(c))) {
                let _ = writeln!(
                    out.clone(),
                    "══ trace of connection {number}: {} ↔ {} (from frame {})",
                    c.client,
                    c.server,
                    c.first_packet
                );
                analyze_connection(&c, &secrets, &mut log);
            }
            drop(log);
            let _ = out.0.borrow_mut().flush();
        }
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

/// Standard output behind one buffer, shared by the trace observer and the
/// per-connection headers (a line-buffered standard output would make a
/// system call per line of a trace that can run to gigabytes).
#[derive(Clone)]
struct Shared(Rc<RefCell<BufWriter<std::io::Stdout>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.borrow_mut().write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// The `--trace` observer, writing to `out`.
fn trace_observer(level: TraceFormat, redact: bool, out: Box<dyn Write>) -> Box<dyn Observer> {
    match level {
        TraceFormat::Json => Box::new(JsonLog::new(out).with_messages()),
        TraceFormat::Text if redact => Box::new(TextLog::redacted(out)),
        TraceFormat::Text => Box::new(TextLog::new(out)),
        TraceFormat::Summary => super::ladder(out, TraceLevel::Summary, redact),
        TraceFormat::Messages => super::ladder(out, TraceLevel::Messages, redact),
        TraceFormat::Values => super::ladder(out, TraceLevel::Values, redact),
        TraceFormat::Bytes => super::ladder(out, TraceLevel::Bytes, redact),
    }
}
