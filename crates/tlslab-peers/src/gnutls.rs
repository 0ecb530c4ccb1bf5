//! `gnutls-serv` (GnuTLS 3.7, Debian package gnutls-bin) in echo mode.
//!
//! Command line: `gnutls-serv --echo --disable-client-cert --port PORT
//! --x509certfile cert.pem --x509keyfile key.pem --priority PRIORITY`, with
//! `SSLKEYLOGFILE=keylog.txt` in its environment (GnuTLS writes the NSS key
//! log there, `CLIENT_RANDOM` lines for TLS 1.2).
//!
//! The priority string starts from `NORMAL:-VERS-ALL:+VERS-TLS1.2` (or
//! `+VERS-TLS1.0`, `+VERS-TLS1.1` for a server of an old version). GnuTLS
//! enables suites by key exchange × cipher × MAC (`-KX-ALL:+ECDHE-RSA:
//! -CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD`), so asking for two suites can
//! enable a third that combines their parts; the suites really enabled are
//! read back from `gnutls-serv --list --priority PRIORITY`.
//! `%NO_SESSION_HASH` turns extended_master_secret off, `%NO_ETM`
//! encrypt_then_mac (both checked against a ServerHello on GnuTLS 3.7.9).
//!
//! Quirks: there is no option for the listening address, so it listens on
//! every interface (IPv4 and IPv6) while it runs. Without
//! `--disable-client-cert` it sends a CertificateRequest.

use std::path::Path;
use std::process::{Command, Stdio};

use super::names::{gnutls_group, gnutls_suite};
use super::process::{Plan, PORT};
use super::{PeerOptions, Prepared, SuiteSource};
use tlslab::wire::CipherSuite;
use tlslab::Error;

const HINT: &str = "install the Debian package gnutls-bin";

/// The priority string for `opts`.
pub(crate) fn priority(opts: &PeerOptions) -> Result<String, Error> {
    let version = match opts.version.map(|v| v.0) {
        Some(0x0301) => "TLS1.0",
        Some(0x0302) => "TLS1.1",
        Some(0x0303) | None => "TLS1.2",
        Some(other) => {
            return Err(Error::config(format!(
                "peer: gnutls-serv is not set up for version 0x{other:04x}"
            )))
        }
    };
    let mut p = format!("NORMAL:-VERS-ALL:+VERS-{version}");
    if let Some(suites) = &opts.suites {
        let (mut kx, mut ciphers, mut macs) = (vec![], vec![], vec![]);
        for &s in suites {
            let (k, c, m) = gnutls_suite(s)?;
            for (list, item) in [(&mut kx, k), (&mut ciphers, c), (&mut macs, m)] {
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        }
        p.push_str(":-KX-ALL");
        kx.iter().for_each(|k| p.push_str(&format!(":+{k}")));
        p.push_str(":-CIPHER-ALL");
        ciphers.iter().for_each(|c| p.push_str(&format!(":+{c}")));
        p.push_str(":-MAC-ALL");
        macs.iter().for_each(|m| p.push_str(&format!(":+{m}")));
    }
    if let Some(groups) = &opts.groups {
        p.push_str(":-GROUP-ALL");
        for &g in groups {
            p.push_str(&format!(":+{}", gnutls_group(g)?));
        }
    }
    if !opts.ems {
        p.push_str(":%NO_SESSION_HASH");
    }
    if !opts.etm {
        p.push_str(":%NO_ETM");
    }
    Ok(p)
}

/// The suites `gnutls-serv --list --priority P` prints, lines like
/// `TLS_ECDHE_RSA_AES_128_GCM_SHA256   0xc0, 0x2f   TLS1.2`.
fn enabled_suites(priority: &str) -> Result<Vec<CipherSuite>, Error> {
    let out = Command::new("gnutls-serv")
        .args(["--list", "--priority", priority])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("peer: `gnutls-serv` not found ({e}): {HINT}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.trim().is_empty() {
        return Err(Error::config(format!(
            "gnutls-serv rejects the priority string {priority}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(text
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once("0x")?;
            let (hi, rest) = rest.split_once(',')?;
            let lo = rest.trim_start().strip_prefix("0x")?.get(..2)?;
            let hi = u8::from_str_radix(hi.trim(), 16).ok()?;
            let lo = u8::from_str_radix(lo, 16).ok()?;
            Some(CipherSuite(u16::from_be_bytes([hi, lo])))
        })
        .collect())
}

pub(super) fn prepare(opts: &PeerOptions, dir: &Path) -> Result<Prepared, Error> {
    let priority = priority(opts)?;
    let suites = enabled_suites(&priority)?;
    let args = [
        "--echo",
        "--disable-client-cert",
        "--port",
        PORT,
        "--x509certfile",
        "cert.pem",
        "--x509keyfile",
        "key.pem",
        "--priority",
        &priority,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let keylog = dir.join("keylog.txt");
    Ok(Prepared {
        plan: Plan {
            program: "gnutls-serv".into(),
            args,
            env: vec![("SSLKEYLOGFILE".into(), keylog.display().to_string())],
            files: vec![],
            // "Echo Server listening on IPv4 0.0.0.0 port N...done"; on a failed
            // bind the line ends "...bind() failed: Address already in use".
            ready_line: format!("IPv4 0.0.0.0 port {PORT}...done"),
            install_hint: HINT,
        },
        suites: SuiteSource::Known(suites),
        keylog: Some(keylog),
        version: super::first_line_of("gnutls-serv", &["--version"]),
    })
}
