//! Graded course labs: a broken connection against a real server on
//! 127.0.0.1 (`openssl s_server` speaking TLS 1.2, or tlslite-ng making a
//! mistake of its own), a student's diagnosis, and a grade that explains the
//! evidence.
//!
//! ```text
//!  labs/*.lab ──► Lab::parse ──► run(lab, seed) ──► LabRun { trace, failure, explanation, evidence }
//!   (data: hidden client         starts the server,             │
//!    fault, server settings,     runs the client with            ├─ `tlslab lab start`: prints the trace (no fault
//!    the cause to find)          the lab's hidden settings       │   name, no verdict), writes the lab directory
//!                                                                └─ `tlslab lab check --answer CAUSE`: grade()
//! ```
//!
//! A lab is a data file (format in `labs/README.md`): the scenario is either
//! a named fault of [`tlslab::faults`] the client commits without saying so,
//! a misconfigured server (a private key whose private half does not
//! belong to its certificate; broken Diffie-Hellman parameters that only a
//! pinned cipher suite avoids), or a server that makes a protocol mistake
//! itself (tlslite-ng with one of the faults of
//! [`tlslab_peers::hostile`], e.g. a TLS 1.0 server whose IV chain breaks). Grading never trusts the lab file alone:
//! [`run`] collects the evidence (the explainer's recomputations of
//! [`tlslab::explain`], given OpenSSL's own key log, and probes of what we
//! sent: the padding of our record, whether the server's key decrypts our
//! pre-master secret, whether a pinned option makes the handshake work), and
//! [`grade`] shows the student that evidence, for a right answer and against
//! a wrong one.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::net::{self, Timeouts};
use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{self, KeyExchange, SuiteInfo};
use tlslab::error::Error;
use tlslab::explain::{Certainty, Explanation, Verdict};
use tlslab::faults::{Fault, Faults};
use tlslab::internal::der::{tag, Der};
use tlslab::internal::key_block::KeyBlock;
use tlslab::internal::record::hmac::MacKey;
use tlslab::internal::record::{verify, Protection, RecordLayerState, RecordOptions};
use tlslab::internal::rsa_kx::{RsaPrivateKey, RsaPublicKey};
use tlslab::observer::{Event, Hooks, KeyLogWriter, LadderLog, Observer, OwnedEvent, Recorder, TextLog};
use tlslab::replay::{flights_text, SharedBuf, StepLog};
use tlslab::report::HtmlOptions;
use tlslab::rng::SeededRng;
use tlslab::wire::{Direction, ProtocolVersion, RecordHeader};
use tlslab::{Client, ClientConfig, Verification};
use tlslab_peers::certs::openssl_tool;
use tlslab_peers::hostile::{HostileServer, ServerFault};
use tlslab_peers::local_server::{KeyType, LocalServer, ServerMode, ServerOptions};
use tlslab_peers::PeerOptions;

/// One diagnosis a student can give: `tlslab lab check NAME --answer ID`.
#[derive(Debug)]
pub struct LabCause {
    /// The answer's spelling, e.g. `corruption-in-transit`.
    pub id: &'static str,
    /// One line for a list.
    pub title: &'static str,
    /// What the evidence looks like when this is the cause.
    pub signature: &'static str,
    /// The explainer's cause ids ([`tlslab::explain::Cause::id`]) that prove it.
    pub explainer: &'static [&'static str],
}

/// Every answer `lab check` accepts. Fixed: a lab file names one of them.
pub const CAUSES: &[LabCause] = &[
    LabCause {
        id: "corruption-in-transit",
        title: "bytes of a protected record changed after it was sealed",
        signature: "the record does not verify under the sender's own keys, but restoring one flipped bit makes it verify, and the keys are right (the peer's key log shows the same master secret)",
        explainer: &["corrupted_in_transit"],
    },
    LabCause {
        id: "truncated-record",
        title: "a protected record lost bytes at its end",
        signature: "the record is shorter than its content requires (a Finished is 16 bytes of plaintext plus MAC or tag): its length is impossible",
        explainer: &["truncated_record", "impossible_length"],
    },
    LabCause {
        id: "wrong-sequence-number",
        title: "a record was sealed with another seq_num than the receiver expects",
        signature: "the record verifies under the right keys once its MAC or nonce is computed with a neighbouring seq_num (RFC 5246 §6.1)",
        explainer: &["sequence_number", "sequence_not_reset_at_change_cipher_spec"],
    },
    LabCause {
        id: "bad-padding",
        title: "a CBC record's padding bytes do not all equal padding_length",
        signature: "the record decrypts under the sender's own keys, the MAC where padding_length says it ends is right, but a padding byte differs from padding_length (RFC 5246 §6.2.3.2)",
        explainer: &[],
    },
    LabCause {
        id: "other-direction-keys",
        title: "the sender used the other direction's keys",
        signature: "the record verifies when it is recomputed with server_write_* in place of client_write_* (RFC 5246 §6.3)",
        explainer: &["other_direction_keys"],
    },
    LabCause {
        id: "wrong-server-key",
        title: "the server's private key does not belong to its certificate",
        signature: "RSA key exchange; what we sent is right, but the server's master secret does not come from our pre-master secret, and the server's private key does not decrypt what was encrypted to its certificate's public key (RFC 5246 §7.4.7.1)",
        explainer: &["server_key_mismatch"],
    },
    LabCause {
        id: "transcript-error",
        title: "the Finished hash covers other handshake messages than the peer's",
        signature: "the Finished record verifies (the keys agree), the peer answers decrypt_error, and verify_data comes out right only with a message left out of (or added to) Hash(handshake_messages) (RFC 5246 §7.4.9)",
        explainer: &["transcript_missing", "transcript_extra", "transcript_differs"],
    },
    LabCause {
        id: "ems-mismatch",
        title: "one side used the extended master secret, the other did not",
        signature: "the hellos agreed on extended_master_secret, but the master secret was derived the other way (RFC 7627 §4): the peer's master secret equals the other derivation",
        explainer: &["extended_master_secret"],
    },
    LabCause {
        id: "wrong-verify-data",
        title: "the Finished verify_data is wrong for no transcript reason",
        signature: "the Finished record verifies, the peer answers decrypt_error, and no variant of the transcript, label or hash reproduces the verify_data that was sent",
        explainer: &["wrong_verify_data", "finished_label_swapped", "finished_hash"],
    },
    LabCause {
        id: "wrong-iv-chain",
        title: "a TLS 1.0 CBC record was encrypted under another IV than the chain gives",
        signature: "every record before it verifies, and this one verifies under the right keys and seq_num once it is decrypted with another IV than the last ciphertext block of the sender's previous record (the key block's write IV, an older block, or an explicit IV) (RFC 2246 §6.2.3.2)",
        explainer: &["wrong_iv_chain"],
    },
    LabCause {
        id: "protocol-option-pinned",
        title: "the server works only with one protocol option pinned",
        signature: "the default offer fails before any record is protected, and the same client with one option pinned (a cipher suite, --no-etm, --no-ems) completes the handshake",
        explainer: &[],
    },
];

/// The cause with this id.
pub fn cause(id: &str) -> Option<&'static LabCause> {
    CAUSES.iter().find(|c| c.id == id)
}

fn cause_ids() -> String {
    CAUSES.iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
}

/// The server's private key file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerKey {
    /// The key of the certificate.
    #[default]
    Matching,
    /// The certificate's public numbers (n, e) with the private numbers (d,
    /// p, q, and the CRT values) of another RSA key: a key mix-up that
    /// OpenSSL cannot see when it loads the key, because it compares only
    /// the public numbers with the certificate (`X509_check_private_key`).
    /// RSA decryption then produces garbage.
    ForeignPrivateHalf,
}

/// The server's finite-field Diffie-Hellman parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DhParams {
    /// OpenSSL's own choice (an RFC 7919 group).
    #[default]
    Default,
    /// The RFC 7919 ffdhe2048 prime with generator `p − 1`, which has order
    /// 2: every public value is 1 or `p − 1`, and a client must refuse it.
    GeneratorPMinus1,
}

/// The client side of a lab (hidden from the student).
#[derive(Clone, Debug, Default)]
pub struct ClientSettings {
    /// The faults the client commits.
    pub faults: Vec<Fault>,
    /// `--cipher`: offer only these suites.
    pub cipher: Option<String>,
    /// `--no-ems`.
    pub no_ems: bool,
    /// `--no-etm`.
    pub no_etm: bool,
    /// What to send after the handshake (the server reverses each line).
    pub send: String,
    /// The only version offered and accepted (`--min-version` =
    /// `--max-version`); TLS 1.2 when not set.
    pub version: Option<ProtocolVersion>,
}

/// The server side of a lab.
#[derive(Clone, Debug, Default)]
pub struct ServerSettings {
    /// `-cipher`.
    pub cipher: Option<String>,
    /// `-groups`.
    pub groups: Option<String>,
    /// The certificate's key type.
    pub key_type: KeyType,
    /// More `s_server` arguments.
    pub args: Vec<String>,
    /// The private key the server is given.
    pub private_key: ServerKey,
    /// The DHE parameters.
    pub dh_params: DhParams,
    /// A server mistake: the server is then tlslite-ng with this fault of
    /// [`tlslab_peers::hostile`] instead of `openssl s_server`.
    pub fault: Option<ServerFault>,
    /// The version the server speaks (with `fault`; `s_server` speaks TLS 1.2).
    pub version: Option<ProtocolVersion>,
}

/// The option that makes a `protocol-option-pinned` lab work: the grade
/// runs the client again with it and shows the handshake completing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fix {
    /// `--cipher`.
    pub cipher: Option<String>,
    /// `--no-etm`.
    pub no_etm: bool,
    /// `--no-ems`.
    pub no_ems: bool,
}

impl Fix {
    /// The option as a command line would give it.
    pub fn describe(&self) -> String {
        let mut v = vec![];
        if let Some(c) = &self.cipher {
            v.push(format!("--cipher {c}"));
        }
        if self.no_etm {
            v.push("--no-etm".into());
        }
        if self.no_ems {
            v.push("--no-ems".into());
        }
        v.join(" ")
    }
}

/// One lab, as read from its file.
#[derive(Clone, Debug)]
pub struct Lab {
    /// The name used on the command line.
    pub name: String,
    /// A title.
    pub title: String,
    /// One line for `lab list`.
    pub brief: String,
    /// The lab sheet, line by line.
    pub text: Vec<String>,
    /// The cause to find.
    pub answer: &'static LabCause,
    /// Shown with a wrong answer.
    pub hint: String,
    /// Shown with the right answer, after the evidence.
    pub explanation: Vec<String>,
    /// The client's hidden settings.
    pub client: ClientSettings,
    /// The server's settings.
    pub server: ServerSettings,
    /// For a `protocol-option-pinned` lab: the option that works.
    pub fix: Option<Fix>,
    /// Where it was read from.
    pub source: String,
}

/// `tls1.0`, `tls1.1` or `tls1.2`, as `--max-version` spells them.
fn parse_version(v: &str, at: &str) -> Result<ProtocolVersion, Error> {
    match v {
        "tls1.0" => Ok(ProtocolVersion::TLS10),
        "tls1.1" => Ok(ProtocolVersion::TLS11),
        "tls1.2" => Ok(ProtocolVersion::TLS12),
        _ => Err(Error::config(format!(
            "{at}: a version is tls1.0, tls1.1 or tls1.2, not '{v}'"
        ))),
    }
}

fn parse_bool(v: &str, at: &str) -> Result<bool, Error> {
    match v {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(Error::config(format!("{at}: '{v}' is not yes or no"))),
    }
}

impl Lab {
    /// Parses a lab file (`key = value` lines; see `labs/README.md`).
    /// `source` names the file in error messages.
    pub fn parse(text: &str, source: &str) -> Result<Lab, Error> {
        let mut name = None;
        let mut title = None;
        let mut brief = None;
        let mut answer = None;
        let mut hint = String::new();
        let mut lines = vec![];
        let mut explanation = vec![];
        let mut client = ClientSettings {
            send: "ping\n".into(),
            ..ClientSettings::default()
        };
        let mut server = ServerSettings::default();
        let mut fix: Option<Fix> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{source}:{}", i + 1);
            let (key, value) = line
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| Error::config(format!("{at}: expected 'key = value', got '{line}'")))?;
            match key {
                "name" => {
                    if value.is_empty()
                        || !value
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        return Err(Error::config(format!(
                            "{at}: a lab name uses a-z, 0-9 and '-' only, not '{value}'"
                        )));
                    }
                    name = Some(value.to_owned());
                }
                "title" => title = Some(value.to_owned()),
                "brief" => brief = Some(value.to_owned()),
                "text" => lines.push(value.to_owned()),
                "hint" => {
                    if !hint.is_empty() {
                        hint.push(' ');
                    }
                    hint.push_str(value);
                }
                "explanation" => explanation.push(value.to_owned()),
                "answer" => {
                    answer = Some(cause(value).ok_or_else(|| {
                        Error::config(format!("{at}: unknown cause '{value}' (known: {})", cause_ids()))
                    })?)
                }
                "client.fault" => client
                    .faults
                    .push(Fault::parse(value).map_err(|e| Error::config(format!("{at}: {e}")))?),
                "client.cipher" => client.cipher = Some(value.to_owned()),
                "client.no_ems" => client.no_ems = parse_bool(value, &at)?,
                "client.no_etm" => client.no_etm = parse_bool(value, &at)?,
                "client.send" => client.send = value.replace("\\n", "\n"),
                "client.version" => client.version = Some(parse_version(value, &at)?),
                "server.fault" => {
                    server.fault = Some(
                        value
                            .parse::<ServerFault>()
                            .map_err(|e| Error::config(format!("{at}: {e}")))?,
                    )
                }
                "server.version" => server.version = Some(parse_version(value, &at)?),
                "server.cipher" => server.cipher = Some(value.to_owned()),
                "server.groups" => server.groups = Some(value.to_owned()),
                "server.key_type" => {
                    server.key_type = match value {
                        "rsa" => KeyType::Rsa2048,
                        "ecdsa" => KeyType::EcdsaP256,
                        _ => {
                            return Err(Error::config(format!(
                                "{at}: key_type is rsa or ecdsa, not '{value}'"
                            )))
                        }
                    }
                }
                "server.args" => server.args.extend(value.split_whitespace().map(String::from)),
                "server.private_key" => {
                    server.private_key = match value {
                        "matching" => ServerKey::Matching,
                        "foreign-private-half" => ServerKey::ForeignPrivateHalf,
                        _ => {
                            return Err(Error::config(format!(
                                "{at}: private_key is matching or foreign-private-half, not '{value}'"
                            )))
                        }
                    }
                }
                "server.dh_params" => {
                    server.dh_params = match value {
                        "default" => DhParams::Default,
                        "generator-p-minus-1" => DhParams::GeneratorPMinus1,
                        _ => {
                            return Err(Error::config(format!(
                                "{at}: dh_params is default or generator-p-minus-1, not '{value}'"
                            )))
                        }
                    }
                }
                "fix.cipher" => fix.get_or_insert_with(Fix::default).cipher = Some(value.to_owned()),
                "fix.no_etm" => fix.get_or_insert_with(Fix::default).no_etm = parse_bool(value, &at)?,
                "fix.no_ems" => fix.get_or_insert_with(Fix::default).no_ems = parse_bool(value, &at)?,
                _ => return Err(Error::config(format!("{at}: unknown key '{key}'"))),
            }
        }
        let need = |v: Option<String>, k: &str| {
            v.ok_or_else(|| Error::config(format!("{source}: no '{k} = ...' line")))
        };
        let lab = Lab {
            name: need(name, "name")?,
            title: need(title, "title")?,
            brief: need(brief, "brief")?,
            text: lines,
            answer: answer.ok_or_else(|| Error::config(format!("{source}: no 'answer = ...' line")))?,
            hint,
            explanation,
            client,
            server,
            fix,
            source: source.to_owned(),
        };
        if let Some(c) = &lab.client.cipher {
            client_suites(c).map_err(|e| Error::config(format!("{source}: client.cipher: {e}")))?;
        }
        if let Some(c) = lab.fix.as_ref().and_then(|f| f.cipher.as_ref()) {
            client_suites(c).map_err(|e| Error::config(format!("{source}: fix.cipher: {e}")))?;
        }
        if lab.answer.id == "protocol-option-pinned" && lab.fix.is_none() {
            return Err(Error::config(format!(
                "{source}: a protocol-option-pinned lab needs a fix.* line (the option that works)"
            )));
        }
        Ok(lab)
    }
}

/// The labs that ship with tlslab (`labs/*.lab` in the source tree).
pub const BUILTIN: &[(&str, &str)] = &[
    ("flipped-bit.lab", include_str!("../labs/flipped-bit.lab")),
    (
        "wrong-server-key.lab",
        include_str!("../labs/wrong-server-key.lab"),
    ),
    ("lost-count.lab", include_str!("../labs/lost-count.lab")),
    ("padding.lab", include_str!("../labs/padding.lab")),
    ("crossed-keys.lab", include_str!("../labs/crossed-keys.lab")),
    (
        "forgotten-message.lab",
        include_str!("../labs/forgotten-message.lab"),
    ),
    ("ems.lab", include_str!("../labs/ems.lab")),
    ("pinned-suite.lab", include_str!("../labs/pinned-suite.lab")),
    ("iv-chain.lab", include_str!("../labs/iv-chain.lab")),
];

/// The environment variable naming an extra labs directory.
pub const LABS_DIR_ENV: &str = "TLSLAB_LABS_DIR";

/// The built-in labs, then every `*.lab` file of each directory in `dirs`
/// (in name order). A lab with the name of an earlier one replaces it, so an
/// instructor can also adapt a built-in lab.
pub fn load(dirs: &[PathBuf]) -> Result<Vec<Lab>, Error> {
    let mut labs: Vec<Lab> = vec![];
    let mut add = |lab: Lab| match labs.iter_mut().find(|l| l.name == lab.name) {
        Some(old) => *old = lab,
        None => labs.push(lab),
    };
    for (file, text) in BUILTIN {
        add(Lab::parse(text, &format!("labs/{file}"))?);
    }
    for dir in dirs {
        let entries =
            fs::read_dir(dir).map_err(|e| Error::config(format!("labs directory {}: {e}", dir.display())))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "lab"))
            .collect();
        files.sort();
        for f in files {
            let text = fs::read_to_string(&f).map_err(|e| Error::config(format!("{}: {e}", f.display())))?;
            add(Lab::parse(&text, &f.display().to_string())?);
        }
    }
    Ok(labs)
}

/// The lab called `name`.
pub fn find<'l>(labs: &'l [Lab], name: &str) -> Result<&'l Lab, Error> {
    labs.iter().find(|l| l.name == name).ok_or_else(|| {
        let names: Vec<&str> = labs.iter().map(|l| l.name.as_str()).collect();
        Error::config(format!("no lab named '{name}' (labs: {})", names.join(", ")))
    })
}

/// The suites of a `--cipher`-style list.
fn client_suites(list: &str) -> Result<Vec<&'static SuiteInfo>, Error> {
    list.split([',', ':'])
        .filter(|s| !s.is_empty())
        .map(|s| suites::find_by_name(s).ok_or_else(|| Error::config(format!("unknown cipher suite '{s}'"))))
        .collect()
}

// ---------------------------------------------------------------------------
// Running a lab
// ---------------------------------------------------------------------------

/// What one run of a lab produced.
pub struct LabRun {
    /// The client's trace (`TextLog`), without the `fault_applied` lines:
    /// what the student investigates.
    pub trace: String,
    /// The same connection as the readable ladder and derived values
    /// ([`LadderLog::readable`]), without the faults either: what
    /// `lab start` prints.
    pub ladder: String,
    /// The bytes read from and written to the socket, as annotated hex (the
    /// `flights.txt` format of [`tlslab::replay`]): the same bytes as the
    /// trace's `record_out` events, which come after any change a fault
    /// makes to a sealed record.
    pub wire: String,
    /// The `openssl s_server` command line.
    pub server_command: String,
    /// What the server printed (its errors name what it rejected).
    pub server_log: String,
    /// The connection's outcome.
    pub result: Result<(), Error>,
    /// The explainer's report (given OpenSSL's master secret from its key
    /// log when it wrote one).
    pub explanation: Option<Explanation>,
    /// The evidence, for grading.
    pub evidence: LabEvidence,
    /// Files written to the lab directory.
    pub files: Vec<PathBuf>,
    /// Every event of the connection, `fault_applied` included (for the
    /// explained page; [`LabRun::html`] leaves them out otherwise).
    pub events: Vec<OwnedEvent>,
}

impl LabRun {
    /// The connection as one self-contained HTML page (see
    /// [`tlslab::report`]). Without `explained`, what `lab start` shows: no
    /// `fault_applied` event and no verdict of the explainer, so the page
    /// holds no answer. With it, what a right `lab check` earns: every event
    /// and the explainer's report. `redact` replaces every secret.
    pub fn html(&self, lab: &Lab, explained: bool, redact: bool) -> String {
        let options = HtmlOptions {
            title: format!(
                "tlslab lab {}: {}{}",
                lab.name,
                lab.title,
                if explained { " (explained)" } else { "" }
            ),
            redact,
            ..HtmlOptions::default()
        };
        let events: Vec<OwnedEvent> = self
            .events
            .iter()
            .filter(|e| explained || !matches!(e, OwnedEvent::FaultApplied { .. }))
            .cloned()
            .collect();
        let error = self.result.as_ref().err().map(|e| e.to_string());
        let explanation = self.explanation.as_ref().filter(|_| explained);
        tlslab::report::connection_html(&options, "a local openssl s_server", &events, error, explanation)
    }
}

/// What a run shows, in the terms grading needs.
#[derive(Clone, Debug, Default)]
pub struct LabEvidence {
    /// Lab causes a recomputation or probe proves, each with its proof.
    pub proven: Vec<(&'static str, String)>,
    /// Facts of the run, in words (negotiated suite, who failed how, probe results).
    pub observations: Vec<String>,
    /// For each lab cause the evidence speaks against: why.
    pub against: Vec<(&'static str, String)>,
}

impl LabEvidence {
    /// Whether a cause is proven.
    pub fn proves(&self, id: &str) -> bool {
        self.proven.iter().any(|(c, _)| *c == id)
    }
}

/// The client's observers for a lab: the trace (without `fault_applied`:
/// the student must not read the answer there), the key log, and a recorder
/// for the probes.
struct LabObserver {
    text: TextLog<SharedBuf>,
    /// The readable ladder and values `lab start` prints.
    ladder: LadderLog<SharedBuf>,
    keylog: KeyLogWriter<SharedBuf>,
    recorder: Recorder,
}

impl Observer for LabObserver {
    fn on_event(&mut self, e: &Event<'_>) {
        self.recorder.on_event(e);
        if matches!(e, Event::FaultApplied { .. }) {
            return;
        }
        self.text.on_event(e);
        self.ladder.on_event(e);
        self.keylog.on_event(e);
    }
}

/// A fresh working directory for one run.
fn work_dir() -> Result<PathBuf, Error> {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tlslab-lab-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir).map_err(|e| Error::io(format!("{}: {e}", dir.display())))?;
    Ok(dir)
}

/// Runs `openssl args...` in `dir` (the peers' runner); returns its output.
fn openssl(dir: &Path, args: &[&str]) -> Result<String, Error> {
    match openssl_tool(dir, args)? {
        (true, text) => Ok(text),
        (false, text) => Err(Error::io(format!("openssl {}: {}", args.join(" "), text.trim()))),
    }
}

/// The INTEGERs of a DER `SEQUENCE { INTEGER, ... }` (an `RSAPrivateKey`,
/// RFC 8017 Appendix A.1.2), read with the library's DER reader, as
/// upper-case hex without leading zero bytes.
fn der_integers(der: &[u8]) -> Result<Vec<String>, Error> {
    let mut seq = Der::new(der).read(tag::SEQUENCE, "RSAPrivateKey")?;
    let mut out = vec![];
    while !seq.is_empty() {
        let v = seq.read(tag::INTEGER, "RSAPrivateKey field")?.rest();
        let skip = v.iter().take_while(|&&b| b == 0).count();
        out.push(hex::encode_upper(&v[skip..]));
    }
    Ok(out)
}

/// Writes DER from an `openssl asn1parse -genconf` description: `fields`
/// are `name=TYPE:value` lines of one SEQUENCE (ASN1_generate_nconf(3)).
fn write_der_sequence(dir: &Path, out: &str, fields: &[String]) -> Result<PathBuf, Error> {
    let conf = format!("asn1=SEQUENCE:seq\n[seq]\n{}\n", fields.join("\n"));
    let conf_file = format!("{out}.cnf");
    fs::write(dir.join(&conf_file), conf).map_err(|e| Error::io(format!("{conf_file}: {e}")))?;
    openssl(dir, &["asn1parse", "-genconf", &conf_file, "-noout", "-out", out])?;
    let _ = fs::remove_file(dir.join(&conf_file));
    Ok(dir.join(out))
}

/// Writes `server-key.der`: the certificate key's public numbers with
/// another key's private numbers (see [`ServerKey::ForeignPrivateHalf`]).
fn write_foreign_key(dir: &Path, certificate_key: &Path) -> Result<PathBuf, Error> {
    let cert_key = certificate_key.to_str().unwrap_or_default();
    openssl(
        dir,
        &[
            "rsa",
            "-in",
            cert_key,
            "-outform",
            "DER",
            "-traditional",
            "-out",
            "cert-key.der",
        ],
    )?;
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "other.pem",
        ],
    )?;
    openssl(
        dir,
        &[
            "rsa",
            "-in",
            "other.pem",
            "-outform",
            "DER",
            "-traditional",
            "-out",
            "other.der",
        ],
    )?;
    let read = |n: &str| fs::read(dir.join(n)).map_err(|e| Error::io(format!("{n}: {e}")));
    let a = der_integers(&read("cert-key.der")?)?;
    let b = der_integers(&read("other.der")?)?;
    if a.len() < 9 || b.len() < 9 {
        return Err(Error::private_key("RSAPrivateKey with fewer than 9 fields"));
    }
    // version, n, e from the certificate's key; d, p, q, dP, dQ, qInv from the other.
    let names = ["version", "n", "e", "d", "p", "q", "dp", "dq", "qinv"];
    let fields: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| match i {
            0 => format!("{name}=INTEGER:0"),
            1 | 2 => format!("{name}=INTEGER:0x{}", a[i]),
            _ => format!("{name}=INTEGER:0x{}", b[i]),
        })
        .collect();
    let path = write_der_sequence(dir, "server-key.der", &fields)?;
    for f in ["cert-key.der", "other.pem", "other.der"] {
        let _ = fs::remove_file(dir.join(f));
    }
    Ok(path)
}

/// ffdhe2048 `p`, RFC 7919 Appendix A.1.
const FFDHE2048_P: &str = "\
FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FB\
CC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0\
856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE735\
30ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4\
AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF\
8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA\
886B423861285C97FFFFFFFFFFFFFFFF";

/// Writes `dhparams.pem`: `DHParameter ::= SEQUENCE { prime, base }` (PKCS
/// #3) with ffdhe2048's prime and `base = p − 1`.
pub fn write_bad_dh_params(dir: &Path) -> Result<PathBuf, Error> {
    // p ends in 64 one-bits, so p − 1 is p with its last hex digit F made E.
    let p_minus_1 = match FFDHE2048_P.strip_suffix('F') {
        Some(head) => format!("{head}E"),
        None => return Err(Error::Internal("ffdhe2048: p does not end in F".into())),
    };
    let fields = [
        format!("p=INTEGER:0x{FFDHE2048_P}"),
        format!("g=INTEGER:0x{p_minus_1}"),
    ];
    write_der_sequence(dir, "dhparams.der", &fields)?;
    openssl(
        dir,
        &[
            "dhparam",
            "-inform",
            "DER",
            "-in",
            "dhparams.der",
            "-out",
            "dhparams.pem",
        ],
    )?;
    let _ = fs::remove_file(dir.join("dhparams.der"));
    Ok(dir.join("dhparams.pem"))
}

/// The lab's server: `openssl s_server`, or tlslite-ng making a mistake.
enum LabServer {
    OpenSsl(LocalServer),
    Hostile(HostileServer),
}

impl LabServer {
    fn addr(&self) -> std::net::SocketAddr {
        match self {
            LabServer::OpenSsl(s) => s.addr(),
            LabServer::Hostile(s) => s.addr(),
        }
    }

    fn ca_pem_path(&self) -> PathBuf {
        match self {
            LabServer::OpenSsl(s) => s.ca_pem_path(),
            LabServer::Hostile(s) => s.ca_pem_path(),
        }
    }

    fn cert_pem_path(&self) -> PathBuf {
        match self {
            LabServer::OpenSsl(s) => s.cert_pem_path(),
            LabServer::Hostile(s) => s.dir().join("cert.pem"),
        }
    }

    fn wait_master_secret(&self, client_random: &[u8], timeout: Duration) -> Option<Vec<u8>> {
        match self {
            LabServer::OpenSsl(s) => s.wait_master_secret(client_random, timeout),
            LabServer::Hostile(s) => s.wait_master_secret(client_random, timeout),
        }
    }

    /// The command line that started it.
    fn command(&self) -> String {
        match self {
            LabServer::OpenSsl(s) => s.command.join(" "),
            LabServer::Hostile(s) => s.command(),
        }
    }

    /// What it printed.
    fn log(&self) -> String {
        match self {
            LabServer::OpenSsl(s) => format!("{}{}", s.stdout_log(), s.stderr_log()),
            LabServer::Hostile(s) => s.output_tail(200),
        }
    }

    /// The server's private key file as started.
    fn key_file(&self) -> PathBuf {
        match self {
            LabServer::OpenSsl(s) => server_key_file(s),
            LabServer::Hostile(s) => s.dir().join("key.pem"),
        }
    }
}

/// Starts the lab's server. The misconfigurations need the certificate's
/// key first, so those start a plain server, build their files from its
/// key, and start the real one (the certificate is the same: every server of
/// a process shares it, see [`ServerOptions::fresh_certificates`]).
fn start_server(lab: &Lab, work: &Path) -> Result<LabServer, Error> {
    if let Some(fault) = lab.server.fault {
        let opts = PeerOptions {
            version: lab.server.version,
            ..PeerOptions::default()
        };
        return Ok(LabServer::Hostile(HostileServer::start(fault, &opts)?));
    }
    let mut opts = ServerOptions {
        cipher: lab.server.cipher.clone(),
        groups: lab.server.groups.clone(),
        key_type: lab.server.key_type,
        mode: ServerMode::Rev,
        extra_args: lab.server.args.clone(),
        fresh_certificates: false,
    };
    if lab.server.private_key == ServerKey::ForeignPrivateHalf {
        let probe = LocalServer::start(&ServerOptions {
            key_type: lab.server.key_type,
            ..ServerOptions::default()
        })?;
        let key = write_foreign_key(work, &probe.key_pem_path())?;
        drop(probe);
        opts.extra_args.extend([
            "-key".into(),
            key.display().to_string(),
            "-keyform".into(),
            "DER".into(),
        ]);
    }
    if lab.server.dh_params == DhParams::GeneratorPMinus1 {
        let dh = write_bad_dh_params(work)?;
        opts.extra_args
            .extend(["-dhparam".into(), dh.display().to_string()]);
    }
    LocalServer::start(&opts).map(LabServer::OpenSsl)
}

/// The server's private key file as started (the last `-key` argument wins).
fn server_key_file(server: &LocalServer) -> PathBuf {
    let mut key = server.key_pem_path();
    let mut it = server.command.iter();
    while let Some(a) = it.next() {
        if a == "-key" {
            if let Some(k) = it.next() {
                key = server.dir.join(k);
            }
        }
    }
    key
}

/// One connection with `client`: handshake, one line, close.
struct Attempt {
    result: Result<(), Error>,
    trace: String,
    ladder: String,
    /// `flights.txt`-style annotated hex of the bytes as read from and
    /// written to the socket (after any fault that changes them).
    wire: String,
    keylog: String,
    recorder: Recorder,
    explanation: Option<Explanation>,
    suite: Option<&'static SuiteInfo>,
    encrypt_then_mac: bool,
    extended_master_secret: bool,
    /// The master secret OpenSSL logged for our client_random.
    peer_master_secret: Option<[u8; 48]>,
    /// The certificate (leaf) the server sent, DER.
    server_certificate: Option<Vec<u8>>,
}

fn attempt(server: &LabServer, client: &ClientSettings, seed: u64) -> Result<Attempt, Error> {
    let mut config = ClientConfig::new("localhost");
    config.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path())?);
    if let Some(list) = &client.cipher {
        config.suites = client_suites(list)?;
    }
    config.offer_extended_master_secret = !client.no_ems;
    config.offer_encrypt_then_mac = !client.no_etm;
    config.faults = Faults(client.faults.clone());
    if let Some(v) = client.version {
        config.min_version = v;
        config.max_version = v;
    }
    config.rng = Box::new(SeededRng::new(seed, 0));
    let (text, ladder, keylog, steps) = (
        SharedBuf::default(),
        SharedBuf::default(),
        SharedBuf::default(),
        StepLog::default(),
    );
    let mut obs = LabObserver {
        text: TextLog::new(text.clone()),
        ladder: LadderLog::readable(ladder.clone(), false),
        keylog: KeyLogWriter::new(keylog.clone()),
        recorder: Recorder::new(),
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        read: Duration::from_secs(5),
        write: Duration::from_secs(5),
    };
    let (result, explanation, suite, etm, ems, peer, server_certificate) = {
        let c = Client::with_observer(config, &mut obs);
        let mut s = net::connect_tcp(&server.addr().to_string(), c, timeouts)?;
        s.set_step_log(&steps);
        let send = client.send.as_bytes();
        let result = (|| {
            s.handshake()?;
            s.write_all(send)?;
            let mut got = vec![];
            while got.len() < send.len() {
                let more = s.read()?;
                if more.is_empty() {
                    return Err(Error::connection_closed("the server closed the connection"));
                }
                got.extend(more);
            }
            s.close()
        })();
        // OpenSSL writes its key log line when it derives the master secret.
        let peer = s
            .client()
            .session()
            .client_random
            .and_then(|cr| server.wait_master_secret(&cr, Duration::from_millis(300)))
            .and_then(|ms| <[u8; 48]>::try_from(ms.as_slice()).ok());
        let explanation = s.client().explain_failure_given(peer);
        let session = s.client().session();
        (
            result,
            explanation,
            session.suite,
            session.encrypt_then_mac,
            session.extended_master_secret,
            peer,
            session.peer_certificates.first().map(|c| c.to_vec()),
        )
    };
    Ok(Attempt {
        result,
        trace: String::from_utf8_lossy(&text.contents()).into_owned(),
        wire: flights_text(&steps.steps()),
        keylog: String::from_utf8_lossy(&keylog.contents()).into_owned(),
        ladder: {
            // A handshake cut short without an alert leaves values unwritten.
            obs.ladder.flush_values();
            String::from_utf8_lossy(&ladder.contents()).into_owned()
        },
        recorder: obs.recorder,
        explanation,
        suite,
        encrypt_then_mac: etm,
        extended_master_secret: ems,
        peer_master_secret: peer,
        server_certificate,
    })
}

/// Runs the lab once against a fresh server: the trace, the outcome, and the
/// evidence for grading. With `out_dir`, writes the student's files there
/// (`trace.txt`, `wire.txt`, `client-keylog.txt`, `server-log.txt`,
/// `server-command.txt`, `cert.pem`, `ca.pem` and the server's key file).
/// The same `seed` gives the same client bytes.
pub fn run(lab: &Lab, seed: u64, out_dir: Option<&Path>) -> Result<LabRun, Error> {
    let work = work_dir()?;
    let r = run_in(lab, seed, out_dir, &work);
    let _ = fs::remove_dir_all(&work);
    r
}

fn run_in(lab: &Lab, seed: u64, out_dir: Option<&Path>, work: &Path) -> Result<LabRun, Error> {
    let server = start_server(lab, work)?;
    let a = attempt(&server, &lab.client, seed)?;
    // For a pinned-option lab: the same client with the option, against the same server.
    let pinned = match &lab.fix {
        Some(fix) => {
            let mut c = lab.client.clone();
            if fix.cipher.is_some() {
                c.cipher = fix.cipher.clone();
            }
            c.no_etm |= fix.no_etm;
            c.no_ems |= fix.no_ems;
            Some((fix.clone(), attempt(&server, &c, seed)?.result))
        }
        None => None,
    };
    let key_file = server.key_file();
    let evidence = gather(&a, &key_file, pinned.as_ref(), work);
    let server_log = server.log();
    let server_command = server.command();
    let mut files = vec![];
    if let Some(dir) = out_dir {
        fs::create_dir_all(dir).map_err(|e| Error::io(format!("{}: {e}", dir.display())))?;
        let mut put = |name: &str, bytes: &[u8]| -> Result<(), Error> {
            let p = dir.join(name);
            fs::write(&p, bytes).map_err(|e| Error::io(format!("{}: {e}", p.display())))?;
            files.push(p);
            Ok(())
        };
        put("trace.txt", a.trace.as_bytes())?;
        put("wire.txt", a.wire.as_bytes())?;
        put("client-keylog.txt", a.keylog.as_bytes())?;
        put("server-log.txt", server_log.as_bytes())?;
        put("server-command.txt", format!("{server_command}\n").as_bytes())?;
        put("cert.pem", &fs::read(server.cert_pem_path()).unwrap_or_default())?;
        put("ca.pem", &fs::read(server.ca_pem_path()).unwrap_or_default())?;
        let key_name = match key_file.extension().and_then(|e| e.to_str()) {
            Some("der") => "server-key.der",
            _ => "server-key.pem",
        };
        put(key_name, &fs::read(&key_file).unwrap_or_default())?;
    }
    let events = a.recorder.events;
    let mut r = LabRun {
        trace: a.trace,
        ladder: a.ladder,
        wire: a.wire,
        server_command,
        server_log,
        result: a.result,
        explanation: a.explanation,
        evidence,
        files,
        events,
    };
    // The page of the connection beside the other files, without the answer.
    if let Some(dir) = out_dir {
        let p = dir.join("report.html");
        fs::write(&p, r.html(lab, false, false)).map_err(|e| Error::io(format!("{}: {e}", p.display())))?;
        r.files.push(p);
    }
    Ok(r)
}

// ---------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

/// Collects what the run proves and shows.
fn gather(
    a: &Attempt,
    key_file: &Path,
    pinned: Option<&(Fix, Result<(), Error>)>,
    work: &Path,
) -> LabEvidence {
    let mut ev = LabEvidence::default();
    match a.suite {
        Some(s) => ev.observations.push(format!(
            "negotiated {} ({}); encrypt_then_mac {}; extended_master_secret {}",
            s.name(),
            s.openssl_name,
            if s.is_aead() {
                "n/a (AEAD)"
            } else if a.encrypt_then_mac {
                "yes"
            } else {
                "no"
            },
            if a.extended_master_secret { "yes" } else { "no" }
        )),
        None => ev
            .observations
            .push("no cipher suite was negotiated (the handshake ended before ServerHello)".into()),
    }
    let protected_sent = a
        .recorder
        .events
        .iter()
        .any(|e| matches!(e, OwnedEvent::RecordOut(r) if r.protected));
    ev.observations.push(match &a.result {
        Ok(()) => "the connection worked: handshake, one line each way, close".into(),
        Err(Error::AlertReceived(al)) => format!(
            "the server sent the fatal alert {} {}",
            al.description,
            if protected_sent {
                "after our first protected record (our Finished)"
            } else {
                "before we protected anything"
            }
        ),
        Err(e) => format!(
            "our client failed{}: {e}",
            if protected_sent {
                ""
            } else {
                " before any record was protected"
            }
        ),
    });

    // 0. The two master secrets: ours (the trace) and OpenSSL's (its key log).
    let ours = a.recorder.events.iter().rev().find_map(|e| match e {
        OwnedEvent::MasterSecret { master_secret, .. } => Some(master_secret.0.clone()),
        _ => None,
    });
    match (&ours, &a.peer_master_secret) {
        (Some(o), Some(p)) => ev.observations.push(format!(
            "master secrets: ours {}, the server's key log {}: {}",
            hex(o),
            hex(p),
            if o[..] == p[..] {
                "equal, so both sides hold the same keys"
            } else {
                "DIFFERENT, so every key differs"
            }
        )),
        (Some(_), None) => ev.observations.push(
            "OpenSSL's key log has no master secret for our client_random: s_server logs it only for handshakes it completes"
                .into(),
        ),
        _ => {}
    }

    // 1. The explainer.
    if let Some(x) = &a.explanation {
        for f in &x.ranked {
            if f.certainty != Certainty::Proven {
                continue;
            }
            let mut proof = format!("{} [{}]", f.cause, f.cause.id());
            if !f.evidence.what.is_empty() {
                let _ = write!(proof, "\n    {}", f.evidence.what);
            }
            if !f.evidence.computed.is_empty() || !f.evidence.received.is_empty() {
                let _ = write!(
                    proof,
                    "\n    computed: {}\n    received: {}",
                    hex(&f.evidence.computed),
                    hex(&f.evidence.received)
                );
            }
            ev.observations.push(format!("the explainer proves: {proof}"));
            for c in CAUSES.iter().filter(|c| c.explainer.contains(&f.cause.id())) {
                if !ev.proves(c.id) {
                    ev.proven.push((c.id, proof.clone()));
                }
            }
        }
        for fact in &x.facts {
            ev.observations.push(format!("the explainer established: {fact}"));
        }
        if let Verdict::Plausible(causes) = &x.verdict {
            ev.observations.push(format!(
                "the explainer proves nothing by itself; it ranks: {}",
                causes.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ")
            ));
        }
        for c in CAUSES {
            for f in x
                .ranked
                .iter()
                .filter(|f| f.certainty == Certainty::RuledOut && c.explainer.contains(&f.cause.id()))
            {
                let mut why = format!("tested and ruled out: {}", f.cause.description());
                if !f.evidence.what.is_empty() {
                    let _ = write!(why, " ({})", f.evidence.what);
                }
                if !f.evidence.computed.is_empty() {
                    let _ = write!(
                        why,
                        ": computed {} against received {}",
                        hex(&f.evidence.computed),
                        hex(&f.evidence.received)
                    );
                }
                ev.against.push((c.id, why));
            }
        }
    } else if a.result.is_err() {
        ev.observations
            .push("the explainer has nothing to recompute: no record and no Finished failed".into());
    }

    // 2. Our first protected record, opened as the server opens it.
    if let Some(p) = padding_probe(a) {
        ev.observations.push(p.text.clone());
        if p.padding_broken && p.mac_right {
            ev.proven.push(("bad-padding", p.text));
        } else {
            ev.against.push(("bad-padding", p.text));
        }
    }

    // 3. With RSA key exchange: does the server's key decrypt what we sent?
    if let Some(k) = key_probe(a, key_file, work) {
        ev.observations.push(k.text.clone());
        if k.mismatch {
            ev.proven.push(("wrong-server-key", k.text));
        } else {
            ev.against.push(("wrong-server-key", k.text));
        }
    } else {
        ev.against.push((
            "wrong-server-key",
            "the key exchange is not RSA key transport: the server's key only signs, and a signature made with the wrong key fails the ServerKeyExchange check, not a record".into(),
        ));
    }

    // 4. A pinned option.
    if let Some((fix, result)) = pinned {
        let text = match result {
            Ok(()) => format!(
                "the same client with {} pinned: the handshake completes and the server answers",
                fix.describe()
            ),
            Err(e) => format!("the same client with {} pinned still fails: {e}", fix.describe()),
        };
        ev.observations.push(text.clone());
        if result.is_ok() && a.result.is_err() && !protected_sent {
            ev.proven.push(("protocol-option-pinned", text));
        } else {
            ev.against.push(("protocol-option-pinned", text));
        }
    } else if protected_sent {
        ev.against.push((
            "protocol-option-pinned",
            "the handshake negotiated everything and protected records: the failure is in what was protected, not in what was negotiated".into(),
        ));
    }
    against_by_reasoning(&mut ev, a, protected_sent);
    ev
}

/// For each cause the recomputations and probes did not test directly: why
/// the run's facts exclude it, from what failed where. Every unproven cause
/// also gets the cause that *is* proven, if any.
fn against_by_reasoning(ev: &mut LabEvidence, a: &Attempt, protected_sent: bool) {
    let server_alert = match &a.result {
        Err(Error::AlertReceived(al)) => Some(al.description.to_string()),
        _ => None,
    };
    let rejected_record = server_alert.as_deref() == Some("bad_record_mac");
    let facts: Vec<&str> = a
        .explanation
        .iter()
        .flat_map(|x| x.facts.iter().map(String::as_str))
        .collect();
    let our_verify_data_right = facts
        .iter()
        .any(|f| f.contains("verify_data we sent is the correct value"));
    let no_record =
        "no protected record was sent before the failure, so no record key, seq_num or padding was ever used";
    for c in CAUSES {
        if ev.proves(c.id) {
            continue;
        }
        let mut why: Vec<String> = vec![];
        if !protected_sent && c.id != "protocol-option-pinned" && c.id != "wrong-server-key" {
            why.push(no_record.into());
        }
        match c.id {
            "corruption-in-transit" | "wrong-sequence-number" | "other-direction-keys" | "truncated-record"
                if protected_sent =>
            {
                let verifies = facts.iter().any(|f| f.contains("verifies under our own"));
                why.push(if verifies {
                    "our record verifies under our own keys and seq_num, byte for byte as sent: the record the server received is the one our key schedule intended".to_owned()
                } else {
                    format!(
                        "the explainer recomputed our record under this assumption ({}) and it does not verify",
                        match c.id {
                            "corruption-in-transit" => "every single flipped bit",
                            "wrong-sequence-number" => "seq_num − 3 … + 3",
                            "other-direction-keys" => "the server's write keys",
                            _ => "the length our Finished must have",
                        }
                    )
                });
                if !rejected_record {
                    why.push("the server did not reject a record (no bad_record_mac)".into());
                }
            }
            "transcript-error" | "wrong-verify-data" if protected_sent => {
                if rejected_record {
                    why.push("the server answered bad_record_mac: it rejected the record itself and never read verify_data (a Finished it decrypts but does not accept draws decrypt_error)".into());
                }
                if our_verify_data_right {
                    why.push("the verify_data we sent is the correct value for our transcript and master secret".into());
                }
            }
            "ems-mismatch" if protected_sent => why.push(format!(
                "our master secret was derived the way the hellos agreed (extended_master_secret {}): the explainer checks our key schedule against the hellos",
                if a.extended_master_secret { "yes" } else { "no" }
            )),
            _ => {}
        }
        for (other, proof) in ev.proven.iter() {
            let first = proof.lines().next().unwrap_or_default();
            why.push(format!("the evidence proves another cause, {other}: {first}"));
        }
        for w in why {
            ev.against.push((c.id, w));
        }
    }
}

/// What [`padding_probe`] found.
struct PaddingProbe {
    padding_broken: bool,
    mac_right: bool,
    text: String,
}

/// Decrypts our first protected record (the Finished) with our own
/// client_write keys, the way the server does, and reads its padding and
/// MAC: `record::verify`'s readable twins do the reading.
fn padding_probe(a: &Attempt) -> Option<PaddingProbe> {
    let suite = a.suite?;
    let record = a.recorder.events.iter().find_map(|e| match e {
        OwnedEvent::RecordOut(r) if r.protected => Some(r),
        _ => None,
    })?;
    if suite.is_aead() {
        return Some(PaddingProbe {
            padding_broken: false,
            mac_right: false,
            text: format!(
                "{} is an AEAD suite: its records carry no padding at all",
                suite.name()
            ),
        });
    }
    // Our client_write keys as the trace shows them: the key block as derived
    // from the master secret we used.
    let kb: &KeyBlock = a.recorder.events.iter().rev().find_map(|e| match e {
        OwnedEvent::KeyBlock(k) => Some(k),
        _ => None,
    })?;
    let (typ, version, seq) = (record.content_type, record.version, record.seq);
    // The record layer opens it as the server would; its verifier twins
    // report the padding and the MAC as events.
    // TLS 1.0 records carry no IV: the first one uses the key block's.
    let options = RecordOptions {
        encrypt_then_mac: a.encrypt_then_mac,
        chained_iv: version == ProtocolVersion::TLS10,
    };
    let protection = Protection::from_key_block_with(suite, kb, Direction::ClientToServer, options).ok()?;
    let mut layer = RecordLayerState {
        direction: Direction::ClientToServer,
        protection,
        seq,
    };
    let header = RecordHeader::decode(record.header.0.as_slice().try_into().ok()?);
    let mut seen = Recorder::new();
    let mut payload = record.payload.0.clone();
    let _ = layer.open(&header, &mut payload, &mut Hooks::new(&mut seen));
    let (mut padding, mut well_formed, mut first_bad, mut pad) = (vec![], false, None, 0u8);
    let (mut mac_input, mut mac) = (None, None);
    for e in &seen.events {
        match e {
            OwnedEvent::CbcPadding(p) => {
                (padding, well_formed, first_bad, pad) =
                    (p.padding.0.clone(), p.well_formed, p.first_bad, p.padding_length);
            }
            OwnedEvent::MacInput(m) => mac_input = Some(m.fragment.0.clone()),
            OwnedEvent::MacCompared { received, equal, .. } => mac = Some((received.0.clone(), *equal)),
            _ => {}
        }
    }
    let (received_mac, mac_equal) = mac?;
    let broken = !well_formed;
    // The padding fits when its bytes could be read at all.
    let fits = well_formed || first_bad.is_some();
    // The MAC where padding_length says the padding starts. With broken
    // padding the record layer (as TLS stacks do) checked it as if there were
    // none; the readable twin, given the same fragment with its padding
    // repaired, checks it where padding_length puts it.
    let mac_right = match (a.encrypt_then_mac, broken, fits) {
        (true, _, _) | (false, false, _) => mac_equal,
        (false, true, false) => false,
        (false, true, true) => {
            let mut fragment = mac_input?;
            fragment.extend_from_slice(&received_mac);
            fragment.push(pad);
            let n = fragment.len();
            if usize::from(pad) + 1 > n {
                return None;
            }
            fragment[n - 1 - usize::from(pad)..].fill(pad);
            let mac_key = MacKey::new(suite.mac, &kb.client_write_mac_key)?;
            verify::explain(&mac_key, seq, typ, version, &fragment).mac_ok
        }
    };
    let order = if a.encrypt_then_mac {
        "encrypt-then-MAC: the MAC over the ciphertext"
    } else {
        "MAC-then-encrypt: the MAC in front of the padding"
    };
    let text = match (broken, first_bad) {
        (false, _) => format!(
            "our record seq {seq}, decrypted with our own client_write_key: padding intact (padding_length {pad}, {} padding bytes all {pad:#04x}); {order} is {}",
            padding.len(),
            if mac_right { "right" } else { "WRONG" }
        ),
        (true, Some(i)) => format!(
            "our record seq {seq}, decrypted with our own client_write_key: padding BROKEN: padding_length is {pad} ({pad:#04x}) but padding byte {i} is {:#04x} (padding: {}); {order}, taken where padding_length says, is {}",
            padding.get(i).copied().unwrap_or_default(),
            hex(&padding),
            if mac_right { "right: only the padding is wrong" } else { "wrong too" }
        ),
        (true, None) => format!(
            "our record seq {seq}, decrypted with our own client_write_key: padding_length {pad} does not fit in the record",
        ),
    };
    Some(PaddingProbe {
        padding_broken: broken,
        mac_right,
        text,
    })
}

/// What [`key_probe`] found.
struct KeyProbe {
    mismatch: bool,
    text: String,
}

/// RSA key exchange only: decrypts our `EncryptedPreMasterSecret` with the
/// key the server was given, and asks OpenSSL whether that key is
/// consistent (`openssl rsa -check`).
fn key_probe(a: &Attempt, key_file: &Path, work: &Path) -> Option<KeyProbe> {
    if a.suite?.kx != KeyExchange::Rsa {
        return None;
    }
    let ciphertext = a.recorder.events.iter().find_map(|e| match e {
        OwnedEvent::RsaEncrypted { ciphertext, .. } => Some(ciphertext.0.clone()),
        _ => None,
    })?;
    let ours = a.recorder.events.iter().find_map(|e| match e {
        OwnedEvent::PreMasterSecret(p) => Some(p.0.clone()),
        _ => None,
    })?;
    let key = RsaPrivateKey::from_pem_or_der(&fs::read(key_file).ok()?).ok()?;
    // The certificate the server sent in this handshake.
    let cert_pub = a
        .server_certificate
        .as_deref()
        .and_then(|der| RsaPublicKey::from_certificate(der).ok());
    let public_match = cert_pub.as_ref().map(|p| key.matches(p));
    let decrypted = key.decrypt_pkcs1_v1_5(&ciphertext);
    let key_path = key_file.display().to_string();
    let check = openssl_tool(work, &["rsa", "-check", "-noout", "-in", &key_path])
        .map(|(_, t)| {
            // OpenSSL error lines are `pid:error:code:library:function:REASON:file:line:`.
            t.lines()
                .map(|l| match l.split(':').collect::<Vec<_>>() {
                    f if f.get(1) == Some(&"error") && f.len() > 5 => f[5].trim().to_owned(),
                    _ => l.trim().to_owned(),
                })
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let public = match public_match {
        Some(true) => {
            "its public numbers (n, e) are the certificate's (all OpenSSL compares when it loads a key)"
        }
        Some(false) => "its public numbers differ from the certificate's",
        None => "the certificate's public key could not be read",
    };
    let (mismatch, what) = match &decrypted {
        Ok(pms) if *pms == ours => (
            public_match == Some(false),
            "it decrypts our EncryptedPreMasterSecret to the pre-master secret we sent".to_owned(),
        ),
        Ok(pms) => (
            true,
            format!(
                "it decrypts our EncryptedPreMasterSecret to {} instead of the {} we sent",
                hex(pms),
                hex(&ours)
            ),
        ),
        Err(e) => (
            true,
            format!("it does NOT decrypt our EncryptedPreMasterSecret (the one encrypted to the certificate's public key): {e}"),
        ),
    };
    Some(KeyProbe {
        mismatch,
        text: format!(
            "the server's private key file: {public}; {what}; `openssl rsa -check` says: {}",
            if check.is_empty() { "nothing" } else { &check }
        ),
    })
}

// ---------------------------------------------------------------------------
// Grading
// ---------------------------------------------------------------------------

/// The result of `lab check`.
#[derive(Clone, Debug)]
pub struct Grade {
    /// The answer is the lab's cause.
    pub correct: bool,
    /// Whether this run's evidence proves the lab's cause (if not, the
    /// scenario did not reproduce, and the text says so).
    pub reproduced: bool,
    /// What to print.
    pub text: String,
}

/// Grades `answer` against the lab and the evidence of `run`. An answer
/// that is not in [`CAUSES`] is an error.
pub fn grade(lab: &Lab, run: &LabRun, answer: &str) -> Result<Grade, Error> {
    let given = cause(answer)
        .ok_or_else(|| Error::config(format!("unknown cause '{answer}' (causes: {})", cause_ids())))?;
    let ev = &run.evidence;
    let reproduced = ev.proves(lab.answer.id);
    let mut t = String::new();
    let correct = given.id == lab.answer.id;
    if correct {
        let _ = writeln!(t, "RIGHT: {} ({}).\n", given.id, given.title);
        let _ = writeln!(t, "The evidence:");
        for (_, proof) in ev.proven.iter().filter(|(c, _)| *c == given.id) {
            let _ = writeln!(t, "  * {proof}");
        }
        let _ = writeln!(t, "\nWhat else the run shows:");
        let proofs: Vec<&String> = ev.proven.iter().map(|(_, p)| p).collect();
        for o in ev
            .observations
            .iter()
            .filter(|o| !proofs.iter().any(|p| o.ends_with(p.as_str())))
        {
            let _ = writeln!(t, "  - {o}");
        }
        if !lab.explanation.is_empty() {
            let _ = writeln!(t);
            for l in &lab.explanation {
                let _ = writeln!(t, "{l}");
            }
        }
    } else {
        let _ = writeln!(t, "NOT RIGHT: {} does not fit the evidence.\n", given.id);
        let _ = writeln!(
            t,
            "If the cause were {} ({}), you would see: {}.\n",
            given.id, given.title, given.signature
        );
        let against: Vec<&String> = ev
            .against
            .iter()
            .filter(|(c, _)| *c == given.id)
            .map(|(_, w)| w)
            .collect();
        if !against.is_empty() {
            let _ = writeln!(t, "Against it:");
            for w in against {
                let _ = writeln!(t, "  * {w}");
            }
            let _ = writeln!(t);
        }
        let _ = writeln!(t, "What this run shows:");
        for o in &ev.observations {
            let _ = writeln!(t, "  - {o}");
        }
        if !lab.hint.is_empty() {
            let _ = writeln!(t, "\nHint: {}", lab.hint);
        }
    }
    if !reproduced {
        let _ = writeln!(
            t,
            "\nNote: this run did not reproduce the evidence the lab expects for its cause ({}); the grade follows the lab file.",
            lab.answer.id
        );
    }
    Ok(Grade {
        correct,
        reproduced,
        text: t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_labs_parse_and_name_known_causes() {
        let labs = load(&[]).unwrap();
        assert!(labs.len() >= 8);
        for want in [
            "corruption-in-transit",
            "wrong-server-key",
            "wrong-sequence-number",
            "bad-padding",
            "other-direction-keys",
            "transcript-error",
            "ems-mismatch",
            "protocol-option-pinned",
        ] {
            assert!(labs.iter().any(|l| l.answer.id == want), "no lab for {want}");
        }
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = Lab::parse("name = x\nbogus = 1\n", "t.lab")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.lab:2") && e.contains("bogus"), "{e}");
        let e = Lab::parse("name = x\ntitle = t\nbrief = b\nanswer = nope\n", "t.lab")
            .unwrap_err()
            .to_string();
        assert!(e.contains("corruption-in-transit"), "{e}");
        let e = Lab::parse(
            "name = x\ntitle = t\nbrief = b\nanswer = protocol-option-pinned\n",
            "t.lab",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("fix."), "{e}");
        assert!(Lab::parse("name = X y\n", "t.lab").is_err());
    }

    /// X.690 §8.3: an INTEGER's leading zero byte (there to keep it
    /// positive) is not part of its value.
    #[test]
    fn der_integers_are_read_as_hex() {
        let der = [0x30, 0x08, 0x02, 0x01, 0x00, 0x02, 0x03, 0x00, 0x80, 0x01];
        assert_eq!(der_integers(&der).unwrap(), vec![String::new(), "8001".into()]);
        assert!(der_integers(&der[..9]).is_err());
        assert!(der_integers(&[0x02, 0x01, 0x00]).is_err());
    }
}
