//! Reproducible runs: replay bundles.
//!
//! A connection made with a seed (`--seed`) draws every random value
//! (client_random, the ephemeral key, CBC IVs) from [`crate::rng::SeededRng`],
//! so the same seed and the same server bytes give the same client bytes. A
//! bundle (`--bundle DIR`) keeps what is needed to check that offline:
//!
//! | file | what |
//! | --- | --- |
//! | `bundle.txt` | seed, connection index, every client setting that shapes the bytes, certificate check time |
//! | `flights.txt` | each step (start, receive, send, close) with the bytes read and written, as annotated hex |
//! | `ca.pem` | the trust anchor the certificate was checked against (absent with `--insecure`) |
//! | `events.jsonl` | every event, JSON Lines |
//! | `keylog.txt` | the NSS key log line, for Wireshark |
//!
//! `tlslab replay DIR` feeds the recorded server bytes, in the recorded chunks,
//! into a client built from the same seed and settings, and checks that every
//! client flight and every event matches byte for byte, reporting the first
//! difference (step, offset, event). Go's crypto/tls tests work the same way
//! with their recorded transcripts.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::{ClientConfig, Verification};
use crate::crypto::cert::CertVerifier;
use crate::crypto::suites;
use crate::error::Error;
use crate::faults::{Fault, Faults};
use crate::observer::{JsonLog, Tee};
use crate::rng::SeededRng;
use crate::wire::{ContentType, HandshakeType, NamedGroup, RecordHeader, SignatureScheme};
use crate::Client;

/// What the caller asked of the client at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `Client::start`.
    Start,
    /// `Client::receive` of these bytes (one socket read).
    Receive(Vec<u8>),
    /// `Client::send` of this application data.
    Send(Vec<u8>),
    /// `Client::close`.
    Close,
}

/// One step and the bytes the client wrote in answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The action.
    pub action: Action,
    /// What the client appended to its output.
    pub output: Vec<u8>,
}

/// A shared log the blocking helper appends steps to (see
/// `tlslab_cli::net::connect_logged`); shared so that a failed connection still
/// leaves its steps behind.
#[derive(Clone, Default)]
#[doc(hidden)]
pub struct StepLog(pub Rc<RefCell<Vec<Step>>>);

impl StepLog {
    /// Appends a step.
    pub fn push(&self, action: Action, output: &[u8]) {
        self.0.borrow_mut().push(Step {
            action,
            output: output.to_vec(),
        });
    }
    /// The steps so far.
    pub fn steps(&self) -> Vec<Step> {
        self.0.borrow().clone()
    }
}

/// A `Write` into a shared buffer (to keep an observer's output after the
/// client that owns the observer is gone).
#[derive(Clone, Default)]
#[doc(hidden)]
pub struct SharedBuf(pub Rc<RefCell<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    /// The bytes written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.borrow().clone()
    }
}

/// The client settings that shape the bytes on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSettings {
    /// `--seed`.
    pub seed: u64,
    /// Connection index under that seed.
    pub connection: u64,
    /// server_name.
    pub server_name: String,
    /// Suites offered.
    pub suites: Vec<u16>,
    /// Groups offered.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes offered.
    pub signature_schemes: Vec<SignatureScheme>,
    /// extended_master_secret offered.
    pub extended_master_secret: bool,
    /// session_ticket offered.
    pub session_ticket: bool,
    /// encrypt_then_mac offered.
    pub encrypt_then_mac: bool,
    /// ALPN protocols offered.
    pub alpn: Vec<Vec<u8>>,
    /// Faults applied.
    pub faults: Vec<Fault>,
    /// Unix time at which the certificate was checked.
    pub verify_time: u64,
    /// What the certificate was checked against: `ca.pem` (the bundle's
    /// file), `webpki-roots` (the built-in roots) or `insecure`.
    pub trust: String,
    /// Who the recording was made against (server name and version, command).
    pub recorded_with: String,
}

impl BundleSettings {
    /// The settings of `config` under `seed`/`connection`, checked at `now`.
    pub fn from_config(
        config: &ClientConfig,
        seed: u64,
        connection: u64,
        recorded_with: &str,
    ) -> BundleSettings {
        BundleSettings {
            seed,
            connection,
            server_name: config.server_name.clone(),
            suites: config.suites.iter().map(|s| s.id.0).collect(),
            groups: config.groups.clone(),
            signature_schemes: config.signature_schemes.clone(),
            extended_master_secret: config.offer_extended_master_secret,
            session_ticket: config.offer_session_ticket,
            encrypt_then_mac: config.offer_encrypt_then_mac,
            alpn: config.alpn_protocols.clone(),
            faults: config.faults.0.clone(),
            verify_time: config
                .verify_time
                .unwrap_or_else(SystemTime::now)
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            trust: match &config.verification {
                // A caller's own check cannot be stored; the replay skips it.
                Verification::Insecure | Verification::Custom(_) => "insecure".into(),
                Verification::Verify(v) => match v.roots() {
                    crate::crypto::cert::TrustRoots::WebPki => "webpki-roots".into(),
                    _ => "ca.pem".into(),
                },
            },
            recorded_with: recorded_with.to_string(),
        }
    }

    fn to_text(&self) -> String {
        let hexlist = |v: &[u16]| v.iter().map(|x| format!("{x:04x}")).collect::<Vec<_>>().join(",");
        let mut s = String::from("# tlslab replay bundle: client settings (see flights.txt for the bytes)\n");
        let _ = writeln!(s, "seed={}", self.seed);
        let _ = writeln!(s, "connection={}", self.connection);
        let _ = writeln!(s, "server_name={}", self.server_name);
        let _ = writeln!(s, "suites={}", hexlist(&self.suites));
        let _ = writeln!(
            s,
            "groups={}",
            hexlist(&self.groups.iter().map(|g| g.0).collect::<Vec<_>>())
        );
        let _ = writeln!(
            s,
            "signature_schemes={}",
            hexlist(&self.signature_schemes.iter().map(|g| g.0).collect::<Vec<_>>())
        );
        let _ = writeln!(s, "extended_master_secret={}", self.extended_master_secret as u8);
        let _ = writeln!(s, "session_ticket={}", self.session_ticket as u8);
        let _ = writeln!(s, "encrypt_then_mac={}", self.encrypt_then_mac as u8);
        let alpn: Vec<String> = self.alpn.iter().map(hex::encode).collect();
        let _ = writeln!(s, "alpn={}", alpn.join(","));
        let faults: Vec<String> = self.faults.iter().map(|f| f.to_string()).collect();
        let _ = writeln!(s, "faults={}", faults.join(" "));
        let _ = writeln!(s, "verify_time={}", self.verify_time);
        let _ = writeln!(s, "trust={}", self.trust);
        let _ = writeln!(s, "recorded_with={}", self.recorded_with);
        s
    }

    fn from_text(text: &str) -> Result<BundleSettings, Error> {
        let bad = |w: String| Error::config(format!("bundle.txt: {w}"));
        let mut map = std::collections::HashMap::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| bad(format!("no '=' in '{line}'")))?;
            map.insert(k.to_string(), v.to_string());
        }
        let get = |k: &str| map.get(k).cloned().ok_or_else(|| bad(format!("missing {k}")));
        let num = |k: &str| -> Result<u64, Error> {
            get(k)?.parse().map_err(|_| bad(format!("{k} is not a number")))
        };
        let hexlist = |k: &str| -> Result<Vec<u16>, Error> {
            get(k)?
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|x| u16::from_str_radix(x, 16).map_err(|_| bad(format!("{k}: '{x}' is not hex"))))
                .collect()
        };
        Ok(BundleSettings {
            seed: num("seed")?,
            connection: num("connection")?,
            server_name: get("server_name")?,
            suites: hexlist("suites")?,
            groups: hexlist("groups")?.into_iter().map(NamedGroup).collect(),
            signature_schemes: hexlist("signature_schemes")?
                .into_iter()
                .map(SignatureScheme)
                .collect(),
            extended_master_secret: get("extended_master_secret")? == "1",
            session_ticket: get("session_ticket")? == "1",
            encrypt_then_mac: get("encrypt_then_mac")? == "1",
            alpn: get("alpn")?
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|x| hex::decode(x).map_err(|_| bad(format!("alpn: '{x}'"))))
                .collect::<Result<_, _>>()?,
            faults: get("faults")?
                .split_whitespace()
                .map(Fault::parse)
                .collect::<Result<_, _>>()?,
            verify_time: num("verify_time")?,
            trust: get("trust")?,
            recorded_with: get("recorded_with").unwrap_or_default(),
        })
    }

    /// The client configuration that reproduces the recorded bytes.
    pub fn config(&self, ca_pem: Option<&[u8]>) -> Result<ClientConfig, Error> {
        let mut c = ClientConfig::new(&self.server_name);
        c.suites = self
            .suites
            .iter()
            .map(|&id| {
                suites::lookup(crate::wire::CipherSuite(id)).ok_or_else(|| {
                    Error::config(format!("bundle offers suite {id:04x}, which this build lacks"))
                })
            })
            .collect::<Result<_, _>>()?;
        c.groups = self.groups.clone();
        c.signature_schemes = self.signature_schemes.clone();
        c.offer_extended_master_secret = self.extended_master_secret;
        c.offer_session_ticket = self.session_ticket;
        c.offer_encrypt_then_mac = self.encrypt_then_mac;
        c.alpn_protocols = self.alpn.clone();
        c.faults = Faults(self.faults.clone());
        c.verify_time = Some(UNIX_EPOCH + Duration::from_secs(self.verify_time));
        c.verification = match (self.trust.as_str(), ca_pem) {
            ("insecure", _) => Verification::Insecure,
            ("webpki-roots", _) => Verification::Verify(CertVerifier::webpki_roots()),
            ("ca.pem", Some(pem)) => Verification::Verify(CertVerifier::from_ca_pem(pem)?),
            (other, _) => {
                return Err(Error::config(format!(
                    "bundle trust '{other}' without its ca.pem"
                )))
            }
        };
        c.rng = Box::new(SeededRng::new(self.seed, self.connection));
        Ok(c)
    }
}

/// A recorded connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The settings.
    pub settings: BundleSettings,
    /// The trust anchor (PEM), `None` when the certificate was not verified.
    pub ca_pem: Option<Vec<u8>>,
    /// The steps.
    pub steps: Vec<Step>,
    /// The events, one JSON object per line.
    pub events: String,
    /// The key log.
    pub keylog: String,
}

/// Where a replay first differed from the recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The client's output at a step differs.
    Output {
        /// Step number, from 1.
        step: usize,
        /// First differing byte offset in that step's output.
        offset: usize,
        /// Recorded bytes from there (up to 16).
        expected: Vec<u8>,
        /// Replayed bytes from there (up to 16).
        got: Vec<u8>,
    },
    /// An event differs.
    Event {
        /// Line number in events.jsonl, from 1.
        line: usize,
        /// The recorded line.
        expected: String,
        /// The replayed line.
        got: String,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::Output {
                step,
                offset,
                expected,
                got,
            } => write!(
                f,
                "step {step}: client output differs at offset {offset}: recorded {} replayed {}",
                hex::encode(expected),
                hex::encode(got)
            ),
            Mismatch::Event { line, expected, got } => {
                write!(
                    f,
                    "event {line} differs:\n  recorded: {expected}\n  replayed: {got}"
                )
            }
        }
    }
}

/// The outcome of a replay.
#[derive(Clone, Debug)]
pub struct ReplayReport {
    /// Steps replayed.
    pub steps: usize,
    /// Events compared.
    pub events: usize,
    /// The error the replayed client ended with, if any (as the recording's did).
    pub final_error: Option<Error>,
    /// The first step whose output differs, if any.
    pub output_mismatch: Option<Mismatch>,
    /// The first event that differs, if any.
    pub event_mismatch: Option<Mismatch>,
    /// The replayed events, JSON Lines.
    pub replayed_events: String,
}

impl ReplayReport {
    /// The first difference: an output difference before an event difference.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        self.output_mismatch.as_ref().or(self.event_mismatch.as_ref())
    }
}

impl Bundle {
    /// Writes the bundle into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let io = |e: std::io::Error| Error::config(format!("cannot write bundle {}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::write(dir.join("bundle.txt"), self.settings.to_text()).map_err(io)?;
        std::fs::write(dir.join("flights.txt"), flights_text(&self.steps)).map_err(io)?;
        std::fs::write(dir.join("events.jsonl"), &self.events).map_err(io)?;
        match &self.ca_pem {
            Some(pem) => std::fs::write(dir.join("ca.pem"), pem).map_err(io)?,
            None => {
                let _ = std::fs::remove_file(dir.join("ca.pem"));
            }
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(dir.join("keylog.txt"))
            .and_then(|mut f| f.write_all(self.keylog.as_bytes()))
            .map_err(io)?;
        Ok(())
    }

    /// Reads a bundle from `dir`.
    pub fn read(dir: &Path) -> Result<Bundle, Error> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .map_err(|e| Error::config(format!("cannot read {}: {e}", dir.join(name).display())))
        };
        Ok(Bundle {
            settings: BundleSettings::from_text(&read("bundle.txt")?)?,
            ca_pem: std::fs::read(dir.join("ca.pem")).ok(),
            steps: parse_flights(&read("flights.txt")?)?,
            events: read("events.jsonl")?,
            keylog: read("keylog.txt").unwrap_or_default(),
        })
    }

    /// Replays the recorded steps into a fresh client and compares.
    pub fn replay(&self) -> Result<ReplayReport, Error> {
        let config = self.settings.config(self.ca_pem.as_deref())?;
        let events = SharedBuf::default();
        let mut tee = Tee::default();
        tee.observers.push(Box::new(JsonLog::new(events.clone())));
        let mut client = Client::with_observer(config, &mut tee);
        let mut output_mismatch = None;
        let mut final_error = None;
        for (i, step) in self.steps.iter().enumerate() {
            let mut out = vec![];
            let r = match &step.action {
                Action::Start => client.start(&mut out),
                Action::Receive(bytes) => client.receive(bytes, &mut out),
                Action::Send(data) => client.send(data, &mut out),
                Action::Close => client.close(&mut out),
            };
            if let Err(e) = r {
                final_error = Some(e);
            }
            if out != step.output && output_mismatch.is_none() {
                let offset = out.iter().zip(&step.output).take_while(|(a, b)| a == b).count();
                output_mismatch = Some(Mismatch::Output {
                    step: i + 1,
                    offset,
                    expected: step.output.iter().skip(offset).take(16).copied().collect(),
                    got: out.iter().skip(offset).take(16).copied().collect(),
                });
            }
        }
        drop(client);
        drop(tee);
        let replayed = String::from_utf8_lossy(&events.contents()).into_owned();
        let replayed_for_report = replayed.clone();
        let (mut rec, mut rep) = (self.events.lines(), replayed.lines());
        let mut line = 0;
        let mut event_mismatch = None;
        loop {
            line += 1;
            match (rec.next(), rep.next()) {
                (None, None) => break,
                (a, b) if a == b => continue,
                (a, b) => {
                    event_mismatch = Some(Mismatch::Event {
                        line,
                        expected: a.unwrap_or("(no more events)").to_string(),
                        got: b.unwrap_or("(no more events)").to_string(),
                    });
                    break;
                }
            }
        }
        Ok(ReplayReport {
            steps: self.steps.len(),
            events: line.saturating_sub(1),
            final_error,
            output_mismatch,
            event_mismatch,
            replayed_events: replayed_for_report,
        })
    }
}

/// The annotated hex of `flights.txt`: a `## step N: ACTION` header per step,
/// `<` lines for bytes read, `>` lines for bytes written, `#` comments naming
/// the records.
#[doc(hidden)]
pub fn flights_text(steps: &[Step]) -> String {
    let mut s = String::from(
        "# tlslab flights: '<' bytes the client read, '>' bytes it wrote; '#' starts a comment.\n",
    );
    for (i, step) in steps.iter().enumerate() {
        let _ = match &step.action {
            Action::Start => writeln!(s, "\n## step {}: start", i + 1),
            Action::Receive(b) => writeln!(s, "\n## step {}: receive {} bytes", i + 1, b.len()),
            Action::Send(d) => writeln!(s, "\n## step {}: send {}", i + 1, hex::encode(d)),
            Action::Close => writeln!(s, "\n## step {}: close", i + 1),
        };
        if let Action::Receive(b) = &step.action {
            hex_lines(&mut s, '<', b);
        }
        hex_lines(&mut s, '>', &step.output);
    }
    s
}

/// Hex lines of 32 bytes, each record start annotated when the bytes begin at
/// a record boundary.
fn hex_lines(s: &mut String, mark: char, bytes: &[u8]) {
    let notes = record_notes(bytes);
    for (n, chunk) in bytes.chunks(32).enumerate() {
        let at = n * 32;
        let here: Vec<&String> = notes
            .iter()
            .filter(|(off, _)| *off >= at && *off < at + chunk.len())
            .map(|(_, t)| t)
            .collect();
        let _ = write!(s, "{mark} {}", hex::encode(chunk));
        if !here.is_empty() {
            let pad = 64usize.saturating_sub(chunk.len() * 2);
            let _ = write!(
                s,
                "{:pad$}  # {}",
                "",
                here.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("; ")
            );
        }
        s.push('\n');
    }
}

/// (offset, description) of each record that starts in `bytes`, walking from 0.
fn record_notes(bytes: &[u8]) -> Vec<(usize, String)> {
    let mut notes = vec![];
    let mut at = 0;
    while at + 5 <= bytes.len() {
        let header = RecordHeader::decode(bytes[at..at + 5].try_into().unwrap_or(&[0; 5]));
        if !(20..=24).contains(&header.content_type.0) {
            break;
        }
        let mut note = format!("{} {} len={}", header.content_type, header.version, header.length);
        if header.content_type == ContentType::HANDSHAKE {
            if let Some(&t) = bytes.get(at + 5) {
                let _ = write!(note, " ({} if plaintext)", HandshakeType(t));
            }
        }
        notes.push((at, note));
        at += 5 + header.length as usize;
    }
    notes
}

/// Parses `flights.txt`.
pub(crate) fn parse_flights(text: &str) -> Result<Vec<Step>, Error> {
    let bad = |n: usize, w: &str| Error::config(format!("flights.txt line {n}: {w}"));
    let mut steps: Vec<Step> = vec![];
    for (n, raw) in text.lines().enumerate().map(|(n, l)| (n + 1, l)) {
        let line = raw.split('#').next().unwrap_or("").trim();
        if let Some(header) = raw.trim().strip_prefix("## step ") {
            let (_, action) = header
                .split_once(": ")
                .ok_or_else(|| bad(n, "step header without ': '"))?;
            let mut words = action.split_whitespace();
            let action = match words.next() {
                Some("start") => Action::Start,
                Some("receive") => Action::Receive(vec![]),
                Some("send") => Action::Send(
                    hex::decode(words.next().unwrap_or("")).map_err(|_| bad(n, "send data is not hex"))?,
                ),
                Some("close") => Action::Close,
                _ => return Err(bad(n, "unknown action")),
            };
            steps.push(Step {
                action,
                output: vec![],
            });
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (mark, hexpart) = line.split_at(1);
        let bytes = hex::decode(hexpart.trim()).map_err(|_| bad(n, "not hex"))?;
        let step = steps
            .last_mut()
            .ok_or_else(|| bad(n, "bytes before the first step"))?;
        match (mark, &mut step.action) {
            ("<", Action::Receive(b)) => b.extend_from_slice(&bytes),
            (">", _) => step.output.extend_from_slice(&bytes),
            _ => return Err(bad(n, "'<' bytes outside a receive step")),
        }
    }
    Ok(steps)
}

/// The first event (JSON Lines) that records a failed check: a MAC or tag
/// that did not verify, bad padding, a bad signature or certificate, a
/// Finished mismatch, or an alert we sent. Returns its `event` name and line.
#[doc(hidden)]
pub fn first_failing_event(events: &str) -> Option<(String, String)> {
    let field = |line: &str, key: &str| -> Option<String> {
        let at = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
        Some(line[at..].split('"').next()?.to_string())
    };
    events.lines().find_map(|line| {
        let name = field(line, "event")?;
        let failed = match name.as_str() {
            "mac_compared" => line.contains("\"equal\":false"),
            "cbc_padding" => line.contains("\"well_formed\":false"),
            "aead_open_failed" | "alert_sent" => true,
            "signature_checked" => line.contains("\"valid\":false"),
            "certificate_checked" => line.contains("\"verified\":false") && !line.contains("--insecure"),
            "finished_verify" => field(line, "computed") != field(line, "received"),
            _ => false,
        };
        failed.then(|| (name, line.to_string()))
    })
}

/// Builds a bundle offline from server bytes: a client with `settings`
/// (and its seed) starts, then receives each chunk of `server_chunks` in
/// turn. This is how a failing property-test case or fuzz input (arbitrary
/// server bytes) becomes a bundle that `tlslab replay` reproduces byte for
/// byte, with its events, and that a debugger can step through.
pub fn offline(
    settings: BundleSettings,
    ca_pem: Option<Vec<u8>>,
    server_chunks: &[&[u8]],
) -> Result<Bundle, Error> {
    let config = settings.config(ca_pem.as_deref())?;
    let (events, keylog) = (SharedBuf::default(), SharedBuf::default());
    let mut tee = Tee::default();
    tee.observers.push(Box::new(JsonLog::new(events.clone())));
    tee.observers
        .push(Box::new(crate::observer::KeyLogWriter::new(keylog.clone())));
    let mut steps = vec![];
    {
        let mut client = Client::with_observer(config, &mut tee);
        let mut out = vec![];
        let _ = client.start(&mut out);
        steps.push(Step {
            action: Action::Start,
            output: out,
        });
        for chunk in server_chunks {
            let mut out = vec![];
            let _ = client.receive(chunk, &mut out);
            steps.push(Step {
                action: Action::Receive(chunk.to_vec()),
                output: out,
            });
        }
    }
    drop(tee);
    Ok(Bundle {
        settings,
        ca_pem,
        steps,
        events: String::from_utf8_lossy(&events.contents()).into_owned(),
        keylog: String::from_utf8_lossy(&keylog.contents()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flights_text_round_trips() {
        let steps = vec![
            Step {
                action: Action::Start,
                output: vec![22, 3, 3, 0, 2, 1, 0],
            },
            Step {
                action: Action::Receive((0..100).collect()),
                output: vec![],
            },
            Step {
                action: Action::Send(b"ping".to_vec()),
                output: vec![23, 3, 3, 0, 1, 9],
            },
            Step {
                action: Action::Close,
                output: vec![21, 3, 3, 0, 2, 1, 0],
            },
        ];
        let text = flights_text(&steps);
        assert!(text.contains("# handshake TLSv1.2 len=2"), "{text}");
        assert_eq!(parse_flights(&text).unwrap(), steps);
        assert!(parse_flights("< 00\n").is_err());
    }
}
