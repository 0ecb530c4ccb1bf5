//! The book's shell sessions are executed, and their output compared with what
//! the book prints.
//!
//! # What counts as a shell session
//!
//! A fenced block with the info string `console`. In it, a line starting with
//! `$ ` is a command (a line ending in ` \` continues it on the next line);
//! the lines after it, up to the next command, are the output it must print
//! (standard output and standard error together, as a terminal shows them).
//! Any other fenced block whose info string names a shell (`sh`, `bash`,
//! `shell`, `zsh`) or that has `$ ` lines is an error: a command shown in the
//! book is a command this test runs.
//!
//! # How a page runs
//!
//! Each chapter runs in a fresh temporary directory that holds `vectors/` and
//! `book/` (links into the repository, so commands are written as a reader
//! types them at the repository root), with `tlslab` on the `PATH` (the binary
//! cargo built for this test). Each console block runs as one `bash` session:
//! a server started with `&` in a block can be stopped with `kill %1` at its
//! end; whatever is still running afterwards is killed with the block's
//! process group. Generated pages (`{{#include generated/....md}}`) are
//! expanded in place, so their commands run in reading order.
//!
//! # Output that varies between runs
//!
//! Only four placeholders exist, each documented in the book's introduction:
//!
//! * a line that is exactly `...` matches any number of lines (zero or more);
//! * `<hex>` inside a line matches one or more lowercase hex digits;
//! * `<num>` inside a line matches one or more decimal digits;
//! * `<path>` inside a line matches one or more characters other than
//!   whitespace and `)` (a temporary directory).
//!
//! Everything else is compared literally, line by line (trailing spaces
//! ignored). Pages whose values come from frozen inputs use no placeholders.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "../examples/book_values/gen.rs"]
#[allow(dead_code)]
mod gen;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn book_src() -> PathBuf {
    root().join("book/src")
}

/// Chapters whose shell sessions are checked elsewhere: the gdb guide's
/// commands are run by the gdb walkthrough test, which has the debugger set up.
const CHECKED_ELSEWHERE: &[&str] = &["gdb.md"];

/// The chapter files listed in SUMMARY.md, in order.
fn chapters() -> Vec<String> {
    let summary = std::fs::read_to_string(book_src().join("SUMMARY.md")).expect("book/src/SUMMARY.md");
    summary
        .lines()
        .filter_map(|l| {
            let start = l.find("](")? + 2;
            let end = start + l[start..].find(')')?;
            Some(l[start..end].to_string())
        })
        .collect()
}

/// The chapter text with `{{#include generated/X.md}}` replaced by the file.
fn expand(chapter: &str) -> String {
    let text = std::fs::read_to_string(book_src().join(chapter)).unwrap_or_else(|e| panic!("{chapter}: {e}"));
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(path) = t.strip_prefix("{{#include ").and_then(|r| r.strip_suffix("}}")) {
            if path.ends_with(".md") {
                let included = std::fs::read_to_string(book_src().join(path))
                    .unwrap_or_else(|e| panic!("{chapter}: include {path}: {e}"));
                out.push_str(&included);
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// One command and the output the book prints for it.
#[derive(Debug)]
struct Step {
    command: String,
    expected: Vec<String>,
}

/// One console block: its first line number in the (expanded) chapter, and its steps.
#[derive(Debug)]
struct Session {
    line: usize,
    steps: Vec<Step>,
}

/// Extracts the console blocks; errors for shell code outside them.
fn sessions(chapter: &str, text: &str) -> Result<Vec<Session>, String> {
    let mut out = vec![];
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let info = info.trim();
        let mut body = vec![];
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            body.push(l);
        }
        let first_word = info.split([',', ' ']).next().unwrap_or("");
        if info == "console" {
            out.push(Session {
                line: n + 1,
                steps: parse_session(&body),
            });
        } else if ["sh", "bash", "shell", "zsh", "shell-session"].contains(&first_word)
            || body.iter().any(|l| l.starts_with("$ "))
        {
            return Err(format!(
                "{chapter}:{}: a shell block that is not a ```console session; the test could not run it",
                n + 1
            ));
        }
    }
    Ok(out)
}

fn parse_session(body: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = vec![];
    let mut continuing = false;
    for l in body {
        if continuing {
            let step = steps.last_mut().expect("a continued command");
            step.command.push('\n');
            step.command.push_str(l);
            continuing = l.ends_with('\\');
        } else if let Some(cmd) = l.strip_prefix("$ ") {
            steps.push(Step {
                command: cmd.to_string(),
                expected: vec![],
            });
            continuing = cmd.ends_with('\\');
        } else if let Some(step) = steps.last_mut() {
            step.expected.push(l.to_string());
        }
    }
    steps
}

// ---------------------------------------------------------------------------
// Matching

/// Does `got` match the expected line (with `<hex>`, `<num>` and `<path>` placeholders)?
fn line_matches(expected: &str, got: &str) -> bool {
    let (expected, got) = (expected.trim_end(), got.trim_end());
    if let Some(i) = expected.find('<') {
        for (placeholder, class) in [
            ("<hex>", hex_char as fn(char) -> bool),
            ("<num>", digit_char),
            ("<path>", path_char),
        ] {
            if expected[i..].starts_with(placeholder) {
                let (lit, rest) = (&expected[..i], &expected[i + placeholder.len()..]);
                let Some(tail) = got.strip_prefix(lit) else {
                    return false;
                };
                // One or more characters of the class, then the rest must match.
                let run = tail.chars().take_while(|&c| class(c)).count();
                return (1..=run).rev().any(|k| line_matches(rest, &tail[k..]));
            }
        }
        // A '<' that starts no placeholder is literal.
        return got.starts_with(&expected[..=i]) && line_matches(&expected[i + 1..], &got[i + 1..]);
    }
    expected == got
}

fn hex_char(c: char) -> bool {
    c.is_ascii_digit() || ('a'..='f').contains(&c)
}

fn digit_char(c: char) -> bool {
    c.is_ascii_digit()
}

fn path_char(c: char) -> bool {
    !c.is_whitespace() && c != ')'
}

/// Does the output match the expected lines (with `...` lines)?
fn output_matches(expected: &[String], got: &[&str]) -> bool {
    match expected.split_first() {
        None => got.is_empty(),
        Some((first, rest)) if first.trim_end() == "..." => {
            (0..=got.len()).any(|skip| output_matches(rest, &got[skip..]))
        }
        Some((first, rest)) => {
            matches!(got.split_first(), Some((g, grest)) if line_matches(first, g) && output_matches(rest, grest))
        }
    }
}

// ---------------------------------------------------------------------------
// Running

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory with `vectors`, `book` and `bin/tlslab` links.
fn scratch_dir(chapter: &str) -> PathBuf {
    let n = DIRS.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "tlslab-book-{}-{n}-{}",
        std::process::id(),
        chapter.trim_end_matches(".md")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".bin")).expect("scratch dir");
    std::os::unix::fs::symlink(root().join("vectors"), dir.join("vectors")).expect("link vectors");
    std::os::unix::fs::symlink(root().join("book"), dir.join("book")).expect("link book");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_tlslab"), dir.join(".bin/tlslab")).expect("link tlslab");
    dir
}

const MARK: &str = "@@tlslab-book-step@@";
const SESSION_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs one session as one bash script; returns each step's output lines.
fn run_session(dir: &Path, session: &Session) -> Result<Vec<Vec<String>>, String> {
    use std::os::unix::process::CommandExt;
    let mut script = String::from("exec 2>&1\n");
    for step in &session.steps {
        script.push_str(&format!("printf '\\n%s\\n' '{MARK}'\n{}\n", step.command));
    }
    let out_path = dir.join(".session-output");
    let out_file = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
    let path = format!(
        "{}:{}",
        dir.join(".bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("LC_ALL", "C")
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::null())
        .stdout(out_file)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start bash: {e}"))?;
    let pgid = child.id();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > SESSION_TIMEOUT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Stop whatever the session left running (a server started with `&`).
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
    if status.is_none() {
        return Err(format!("the session did not finish within {SESSION_TIMEOUT:?}"));
    }
    let text = std::fs::read_to_string(&out_path).map_err(|e| e.to_string())?;
    let separator = format!("\n{MARK}\n");
    let mut parts = text.split(&separator);
    parts.next(); // before the first command: nothing
    Ok(parts
        .map(|p| {
            let mut lines: Vec<String> = p.lines().map(str::to_string).collect();
            while lines.last().is_some_and(|l| l.trim().is_empty()) {
                lines.pop();
            }
            lines
        })
        .collect())
}

fn check_chapter(chapter: &str) -> Vec<String> {
    let text = expand(chapter);
    let sessions = match sessions(chapter, &text) {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    if sessions.is_empty() {
        return vec![];
    }
    let dir = scratch_dir(chapter);
    let mut failures = vec![];
    for session in &sessions {
        let outputs = match run_session(&dir, session) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{chapter}:{}: {e}", session.line));
                continue;
            }
        };
        for (i, step) in session.steps.iter().enumerate() {
            let got = outputs.get(i).cloned().unwrap_or_default();
            let got_refs: Vec<&str> = got.iter().map(String::as_str).collect();
            if !output_matches(&step.expected, &got_refs) {
                failures.push(format!(
                    "{chapter}:{}: `$ {}`\n--- the book prints:\n{}\n--- the command printed:\n{}",
                    session.line,
                    step.command,
                    step.expected.join("\n"),
                    got.join("\n")
                ));
            }
        }
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    failures
}

#[test]
fn every_shell_session_in_the_book_prints_what_the_book_shows() {
    let mut failures = vec![];
    let mut ran = 0;
    for chapter in chapters() {
        if CHECKED_ELSEWHERE.contains(&chapter.as_str()) || !book_src().join(&chapter).exists() {
            continue;
        }
        ran += 1;
        failures.extend(check_chapter(&chapter));
    }
    assert!(ran >= 10, "only {ran} chapters found in SUMMARY.md");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn generated_pages_are_what_the_generator_computes_today() {
    let want = gen::generate(root()).expect("generate");
    let dir = book_src().join("generated");
    let mut stale = vec![];
    for (name, text) in &want {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(have) if &have == text => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    for entry in std::fs::read_dir(&dir).expect("book/src/generated") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if !want.contains_key(&name) {
            stale.push(format!("{name} is not generated any more"));
        }
    }
    assert!(
        stale.is_empty(),
        "book/src/generated is stale (run book/regenerate.sh): {}",
        stale.join(", ")
    );
}

#[test]
fn every_generated_page_is_included_and_every_include_resolves() {
    let mut included = BTreeSet::new();
    let mut failures = vec![];
    for chapter in chapters() {
        let Ok(text) = std::fs::read_to_string(book_src().join(&chapter)) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(start) = rest.find("{{#include ") {
                let after = &rest[start + "{{#include ".len()..];
                let Some(end) = after.find("}}") else { break };
                let spec = after[..end].trim();
                rest = &after[end..];
                let (path, anchor) = match spec.split_once(':') {
                    Some((p, a)) => (p, Some(a)),
                    None => (spec, None),
                };
                let file = book_src().join(path);
                let Ok(body) = std::fs::read_to_string(&file) else {
                    failures.push(format!("{chapter}:{}: {path} does not exist", n + 1));
                    continue;
                };
                if let Some(name) = path.strip_prefix("generated/") {
                    included.insert(name.to_string());
                }
                if let Some(anchor) = anchor {
                    let begin = format!("ANCHOR: {anchor}");
                    let end = format!("ANCHOR_END: {anchor}");
                    let has = |m: &str| body.lines().any(|l| l.trim() == format!("// {m}"));
                    if !has(&begin) || !has(&end) {
                        failures.push(format!("{chapter}:{}: {path} has no anchor {anchor}", n + 1));
                    }
                }
            }
        }
    }
    for name in gen::generate(root()).expect("generate").keys() {
        if name.ends_with(".md") && !included.contains(name) {
            failures.push(format!("generated/{name} is included by no chapter"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_comparison_fails_when_one_value_changes() {
    // The matcher itself: exact where the book is exact, and the placeholders
    // match only what they say.
    let book = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
    let got = ["master_secret=916abf9d", "listening on 127.0.0.1:4433", "done"];
    assert!(output_matches(
        &book("master_secret=916abf9d\nlistening on 127.0.0.1:<num>\ndone"),
        &got
    ));
    assert!(!output_matches(
        &book("master_secret=916abf9e\nlistening on 127.0.0.1:<num>\ndone"),
        &got
    ));
    assert!(output_matches(&book("master_secret=<hex>\n...\ndone"), &got));
    assert!(!output_matches(
        &book("master_secret=<hex>\n..."),
        &["master_secret=XYZ"]
    ));
    assert!(!output_matches(&book("master_secret=<hex>"), &["master_secret="]));
    assert!(!output_matches(&book("a\nb"), &["a"]));
    assert!(!output_matches(&book("a"), &["a", "b"]));
    assert!(line_matches("x <y> z", "x <y> z"));
    assert!(line_matches("(CA: <path>)", "(CA: /tmp/d-1/ca.pem)"));
    assert!(!line_matches("(CA: <path>)", "(CA: /tmp/a b)"));

    // And end to end: a page with one changed digit fails when it runs.
    let session = Session {
        line: 1,
        steps: parse_session(&[
            "$ openssl kdf -binary -keylen 12 -kdfopt digest:SHA256 \\",
            "  -kdfopt hexsecret:916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c \\",
            "  -kdfopt seed:\"client finished\" \\",
            "  -kdfopt hexseed:061dda04b3c2217ff73bd79b9cf88a2bb6ec505404aac8722db03ef417b54cb4 \\",
            "  TLS1-PRF | xxd -p -c 0",
            "cf919626f1360c536aaad73a",
        ]),
    };
    let dir = scratch_dir("self-test");
    let out = run_session(&dir, &session).expect("run");
    let got: Vec<&str> = out[0].iter().map(String::as_str).collect();
    // The published client verify_data of the Illustrated TLS 1.2 connection.
    assert!(output_matches(&session.steps[0].expected, &got), "{got:?}");
    assert!(!output_matches(&book("cf919626f1360c536aaad73b"), &got));
    let _ = std::fs::remove_dir_all(&dir);
}
