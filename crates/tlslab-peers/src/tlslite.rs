//! tlslite-ng's `tls.py server` (PyPI package tlslite-ng, pure Python) in
//! echo mode.
//!
//! Command line: `python3 tlslite_launcher.py [--suites HEX,..] [--no-ems]
//! [--no-etm] [--fault NAME] [--min-ver VER] --keylog keylog.txt -- server -k key.pem
//! -c cert.pem --echo --max-ver VER [--groups x25519,secp256r1] 127.0.0.1:PORT`
//! (VER tls1.2, or tls1.0 / tls1.1 for a server of one old version).
//!
//! `tls.py server` has no switch for the exact suite list, for
//! extended_master_secret or encrypt_then_mac, and writes no key log. The
//! launcher (`tlslite_launcher.py`, next to this file) adds them by wrapping
//! tlslite-ng functions, then runs the unchanged `tls.py`: the TLS code that
//! answers is tlslite-ng's own. Its key log lines come from tlslite-ng's
//! session state (`session.masterSecret`), so they are tlslite-ng's record of
//! the master secret, not ours. A line is written the moment tlslite-ng
//! derives the master secret of a full handshake, so handshakes that fail
//! later (at Finished) are in the key log too. `--fault NAME` switches on one
//! deliberate server bug (the `hostile` module).
//!
//! Quirks: `--echo` serves connections in parallel (a thread each). Without
//! `--echo` it is an HTTP file server. tlslite-ng 0.8 reads PEM keys in
//! PKCS#1 and PKCS#8 form (what `openssl req` writes). Python is slow: RSA
//! signing makes a handshake take tens of milliseconds, and the server takes
//! about a quarter of a second to start.

use std::path::Path;

use super::names::rfc_group;
use super::process::{Plan, PORT};
use super::{PeerOptions, Prepared, SuiteSource};
use tlslab::Error;

const LAUNCHER: &str = include_str!("tlslite_launcher.py");

fn python() -> String {
    std::env::var("TLSLAB_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

pub(super) fn prepare(opts: &PeerOptions, dir: &Path) -> Result<Prepared, Error> {
    prepare_with(opts, dir, &[], "key.pem")
}

/// Like [`prepare`], with more launcher options (`--fault NAME`, see
/// the `hostile` module) and the private key file handed to `tls.py -k`.
pub(super) fn prepare_with(
    opts: &PeerOptions,
    dir: &Path,
    launcher_opts: &[String],
    key_file: &str,
) -> Result<Prepared, Error> {
    let mut args = vec!["tlslite_launcher.py".to_owned()];
    args.extend(launcher_opts.iter().cloned());
    if let Some(s) = &opts.suites {
        let hex: Vec<String> = s.iter().map(|c| format!("{:04x}", c.0)).collect();
        args.extend(["--suites".into(), hex.join(",")]);
    }
    if !opts.ems {
        args.push("--no-ems".into());
    }
    if !opts.etm {
        args.push("--no-etm".into());
    }
    let version = match opts.version.map(|v| v.0) {
        Some(0x0301) => "tls1.0",
        Some(0x0302) => "tls1.1",
        Some(0x0303) | None => "tls1.2",
        Some(other) => {
            return Err(Error::config(format!(
                "peer: tlslite-ng is not set up for version 0x{other:04x}"
            )))
        }
    };
    // tls.py has --max-ver only; the launcher sets the minimum of a server
    // that speaks one old version only.
    if opts.version.is_some() {
        args.extend(["--min-ver".into(), version.into()]);
    }
    args.extend(["--keylog".into(), "keylog.txt".into(), "--".into()]);
    args.extend(
        [
            "server",
            "-k",
            key_file,
            "-c",
            "cert.pem",
            "--echo",
            "--max-ver",
            version,
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    if let Some(g) = &opts.groups {
        let g = g.iter().map(|&g| rfc_group(g)).collect::<Result<Vec<_>, _>>()?;
        args.extend(["--groups".into(), g.join(",")]);
    }
    args.push(format!("127.0.0.1:{PORT}"));
    Ok(Prepared {
        plan: Plan {
            program: python(),
            args,
            // Unbuffered, so the LISTENING line shows up at once.
            env: vec![("PYTHONUNBUFFERED".into(), "1".into())],
            files: vec![("tlslite_launcher.py".into(), LAUNCHER.into())],
            ready_line: "LISTENING".into(),
            install_hint:
                "install Python 3 (Debian package python3) and then `python3 -m pip install tlslite-ng`",
        },
        suites: SuiteSource::PrintedByServer,
        keylog: Some(dir.join("keylog.txt")),
        version: String::new(),
    })
}
