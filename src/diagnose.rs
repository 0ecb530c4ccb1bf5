//! `tlslab diagnose`: a matrix of handshakes against one live server, to find
//! which combinations work, which fail and how, and what most likely causes
//! each failure.
//!
//! The classic complaint, "the client fails with bad_record_mac until I pin
//! one protocol option", is exactly what one run shows: the default offer
//! fails, the rows that work name the pin, and the failing rows carry the
//! explainer's verdict and a command that reproduces them.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::net::{self, Timeouts};
use tlslab::crypto::suites::{SuiteInfo, ALL_SUITES};
use tlslab::error::{Error, ToolError};
use tlslab::faults::{Fault, Faults};
use tlslab::wire::NamedGroup;
use tlslab::{Client, ClientConfig};

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
        }
    }
}

/// The probes of a diagnosis, most telling first: the default offer, each
/// extension switched off, each group, each suite, record sizes,
/// fragmentation, resumption.
pub fn probes() -> Vec<Probe> {
    let mut v = vec![Probe::base("default offer", "")];
    v.push(Probe {
        ems: false,
        ..Probe::base("without extended_master_secret", "--no-ems")
    });
    v.push(Probe {
        etm: false,
        ..Probe::base("without encrypt_then_mac", "--no-etm")
    });
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
        v.push(Probe {
            group: Some(g),
            ..Probe::base(&format!("only group {g}"), &format!("--groups {name}"))
        });
    }
    for s in ALL_SUITES {
        v.push(Probe {
            suite: Some(s),
            ..Probe::base(
                &format!("only {}", s.openssl_name),
                &format!("--cipher {}", s.openssl_name),
            )
        });
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
    pub elapsed: Duration,
}

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
}

/// Runs every probe against `addr`. `make_config` builds the base
/// configuration (server name, trust, --server-key); `progress` is told
/// after each probe.
pub fn diagnose(
    addr: &str,
    make_config: &dyn Fn() -> Result<ClientConfig, Error>,
    timeouts: Timeouts,
    progress: &mut dyn FnMut(usize, usize, &Row),
) -> Result<Report, Error> {
    let probes = probes();
    let mut rows = vec![];
    for (i, probe) in probes.iter().enumerate() {
        let started = Instant::now();
        let outcome = run_probe(addr, make_config, timeouts, probe)?;
        let row = Row {
            probe: probe.clone(),
            outcome,
            elapsed: started.elapsed(),
        };
        progress(i + 1, probes.len(), &row);
        rows.push(row);
    }
    Ok(Report {
        addr: addr.to_string(),
        rows,
        base_flags: String::new(),
    })
}

fn run_probe(
    addr: &str,
    make_config: &dyn Fn() -> Result<ClientConfig, Error>,
    timeouts: Timeouts,
    probe: &Probe,
) -> Result<Outcome, Error> {
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
        Ok(c)
    };
    let first = connect_once(addr, configure()?, timeouts, probe.send, None)?;
    let (outcome, session) = first;
    match (probe.resume, outcome, session) {
        (true, Outcome::Works { .. }, Some(session)) => {
            Ok(connect_once(addr, configure()?, timeouts, probe.send, Some(session))?.0)
        }
        (_, outcome, _) => Ok(outcome),
    }
}

/// One connection. Errors of the connection itself become `Outcome::Fails`;
/// only a broken configuration is an `Err`.
fn connect_once(
    addr: &str,
    mut config: ClientConfig,
    timeouts: Timeouts,
    send: usize,
    resume: Option<tlslab::session::StoredSession>,
) -> Result<(Outcome, Option<tlslab::session::StoredSession>), Error> {
    config.resume = resume;
    let mut stream = match net::connect_tcp(addr, Client::new(config), timeouts) {
        Ok(s) => s,
        // The server refused or dropped the TCP connection: a result, not a reason to stop.
        Err(error) => {
            return Ok((
                Outcome::Fails {
                    error,
                    state: "TCP connect".into(),
                    cause: None,
                },
                None,
            ));
        }
    };
    let result = (|| {
        stream.handshake()?;
        if send > 0 {
            stream.write_all(&vec![b'x'; send])?;
        }
        // Anything the server answers (or its silence) is fine; an alert is not.
        let _ = stream.read_until_quiet(Duration::from_millis(150), Duration::from_millis(600))?;
        Ok::<(), Error>(())
    })();
    let client = stream.client();
    let outcome = match result {
        Ok(()) => {
            let s = client.session();
            Outcome::Works {
                suite: s.suite.map_or("?", |s| s.openssl_name),
                ems: s.extended_master_secret,
                etm: s.encrypt_then_mac,
                resumed: s.resumed,
            }
        }
        Err(error) => Outcome::Fails {
            state: client.failed_in().unwrap_or(client.state_name()).to_string(),
            cause: client
                .explain_failure()
                .and_then(|e| e.top().map(|f| f.cause.to_string())),
            error: client.error().cloned().unwrap_or(error),
        },
    };
    let session = client.session_to_resume();
    let _ = stream.close();
    Ok((outcome, session))
}

impl Report {
    /// The probes that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fails { .. }))
    }

    /// A short verdict, then the evidence, for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let total = self.rows.len();
        let failing: Vec<&Row> = self.failures().collect();
        let default_fails = matches!(self.rows.first().map(|r| &r.outcome), Some(Outcome::Fails { .. }));
        let _ = writeln!(s, "== verdict for {}", self.addr);
        if failing.is_empty() {
            let _ = writeln!(s, "all {total} combinations work.");
        } else if default_fails {
            let working: Vec<&Row> = self
                .rows
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Works { .. }))
                .collect();
            let _ = writeln!(
                s,
                "the default offer FAILS; {} of {total} combinations work. Pinning any of these makes it work:",
                working.len()
            );
            for r in working.iter().take(8) {
                let _ = writeln!(
                    s,
                    "  tlslab connect {}{} {}",
                    self.addr, self.base_flags, r.probe.flags
                );
            }
        } else {
            let _ = writeln!(
                s,
                "the default offer works; {} of {total} combinations fail (see below).",
                failing.len()
            );
        }
        let accepted: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.probe.suite.is_some() && matches!(r.outcome, Outcome::Works { .. }))
            .filter_map(|r| r.probe.suite.map(|s| s.openssl_name))
            .collect();
        let _ = writeln!(
            s,
            "suites the server accepts: {}",
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
                if let Outcome::Fails { error, cause, .. } = &r.outcome {
                    let _ = writeln!(s, "  {}: {}", r.probe.label, short(error));
                    let _ = writeln!(
                        s,
                        "    cause: {}",
                        cause.as_deref().unwrap_or(match error {
                            Error::AlertReceived(a) if a.description.0 == 40 =>
                                "the server refuses this offer (negotiation: nothing in common)",
                            Error::Tool(ToolError::Timeout(_)) => "the server stopped answering",
                            Error::Tool(ToolError::ConnectionClosed(_)) | Error::Tool(ToolError::Io(_)) =>
                                "the server dropped the connection without an alert",
                            _ => "no recomputation applies; see the trace (--trace text)",
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
        let mut s = format!("{{\"server\":\"{}\",\"combinations\":[", esc(&self.addr));
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "{{\"probe\":\"{}\",\"flags\":\"{}\",\"elapsed_ms\":{},",
                esc(&r.probe.label),
                esc(&r.probe.flags),
                r.elapsed.as_millis()
            );
            let _ = match &r.outcome {
                Outcome::Works { suite, ems, etm, resumed } => write!(
                    s,
                    "\"works\":true,\"suite\":\"{suite}\",\"extended_master_secret\":{ems},\"encrypt_then_mac\":{etm},\"resumed\":{resumed}}}"
                ),
                Outcome::Fails { error, state, cause } => write!(
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

fn short(e: &Error) -> String {
    match e {
        Error::AlertReceived(a) => format!("server sent {a}"),
        Error::Tool(ToolError::Timeout(_)) => "timeout".into(),
        Error::Tool(ToolError::ConnectionClosed(_)) => "connection closed without an alert".into(),
        Error::Tool(ToolError::Io(m)) if m.contains("reset") => "connection reset".into(),
        other => other.to_string(),
    }
}
