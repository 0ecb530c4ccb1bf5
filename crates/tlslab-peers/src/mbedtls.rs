//! mbedTLS, through lighttpd's `mod_mbedtls` (Debian packages lighttpd and
//! lighttpd-mod-mbedtls: lighttpd 1.4.69 on mbedTLS 2.28), as an HTTP server.
//!
//! Command line: `lighttpd -D -f lighttpd.conf`, with this configuration:
//!
//! ```text
//! server.port = PORT
//! server.bind = "127.0.0.1"
//! server.document-root = "<dir>/www"          # holds tlslab.txt
//! server.modules = ( "mod_mbedtls" )
//! ssl.engine = "enable"
//! ssl.pemfile = "<dir>/cert.pem"
//! ssl.privkey = "<dir>/key.pem"
//! ssl.openssl.ssl-conf-cmd = ( "MinProtocol" => "TLSv1.2", "MaxProtocol" => "TLSv1.2",
//!     "CipherString" => "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256:...",
//!     "Curves" => "x25519:secp256r1" )
//! ```
//!
//! `mod_mbedtls` reads OpenSSL-style `ssl.openssl.ssl-conf-cmd` keys; in
//! `CipherString` it takes mbedTLS suite names (the IANA name with dashes)
//! and refuses to start on a name it does not know, and in `Curves` mbedTLS
//! curve names. Since the list is always given explicitly, the suites the
//! server enables are exactly the ones asked for (by default every suite
//! tlslab has a name for that mbedTLS 2.28 implements).
//!
//! Limits of this peer: lighttpd has no directive for extended_master_secret
//! or encrypt_then_mac (mbedTLS' defaults, both on, apply), sets up no
//! session-ID cache (only tickets resume), and mbedTLS writes no key log.
//! Quirk: lighttpd logs "server started" on stderr once it listens.

use std::path::Path;

use super::names::{mbedtls_suite, rfc_group};
use super::process::{Plan, PORT};
use super::{PeerOptions, Prepared, SuiteSource};
use tlslab::wire::CipherSuite;
use tlslab::Error;

/// The file served, and the marker its body holds.
pub(crate) const FILE: &str = "tlslab.txt";
/// The body of [`FILE`].
pub(crate) const MARKER: &str = "tlslab peer marker: served by lighttpd/mbedTLS";

/// Every suite of tlslab's client table (named in [`CipherSuite::KNOWN`],
/// and all implemented by mbedTLS 2.28; not the signalling values, nor the
/// RC4, DES and NULL suites tlslab only reads in captures, which this
/// mbedTLS build lacks in part), forward-secret ones first, then AEAD ones
/// first: lighttpd makes mbedTLS pick in the server's order, and this is
/// the order a careful administrator would set.
fn default_suites() -> Vec<CipherSuite> {
    let mut v: Vec<CipherSuite> = CipherSuite::KNOWN
        .iter()
        .copied()
        .filter(|&s| tlslab::crypto::suites::lookup(s).is_some())
        .collect();
    v.sort_by_key(|&s| {
        let p = super::names::SuiteParts::of(s);
        (
            !p.is_some_and(|p| p.kx.starts_with("ECDHE") || p.kx.starts_with("DHE")),
            !p.is_some_and(|p| p.is_aead()),
        )
    });
    v
}

pub(super) fn prepare(opts: &PeerOptions, dir: &Path) -> Result<Prepared, Error> {
    if !opts.ems || !opts.etm {
        return Err(Error::config(
            "lighttpd's mod_mbedtls cannot turn extended_master_secret or encrypt_then_mac off",
        ));
    }
    let suites = opts.suites.clone().unwrap_or_else(default_suites);
    let names = suites
        .iter()
        .map(|&s| mbedtls_suite(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut conf_cmd = format!(
        "\"MinProtocol\" => \"TLSv1.2\", \"MaxProtocol\" => \"TLSv1.2\", \"CipherString\" => \"{}\"",
        names.join(":")
    );
    if let Some(g) = &opts.groups {
        let g = g.iter().map(|&g| rfc_group(g)).collect::<Result<Vec<_>, _>>()?;
        conf_cmd.push_str(&format!(", \"Curves\" => \"{}\"", g.join(":")));
    }
    let www = dir.join("www");
    std::fs::create_dir_all(&www).map_err(|e| Error::io(format!("peer: creating {}: {e}", www.display())))?;
    std::fs::write(www.join(FILE), format!("{MARKER}\n"))
        .map_err(|e| Error::io(format!("peer: writing {FILE}: {e}")))?;
    let d = dir.display();
    let conf = format!(
        "server.port = {PORT}\nserver.bind = \"127.0.0.1\"\nserver.document-root = \"{d}/www\"\n\
         server.modules = ( \"mod_mbedtls\" )\nssl.engine = \"enable\"\n\
         ssl.pemfile = \"{d}/cert.pem\"\nssl.privkey = \"{d}/key.pem\"\n\
         ssl.openssl.ssl-conf-cmd = ( {conf_cmd} )\n"
    );
    let version = format!(
        "{} with mbedTLS {}",
        super::first_line_of("lighttpd", &["-v"]),
        super::first_line_of("dpkg-query", &["-W", "-f", "${Version}", "libmbedtls14"])
    );
    Ok(Prepared {
        plan: Plan {
            program: "lighttpd".into(),
            args: vec!["-D".into(), "-f".into(), "lighttpd.conf".into()],
            env: vec![],
            files: vec![("lighttpd.conf".into(), conf)],
            ready_line: "server started".into(),
            install_hint: "install the Debian packages lighttpd and lighttpd-mod-mbedtls",
        },
        suites: SuiteSource::Known(suites),
        keylog: None,
        version,
    })
}
