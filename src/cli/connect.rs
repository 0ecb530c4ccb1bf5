//! `tlslab connect HOST:PORT`.

use std::time::Duration;

use tlslab::observer::{Event, JsonLog, KeyLogWriter, Observer, Tee};
use tlslab::replay::{Bundle, BundleSettings, SharedBuf, StepLog};
use tlslab::report::{self, HtmlOptions, SharedReport};
use tlslab::rng::{OsRng, Rng, SeededRng};
use tlslab::session::StoredSession;
use tlslab::{Client, ClientConfig};
use tlslab_cli::diagnose::ConnectionEvidence;
use tlslab_cli::net;

use super::args::{ConnectArgs, ReplayArgs, ViewArgs};
use super::{host_of, print_session, CliError, Readable};

/// Handshake, send, print what comes back.
pub fn run(a: &ConnectArgs) -> Result<(), CliError> {
    let o = &a.options;
    let payload = o.payload()?;
    let pcap = a.pcap.as_deref().map(|p| (p, a.addr.as_str()));
    let mut observers = o.observers(pcap)?;
    let readable = o.readable();
    if let Some(r) = &readable {
        observers.observers.insert(0, Box::new(r.clone()));
    }
    let html = a
        .html
        .as_ref()
        .map(|_| SharedReport::new(HtmlOptions::default().record_limit));
    if let Some(h) = &html {
        observers.observers.push(Box::new(h.clone()));
    }
    // A bundle must be replayable: without --seed, pick one and say which.
    let seed = o.seed.or_else(|| {
        o.bundle.as_ref().map(|_| {
            let mut b = [0u8; 8];
            OsRng::new().fill(&mut b);
            u64::from_be_bytes(b) >> 12
        })
    });
    if let Some(seed) = seed {
        outln!("seed: {seed} (rerun with --seed {seed} for the same client bytes)");
    }
    super::legacy_version_warning(o.min_version.protocol_version());
    let first = exchange(
        a,
        o.config(host_of(&a.addr))?,
        seed,
        0,
        &payload,
        &mut observers,
        Shown {
            html: html.as_ref(),
            readable: readable.as_ref(),
        },
    );
    if let (Some(path), Some(h)) = (&a.html, &html) {
        let options = HtmlOptions {
            title: format!("tlslab connect {}", a.addr),
            redact: o.redact,
            ..HtmlOptions::default()
        };
        write_html(path, &h.html(&options, &a.addr))?;
    }
    let session = match (first, a.probe) {
        (Err(e), Some(n)) if n > 0 => {
            probe(a, n);
            return Err(e);
        }
        (r, _) => r?,
    };
    if o.reconnect {
        let Some(session) = session else {
            return Err(CliError::Other(
                "the server offered no session ID and no ticket: nothing to resume".into(),
            ));
        };
        outln!("== reconnecting to resume the session");
        let mut config = o.config(host_of(&a.addr))?;
        config.resume = Some(session);
        exchange(
            a,
            config,
            seed,
            1,
            &payload,
            &mut observers,
            Shown {
                html: None,
                readable: readable.as_ref(),
            },
        )?;
    }
    Ok(())
}

/// `--probe N`: at most `n` more handshakes after a failure, each shown,
/// then what they prove.
fn probe(a: &ConnectArgs, n: usize) {
    let o = &a.options;
    let make = || {
        o.config(host_of(&a.addr)).map_err(|e| match e {
            CliError::Tls(e) => e,
            CliError::Usage(m) | CliError::Other(m) => tlslab::Error::config(m),
        })
    };
    outln!("== probing after the failure (at most {n} more handshakes)");
    let mut shown = |e: &tlslab::explain::evidence::Experiment| {
        outln!("  {:<52} {} ({} ms)", e.varied, e.outcome, e.elapsed_ms);
    };
    match tlslab_cli::diagnose::probe_after_failure(&a.addr, &make, o.timeouts(), None, n, &mut shown) {
        Ok(d) => out!("{}", super::wrap(&d.to_text())),
        Err(e) => outln!("probing stopped: {e}"),
    }
}

/// Where a connection is shown besides the user's observers: the HTML
/// page's recorder, and the readable default trace (whose values are
/// written before a failure is explained).
#[derive(Clone, Copy)]
struct Shown<'a> {
    html: Option<&'a SharedReport>,
    readable: Option<&'a Readable>,
}

/// The user's observers plus the bundle's own (JSON events, key log).
struct Both<'a>(&'a mut Tee, Tee);

impl Observer for Both<'_> {
    fn on_event(&mut self, e: &Event<'_>) {
        self.0.on_event(e);
        self.1.on_event(e);
    }
}

/// One connection: handshake, send, print the reply, close. Returns the
/// session to resume with, saved to `--sess-out` if asked. With `--bundle`,
/// the bundle is written whether the connection succeeds or not.
#[allow(clippy::too_many_arguments)]
fn exchange(
    a: &ConnectArgs,
    mut config: ClientConfig,
    seed: Option<u64>,
    connection: u64,
    payload: &[u8],
    observers: &mut Tee,
    shown: Shown<'_>,
) -> Result<Option<StoredSession>, CliError> {
    let o = &a.options;
    if let Some(seed) = seed {
        config.rng = Box::new(SeededRng::new(seed, connection));
    }
    // What the connection shows that does not break it (a repeated GCM
    // nonce, an end without close_notify), said after it.
    let evidence = ConnectionEvidence::new();
    let Some(dir) = &o.bundle else {
        let mut watched = Tee::default();
        watched.observers.push(Box::new(evidence.clone()));
        let mut both = Both(observers, watched);
        let client = Client::with_observer(config, &mut both);
        let mut stream = net::connect_tcp(&a.addr, client, o.timeouts())?;
        return talk_or_explain(a, &mut stream, payload, &evidence, shown);
    };
    // With --reconnect the second connection goes to DIR/reconnect.
    let dir = if connection == 0 {
        dir.clone()
    } else {
        dir.join("reconnect")
    };
    let settings = BundleSettings::from_config(
        &config,
        seed.unwrap_or(0),
        connection,
        &format!("the server at {}", a.addr),
    );
    let ca_pem = match &o.ca {
        Some(path) => {
            Some(std::fs::read(path).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?)
        }
        None => None,
    };
    let (events, keylog, log) = (SharedBuf::default(), SharedBuf::default(), StepLog::default());
    let mut own = Tee::default();
    own.observers.push(Box::new(JsonLog::new(events.clone())));
    own.observers.push(Box::new(KeyLogWriter::new(keylog.clone())));
    own.observers.push(Box::new(evidence.clone()));
    let mut both = Both(observers, own);
    let result = (|| {
        let client = Client::with_observer(config, &mut both);
        let mut stream = net::connect_tcp(&a.addr, client, o.timeouts())?;
        stream.set_step_log(&log);
        talk_or_explain(a, &mut stream, payload, &evidence, shown)
    })();
    drop(both);
    let bundle = Bundle {
        settings,
        ca_pem,
        steps: log.steps(),
        events: String::from_utf8_lossy(&events.contents()).into_owned(),
        keylog: String::from_utf8_lossy(&keylog.contents()).into_owned(),
    };
    bundle.write(&dir)?;
    outln!(
        "bundle written to {} (replay with: tlslab replay {})",
        dir.display(),
        dir.display()
    );
    result
}

/// Handshake and exchange; when it fails, print why (the explainer's verdict)
/// before returning the error. Then the notices (`note: ...`); an end of
/// the connection that may have lost data is a failure.
fn talk_or_explain(
    a: &ConnectArgs,
    stream: &mut net::TlsStream<'_>,
    payload: &[u8],
    evidence: &ConnectionEvidence,
    shown: Shown<'_>,
) -> Result<Option<StoredSession>, CliError> {
    let result = stream
        .handshake()
        .map_err(CliError::from)
        .and_then(|()| talk(a, stream, payload));
    if let Some(r) = shown.readable {
        r.flush_values();
    }
    if let Err(e) = &result {
        let explanation = stream.client().explain_failure();
        if let Some(explanation) = &explanation {
            out!(
                "{}",
                super::wrap(&format!(
                    "== why it failed (tlslab's recomputation)\n{explanation}\n"
                ))
            );
        }
        if let Some(h) = shown.html {
            let text = match e {
                CliError::Tls(e) => e.to_string(),
                CliError::Usage(t) | CliError::Other(t) => t.clone(),
            };
            h.failed(text, explanation);
        }
    }
    let notices = evidence.notices(stream);
    for n in &notices {
        out!("{}", super::wrap(&format!("note: {n} [{}]\n", n.id())));
    }
    match notices.iter().find(|n| n.data_may_be_missing()) {
        Some(n) if result.is_ok() => Err(CliError::Other(format!("data may be missing: {n}"))),
        _ => result,
    }
}

/// After the handshake: print, send, read, close.
fn talk(
    a: &ConnectArgs,
    stream: &mut net::TlsStream<'_>,
    payload: &[u8],
) -> Result<Option<StoredSession>, CliError> {
    let o = &a.options;
    print_session(stream.client());
    let session = stream.client().session_to_resume();
    if let (Some(path), Some(s)) = (&o.sess_out, &session) {
        s.save(path)?;
        outln!(
            "session saved to {} (it contains the master secret)",
            path.display()
        );
    }
    if !payload.is_empty() {
        stream.write_all(payload)?;
    }
    let got = {
        // After a request, wait for the answer as long as a read may take;
        // then stop once the server has been quiet for 1.5 s.
        let quiet = Duration::from_millis(1500);
        let first = if payload.is_empty() {
            quiet
        } else {
            o.timeouts().read
        };
        stream.read_reply(first, quiet, first + o.timeouts().read)?
    };
    outln!("received {} bytes of application data:", got.len());
    super::write_out_bytes(&got);
    if !got.ends_with(b"\n") && !got.is_empty() {
        outln!();
    }
    stream.close()?;
    Ok(session)
}

/// `tlslab replay DIR`: replays a bundle offline and reports the first difference.
pub fn replay(a: &ReplayArgs) -> Result<(), CliError> {
    let dir = &a.dir;
    if let Some(path) = &a.html {
        let options = HtmlOptions {
            title: format!("tlslab replay {}", dir.display()),
            redact: a.redact,
            ..HtmlOptions::default()
        };
        write_html(path, &report::bundle_html(dir, &options)?)?;
    }
    let bundle = Bundle::read(dir)?;
    let report = bundle.replay()?;
    match report.mismatch() {
        None => {
            outln!(
                "replay OK: {} steps and {} events match the recording byte for byte",
                report.steps,
                report.events
            );
            if let Some(e) = &report.final_error {
                outln!("(the connection ended, as recorded, with: {e})");
            }
            Ok(())
        }
        Some(m) => Err(CliError::Other(format!("replay differs from the recording: {m}"))),
    }
}

/// Writes an HTML page and says where.
pub(super) fn write_html(path: &std::path::Path, page: &str) -> Result<(), CliError> {
    std::fs::write(path, page)
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
    outln!("HTML report written to {}", path.display());
    Ok(())
}

/// `tlslab view TRACE`: a saved JSON trace or a replay bundle as a page.
pub fn view(a: &ViewArgs) -> Result<(), CliError> {
    let options = HtmlOptions {
        title: format!("tlslab view {}", a.trace.display()),
        redact: a.redact,
        ..HtmlOptions::default()
    };
    let page = if a.trace.is_dir() {
        report::bundle_html(&a.trace, &options)?
    } else {
        let text = std::fs::read(&a.trace)
            .map_err(|e| CliError::Other(format!("cannot read {}: {e}", a.trace.display())))?;
        report::json_trace_html(&String::from_utf8_lossy(&text), &options)
            .map_err(|e| CliError::Other(format!("{}: {e}", a.trace.display())))?
    };
    let path = a.html.clone().unwrap_or_else(|| {
        let mut p = a.trace.clone().into_os_string();
        p.push(".html");
        p.into()
    });
    write_html(&path, &page)
}
