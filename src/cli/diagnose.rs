//! `tlslab diagnose HOST:PORT`: the matrix of handshakes against a live server.

use std::io::Write;

use tlslab_cli::diagnose::{self, Outcome};

use super::args::DiagnoseArgs;
use super::{host_of, CliError};

/// Runs the probes with a progress bar on standard error, then prints the
/// report (text, or JSON with `--json`). Exit status 1 when the report
/// finds the server or the path at fault ([`diagnose::Report::faulty`]). `flags` are the user's flags as typed
/// (without HOST:PORT), repeated in the commands that reproduce each probe.
pub fn run(a: &DiagnoseArgs, flags: &[String]) -> Result<(), CliError> {
    let o = &a.options;
    // Check the options (and --server-key, --ca files) once before probing.
    o.config(host_of(&a.addr))?;
    super::legacy_version_warning(o.min_version.protocol_version());
    let make = || {
        o.config(host_of(&a.addr)).map_err(|e| match e {
            CliError::Tls(e) => e,
            CliError::Usage(m) | CliError::Other(m) => tlslab::Error::config(m),
        })
    };
    let mut progress = |done: usize, total: usize, row: &diagnose::Row| {
        let width = 30;
        let filled = done * width / total;
        let mark = match row.outcome {
            Outcome::Works { .. } => "ok",
            Outcome::Fails { .. } => "FAIL",
        };
        eprint!(
            "\r[{}{}] {done}/{total} {:<4} {:<50}",
            "#".repeat(filled),
            " ".repeat(width - filled),
            mark,
            row.probe.label
        );
        let _ = std::io::stderr().flush();
        if done == total {
            eprintln!();
        }
    };
    let options = diagnose::Options {
        repeat: a.repeat.unwrap_or(diagnose::Options::default().repeat),
        ..diagnose::Options::default()
    };
    let mut report = diagnose::diagnose_with(&a.addr, &make, o.timeouts(), &options, &mut progress)?;
    report.base_flags = flags
        .iter()
        .filter(|f| *f != "--json")
        .map(|f| {
            if f.contains(' ') {
                format!(" '{f}'")
            } else {
                format!(" {f}")
            }
        })
        .collect();
    if report.rows.iter().any(|r| r.probe.version.is_some()) {
        eprintln!(
            "WARNING: the default offer failed, so TLS 1.1 and TLS 1.0 were offered to find the server's versions; both are deprecated (RFC 8996)"
        );
    }
    if a.json {
        outln!("{}", report.to_json());
    } else {
        out!("{}", report.to_text());
    }
    if report.faulty() {
        let why = report
            .first_cause()
            .map_or_else(|| "the default offer fails".to_string(), |c| c.statement);
        return Err(CliError::Other(format!(
            "the server or the path is at fault: {why}"
        )));
    }
    Ok(())
}
