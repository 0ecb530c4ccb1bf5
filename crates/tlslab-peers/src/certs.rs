//! Throwaway certificates for local test servers, made with the `openssl`
//! command line: a CA (`CN=tlslab throwaway CA`) and a leaf for `localhost`
//! and 127.0.0.1 signed by it. Also the small helpers every local server
//! needs: a fresh temporary directory and a free port.
//!
//! Set `TLSLAB_OPENSSL` to use another `openssl` binary.

use std::collections::HashMap;
use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use tlslab::Error;

/// The key type of the throwaway certificates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// RSA 2048 (for the `ECDHE_RSA` suites).
    #[default]
    Rsa2048,
    /// ECDSA on P-256 (for the `ECDHE_ECDSA` suites).
    EcdsaP256,
    /// Ed25519 (RFC 8410), which the `ECDHE_ECDSA` suites also serve
    /// (RFC 8422 §2.1).
    Ed25519,
}

/// The files of one throwaway CA and leaf certificate (PEM and DER bytes).
#[derive(Clone)]
pub struct Material {
    /// The CA certificate, PEM.
    pub ca_pem: Vec<u8>,
    /// The CA certificate, DER.
    pub ca_der: Vec<u8>,
    /// The leaf certificate (`CN=localhost`), PEM.
    pub cert_pem: Vec<u8>,
    /// The leaf's private key, PEM (PKCS#8 `PRIVATE KEY`, as `openssl req` writes it).
    pub key_pem: Vec<u8>,
}

impl Material {
    /// Writes `ca.pem`, `ca.der`, `cert.pem` and `key.pem` into `dir`.
    pub fn write_to(&self, dir: &Path) -> Result<(), Error> {
        for (name, bytes) in [
            ("ca.pem", &self.ca_pem),
            ("ca.der", &self.ca_der),
            ("cert.pem", &self.cert_pem),
            ("key.pem", &self.key_pem),
        ] {
            fs::write(dir.join(name), bytes).map_err(|e| io_err(&format!("writing {name}"), e))?;
        }
        Ok(())
    }
}

pub(crate) fn openssl_bin() -> String {
    std::env::var("TLSLAB_OPENSSL").unwrap_or_else(|_| "openssl".to_owned())
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::io(format!("local server: {what}: {e}"))
}

/// A fresh directory under the system temp dir; pid, a counter and the clock
/// keep parallel tests and parallel test processes apart.
pub fn fresh_dir(prefix: &str) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).map_err(|e| io_err(&format!("creating {}", dir.display()), e))?;
    Ok(dir)
}

/// Runs `openssl args...` in `dir`, failing with its stderr.
fn openssl(dir: &Path, args: &[&str]) -> Result<(), Error> {
    match openssl_tool(dir, args)? {
        (true, _) => Ok(()),
        (false, text) => Err(io_err(&format!("openssl {}", args.join(" ")), text.trim())),
    }
}

/// Runs the `openssl` command-line tool (`$TLSLAB_OPENSSL`, else `openssl`)
/// with `args` in `dir`, no standard input: whether it succeeded, and its
/// standard output followed by its standard error. `Err` only when it cannot
/// be started.
pub fn openssl_tool(dir: &Path, args: &[&str]) -> Result<(bool, String), Error> {
    let out = Command::new(openssl_bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io_err(&format!("running {} (is OpenSSL installed?)", openssl_bin()), e))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

/// Makes a CA and a leaf for `localhost` / 127.0.0.1 in `dir` with the
/// `openssl` command line.
pub fn make_material(dir: &Path, key_type: KeyType) -> Result<Material, Error> {
    let newkey: &[&str] = match key_type {
        KeyType::Rsa2048 => &["-newkey", "rsa:2048"],
        KeyType::EcdsaP256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        KeyType::Ed25519 => &["-newkey", "ed25519"],
    };
    let mut ca = vec!["req", "-x509", "-nodes", "-days", "30", "-sha256"];
    ca.extend_from_slice(newkey);
    ca.extend_from_slice(&[
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=tlslab throwaway CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca)?;
    let mut csr = vec!["req", "-nodes"];
    csr.extend_from_slice(newkey);
    csr.extend_from_slice(&["-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost"]);
    openssl(dir, &csr)?;
    // keyEncipherment only for RSA: an ECDSA key cannot encrypt.
    let usage = match key_type {
        KeyType::Rsa2048 => "digitalSignature,keyEncipherment",
        KeyType::EcdsaP256 | KeyType::Ed25519 => "digitalSignature",
    };
    let ext = format!(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,{usage}\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid\n"
    );
    fs::write(dir.join("leaf.ext"), ext).map_err(|e| io_err("writing leaf.ext", e))?;
    // A serial that differs between runs, so two throwaway CAs never issue
    // certificates that look alike to a cache.
    let serial = format!(
        "0x{:x}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(1) as u64
            | 1
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &serial,
            "-days",
            "30",
            "-sha256",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem",
        ],
    )?;
    openssl(
        dir,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
    )?;
    let read = |name: &str| fs::read(dir.join(name)).map_err(|e| io_err(&format!("reading {name}"), e));
    Ok(Material {
        ca_pem: read("ca.pem")?,
        ca_der: read("ca.der")?,
        cert_pem: read("cert.pem")?,
        key_pem: read("key.pem")?,
    })
}

/// The process-wide material for `key_type`, made on first use.
pub fn shared_material(dir: &Path, key_type: KeyType) -> Result<Material, Error> {
    static CACHE: OnceLock<Mutex<HashMap<KeyType, Material>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // Held while generating, so parallel tests make the material only once.
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(m) = map.get(&key_type) {
        return Ok(m.clone());
    }
    let m = make_material(dir, key_type)?;
    map.insert(key_type, m.clone());
    Ok(m)
}

/// A port that was free a moment ago. Another process may take it before
/// the server binds; callers retry then.
pub fn free_port() -> Result<u16, Error> {
    let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).map_err(|e| io_err("bind", e))?;
    Ok(l.local_addr().map_err(|e| io_err("local_addr", e))?.port())
}
