//! `tlslab explain CAPTURE [--keylog FILE] [--server-key FILE] [--json]`.

use std::path::Path;

use tlslab::capture::{analyze_connection, read_capture, CaptureReport, KeyLog, KeySources, ServerKey};
use tlslab::internal::tcp::reassemble;
use tlslab::observer::{JsonLog, Observer, TextLog};

use super::args::ExplainArgs;
use super::CliError;

fn read(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {what} {}: {e}", path.display())))
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
        let r = analyze_connection(c, &secrets, &mut *log);
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
    Ok(())
}
