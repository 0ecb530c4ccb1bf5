//! `tlslab explain CAPTURE [--keylog FILE] [--server-key FILE] [--json]`.

use std::io::Write;
use std::path::PathBuf;

use tlslab::capture::{analyze_connection, read_capture, CaptureReport, KeyLog, KeySources, ServerKey};
use tlslab::internal::tcp::reassemble;
use tlslab::observer::{JsonLog, Observer, TextLog};

use super::CliError;

/// The options of `explain`.
#[derive(Default)]
pub struct ExplainOptions {
    capture: PathBuf,
    keylog: Option<PathBuf>,
    server_key: Option<PathBuf>,
    json: bool,
}

impl ExplainOptions {
    pub fn parse(args: &[String]) -> Result<ExplainOptions, CliError> {
        let mut o = ExplainOptions::default();
        let mut capture = None;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| CliError::Usage(format!("{name} needs a value")))
            };
            match a.as_str() {
                "--keylog" => o.keylog = Some(value(a)?.into()),
                "--server-key" => o.server_key = Some(value(a)?.into()),
                "--json" => o.json = true,
                s if s.starts_with('-') => return Err(CliError::Usage(format!("unknown option '{s}'"))),
                s if capture.is_none() => capture = Some(PathBuf::from(s)),
                s => return Err(CliError::Usage(format!("unexpected argument '{s}'"))),
            }
        }
        o.capture = capture.ok_or_else(|| CliError::Usage("explain needs a CAPTURE file".into()))?;
        Ok(o)
    }
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {what} {}: {e}", path.display())))
}

/// Reads the capture, explains every connection: events, then its summary.
pub fn run(o: &ExplainOptions) -> Result<(), CliError> {
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
            println!(
                "══ connection {number}: {} ↔ {} (from frame {})",
                c.client, c.server, c.first_packet
            );
        }
        let r = analyze_connection(c, &secrets, &mut *log);
        if o.json {
            println!("{}", r.summary_json(number));
        } else {
            print!("{}", r.summary_text(number));
        }
        report.connections.push(r);
    }
    drop(log);
    if o.json {
        println!("{}", report.summary_json());
    } else {
        print!("{}", report.summary_text());
    }
    std::io::stdout().flush().ok();
    Ok(())
}
