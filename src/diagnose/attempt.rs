//! One handshake, recorded as an experiment: the offer as sent, what the
//! server chose, which server answered, how it ended, and what is worth
//! saying even when it worked.

use std::time::{Duration, Instant};

use tlslab::error::Error;
use tlslab::explain::evidence::{Experiment, SharedTap};
use tlslab::explain::notices::{Notice, Watch};
use tlslab::observer::{Event, Observer};
use tlslab::session::StoredSession;
use tlslab::{Client, ClientConfig};

use super::Outcome;
use crate::net::{self, Timeouts};

/// What one connection produced.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The connection as evidence.
    pub experiment: Experiment,
    /// The matrix's view of it.
    pub outcome: Outcome,
    /// The session to resume with, if the server offered one.
    pub session: Option<StoredSession>,
    /// What does not break the connection but must be said.
    pub notices: Vec<Notice>,
}

/// How one attempt is labelled in the evidence.
#[derive(Clone, Copy, Debug)]
pub struct Role<'a> {
    /// What it varied ("without extension session_ticket").
    pub varied: &'a str,
    /// Whether it differs from the reference offer in exactly one respect.
    pub controlled: bool,
    /// Whether it is the reference offer (first attempt or a repetition).
    pub reference: bool,
}

/// The observers a connection needs to become evidence: a
/// [`SharedTap`] (the offer, the server's choices and identity, how far the
/// handshake got) and a [`Watch`] (what does not break a connection but must
/// be said). Clones share their records: put one clone into the
/// connection's observers and read another afterwards. `tlslab connect` adds
/// one to its observer chain.
#[derive(Clone, Default)]
pub struct ConnectionEvidence {
    /// The handshake as an experiment.
    pub tap: SharedTap,
    /// Notices.
    pub watch: Watch,
}

impl ConnectionEvidence {
    /// Empty records.
    pub fn new() -> ConnectionEvidence {
        ConnectionEvidence::default()
    }

    /// The connection as an experiment (the reference offer), given how it
    /// ended and, if it failed, the state it failed in.
    pub fn experiment(
        &self,
        varied: &str,
        result: Result<(), &Error>,
        state: &str,
        elapsed_ms: u64,
    ) -> Experiment {
        let tap = self.tap.snapshot();
        let outcome = tap.outcome(result, state);
        tap.experiment(varied, false, true, outcome, elapsed_ms)
    }

    /// Everything noticed, once the connection is over: with the bytes the
    /// socket delivered and whether the server closed TCP, a close without
    /// close_notify (or in the middle of a record) is a truncation.
    pub fn notices(&self, stream: &net::TlsStream<'_>) -> Vec<Notice> {
        self.watch.finish(stream.bytes_read(), stream.peer_closed())
    }
}

impl Observer for ConnectionEvidence {
    fn on_event(&mut self, e: &Event<'_>) {
        self.tap.on_event(e);
        self.watch.on_event(e);
    }
}

/// One connection: handshake, `send` bytes of application data, read what
/// comes back for a moment, close. Errors of the connection become the
/// outcome; only a broken configuration is an `Err`.
pub fn attempt(
    addr: &str,
    mut config: ClientConfig,
    timeouts: Timeouts,
    send: usize,
    resume: Option<StoredSession>,
    role: Role<'_>,
) -> Result<Attempt, Error> {
    config.resume = resume;
    config.validate()?;
    let evidence = ConnectionEvidence::new();
    let mut observer = evidence.clone();
    let started = Instant::now();
    let client = Client::with_observer(config, &mut observer);
    let (outcome, session, result, bytes, closed) = match net::connect_tcp(addr, client, timeouts) {
        // The server refused or dropped the TCP connection: a result, not a reason to stop.
        Err(error) => (
            Outcome::Fails {
                error: error.clone(),
                state: "TCP connect".into(),
                cause: None,
                recomputed: None,
            },
            None,
            Err((error, "TCP connect".to_string())),
            0,
            false,
        ),
        Ok(mut stream) => {
            let result = (|| {
                stream.handshake()?;
                if send > 0 {
                    stream.write_all(&vec![b'x'; send])?;
                }
                // Anything the server answers (or its silence) is fine; an alert is not.
                // The record-size probes wait longer for the first answer:
                // a slow server's echo of 16 KiB is what shows its records.
                let (quiet, limit) = if send >= 16384 { (2500, 5000) } else { (150, 600) };
                let _ =
                    stream.read_until_quiet(Duration::from_millis(quiet), Duration::from_millis(limit))?;
                Ok::<(), Error>(())
            })();
            let client = stream.client();
            let state = client.failed_in().unwrap_or(client.state_name()).to_string();
            let (outcome, result) = match result {
                Ok(()) => {
                    let s = client.session();
                    (
                        Outcome::Works {
                            suite: s.suite.map_or("?", |s| s.openssl_name),
                            ems: s.extended_master_secret,
                            etm: s.encrypt_then_mac,
                            resumed: s.resumed,
                        },
                        Ok(()),
                    )
                }
                Err(error) => {
                    let error = client.error().cloned().unwrap_or(error);
                    (
                        Outcome::Fails {
                            state: state.clone(),
                            cause: client.explain_failure().and_then(|e| {
                                e.top()
                                    .map(|f| format!("{} ({})", f.cause.description(), e.rfc_of(f)))
                            }),
                            recomputed: client
                                .explain_failure()
                                .and_then(|e| e.top().map(|f| (f.cause.id(), f.certainty))),
                            error: error.clone(),
                        },
                        Err((error, state)),
                    )
                }
            };
            let session = client.session_to_resume();
            let _ = stream.close();
            let (bytes, closed) = (stream.bytes_read(), stream.peer_closed());
            (outcome, session, result, bytes, closed)
        }
    };
    let snapshot = evidence.tap.snapshot();
    let eo = snapshot.outcome(
        result.as_ref().map(|_| ()).map_err(|(e, _)| e),
        match &result {
            Err((_, state)) => state,
            Ok(()) => "",
        },
    );
    let elapsed = started.elapsed().as_millis() as u64;
    let experiment = snapshot.experiment(role.varied, role.controlled, role.reference, eo, elapsed);
    // Truncation only matters once there was a connection to truncate.
    // After a failure, an end of stream inside a record is still worth
    // saying (the record was cut short); an end without close_notify is not
    // (the failure ended the connection).
    let notices = if outcome_works(&outcome) {
        evidence.watch.finish(bytes, closed)
    } else {
        let mut n = evidence.watch.notices();
        n.extend(
            evidence
                .watch
                .finish(bytes, closed)
                .into_iter()
                .filter(|x| matches!(x, Notice::NoCloseNotify { mid_record: Some(_) })),
        );
        n
    };
    Ok(Attempt {
        experiment,
        outcome,
        session,
        notices,
    })
}

fn outcome_works(o: &Outcome) -> bool {
    matches!(o, Outcome::Works { .. })
}
