//! A rustls (ring provider) echo server: `examples/rustls_server.rs`, run as
//! its own process because rustls is a dev-dependency only.
//!
//! Command line: `target/<profile>/examples/rustls_server --cert cert.pem
//! --key key.pem [--suites HEX,..] [--groups HEX,..]`, with
//! `SSLKEYLOGFILE=keylog.txt`. It picks its own port and prints it.
//!
//! Where the binary is found, and how it is built when missing: [`binary`].
//!
//! rustls has no CBC suites, no RSA key transport and no finite-field DHE; it
//! always accepts extended_master_secret (no switch turns that off); and
//! since it has no CBC suites, encrypt_then_mac never applies.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use super::process::Plan;
use super::{PeerOptions, Prepared, SuiteSource};
use tlslab::Error;

/// Where the `rustls_server` example binary is, building it first if it is
/// missing and the program runs under Cargo.
///
/// Looked for in `TLSLAB_RUSTLS_SERVER`, else in the `examples` directory of
/// the running program's target directory (`target/<profile>/examples`, the
/// program being `target/<profile>/deps/<test>` or `target/<profile>/<bin>`).
/// `cargo test --all-targets` does not make it there (it builds examples as
/// test harnesses), so when it is missing and `CARGO` and
/// `CARGO_MANIFEST_DIR` are set (as they are under `cargo test`), this runs
/// `cargo build --example rustls_server --profile <profile>` once.
pub fn binary() -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os("TLSLAB_RUSTLS_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io(format!("peer: current_exe: {e}")))?;
    let name = format!("rustls_server{}", std::env::consts::EXE_SUFFIX);
    let find = || {
        exe.ancestors()
            .skip(1)
            .take(2)
            .map(|d| d.join("examples").join(&name))
            .find(|p| p.is_file())
    };
    if let Some(p) = find() {
        return Ok(p);
    }
    // One build at a time, for tests that start rustls peers in parallel.
    static BUILD: Mutex<()> = Mutex::new(());
    let _guard = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = find() {
        return Ok(p);
    }
    let not_built = |why: String| {
        Error::io(format!(
            "peer: the rustls server is not built next to {} ({why}): run `cargo build --example \
             rustls_server`, or set TLSLAB_RUSTLS_SERVER",
            exe.display()
        ))
    };
    let (Some(cargo), Some(manifest_dir)) =
        (std::env::var_os("CARGO"), std::env::var_os("CARGO_MANIFEST_DIR"))
    else {
        return Err(not_built("not running under cargo".into()));
    };
    // The profile directory: `debug` is the `dev` profile.
    let profile_dir = exe
        .ancestors()
        .skip(1)
        .find(|d| d.join("examples").is_dir() || d.join("deps").is_dir())
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "debug".into());
    let profile = if profile_dir == "debug" {
        "dev".to_owned()
    } else {
        profile_dir
    };
    let mut build = Command::new(cargo);
    build
        .args([
            "build",
            "--quiet",
            "--example",
            "rustls_server",
            "--profile",
            &profile,
        ])
        .current_dir(manifest_dir);
    // Cargo sets these for the running test; passed on, they would look like
    // a changed environment to build scripts that watch them (ring's does),
    // and rebuild the crate graph for nothing.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        let set_by_cargo = ["CARGO_PKG_", "CARGO_BIN_", "CARGO_CRATE_", "CARGO_MANIFEST_"]
            .iter()
            .any(|p| k.starts_with(p))
            || [
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
            ]
            .contains(&k.as_ref());
        if set_by_cargo {
            build.env_remove(k.as_ref());
        }
    }
    let out = build
        .stdin(Stdio::null())
        .output()
        .map_err(|e| not_built(format!("cargo build: {e}")))?;
    if !out.status.success() {
        return Err(not_built(format!(
            "cargo build failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    find().ok_or_else(|| not_built("cargo build made no binary there".into()))
}

pub(super) fn prepare(opts: &PeerOptions, dir: &Path) -> Result<Prepared, Error> {
    if !opts.ems {
        return Err(Error::config(
            "a rustls server always accepts extended_master_secret; it cannot be turned off",
        ));
    }
    let mut args: Vec<String> = ["--cert", "cert.pem", "--key", "key.pem"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Some(s) = &opts.suites {
        let hex: Vec<String> = s.iter().map(|c| format!("{:04x}", c.0)).collect();
        args.extend(["--suites".into(), hex.join(",")]);
    }
    if let Some(g) = &opts.groups {
        let hex: Vec<String> = g.iter().map(|c| format!("{:04x}", c.0)).collect();
        args.extend(["--groups".into(), hex.join(",")]);
    }
    let keylog = dir.join("keylog.txt");
    Ok(Prepared {
        plan: Plan {
            program: binary()?.display().to_string(),
            args,
            env: vec![("SSLKEYLOGFILE".into(), keylog.display().to_string())],
            files: vec![],
            ready_line: "LISTENING".into(),
            install_hint: "run `cargo build --example rustls_server`",
        },
        suites: SuiteSource::PrintedByServer,
        keylog: Some(keylog),
        version: String::new(),
    })
}
