//! Helpers shared by test files of this package that run the `tlslab`
//! command; each includes this module with `mod common;`. (Helpers that do
//! not need the command live in `tlslab_peers::testkit`.)

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tlslab_cli::net::Timeouts;

/// Runs the `tlslab` command built for these tests with `args` and no
/// standard input: its exit code (-1 when a signal ended it), standard
/// output and standard error.
pub fn tlslab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `tlslab connect ADDR --servername SERVER_NAME --ca CA` with `options`
/// after them, as [`tlslab`] runs it.
pub fn connect(addr: SocketAddr, server_name: &str, ca: &Path, options: &[&str]) -> (i32, String, String) {
    let addr = addr.to_string();
    let mut args = vec![
        "connect",
        &addr,
        "--servername",
        server_name,
        "--ca",
        ca.to_str().unwrap(),
    ];
    args.extend(options);
    tlslab(&args)
}

/// The lines of a `--json` output whose `event` is `name`.
pub fn events<'a>(lines: &'a [Value], name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    lines.iter().filter(move |l| l["event"] == name)
}

/// Five seconds to connect and to write, `read` to wait for the server.
pub fn timeouts(read: Duration) -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        read,
        write: Duration::from_secs(5),
    }
}
