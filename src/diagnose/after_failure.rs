//! After one failed handshake, the few handshakes that decide its cause.
//!
//! The explainer recomputes what one connection's bytes allow. When the
//! failure is the server's answer to our Finished (bad_record_mac,
//! decrypt_error), the bytes cannot say which of the server's key-schedule
//! inputs differs; one more handshake that changes exactly that input can:
//!
//! ```text
//!  our Finished rejected ─┬─ the same offer again             (does it repeat?)
//!                         ├─ without extended_master_secret    (if it was acknowledged)
//!                         ├─ without encrypt_then_mac          (if it was in use)
//!                         ├─ a suite with the other PRF hash   (same key exchange)
//!                         └─ an ECDHE suite, if RSA key exchange failed
//!                            (its ServerKeyExchange signature is checked
//!                            against the certificate: the wrong-key proof)
//!  no answer to the hello ─► the same offer again, then the hello bisected
//!  bad ServerKeyExchange signature ─► certain already (a recomputation)
//! ```
//!
//! The number of extra handshakes is bounded by the caller and each one is
//! recorded in the [`Diagnosis`].

use std::fmt::Write as _;

use tlslab::crypto::suites::SuiteInfo;
use tlslab::error::Error;
use tlslab::explain::evidence::{
    conclude, is_rsa_key_exchange, render, Conclusion, Experiment, ExperimentOutcome,
};
use tlslab::explain::notices::Notice;
use tlslab::explain::Certainty;
use tlslab::{ClientConfig, CustomClientHello};

use super::attempt::{attempt, Role};
use super::bisect;
use crate::net::Timeouts;

/// The experiments run after a failure and what they prove.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    /// Every handshake, the failed one first.
    pub experiments: Vec<Experiment>,
    /// The causes they support, most certain first.
    pub conclusions: Vec<Conclusion>,
    /// What the extra handshakes noticed that did not break them.
    pub notices: Vec<Notice>,
    /// How many extra handshakes were allowed.
    pub budget: usize,
}

impl Diagnosis {
    /// Extra handshakes made (the failed connection itself not counted
    /// when it was given).
    pub fn extra_handshakes(&self) -> usize {
        self.experiments.iter().filter(|e| e.varied != FAILED).count()
    }

    /// The certain cause, if one was proven.
    pub fn certain(&self) -> Option<&Conclusion> {
        self.conclusions.iter().find(|c| c.certainty == Certainty::Proven)
    }

    /// The same as JSON: every handshake (what it varied, how it ended) and
    /// every conclusion (cause id, certainty, statement, evidence).
    pub fn to_json(&self) -> String {
        let esc = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
        let experiments: Vec<String> = self
            .experiments
            .iter()
            .map(|e| {
                format!(
                    "{{\"varied\":\"{}\",\"controlled\":{},\"works\":{},\"outcome\":\"{}\",\"hello_length\":{},\"elapsed_ms\":{}}}",
                    esc(&e.varied),
                    e.controlled,
                    e.outcome.works(),
                    esc(&e.outcome.to_string()),
                    e.offer.hello_length,
                    e.elapsed_ms
                )
            })
            .collect();
        let conclusions: Vec<String> = self
            .conclusions
            .iter()
            .map(|c| {
                let ev: Vec<String> = c.evidence.iter().map(|e| format!("\"{}\"", esc(e))).collect();
                format!(
                    "{{\"cause\":\"{}\",\"certainty\":\"{}\",\"statement\":\"{}\",\"evidence\":[{}]}}",
                    c.cause.id(),
                    if c.certainty == Certainty::Proven {
                        "proven"
                    } else {
                        "plausible"
                    },
                    esc(&c.cause.to_string()),
                    ev.join(",")
                )
            })
            .collect();
        let notices: Vec<String> = self
            .notices
            .iter()
            .map(|n| {
                format!(
                    "{{\"notice\":\"{}\",\"text\":\"{}\"}}",
                    n.id(),
                    esc(&n.to_string())
                )
            })
            .collect();
        format!(
            "{{\"extra_handshakes\":{},\"budget\":{},\"experiments\":[{}],\"diagnosis\":[{}],\"notices\":[{}]}}",
            self.extra_handshakes(),
            self.budget,
            experiments.join(","),
            conclusions.join(","),
            notices.join(",")
        )
    }

    /// For people: the conclusions, then every handshake with what it varied.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "== what other handshakes show ({} extra handshake(s) of at most {})",
            self.extra_handshakes(),
            self.budget
        );
        s.push_str(&render(&self.experiments, &self.conclusions));
        for n in &self.notices {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }
}

/// The label of the connection that failed, when the caller passes it in.
const FAILED: &str = "the connection that failed";

/// Runs at most `max_extra` handshakes that decide why a handshake with the
/// configuration `make_config` builds failed, and concludes.
///
/// `failed` is the failed connection as an experiment (record it with a
/// [`tlslab::explain::evidence::SharedTap`] in the connection's observers
/// and [`tlslab::explain::evidence::Tap::outcome`]); without it, the first
/// extra handshake makes the same offer and stands for it. `progress` is
/// told after each handshake.
pub fn probe_after_failure(
    addr: &str,
    make_config: &dyn Fn() -> Result<ClientConfig, Error>,
    timeouts: Timeouts,
    failed: Option<Experiment>,
    max_extra: usize,
    progress: &mut dyn FnMut(&Experiment),
) -> Result<Diagnosis, Error> {
    let mut experiments = vec![];
    let mut notices = vec![];
    let mut budget = max_extra;
    let mut run = |config: ClientConfig,
                   varied: &str,
                   controlled: bool,
                   reference: bool,
                   experiments: &mut Vec<Experiment>,
                   notices: &mut Vec<Notice>|
     -> Result<bool, Error> {
        if budget == 0 {
            return Ok(false);
        }
        budget -= 1;
        let a = attempt(
            addr,
            config,
            timeouts,
            0,
            None,
            Role {
                varied,
                controlled,
                reference,
            },
        )?;
        progress(&a.experiment);
        notices.extend(a.notices);
        experiments.push(a.experiment);
        Ok(true)
    };
    match failed {
        Some(mut f) => {
            f.varied = FAILED.into();
            f.reference = true;
            f.controlled = false;
            experiments.push(f);
        }
        None => {
            run(
                make_config()?,
                "the same offer",
                false,
                true,
                &mut experiments,
                &mut notices,
            )?;
        }
    }
    let base = experiments[0].clone();
    if base.outcome.works() {
        // It worked this time: the same offer once more tells a flaky server.
        run(
            make_config()?,
            "the same offer again",
            false,
            true,
            &mut experiments,
            &mut notices,
        )?;
        return finish(experiments, notices, max_extra);
    }
    run(
        make_config()?,
        "the same offer again",
        false,
        true,
        &mut experiments,
        &mut notices,
    )?;
    match &base.outcome {
        ExperimentOutcome::RejectedFinished(_) | ExperimentOutcome::Failed { .. } => {
            let Some(n) = base.negotiated.clone() else {
                return finish(experiments, notices, max_extra);
            };
            if n.extended_master_secret {
                let mut c = make_config()?;
                c.offer_extended_master_secret = false;
                run(
                    c,
                    "without extended_master_secret",
                    true,
                    false,
                    &mut experiments,
                    &mut notices,
                )?;
            }
            if n.encrypt_then_mac {
                let mut c = make_config()?;
                c.offer_encrypt_then_mac = false;
                run(
                    c,
                    "without encrypt_then_mac",
                    true,
                    false,
                    &mut experiments,
                    &mut notices,
                )?;
            }
            if let Some(suite) = n.suite {
                // The suites offered, then every suite we implement: an
                // experiment may go outside the user's list to decide.
                let mut offered = make_config()?.suites;
                for s in tlslab::crypto::suites::default_suites() {
                    if !offered.iter().any(|o| o.id == s.id) {
                        offered.push(s);
                    }
                }
                if let Some((other, same_kx)) = other_prf_suite(suite, &offered) {
                    let mut c = make_config()?;
                    c.suites = vec![other];
                    let label = format!(
                        "only {} (P_{} instead of P_{})",
                        other.openssl_name,
                        other.prf.name(),
                        suite.prf.name()
                    );
                    run(c, &label, same_kx, false, &mut experiments, &mut notices)?;
                }
                if is_rsa_key_exchange(suite) {
                    if let Some(ecdhe) = ecdhe_twin(suite, &offered) {
                        let mut c = make_config()?;
                        c.suites = vec![ecdhe];
                        let label =
                            format!("only {} (ECDHE instead of RSA key exchange)", ecdhe.openssl_name);
                        run(c, &label, true, false, &mut experiments, &mut notices)?;
                    }
                }
                // The failing suite alone, so a repetition is exactly this suite.
                let mut c = make_config()?;
                c.suites = vec![suite];
                run(
                    c,
                    &format!("only {}", suite.openssl_name),
                    false,
                    false,
                    &mut experiments,
                    &mut notices,
                )?;
            }
        }
        ExperimentOutcome::NoAnswer { .. } => {
            let (hello, record_version) = bisect::default_hello(make_config()?)?;
            let mut variants = bisect::bisect_variants(&hello, record_version);
            variants.extend(bisect::size_variants(&hello, record_version));
            for v in variants {
                let mut c = make_config()?;
                c.custom_client_hello = Some(CustomClientHello { ..v.hello });
                if !run(c, &v.label, v.controlled, false, &mut experiments, &mut notices)? {
                    break;
                }
            }
        }
        _ => {}
    }
    finish(experiments, notices, max_extra)
}

fn finish(experiments: Vec<Experiment>, notices: Vec<Notice>, budget: usize) -> Result<Diagnosis, Error> {
    Ok(Diagnosis {
        conclusions: conclude(&experiments),
        experiments,
        notices,
        budget,
    })
}

/// An offered suite with the other PRF hash: the same key exchange and
/// authentication (the part of the name before `_WITH_`) and cipher kind if
/// possible; the flag says whether the key exchange is the same.
fn other_prf_suite(s: &SuiteInfo, offered: &[&'static SuiteInfo]) -> Option<(&'static SuiteInfo, bool)> {
    let family = |x: &SuiteInfo| x.name().split("_WITH_").next().unwrap_or_default().to_string();
    let others: Vec<&'static SuiteInfo> = offered.iter().copied().filter(|o| o.prf != s.prf).collect();
    others
        .iter()
        .find(|o| family(o) == family(s) && o.is_aead() == s.is_aead())
        .or_else(|| others.iter().find(|o| family(o) == family(s)))
        .map(|o| (*o, true))
        .or_else(|| {
            others
                .iter()
                .find(|o| is_rsa_key_exchange(o) == is_rsa_key_exchange(s))
                .map(|o| (*o, false))
        })
}

/// An offered ECDHE suite with the same PRF hash and cipher kind as `s`.
fn ecdhe_twin(s: &SuiteInfo, offered: &[&'static SuiteInfo]) -> Option<&'static SuiteInfo> {
    let ecdhe: Vec<&'static SuiteInfo> = offered
        .iter()
        .copied()
        .filter(|o| o.name().starts_with("TLS_ECDHE_"))
        .collect();
    // An RSA certificate signs ECDHE_RSA suites, not ECDHE_ECDSA ones.
    let rsa_signed = |o: &&&'static SuiteInfo| o.name().starts_with("TLS_ECDHE_RSA_");
    ecdhe
        .iter()
        .filter(rsa_signed)
        .find(|o| o.prf == s.prf && o.is_aead() == s.is_aead())
        .or_else(|| ecdhe.iter().find(rsa_signed))
        .or_else(|| ecdhe.first())
        .copied()
}
