//! `tlslab diagnose`: a matrix of handshakes against one live server, to find
//! which combinations work, which fail and how, and what most likely causes
//! each failure.
//!
//! The classic complaint, "the client fails with bad_record_mac until I pin
//! one protocol option", is exactly what one run shows: the default offer
//! fails, the rows that work name the pin, and the failing rows carry the
//! explainer's verdict and a command that reproduces them.

//!
//! Then the matrix becomes a diagnosis: every probe is also an experiment
//! ([`tlslab::explain::evidence`]), the default offer is repeated to tell a
//! flaky or load-balanced server from a broken one, a dropped default hello is
//! bisected ([`bisect`]), and [`conclude`] states the smallest cause that
//! explains every outcome, certain only when a controlled pair isolates it.

pub mod after_failure;
pub mod attempt;
pub mod bisect;

use std::fmt::Write as _;
use std::time::Instant;

use crate::net::Timeouts;
use attempt::{attempt, Role};
use tlslab::crypto::suites::{SuiteInfo, ALL_SUITES};
use tlslab::error::HandshakeError;
use tlslab::error::{Error, RecordError, ToolError};
use tlslab::explain::evidence::{
    conclude, repeatability, Backend, Conclusion, Experiment, ExperimentCause, ExperimentOutcome,
    Repeatability,
};
use tlslab::explain::notices::Notice;
use tlslab::explain::Certainty;
use tlslab::faults::{Fault, Faults};
use tlslab::wire::{NamedGroup, ProtocolVersion};
use tlslab::{ClientConfig, CustomClientHello};

pub use after_failure::{probe_after_failure, Diagnosis};
pub use attempt::ConnectionEvidence;

/// One variation of the client's offer.
#[derive(Clone, Debug)]
pub struct Probe {
    /// What is varied, for people ("only TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").
    pub label: String,
    /// The extra `tlslab connect` flags that reproduce it.
    pub flags: String,
    /// Offer only this suite.
    pub suite: Option<&'static SuiteInfo>,
    /// Offer only this group.
    pub group: Option<NamedGroup>,
    /// Offer extended_master_secret.
    pub ems: bool,
    /// Offer encrypt_then_mac.
    pub etm: bool,
    /// Application data to send after the handshake (record sizes).
    pub send: usize,
    /// Split our handshake into records of this size.
    pub split: Option<usize>,
    /// Resume the session of a first connection.
    pub resume: bool,
    /// Send this ClientHello instead of the configured one (hello bisection).
    pub hello: Option<CustomClientHello>,
    /// Differs from the default offer in exactly one respect.
    pub controlled: bool,
    /// The default offer itself (the first attempt or a repetition).
    pub reference: bool,
    /// Offer and accept only this protocol version (the version probes run
    /// when the default offer fails).
    pub version: Option<ProtocolVersion>,
}

impl Probe {
    fn base(label: &str, flags: &str) -> Probe {
        Probe {
            label: label.into(),
            flags: flags.into(),
            suite: None,
            group: None,
            ems: true,
            etm: true,
            send: 0,
            split: None,
            resume: false,
            hello: None,
            controlled: false,
            reference: false,
            version: None,
        }
    }

    fn controlled(self) -> Probe {
        Probe {
            controlled: true,
            ..self
        }
    }
}

/// How far a diagnosis goes.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// How many times the default offer is made (at least 1). Outcomes that
    /// differ mean an intermittent failure, often one bad server behind a
    /// load balancer.
    pub repeat: usize,
    /// ClientHellos padded around 256 and 512 bytes (RFC 7685), always.
    pub sizes: bool,
    /// When the default offer gets no answer: bisect the hello (each
    /// extension, versions, suite list).
    pub bisect: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            repeat: 3,
            sizes: true,
            bisect: true,
        }
    }
}

/// The probes of a diagnosis, most telling first: the default offer, each
/// extension switched off, each group, each suite, record sizes,
/// fragmentation, resumption.
pub fn probes() -> Vec<Probe> {
    let mut v = vec![Probe {
        reference: true,
        ..Probe::base("default offer", "")
    }];
    v.push(
        Probe {
            ems: false,
            ..Probe::base("without extended_master_secret", "--no-ems")
        }
        .controlled(),
    );
    v.push(
        Probe {
            etm: false,
            ..Probe::base("without encrypt_then_mac", "--no-etm")
        }
        .controlled(),
    );
    v.push(Probe {
        ems: false,
        etm: false,
        ..Probe::base("without EMS and EtM", "--no-ems --no-etm")
    });
    for (g, name) in [
        (NamedGroup::X25519, "x25519"),
        (NamedGroup::SECP256R1, "P-256"),
        (NamedGroup::SECP384R1, "P-384"),
    ] {
        v.push(
            Probe {
                group: Some(g),
                ..Probe::base(&format!("only group {g}"), &format!("--groups {name}"))
            }
            .controlled(),
        );
    }
    for s in ALL_SUITES {
        v.push(
            Probe {
                suite: Some(s),
                ..Probe::base(
                    &format!("only {}", s.openssl_name),
                    &format!("--cipher {}", s.openssl_name),
                )
            }
            .controlled(),
        );
    }
    v.push(Probe {
        send: 16384,
        ..Probe::base("a full 16 KiB record", "--send <16384 bytes>")
    });
    v.push(Probe {
        send: 40000,
        ..Probe::base("40000 bytes (3 records)", "--send <40000 bytes>")
    });
    v.push(Probe {
        split: Some(1),
        ..Probe::base("handshake in 1-byte records", "--fault split-records:1")
    });
    v.push(Probe {
        resume: true,
        ..Probe::base("resumption", "--reconnect")
    });
    v
}

/// How one probe ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Handshake (and data, resumption) worked.
    Works {
        /// The suite the server chose.
        suite: &'static str,
        /// Whether EMS and EtM were negotiated.
        ems: bool,
        /// Whether encrypt_then_mac was negotiated.
        etm: bool,
        /// For the resumption probe: whether the server resumed.
        resumed: bool,
    },
    /// It failed.
    Fails {
        /// The error, by name (alert, reset, timeout).
        error: Error,
        /// The handshake state when it failed.
        state: String,
        /// The explainer's top cause, if it could recompute one.
        cause: Option<String>,
        /// The same cause's id and certainty.
        recomputed: Option<(&'static str, Certainty)>,
    },
}

/// One probe and its outcome.
#[derive(Clone, Debug)]
pub struct Row {
    /// The probe.
    pub probe: Probe,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took.
    pub elapsed: std::time::Duration,
    /// The same connection as evidence.
    pub experiment: Experiment,
    /// What did not break it but must be said.
    pub notices: Vec<Notice>,
    /// For the resumption probe: each attempt to resume the first
    /// connection's session.
    pub resumption: Vec<ResumptionTry>,
}

/// One attempt to resume a session, with which servers issued and answered.
#[derive(Clone, Debug)]
pub struct ResumptionTry {
    /// The server that issued the session (its first connection).
    pub issued_by: Option<Backend>,
    /// The server that answered the resumption.
    pub answered_by: Option<Backend>,
    /// Whether it resumed.
    pub resumed: bool,
    /// How it ended.
    pub outcome: ExperimentOutcome,
}

/// How many times the resumption probe tries to resume one session: with
/// two servers in turn behind the address, two tries reach both.
pub const RESUMPTION_TRIES: usize = 2;

/// The result of a diagnosis.
#[derive(Clone, Debug)]
pub struct Report {
    /// The server.
    pub addr: String,
    /// Every probe's row.
    pub rows: Vec<Row>,
    /// The caller's own `tlslab connect` flags (`--servername`, `--ca`, ...),
    /// repeated in every reproducing command.
    pub base_flags: String,
    /// How the attempts of the default offer went.
    pub repeat: Repeatability,
    /// The causes the experiments support, most certain first.
    pub conclusions: Vec<Conclusion>,
}

/// Runs every probe against `addr` with the default [`Options`].
/// `make_config` builds the base configuration (server name, trust,
/// --server-key); `progress` is told after each probe.
pub fn diagnose(
    addr: &str,
    make_config: &dyn Fn() -> Result<ClientConfig, Error>,
    timeouts: Timeouts,
    progress: &mut dyn FnMut(usize, usize, &Row),
) -> Result<Report, Error> {
    diagnose_with(addr, make_config, timeouts, &Options::default(), progress)
}

/// Runs the default offer `options.repeat` times, every probe of
/// [`probes`], the hello-size probes, and (when the default offer got no
/// answer) the hello bisection; then concludes.
pub fn diagnose_with(
    addr: &str,
    make_config: &dyn Fn() -> Result<ClientConfig, Error>,
    timeouts: Timeouts,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize, &Row),
) -> Result<Report, Error> {
    let mut plan = probes();
    let repeat = options.repeat.max(1);
    for k in 2..=repeat {
        plan.insert(
            k - 1,
            Probe {
                reference: true,
                ..Probe::base(&format!("the same offer again ({k} of {repeat})"), "")
            },
        );
    }
    let base = make_config()?;
    // A suite the offered version does not define cannot be offered alone.
    plan.retain(|p| p.suite.is_none_or(|s| s.allowed_in(base.max_version)));
    let version_probes = version_probes(&base);
    let (base_hello, record_version) = bisect::default_hello(base)?;
    if options.sizes {
        plan.extend(
            bisect::size_variants(&base_hello, record_version)
                .into_iter()
                .map(hello_probe),
        );
    }
    let mut rows = vec![];
    let mut i = 0;
    let mut probe_timeouts = timeouts;
    while i < plan.len() {
        let probe = plan[i].clone();
        let started = Instant::now();
        let (outcome, experiment, notices, resumption) =
            run_probe(addr, make_config, probe_timeouts, &probe)?;
        let row = Row {
            probe,
            outcome,
            elapsed: started.elapsed(),
            experiment,
            notices,
            resumption,
        };
        i += 1;
        // A path that swallows the default offer would make every probe
        // wait the whole read timeout: once every attempt of the default
        // offer went unanswered until the timeout, the probes wait at most
        // SWALLOWED_WAIT (a silent drop is as silent after 3 s as after 10).
        if i == repeat {
            let swallowed = rows.iter().chain(std::iter::once(&row)).all(|r: &Row| {
                matches!(
                    &r.outcome,
                    Outcome::Fails {
                        error: Error::Tool(ToolError::Timeout(_)),
                        ..
                    }
                )
            });
            if swallowed {
                probe_timeouts.read = probe_timeouts.read.min(SWALLOWED_WAIT);
            }
        }
        // The default offer got no answer, or an alert instead of a
        // ServerHello (an intolerant server or middlebox does either):
        // after its attempts, bisect the hello.
        // The default offer failed: the same offer at each lower version
        // the configuration allows, to find the highest the server accepts.
        if i == repeat && !version_probes.is_empty() {
            let failed = rows
                .iter()
                .chain(std::iter::once(&row))
                .any(|r: &Row| !r.experiment.outcome.works());
            if failed {
                for (k, p) in version_probes.iter().cloned().enumerate() {
                    plan.insert(i + k, p);
                }
            }
        }
        if i == repeat && options.bisect {
            let dropped = rows.iter().chain(std::iter::once(&row)).any(|r: &Row| {
                matches!(
                    r.experiment.outcome,
                    ExperimentOutcome::NoAnswer { .. } | ExperimentOutcome::RefusedHello(_)
                )
            });
            if dropped {
                let extra = bisect::bisect_variants(&base_hello, record_version);
                let at = i;
                for (k, p) in extra.into_iter().map(hello_probe).enumerate() {
                    plan.insert(at + k, p);
                }
            }
        }
        progress(i, plan.len(), &row);
        rows.push(row);
    }
    let experiments: Vec<Experiment> = rows.iter().map(|r| r.experiment.clone()).collect();
    let mut conclusions = conclude(&experiments);
    if let Some(c) = resumption_conclusion(&rows) {
        // A failing resumption explains its row before anything else;
        // one that fell back is said after the causes of failures.
        let at = if c.cause.fails() { 0 } else { conclusions.len() };
        conclusions.insert(at, c);
    }
    Ok(Report {
        addr: addr.to_string(),
        repeat: repeatability(&experiments),
        conclusions,
        rows,
        base_flags: String::new(),
    })
}

/// How long a probe waits for an answer once the default offer was
/// swallowed (no answer until the timeout, every attempt).
pub const SWALLOWED_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The version probes: the default offer with only TLS 1.1, then only
/// TLS 1.0, when the configuration offers TLS 1.2 (below it there is
/// nothing lower to try but TLS 1.0, likewise from TLS 1.1). TLS 1.0 and 1.1
/// are deprecated (RFC 8996): they are tried to name the server's versions,
/// never offered by default.
fn version_probes(base: &ClientConfig) -> Vec<Probe> {
    [
        (ProtocolVersion::TLS11, "tls1.1"),
        (ProtocolVersion::TLS10, "tls1.0"),
    ]
    .into_iter()
    .filter(|(v, _)| v.0 < base.max_version.0)
    .map(|(v, name)| {
        Probe {
            version: Some(v),
            ..Probe::base(
                &format!("only {v}"),
                &format!("--max-version {name} --min-version {name}"),
            )
        }
        .controlled()
    })
    .collect()
}

/// What the version probes show (see [`Report::versions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionFinding {
    /// The server answered our TLS 1.2 offer with a ServerHello of an older
    /// version, the one it speaks: correct negotiation (RFC 5246 Appendix
    /// E.1), refused only because our minimum was higher.
    OnlyOlder {
        /// The version it chose, which a probe of that version completed.
        highest: ProtocolVersion,
        /// Whether a probe of that version completed a handshake.
        confirmed: bool,
    },
    /// The TLS 1.2 offer fails before any ServerHello (no answer or an
    /// alert) while an offer of at most `highest` completes: version
    /// intolerance. A correct server answers a higher offer with its own
    /// highest version instead.
    Intolerant {
        /// The highest version whose offer completed.
        highest: ProtocolVersion,
    },
    /// No lower version completes either: the failure is not about the
    /// version.
    NoneAccepted,
}

impl std::fmt::Display for VersionFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionFinding::OnlyOlder { highest, confirmed } => write!(
                f,
                "the server speaks {highest} at most: it answered the TLS 1.2 offer with a {highest} ServerHello (correct negotiation, RFC 5246 Appendix E.1), which this client refuses unless --min-version allows it{}. {highest} is deprecated (RFC 8996): upgrade the server",
                if *confirmed { "; an offer of only that version completes" } else { "" }
            ),
            VersionFinding::Intolerant { highest } => write!(
                f,
                "version intolerance: the server fails when offered TLS 1.2 but completes a handshake offered at most {highest}; a correct server answers a higher offer with its own highest version (RFC 5246 Appendix E.1). Highest version accepted: {highest} (deprecated, RFC 8996)"
            ),
            VersionFinding::NoneAccepted => f.write_str(
                "no lower version completes a handshake either: the failure does not depend on the version",
            ),
        }
    }
}

impl VersionFinding {
    /// A stable snake_case id (JSON, tests).
    pub fn id(&self) -> &'static str {
        match self {
            VersionFinding::OnlyOlder { .. } => "speaks_only_older_version",
            VersionFinding::Intolerant { .. } => "version_intolerance",
            VersionFinding::NoneAccepted => "no_version_accepted",
        }
    }

    /// The highest version the server accepted, if any.
    pub fn highest(&self) -> Option<ProtocolVersion> {
        match self {
            VersionFinding::OnlyOlder { highest, .. } | VersionFinding::Intolerant { highest } => {
                Some(*highest)
            }
            VersionFinding::NoneAccepted => None,
        }
    }
}

fn hello_probe(v: bisect::HelloVariant) -> Probe {
    Probe {
        hello: Some(v.hello),
        controlled: v.controlled,
        ..Probe::base(&v.label, &v.flags)
    }
}

/// A session resumed by the server that issued it and not by another.
/// Certain when both servers identified themselves and differ, and every
/// resumption on the issuing server resumed while every one elsewhere did
/// not; plausible when the servers could not be told apart (a cache that
/// forgets looks the same).
fn resumption_conclusion(rows: &[Row]) -> Option<Conclusion> {
    let tries: Vec<&ResumptionTry> = rows.iter().flat_map(|r| r.resumption.iter()).collect();
    let resumed = tries.iter().filter(|t| t.resumed).count();
    if resumed == 0 || resumed == tries.len() {
        return None;
    }
    // A resumed handshake proves its server holds the session (its
    // Finished verified under the session's master secret) but shows no
    // certificate; a full handshake shows one. So the proof is: every try
    // that was not resumed reached a server whose certificate (or key)
    // differs from the issuing server's.
    let cert = |b: &Option<Backend>| {
        b.as_ref()
            .and_then(|b| b.certificate_sha256.or(b.public_key_sha256))
    };
    let elsewhere = |t: &&&ResumptionTry| matches!((cert(&t.issued_by), cert(&t.answered_by)), (Some(a), Some(b)) if a != b);
    let separated = tries.iter().filter(|t| !t.resumed).all(|t| elsewhere(&t));
    let fell_back = tries.iter().filter(|t| !t.resumed).all(|t| t.outcome.works());
    let label = |b: &Option<Backend>| b.as_ref().map_or("an unidentified server".into(), |b| b.label());
    let mut evidence: Vec<String> = tries
        .iter()
        .map(|t| {
            format!(
                "a session issued by {}, offered to {}: {}",
                label(&t.issued_by),
                label(&t.answered_by),
                if t.resumed {
                    "resumed (so the server that answered holds the session)".to_string()
                } else if t.outcome.works() {
                    "not resumed, a full handshake instead".to_string()
                } else {
                    t.outcome.to_string()
                }
            )
        })
        .collect();
    if !separated {
        evidence.push(
            "a try that was not resumed reached a server with the issuing server's certificate, or an unidentified one: another server, or the same one that forgot the session"
                .into(),
        );
    }
    Some(Conclusion {
        version: ProtocolVersion::TLS12,
        cause: ExperimentCause::ResumptionAcrossBackends {
            fell_back,
            attempts: tries.len(),
            resumed,
        },
        certainty: if separated {
            Certainty::Proven
        } else {
            Certainty::Plausible(60)
        },
        evidence,
        decide_by: (!separated).then(|| {
            "resume one session several times, with the servers' certificates or session IDs told apart (fresh certificates per server)".to_string()
        }),
    })
}

type ProbeResult = (Outcome, Experiment, Vec<Notice>, Vec<ResumptionTry>);

fn run_probe(
    addr: &str,
    make_config: &dyn Fn() -> Result<ClientConfig, Error>,
    timeouts: Timeouts,
    probe: &Probe,
) -> Result<ProbeResult, Error> {
    let configure = || -> Result<ClientConfig, Error> {
        let mut c = make_config()?;
        if let Some(s) = probe.suite {
            c.suites = vec![s];
        }
        if let Some(g) = probe.group {
            c.groups = vec![g];
        }
        c.offer_extended_master_secret = probe.ems;
        c.offer_encrypt_then_mac = probe.etm;
        if let Some(size) = probe.split {
            c.faults = Faults(vec![Fault::SplitRecords { size }]);
        }
        c.custom_client_hello = probe.hello.clone();
        if let Some(v) = probe.version {
            c.min_version = v;
            c.max_version = v;
        }
        Ok(c)
    };
    let role = Role {
        varied: &probe.label,
        controlled: probe.controlled,
        reference: probe.reference,
    };
    // A single-suite probe also exchanges a little data, so the suite's
    // record protection is exercised in both directions (and, for AES-GCM,
    // the server's nonces can be compared across records).
    let send = if probe.suite.is_some() && probe.send == 0 {
        16
    } else {
        probe.send
    };
    let first = attempt(addr, configure()?, timeouts, send, None, role)?;
    match (probe.resume, &first.outcome, first.session.clone()) {
        (true, Outcome::Works { .. }, Some(session)) => {
            // The same session offered again, RESUMPTION_TRIES times: the
            // row shows the first failure, else the first attempt.
            let mut tries = vec![];
            let mut shown = None;
            for _ in 0..RESUMPTION_TRIES {
                let again = attempt(addr, configure()?, timeouts, send, Some(session.clone()), role)?;
                let resumed = matches!(again.outcome, Outcome::Works { resumed: true, .. });
                tries.push(ResumptionTry {
                    issued_by: first.experiment.backend.clone(),
                    answered_by: again.experiment.backend.clone(),
                    resumed,
                    outcome: again.experiment.outcome.clone(),
                });
                let failed = !again.experiment.outcome.works();
                if shown.is_none() || failed {
                    shown = Some(again);
                }
                if failed {
                    break;
                }
            }
            let shown = shown.unwrap_or(first);
            Ok((shown.outcome, shown.experiment, shown.notices, tries))
        }
        _ => Ok((first.outcome, first.experiment, first.notices, vec![])),
    }
}

impl Report {
    /// What the version probes show, when they ran (the default offer
    /// failed): the server answered TLS 1.2 with an older ServerHello (it
    /// speaks only that), or it fails at TLS 1.2 and works below
    /// (intolerance), or no version works.
    pub fn versions(&self) -> Option<VersionFinding> {
        let probes: Vec<&Row> = self.rows.iter().filter(|r| r.probe.version.is_some()).collect();
        if probes.is_empty() {
            return None;
        }
        let works = |v: ProtocolVersion| {
            probes
                .iter()
                .any(|r| r.probe.version == Some(v) && matches!(r.outcome, Outcome::Works { .. }))
        };
        let older = self
            .rows
            .iter()
            .filter(|r| r.probe.reference)
            .find_map(|r| match &r.outcome {
                Outcome::Fails {
                    error: Error::Handshake(HandshakeError::ProtocolVersion(v)),
                    ..
                } if v.0 < ProtocolVersion::TLS12.0 => Some(*v),
                _ => None,
            });
        if let Some(v) = older {
            return Some(VersionFinding::OnlyOlder {
                highest: v,
                confirmed: works(v),
            });
        }
        let highest = probes
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Works { .. }))
            .filter_map(|r| r.probe.version)
            .max_by_key(|v| v.0);
        Some(match highest {
            Some(highest) => VersionFinding::Intolerant { highest },
            None => VersionFinding::NoneAccepted,
        })
    }

    /// The probes that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fails { .. }))
    }

    /// Whether the default offer failed (in any of its attempts): then the
    /// command exits non-zero, whatever else worked.
    pub fn failed(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.probe.reference && matches!(r.outcome, Outcome::Fails { .. }))
    }

    /// Whether the report says the server or the path is at fault: the
    /// default offer failed, or an experiment proved a server fault that
    /// other offers run into (a suite family, CBC records), or a connection
    /// that worked showed a fault that breaks its security or its data (a
    /// repeated AES-GCM nonce, an oversized record, an end without
    /// close_notify). The command exits non-zero then.
    pub fn faulty(&self) -> bool {
        self.failed()
            || self
                .conclusions
                .iter()
                .any(|c| c.certainty == Certainty::Proven && c.cause.fails())
            || self.notices().iter().any(|(_, n)| notice_is_fault(n))
            || self.proven_failure().is_some()
    }

    /// A failing probe whose failure the bytes prove to be the server's or
    /// the path's (an oversized record, a record cut short, a record a
    /// recomputation proves wrong), when the default offer works.
    fn proven_failure(&self) -> Option<FirstCause> {
        self.failures()
            .map(failure_shows)
            .find(|f| f.certainty == Certainty::Proven)
    }

    /// The cause the report names first, as `(id, certainty, statement)`:
    /// for the default offer's failure, a certain conclusion of the
    /// experiments, else the explainer's recomputation of the failing
    /// record, else a plausible conclusion, else what the failure itself
    /// shows (an oversized record, a refused or unanswered hello); when the
    /// default offer works, the first conclusion, then the first notice
    /// that is a fault. `None`: nothing is wrong.
    pub fn first_cause(&self) -> Option<FirstCause> {
        let from_conclusion = |c: &Conclusion| FirstCause {
            id: c.cause.id().to_string(),
            certainty: c.certainty,
            statement: c.cause.to_string(),
        };
        if let Some(c) = self
            .conclusions
            .iter()
            .find(|c| c.certainty == Certainty::Proven && c.cause.fails())
        {
            return Some(from_conclusion(c));
        }
        let failing_default = self
            .rows
            .iter()
            .find(|r| r.probe.reference && matches!(r.outcome, Outcome::Fails { .. }));
        if let Some(r) = failing_default {
            if let Outcome::Fails {
                recomputed: Some((id, certainty)),
                cause: Some(text),
                ..
            } = &r.outcome
            {
                return Some(FirstCause {
                    id: (*id).to_string(),
                    certainty: *certainty,
                    statement: text.clone(),
                });
            }
            if let Some(c) = self
                .conclusions
                .iter()
                .find(|c| conclusion_explains(c, &r.experiment))
            {
                return Some(from_conclusion(c));
            }
            let shows = failure_shows(r);
            if shows.certainty == Certainty::Proven {
                return Some(shows);
            }
            if let Some(c) = self.conclusions.first() {
                return Some(from_conclusion(c));
            }
            return Some(shows);
        }
        if let Some(c) = self.conclusions.first() {
            return Some(from_conclusion(c));
        }
        if let Some(f) = self.proven_failure() {
            return Some(f);
        }
        self.notices()
            .into_iter()
            .find(|(_, n)| notice_is_fault(n))
            .map(|(_, n)| FirstCause {
                id: n.id().to_string(),
                // A notice states what the bytes show (two records with one
                // nonce, a length over the limit, an end without the alert).
                certainty: Certainty::Proven,
                statement: n.to_string(),
            })
    }

    /// Everything noticed that did not break a connection, each once, with
    /// the probe it was seen in.
    pub fn notices(&self) -> Vec<(&str, &Notice)> {
        let mut seen: Vec<&'static str> = vec![];
        let mut out = vec![];
        for r in &self.rows {
            for n in &r.notices {
                if !seen.contains(&n.id()) {
                    seen.push(n.id());
                    out.push((r.probe.label.as_str(), n));
                }
            }
        }
        out
    }

    /// The cause to show next to one failing row: a certain conclusion of
    /// the matching kind first, then the explainer's recomputation, then a
    /// plausible conclusion.
    fn row_cause(&self, r: &Row) -> Option<String> {
        let matching = |c: &&Conclusion| conclusion_explains(c, &r.experiment);
        let certain = self
            .conclusions
            .iter()
            .filter(|c| c.certainty == Certainty::Proven)
            .find(matching);
        if let Some(c) = certain {
            // A recomputation of the failing record says more than "CBC is broken".
            if let (
                tlslab::explain::evidence::ExperimentCause::CbcRecordsRejected,
                Outcome::Fails { cause: Some(r), .. },
            ) = (&c.cause, &r.outcome)
            {
                return Some(r.clone());
            }
            return Some(format!("{} (certain, from the experiments)", c.cause));
        }
        if let Outcome::Fails { cause: Some(c), .. } = &r.outcome {
            return Some(c.clone());
        }
        self.conclusions
            .iter()
            .find(matching)
            .map(|c| format!("{} (plausible, from the experiments)", c.cause))
    }

    /// A short verdict, then the evidence, for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let total = self.rows.len();
        let failing: Vec<&Row> = self.failures().collect();
        let default_fails = self.failed();
        let _ = writeln!(s, "== verdict for {}", self.addr);
        if self.repeat.is_intermittent() {
            let _ = writeln!(
                s,
                "INTERMITTENT: the same offer gave different outcomes: {} of {} attempts failed. Each probe below may have met another server: its outcome is not a property of the probe.",
                self.repeat.failures, self.repeat.attempts
            );
        }
        if failing.is_empty() {
            let _ = writeln!(s, "all {total} combinations work.");
        } else if default_fails && !self.repeat.is_intermittent() {
            let working: Vec<&Row> = self
                .rows
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Works { .. }))
                .collect();
            let pins: Vec<&&Row> = working.iter().filter(|r| r.probe.hello.is_none()).collect();
            if pins.is_empty() {
                let _ = writeln!(
                    s,
                    "the default offer FAILS; {} of {total} combinations work, none by a connect option.",
                    working.len()
                );
            } else {
                let _ = writeln!(
                    s,
                    "the default offer FAILS; {} of {total} combinations work. Pinning any of these makes it work:",
                    working.len()
                );
            }
            for r in pins.iter().take(8) {
                let _ = writeln!(
                    s,
                    "  tlslab connect {}{} {}",
                    self.addr, self.base_flags, r.probe.flags
                );
            }
        } else if default_fails {
            let _ = writeln!(
                s,
                "the default offer FAILS (not every time); {} of {total} connections failed.",
                failing.len()
            );
        } else {
            let _ = writeln!(
                s,
                "the default offer works; {} of {total} combinations fail (see below).",
                failing.len()
            );
        }
        if let Some(v) = self.versions() {
            let _ = writeln!(s, "\n== protocol versions\n  {v}");
        }
        if !self.conclusions.is_empty() {
            let _ = writeln!(s, "\n== diagnosis (from {} handshakes)", total);
            for c in &self.conclusions {
                let _ = write!(s, "{c}");
            }
        } else if failing
            .iter()
            .any(|r| !matches!(r.experiment.outcome, ExperimentOutcome::RefusedHello(_)))
        {
            let _ = writeln!(
                s,
                "\n== diagnosis: no single property of the offer or of the server's choices separates the failures from the successes"
            );
        }
        let notices = self.notices();
        if !notices.is_empty() {
            let _ = writeln!(s, "\n== worth knowing (the connections worked, but)");
            for (label, n) in notices {
                let _ = writeln!(s, "  {n} [{}] (seen in: {label})", n.id());
            }
        }
        let accepted: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.probe.suite.is_some() && matches!(r.outcome, Outcome::Works { .. }))
            .filter_map(|r| r.probe.suite.map(|s| s.openssl_name))
            .collect();
        let _ = writeln!(
            s,
            "suites the server accepts{}: {}",
            if self.repeat.is_intermittent() {
                " (each as answered by whichever server the probe reached)"
            } else {
                ""
            },
            if accepted.is_empty() {
                "none".into()
            } else {
                accepted.join(", ")
            }
        );
        let _ = writeln!(s, "\n== every combination");
        for r in &self.rows {
            let _ = match &r.outcome {
                Outcome::Works {
                    suite,
                    ems,
                    etm,
                    resumed,
                } => writeln!(
                    s,
                    "  ok    {:<44} {suite}{}{}{}",
                    r.probe.label,
                    if *ems { ", EMS" } else { "" },
                    if *etm { ", EtM" } else { "" },
                    if r.probe.resume {
                        if *resumed {
                            ", resumed"
                        } else {
                            ", NOT resumed"
                        }
                    } else {
                        ""
                    }
                ),
                Outcome::Fails { error, state, .. } => {
                    writeln!(s, "  FAIL  {:<44} {} (in {state})", r.probe.label, short(error))
                }
            };
        }
        if !failing.is_empty() {
            let _ = writeln!(
                s,
                "\n== likely causes of the failures, with a command that reproduces each"
            );
            for r in failing {
                if let Outcome::Fails { error, .. } = &r.outcome {
                    let cause = self.row_cause(r);
                    let _ = writeln!(s, "  {}: {}", r.probe.label, short(error));
                    let _ = writeln!(
                        s,
                        "    cause: {}",
                        cause.unwrap_or_else(|| match error {
                            Error::AlertReceived(a) if a.description.0 == 40 =>
                                "the server refuses this offer (negotiation: nothing in common)".into(),
                            Error::Tool(ToolError::Timeout(_)) => "the server stopped answering".into(),
                            Error::Tool(ToolError::ConnectionClosed(_)) | Error::Tool(ToolError::Io(_)) =>
                                "the server dropped the connection without an alert".into(),
                            Error::Record(RecordError::RecordOverflow { length, limit }) => format!(
                                "the server sent a record of {length} bytes, over the limit of {limit} (RFC 5246 §6.2): a strict client (this one) answers record_overflow, a lenient one accepts it"
                            ),
                            _ => "no recomputation applies; see the trace (--trace text)".into(),
                        })
                    );
                    let _ = writeln!(
                        s,
                        "    reproduce: tlslab connect {}{} {} --trace text",
                        self.addr, self.base_flags, r.probe.flags
                    );
                }
            }
        }
        s
    }

    /// The same report as JSON.
    pub fn to_json(&self) -> String {
        let esc = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
        let mut s = format!(
            "{{\"server\":\"{}\",\"default_offer_fails\":{},\"attempts\":{},\"attempts_failed\":{},\"diagnosis\":[",
            esc(&self.addr),
            self.failed(),
            self.repeat.attempts,
            self.repeat.failures
        );
        for (i, c) in self.conclusions.iter().enumerate() {
            let ev: Vec<String> = c.evidence.iter().map(|e| format!("\"{}\"", esc(e))).collect();
            let _ = write!(
                s,
                "{}{{\"cause\":\"{}\",\"certainty\":\"{}\",\"statement\":\"{}\",\"evidence\":[{}],\"decide_by\":{}}}",
                if i > 0 { "," } else { "" },
                c.cause.id(),
                if c.certainty == Certainty::Proven { "proven" } else { "plausible" },
                esc(&c.cause.to_string()),
                ev.join(","),
                c.decide_by.as_ref().map_or("null".into(), |d| format!("\"{}\"", esc(d)))
            );
        }
        match self.versions() {
            Some(v) => {
                let _ = write!(
                    s,
                    "],\"versions\":{{\"finding\":\"{}\",\"highest\":{},\"statement\":\"{}\"}}",
                    v.id(),
                    v.highest().map_or("null".into(), |h| format!("\"{h}\"")),
                    esc(&v.to_string())
                );
            }
            None => s.push_str("],\"versions\":null"),
        }
        s.push_str(",\"notices\":[");
        for (i, (label, n)) in self.notices().into_iter().enumerate() {
            let _ = write!(
                s,
                "{}{{\"notice\":\"{}\",\"text\":\"{}\",\"probe\":\"{}\"}}",
                if i > 0 { "," } else { "" },
                n.id(),
                esc(&n.to_string()),
                esc(label)
            );
        }
        s.push_str("],\"combinations\":[");
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "{{\"probe\":\"{}\",\"flags\":\"{}\",\"elapsed_ms\":{},\"outcome\":\"{}\",\"hello_length\":{},",
                esc(&r.probe.label),
                esc(&r.probe.flags),
                r.elapsed.as_millis(),
                esc(&r.experiment.outcome.to_string()),
                r.experiment.offer.hello_length
            );
            let _ = match &r.outcome {
                Outcome::Works { suite, ems, etm, resumed } => write!(
                    s,
                    "\"works\":true,\"suite\":\"{suite}\",\"extended_master_secret\":{ems},\"encrypt_then_mac\":{etm},\"resumed\":{resumed}}}"
                ),
                Outcome::Fails { error, state, cause, .. } => write!(
                    s,
                    "\"works\":false,\"error\":\"{}\",\"alert\":{},\"state\":\"{}\",\"cause\":{}}}",
                    esc(&error.to_string()),
                    match error {
                        Error::AlertReceived(a) => format!("\"{}\"", a.description),
                        _ => "null".into(),
                    },
                    esc(state),
                    cause.as_ref().map_or("null".into(), |c| format!("\"{}\"", esc(c)))
                ),
            };
        }
        s.push_str("]}");
        s
    }
}

/// The cause a report names first ([`Report::first_cause`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstCause {
    /// A stable snake_case id (a conclusion's, a recomputation's or a
    /// notice's).
    pub id: String,
    /// Proven, or plausible with its weight.
    pub certainty: Certainty,
    /// The cause in words.
    pub statement: String,
}

/// A notice that is a fault of the server or the path, not a remark: a
/// repeated AES-GCM nonce breaks the connection's confidentiality and
/// integrity, an oversized record breaks RFC 5246 §6.2, and an end without
/// close_notify means the data may be cut short.
fn notice_is_fault(n: &Notice) -> bool {
    matches!(
        n.id(),
        "gcm_nonce_repeated" | "record_oversize" | "truncated_mid_record" | "no_close_notify"
    )
}

/// What a failure nothing explains shows by itself.
fn failure_shows(r: &Row) -> FirstCause {
    use tlslab::error::HandshakeError;
    if let Outcome::Fails {
        recomputed: Some((id, Certainty::Proven)),
        cause: Some(text),
        ..
    } = &r.outcome
    {
        return FirstCause {
            id: (*id).to_string(),
            certainty: Certainty::Proven,
            statement: text.clone(),
        };
    }
    if let Some(n) = r
        .notices
        .iter()
        .find(|n| matches!(n, Notice::NoCloseNotify { mid_record: Some(_) }))
    {
        return FirstCause {
            id: n.id().to_string(),
            // The bytes prove it: the stream ended inside a record. Who cut
            // it (the server or the path) they do not say.
            certainty: Certainty::Proven,
            statement: format!("{n}: the server or the path cut the connection inside a record"),
        };
    }
    let (id, certainty, statement) = match (&r.outcome, &r.experiment.outcome) {
        (
            Outcome::Fails {
                error: Error::Handshake(HandshakeError::UnexpectedMessage { expected, got, .. }),
                ..
            },
            _,
        ) => (
            "handshake_message_out_of_order",
            Certainty::Plausible(50),
            format!(
                "the server's handshake messages arrived out of order or with one missing (expected {expected}, got {got}): reordered or lost on the path (a middlebox that re-frames records), or sent so by the server; a capture at the server's side decides which"
            ),
        ),
        (
            Outcome::Fails {
                error: Error::Record(RecordError::UnexpectedContentType(t)),
                ..
            },
            _,
        ) => (
            "handshake_message_out_of_order",
            Certainty::Plausible(50),
            format!(
                "a {t} record arrived where the handshake did not allow it: reordered or lost on the path, or sent so by the server; a capture at the server's side decides which"
            ),
        ),
        (
            Outcome::Fails {
                error: Error::Record(RecordError::RecordOverflow { length, limit }),
                ..
            },
            _,
        ) => (
            "record_oversize",
            Certainty::Proven,
            format!("the server sent a record of {length} bytes, over the limit of {limit} (RFC 5246 §6.2)"),
        ),
        (_, ExperimentOutcome::RefusedHello(a)) => (
            "hello_refused",
            Certainty::Plausible(40),
            format!(
                "the server refuses the offer with {a} and no variation of it separates the refusals: nothing in common (suites, groups, version), or it refuses every hello"
            ),
        ),
        (_, ExperimentOutcome::NoAnswer { how }) => (
            "no_answer",
            Certainty::Plausible(40),
            format!("no answer to the ClientHello ({how}) and no variation of it was answered"),
        ),
        (_, o) => (
            "unexplained",
            Certainty::Plausible(10),
            format!("{o}: no recomputation and no experiment explains it (see the trace: --trace text)"),
        ),
    };
    FirstCause {
        id: id.to_string(),
        certainty,
        statement,
    }
}

/// Whether a conclusion is about the kind of failure this experiment had.
fn conclusion_explains(c: &Conclusion, e: &Experiment) -> bool {
    use tlslab::explain::evidence::ExperimentCause as C;
    match (&c.cause, &e.outcome) {
        (C::ServerSignsWithOtherKey, ExperimentOutcome::BadServerSignature { .. }) => true,
        (C::ServerSignsWithOtherKey | C::RsaKeyExchangeBroken, ExperimentOutcome::RejectedFinished(_)) => e
            .negotiated
            .as_ref()
            .and_then(|n| n.suite)
            .is_some_and(tlslab::explain::evidence::is_rsa_key_exchange),
        (C::ExtendedMasterSecretNotApplied, ExperimentOutcome::RejectedFinished(_)) => {
            e.negotiated.as_ref().is_some_and(|n| n.extended_master_secret)
        }
        (C::EncryptThenMacNotApplied, ExperimentOutcome::RejectedFinished(_)) => {
            e.negotiated.as_ref().is_some_and(|n| n.encrypt_then_mac)
        }
        (C::PrfHashBroken { failing }, ExperimentOutcome::RejectedFinished(_)) => e
            .negotiated
            .as_ref()
            .and_then(|n| n.suite)
            .is_some_and(|s| s.prf == *failing),
        (
            C::ExtensionIntolerance(_)
            | C::HelloLengthIntolerance { .. }
            | C::VersionIntolerance(_)
            | C::RecordVersionIntolerance(_),
            ExperimentOutcome::NoAnswer { .. } | ExperimentOutcome::RefusedHello(_),
        ) => true,
        (C::CbcRecordsRejected, ExperimentOutcome::BadServerRecord { .. }) => e
            .negotiated
            .as_ref()
            .and_then(|n| n.suite)
            .is_some_and(|s| !s.is_aead()),
        (C::BadBackend { backend, .. }, o) => {
            // A server told apart by its behaviour only never identified itself.
            !o.works()
                && (e.backend.as_ref() == Some(backend)
                    || (*backend == Backend::default() && e.backend.is_none() && e.reference))
        }
        (C::Intermittent { .. }, o) => !o.works() && e.reference,
        _ => false,
    }
}

fn short(e: &Error) -> String {
    match e {
        Error::AlertReceived(a) => format!("server sent {a}"),
        Error::Tool(ToolError::Timeout(_)) => "timeout".into(),
        Error::Tool(ToolError::ConnectionClosed(_)) => "connection closed without an alert".into(),
        Error::Tool(ToolError::Io(m)) if m.contains("reset") => "connection reset".into(),
        other => other.to_string(),
    }
}
