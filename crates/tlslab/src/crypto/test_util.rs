//! Test helpers shared by the crypto modules: the Illustrated TLS 1.2 vector,
//! a PRF-recording observer, and an OpenSSL-built PKI.
//!
//! Expected values come from outside this crate: the published vector, ring
//! used directly, or the `openssl` command line. A missing `openssl` makes
//! the tests that need it fail (never skip), so a green run means the
//! comparison really happened.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::crypto::key_block::KeyBlock;
use crate::crypto::suites::PrfHash;
use crate::observer::{Event, Observer};

/// The Illustrated TLS 1.2 Connection, as copied into `vectors/` (see the
/// README beside it for provenance).
pub const ILLUSTRATED_TLS12: &str = include_str!("../../../../vectors/illustrated-tls12/vector.json");

/// Hex to bytes; panics on bad hex (test input only).
pub fn unhex(s: &str) -> Vec<u8> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(cleaned).expect("test vector hex")
}

/// The string value of the first `"key": "value"` in `json` at or after
/// `from`. The vector is flat enough that a key name identifies the field.
fn string_field_from<'a>(json: &'a str, from: usize, key: &str) -> &'a str {
    let needle = format!("\"{key}\": \"");
    let start = json[from..]
        .find(&needle)
        .unwrap_or_else(|| panic!("field {key} missing"))
        + from
        + needle.len();
    let len = json[start..].find('"').expect("unterminated string");
    &json[start..start + len]
}

/// A top-level (or uniquely named) string field of the Illustrated vector.
pub fn vector_field(key: &str) -> &'static str {
    string_field_from(ILLUSTRATED_TLS12, 0, key)
}

/// The `record` hex of the record whose `description` is `description`.
pub fn vector_record(description: &str) -> Vec<u8> {
    let anchor = format!("\"description\": \"{description}\"");
    let at = ILLUSTRATED_TLS12
        .find(&anchor)
        .unwrap_or_else(|| panic!("record {description} missing"));
    unhex(string_field_from(ILLUSTRATED_TLS12, at, "record"))
}

/// An owned copy of one [`crate::observer::PrfCall`].
#[derive(Debug, Clone)]
pub struct OwnedPrfCall {
    pub purpose: &'static str,
    pub hash: PrfHash,
    pub secret: Vec<u8>,
    pub label: Vec<u8>,
    pub seed: Vec<u8>,
    pub a: Vec<Vec<u8>>,
    pub hmac_outputs: Vec<Vec<u8>>,
    pub output: Vec<u8>,
}

/// Records event names, PRF calls and key blocks (a stand-in for the real
/// Recorder, which is written elsewhere).
#[derive(Default)]
pub struct PrfRecorder {
    pub names: Vec<&'static str>,
    pub calls: Vec<OwnedPrfCall>,
    pub key_blocks: Vec<KeyBlock>,
}

impl Observer for PrfRecorder {
    fn on_event(&mut self, event: &Event<'_>) {
        self.names.push(event.name());
        match event {
            Event::Prf(c) => self.calls.push(OwnedPrfCall {
                purpose: c.purpose,
                hash: c.hash,
                secret: c.secret.to_vec(),
                label: c.label.to_vec(),
                seed: c.seed.to_vec(),
                a: c.a.to_vec(),
                hmac_outputs: c.hmac_outputs.to_vec(),
                output: c.output.to_vec(),
            }),
            Event::KeyBlock(kb) => self.key_blocks.push((*kb).clone()),
            _ => {}
        }
    }
}

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure, and
/// with a clear message if it is not installed.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the openssl command line (needed by this test): {e}"));
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// An EC private key on `curve` (OpenSSL's name, e.g. `P-521`) made by
/// `openssl genpkey` into `dir/out` (PEM).
pub fn openssl_ec_key(dir: &Path, curve: &str, out: &str) {
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-out",
            out,
        ],
    );
}

/// A self-signed certificate (`/CN=test`, 30 days) for the key `dir/key`,
/// made by `openssl req -x509` into `dir/out` (DER).
pub fn openssl_self_signed_der(dir: &Path, key: &str, out: &str) {
    openssl(
        dir,
        &[
            "req", "-x509", "-new", "-key", key, "-subj", "/CN=test", "-days", "30", "-outform", "DER",
            "-out", out,
        ],
    );
}

/// OpenSSL's TLS 1.2 PRF (`openssl kdf … TLS1-PRF`): an independent
/// implementation to compare against. `label_and_seed` is the PRF's label
/// followed by its seed, as P_hash sees them.
pub fn openssl_tls1_prf(digest: &str, secret: &[u8], label_and_seed: &[u8], len: usize) -> Vec<u8> {
    let out = openssl(
        &std::env::temp_dir(),
        &[
            "kdf",
            "-keylen",
            &len.to_string(),
            "-kdfopt",
            &format!("digest:{digest}"),
            "-kdfopt",
            &format!("hexsecret:{}", hex::encode(secret)),
            "-kdfopt",
            &format!("hexseed:{}", hex::encode(label_and_seed)),
            "TLS1-PRF",
        ],
    );
    // Output is colon-separated uppercase hex.
    unhex(&String::from_utf8(out).unwrap().replace(':', "").to_lowercase())
}

/// A small PKI made with the `openssl` command line: a root CA, an
/// intermediate CA, and leaves for `localhost` / `127.0.0.1`.
pub struct TestPki {
    /// The directory holding every file.
    pub dir: PathBuf,
    /// Root CA certificate, PEM (`/CN=tlslab test CA`).
    pub ca_pem: Vec<u8>,
    /// RSA-2048 leaf signed by the root: DNS:localhost, IP:127.0.0.1.
    pub rsa_leaf_der: Vec<u8>,
    /// ECDSA P-256 leaf signed by the root, same names.
    pub ec_leaf_der: Vec<u8>,
    /// ECDSA P-384 leaf signed by the intermediate, same names.
    pub ec384_leaf_der: Vec<u8>,
    /// The intermediate CA (signed by the root).
    pub intermediate_der: Vec<u8>,
}

const CA_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = tlslab test CA
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
";

const INTERMEDIATE_EXT: &str = "\
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

const LEAF_EXT: &str = "\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

fn pem_to_der(dir: &Path, pem_file: &str) -> Vec<u8> {
    openssl(dir, &["x509", "-in", pem_file, "-outform", "DER"])
}

/// The PKI, built once per test run.
pub fn test_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tlslab-crypto-pki-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.cnf"), CA_CNF).unwrap();
        std::fs::write(dir.join("inter.ext"), INTERMEDIATE_EXT).unwrap();
        std::fs::write(dir.join("leaf.ext"), LEAF_EXT).unwrap();
        let d = dir.as_path();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "3650",
                "-config",
                "ca.cnf",
                "-extensions",
                "v3_ca",
            ],
        );
        let issue = |key_spec: &[&str], name: &str, subj: &str, ca: &str, ext: &str, serial: &str| {
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            let pem = format!("{name}.pem");
            let mut args = vec!["req", "-new", "-nodes"];
            args.extend_from_slice(key_spec);
            args.extend_from_slice(&["-keyout", &key, "-out", &csr, "-subj", subj]);
            openssl(d, &args);
            let ca_pem = format!("{ca}.pem");
            let ca_key = format!("{ca}.key");
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    &ca_pem,
                    "-CAkey",
                    &ca_key,
                    "-set_serial",
                    serial,
                    "-days",
                    "365",
                    "-extfile",
                    ext,
                    "-out",
                    &pem,
                ],
            );
            pem_to_der(d, &pem)
        };
        let rsa_leaf_der = issue(
            &["-newkey", "rsa:2048"],
            "rsa",
            "/CN=localhost",
            "ca",
            "leaf.ext",
            "2",
        );
        let ec_leaf_der = issue(
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "ec",
            "/CN=localhost",
            "ca",
            "leaf.ext",
            "3",
        );
        let intermediate_der = issue(
            &["-newkey", "rsa:2048"],
            "inter",
            "/CN=tlslab test intermediate",
            "ca",
            "inter.ext",
            "4",
        );
        let ec384_leaf_der = issue(
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "ec384",
            "/CN=localhost",
            "inter",
            "leaf.ext",
            "5",
        );
        TestPki {
            ca_pem: std::fs::read(d.join("ca.pem")).unwrap(),
            rsa_leaf_der,
            ec_leaf_der,
            ec384_leaf_der,
            intermediate_der,
            dir,
        }
    })
}

/// Signs `data` with the private key file `key` of the test PKI using
/// `openssl dgst`, with extra `-sigopt` arguments (for PSS).
pub fn openssl_sign(key: &str, digest: &str, sigopts: &[&str], data: &[u8]) -> Vec<u8> {
    let pki = test_pki();
    // Tests run in parallel threads: each signature gets its own file.
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let data_file = pki.dir.join(format!("data-{n}.bin"));
    std::fs::write(&data_file, data).unwrap();
    let mut args = vec![format!("-{digest}"), "-sign".into(), key.into()];
    for o in sigopts {
        args.push("-sigopt".into());
        args.push((*o).into());
    }
    args.push(data_file.to_str().unwrap().into());
    let mut full = vec!["dgst".to_string()];
    full.extend(args);
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    openssl(&pki.dir, &refs)
}
