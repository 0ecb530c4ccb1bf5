//! The debugger walkthrough, run as printed: `rust-gdb` in batch mode with
//! the shipped command file `tools/tlslab.gdb` on the built `tlslab` binary,
//! replaying a recorded OpenSSL handshake offline.
//!
//! The test fails (it never skips) when gdb is missing: `.ci/run` installs the
//! Debian package `gdb`, and `rust-gdb` comes with rustup. Without `rust-gdb`
//! it runs plain `gdb` with the Rust pretty printers of the toolchain loaded,
//! which is all `rust-gdb` adds.
//!
//! Expected values, and where they come from:
//! - the master secret: the bundle's `keylog.txt`, recorded from a handshake
//!   that OpenSSL completed (its Finished verified under that secret);
//! - the key block: recomputed here by `openssl kdf TLS1-PRF` from that
//!   master secret and the two randoms, and compared with the bundle's
//!   `events.jsonl` `key_block` event;
//! - the MACs of a tampered server Finished: the received MAC is the one
//!   OpenSSL put in the record (the recorded, untampered `mac_compared`
//!   event, which verified), the computed one is what the replay's own
//!   `mac_compared` event reports, and the two differ.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tlslab::replay::{Action, Bundle};

const BUNDLE: &str = "openssl-ecdhe-rsa-aes128-sha";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `rust-gdb`, or plain `gdb` with the toolchain's Rust pretty printers
/// loaded: the program and the arguments that come before ours.
fn debugger() -> (PathBuf, Vec<String>) {
    let on_path = |name: &str| -> Option<PathBuf> {
        let paths = std::env::var_os("PATH")?;
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    };
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let gdb = on_path("gdb")
        .unwrap_or_else(|| panic!("gdb is not installed: install the Debian package `gdb` (.ci/run does)"));
    let rust_gdb =
        on_path("rust-gdb").or_else(|| cargo_home.map(|h| h.join("bin/rust-gdb")).filter(|p| p.is_file()));
    if let Some(rg) = rust_gdb {
        return (rg, vec![]);
    }
    // What rust-gdb does: put the sysroot's gdb scripts on Python's path and
    // import the loader.
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc --print sysroot");
    let etc = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim()).join("lib/rustlib/etc");
    (
        gdb,
        vec![
            "-iex".into(),
            format!("add-auto-load-safe-path {}", etc.display()),
            "-iex".into(),
            format!("python import sys; sys.path.insert(0, '{}')", etc.display()),
            "-iex".into(),
            "python import gdb_load_rust_pretty_printers".into(),
        ],
    )
}

/// Runs `tlslab replay DIR` under the debugger in batch mode with
/// `tools/tlslab.gdb`, as CI runs it: no terminal, no `.gdbinit`, killed
/// after two minutes. Returns stdout and stderr.
fn gdb_replay(bundle_dir: &Path) -> String {
    let (program, mut args) = debugger();
    args.extend(
        [
            "-batch",
            "-nx",
            "-ex",
            "set pagination off",
            "-x",
            repo("tools/tlslab.gdb").to_str().unwrap(),
            "-ex",
            "run",
            // derive_key_block stops after `finish`; go on twice (the second
            // one only errors, harmlessly, if the program already ended).
            "-ex",
            "continue",
            "-ex",
            "continue",
            "--args",
            env!("CARGO_BIN_EXE_tlslab"),
            "replay",
        ]
        .map(String::from),
    );
    args.push(bundle_dir.to_str().unwrap().to_owned());
    let mut child = Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{} timed out ({status}):\n{text}",
        program.display()
    );
    text
}

/// The bytes of the first `{...}` or `[...]` list after `from` in `text`
/// (gdb prints `0x4f` in hex radix, `0x0` or `0` for zero).
fn bytes_after(text: &str, from: &str) -> Vec<u8> {
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("'{from}' not in gdb output:\n{text}"));
    let rest = &text[at..];
    // The value list follows "= " (not the `[u8]` of a type name).
    let open = [rest.find("= {"), rest.find("= [")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or_else(|| panic!("no list after '{from}' in:\n{rest}"))
        + 2;
    let close_char = if rest.as_bytes()[open] == b'{' { '}' } else { ']' };
    let close = open + rest[open..].find(close_char).unwrap();
    rest[open + 1..close]
        .split(',')
        .map(|t| {
            let t = t.trim();
            match t.strip_prefix("0x") {
                Some(h) => u8::from_str_radix(h, 16),
                None => t.parse(),
            }
            .unwrap_or_else(|e| panic!("'{t}' in '{}': {e}", &rest[open..=close]))
        })
        .collect()
}

/// A `KeyBlock` field as gdb prints it: `name: tlslab::bytes::Bytes
/// (Vec(size=N) = {..})`, or `(Vec(size=0))` when empty.
fn key_block_field(value: &str, name: &str) -> Vec<u8> {
    let at = value
        .find(&format!("{name}:"))
        .unwrap_or_else(|| panic!("{name} not in {value}"));
    let rest = &value[at..];
    let size = rest
        .find("Vec(size=")
        .and_then(|i| rest[i + 9..].split(')').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no Vec(size=N) for {name} in {value}"));
    if size == 0 {
        return vec![];
    }
    let bytes = bytes_after(rest, name);
    assert_eq!(bytes.len(), size, "{name}: {value}");
    bytes
}

/// The JSON object of the first event named `name` in an events.jsonl text.
fn event(events: &str, name: &str, pick: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    events
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == name && pick(v))
        .unwrap_or_else(|| panic!("no {name} event"))
}

fn hex_field(v: &serde_json::Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap_or_else(|| panic!("{field} in {v}"))).unwrap()
}

/// `openssl kdf TLS1-PRF`: RFC 5246 §5's PRF as OpenSSL computes it.
fn openssl_prf(secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["kdf", "-keylen", &len.to_string(), "-kdfopt", "digest:SHA256"])
        .arg("-kdfopt")
        .arg(format!("hexsecret:{}", hex::encode(secret)))
        .arg("-kdfopt")
        .arg(format!("hexseed:{}{}", hex::encode(label), hex::encode(seed)))
        .arg("TLS1-PRF")
        .output()
        .expect("openssl kdf");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    hex::decode(String::from_utf8_lossy(&out.stdout).trim().replace(':', "")).unwrap()
}

#[test]
fn gdb_reads_the_master_secret_and_key_block_at_derive_key_block() {
    let dir = repo(&format!("vectors/transcripts/{BUNDLE}"));
    let out = gdb_replay(&dir);
    assert!(
        out.contains("replay OK"),
        "the replay under gdb did not finish:\n{out}"
    );

    // The master secret: `p/x *master_secret` at the derive_key_block stop.
    let section = &out[out
        .find("== tlslab: derive_key_block")
        .unwrap_or_else(|| panic!("no derive_key_block stop:\n{out}"))..];
    let master_secret = bytes_after(section, "master_secret:");
    let keylog = std::fs::read_to_string(dir.join("keylog.txt")).unwrap();
    let f: Vec<&str> = keylog.split_whitespace().collect();
    assert_eq!(f[0], "CLIENT_RANDOM");
    assert_eq!(
        hex::encode(&master_secret),
        f[2].to_ascii_lowercase(),
        "{section}"
    );

    // The KeyBlock `finish` returned.
    let value = &section[section
        .find("Value returned is")
        .unwrap_or_else(|| panic!("no 'Value returned':\n{section}"))..];
    let value = &value[..value.find('\n').unwrap_or(value.len())];
    assert!(value.contains("KeyBlock"), "{value}");
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let recorded = event(&events, "key_block", |_| true);
    let ms_event = event(&events, "master_secret", |_| true);
    // OpenSSL's PRF over server_random + client_random (RFC 5246 §6.3).
    let seed = [
        hex_field(&ms_event, "server_random"),
        hex_field(&ms_event, "client_random"),
    ]
    .concat();
    let by_openssl = openssl_prf(&master_secret, "key expansion", &seed, 72);
    let mut at = 0;
    for (name, len) in [
        ("client_write_mac_key", 20),
        ("server_write_mac_key", 20),
        ("client_write_key", 16),
        ("server_write_key", 16),
        ("client_write_iv", 0),
        ("server_write_iv", 0),
    ] {
        let in_gdb = key_block_field(value, name);
        assert_eq!(in_gdb, hex_field(&recorded, name), "{name}: {value}");
        assert_eq!(in_gdb, by_openssl[at..at + len], "{name} against openssl kdf");
        at += len;
    }
}

#[test]
fn gdb_reads_both_macs_of_a_tampered_record_at_compare_macs() {
    let src = repo(&format!("vectors/transcripts/{BUNDLE}"));
    // tamper.txt, first case: a ciphertext byte of the server's Finished.
    let tamper = std::fs::read_to_string(repo("vectors/transcripts/tamper.txt")).unwrap();
    let line = tamper
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f[0], BUNDLE, "{line}");
    let (step, offset): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
    let xor = u8::from_str_radix(f[3].trim_start_matches("0x"), 16).unwrap();
    assert_eq!(f[5], "mac_compared", "{line}");

    let mut bundle = Bundle::read(&src).unwrap();
    let Action::Receive(bytes) = &mut bundle.steps[step - 1].action else {
        panic!("{line}: step {step} is not a receive step")
    };
    bytes[offset] ^= xor;
    let tmp = std::env::temp_dir().join(format!("tlslab-gdb-tamper-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    bundle.write(&tmp).unwrap();

    let out = gdb_replay(&tmp);
    let section = &out[out
        .find("== tlslab: compare_macs")
        .unwrap_or_else(|| panic!("no compare_macs stop:\n{out}"))..];
    let computed = bytes_after(section, "computed:");
    let received = bytes_after(section, "received:");
    assert_eq!(computed.len(), 20, "HMAC-SHA1: {section}");
    assert_eq!(received.len(), 20, "{section}");
    assert_ne!(computed, received, "a tampered record's MACs must differ");

    // The replay's own mac_compared event says the same.
    let report = bundle.replay().unwrap();
    let replayed = event(&report.replayed_events, "mac_compared", |v| v["seq"] == 0);
    assert_eq!(replayed["equal"], false);
    assert_eq!(computed, hex_field(&replayed, "computed"));
    assert_eq!(received, hex_field(&replayed, "received"));
    // The received MAC is OpenSSL's (it verified in the recording) with one
    // byte changed by exactly `xor`: the flipped ciphertext byte sits in the
    // block before the MAC's first block, and CBC decryption XORs each
    // ciphertext block into the next plaintext block (NIST SP 800-38A §6.2:
    // P[i] = D(C[i]) ⊕ C[i-1]), so the same bit flips in the MAC.
    let recorded = std::fs::read_to_string(src.join("events.jsonl")).unwrap();
    let original = event(&recorded, "mac_compared", |v| {
        v["seq"] == 0 && v["direction"] == "server->client"
    });
    assert_eq!(original["equal"], true);
    let original = hex_field(&original, "received");
    let changed: Vec<(usize, u8)> = original
        .iter()
        .zip(&received)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i, a ^ b))
        .collect();
    assert_eq!(changed.len(), 1, "{original:02x?} against {received:02x?}");
    assert_eq!(changed[0].1, xor);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The functions whose name matches `regex`, as `info functions` (and so
/// `rbreak`) finds them in the `tlslab` binary: one line per function.
fn functions_matching(regex: &str) -> Vec<String> {
    let (program, mut args) = debugger();
    args.extend(["-batch", "-nx", "-ex"].map(String::from));
    args.push(format!("info functions {regex}"));
    args.push(env!("CARGO_BIN_EXE_tlslab").to_owned());
    let out = Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    // Debug-info entries are `LINE:\tsignature`; symbols without debug info
    // (listed under "Non-debugging symbols:") are `0xADDRESS  name`.
    text.lines()
        .map(str::trim)
        .filter(|l| {
            let head = l.split([':', ' ']).next().unwrap_or("");
            (!head.is_empty() && head.chars().all(|c| c.is_ascii_digit())) || l.starts_with("0x")
        })
        .map(String::from)
        .collect()
}

/// One name per breakpoint: `rbreak derive_master_secret` and `rbreak
/// derive_key_block` stop at the handshake step only (the PRF computations
/// they call are `compute_master_secret` and `compute_key_block`, and the
/// steps hold no closures), and every `break` of `tools/tlslab.gdb` names
/// exactly one function.
#[test]
fn each_step_name_is_one_breakpoint() {
    for step in ["derive_master_secret", "derive_key_block"] {
        let found = functions_matching(step);
        assert_eq!(
            found.len(),
            1,
            "rbreak {step} would stop in {} functions:\n{}",
            found.len(),
            found.join("\n")
        );
        assert!(
            found[0].contains(&format!("tlslab::handshake::client_flight::{step}(")),
            "{}",
            found[0]
        );
    }
    let script = std::fs::read_to_string(repo("tools/tlslab.gdb")).unwrap();
    let breakpoints: Vec<&str> = script
        .lines()
        .filter_map(|l| l.strip_prefix("break "))
        .map(str::trim)
        .collect();
    assert!(breakpoints.len() >= 4, "{breakpoints:?}");
    for path in breakpoints {
        let found = functions_matching(&format!("^{path}$"));
        assert_eq!(found.len(), 1, "break {path} matches:\n{}", found.join("\n"));
    }
}
