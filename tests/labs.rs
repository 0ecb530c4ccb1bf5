//! The course labs against real `openssl s_server` processes: every lab
//! reproduces its scenario, OpenSSL answers it the way RFC 5246 predicts,
//! the right diagnosis passes with its evidence, every other cause fails with
//! an explanation, `lab start` never prints the hidden fault, and a lab file
//! in an instructor's directory works without code.
//!
//! Independent expectations: the alert each scenario draws is OpenSSL's own
//! verdict (`bad_record_mac` for a record it cannot verify, `decrypt_error`
//! for a Finished whose verify_data is wrong, RFC 5246 §7.2.2); the broken
//! DHE parameters are refused by our client and avoided by pinning ECDHE; the
//! mismatched server key is refused by `openssl rsa -check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tlslab::error::Error;
use tlslab_cli::lab::{self, Lab, CAUSES};

fn tlslab(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tlslab"));
    c.args(args).stdin(Stdio::null()).env_remove(lab::LABS_DIR_ENV);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tlslab-labs-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What OpenSSL (or, for the broken DHE parameters, our client) must answer.
fn expected_failure(lab: &Lab) -> &'static str {
    match lab.name.as_str() {
        "forgotten-message" => "decrypt_error",
        "pinned-suite" => "illegal_parameter",
        _ => "bad_record_mac",
    }
}

fn failure_name(r: &Result<(), Error>) -> String {
    match r {
        Ok(()) => "success".into(),
        Err(Error::AlertReceived(a)) => a.description.to_string(),
        Err(e) => e.alert().map_or_else(|| e.to_string(), |a| a.to_string()),
    }
}

#[test]
fn every_lab_grades_its_cause_right_and_every_other_cause_wrong() {
    let labs = lab::load(&[]).unwrap();
    assert!(labs.len() >= 8, "{} labs", labs.len());
    // Two at a time: the machine has two cores, and each lab starts a server.
    let results: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
        let chunks: Vec<Vec<&Lab>> = vec![
            labs.iter().step_by(2).collect(),
            labs.iter().skip(1).step_by(2).collect(),
        ];
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|l| (l.name.clone(), check_lab(l)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let failures: Vec<String> = results
        .iter()
        .flat_map(|(name, f)| f.iter().map(move |m| format!("{name}: {m}")))
        .collect();
    assert_eq!(results.len(), labs.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One lab: run, the expected failure, the right answer, every wrong one.
fn check_lab(l: &Lab) -> Vec<String> {
    let mut failures = vec![];
    let run = match lab::run(l, 1, None) {
        Ok(r) => r,
        Err(e) => return vec![format!("run failed: {e}")],
    };
    let got = failure_name(&run.result);
    if got != expected_failure(l) {
        failures.push(format!(
            "expected {}, got {got}\n{}",
            expected_failure(l),
            run.server_log
        ));
    }
    if !run.evidence.proves(l.answer.id) {
        failures.push(format!(
            "the run does not prove {}: {:#?}",
            l.answer.id, run.evidence
        ));
    }
    let right = lab::grade(l, &run, l.answer.id).unwrap();
    if !right.correct || !right.reproduced || !right.text.starts_with("RIGHT") {
        failures.push(format!("right answer not graded right:\n{}", right.text));
    }
    if !right.text.contains("The evidence:\n  * ") {
        failures.push(format!("no evidence shown:\n{}", right.text));
    }
    for c in CAUSES.iter().filter(|c| c.id != l.answer.id) {
        let g = lab::grade(l, &run, c.id).unwrap();
        let ok = !g.correct
            && g.text
                .contains(&format!("NOT RIGHT: {} does not fit the evidence", c.id))
            && g.text.contains(c.signature)
            && g.text.contains("Against it:\n  * ")
            && g.text.contains("Hint: ");
        if !ok {
            failures.push(format!("wrong answer {} not explained:\n{}", c.id, g.text));
        }
    }
    assert!(lab::grade(l, &run, "no-such-cause").is_err());
    failures
}

#[test]
fn lab_start_prints_the_trace_but_never_the_fault() {
    let labs = lab::load(&[]).unwrap();
    let out_root = temp("start");
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<Vec<&Lab>> = vec![
            labs.iter().step_by(2).collect(),
            labs.iter().skip(1).step_by(2).collect(),
        ];
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let out_root = out_root.clone();
                s.spawn(move || {
                    let mut failures = vec![];
                    for l in chunk {
                        let dir = out_root.join(&l.name);
                        let o = tlslab(&["lab", "start", &l.name, "--dir", dir.to_str().unwrap()], &[]);
                        let all = text(&o);
                        if !o.status.success() {
                            failures.push(format!("{}: exit {}\n{all}", l.name, o.status));
                            continue;
                        }
                        let trace = all
                            .split("== the connection")
                            .nth(1)
                            .and_then(|t| t.split("== result").next())
                            .unwrap_or_default();
                        let file = std::fs::read_to_string(dir.join("trace.txt")).unwrap_or_default();
                        // A real exchange happened: our ClientHello went out, the server
                        // answered; the terminal shows the ladder, trace.txt every event.
                        for (printed, want) in [
                            ("→ ClientHello  ", "handshake_out  client_hello"),
                            ("← ServerHello  ", "handshake_in  server_hello"),
                        ] {
                            if !trace.contains(printed) || !file.contains(want) {
                                failures.push(format!(
                                    "{}: no '{printed}' / '{want}' in the trace\n{all}",
                                    l.name
                                ));
                            }
                        }
                        if let Some(long) = all.lines().find(|l| l.chars().count() > 120) {
                            failures.push(format!("{}: a line over 120 characters: {long}", l.name));
                        }
                        if !all.contains(expected_failure(l)) {
                            failures.push(format!("{}: {} not shown\n{all}", l.name, expected_failure(l)));
                        }
                        // Never the answer: no fault name, no fault event, no verdict.
                        let mut secrets: Vec<String> = vec!["fault_applied".into(), "FAULT".into()];
                        for f in &l.client.faults {
                            secrets.push(f.name().into());
                            secrets.push(f.to_string());
                        }
                        for sec in &secrets {
                            if trace.contains(sec.as_str()) || file.contains(sec.as_str()) {
                                failures.push(format!("{}: the trace shows '{sec}'", l.name));
                            }
                        }
                        for sec in [
                            "why it failed",
                            "PROVEN",
                            "the explainer",
                            &format!("fault {}", l.answer.id),
                        ] {
                            if all.contains(sec) {
                                failures.push(format!("{}: the output shows '{sec}'\n{all}", l.name));
                            }
                        }
                        // The trace's records (record_out) against the bytes that went
                        // to the socket (wire.txt, written by the socket wrapper):
                        // equal, also where a fault changed a record after sealing.

                        let wire = std::fs::read_to_string(dir.join("wire.txt")).unwrap_or_default();
                        let written: String = wire
                            .lines()
                            .filter_map(|l| l.strip_prefix("> "))
                            .map(|l| l.split('#').next().unwrap_or("").trim())
                            .collect();
                        let sealed: Vec<&str> = file
                            .lines()
                            .filter(|l| l.starts_with("record_out") && l.contains("protected=true"))
                            .filter_map(|l| l.split("payload=").nth(1))
                            .collect();
                        let changed = sealed.iter().filter(|p| !written.contains(*p)).count();
                        if written.is_empty() || changed != 0 {
                            failures.push(format!(
                                "{}: {changed} sealed record(s) not on the wire as sealed\n{wire}",
                                l.name
                            ));
                        }
                        for f in ["wire.txt", "client-keylog.txt", "server-log.txt", "cert.pem"] {
                            if !dir.join(f).exists() {
                                failures.push(format!("{}: {f} not written", l.name));
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let _ = std::fs::remove_dir_all(&out_root);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn lab_check_exit_status_and_seeded_runs() {
    let o = tlslab(
        &["lab", "check", "lost-count", "--answer", "wrong-sequence-number"],
        &[],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.starts_with("RIGHT: wrong-sequence-number"), "{t}");
    // The explainer's proof, with the seq_num that verifies.
    assert!(t.contains("sealed as seq_num 1 where 0 was due"), "{t}");

    let o = tlslab(
        &[
            "lab",
            "check",
            "lost-count",
            "--answer",
            "other-direction-keys",
            "--seed",
            "5",
        ],
        &[],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("NOT RIGHT: other-direction-keys"), "{t}");
    assert!(
        t.contains("the evidence proves another cause, wrong-sequence-number"),
        "{t}"
    );
    assert!(t.contains("Hint: "), "{t}");

    let o = tlslab(&["lab", "check", "lost-count", "--answer", "gremlins"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("corruption-in-transit"));
    let o = tlslab(&["lab", "start", "no-such-lab"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // The same seed gives the same client bytes (the ClientHello, with its random).
    let labs = lab::load(&[]).unwrap();
    let l = lab::find(&labs, "lost-count").unwrap();
    let first = |seed| {
        let r = lab::run(l, seed, None).unwrap();
        r.trace.lines().next().unwrap().to_owned()
    };
    let a = first(7);
    assert_eq!(a, first(7));
    assert_ne!(a, first(8));
}

#[test]
fn an_instructor_lab_file_is_picked_up_without_code() {
    let dir = temp("instructor");
    std::fs::write(
        dir.join("short.lab"),
        "# An instructor's lab: a record cut short on the way.\n\
         name = short-record\n\
         title = Something is missing\n\
         brief = AES-GCM; the server rejects our Finished.\n\
         text = Look at the length of the record we sent.\n\
         answer = truncated-record\n\
         hint = A Finished is 16 bytes of plaintext; how long is it once protected?\n\
         client.fault = truncate-record:0,1\n\
         client.cipher = ECDHE-RSA-AES128-GCM-SHA256\n",
    )
    .unwrap();
    let o = tlslab(&["lab", "list", "--labs-dir", dir.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("short-record") && text(&o).contains("Something is missing"));
    // The environment variable does the same.
    let o = tlslab(&["lab", "list"], &[(lab::LABS_DIR_ENV, &dir)]);
    assert!(text(&o).contains("short-record"), "{}", text(&o));
    let o = tlslab(&["lab", "list"], &[]);
    assert!(!text(&o).contains("short-record"));

    let o = tlslab(
        &["lab", "check", "short-record", "--answer", "truncated-record"],
        &[(lab::LABS_DIR_ENV, &dir)],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("truncated"), "{}", text(&o));
    let o = tlslab(
        &[
            "lab",
            "check",
            "short-record",
            "--answer",
            "corruption-in-transit",
            "--labs-dir",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // A mistake in a lab file is reported with its file and line.
    std::fs::write(dir.join("broken.lab"), "name = broken\ncolour = blue\n").unwrap();
    let o = tlslab(&["lab", "list", "--labs-dir", dir.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("broken.lab:2") && text(&o).contains("colour"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The lab's page: `lab start` writes it beside the files (and to `--html`)
/// without the answer (no fault, no verdict); a wrong `lab check` draws the
/// same; a right one writes the explained page, with `--redact` holding no
/// byte of the master secret the client's key log has.
#[test]
fn lab_pages_hold_the_answer_only_after_a_right_check() {
    let dir = temp("pages");
    let d = dir.to_str().unwrap();
    let start_page = dir.join("start.html");
    let o = tlslab(
        &[
            "lab",
            "start",
            "flipped-bit",
            "--dir",
            d,
            "--html",
            start_page.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let answer_words = [
        "flip-ciphertext-bit",
        "altered after it was protected",
        "corruption-in-transit",
    ];
    for page in [dir.join("report.html"), start_page] {
        let html = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(html.contains("class=\"verdict failed\""), "{}", page.display());
        for w in answer_words {
            assert!(!html.contains(w), "{} shows {w}", page.display());
        }
    }
    let wrong = dir.join("wrong.html");
    let o = tlslab(
        &[
            "lab",
            "check",
            "flipped-bit",
            "--answer",
            "bad-padding",
            "--dir",
            d,
            "--html",
            wrong.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!o.status.success(), "{}", text(&o));
    let html = std::fs::read_to_string(&wrong).unwrap();
    for w in answer_words {
        assert!(!html.contains(w), "the page of a wrong answer shows {w}");
    }
    assert!(!dir.join("report-explained.html").exists());
    let o = tlslab(
        &[
            "lab",
            "check",
            "flipped-bit",
            "--answer",
            "corruption-in-transit",
            "--dir",
            d,
            "--redact",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let html = std::fs::read_to_string(dir.join("report-explained.html")).unwrap();
    assert!(html.contains("flip-ciphertext-bit") && html.contains("altered after it was protected"));
    let keylog = std::fs::read_to_string(dir.join("client-keylog.txt")).unwrap();
    let master = keylog.split_whitespace().nth(2).expect("a CLIENT_RANDOM line");
    assert_eq!(master.len(), 96, "{keylog}");
    for secret in [master.to_string(), master.to_uppercase(), spaced(master)] {
        assert!(
            !html.contains(&secret),
            "the redacted page holds the master secret"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ab cd ef`: hex as the page's byte views write it.
fn spaced(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}
