//! The HTML report, loaded by a real browser (Debian's `chromium`, headless)
//! from `file://`: the test reads the DOM chromium rendered and checks the
//! verdict, the ladder, the failing record and the MAC values side by side.
//!
//! Expected values come from outside the report: the record count and the
//! messages of a full handshake (RFC 5246 §7.3), OpenSSL's own key log (the
//! master secret a redacted page must not show), and what each fault changes
//! (`corrupt-mac` flips the last bit of the MAC it sends). A screenshot of
//! each page is kept under the target directory, `html-report/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tlslab::capture::{KeyLog, KeySources, PcapWriter};
use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::explain::Explanation;
use tlslab::faults::{Fault, Faults};
use tlslab::observer::{Event, Observer, OwnedEvent, RecordView, Recorder};
use tlslab::report::{self, HtmlOptions, Section};
use tlslab::wire::{ContentType, Direction, ProtocolVersion};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::testkit::rev_server;

/// The target directory (`target/` or `$CARGO_TARGET_DIR`), from this test's
/// own path: `<target>/debug/deps/html_report-…`.
fn artifacts() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.ancestors().nth(3).unwrap().join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the page, loads it in chromium from `file://`, keeps a screenshot,
/// and returns the DOM chromium rendered.
fn browse(name: &str, page: &str) -> String {
    let chromium = "/usr/bin/chromium";
    assert!(
        std::path::Path::new(chromium).exists(),
        "chromium is needed to render the report: apt-get install chromium"
    );
    let dir = artifacts();
    let file = dir.join(format!("{name}.html"));
    std::fs::write(&file, page).unwrap();
    let url = format!("file://{}", file.display());
    let run = |extra: &[String]| {
        let profile = tempdir(name);
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .expect("chromium runs (apt-get install chromium)");
        let _ = std::fs::remove_dir_all(&profile);
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dom = run(&["--dump-dom".to_string()]);
    let shot = dir.join(format!("{name}.png"));
    run(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1200,2400".into(),
    ]);
    assert!(shot.exists(), "no screenshot at {}", shot.display());
    assert!(dom.contains("</html>"), "{dom}");
    dom
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tlslab-html-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The text of the DOM without tags and whitespace, lowercase: hex split
/// over spans and lines joins up again.
fn flat(dom: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in dom.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// Every `<table class="cmp">…</table>` of the DOM, flattened.
fn comparisons(dom: &str) -> Vec<String> {
    dom.split("<table class=\"cmp\">")
        .skip(1)
        .map(|t| flat(&t[..t.find("</table>").unwrap()]))
        .collect()
}

fn ladder_records(dom: &str) -> usize {
    dom.matches("<details class=\"rec ").count()
}

fn config(suite: &str) -> ClientConfig {
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&rev_server().ca_pem_path()).unwrap());
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c
}

struct Run {
    result: Result<(), Error>,
    events: Vec<OwnedEvent>,
    explanation: Option<Explanation>,
    client_random: [u8; 32],
    master_secret: Option<Vec<u8>>,
}

/// One connection: handshake, one line round trip, close. The explanation
/// is given OpenSSL's master secret from its key log when it wrote one.
fn run(config: ClientConfig, observer: &mut dyn Observer) -> Run {
    let mut recorder = Recorder::new();
    let mut tee = TeeRef {
        a: &mut recorder,
        b: observer,
    };
    let client = Client::with_observer(config, &mut tee);
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let mut s = net::connect_tcp(&rev_server().addr().to_string(), client, timeouts).unwrap();
    let result = (|| {
        s.handshake()?;
        s.write_all(b"report\n")?;
        let mut got = vec![];
        while !got.ends_with(b"\n") {
            let more = s.read()?;
            if more.is_empty() {
                return Err(Error::connection_closed("server closed"));
            }
            got.extend(more);
        }
        assert_eq!(got, b"troper\n");
        s.close()
    })();
    let client_random = s.client().session().client_random.unwrap();
    let master_secret = rev_server().wait_master_secret(&client_random, Duration::from_secs(2));
    let peer = master_secret
        .as_ref()
        .map(|ms| <[u8; 48]>::try_from(ms.as_slice()).unwrap());
    let explanation = if result.is_err() {
        s.client().explain_failure_given(peer)
    } else {
        None
    };
    drop(s);
    Run {
        result,
        events: recorder.events,
        explanation,
        client_random,
        master_secret,
    }
}

/// Two observers by reference.
struct TeeRef<'a> {
    a: &'a mut dyn Observer,
    b: &'a mut dyn Observer,
}

impl Observer for TeeRef<'_> {
    fn on_event(&mut self, e: &Event<'_>) {
        self.a.on_event(e);
        self.b.on_event(e);
    }
}

struct Nothing;
impl Observer for Nothing {
    fn on_event(&mut self, _: &Event<'_>) {}
}

fn records(events: &[OwnedEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, OwnedEvent::RecordIn(_) | OwnedEvent::RecordOut(_)))
        .count()
}

/// The messages of a full handshake with ECDHE, RFC 5246 §7.3 figure 1, in
/// the ladder in this order.
const FULL_HANDSHAKE: [&str; 8] = [
    "ClientHello",
    "ServerHello",
    "Certificate",
    "ServerKeyExchange",
    "ServerHelloDone",
    "ClientKeyExchange",
    "ChangeCipherSpec",
    "Finished (encrypted)",
];

fn assert_in_order(dom: &str, words: &[&str]) {
    let mut at = 0;
    for w in words {
        match dom[at..].find(w) {
            Some(i) => at += i + w.len(),
            None => panic!("{w} missing or out of order in the ladder"),
        }
    }
}

#[test]
fn good_connection_to_openssl() {
    let r = run(config("ECDHE-RSA-AES128-GCM-SHA256"), &mut Nothing);
    r.result.as_ref().unwrap();
    let page = report::connection_html(&HtmlOptions::default(), "localhost", &r.events, None, None);
    let dom = browse("good", &page);
    assert!(dom.contains("<div class=\"verdict ok\""), "verdict");
    assert!(flat(&dom).contains("connected"));
    // Each record on the wire is one arrow: the client's count of records,
    // and at least the 8 records of a full handshake plus one line each way.
    assert_eq!(ladder_records(&dom), records(&r.events));
    assert!(ladder_records(&dom) >= 10);
    assert_in_order(&dom, &FULL_HANDSHAKE);
    assert!(!dom.contains(" failing\""), "nothing is marked failing");
    // The key schedule: the master secret the page shows is OpenSSL's.
    let ms = hex::encode(r.master_secret.expect("OpenSSL logged the master secret"));
    assert!(
        flat(&dom).contains(&ms),
        "OpenSSL's master secret is in the key schedule"
    );
    // OpenSSL agrees to the extended master secret (RFC 7627) by default.
    assert!(flat(&dom).contains("\"extendedmastersecret\""), "the PRF label");
    assert!(flat(&dom).contains("session_hash"), "the seed");
    for part in [
        "client_write_key",
        "server_write_key",
        "client_write_iv",
        "server_write_iv",
        "additionaldata",
        "tagverified",
    ] {
        assert!(flat(&dom).contains(&part.to_lowercase()), "{part}");
    }
    assert_no_external_reference(&page);
    assert_no_external_reference(&dom);
}

#[test]
fn saved_json_trace_is_drawn_like_the_live_connection() {
    let log = SharedLog::default();
    let mut json = tlslab::observer::JsonLog::new(log.clone());
    let r = run(config("ECDHE-RSA-AES128-SHA256"), &mut json);
    r.result.as_ref().unwrap();
    drop(json);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let page = report::json_trace_html(&text, &HtmlOptions::default()).unwrap();
    let dom = browse("json-trace", &page);
    assert!(dom.contains("<div class=\"verdict ok\""));
    assert_eq!(ladder_records(&dom), records(&r.events));
    assert_in_order(&dom, &FULL_HANDSHAKE);
    let ms = hex::encode(r.master_secret.unwrap());
    assert!(
        flat(&dom).contains(&ms),
        "OpenSSL's master secret, read back from the trace"
    );
}

/// A `Write` the test can read after the observer is done.
#[derive(Clone, Default)]
struct SharedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedLog {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn failed_connection_marks_the_record_and_shows_both_macs() {
    // The MAC of our first application-data record loses its last bit; the
    // handshake completed, so OpenSSL logged the master secret and the
    // explainer recomputes the server's side with it.
    let mut c = config("ECDHE-RSA-AES128-SHA256");
    c.faults = Faults(vec![Fault::CorruptMac { record: 1 }]);
    let r = run(c, &mut Nothing);
    assert!(r.result.is_err(), "OpenSSL must reject the record");
    let e = r.explanation.as_ref().expect("an explanation");
    let page = report::connection_html(
        &HtmlOptions::default(),
        "localhost",
        &r.events,
        Some(r.result.as_ref().unwrap_err().to_string()),
        Some(e),
    );
    let dom = browse("failed", &page);
    assert!(dom.contains("<div class=\"verdict failed\""));
    let text = flat(&dom);
    assert!(text.contains("firstcause:"), "the first cause is named");
    assert!(
        text.contains("proven") || text.contains("plausible"),
        "its certainty is shown"
    );
    // The failing record: our record seq 1, the one the fault changed.
    assert_eq!(dom.matches(" failing\"").count(), 1, "exactly one record marked");
    let failing = &dom[dom.find(" failing\"").unwrap()..];
    assert!(failing.starts_with(" failing\" id=\"rec"));
    assert!(
        dom.contains("<details class=\"rec c2s prot failing\""),
        "a client record"
    );
    assert!(
        dom.contains("class=\"fld bad\""),
        "its MAC field is drawn as the failing one"
    );
    assert!(
        dom.contains("<mark class=\"badbyte\""),
        "the first differing byte is marked"
    );
    // The MAC we computed before the fault (MacInput for seq 1) and the
    // received one, which differs in the last bit: side by side.
    let computed = r
        .events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::MacInput(m) if m.direction == Direction::ClientToServer && m.seq == 1 => {
                Some(m.mac.to_vec())
            }
            _ => None,
        })
        .expect("MacInput for our record seq 1");
    let mut received = computed.clone();
    *received.last_mut().unwrap() ^= 1;
    let cmp = comparisons(&dom);
    assert!(
        cmp.iter()
            .any(|t| t.contains(&format!("computed{}", hex::encode(&computed)))
                && t.contains(&format!("received{}", hex::encode(&received)))),
        "computed and received MAC side by side: {cmp:?}"
    );
    assert_no_external_reference(&dom);
}

#[test]
fn capture_with_two_connections() {
    // Two connections to OpenSSL written as one pcap (the second one's
    // frames appended after the first's), explained with OpenSSL's key log.
    let mut frames = vec![];
    let mut randoms = vec![];
    for (port, suite) in [
        (50001, "ECDHE-RSA-AES128-SHA"),
        (50002, "ECDHE-RSA-CHACHA20-POLY1305"),
    ] {
        let client: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut w = PcapWriter::new(Vec::new(), client, rev_server().addr()).unwrap();
        let r = run(config(suite), &mut w);
        r.result.as_ref().unwrap();
        w.finish().unwrap();
        let file = w.get_ref().clone();
        if frames.is_empty() {
            frames.extend_from_slice(&file);
        } else {
            frames.extend_from_slice(&file[24..]);
        }
        assert!(r.master_secret.is_some());
        randoms.push(r.client_random);
    }
    let keylog = KeyLog::parse(&std::fs::read_to_string(rev_server().keylog_path()).unwrap());
    let sources = KeySources {
        keylog,
        server_key: None,
    };
    let page = report::capture_html(&frames, &sources, &HtmlOptions::default()).unwrap();
    let dom = browse("capture", &page);
    assert_eq!(dom.matches("<section class=\"connection\"").count(), 2);
    assert_eq!(
        dom.matches("<div class=\"verdict ok\"").count(),
        2,
        "both verified"
    );
    assert!(dom.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
    assert!(dom.contains("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
    assert!(ladder_records(&dom) >= 20, "two full handshakes and their data");
    assert!(flat(&dom).contains("macverified"));
    assert_no_external_reference(&dom);

    // The same capture with the second connection's last client record
    // damaged in one byte: that record is marked, its MACs compared.
    let mut damaged = frames.clone();
    let last_c2s = {
        // The last frame from port 50002 carrying payload: its last byte is the last
        // byte of our close_notify record.
        let port = 50002u16.to_be_bytes();
        let mut off = 24;
        let mut last = None;
        while off + 16 <= damaged.len() {
            let incl = u32::from_le_bytes(damaged[off + 8..off + 12].try_into().unwrap()) as usize;
            let data = &damaged[off + 16..off + 16 + incl];
            if data.get(34..36) == Some(&port[..]) && incl > 54 {
                last = Some(off + 16 + incl - 1);
            }
            off += 16 + incl;
        }
        last.expect("a client frame of the second connection")
    };
    damaged[last_c2s] ^= 0x01;
    let page = report::capture_html(&damaged, &sources, &HtmlOptions::default()).unwrap();
    let dom = browse("capture-damaged", &page);
    assert_eq!(dom.matches("<div class=\"verdict ok\"").count(), 1);
    assert_eq!(dom.matches("<div class=\"verdict failed\"").count(), 1);
    assert_eq!(dom.matches(" failing\"").count(), 1);
    assert!(dom.contains("<details class=\"rec c2s prot failing\" id=\"rec"));
    assert!(!comparisons(&dom).is_empty(), "computed against received");

    // `tlslab explain` in text on the same damaged capture: the capture's
    // summary, then the failing connection (the second) with its evidence,
    // before the one that verified; no trace without --trace.
    let dir = tempdir("explain-two");
    let file = dir.join("damaged.pcap");
    std::fs::write(&file, &damaged).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .arg("explain")
        .arg(&file)
        .arg("--keylog")
        .arg(rev_server().keylog_path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{text}"))
    };
    assert!(text.starts_with("── capture: "), "{text}");
    assert!(at("── connection 2: ") < at("   first failing record"), "{text}");
    assert!(at("   first failing record") < at("── connection 1: "), "{text}");
    assert!(!text.contains("record_in  "), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redacted_page_holds_no_secret_from_openssls_key_log() {
    let r = run(config("ECDHE-RSA-AES256-GCM-SHA384"), &mut Nothing);
    r.result.as_ref().unwrap();
    let options = HtmlOptions {
        redact: true,
        ..HtmlOptions::default()
    };
    let page = report::connection_html(&options, "localhost", &r.events, None, None);
    let dom = browse("redacted", &page);
    // OpenSSL's own key log: every secret in it, for every connection.
    let mut secrets: Vec<String> = rev_server()
        .keylog_entries()
        .into_iter()
        .map(|(_, s)| s.to_lowercase())
        .collect();
    assert!(!secrets.is_empty());
    // And the parts of the key block derived from it.
    for e in &r.events {
        if let OwnedEvent::KeyBlock(kb) = e {
            for part in [
                &kb.client_write_key,
                &kb.server_write_key,
                &kb.client_write_iv,
                &kb.server_write_iv,
            ] {
                secrets.push(hex::encode(part.as_slice()));
            }
        }
    }
    let text = flat(&dom);
    let raw = page.to_lowercase();
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "secret {s} in the rendered page");
        assert!(!raw.contains(s.as_str()), "secret {s} in the HTML");
    }
    assert!(dom.contains("redacted"));
    assert!(dom.contains("<div class=\"verdict ok\""));
    assert_eq!(ladder_records(&dom), records(&r.events));
}

/// No `src` or `href` attribute loads anything: no scheme, no `//`. Only
/// tags are searched: text that mentions an attribute is harmless.
fn assert_no_external_reference(page: &str) {
    let lower = page.to_lowercase();
    for tag in lower.split('<').skip(1).filter_map(|t| t.split('>').next()) {
        for attr in [" src=", " href=", " srcset=", " action=", " poster=", " data="] {
            if let Some(i) = tag.find(attr) {
                let value = &tag[i + attr.len()..];
                assert!(
                    !value.contains("//") && !value.contains("http") && !value.contains("data:"),
                    "external reference in <{tag}>"
                );
            }
        }
        assert!(!tag.starts_with("script"), "no script element: <{tag}>");
        assert!(!tag.starts_with("link"), "no linked resource: <{tag}>");
        assert!(
            !tag.starts_with("img") && !tag.starts_with("iframe"),
            "no embedded resource: <{tag}>"
        );
    }
    // The style sheet loads nothing either.
    let style = &lower[lower.find("<style>").unwrap()..lower.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"), "{style}");
    assert!(lower.contains("content-security-policy"));
}

#[test]
fn hostile_strings_are_escaped_and_nothing_is_loaded() {
    let header = [21u8, 3, 3, 0, 2];
    let events = vec![
        OwnedEvent::from(&Event::CertificateChecked {
            server_name: "<script>document.title='owned'</script>",
            chain_len: 1,
            verified: false,
            detail: "<img src=\"http://evil.example/x\" onerror=\"alert(1)\">",
        }),
        OwnedEvent::from(&Event::RecordIn(RecordView {
            content_type: ContentType::ALERT,
            version: ProtocolVersion::TLS12,
            header: &header,
            payload: &[2, 40],
            seq: 0,
            protected: false,
        })),
    ];
    let title = "<script>alert('x')</script>\"><a href=\"https://evil.example\">";
    let options = HtmlOptions {
        title: title.into(),
        ..HtmlOptions::default()
    };
    let page = report::render(
        &options,
        "",
        &[Section {
            title: title.into(),
            events: &events,
            error: Some("server said <script>alert(2)</script>".into()),
            ..Section::default()
        }],
    );
    let dom = browse("hostile", &page);
    assert_no_external_reference(&page);
    assert_no_external_reference(&dom);
    assert!(dom.contains("&lt;script&gt;document.title='owned'&lt;/script&gt;"));
    assert!(!dom.contains("<img"), "no element from the peer's text");
    // The one-record trace: one arrow, the alert decoded, the verdict failed.
    assert_eq!(ladder_records(&dom), 1);
    assert!(dom.contains("Alert: fatal handshake_failure"), "{dom}");
    assert!(dom.contains("<div class=\"verdict failed\""));
}

#[test]
fn command_line_writes_pages_for_connect_explain_and_view() {
    let dir = artifacts();
    let tlslab = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let addr = rev_server().addr().to_string();
    let ca = rev_server().ca_pem_path();
    let page = dir.join("cli-connect.html");
    let trace = dir.join("cli-connect.jsonl");
    let (code, out) = tlslab(&[
        "connect",
        &addr,
        "--servername",
        "localhost",
        "--ca",
        ca.to_str().unwrap(),
        "--send",
        "cli\n",
        "--trace",
        "json",
        "--trace-file",
        trace.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("HTML report written to"), "{out}");
    let dom = browse("cli-connect-page", &std::fs::read_to_string(&page).unwrap());
    assert!(dom.contains("<div class=\"verdict ok\""));
    assert_in_order(&dom, &FULL_HANDSHAKE);

    // The saved trace drawn again: the same ladder.
    let viewed = dir.join("cli-view.html");
    let (code, out) = tlslab(&[
        "view",
        trace.to_str().unwrap(),
        "--html",
        viewed.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let dom2 = browse("cli-view", &std::fs::read_to_string(&viewed).unwrap());
    assert_eq!(ladder_records(&dom2), ladder_records(&dom));

    // The published Illustrated TLS 1.2 capture with its key log.
    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/illustrated-tls12");
    let explained = dir.join("cli-explain.html");
    let (code, out) = tlslab(&[
        "explain",
        &format!("{vectors}/capture.pcap"),
        "--keylog",
        &format!("{vectors}/keylog.txt"),
        "--html",
        explained.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let dom3 = browse("cli-explain", &std::fs::read_to_string(&explained).unwrap());
    assert!(dom3.contains("<div class=\"verdict ok\""));
    assert!(dom3.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
    assert_no_external_reference(&dom3);
}

/// The pages the book links (book/src/generated/*.html, written by
/// `cargo run --example book_values` and kept current by tests/book.rs)
/// load nothing either, and each draws a connection that verified.
#[test]
fn the_books_pages_load_nothing_and_each_shows_a_verified_connection() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/generated");
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let page = std::fs::read_to_string(&path).unwrap();
            assert_no_external_reference(&page);
            assert!(page.contains("<div class=\"verdict ok\""), "{}", path.display());
            pages += 1;
        }
    }
    assert!(pages >= 7, "{pages} pages in {}", dir.display());
}

/// A TLS 1.0 connection to `openssl s_server -tls1` (RFC 2246) through a
/// relay that logs the records as they cross. The page draws the master
/// secret's PRF as its two halves, P_MD5 over S1 and P_SHA1 over S2 (RFC
/// 2246 §5), whose XOR is the master secret in OpenSSL's key log; and each
/// client record's implicit IV (RFC 2246 §6.2.3.2), which for every record
/// after the first is the last ciphertext block of the record before it as
/// the relay saw it on the wire (OpenSSL decrypted them all, so the chain the
/// page shows is the one that worked).
#[test]
fn tls10_connection_draws_the_prf_halves_and_the_iv_chain() {
    use tlslab::wire::ContentType;
    use tlslab_peers::proxy::{Proxy, ProxyMode};
    use tlslab_peers::{Peer, PeerKind, PeerOptions};

    let peer = Peer::start(
        PeerKind::OpenSsl,
        &PeerOptions {
            suites: Some(vec![
                tlslab::wire::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            ]),
            version: Some(ProtocolVersion::TLS10),
            ..PeerOptions::default()
        },
    )
    .expect("openssl s_server -tls1");
    let proxy = Proxy::start(peer.addr(), ProxyMode::Pass).expect("proxy");
    let mut c = ClientConfig::new(peer.server_name());
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&peer.ca_pem_path()).unwrap());
    c.suites = vec![suites::find_by_name("ECDHE-RSA-AES128-SHA").unwrap()];
    c.min_version = ProtocolVersion::TLS10;
    c.max_version = ProtocolVersion::TLS10;
    // The 1/n-1 split: more records in the chain.
    c.split_one_n_minus_one = true;
    // MAC-then-encrypt: a record's last bytes are its last ciphertext block.
    c.offer_encrypt_then_mac = false;
    let mut recorder = Recorder::new();
    let client = Client::with_observer(c, &mut recorder);
    let timeouts = Timeouts {
        read: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let mut tls = net::connect(&proxy.addr().to_string(), client, timeouts).unwrap();
    peer.round_trip(&mut tls).unwrap();
    let client_random = tls.client().session().client_random.unwrap();
    tls.close().unwrap();
    drop(tls);
    let ms = peer
        .wait_master_secret(&client_random, Duration::from_secs(2))
        .expect("OpenSSL logged the master secret");

    let page = report::connection_html(&HtmlOptions::default(), "localhost", &recorder.events, None, None);
    let dom = browse("tls10", &page);
    assert!(dom.contains("<div class=\"verdict ok\""), "verdict");
    let text = flat(&dom);
    // RFC 2246 §5: PRF = P_MD5(S1, …) XOR P_SHA1(S2, …); the XOR is
    // OpenSSL's master secret.
    assert!(text.contains("p_md5(s1,label+seed)"), "the P_MD5 half");
    assert!(text.contains("p_sha1(s2,label+seed)"), "the P_SHA1 half");
    assert!(
        text.contains(&format!("output=p_md5xorp_sha1{}", hex::encode(&ms))),
        "OpenSSL's master secret as the XOR of the halves"
    );
    let halves = recorder
        .events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::Prf(p) if p.purpose.ends_with("master_secret") => Some(p.halves.clone()),
            _ => None,
        })
        .expect("the master secret's PRF call");
    assert_eq!(halves.len(), 2);
    let xor: Vec<u8> = halves[0]
        .output
        .iter()
        .zip(halves[1].output.iter())
        .map(|(a, b)| a ^ b)
        .collect();
    assert_eq!(
        xor, ms,
        "P_MD5 output XOR P_SHA1 output = OpenSSL's master secret"
    );
    for half in &halves {
        assert!(
            text.contains(&hex::encode(&half.output)),
            "{} output drawn",
            half.hash
        );
    }
    assert!(text.contains("rfc2246§6.3"), "the TLS 1.0 key block's RFC named");
    assert!(text.contains("rfc2246§6.2.3"), "the TLS 1.0 record's RFC named");

    // The IV chain: client records after ChangeCipherSpec, as relayed.
    let wire = proxy.client_records(0);
    let ccs = wire
        .iter()
        .position(|r| r.content_type == ContentType::CHANGE_CIPHER_SPEC)
        .expect("our ChangeCipherSpec");
    let protected = &wire[ccs + 1..];
    assert!(
        protected.len() >= 4,
        "Finished, the split record pair, close_notify: {protected:?}"
    );
    for pair in protected.windows(2) {
        assert!(pair[0].length <= pair[0].prefix.len(), "whole record logged");
        let last_block = &pair[0].prefix[pair[0].length - 16..pair[0].length];
        assert!(
            text.contains(&format!("iv(implicit,notonthewire){}", hex::encode(last_block))),
            "record {}'s IV is record {}'s last ciphertext block {}",
            pair[1].index,
            pair[0].index,
            hex::encode(last_block)
        );
    }
    // The first protected record (our Finished) uses the key block's IV.
    assert!(text.contains("thekeyblock'sclient_write_iv"), "the first IV");
    assert_no_external_reference(&dom);
}

/// The frozen SSL 3.0 capture (`vectors/ssl3-tlslite/`: tlslite-ng,
/// TLS_RSA_WITH_AES_128_CBC_SHA) with its server key only. The page draws
/// SSL 3.0's own derivation (RFC 6101 §6.1: three rounds of MD5 over SHA-1
/// make the master secret, which is the one tlslite-ng recorded when the
/// capture was made, `master-secret.txt`), the key block's rounds, both
/// 36-byte Finished (md5_hash ‖ sha_hash, RFC 6101 §5.6.9) equal to what was
/// received, and each record's IV: the last ciphertext block of the record
/// before it in the same direction, as `tshark` reads the TCP payloads.
#[test]
fn ssl3_capture_draws_its_own_derivation_and_the_iv_chain() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/ssl3-tlslite");
    let pcap = std::fs::read(format!("{dir}/capture.pcap")).unwrap();
    let sources = KeySources {
        keylog: KeyLog::default(),
        server_key: Some(
            tlslab::capture::ServerKey::from_pem(
                &std::fs::read_to_string(format!("{dir}/server-key.pem")).unwrap(),
            )
            .unwrap(),
        ),
    };
    let page = report::capture_html(&pcap, &sources, &HtmlOptions::default()).unwrap();
    let dom = browse("ssl3-capture", &page);
    assert!(dom.contains("<div class=\"verdict ok\""), "verdict");
    let text = flat(&dom);
    let ms = std::fs::read_to_string(format!("{dir}/master-secret.txt")).unwrap();
    let ms = ms.trim();
    assert!(text.contains("master_secret(ssl3.0)"), "the SSL 3.0 step");
    assert!(text.contains("rfc6101§6.1"));
    for round in [
        "sha('a'+pre_master_secret",
        "sha('bb'+pre_master_secret",
        "sha('ccc'+pre_master_secret",
    ] {
        assert!(text.contains(round), "{round}");
    }
    assert!(
        text.contains(&format!("output=round1‖round2‖…(48bytes){ms}")),
        "tlslite-ng's master secret as the three rounds"
    );
    assert!(text.contains("key_block(ssl3.0)"));
    assert!(text.contains("finished(clientfinished,ssl3.0)"));
    assert!(text.contains("finished(serverfinished,ssl3.0)"));
    assert_eq!(
        comparisons(&dom)
            .iter()
            .filter(|t| t.contains("md5_hash‖sha_hash(36bytes)") && t.contains("equal"))
            .count(),
        2,
        "both Finished computed equal to received"
    );

    // tshark's TCP payloads, each direction's records in order.
    let out = Command::new("tshark")
        .args([
            "-r",
            &format!("{dir}/capture.pcap"),
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.payload",
        ])
        .output()
        .expect("tshark");
    assert!(out.status.success());
    let mut streams: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let (port, payload) = line.split_once('\t').unwrap_or((line, ""));
        streams
            .entry(port.to_string())
            .or_default()
            .extend(hex::decode(payload.replace(':', "")).unwrap());
    }
    let mut chained = 0;
    for bytes in streams.values() {
        let mut records = vec![];
        let mut at = 0;
        while at + 5 <= bytes.len() {
            let len = usize::from(u16::from_be_bytes([bytes[at + 3], bytes[at + 4]]));
            records.push((bytes[at], &bytes[at + 5..at + 5 + len]));
            at += 5 + len;
        }
        let ccs = records
            .iter()
            .position(|(t, _)| *t == 20)
            .expect("ChangeCipherSpec");
        for pair in records[ccs + 1..].windows(2) {
            let last_block = &pair[0].1[pair[0].1.len() - 16..];
            assert!(
                text.contains(&format!("iv(implicit,notonthewire){}", hex::encode(last_block))),
                "IV {} missing",
                hex::encode(last_block)
            );
            chained += 1;
        }
    }
    assert!(chained >= 6, "{chained} chained IVs");
    assert_no_external_reference(&dom);
}
