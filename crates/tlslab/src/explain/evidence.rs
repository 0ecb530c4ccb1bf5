//! Experiments as evidence: from a set of handshakes to a cause.
//!
//! The recomputations of this module's siblings prove causes that live in
//! the bytes of one connection (a record, a Finished). Many faults made
//! outside the client leave nothing to recompute: a middlebox that drops a
//! ClientHello with one extension, a server whose key schedule is wrong for
//! one suite family, one bad backend behind a load balancer. Those are found
//! the way a person finds them: by another handshake that differs from the
//! failing one in exactly one controlled respect, and by the same offer again.
//!
//! ```text
//!  experiment = (what was varied, the offer as sent, what the server chose,
//!                which server answered, how it ended)
//!
//!  conclude(experiments) ─┬─ a recomputation in one of them verifies
//!                         │  (the ServerKeyExchange signature fails with the
//!                         │  certificate's key)                   → certain
//!                         ├─ one property of the offer or of the negotiated
//!                         │  parameters separates every failure from every
//!                         │  success, a controlled pair isolates it, and the
//!                         │  failure repeats                      → certain
//!                         ├─ it separates them, but no pair isolates it, or
//!                         │  another property separates them too  → plausible,
//!                         │                                          with the experiment that decides
//!                         └─ the same offer both fails and works  → intermittent,
//!                            grouped by what identifies the server that answered
//! ```
//!
//! Everything here is plain data and pure functions: the live prober
//! (`tlslab diagnose`, `tlslab connect` after a failure) fills in
//! [`Experiment`]s, and [`conclude`] names the causes.

use std::fmt::{self, Write as _};

use super::report::Certainty;
use crate::crypto::suites::{PrfHash, SuiteInfo};
use crate::wire::{AlertDescription, CipherSuite, ExtensionType, ProtocolVersion};

/// `padding` (RFC 7685): the extension that moves a ClientHello out of the
/// 256..=511-byte range some load balancers cannot parse.
pub const PADDING_EXTENSION: ExtensionType = ExtensionType(0x0015);

/// The ClientHello as it was sent: the properties an intolerant server or a
/// middlebox can react to before any key exists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offer {
    /// Extension types, in the order sent.
    pub extensions: Vec<ExtensionType>,
    /// The ClientHello handshake message's length, its 4-byte header included
    /// (what RFC 7685 §3 and the load balancers it describes count).
    pub hello_length: usize,
    /// `ClientHello.client_version`.
    pub client_version: ProtocolVersion,
    /// The version in the header of the record that carried it.
    pub record_version: ProtocolVersion,
    /// The suites offered, in order.
    pub suites: Vec<CipherSuite>,
}

/// What the server chose, once it answered with a ServerHello.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Negotiated {
    /// The suite it chose (`None` when we do not implement it).
    pub suite: Option<&'static SuiteInfo>,
    /// Whether it acknowledged extended_master_secret (RFC 7627).
    pub extended_master_secret: bool,
    /// Whether encrypt_then_mac is in use (RFC 7366: acknowledged, with a CBC suite).
    pub encrypt_then_mac: bool,
    /// `ServerHello.server_version`.
    pub version: Option<ProtocolVersion>,
}

/// What identifies the server that answered, for a pool of servers behind
/// one address: two backends with different certificates, keys or software
/// differ in at least one of these.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Backend {
    /// SHA-256 of the leaf certificate (DER).
    pub certificate_sha256: Option<[u8; 32]>,
    /// SHA-256 of the leaf certificate's subjectPublicKey.
    pub public_key_sha256: Option<[u8; 32]>,
    /// The ServerHello's extension types in the order sent (software and
    /// its configuration decide the order).
    pub extension_order: Vec<u16>,
    /// The first bytes of the session ID the server assigned (some load
    /// balancers encode the backend there).
    pub session_id_prefix: Vec<u8>,
    /// The session ID's length (0: the server issues tickets only, or keeps
    /// no session cache).
    pub session_id_length: usize,
}

impl Backend {
    /// A short name for people: the certificate hash, else the key hash,
    /// else the extension order.
    pub fn label(&self) -> String {
        if let Some(h) = self.certificate_sha256 {
            return format!("the server presenting certificate SHA-256 {}", hex_prefix(&h));
        }
        if let Some(h) = self.public_key_sha256 {
            return format!("the server with public key SHA-256 {}", hex_prefix(&h));
        }
        if !self.extension_order.is_empty() {
            let order: Vec<String> = self.extension_order.iter().map(|e| format!("{e:04x}")).collect();
            return format!(
                "the server answering with extensions in the order {}",
                order.join(",")
            );
        }
        if !self.session_id_prefix.is_empty() {
            return format!(
                "the server assigning session IDs {}..",
                hex_prefix(&self.session_id_prefix)
            );
        }
        "an unidentified server".into()
    }

    fn is_known(&self) -> bool {
        self.certificate_sha256.is_some()
            || self.public_key_sha256.is_some()
            || !self.extension_order.is_empty()
            || !self.session_id_prefix.is_empty()
    }
}

fn hex_prefix(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect::<String>() + if b.len() > 8 { ".." } else { "" }
}

/// How one handshake ended, in the terms the conclusions need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExperimentOutcome {
    /// The handshake completed (and any data exchange after it).
    Works,
    /// No answer to the ClientHello: the connection was closed, reset or went
    /// silent before the server sent a byte. What an intolerant server or a
    /// filtering middlebox does.
    NoAnswer {
        /// Closed, reset or timeout, in words.
        how: String,
    },
    /// The server refused the ClientHello with this alert (negotiation).
    RefusedHello(AlertDescription),
    /// The server answered our Finished with this alert (bad_record_mac,
    /// decrypt_error, handshake_failure): the two sides' keys or transcripts differ.
    RejectedFinished(AlertDescription),
    /// The ServerKeyExchange signature did not verify with the public key in
    /// the server's certificate: a recomputation, so it proves the server
    /// signed with another private key.
    BadServerSignature {
        /// What the check said.
        detail: String,
    },
    /// We rejected a protected record from the server (we sent
    /// bad_record_mac): its record protection differs from ours.
    BadServerRecord {
        /// What our record layer said.
        detail: String,
    },
    /// Any other failure after the server answered.
    Failed {
        /// The state the handshake was in.
        state: String,
        /// The error.
        error: String,
    },
}

impl ExperimentOutcome {
    /// Whether the handshake completed.
    pub fn works(&self) -> bool {
        matches!(self, ExperimentOutcome::Works)
    }

    /// Whether the server answered the ClientHello at all.
    pub fn answered(&self) -> bool {
        !matches!(self, ExperimentOutcome::NoAnswer { .. })
    }
}

impl fmt::Display for ExperimentOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentOutcome::Works => f.write_str("works"),
            ExperimentOutcome::NoAnswer { how } => write!(f, "no answer ({how})"),
            ExperimentOutcome::RefusedHello(a) => write!(f, "server refused the hello with {a}"),
            ExperimentOutcome::RejectedFinished(a) => write!(f, "server answered our Finished with {a}"),
            ExperimentOutcome::BadServerSignature { detail } => {
                write!(f, "bad ServerKeyExchange signature: {detail}")
            }
            ExperimentOutcome::BadServerRecord { detail } => {
                write!(f, "a server record did not verify: {detail}")
            }
            ExperimentOutcome::Failed { state, error } => write!(f, "{error} (in {state})"),
        }
    }
}

/// One handshake used as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Experiment {
    /// What this handshake varied against the reference offer, for people
    /// ("without extension extended_master_secret", "the same offer again").
    pub varied: String,
    /// Whether it differs from the reference offer in exactly one respect
    /// (then a different outcome isolates that respect). The reference offer
    /// itself and its repetitions are not controlled variations.
    pub controlled: bool,
    /// Whether this is the reference offer (the first attempt or a repetition).
    pub reference: bool,
    /// The ClientHello as sent.
    pub offer: Offer,
    /// What the server chose, when it answered with a ServerHello.
    pub negotiated: Option<Negotiated>,
    /// Which server answered, when it did.
    pub backend: Option<Backend>,
    /// How it ended.
    pub outcome: ExperimentOutcome,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

/// A cause established (or suggested) by experiments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExperimentCause {
    /// The ServerKeyExchange signature does not verify with the certificate's
    /// key: the server signs with a private key that is not its certificate's
    /// (with RSA key exchange the same server decrypts garbage and answers
    /// our Finished with bad_record_mac).
    ServerSignsWithOtherKey,
    /// Every handshake that negotiates RSA key exchange fails after our
    /// Finished and ECDHE works: the server cannot decrypt our pre-master
    /// secret (its private key is not its certificate's, or its RSA
    /// decryption is broken).
    RsaKeyExchangeBroken,
    /// Failures after our Finished exactly when the server acknowledged
    /// extended_master_secret: it derives the master secret without it.
    ExtendedMasterSecretNotApplied,
    /// Failures after our Finished exactly when encrypt_then_mac is in use:
    /// the server acknowledges it and does not apply it.
    EncryptThenMacNotApplied,
    /// Failures after our Finished exactly for the suites whose PRF hash is
    /// `failing`: the server's key schedule is wrong for them (it probably
    /// uses the other hash).
    PrfHashBroken {
        /// The hash of the suites that fail.
        failing: PrfHash,
    },
    /// Every handshake with a CBC suite fails at a protected record from
    /// the server, and AEAD suites work: the server's CBC record protection
    /// (padding or MAC) is wrong.
    CbcRecordsRejected,
    /// Any ClientHello that offers this extension is refused (no answer, or
    /// a fatal alert instead of a ServerHello).
    ExtensionIntolerance(ExtensionType),
    /// ClientHellos whose length lies in this range are refused.
    HelloLengthIntolerance {
        /// The shortest length that got no answer.
        min: usize,
        /// The longest length that got no answer.
        max: usize,
    },
    /// Any client_version above this one is refused.
    VersionIntolerance(ProtocolVersion),
    /// Any record-layer version above this one is refused.
    RecordVersionIntolerance(ProtocolVersion),
    /// Failures come from one of several servers behind the address.
    BadBackend {
        /// The failing server.
        backend: Backend,
        /// What tells it from the others, in words ("certificate SHA-256 ab12..").
        by: String,
        /// How many attempts reached it, and how many failed.
        attempts: usize,
        /// Failures among them.
        failures: usize,
    },
    /// A session (ticket or session ID) issued by one server behind the
    /// address is resumed by it and not by another: the servers share no
    /// session cache and no ticket key.
    ResumptionAcrossBackends {
        /// Whether the other server fell back to a full handshake (it
        /// works, only slower) rather than failing.
        fell_back: bool,
        /// Resumption attempts.
        attempts: usize,
        /// Attempts that resumed.
        resumed: usize,
    },
    /// The same offer sometimes works and sometimes fails, and nothing that
    /// identifies a server separates the two.
    Intermittent {
        /// Attempts of the same offer.
        attempts: usize,
        /// Failures among them.
        failures: usize,
    },
}

impl ExperimentCause {
    /// A stable snake_case name (JSON, tests).
    pub fn id(&self) -> &'static str {
        match self {
            ExperimentCause::ServerSignsWithOtherKey => "server_signs_with_other_key",
            ExperimentCause::RsaKeyExchangeBroken => "rsa_key_exchange_broken",
            ExperimentCause::ExtendedMasterSecretNotApplied => "extended_master_secret_not_applied",
            ExperimentCause::EncryptThenMacNotApplied => "encrypt_then_mac_not_applied",
            ExperimentCause::PrfHashBroken { .. } => "prf_hash_broken",
            ExperimentCause::CbcRecordsRejected => "cbc_records_rejected",
            ExperimentCause::ExtensionIntolerance(_) => "extension_intolerance",
            ExperimentCause::HelloLengthIntolerance { .. } => "hello_length_intolerance",
            ExperimentCause::VersionIntolerance(_) => "version_intolerance",
            ExperimentCause::RecordVersionIntolerance(_) => "record_version_intolerance",
            ExperimentCause::BadBackend { .. } => "bad_backend",
            ExperimentCause::ResumptionAcrossBackends { .. } => "resumption_across_backends",
            ExperimentCause::Intermittent { .. } => "intermittent",
        }
    }

    /// Whether connections fail because of it (a resumption that falls
    /// back to a full handshake works: it is said, not a failure).
    pub fn fails(&self) -> bool {
        !matches!(
            self,
            ExperimentCause::ResumptionAcrossBackends { fell_back: true, .. }
        )
    }

    /// The RFC text that defines what the server gets wrong, in the TLS 1.2
    /// specification; [`ExperimentCause::rfc_in`] cites another version's.
    pub fn rfc(&self) -> &'static str {
        self.rfc_in(ProtocolVersion::TLS12)
    }

    /// The RFC text that defines what the server gets wrong, in the
    /// specification of `version` (the version the experiments ran at).
    pub fn rfc_in(&self, version: ProtocolVersion) -> &'static str {
        use super::cause::{cite, ALERT, CBC, PRF, RSA_PRE_MASTER};
        match self {
            ExperimentCause::ServerSignsWithOtherKey => cite(
                version,
                [
                    "RFC 6101 §5.6.3",
                    "RFC 2246 §7.4.3",
                    "RFC 4346 §7.4.3",
                    "RFC 5246 §7.4.3",
                ],
            ),
            ExperimentCause::RsaKeyExchangeBroken => cite(version, RSA_PRE_MASTER),
            ExperimentCause::ExtendedMasterSecretNotApplied => "RFC 7627 §4",
            ExperimentCause::EncryptThenMacNotApplied => "RFC 7366 §3",
            ExperimentCause::PrfHashBroken { .. } => cite(version, PRF),
            ExperimentCause::CbcRecordsRejected => cite(version, CBC),
            // Before TLS 1.2 hello extensions are RFC 4366's (RFC 3546's
            // for TLS 1.0 first).
            ExperimentCause::ExtensionIntolerance(_) => cite(
                version,
                [
                    "RFC 4366 §2.1",
                    "RFC 4366 §2.1",
                    "RFC 4366 §2.1",
                    "RFC 5246 §7.4.1.4",
                ],
            ),
            ExperimentCause::HelloLengthIntolerance { .. } => "RFC 7685 §1",
            // About an offer above the version that works: the rule of the
            // highest version offered, TLS 1.2's.
            ExperimentCause::VersionIntolerance(_) | ExperimentCause::RecordVersionIntolerance(_) => {
                "RFC 5246 Appendix E.1"
            }
            ExperimentCause::BadBackend { .. } | ExperimentCause::Intermittent { .. } => cite(version, ALERT),
            ExperimentCause::ResumptionAcrossBackends { .. } => cite(
                version,
                [
                    "RFC 5077 §3.4, RFC 6101 §5.6.1.2",
                    "RFC 5077 §3.4, RFC 2246 §7.4.1.2",
                    "RFC 5077 §3.4, RFC 4346 §7.4.1.2",
                    "RFC 5077 §3.4, RFC 5246 §7.4.1.2",
                ],
            ),
        }
    }
}

impl fmt::Display for ExperimentCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentCause::ServerSignsWithOtherKey => f.write_str(
                "the server signs with a private key that is not its certificate's (with RSA key exchange it cannot decrypt our pre-master secret either)",
            ),
            ExperimentCause::RsaKeyExchangeBroken => f.write_str(
                "the server cannot decrypt our RSA pre-master secret (its private key is not its certificate's, or its RSA decryption is broken); ECDHE works",
            ),
            ExperimentCause::ExtendedMasterSecretNotApplied => f.write_str(
                "the server acknowledges extended_master_secret but derives the master secret without it",
            ),
            ExperimentCause::EncryptThenMacNotApplied => f.write_str(
                "the server acknowledges encrypt_then_mac but does not apply it (it uses MAC-then-encrypt)",
            ),
            ExperimentCause::PrfHashBroken { failing } => {
                let other = super::other_hash(*failing);
                write!(
                    f,
                    "the server's key schedule is wrong for {0} suites (it probably uses P_{1} instead of P_{0})",
                    failing.name(),
                    other.name()
                )
            }
            ExperimentCause::CbcRecordsRejected => f.write_str(
                "every handshake with a CBC suite fails at a protected record from the server, and the AEAD suites work: the server's CBC record protection (padding or MAC) is wrong; the recomputation of a failing record says how",
            ),
            ExperimentCause::ExtensionIntolerance(e) => write!(
                f,
                "any ClientHello that offers extension 0x{:04x} {e} is refused (dropped, or answered with a fatal alert instead of a ServerHello): extension intolerance (a server or middlebox on the path)",
                e.0
            ),
            ExperimentCause::HelloLengthIntolerance { min, max } => write!(
                f,
                "ClientHellos of {min} to {max} bytes are refused (dropped, or answered with a fatal alert; the F5 bug behind RFC 7685's padding extension): pad the hello to 512 bytes or more"
            ),
            ExperimentCause::VersionIntolerance(v) => write!(
                f,
                "any client_version above {v} is refused (dropped, or answered with a fatal alert instead of a ServerHello of a lower version, RFC 5246 Appendix E.1): version intolerance"
            ),
            ExperimentCause::RecordVersionIntolerance(v) => write!(
                f,
                "any record-layer version above {v} is refused (dropped, or answered with a fatal alert): record version intolerance"
            ),
            ExperimentCause::BadBackend {
                backend,
                by,
                attempts,
                failures,
            } if !backend.is_known() => write!(
                f,
                "one server behind this address most likely fails: every failure ended the same way ({by}) before the server identified itself ({failures} of {attempts} attempts), while every success came from one other server"
            ),
            ExperimentCause::BadBackend {
                by,
                attempts,
                failures,
                ..
            } => write!(
                f,
                "one server behind this address fails: every failure came from the server with {by} ({failures} of the {attempts} connections it answered failed); the others never failed"
            ),
            ExperimentCause::ResumptionAcrossBackends {
                fell_back,
                attempts,
                resumed,
            } => write!(
                f,
                "sessions are not shared by the servers behind this address: a session was resumed by the server that issued it and {} by another ({resumed} of {attempts} resumption attempts resumed); share the session cache and ticket keys, or keep clients on one server",
                if *fell_back {
                    "not resumed (a full handshake instead)"
                } else {
                    "refused with a failure"
                }
            ),
            ExperimentCause::Intermittent { attempts, failures } => write!(
                f,
                "the same offer failed {failures} of {attempts} times, and nothing that identifies a server separates the failures (a flaky server or path)"
            ),
        }
    }
}

/// A cause with its certainty and the experiments behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conclusion {
    /// The cause.
    pub cause: ExperimentCause,
    /// Proven (a recomputation verifies, or an experiment pair isolates it
    /// and the failure repeats) or plausible.
    pub certainty: Certainty,
    /// The experiments that support it, in words.
    pub evidence: Vec<String>,
    /// For a plausible conclusion: the experiment that would decide it.
    pub decide_by: Option<String>,
    /// The protocol version of the experiments behind it: the cause cites
    /// that version's RFC.
    pub version: ProtocolVersion,
}

impl fmt::Display for Conclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.certainty {
            Certainty::Proven => "CERTAIN",
            Certainty::Plausible(_) => "plausible",
            Certainty::RuledOut => "ruled out",
        };
        writeln!(
            f,
            "{word}: {} ({}) [{}]",
            self.cause,
            self.cause.rfc_in(self.version),
            self.cause.id()
        )?;
        for e in &self.evidence {
            writeln!(f, "  evidence: {e}")?;
        }
        if let Some(d) = &self.decide_by {
            writeln!(f, "  to decide: {d}")?;
        }
        Ok(())
    }
}

/// Repeated attempts of the reference offer: did they agree?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeatability {
    /// Attempts of the reference offer.
    pub attempts: usize,
    /// How many failed.
    pub failures: usize,
}

impl Repeatability {
    /// Whether the attempts disagree.
    pub fn is_intermittent(&self) -> bool {
        self.failures > 0 && self.failures < self.attempts
    }
}

/// How the reference offer's attempts went.
pub fn repeatability(experiments: &[Experiment]) -> Repeatability {
    let refs: Vec<&Experiment> = experiments.iter().filter(|e| e.reference).collect();
    Repeatability {
        attempts: refs.len(),
        failures: refs.iter().filter(|e| !e.outcome.works()).count(),
    }
}

/// A property of a handshake: `None` where it does not apply.
type Holds = Box<dyn Fn(&Experiment) -> Option<bool>>;

/// Which failures a property is meant to explain.
type Kind = fn(&ExperimentOutcome) -> bool;

/// Pairs of extension types, first before second, in one ServerHello.
type OrderPairs = Vec<(u16, u16)>;

/// One candidate explanation: a property of a handshake, and which
/// failures it is meant to explain.
struct Property {
    cause: ExperimentCause,
    /// The property, per experiment; `None` where it does not apply (the
    /// server never got far enough to choose).
    holds: Holds,
    /// The failures this property explains.
    explains: fn(&ExperimentOutcome) -> bool,
    /// What to run when nothing isolates it.
    decide_by: String,
    /// Specificity for ranking two that both separate the outcomes.
    weight: u8,
    /// Properties of one dimension (thresholds of one version field, the two
    /// PRF hashes) are one respect of the offer, not two.
    dimension: String,
}

/// Refused at the ClientHello: no answer at all, or a fatal alert instead of
/// a ServerHello. An intolerant server or middlebox does either (a silent
/// drop, or `handshake_failure`, `decode_error`, `protocol_version`...);
/// which one does not change what it is intolerant of.
fn no_answer(o: &ExperimentOutcome) -> bool {
    matches!(
        o,
        ExperimentOutcome::NoAnswer { .. } | ExperimentOutcome::RefusedHello(_)
    )
}

fn after_finished(o: &ExperimentOutcome) -> bool {
    matches!(o, ExperimentOutcome::RejectedFinished(_))
}

fn bad_server_record(o: &ExperimentOutcome) -> bool {
    matches!(o, ExperimentOutcome::BadServerRecord { .. })
}

fn negotiated<T>(e: &Experiment, f: impl Fn(&Negotiated) -> T) -> Option<T> {
    e.negotiated.as_ref().map(f)
}

/// The candidate properties for this set of experiments: every extension
/// that some hello offered, the hello-length range, each version threshold,
/// and the negotiated parameters that change the key schedule.
fn candidates(experiments: &[Experiment]) -> Vec<Property> {
    let mut v: Vec<Property> = vec![];
    let mut exts: Vec<ExtensionType> = experiments
        .iter()
        .flat_map(|e| e.offer.extensions.iter().copied())
        .filter(|e| *e != PADDING_EXTENSION)
        .collect();
    exts.sort();
    exts.dedup();
    for ext in exts {
        v.push(Property {
            cause: ExperimentCause::ExtensionIntolerance(ext),
            holds: Box::new(move |e| Some(e.offer.extensions.contains(&ext))),
            explains: no_answer,
            decide_by: format!("the same ClientHello without extension {ext}, and one with only it added"),
            weight: 80,
            dimension: format!("extension {ext}"),
        });
    }
    // Hello length: the smallest range that holds every unanswered length,
    // if no answered length falls inside it.
    let dropped: Vec<usize> = experiments
        .iter()
        .filter(|e| no_answer(&e.outcome))
        .map(|e| e.offer.hello_length)
        .collect();
    let answered = |below: bool, at: usize| {
        experiments.iter().any(|e| {
            !no_answer(&e.outcome)
                && if below {
                    e.offer.hello_length < at
                } else {
                    e.offer.hello_length > at
                }
        })
    };
    if let (Some(&min), Some(&max)) = (dropped.iter().min(), dropped.iter().max()) {
        // A range, not "long hellos": answered hellos lie on both sides of it.
        if !(answered(true, min) && answered(false, max)) {
            return with_stage_two(v);
        }
        v.push(Property {
            cause: ExperimentCause::HelloLengthIntolerance { min, max },
            holds: Box::new(move |e| Some((min..=max).contains(&e.offer.hello_length))),
            explains: no_answer,
            decide_by: format!(
                "the same ClientHello padded (RFC 7685) to {} bytes, and one trimmed below {min}",
                max + 1
            ),
            weight: 70,
            dimension: "hello length".into(),
        });
    }
    with_stage_two(v)
}

/// The hello-stage candidates are in `v`; the version thresholds and the
/// negotiated parameters follow.
fn with_stage_two(mut v: Vec<Property>) -> Vec<Property> {
    for (threshold, weight) in [(ProtocolVersion::TLS10, 75), (ProtocolVersion::TLS11, 74)] {
        v.push(Property {
            cause: ExperimentCause::VersionIntolerance(threshold),
            holds: Box::new(move |e| Some(e.offer.client_version > threshold)),
            explains: no_answer,
            decide_by: format!("the same ClientHello with client_version {threshold}"),
            weight,
            dimension: "client_version".into(),
        });
        v.push(Property {
            cause: ExperimentCause::RecordVersionIntolerance(threshold),
            holds: Box::new(move |e| Some(e.offer.record_version > threshold)),
            explains: no_answer,
            decide_by: format!("the same ClientHello in a record of version {threshold}"),
            weight: weight - 2,
            dimension: "record version".into(),
        });
    }
    v.push(Property {
        cause: ExperimentCause::ExtendedMasterSecretNotApplied,
        holds: Box::new(|e| negotiated(e, |n| n.extended_master_secret)),
        explains: after_finished,
        decide_by: "the same offer without extended_master_secret (--no-ems)".into(),
        weight: 90,
        dimension: "extended_master_secret".into(),
    });
    v.push(Property {
        cause: ExperimentCause::EncryptThenMacNotApplied,
        holds: Box::new(|e| negotiated(e, |n| n.encrypt_then_mac)),
        explains: after_finished,
        decide_by: "the same offer without encrypt_then_mac (--no-etm)".into(),
        weight: 90,
        dimension: "encrypt_then_mac".into(),
    });
    for failing in [PrfHash::Sha384, PrfHash::Sha256] {
        v.push(Property {
            cause: ExperimentCause::PrfHashBroken { failing },
            holds: Box::new(move |e| e.negotiated.as_ref()?.suite.map(|s| s.prf == failing)),
            explains: after_finished,
            decide_by: format!(
                "one suite of each PRF hash (--cipher with a {} suite, then a {} suite)",
                PrfHash::Sha256.name(),
                PrfHash::Sha384.name()
            ),
            weight: 85,
            dimension: "PRF hash".into(),
        });
    }
    v.push(Property {
        cause: ExperimentCause::CbcRecordsRejected,
        holds: Box::new(|e| e.negotiated.as_ref()?.suite.map(|s| !s.is_aead())),
        explains: bad_server_record,
        decide_by: "one CBC suite and one AEAD suite (--cipher)".into(),
        weight: 80,
        dimension: "cipher mode".into(),
    });
    v.push(Property {
        cause: ExperimentCause::RsaKeyExchangeBroken,
        holds: Box::new(|e| e.negotiated.as_ref()?.suite.map(is_rsa_key_exchange)),
        explains: after_finished,
        decide_by: "the same offer with only ECDHE suites: its signature check tells whether the key is the certificate's"
            .into(),
        weight: 80,
        dimension: "key exchange".into(),
    });
    v
}

/// Whether a suite uses RSA key exchange (`TLS_RSA_WITH_*`).
pub fn is_rsa_key_exchange(s: &SuiteInfo) -> bool {
    s.name().starts_with("TLS_RSA_WITH_")
}

/// The causes the experiments support, most certain and most specific first.
///
/// A property becomes a conclusion when it separates the failures it is
/// meant to explain from every handshake that got past that point: it holds
/// for each such failure and for none that worked (or, for hello-stage
/// properties, for none the server answered). It is **certain** when, in
/// addition, a controlled experiment (one respect changed) flips the
/// outcome, the failure happened at least twice, the reference offer
/// repeated the same way, and no other property of the same kind separates
/// the outcomes as well. A failing ServerKeyExchange signature is certain on
/// its own: it is a recomputation.
pub fn conclude(experiments: &[Experiment]) -> Vec<Conclusion> {
    let mut out = vec![];
    let rep = repeatability(experiments);

    // 1. Recomputation: a signature that does not verify with the certificate's key.
    let bad_sig: Vec<&Experiment> = experiments
        .iter()
        .filter(|e| matches!(e.outcome, ExperimentOutcome::BadServerSignature { .. }))
        .collect();
    if let Some(first) = bad_sig.first() {
        let mut evidence = vec![format!(
            "{}: {} ({} handshake(s) alike)",
            first.varied,
            first.outcome,
            bad_sig.len()
        )];
        let rsa_fails = experiments
            .iter()
            .filter(|e| after_finished(&e.outcome))
            .filter(|e| {
                e.negotiated
                    .as_ref()
                    .and_then(|n| n.suite)
                    .is_some_and(is_rsa_key_exchange)
            })
            .count();
        if rsa_fails > 0 {
            evidence.push(format!(
                "{rsa_fails} handshake(s) with RSA key exchange failed after our Finished: the same wrong key cannot decrypt our pre-master secret"
            ));
        }
        out.push(Conclusion {
            version: ProtocolVersion::TLS12,
            cause: ExperimentCause::ServerSignsWithOtherKey,
            certainty: Certainty::Proven,
            evidence,
            decide_by: None,
        });
    }

    // 2. Intermittent: the same offer disagrees with itself. Group by backend.
    if rep.is_intermittent() {
        out.push(backend_conclusion(experiments, &rep));
    }

    // 3. Properties that separate outcomes. A hello refused with an alert
    // when it offered none of the suites the server chose elsewhere was
    // refused by negotiation (nothing in common), not by intolerance: it
    // says nothing about the hello's other properties.
    let chosen: Vec<CipherSuite> = experiments
        .iter()
        .filter_map(|e| e.negotiated.as_ref()?.suite.map(|s| s.id))
        .collect();
    let kept: Vec<Experiment> = experiments
        .iter()
        .filter(|e| {
            !matches!(e.outcome, ExperimentOutcome::RefusedHello(_))
                || chosen.is_empty()
                || e.offer.suites.iter().any(|s| chosen.contains(s))
        })
        .cloned()
        .collect();
    let experiments = &kept[..];
    let props = candidates(experiments);
    let mut found: Vec<(Conclusion, Kind, u8)> = vec![];
    for (pi, p) in props.iter().enumerate() {
        let relevant: Vec<(&Experiment, bool)> = experiments
            .iter()
            .filter_map(|e| (p.holds)(e).map(|h| (e, h)))
            .collect();
        let failing: Vec<&(&Experiment, bool)> = relevant
            .iter()
            .filter(|(e, _)| (p.explains)(&e.outcome))
            .collect();
        if failing.is_empty() || !failing.iter().all(|(_, h)| *h) {
            continue;
        }
        // Every experiment that holds the property must fail the same way...
        let contradicted = relevant
            .iter()
            .any(|(e, h)| *h && !(p.explains)(&e.outcome) && passed_the_point(p.explains, &e.outcome));
        if contradicted {
            continue;
        }
        // ...and some experiment without it must have got past that point.
        let passing: Vec<&(&Experiment, bool)> = relevant
            .iter()
            .filter(|(e, h)| !*h && passed_the_point(p.explains, &e.outcome))
            .collect();
        if passing.is_empty() {
            continue;
        }
        // A controlled experiment isolates the property when, against a
        // failing attempt of the reference offer or another controlled
        // variation of it, this property is the only candidate of the same
        // kind whose value changed.
        let same_elsewhere = |e: &Experiment, r: &Experiment| {
            props.iter().enumerate().all(|(qi, q)| {
                qi == pi
                    || q.dimension == p.dimension
                    || !std::ptr::fn_addr_eq(q.explains, p.explains)
                    || matches!(((q.holds)(e), (q.holds)(r)), (Some(a), Some(b)) if a == b)
                    || (q.holds)(e).is_none()
                    || (q.holds)(r).is_none()
            })
        };
        // Of all isolating pairs, show the closest one (fewest differences
        // in the offer and the server's choices).
        let isolating = passing
            .iter()
            .filter(|(e, _)| e.controlled)
            .flat_map(|(e, _)| {
                experiments
                    .iter()
                    .filter(|r| (r.reference || r.controlled) && (p.explains)(&r.outcome))
                    .filter(move |r| same_elsewhere(e, r))
                    .map(move |r| (*e, r))
            })
            .min_by_key(|(e, r)| (distance(e, r), !r.reference));
        let repeated = failing.len() >= 2 && !rep.is_intermittent();
        let mut evidence = vec![format!(
            "{} of {} handshakes {}; every one of them {}",
            failing.len(),
            relevant.len(),
            stage_words(p.explains),
            holds_words(&p.cause)
        )];
        if std::ptr::fn_addr_eq(p.explains, no_answer as Kind) {
            evidence.push(refusal_words(failing.iter().map(|(e, _)| &e.outcome)));
        }
        let examples: Vec<String> = passing.iter().take(3).map(|(e, _)| e.varied.clone()).collect();
        evidence.push(format!(
            "{} without it got past that point ({})",
            passing.len(),
            examples.join("; ")
        ));
        if let Some((e, r)) = isolating {
            evidence.push(format!(
                "isolated by the pair: {} → {}; against {} → {}",
                e.varied, e.outcome, r.varied, r.outcome
            ));
        }
        let certain = isolating.is_some() && repeated;
        let decide_by = if certain {
            None
        } else if !repeated {
            Some(format!(
                "repeat the failing offer to see that it fails the same way; {}",
                p.decide_by
            ))
        } else {
            Some(p.decide_by.clone())
        };
        found.push((
            Conclusion {
                version: ProtocolVersion::TLS12,
                cause: p.cause.clone(),
                certainty: if certain {
                    Certainty::Proven
                } else {
                    Certainty::Plausible(p.weight)
                },
                evidence,
                decide_by,
            },
            p.explains,
            p.weight,
        ));
    }
    // Two properties of the same kind both isolated: the experiments cannot
    // tell them apart, so neither is certain.
    let kinds: [Kind; 3] = [no_answer, after_finished, bad_server_record];
    for kind in kinds {
        let same: Vec<usize> = found
            .iter()
            .enumerate()
            .filter(|(_, (c, k, _))| std::ptr::fn_addr_eq(*k, kind) && c.certainty == Certainty::Proven)
            .map(|(i, _)| i)
            .collect();
        if same.len() > 1 {
            let names: Vec<String> = same.iter().map(|&i| found[i].0.cause.to_string()).collect();
            for &i in &same {
                found[i].0.certainty = Certainty::Plausible(found[i].2);
                found[i].0.decide_by = Some(format!(
                    "{} causes explain the same outcomes: {}",
                    names.len(),
                    names.join(" / ")
                ));
            }
        }
    }
    // The wrong-key proof covers the RSA failures.
    if out
        .iter()
        .any(|c| c.cause == ExperimentCause::ServerSignsWithOtherKey)
    {
        found.retain(|(c, _, _)| c.cause != ExperimentCause::RsaKeyExchangeBroken);
    }
    found.sort_by_key(|(c, _, w)| std::cmp::Reverse((c.certainty == Certainty::Proven, *w)));
    out.extend(found.into_iter().map(|(c, _, _)| c));
    // Each cause cites the RFC of the version the failures ran at.
    let version = experiments_version(experiments);
    for c in &mut out {
        c.version = version;
    }
    out
}

/// The protocol version of the failing experiments: what the server chose
/// when it answered, else the highest version offered; TLS 1.2 without a
/// failure.
fn experiments_version(experiments: &[Experiment]) -> ProtocolVersion {
    experiments
        .iter()
        .find(|e| !e.outcome.works())
        .map_or(ProtocolVersion::TLS12, |e| {
            e.negotiated
                .as_ref()
                .and_then(|n| n.version)
                .unwrap_or(e.offer.client_version)
        })
}

/// How many respects two handshakes differ in: the offer's fields and the
/// server's choices.
fn distance(a: &Experiment, b: &Experiment) -> usize {
    let (x, y) = (&a.offer, &b.offer);
    usize::from(x.extensions != y.extensions)
        + usize::from(x.hello_length != y.hello_length)
        + usize::from(x.client_version != y.client_version)
        + usize::from(x.record_version != y.record_version)
        + usize::from(x.suites != y.suites)
        + usize::from(a.negotiated != b.negotiated)
}

/// Whether an outcome shows the handshake got past the point where the
/// failures of this kind happen.
fn passed_the_point(kind: fn(&ExperimentOutcome) -> bool, o: &ExperimentOutcome) -> bool {
    if std::ptr::fn_addr_eq(kind, no_answer as fn(&ExperimentOutcome) -> bool) {
        !no_answer(o)
    } else {
        o.works()
    }
}

fn stage_words(kind: fn(&ExperimentOutcome) -> bool) -> &'static str {
    if std::ptr::fn_addr_eq(kind, no_answer as fn(&ExperimentOutcome) -> bool) {
        "were refused at the ClientHello (no answer, or an alert instead of a ServerHello)"
    } else if std::ptr::fn_addr_eq(kind, bad_server_record as fn(&ExperimentOutcome) -> bool) {
        "failed at a protected record from the server"
    } else {
        "failed after our Finished"
    }
}

/// How the refused hellos were refused, counted: "refused by: 3 x no
/// answer (connection closed), 2 x alert handshake_failure".
fn refusal_words<'a>(outcomes: impl Iterator<Item = &'a ExperimentOutcome>) -> String {
    let mut counts: Vec<(String, usize)> = vec![];
    for o in outcomes {
        let key = match o {
            ExperimentOutcome::NoAnswer { how } => format!("no answer ({how})"),
            ExperimentOutcome::RefusedHello(a) => format!("a fatal {a} alert instead of a ServerHello"),
            other => other.to_string(),
        };
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} x {k}")).collect();
    format!("how they were refused: {}", parts.join(", "))
}

fn holds_words(c: &ExperimentCause) -> String {
    match c {
        ExperimentCause::ExtensionIntolerance(e) => format!("offered {e}"),
        ExperimentCause::HelloLengthIntolerance { min, max } => {
            format!("had a ClientHello of {min} to {max} bytes")
        }
        ExperimentCause::VersionIntolerance(v) => format!("had a client_version above {v}"),
        ExperimentCause::RecordVersionIntolerance(v) => format!("had a record version above {v}"),
        ExperimentCause::ExtendedMasterSecretNotApplied => "had extended_master_secret acknowledged".into(),
        ExperimentCause::EncryptThenMacNotApplied => "had encrypt_then_mac in use".into(),
        ExperimentCause::PrfHashBroken { failing } => format!("negotiated a {} suite", failing.name()),
        ExperimentCause::RsaKeyExchangeBroken => "negotiated RSA key exchange".into(),
        ExperimentCause::CbcRecordsRejected => "negotiated a CBC suite".into(),
        other => other.to_string(),
    }
}

/// Attempts of the reference offer disagree: the failing server, if one
/// identity separates failures from successes. Every handshake that
/// identified its server counts (not only the reference offer's), except
/// offers the server refused by negotiation.
fn backend_conclusion(experiments: &[Experiment], rep: &Repeatability) -> Conclusion {
    let mut evidence = vec![format!(
        "the same offer was made {} times: {} failed, {} worked",
        rep.attempts,
        rep.failures,
        rep.attempts - rep.failures
    )];
    let pool: Vec<&Experiment> = experiments
        .iter()
        .filter(|e| e.backend.is_some() && !matches!(e.outcome, ExperimentOutcome::RefusedHello(_)))
        .collect();
    // Compare by each identifying field in turn, most telling first.
    let order_clusters = extension_order_clusters(&pool);
    let keyed: Vec<(&str, Vec<Option<String>>)> = vec![
        (
            "certificate SHA-256",
            pool.iter()
                .map(|e| backend_of(e).certificate_sha256.map(|h| hex_prefix(&h)))
                .collect(),
        ),
        (
            "public-key SHA-256",
            pool.iter()
                .map(|e| backend_of(e).public_key_sha256.map(|h| hex_prefix(&h)))
                .collect(),
        ),
        ("ServerHello extension order", order_clusters),
        (
            "session ID length",
            pool.iter()
                .map(|e| Some(backend_of(e).session_id_length.to_string()))
                .collect(),
        ),
        (
            "session ID prefix",
            pool.iter()
                .map(|e| Some(hex_prefix(&backend_of(e).session_id_prefix)))
                .collect(),
        ),
    ];
    let unidentified = experiments
        .iter()
        .filter(|e| e.reference && !e.outcome.works() && e.backend.is_none())
        .count();
    for (what, keys) in keyed {
        let k = |i: usize| keys[i].clone();
        let failing: Vec<usize> = (0..pool.len()).filter(|&i| !pool[i].outcome.works()).collect();
        let Some(bad_key) = failing.first().and_then(|&i| k(i)) else {
            continue;
        };
        let all_failures_there = failing.iter().all(|&i| k(i).as_deref() == Some(bad_key.as_str()));
        let good_elsewhere =
            (0..pool.len()).any(|i| pool[i].outcome.works() && k(i).is_some_and(|x| x != bad_key));
        let bad_ever_worked =
            (0..pool.len()).any(|i| pool[i].outcome.works() && k(i).as_deref() == Some(bad_key.as_str()));
        if all_failures_there && good_elsewhere && unidentified == 0 {
            let there = (0..pool.len())
                .filter(|&i| k(i).as_deref() == Some(bad_key.as_str()))
                .count();
            let elsewhere = (0..pool.len())
                .filter(|&i| k(i).is_some_and(|x| x != bad_key))
                .count();
            evidence.push(format!(
                "{} handshakes identified their server: every one of the {} failures came from the server with {what} {bad_key}; the {elsewhere} that reached another server never failed",
                pool.len(),
                failing.len()
            ));
            if bad_ever_worked {
                evidence.push("that server also worked sometimes: it fails intermittently".into());
            }
            let failures_list: Vec<String> = failing
                .iter()
                .take(4)
                .map(|&i| format!("{}: {}", pool[i].varied, pool[i].outcome))
                .collect();
            evidence.push(format!("failures: {}", failures_list.join("; ")));
            let failing: Vec<&Experiment> = failing.iter().map(|&i| pool[i]).collect();
            let repeated = failing.len() >= 2;
            let backend = failing[0].backend.clone().unwrap_or_default();
            return Conclusion {
                version: ProtocolVersion::TLS12,
                cause: ExperimentCause::BadBackend {
                    backend,
                    by: format!("{what} {bad_key}"),
                    attempts: there,
                    failures: failing.len(),
                },
                certainty: if repeated {
                    Certainty::Proven
                } else {
                    Certainty::Plausible(80)
                },
                evidence,
                decide_by: (!repeated).then(|| "more attempts of the same offer (repeat)".to_string()),
            };
        }
    }
    if let Some(c) = backend_by_behaviour(experiments, &evidence) {
        return c;
    }
    if unidentified > 0 {
        evidence.push(
            "some failures ended before the server identified itself (no ServerHello, no certificate): which server failed cannot be told"
                .into(),
        );
    }
    Conclusion {
        version: ProtocolVersion::TLS12,
        cause: ExperimentCause::Intermittent {
            attempts: rep.attempts,
            failures: rep.failures,
        },
        certainty: Certainty::Plausible(60),
        evidence,
        decide_by: Some("more attempts of the same offer, with the server's logs at hand".into()),
    }
}

/// The failing server told apart by how it behaves, when it never
/// identified itself: every failing attempt of the reference offer ended the
/// same way before a ServerHello (the same alert, or a reset, a close, a
/// timeout), in a similar time, and every attempt that worked came from one
/// and the same server. Plausible only: the same server failing now and
/// then before its ServerHello would look alike.
fn backend_by_behaviour(experiments: &[Experiment], evidence: &[String]) -> Option<Conclusion> {
    let refs: Vec<&Experiment> = experiments.iter().filter(|e| e.reference).collect();
    let failing: Vec<&&Experiment> = refs.iter().filter(|e| !e.outcome.works()).collect();
    let working: Vec<&&Experiment> = refs.iter().filter(|e| e.outcome.works()).collect();
    let first = failing.first()?;
    if !no_answer(&first.outcome)
        || failing
            .iter()
            .any(|e| e.outcome != first.outcome || e.backend.is_some())
    {
        return None;
    }
    let identity = |e: &Experiment| {
        e.backend
            .as_ref()
            .and_then(|b| b.certificate_sha256.or(b.public_key_sha256))
    };
    let good = identity(working.first()?)?;
    if working.iter().any(|e| identity(e) != Some(good)) {
        return None;
    }
    let range = |v: &[&&Experiment]| {
        let ms: Vec<u64> = v.iter().map(|e| e.elapsed_ms).collect();
        (
            ms.iter().copied().min().unwrap_or(0),
            ms.iter().copied().max().unwrap_or(0),
        )
    };
    let (fmin, fmax) = range(&failing);
    let (wmin, wmax) = range(&working);
    let mut evidence = evidence.to_vec();
    evidence.push(format!(
        "every one of the {} failures ended the same way before any ServerHello: {} ({fmin}..{fmax} ms); every one of the {} successes came from the server presenting certificate SHA-256 {} ({wmin}..{wmax} ms)",
        failing.len(),
        first.outcome,
        working.len(),
        hex_prefix(&good)
    ));
    let repeated = failing.len() >= 2;
    Some(Conclusion {
        version: ProtocolVersion::TLS12,
        cause: ExperimentCause::BadBackend {
            backend: Backend::default(),
            by: format!("{} in {fmin}..{fmax} ms", first.outcome),
            attempts: failing.len(),
            failures: failing.len(),
        },
        certainty: Certainty::Plausible(if repeated { 75 } else { 60 }),
        evidence,
        decide_by: Some(
            "the servers behind the address one by one (their own addresses), or the load balancer's log of which server took each connection"
                .into(),
        ),
    })
}

fn backend_of(e: &Experiment) -> Backend {
    e.backend.clone().unwrap_or_default()
}

/// Which servers answered, told apart by the order of their ServerHello
/// extensions. Which extensions a server sends depends on the offer, so
/// answers are compared by the relative order of the extensions both
/// carry: two answers with some pair in opposite orders come from different
/// software or configurations. Each answer gets the one group it fits, or
/// `None` when it fits several (it carries too few extensions to tell).
fn extension_order_clusters(pool: &[&Experiment]) -> Vec<Option<String>> {
    let pairs = |order: &[u16]| -> Vec<(u16, u16)> {
        let mut v = vec![];
        for (i, a) in order.iter().enumerate() {
            for b in &order[i + 1..] {
                v.push((*a, *b));
            }
        }
        v
    };
    let conflicts = |x: &[(u16, u16)], y: &[(u16, u16)]| x.iter().any(|(a, b)| y.contains(&(*b, *a)));
    let orders: Vec<Vec<(u16, u16)>> = pool
        .iter()
        .map(|e| pairs(&backend_of(e).extension_order))
        .collect();
    // Clusters seeded by the answers with the most extensions.
    let mut by_size: Vec<usize> = (0..pool.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(orders[i].len()));
    let mut clusters: Vec<(OrderPairs, Vec<u16>)> = vec![];
    for &i in &by_size {
        if orders[i].is_empty() {
            continue;
        }
        if let Some(c) = clusters.iter_mut().find(|(rel, _)| !conflicts(rel, &orders[i])) {
            for p in &orders[i] {
                if !c.0.contains(p) {
                    c.0.push(*p);
                }
            }
        } else {
            clusters.push((orders[i].clone(), backend_of(pool[i]).extension_order));
        }
    }
    (0..pool.len())
        .map(|i| {
            let fits: Vec<&(OrderPairs, Vec<u16>)> = clusters
                .iter()
                .filter(|(rel, _)| !conflicts(rel, &orders[i]))
                .collect();
            match fits[..] {
                [(_, example)] if clusters.len() > 1 => Some(
                    example
                        .iter()
                        .map(|e| format!("{e:04x}"))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => None,
            }
        })
        .collect()
}

/// The experiments and the conclusions, for people.
pub fn render(experiments: &[Experiment], conclusions: &[Conclusion]) -> String {
    let mut s = String::new();
    for c in conclusions {
        let _ = write!(s, "{c}");
    }
    if conclusions.is_empty() {
        s.push_str(
            "no property of the offer or of the server's choices separates the failures from the successes\n",
        );
    }
    let _ = writeln!(s, "experiments ({} handshakes):", experiments.len());
    for (i, e) in experiments.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {:>2}. {:<52} {} ({} ms)",
            i + 1,
            e.varied,
            e.outcome,
            e.elapsed_ms
        );
    }
    s
}

/// An observer that records what an [`Experiment`] needs from one
/// connection: the ClientHello as sent, the server's choices, what
/// identifies the server, and how far the handshake got.
#[derive(Clone, Debug, Default)]
pub struct Tap {
    /// The ClientHello as sent.
    pub offer: Offer,
    /// What the server chose, once its ServerHello arrived.
    pub negotiated: Option<Negotiated>,
    /// What identifies the server.
    pub backend: Backend,
    /// Records received from the server.
    pub records_in: usize,
    /// Whether we sent our Finished.
    pub sent_finished: bool,
    /// The server's fatal alert, if any.
    pub alert: Option<AlertDescription>,
    /// A ServerKeyExchange signature that did not verify.
    pub bad_signature: bool,
    /// The fatal alert we sent, if any.
    pub alert_sent: Option<AlertDescription>,
}

impl crate::observer::Observer for Tap {
    fn on_event(&mut self, event: &crate::observer::Event<'_>) {
        use crate::observer::Event;
        use crate::wire::messages::{Certificate, ClientHello, ServerHello};
        use crate::wire::HandshakeType;
        match event {
            Event::HandshakeOut { typ, raw } if *typ == HandshakeType::CLIENT_HELLO => {
                self.offer.hello_length = raw.len();
                if let Ok(ch) = ClientHello::decode(raw.get(4..).unwrap_or_default()) {
                    self.offer.client_version = ch.client_version;
                    self.offer.suites = ch.cipher_suites;
                    self.offer.extensions = ch.extensions.unwrap_or_default().iter().map(|e| e.typ).collect();
                }
            }
            Event::HandshakeOut { typ, .. } if *typ == HandshakeType::FINISHED => self.sent_finished = true,
            Event::RecordOut(r) if self.offer.record_version.0 == 0 => self.offer.record_version = r.version,
            Event::RecordIn(_) => self.records_in += 1,
            Event::HandshakeIn { typ, raw } if *typ == HandshakeType::SERVER_HELLO => {
                if let Ok(sh) = ServerHello::decode(raw.get(4..).unwrap_or_default()) {
                    let exts: Vec<ExtensionType> =
                        sh.extensions.unwrap_or_default().iter().map(|e| e.typ).collect();
                    let suite = crate::crypto::suites::ALL_SUITES
                        .iter()
                        .find(|s| s.id == sh.cipher_suite);
                    self.negotiated = Some(Negotiated {
                        suite,
                        extended_master_secret: exts.contains(&ExtensionType::EXTENDED_MASTER_SECRET),
                        encrypt_then_mac: exts.contains(&ExtensionType::ENCRYPT_THEN_MAC)
                            && suite.is_some_and(|s| !s.is_aead()),
                        version: Some(sh.server_version),
                    });
                    self.backend.extension_order = exts.iter().map(|e| e.0).collect();
                    self.backend.session_id_prefix = sh.session_id.iter().take(4).copied().collect();
                    self.backend.session_id_length = sh.session_id.len();
                }
            }
            Event::HandshakeIn { typ, raw } if *typ == HandshakeType::CERTIFICATE => {
                if let Ok(c) = Certificate::decode(raw.get(4..).unwrap_or_default()) {
                    if let Some(leaf) = c.chain.first() {
                        self.backend.certificate_sha256 = Some(sha256(leaf));
                        if let Ok(k) = crate::crypto::signature::server_public_key(leaf) {
                            self.backend.public_key_sha256 = Some(sha256(&k.spki_key));
                        }
                    }
                }
            }
            Event::SignatureChecked { valid: false, .. } => self.bad_signature = true,
            Event::AlertSent(a) if a.description != AlertDescription::CLOSE_NOTIFY => {
                self.alert_sent = Some(a.description);
            }
            Event::AlertReceived(a) if a.description != AlertDescription::CLOSE_NOTIFY => {
                self.alert = Some(a.description);
            }
            _ => {}
        }
    }
}

fn sha256(b: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, b);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

impl Tap {
    /// How the connection ended, given its result (`Ok` when the handshake
    /// and any exchange after it worked) and the state it failed in.
    pub fn outcome(&self, result: Result<(), &crate::error::Error>, state: &str) -> ExperimentOutcome {
        use crate::error::{Error, HandshakeError, ToolError};
        let Err(error) = result else {
            return ExperimentOutcome::Works;
        };
        if self.bad_signature || matches!(error, Error::Handshake(HandshakeError::BadSignature(_))) {
            return ExperimentOutcome::BadServerSignature {
                detail: error.to_string(),
            };
        }
        if self.records_in == 0
            && matches!(
                error,
                Error::Tool(ToolError::ConnectionClosed(_) | ToolError::Io(_) | ToolError::Timeout(_))
            )
        {
            let how = match error {
                Error::Tool(ToolError::Timeout(_)) => "no answer before the timeout",
                Error::Tool(ToolError::Io(m)) if m.contains("reset") => "connection reset",
                _ => "connection closed",
            };
            return ExperimentOutcome::NoAnswer { how: how.into() };
        }
        match self.alert {
            None if self.alert_sent == Some(AlertDescription::BAD_RECORD_MAC) => {
                ExperimentOutcome::BadServerRecord {
                    detail: error.to_string(),
                }
            }
            Some(a) if self.negotiated.is_none() => ExperimentOutcome::RefusedHello(a),
            Some(a) if self.sent_finished => ExperimentOutcome::RejectedFinished(a),
            _ => ExperimentOutcome::Failed {
                state: state.to_string(),
                error: error.to_string(),
            },
        }
    }

    /// This connection as an experiment.
    pub fn experiment(
        &self,
        varied: &str,
        controlled: bool,
        reference: bool,
        outcome: ExperimentOutcome,
        elapsed_ms: u64,
    ) -> Experiment {
        Experiment {
            varied: varied.to_string(),
            controlled,
            reference,
            offer: self.offer.clone(),
            negotiated: self.negotiated.clone(),
            backend: self.backend.is_known().then(|| self.backend.clone()),
            outcome,
            elapsed_ms,
        }
    }
}

/// A [`Tap`] whose clones share one record, so one clone can go into an
/// observer chain and another be read when the connection is over.
#[derive(Clone, Default)]
pub struct SharedTap(std::sync::Arc<std::sync::Mutex<Tap>>);

impl SharedTap {
    /// A new, empty tap.
    pub fn new() -> SharedTap {
        SharedTap::default()
    }

    /// What the tap has recorded so far.
    pub fn snapshot(&self) -> Tap {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl crate::observer::Observer for SharedTap {
    fn on_event(&mut self, event: &crate::observer::Event<'_>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).on_event(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::ALL_SUITES;

    fn suite(name: &str) -> &'static SuiteInfo {
        ALL_SUITES.iter().find(|s| s.openssl_name == name).unwrap()
    }

    fn offer() -> Offer {
        Offer {
            extensions: vec![
                ExtensionType::SERVER_NAME,
                ExtensionType::SUPPORTED_GROUPS,
                ExtensionType::EXTENDED_MASTER_SECRET,
                ExtensionType::SESSION_TICKET,
            ],
            hello_length: 200,
            client_version: ProtocolVersion::TLS12,
            record_version: ProtocolVersion::TLS12,
            suites: vec![],
        }
    }

    fn exp(
        varied: &str,
        controlled: bool,
        reference: bool,
        offer: Offer,
        n: Option<Negotiated>,
        o: ExperimentOutcome,
    ) -> Experiment {
        Experiment {
            varied: varied.into(),
            controlled,
            reference,
            offer,
            negotiated: n,
            backend: None,
            outcome: o,
            elapsed_ms: 1,
        }
    }

    fn neg(s: &str, ems: bool) -> Option<Negotiated> {
        Some(Negotiated {
            suite: Some(suite(s)),
            extended_master_secret: ems,
            encrypt_then_mac: false,
            version: Some(ProtocolVersion::TLS12),
        })
    }

    fn brm() -> ExperimentOutcome {
        ExperimentOutcome::RejectedFinished(AlertDescription::BAD_RECORD_MAC)
    }

    fn dropped() -> ExperimentOutcome {
        ExperimentOutcome::NoAnswer { how: "closed".into() }
    }

    #[test]
    fn ems_acknowledged_and_not_applied_is_isolated_by_the_no_ems_pair() {
        let s = "ECDHE-RSA-AES128-GCM-SHA256";
        let mut no_ems = offer();
        no_ems
            .extensions
            .retain(|e| *e != ExtensionType::EXTENDED_MASTER_SECRET);
        let xs = vec![
            exp("default offer", false, true, offer(), neg(s, true), brm()),
            exp("the same offer again", false, true, offer(), neg(s, true), brm()),
            exp(
                "without extended_master_secret",
                true,
                false,
                no_ems,
                neg(s, false),
                ExperimentOutcome::Works,
            ),
            exp(
                "only AES256-GCM-SHA384",
                false,
                false,
                offer(),
                neg("ECDHE-RSA-AES256-GCM-SHA384", true),
                brm(),
            ),
        ];
        let c = conclude(&xs);
        assert_eq!(
            c[0].cause,
            ExperimentCause::ExtendedMasterSecretNotApplied,
            "{c:#?}"
        );
        assert_eq!(c[0].certainty, Certainty::Proven);
        assert!(!c
            .iter()
            .any(|c| matches!(c.cause, ExperimentCause::PrfHashBroken { .. })));
    }

    #[test]
    fn sha384_failures_name_the_prf_and_need_a_controlled_pair_for_certainty() {
        let mut xs = vec![
            exp(
                "default offer",
                false,
                true,
                offer(),
                neg("ECDHE-RSA-AES256-GCM-SHA384", true),
                brm(),
            ),
            exp(
                "the same offer again",
                false,
                true,
                offer(),
                neg("ECDHE-RSA-AES256-GCM-SHA384", true),
                brm(),
            ),
            exp(
                "only AES256-GCM-SHA384",
                false,
                false,
                offer(),
                neg("AES256-GCM-SHA384", true),
                brm(),
            ),
            exp(
                "only ECDHE-RSA-AES128-GCM-SHA256",
                false,
                false,
                offer(),
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                ExperimentOutcome::Works,
            ),
        ];
        let c = conclude(&xs);
        assert_eq!(
            c[0].cause,
            ExperimentCause::PrfHashBroken {
                failing: PrfHash::Sha384
            }
        );
        assert!(matches!(c[0].certainty, Certainty::Plausible(_)), "{c:#?}");
        xs[3].controlled = true;
        let c = conclude(&xs);
        assert_eq!(c[0].certainty, Certainty::Proven, "{c:#?}");
        assert!(
            c[0].to_string().contains("P_SHA256 instead of P_SHA384"),
            "{}",
            c[0]
        );
    }

    #[test]
    fn an_extension_refused_with_an_alert_is_intolerance_and_suite_refusals_are_negotiation() {
        let refused = || ExperimentOutcome::RefusedHello(AlertDescription::HANDSHAKE_FAILURE);
        let gcm = suite("ECDHE-RSA-AES128-GCM-SHA256");
        let ecdsa = suite("ECDHE-ECDSA-AES128-GCM-SHA256");
        let all = Offer {
            suites: vec![gcm.id, ecdsa.id],
            ..offer()
        };
        let mut without = all.clone();
        without.extensions.retain(|e| *e != ExtensionType::SESSION_TICKET);
        // A single-suite hello the server refuses because it has no such
        // suite, shorter than the rest and also without the extension:
        // negotiation, which must not hide or widen the cause.
        let mut only_ecdsa = without.clone();
        only_ecdsa.suites = vec![ecdsa.id];
        only_ecdsa.hello_length = 150;
        let xs = vec![
            exp("default offer", false, true, all.clone(), None, refused()),
            exp("the same offer again", false, true, all.clone(), None, refused()),
            exp(
                "without session_ticket",
                true,
                false,
                without,
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                ExperimentOutcome::Works,
            ),
            exp("only ECDSA", true, false, only_ecdsa, None, refused()),
        ];
        let c = conclude(&xs);
        assert_eq!(
            c[0].cause,
            ExperimentCause::ExtensionIntolerance(ExtensionType::SESSION_TICKET),
            "{c:#?}"
        );
        assert_eq!(c[0].certainty, Certainty::Proven, "{c:#?}");
        assert!(
            c[0].evidence
                .iter()
                .any(|e| e.contains("2 x a fatal handshake_failure alert")),
            "{c:#?}"
        );
    }

    #[test]
    fn a_dropped_extension_is_found_and_size_is_not_blamed_when_sizes_overlap() {
        let mut without = offer();
        without.extensions.retain(|e| *e != ExtensionType::SESSION_TICKET);
        // Padded back to the same length: only the extension differs.
        without.hello_length = 200;
        let mut padded = offer();
        padded.hello_length = 600;
        let xs = vec![
            exp("default offer", false, true, offer(), None, dropped()),
            exp("the same offer again", false, true, offer(), None, dropped()),
            exp(
                "without session_ticket",
                true,
                false,
                without,
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                ExperimentOutcome::Works,
            ),
            exp("padded to 600 bytes", true, false, padded, None, dropped()),
        ];
        let c = conclude(&xs);
        assert_eq!(
            c[0].cause,
            ExperimentCause::ExtensionIntolerance(ExtensionType::SESSION_TICKET),
            "{c:#?}"
        );
        assert_eq!(c[0].certainty, Certainty::Proven);
        assert!(c[0]
            .to_string()
            .contains("extension 0x0023 session_ticket is refused"));
    }

    #[test]
    fn the_f5_range_is_found_from_padded_hellos() {
        let at = |len: usize| Offer {
            hello_length: len,
            ..offer()
        };
        let xs = vec![
            exp("default offer", false, true, at(300), None, dropped()),
            exp("the same offer again", false, true, at(300), None, dropped()),
            exp("padded to 256", true, false, at(256), None, dropped()),
            exp("padded to 511", true, false, at(511), None, dropped()),
            exp(
                "padded to 512",
                true,
                false,
                at(512),
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                ExperimentOutcome::Works,
            ),
            exp(
                "trimmed to 255",
                true,
                false,
                at(255),
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                ExperimentOutcome::Works,
            ),
        ];
        let c = conclude(&xs);
        assert_eq!(
            c[0].cause,
            ExperimentCause::HelloLengthIntolerance { min: 256, max: 511 },
            "{c:#?}"
        );
        assert_eq!(c[0].certainty, Certainty::Proven);
    }

    #[test]
    fn version_intolerance_above_tls10() {
        let v = |cv: ProtocolVersion| Offer {
            client_version: cv,
            ..offer()
        };
        let tls10_answer = ExperimentOutcome::Failed {
            state: "ExpectServerHello".into(),
            error: "protocol_version".into(),
        };
        let xs = vec![
            exp(
                "default offer",
                false,
                true,
                v(ProtocolVersion::TLS12),
                None,
                dropped(),
            ),
            exp(
                "the same offer again",
                false,
                true,
                v(ProtocolVersion::TLS12),
                None,
                dropped(),
            ),
            exp(
                "client_version TLS 1.1",
                true,
                false,
                v(ProtocolVersion::TLS11),
                None,
                dropped(),
            ),
            exp(
                "client_version TLS 1.0",
                true,
                false,
                v(ProtocolVersion::TLS10),
                None,
                tls10_answer,
            ),
        ];
        let c = conclude(&xs);
        assert_eq!(
            c[0].cause,
            ExperimentCause::VersionIntolerance(ProtocolVersion::TLS10),
            "{c:#?}"
        );
        assert_eq!(c[0].certainty, Certainty::Proven);
    }

    #[test]
    fn a_bad_signature_proves_the_wrong_key_and_covers_rsa_failures() {
        let xs = vec![
            exp(
                "default offer",
                false,
                true,
                offer(),
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                ExperimentOutcome::BadServerSignature {
                    detail: "does not verify".into(),
                },
            ),
            exp(
                "only AES128-GCM-SHA256",
                false,
                false,
                offer(),
                neg("AES128-GCM-SHA256", true),
                brm(),
            ),
        ];
        let c = conclude(&xs);
        assert_eq!(c[0].cause, ExperimentCause::ServerSignsWithOtherKey);
        assert_eq!(c[0].certainty, Certainty::Proven);
        assert!(!c.iter().any(|c| c.cause == ExperimentCause::RsaKeyExchangeBroken));
    }

    #[test]
    fn one_bad_backend_is_named_and_the_probes_are_not_blamed() {
        let b = |x: u8| Backend {
            certificate_sha256: Some([x; 32]),
            ..Backend::default()
        };
        let mut xs = vec![];
        for i in 0..6 {
            let good = i % 2 == 0;
            let mut e = exp(
                if i == 0 {
                    "default offer"
                } else {
                    "the same offer again"
                },
                false,
                true,
                offer(),
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                if good { ExperimentOutcome::Works } else { brm() },
            );
            e.backend = Some(b(if good { 1 } else { 0xab }));
            xs.push(e);
        }
        let c = conclude(&xs);
        let ExperimentCause::BadBackend {
            backend,
            attempts,
            failures,
            ..
        } = &c[0].cause
        else {
            panic!("{c:#?}")
        };
        assert_eq!(
            (backend.certificate_sha256, *attempts, *failures),
            (Some([0xab; 32]), 3, 3)
        );
        assert_eq!(c[0].certainty, Certainty::Proven);
        assert!(
            c[0].to_string().contains("certificate SHA-256 abababab"),
            "{}",
            c[0]
        );
    }

    #[test]
    fn an_unrepeated_failure_is_never_certain() {
        let mut no_ems = offer();
        no_ems
            .extensions
            .retain(|e| *e != ExtensionType::EXTENDED_MASTER_SECRET);
        let xs = vec![
            exp(
                "default offer",
                false,
                true,
                offer(),
                neg("ECDHE-RSA-AES128-GCM-SHA256", true),
                brm(),
            ),
            exp(
                "without extended_master_secret",
                true,
                false,
                no_ems,
                neg("ECDHE-RSA-AES128-GCM-SHA256", false),
                ExperimentOutcome::Works,
            ),
        ];
        let c = conclude(&xs);
        assert_eq!(c[0].cause, ExperimentCause::ExtendedMasterSecretNotApplied);
        assert!(matches!(c[0].certainty, Certainty::Plausible(_)));
        assert!(c[0].decide_by.as_deref().unwrap().contains("repeat"));
    }

    /// Experiment causes cite the RFC of the version the experiments ran
    /// at: CBC records RFC 6101 §5.2.3.2 / RFC 2246, 4346 and 5246 §6.2.3.2
    /// "CBC Block Cipher"; the RSA pre-master secret RFC 6101 §5.6.7.1 /
    /// §7.4.7.1 of the TLS RFCs (their tables of contents).
    #[test]
    fn experiment_causes_cite_the_experiments_version() {
        let versions = [
            ProtocolVersion::SSL3,
            ProtocolVersion::TLS10,
            ProtocolVersion::TLS11,
            ProtocolVersion::TLS12,
        ];
        let cbc: Vec<_> = versions
            .iter()
            .map(|v| ExperimentCause::CbcRecordsRejected.rfc_in(*v))
            .collect();
        assert_eq!(
            cbc,
            [
                "RFC 6101 §5.2.3.2",
                "RFC 2246 §6.2.3.2",
                "RFC 4346 §6.2.3.2",
                "RFC 5246 §6.2.3.2"
            ]
        );
        let rsa: Vec<_> = versions
            .iter()
            .map(|v| ExperimentCause::RsaKeyExchangeBroken.rfc_in(*v))
            .collect();
        assert_eq!(
            rsa,
            [
                "RFC 6101 §5.6.7.1",
                "RFC 2246 §7.4.7.1",
                "RFC 4346 §7.4.7.1",
                "RFC 5246 §7.4.7.1"
            ]
        );
        assert_eq!(ExperimentCause::CbcRecordsRejected.rfc(), "RFC 5246 §6.2.3.2");
    }
}
