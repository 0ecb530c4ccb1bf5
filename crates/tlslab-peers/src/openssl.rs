//! `openssl s_server` (OpenSSL 3.0 on Debian 12) in `-rev` mode.
//!
//! Command line: `openssl s_server -tls1_2 -accept 127.0.0.1:PORT -cert cert.pem
//! -key key.pem -keylogfile keylog.txt -rev [-cipher NAMES] [-groups NAMES] [-no_etm]`
//! (`-tls1` or `-tls1_1` and a cipher string ending in `:@SECLEVEL=0` for
//! the old versions).
//!
//! - Serves one connection at a time; `-rev` sends each line back reversed.
//! - OpenSSL 3.0's `s_server` has no flag against extended_master_secret;
//!   the `Options = -ExtendedMasterSecret` line of an `OPENSSL_CONF` file
//!   (`system_default` section, SSL_CONF_cmd(3)) turns it off.

use std::path::Path;

use super::names::{openssl_ciphers, openssl_group, openssl_suite};
use super::process::{Plan, PORT};
use super::{PeerOptions, Prepared, SuiteSource};
use crate::certs::openssl_bin;
use tlslab::Error;

const NO_EMS_CONF: &str = "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n\
[ssl_sect]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n";

pub(super) fn prepare(opts: &PeerOptions, dir: &Path) -> Result<Prepared, Error> {
    let (version_flag, seclevel) = match opts.version.map(|v| v.0) {
        Some(0x0301) => ("-tls1", ":@SECLEVEL=0"),
        Some(0x0302) => ("-tls1_1", ":@SECLEVEL=0"),
        Some(0x0303) | None => ("-tls1_2", ""),
        Some(other) => {
            return Err(Error::config(format!(
                "peer: openssl s_server is not set up for version 0x{other:04x}"
            )))
        }
    };
    let mut args: Vec<String> = [
        "s_server",
        version_flag,
        "-accept",
        &format!("127.0.0.1:{PORT}"),
        "-cert",
        "cert.pem",
        "-key",
        "key.pem",
        "-keylogfile",
        "keylog.txt",
        "-rev",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cipher = match &opts.suites {
        Some(s) => s
            .iter()
            .map(|&c| openssl_suite(c))
            .collect::<Result<Vec<_>, _>>()?
            .join(":"),
        None => "DEFAULT".to_owned(),
    } + seclevel;
    args.extend(["-cipher".into(), cipher.clone()]);
    if let Some(g) = &opts.groups {
        let g = g
            .iter()
            .map(|&g| openssl_group(g))
            .collect::<Result<Vec<_>, _>>()?;
        args.extend(["-groups".into(), g.join(":")]);
    }
    if !opts.etm {
        args.push("-no_etm".into());
    }
    let mut env = vec![];
    let mut files = vec![];
    if !opts.ems {
        files.push(("openssl-no-ems.cnf".to_owned(), NO_EMS_CONF.to_owned()));
        env.push((
            "OPENSSL_CONF".to_owned(),
            dir.join("openssl-no-ems.cnf").display().to_string(),
        ));
    }
    // What this OpenSSL enables for that version with that cipher string.
    let enabled = openssl_ciphers(&["-s", version_flag, &cipher])?;
    let version = super::first_line_of(&openssl_bin(), &["version"]);
    Ok(Prepared {
        plan: Plan {
            program: openssl_bin(),
            args,
            env,
            files,
            ready_line: "ACCEPT".into(),
            install_hint: "install the Debian package openssl",
        },
        suites: SuiteSource::Known(
            enabled
                .into_iter()
                .map(|(c, _)| tlslab::wire::CipherSuite(c))
                .collect(),
        ),
        keylog: Some(dir.join("keylog.txt")),
        version,
    })
}
