//! `cargo bench`: tlslab side by side with rustls and OpenSSL, as ratios, in
//! one run (about three minutes on two cores).
//!
//! * Handshakes: client CPU time per full handshake (the client thread's
//!   `CLOCK_THREAD_CPUTIME_ID`; for OpenSSL's `s_time`, its process CPU from
//!   `getrusage(RUSAGE_CHILDREN)`), against one local `openssl s_server` and an
//!   in-process rustls server. Wall-clock rates are given for reference only:
//!   on two cores the server's RSA signature bounds them.
//! * Bulk: 16 KiB records sealed and opened by `RecordLayerState`, by rustls
//!   (an in-memory client/server pair) and by the raw primitives alone (ring
//!   AEAD, ring HMAC, the `aes` block cipher).
//! * The glass box: no observer vs `Recorder` vs `JsonLog` (to `io::sink()`),
//!   per replayed connection and per record, where `TextLog` and the default
//!   ladder are measured too; `explain_failures` on and off; the no-observer
//!   build against a build with `--features no-hooks`.
//! * `tlslab explain` on a ~100 MB capture vs `tshark` decrypting it.
//! * Heap per connection, peak and kept after the handshake, next to rustls
//!   (a counting global allocator, per thread).
//! * The HTML report of a 1,000-record connection: Chromium's load time.
//!
//! The table goes to stdout and to `target/bench-report.md`.
//!
//! Environment: `TLSLAB_BENCH_QUICK=1` shortens every measurement (a smoke
//! run, numbers not meaningful); `TLSLAB_BENCH_SKIP_NO_HOOKS=1` skips the
//! second build; `TLSLAB_BENCH_CAPTURE_MB=N` sets the capture size;
//! `TLSLAB_BENCH_ONLY=handshakes,bulk,glass-box,memory,no-hooks,explain,cbc,timing,html`
//! runs only the named sections (`html`: the report's page opened in headless
//! Chromium; `cbc`: the CBC record layer against OpenSSL's
//! stitched AES-CBC-HMAC-SHA1, `openssl speed` run by the bench; `timing`: the
//! dudect-style t-test of the CBC verifier (`dudect/mod.rs`, shared with
//! `tests/timing.rs`, which CI runs), which with `TLSLAB_TIMING_GATE=1` exits
//! non-zero when it finds a leak, or misses the deliberate one).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::internal::key_block::KeyBlock;
use tlslab::internal::record::hmac::MacKey;
use tlslab::internal::record::{Protection, RecordLayerState};
use tlslab::observer::{Hooks, JsonLog, LadderLog, Observer, Recorder, TextLog};
use tlslab::replay::{Action, Bundle};
use tlslab::rng::OsRng;
use tlslab::wire::{ContentType, Direction, NamedGroup, ProtocolVersion, RecordHeader};
use tlslab::{Client, ClientConfig, Verification};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::local_server::{LocalServer, ServerOptions};

mod dudect;

// ---------------------------------------------------------------------------
// A counting allocator, per thread: the client runs on the bench thread, so
// the server thread's allocations do not count.
// ---------------------------------------------------------------------------

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    // try_with: the allocator runs during thread teardown too.
    let _ = LIVE.try_with(|l| {
        let now = l.get() + delta;
        l.set(now);
        let _ = PEAK.try_with(|p| {
            if now > p.get() {
                p.set(now)
            }
        });
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// bookkeeping touches only thread-local integers.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        account(-(layout.size() as isize));
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts a peak measurement: returns the live bytes now.
fn heap_mark() -> isize {
    let live = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(live));
    live
}

fn heap_live() -> isize {
    LIVE.with(Cell::get)
}

fn heap_peak() -> isize {
    PEAK.with(Cell::get)
}

// ---------------------------------------------------------------------------
// Clocks.
// ---------------------------------------------------------------------------

/// CPU time (user + system) of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time (user + system) of the waited-for children.
fn children_cpu() -> Duration {
    // SAFETY: an all-zero rusage is valid; getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn quick() -> bool {
    std::env::var_os("TLSLAB_BENCH_QUICK").is_some()
}

/// Seconds to spend on one measurement.
fn budget(normal: f64) -> Duration {
    Duration::from_secs_f64(if quick() { normal / 20.0 } else { normal })
}

/// Runs `f` in batches for about `total`, split in `rounds`, and returns the
/// lowest thread-CPU time per call over the rounds (the least disturbed one).
fn cpu_per_call(total: Duration, rounds: u32, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let per_round = total / rounds;
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let (start, wall) = (thread_cpu(), Instant::now());
        let mut n = 0u32;
        while wall.elapsed() < per_round || n == 0 {
            for _ in 0..8 {
                f();
            }
            n += 8;
        }
        best = best.min((thread_cpu() - start) / n);
    }
    best
}

// ---------------------------------------------------------------------------
// The report.
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Report {
    md: String,
    verdicts: Vec<(String, bool)>,
}

impl Report {
    fn section(&mut self, title: &str, note: &str, header: &[&str]) {
        let _ = write!(self.md, "\n### {title}\n\n");
        if !note.is_empty() {
            let _ = write!(self.md, "{note}\n\n");
        }
        let _ = writeln!(self.md, "| {} |", header.join(" | "));
        let _ = writeln!(self.md, "|{}", " --- |".repeat(header.len()));
        print!(
            "{}",
            self.md
                .rsplit("\n### ")
                .next()
                .map(|s| format!("\n### {s}"))
                .unwrap_or_default()
        );
    }

    fn row(&mut self, cells: &[String]) {
        let line = format!("| {} |\n", cells.join(" | "));
        print!("{line}");
        self.md.push_str(&line);
    }

    fn target(&mut self, what: String, holds: bool) {
        self.verdicts.push((what, holds));
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}", a / b)
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

// ---------------------------------------------------------------------------
// Peers: the local OpenSSL server, an in-process rustls server.
// ---------------------------------------------------------------------------

const SUITES: &[&str] = &[
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-SHA",
    "AES128-SHA",
];

fn timeouts() -> Timeouts {
    Timeouts {
        read: Duration::from_secs(10),
        ..Timeouts::default()
    }
}

fn rustls_suite(name: &str) -> Option<rustls::SupportedCipherSuite> {
    use rustls::crypto::ring::cipher_suite as cs;
    match name {
        "ECDHE-RSA-AES128-GCM-SHA256" => Some(cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        "ECDHE-RSA-CHACHA20-POLY1305" => Some(cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
        _ => None,
    }
}

fn rustls_provider(suite: rustls::SupportedCipherSuite) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.cipher_suites = vec![suite];
    p.kx_groups = vec![rustls::crypto::ring::kx_group::X25519];
    Arc::new(p)
}

fn rustls_client(suite: rustls::SupportedCipherSuite, ca_der: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca_der.to_vec()))
        .expect("CA certificate");
    let mut c = rustls::ClientConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Every connection a full handshake, as for the other clients.
    c.resumption = rustls::client::Resumption::disabled();
    Arc::new(c)
}

fn rustls_server(suite: rustls::SupportedCipherSuite, server: &LocalServer) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(server.cert_pem_path())
        .expect("cert.pem")
        .collect::<Result<_, _>>()
        .expect("cert.pem");
    let key = PrivateKeyDer::from_pem_file(server.key_pem_path()).expect("key.pem");
    let c = rustls::ServerConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server key");
    Arc::new(c)
}

/// A rustls server on 127.0.0.1 in a thread of its own, echoing what it
/// reads, one connection at a time (like `openssl s_server`).
fn spawn_rustls_server(config: Arc<rustls::ServerConfig>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { continue };
            let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, &mut sock);
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tls.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
        }
    });
    addr
}

fn tlslab_config(suite: &str, verifier: &CertVerifier) -> ClientConfig {
    let mut c = ClientConfig::new("localhost");
    c.suites = vec![suites::find_by_name(suite).expect("suite")];
    c.groups = vec![NamedGroup::X25519];
    c.verification = Verification::Verify(verifier.clone());
    c
}

fn tlslab_handshake(addr: &str, suite: &str, verifier: &CertVerifier) {
    let client = Client::new(tlslab_config(suite, verifier));
    let mut s = net::connect(addr, client, timeouts()).expect("tlslab handshake");
    let _ = s.close();
}

fn rustls_handshake(addr: &str, config: &Arc<rustls::ClientConfig>) {
    let mut sock = TcpStream::connect(addr).expect("connect");
    let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut conn = rustls::ClientConnection::new(config.clone(), name).expect("rustls client");
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).expect("rustls handshake");
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut sock);
}

/// Client CPU and wall time per handshake, `f` run for about `total`.
fn handshake_rate(total: Duration, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm up
    let (cpu, wall) = (thread_cpu(), Instant::now());
    let mut n = 0u32;
    while wall.elapsed() < total {
        f();
        n += 1;
    }
    ((thread_cpu() - cpu) / n, wall.elapsed() / n)
}

/// `openssl s_time -new`: (CPU of the s_time process, wall) per connection.
fn openssl_s_time(server: &LocalServer, cipher: &str, total: Duration) -> Option<(Duration, Duration)> {
    let secs = total.as_secs().max(1).to_string();
    let before = children_cpu();
    let wall = Instant::now();
    let out = Command::new("openssl")
        .args([
            "s_time",
            "-connect",
            &server.addr().to_string(),
            "-new",
            "-time",
            &secs,
        ])
        .args(["-cipher", cipher, "-CAfile"])
        .arg(server.ca_pem_path())
        .args(["-verify", "2"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let (cpu, wall) = (children_cpu() - before, wall.elapsed());
    let text = String::from_utf8_lossy(&out.stdout);
    // "1234 connections in 2.01s; 613.93 connections/user sec, bytes read 0"
    let n: u32 = text
        .lines()
        .find(|l| l.contains("connections/user sec"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    (n > 0).then(|| (cpu / n, wall / n))
}

fn section_handshakes(r: &mut Report, ossl: &LocalServer) {
    r.section(
        "Full handshakes: client CPU per handshake",
        "CPU = the client thread's user+system time (`CLOCK_THREAD_CPUTIME_ID`); for OpenSSL the \
         whole `openssl s_time -new` process (`RUSAGE_CHILDREN`). Every client verifies the \
         server's certificate and uses x25519; resumption off. Wall = handshakes in sequence, \
         for reference only (bound by the server's RSA signature on two cores).",
        &[
            "suite",
            "server",
            "tlslab CPU",
            "rustls CPU",
            "OpenSSL CPU",
            "tlslab/rustls",
            "tlslab/OpenSSL",
            "tlslab wall",
            "rustls wall",
            "OpenSSL wall",
        ],
    );
    let verifier = CertVerifier::from_ca_file(&ossl.ca_pem_path()).expect("CA");
    let addr = ossl.addr().to_string();
    let t = budget(2.0);
    for &suite in SUITES {
        let (tl_cpu, tl_wall) = handshake_rate(t, || tlslab_handshake(&addr, suite, &verifier));
        let rl = rustls_suite(suite).map(|s| {
            let cfg = rustls_client(s, &ossl.ca_der());
            handshake_rate(t, || rustls_handshake(&addr, &cfg))
        });
        let os = openssl_s_time(ossl, suite, t);
        let na = || "n/a".to_string();
        r.row(&[
            suite.into(),
            "openssl s_server".into(),
            us(tl_cpu),
            rl.map_or_else(na, |x| us(x.0)),
            os.map_or_else(na, |x| us(x.0)),
            rl.map_or_else(na, |x| ratio(tl_cpu.as_secs_f64(), x.0.as_secs_f64())),
            os.map_or_else(na, |x| ratio(tl_cpu.as_secs_f64(), x.0.as_secs_f64())),
            us(tl_wall),
            rl.map_or_else(na, |x| us(x.1)),
            os.map_or_else(na, |x| us(x.1)),
        ]);
        if let Some((rl_cpu, _)) = rl {
            let q = tl_cpu.as_secs_f64() / rl_cpu.as_secs_f64();
            r.target(
                format!("handshake CPU {suite} vs openssl s_server: tlslab/rustls = {q:.2} ≤ 1.1"),
                q <= 1.1,
            );
        }
    }
    // The shared suite once more, against the in-process rustls server.
    let suite = SUITES[0];
    let s = rustls_suite(suite).expect("rustls suite");
    let addr = spawn_rustls_server(rustls_server(s, ossl)).to_string();
    let cfg = rustls_client(s, &ossl.ca_der());
    let (tl_cpu, tl_wall) = handshake_rate(t, || tlslab_handshake(&addr, suite, &verifier));
    let (rl_cpu, rl_wall) = handshake_rate(t, || rustls_handshake(&addr, &cfg));
    r.row(&[
        suite.into(),
        "rustls (in-process)".into(),
        us(tl_cpu),
        us(rl_cpu),
        "-".into(),
        ratio(tl_cpu.as_secs_f64(), rl_cpu.as_secs_f64()),
        "-".into(),
        us(tl_wall),
        us(rl_wall),
        "-".into(),
    ]);
    let q = tl_cpu.as_secs_f64() / rl_cpu.as_secs_f64();
    r.target(
        format!("handshake CPU {suite} vs rustls server: tlslab/rustls = {q:.2} ≤ 1.1"),
        q <= 1.1,
    );
}

// ---------------------------------------------------------------------------
// Bulk.
// ---------------------------------------------------------------------------

const RECORD: usize = 16 * 1024;

/// A key block whose two directions hold the same keys, so that what one
/// `RecordLayerState` seals as the client, another opens as the server's.
fn mirror_key_block(suite: &tlslab::crypto::suites::SuiteInfo) -> KeyBlock {
    let mac = vec![0x4d; suite.mac.len()];
    let key = vec![0x6b; suite.enc_key_len()];
    let iv = vec![0x49; suite.fixed_iv_len()];
    KeyBlock {
        client_write_mac_key: mac.clone().into(),
        server_write_mac_key: mac.into(),
        client_write_key: key.clone().into(),
        server_write_key: key.into(),
        client_write_iv: iv.clone().into(),
        server_write_iv: iv.into(),
    }
}

fn record_states(suite_name: &str) -> (RecordLayerState, RecordLayerState) {
    record_states_of(suite_name, ProtocolVersion::TLS12)
}

/// [`record_states`] under `version`: TLS 1.0 CBC takes its first IVs from
/// the key block and chains the rest (RFC 2246 §6.2.3.2).
fn record_states_of(suite_name: &str, version: ProtocolVersion) -> (RecordLayerState, RecordLayerState) {
    let suite = suites::find_by_name(suite_name).expect("suite");
    let mut kb = mirror_key_block(suite);
    let iv = vec![0x49; suite.fixed_iv_len_for(version)];
    kb.client_write_iv = iv.clone().into();
    kb.server_write_iv = iv.into();
    let options = tlslab::internal::record::RecordOptions::for_version(version, false);
    let mut w = RecordLayerState::new(Direction::ClientToServer);
    w.change_protection(
        Protection::from_key_block_with(suite, &kb, Direction::ClientToServer, options).expect("keys"),
    );
    let mut rd = RecordLayerState::new(Direction::ServerToClient);
    rd.change_protection(
        Protection::from_key_block_with(suite, &kb, Direction::ServerToClient, options).expect("keys"),
    );
    (w, rd)
}

/// Per-record CPU of `seal` and of `open` (with the copy of the record into
/// the receive buffer, as the deframer does) of `size`-byte records.
fn tlslab_record_costs(
    suite: &str,
    size: usize,
    observer: Option<&mut dyn Observer>,
    t: Duration,
) -> (Duration, Duration) {
    match observer {
        Some(o) => record_costs_with(suite, ProtocolVersion::TLS12, size, &mut Hooks::new(o), t),
        None => record_costs_with(suite, ProtocolVersion::TLS12, size, &mut Hooks::none(), t),
    }
}

fn record_costs_with(
    suite: &str,
    version: ProtocolVersion,
    size: usize,
    hooks: &mut Hooks<'_>,
    t: Duration,
) -> (Duration, Duration) {
    let fragment = vec![0x61u8; size];
    let mut rng = OsRng::new();
    let (mut w, _) = record_states_of(suite, version);
    let mut out = Vec::with_capacity(RECORD + 2048);
    let seal = cpu_per_call(t, 3, || {
        out.clear();
        w.seal(
            ContentType::APPLICATION_DATA,
            version,
            &fragment,
            &mut out,
            &mut rng,
            hooks,
        )
        .expect("seal");
    });
    // Opening needs consecutive sequence numbers: seal a batch (untimed,
    // unobserved), then open it.
    let (mut w, mut rd) = record_states_of(suite, version);
    let mut batch: Vec<Vec<u8>> = (0..64).map(|_| Vec::with_capacity(size + 128)).collect();
    let mut payload = Vec::with_capacity(RECORD + 2048);
    let mut best = Duration::MAX;
    let rounds = 3;
    for _ in 0..rounds {
        let deadline = Instant::now() + t / rounds;
        let (mut cpu, mut n) = (Duration::ZERO, 0u32);
        while Instant::now() < deadline || n == 0 {
            for rec in &mut batch {
                rec.clear();
                w.seal(
                    ContentType::APPLICATION_DATA,
                    version,
                    &fragment,
                    rec,
                    &mut rng,
                    &mut Hooks::none(),
                )
                .expect("seal");
            }
            let start = thread_cpu();
            for rec in &batch {
                let header = RecordHeader {
                    content_type: ContentType::APPLICATION_DATA,
                    version,
                    length: (rec.len() - RecordHeader::LEN) as u16,
                };
                payload.clear();
                payload.extend_from_slice(&rec[RecordHeader::LEN..]);
                rd.open(&header, &mut payload, hooks).expect("open");
            }
            cpu += thread_cpu() - start;
            n += batch.len() as u32;
        }
        best = best.min(cpu / n);
    }
    (seal, best)
}

/// rustls' record layer: an in-memory client/server pair; the client writes
/// 16 KiB at a time (encrypt = `writer().write_all` + `write_tls`), the
/// server decrypts (`read_tls` + `process_new_packets` + `reader().read`).
fn rustls_bulk(suite: rustls::SupportedCipherSuite, ossl: &LocalServer, t: Duration) -> (Duration, Duration) {
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut client =
        rustls::ClientConnection::new(rustls_client(suite, &ossl.ca_der()), name).expect("client");
    let mut server = rustls::ServerConnection::new(rustls_server(suite, ossl)).expect("server");
    let mut wire = Vec::new();
    while client.is_handshaking() || server.is_handshaking() {
        wire.clear();
        while client.wants_write() {
            client.write_tls(&mut wire).expect("write_tls");
        }
        let mut rd = &wire[..];
        while !rd.is_empty() {
            server.read_tls(&mut rd).expect("read_tls");
        }
        server.process_new_packets().expect("server");
        wire.clear();
        while server.wants_write() {
            server.write_tls(&mut wire).expect("write_tls");
        }
        let mut rd = &wire[..];
        while !rd.is_empty() {
            client.read_tls(&mut rd).expect("read_tls");
        }
        client.process_new_packets().expect("client");
    }
    let data = vec![0x61u8; RECORD];
    let mut sink = vec![0u8; RECORD * 4];
    let batch = 16;
    let (mut best_enc, mut best_dec) = (Duration::MAX, Duration::MAX);
    let rounds = 3;
    for round in 0..=rounds {
        let deadline = Instant::now() + t / rounds;
        let (mut enc, mut dec, mut n) = (Duration::ZERO, Duration::ZERO, 0u32);
        while Instant::now() < deadline || n == 0 {
            wire.clear();
            let start = thread_cpu();
            for _ in 0..batch {
                client.writer().write_all(&data).expect("write");
                while client.wants_write() {
                    client.write_tls(&mut wire).expect("write_tls");
                }
            }
            let mid = thread_cpu();
            let mut rd = &wire[..];
            while !rd.is_empty() {
                server.read_tls(&mut rd).expect("read_tls");
                server.process_new_packets().expect("decrypt");
                while let Ok(k) = server.reader().read(&mut sink) {
                    if k == 0 {
                        break;
                    }
                }
            }
            let end = thread_cpu();
            enc += mid - start;
            dec += end - mid;
            n += batch;
        }
        if round > 0 {
            best_enc = best_enc.min(enc / n);
            best_dec = best_dec.min(dec / n);
        }
    }
    (best_enc, best_dec)
}

fn raw_aead(alg: &'static ring::aead::Algorithm, t: Duration) -> (Duration, Duration) {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(alg, &vec![0x6b; alg.key_len()]).expect("key"));
    let mut buf = vec![0x61u8; RECORD];
    let seal = cpu_per_call(t, 3, || {
        let _ = key.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([7; 12]),
            Aad::from([0u8; 13]),
            &mut buf,
        );
    });
    let mut sealed = vec![0x61u8; RECORD];
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key([7; 12]),
        Aad::from([0u8; 13]),
        &mut sealed,
    )
    .expect("seal");
    let mut work = Vec::with_capacity(sealed.len());
    let open = cpu_per_call(t, 3, || {
        work.clear();
        work.extend_from_slice(&sealed);
        key.open_in_place(
            Nonce::assume_unique_for_key([7; 12]),
            Aad::from([0u8; 13]),
            &mut work,
        )
        .expect("open");
    });
    (seal, open)
}

fn raw_hmac(alg: ring::hmac::Algorithm, t: Duration) -> Duration {
    let key = ring::hmac::Key::new(alg, &[0x4d; 32]);
    let data = vec![0x61u8; RECORD];
    cpu_per_call(t, 3, || {
        let mut ctx = ring::hmac::Context::with_key(&key);
        ctx.update(&[0u8; 13]);
        ctx.update(&data);
        std::hint::black_box(ctx.sign());
    })
}

/// AES-128-CBC alone over 16 KiB with the `aes` crate: encryption is serial
/// by construction; decryption can run blocks in parallel.
fn raw_aes_cbc(t: Duration) -> (Duration, Duration) {
    use aes::cipher::generic_array::GenericArray;
    use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
    let key = aes::Aes128::new_from_slice(&[0x6b; 16]).expect("key");
    let mut buf = vec![0x61u8; RECORD];
    let enc = cpu_per_call(t, 3, || {
        let mut prev = [0u8; 16];
        for chunk in buf.chunks_exact_mut(16) {
            for (c, p) in chunk.iter_mut().zip(prev) {
                *c ^= p;
            }
            key.encrypt_block(GenericArray::from_mut_slice(chunk));
            prev.copy_from_slice(chunk);
        }
    });
    let dec = cpu_per_call(t, 3, || {
        // 8 blocks at a time, the width the AES-NI backend pipelines;
        // P(i) = D(C(i)) xor C(i-1), written back to front so that C(i-1)
        // is still in place.
        let mut prev = [0u8; 16];
        for group in buf.chunks_exact_mut(128) {
            let mut blocks = [aes::Block::default(); 8];
            for (b, c) in blocks.iter_mut().zip(group.chunks_exact(16)) {
                b.copy_from_slice(c);
            }
            let next_prev: [u8; 16] = group[112..].try_into().unwrap_or_default();
            key.decrypt_blocks(&mut blocks);
            for i in (0..8).rev() {
                let c_prev: [u8; 16] = if i == 0 {
                    prev
                } else {
                    group[(i - 1) * 16..i * 16].try_into().unwrap_or_default()
                };
                for (k, o) in group[i * 16..(i + 1) * 16].iter_mut().enumerate() {
                    *o = blocks[i][k] ^ c_prev[k];
                }
            }
            prev = next_prev;
        }
    });
    (enc, dec)
}
fn section_bulk(r: &mut Report, ossl: &LocalServer) {
    r.section(
        "Bulk: 16 KiB records, MB/s (CPU time of the bench thread)",
        "tlslab = `RecordLayerState::seal` / `open` (open includes copying the record into the \
         receive buffer, as the deframer does; CBC IVs from the OS generator). rustls = an \
         in-memory client/server pair, 16 KiB `write_all` + `write_tls` / `read_tls` + \
         `process_new_packets` + `reader().read`. Limit = the primitive alone over 16 KiB (ring \
         AEAD; for CBC, `aes` AES-128-CBC + ring HMAC, summed).",
        &[
            "cipher",
            "direction",
            "tlslab",
            "rustls",
            "limit",
            "tlslab/rustls",
            "tlslab/limit",
            "HMAC alone",
            "tlslab/HMAC",
        ],
    );
    let t = budget(0.9);
    let na = || "n/a".to_string();
    let mb = |d: Duration| mbps(RECORD, d);
    for (suite, alg) in [
        ("ECDHE-RSA-AES128-GCM-SHA256", &ring::aead::AES_128_GCM),
        ("ECDHE-RSA-CHACHA20-POLY1305", &ring::aead::CHACHA20_POLY1305),
    ] {
        let (ts, to) = tlslab_record_costs(suite, RECORD, None, t);
        let (rs, ro) = rustls_bulk(rustls_suite(suite).expect("suite"), ossl, t);
        let (ls, lo) = raw_aead(alg, t);
        let cipher = if alg == &ring::aead::AES_128_GCM {
            "AES-128-GCM"
        } else {
            "ChaCha20-Poly1305"
        };
        for (dir, tl, rl, lim) in [("encrypt", ts, rs, ls), ("decrypt", to, ro, lo)] {
            r.row(&[
                cipher.into(),
                dir.into(),
                format!("{:.0}", mb(tl)),
                format!("{:.0}", mb(rl)),
                format!("{:.0}", mb(lim)),
                ratio(mb(tl), mb(rl)),
                ratio(mb(tl), mb(lim)),
                "-".into(),
                "-".into(),
            ]);
            if cipher == "AES-128-GCM" {
                let q = mb(tl) / mb(rl);
                r.target(format!("GCM bulk {dir}: tlslab/rustls = {q:.2} ≥ 0.9"), q >= 0.9);
            }
        }
    }
    let (aes_enc, aes_dec) = raw_aes_cbc(t);
    for (suite, alg, cipher) in [
        (
            "ECDHE-RSA-AES128-SHA",
            ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            "AES-128-CBC-SHA1",
        ),
        (
            "ECDHE-RSA-AES128-SHA256",
            ring::hmac::HMAC_SHA256,
            "AES-128-CBC-SHA256",
        ),
    ] {
        let (ts, to) = tlslab_record_costs(suite, RECORD, None, t);
        let h = raw_hmac(alg, t);
        for (dir, tl, aes) in [("encrypt", ts, aes_enc), ("decrypt", to, aes_dec)] {
            r.row(&[
                cipher.into(),
                dir.into(),
                format!("{:.0}", mb(tl)),
                na(),
                format!("{:.0}", mb(aes + h)),
                na(),
                ratio(mb(tl), mb(aes + h)),
                format!("{:.0}", mb(h)),
                ratio(mb(tl), mb(h)),
            ]);
            if cipher == "AES-128-CBC-SHA1" {
                let q = mb(tl) / mb(h);
                r.target(
                    format!("CBC-SHA1 bulk {dir}: tlslab/HMAC-SHA1 alone = {q:.2} ≥ 0.75"),
                    q >= 0.75,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The glass box.
// ---------------------------------------------------------------------------

fn transcripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/transcripts")
}

/// Replays a recorded connection (handshake, one exchange, close) into a
/// fresh client: the whole client, offline, no server noise.
fn replay_once(bundle: &Bundle, observer: Option<&mut dyn Observer>, explain_failures: bool) {
    let mut config = bundle
        .settings
        .config(bundle.ca_pem.as_deref())
        .expect("bundle config");
    config.explain_failures = explain_failures;
    match observer {
        Some(o) => drive(bundle, Client::with_observer(config, o)),
        None => drive(bundle, Client::new(config)),
    }
}

fn drive(bundle: &Bundle, mut client: Client<'_>) {
    let mut out = Vec::with_capacity(4096);
    for step in &bundle.steps {
        out.clear();
        let r = match &step.action {
            Action::Start => client.start(&mut out),
            Action::Receive(bytes) => client.receive(bytes, &mut out),
            Action::Send(data) => client.send(data, &mut out),
            Action::Close => client.close(&mut out),
        };
        r.expect("replay step");
    }
    std::hint::black_box(client.take_received());
}

fn replay_cost(bundle: &Bundle, kind: &str, t: Duration, rounds: u32) -> Duration {
    match kind {
        "none" => cpu_per_call(t, rounds, || replay_once(bundle, None, true)),
        "recorder" => cpu_per_call(t, rounds, || {
            let mut rec = Recorder::new();
            replay_once(bundle, Some(&mut rec), true);
        }),
        "jsonlog" => cpu_per_call(t, rounds, || {
            let mut log = JsonLog::new(std::io::sink());
            replay_once(bundle, Some(&mut log), true);
        }),
        "none-noexplain" => cpu_per_call(t, rounds, || replay_once(bundle, None, false)),
        _ => unreachable!(),
    }
}

/// An observer that drops every event but still lets the record layer know
/// someone listens; the "per record" rows clear the Recorder so it does not
/// grow without bound.
struct ClearingRecorder(Recorder);

impl Observer for ClearingRecorder {
    fn on_event(&mut self, event: &tlslab::observer::Event<'_>) {
        if self.0.events.len() > 64 {
            self.0.events.clear();
        }
        self.0.on_event(event);
    }
}

const BUNDLES: &[&str] = &[
    "openssl-ecdhe-rsa-aes128-gcm-sha256",
    "openssl-ecdhe-rsa-aes128-sha",
];

fn section_glass_box(r: &mut Report) {
    r.section(
        "The glass box: cost of observing",
        "Per connection: a recorded bundle (`vectors/transcripts/`) replayed offline into a \
         fresh client (handshake incl. certificate check, one echo, close). JsonLog writes to \
         `io::sink()`.",
        &[
            "workload",
            "no observer",
            "Recorder",
            "JsonLog",
            "Recorder/none",
            "JsonLog/none",
        ],
    );
    let t = budget(1.2);
    for name in BUNDLES {
        let bundle = Bundle::read(&transcripts().join(name)).expect("bundle");
        let none = replay_cost(&bundle, "none", t, 3);
        let rec = replay_cost(&bundle, "recorder", t, 3);
        let json = replay_cost(&bundle, "jsonlog", t, 3);
        r.row(&[
            format!("replayed connection `{name}`"),
            us(none),
            us(rec),
            us(json),
            ratio(rec.as_secs_f64(), none.as_secs_f64()),
            ratio(json.as_secs_f64(), none.as_secs_f64()),
        ]);
        let q = rec.as_secs_f64() / none.as_secs_f64();
        r.target(
            format!("Recorder per handshake ({name}): {q:.2} × no observer ≤ 2"),
            q <= 2.0,
        );
    }
    let t = budget(0.5);
    r.section(
        "The glass box per record: text outputs",
        "`seal` / `open` of one record with each observer writing to `io::sink()`: the ratio to \
         the same call with no observer. TextLog = `TextLog::new` (one line per event, every \
         value in full); ladder = `LadderLog::readable`, what `tlslab connect` prints by default.",
        &[
            "workload",
            "no observer",
            "Recorder",
            "JsonLog",
            "TextLog",
            "ladder (default)",
            "Recorder/none",
            "JsonLog/none",
            "TextLog/none",
            "ladder/none",
        ],
    );
    for suite in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"] {
        for size in [256, RECORD] {
            let (ns, no) = tlslab_record_costs(suite, size, None, t);
            let mut rec = ClearingRecorder(Recorder::new());
            let (rs, ro) = tlslab_record_costs(suite, size, Some(&mut rec), t);
            let mut json = JsonLog::new(std::io::sink());
            let (js, jo) = tlslab_record_costs(suite, size, Some(&mut json), t);
            let mut text = TextLog::new(std::io::sink());
            let (ts, to) = tlslab_record_costs(suite, size, Some(&mut text), t);
            let mut ladder = LadderLog::readable(std::io::sink(), false);
            let (ls, lo) = tlslab_record_costs(suite, size, Some(&mut ladder), t);
            for (dir, n, rc, j, tx, l) in [("seal", ns, rs, js, ts, ls), ("open", no, ro, jo, to, lo)] {
                let q = |d: Duration| d.as_secs_f64() / n.as_secs_f64();
                r.row(&[
                    format!("{dir} {size} B, {suite}"),
                    us(n),
                    us(rc),
                    us(j),
                    us(tx),
                    us(l),
                    format!("{:.2}", q(rc)),
                    format!("{:.2}", q(j)),
                    format!("{:.2}", q(tx)),
                    format!("{:.2}", q(l)),
                ]);
                if size == RECORD {
                    for (what, d, limit) in [
                        ("Recorder", rc, 1.5),
                        ("JsonLog", j, 3.0),
                        ("TextLog", tx, 3.0),
                        ("ladder (default text)", l, 3.0),
                    ] {
                        r.target(
                            format!(
                                "{what} on a 16 KiB {dir} ({suite}): {:.2} × no observer ≤ {limit}",
                                q(d)
                            ),
                            q(d) <= limit,
                        );
                    }
                }
            }
        }
    }
}

/// The client's receive path with `explain_failures` on and off: a
/// handshake against an in-memory rustls server, then 16 KiB records.
fn section_explain_failures(r: &mut Report, ossl: &LocalServer) {
    r.section(
        "`ClientConfig::explain_failures`: the client's receive path",
        "`Client::receive` + `take_received` of 16 KiB AES-128-GCM records from an in-memory \
         rustls server (copying each record for the explainer when on). Per replayed \
         connection: no observer, `explain_failures` on vs off.",
        &["workload", "on", "off", "on/off"],
    );
    let t = budget(0.9);
    let suite = rustls_suite(SUITES[0]).expect("suite");
    let verifier = CertVerifier::from_ca_file(&ossl.ca_pem_path()).expect("CA");
    let per = |explain: bool| -> Duration {
        let mut cfg = tlslab_config(SUITES[0], &verifier);
        cfg.explain_failures = explain;
        let mut client = Client::new(cfg);
        let mut server = rustls::ServerConnection::new(rustls_server(suite, ossl)).expect("server");
        let mut to_server = Vec::new();
        client.start(&mut to_server).expect("start");
        while !client.is_established() {
            let mut rd = &to_server[..];
            while !rd.is_empty() {
                server.read_tls(&mut rd).expect("read_tls");
            }
            to_server.clear();
            server.process_new_packets().expect("server");
            let mut to_client = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut to_client).expect("write_tls");
            }
            client.receive(&to_client, &mut to_server).expect("client");
        }
        let data = vec![0x61u8; RECORD];
        let mut wire = Vec::new();
        let mut out = Vec::new();
        let batch = 16u32;
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let deadline = Instant::now() + t / 3;
            let (mut cpu, mut n) = (Duration::ZERO, 0u32);
            while Instant::now() < deadline || n == 0 {
                wire.clear();
                for _ in 0..batch {
                    server.writer().write_all(&data).expect("write");
                    while server.wants_write() {
                        server.write_tls(&mut wire).expect("write_tls");
                    }
                }
                let start = thread_cpu();
                client.receive(&wire, &mut out).expect("receive");
                std::hint::black_box(client.take_received());
                cpu += thread_cpu() - start;
                n += batch;
            }
            best = best.min(cpu / n);
        }
        best
    };
    let (on, off) = (per(true), per(false));
    r.row(&[
        "receive 16 KiB GCM record (MB/s)".into(),
        format!("{:.0}", mbps(RECORD, on)),
        format!("{:.0}", mbps(RECORD, off)),
        ratio(mbps(RECORD, on), mbps(RECORD, off)),
    ]);
    let bundle = Bundle::read(&transcripts().join(BUNDLES[0])).expect("bundle");
    let t = budget(1.0);
    let on = replay_cost(&bundle, "none", t, 3);
    let off = replay_cost(&bundle, "none-noexplain", t, 3);
    r.row(&[
        format!("replayed connection `{}`", BUNDLES[0]),
        us(on),
        us(off),
        ratio(on.as_secs_f64(), off.as_secs_f64()),
    ]);
}

// ---------------------------------------------------------------------------
// Hooks compiled out.
// ---------------------------------------------------------------------------

/// The workloads compared between this build and the `no-hooks` build, as
/// `name nanoseconds` lines.
fn hooks_workloads() -> Vec<(String, f64)> {
    let t = budget(1.5);
    let mut v = Vec::new();
    for name in BUNDLES {
        let bundle = Bundle::read(&transcripts().join(name)).expect("bundle");
        v.push((
            format!("replayed connection `{name}`"),
            replay_cost(&bundle, "none", t, 5).as_nanos() as f64,
        ));
    }
    let t = budget(0.6);
    for suite in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"] {
        for size in [256, RECORD] {
            let (s, o) = tlslab_record_costs(suite, size, None, t);
            v.push((format!("seal {size} B, {suite}"), s.as_nanos() as f64));
            v.push((format!("open {size} B, {suite}"), o.as_nanos() as f64));
        }
    }
    v
}

/// The `no-hooks` build's executable and its timings.
type NoHooksRun = (Option<PathBuf>, Vec<(String, f64)>);

fn run_no_hooks_build() -> Result<NoHooksRun, String> {
    let out_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-no-hooks.txt");
    let _ = std::fs::remove_file(&out_file);
    // A target directory of its own: the running `cargo bench` holds the
    // lock on the main one.
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/no-hooks");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["bench", "--features", "no-hooks", "--bench", "tlslab"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &target)
        .env("TLSLAB_BENCH_HOOKS_OUT", &out_file)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cargo bench --features no-hooks: {e}"))?;
    if !status.success() {
        return Err(format!("cargo bench --features no-hooks: {status}"));
    }
    let text = std::fs::read_to_string(&out_file).map_err(|e| e.to_string())?;
    let exe = text
        .lines()
        .find_map(|l| l.strip_prefix("exe "))
        .map(PathBuf::from);
    Ok((
        exe,
        text.lines()
            .filter_map(|l| {
                let (ns, name) = l.split_once(' ')?;
                Some((name.to_string(), ns.parse().ok()?))
            })
            .collect(),
    ))
}

/// Runs one workload `n` times: `replay BUNDLE N` or `records SUITE SIZE N`
/// (seal N records, then open them).
fn count_workload(spec: &str) {
    let parts: Vec<&str> = spec.split_whitespace().collect();
    match parts.as_slice() {
        ["replay", name, n] => {
            let bundle = Bundle::read(&transcripts().join(name)).expect("bundle");
            for _ in 0..n.parse::<u32>().expect("n") {
                replay_once(&bundle, None, true);
            }
        }
        ["records", suite, size, n] => {
            let (mut w, mut rd) = record_states(suite);
            let fragment = vec![0x61u8; size.parse().expect("size")];
            let mut rng = OsRng::new();
            let (mut rec, mut payload) = (Vec::new(), Vec::new());
            for _ in 0..n.parse::<u32>().expect("n") {
                rec.clear();
                w.seal(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLS12,
                    &fragment,
                    &mut rec,
                    &mut rng,
                    &mut Hooks::none(),
                )
                .expect("seal");
                let header = RecordHeader {
                    content_type: ContentType::APPLICATION_DATA,
                    version: ProtocolVersion::TLS12,
                    length: (rec.len() - RecordHeader::LEN) as u16,
                };
                payload.clear();
                payload.extend_from_slice(&rec[RecordHeader::LEN..]);
                rd.open(&header, &mut payload, &mut Hooks::none()).expect("open");
            }
        }
        _ => panic!("TLSLAB_BENCH_COUNT: unknown workload '{spec}'"),
    }
}

/// Instructions per iteration of a workload in the binary `exe`, counted by
/// `valgrind --tool=callgrind` (deterministic, unlike time on a shared
/// machine): the count for 11 iterations minus the count for 1, over 10.
fn instructions(exe: &Path, workload: &str) -> Option<f64> {
    let count = |n: u32| -> Option<f64> {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(exe)
            .arg("--bench")
            .env("TLSLAB_BENCH_COUNT", format!("{workload} {n}"))
            .stdout(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stderr);
        // "==123== Collected : 4567890"
        let line = text.lines().find(|l| l.contains("Collected :"))?;
        line.rsplit(':').next()?.trim().parse().ok()
    };
    Some((count(11)? - count(1)?) / 10.0)
}

fn section_no_hooks(r: &mut Report) {
    r.section(
        "No observer vs hooks compiled out (`--features no-hooks`)",
        "The same workloads in this build (no observer attached) and in a second build where \
         `Hooks::emit` and `Hooks::active` compile to nothing (`cargo bench --features no-hooks`, \
         run by this bench in `target/no-hooks`). CPU per call, best of 5 (connection) or 3 \
         rounds, this build measured before and after the other and the lower kept.",
        &["workload", "no observer", "hooks compiled out", "overhead"],
    );
    if std::env::var_os("TLSLAB_BENCH_SKIP_NO_HOOKS").is_some() {
        r.row(&[
            "skipped (TLSLAB_BENCH_SKIP_NO_HOOKS)".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
        return;
    }
    let first = hooks_workloads();
    let (other_exe, other) = match run_no_hooks_build() {
        Ok(v) => v,
        Err(e) => {
            r.row(&[
                format!("no-hooks build failed: {e}"),
                "-".into(),
                "-".into(),
                "-".into(),
            ]);
            r.target("no-observer overhead measured".into(), false);
            return;
        }
    };
    let second = hooks_workloads();
    let mut worst_conn = f64::MIN;
    for ((name, a), (_, b)) in first.iter().zip(&second) {
        let ours = a.min(*b);
        let Some((_, theirs)) = other.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let over = ours / theirs - 1.0;
        if name.starts_with("replayed") {
            worst_conn = worst_conn.max(over);
        }
        r.row(&[
            name.clone(),
            us(Duration::from_nanos(ours as u64)),
            us(Duration::from_nanos(*theirs as u64)),
            format!("{:+.1} %", over * 100.0),
        ]);
    }
    // Time on a shared two-core VM moves by more than 3 % between runs;
    // instruction counts do not.
    let this_exe = std::env::current_exe().ok();
    let (Some(ours_exe), Some(theirs_exe)) = (this_exe, other_exe) else {
        r.row(&[
            "instruction counts: no executable path".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
        return;
    };
    let mut worst_ir: Option<f64> = None;
    for (label, workload) in [
        (
            format!("instructions, replayed connection `{}`", BUNDLES[0]),
            format!("replay {}", BUNDLES[0]),
        ),
        (
            format!("instructions, replayed connection `{}`", BUNDLES[1]),
            format!("replay {}", BUNDLES[1]),
        ),
        (
            "instructions, seal+open 256 B, ECDHE-RSA-AES128-GCM-SHA256".into(),
            "records ECDHE-RSA-AES128-GCM-SHA256 256".into(),
        ),
        (
            "instructions, seal+open 256 B, ECDHE-RSA-AES128-SHA".into(),
            "records ECDHE-RSA-AES128-SHA 256".into(),
        ),
    ] {
        match (
            instructions(&ours_exe, &workload),
            instructions(&theirs_exe, &workload),
        ) {
            (Some(a), Some(b)) => {
                let over = a / b - 1.0;
                if label.contains("replayed") {
                    worst_ir = Some(worst_ir.unwrap_or(f64::MIN).max(over));
                }
                r.row(&[
                    label,
                    format!("{a:.0}"),
                    format!("{b:.0}"),
                    format!("{:+.2} %", over * 100.0),
                ]);
            }
            _ => r.row(&[
                format!("{label}: valgrind unavailable"),
                "-".into(),
                "-".into(),
                "-".into(),
            ]),
        }
    }
    match worst_ir {
        Some(w) => r.target(
            format!(
                "no-observer overhead per connection vs hooks compiled out: {:+.2} % instructions ≤ 3 % (time: {:+.1} %, within noise)",
                w * 100.0,
                worst_conn * 100.0
            ),
            w <= 0.03,
        ),
        None => r.target(
            format!("no-observer overhead per connection vs hooks compiled out: {:+.1} % time ≤ 3 % (no valgrind)", worst_conn * 100.0),
            worst_conn <= 0.03,
        ),
    }
}

// ---------------------------------------------------------------------------
// `tlslab explain` vs tshark.
// ---------------------------------------------------------------------------

fn section_explain(r: &mut Report, dir: &Path) {
    r.section(
        "`tlslab explain` on a large capture vs `tshark` decrypting it",
        "A capture written by `tlslab connect --pcap --keylog` while downloading a file from \
         `openssl s_server -WWW` (ECDHE-RSA-AES128-GCM-SHA256): one connection. `tlslab explain \
         CAPTURE --keylog FILE` (the summary, to /dev/null), the same with `--trace bytes` (to a \
         file), and `tshark -r CAPTURE -o tls.keylog_file:FILE -q -z follow,tls,raw,0` (to \
         /dev/null): wall time and peak resident memory (`/usr/bin/time -f %M`), the median of \
         three alternating runs.",
        &[
            "capture",
            "tlslab explain",
            "tlslab --trace bytes",
            "tshark",
            "tlslab MB/s",
            "tshark MB/s",
            "summary/tshark time",
            "trace/tshark time",
        ],
    );
    let mb: usize = std::env::var("TLSLAB_BENCH_CAPTURE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick() { 5 } else { 100 });
    let server = LocalServer::start(&ServerOptions {
        cipher: Some(SUITES[0].into()),
        extra_args: vec!["-WWW".into(), "-quiet".into()],
        ..ServerOptions::default()
    })
    .expect("openssl s_server -WWW");
    // s_server -WWW serves files from its working directory (and refuses `..`).
    let big = server.dir.join("big.bin");
    let chunk: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let mut f = std::fs::File::create(&big).expect("big.bin");
    for _ in 0..mb {
        f.write_all(&chunk).expect("big.bin");
    }
    drop(f);
    let rel = "big.bin";
    let pcap = dir.join("big.pcap");
    let keylog = dir.join("big.keys");
    let exe = env!("CARGO_BIN_EXE_tlslab");
    let status = Command::new(exe)
        .arg("connect")
        .arg(server.addr().to_string())
        .args(["--cipher", SUITES[0], "--ca"])
        .arg(server.ca_pem_path())
        .args(["--servername", "localhost", "--timeout", "60", "--pcap"])
        .arg(&pcap)
        .arg("--keylog")
        .arg(&keylog)
        .args(["--send", &format!("GET /{rel} HTTP/1.0\r\n\r\n")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("tlslab connect");
    let size = std::fs::metadata(&pcap).map(|m| m.len() as usize).unwrap_or(0);
    if !status.success() || size < mb << 19 {
        r.row(&[
            format!("capture failed ({status}, {size} bytes)"),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
        return;
    }
    // Wall time and peak resident memory (GNU time's %M, in KiB) of one run,
    // its standard output to `out`.
    let rss_file = dir.join("big.rss");
    let run = |args: &[&std::ffi::OsStr], out: &Path| -> Option<(Duration, u64)> {
        let sink = std::fs::File::create(out).ok()?;
        let start = Instant::now();
        let ok = Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&rss_file)
            .args(args)
            .stdout(sink)
            .stderr(Stdio::null())
            .status()
            .ok()?
            .success();
        let took = start.elapsed();
        let kib = std::fs::read_to_string(&rss_file).ok()?.trim().parse().ok()?;
        ok.then_some((took, kib))
    };
    let keys = format!("tls.keylog_file:{}", keylog.display());
    let trace_out = dir.join("big.trace");
    let (exe, pcap_os, keylog_os) = (std::ffi::OsStr::new(exe), pcap.as_os_str(), keylog.as_os_str());
    let summary_args = [exe, "explain".as_ref(), pcap_os, "--keylog".as_ref(), keylog_os];
    let trace_args = [
        exe,
        "explain".as_ref(),
        pcap_os,
        "--keylog".as_ref(),
        keylog_os,
        "--trace".as_ref(),
        "bytes".as_ref(),
    ];
    let tshark_args = [
        "tshark".as_ref(),
        "-r".as_ref(),
        pcap_os,
        "-o".as_ref(),
        keys.as_ref(),
        "-q".as_ref(),
        "-z".as_ref(),
        "follow,tls,raw,0".as_ref(),
    ];
    // Alternating runs; the median of each.
    let rounds = if quick() { 1 } else { 3 };
    let (mut ours, mut traced, mut theirs) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        ours.extend(run(&summary_args, Path::new("/dev/null")));
        traced.extend(run(&trace_args, &trace_out));
        theirs.extend(run(&tshark_args, Path::new("/dev/null")));
    }
    let _ = std::fs::remove_file(&trace_out);
    let median = |v: &mut Vec<(Duration, u64)>| {
        v.sort();
        (v.len() == rounds).then(|| v[rounds / 2])
    };
    let (ours, traced, theirs) = (median(&mut ours), median(&mut traced), median(&mut theirs));
    let show = |d: Option<(Duration, u64)>| {
        d.map_or("failed".to_string(), |(d, kib)| {
            format!("{:.2} s, {} MB", d.as_secs_f64(), kib / 1024)
        })
    };
    let rate =
        |d: Option<(Duration, u64)>| d.map_or("-".to_string(), |(d, _)| format!("{:.0}", mbps(size, d)));
    let times = |a: Option<(Duration, u64)>| match (a, theirs) {
        (Some((a, _)), Some((b, _))) => Some(a.as_secs_f64() / b.as_secs_f64()),
        _ => None,
    };
    let show_ratio = |q: Option<f64>| q.map_or("-".to_string(), |q| format!("{q:.2}"));
    r.row(&[
        format!("{:.0} MB", size as f64 / 1e6),
        show(ours),
        show(traced),
        show(theirs),
        rate(ours),
        rate(theirs),
        show_ratio(times(ours)),
        show_ratio(times(traced)),
    ]);
    if let Some(q) = times(ours) {
        r.target(
            format!("explain (summary) on {mb} MB: tlslab/tshark = {q:.2} ≤ 1.5"),
            q <= 1.5,
        );
    }
    if let Some(q) = times(traced) {
        r.target(
            format!("explain --trace bytes to a file on {mb} MB: tlslab/tshark = {q:.2} ≤ 3"),
            q <= 3.0,
        );
    }
    if let (Some((_, kib)), true) = (ours, size > 0) {
        let q = (kib * 1024) as f64 / size as f64;
        r.target(
            format!("explain peak memory on {mb} MB (one connection): {q:.2} × the capture ≤ 1.5"),
            q <= 1.5,
        );
    }
    let _ = std::fs::remove_file(&big);
    if std::env::var_os("TLSLAB_BENCH_KEEP_CAPTURE").is_none() {
        let _ = std::fs::remove_file(&pcap);
    }
}

// ---------------------------------------------------------------------------
// Memory.
// ---------------------------------------------------------------------------

/// The heap budget per connection this bench checks: peak while connecting
/// through `tlslab_cli::net` and echoing one 16 KiB record. Today's figure is
/// ~152 KiB: 32 KiB socket read buffer (`net.rs`), an 18 KiB receive payload
/// preallocated at `MAX_CIPHERTEXT` (`client.rs`), the explainer's 18 KiB copy
/// of the last record, the deframer's buffer, the handshake messages.
const HEAP_BUDGET: isize = 160 * 1024;

fn section_memory(r: &mut Report, ossl: &LocalServer) {
    r.section(
        "Heap per connection (client thread only)",
        "Peak = the most heap live at once on the client thread while connecting (full \
         handshake, ECDHE-RSA-AES128-GCM-SHA256, x25519) and echoing one 16 KiB record through \
         the in-process rustls server; retained = still live once the handshake is done \
         (connection state). tlslab without an observer.",
        &["client", "peak", "retained after handshake"],
    );
    let suite = rustls_suite(SUITES[0]).expect("suite");
    let addr = spawn_rustls_server(rustls_server(suite, ossl)).to_string();
    let verifier = CertVerifier::from_ca_file(&ossl.ca_pem_path()).expect("CA");
    let data = vec![0x61u8; RECORD];
    let kib = |b: isize| format!("{:.1} KiB", b as f64 / 1024.0);
    let mut tlslab_retained = 0;
    for explain in [true, false] {
        let mut cfg = tlslab_config(SUITES[0], &verifier);
        cfg.explain_failures = explain;
        let base = heap_mark();
        let (peak, retained) = {
            let mut s = net::connect(&addr, Client::new(cfg), timeouts()).expect("connect");
            let retained = heap_live() - base;
            s.write_all(&data).expect("write");
            let mut got = 0;
            while got < RECORD {
                got += s.read().expect("read").len();
            }
            let _ = s.close();
            (heap_peak() - base, retained)
        };
        r.row(&[
            format!("tlslab (explain_failures {})", if explain { "on" } else { "off" }),
            kib(peak),
            kib(retained),
        ]);
        if explain {
            tlslab_retained = retained;
            r.target(
                format!(
                    "tlslab peak heap per connection {} ≤ budget {}",
                    kib(peak),
                    kib(HEAP_BUDGET)
                ),
                peak <= HEAP_BUDGET,
            );
        }
    }
    // The sans-IO client alone (no socket helper and its 32 KiB read
    // buffer): a recorded connection replayed offline.
    let bundle = Bundle::read(&transcripts().join(BUNDLES[0])).expect("bundle");
    let base = heap_mark();
    replay_once(&bundle, None, true);
    let sans_io_peak = heap_peak() - base;
    r.row(&[
        "tlslab `Client` alone, replayed connection (explain_failures on)".into(),
        kib(sans_io_peak),
        "-".into(),
    ]);
    r.target(
        format!(
            "sans-IO client peak heap, handshake + one 16 KiB echo: {} ≤ 64 KiB",
            kib(sans_io_peak)
        ),
        sans_io_peak <= 64 * 1024,
    );
    let cfg = rustls_client(suite, &ossl.ca_der());
    let base = heap_mark();
    let (peak, retained) = {
        let mut sock = TcpStream::connect(&addr).expect("connect");
        let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let mut conn = rustls::ClientConnection::new(cfg.clone(), name).expect("client");
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).expect("handshake");
        }
        let retained = heap_live() - base;
        let mut tls = rustls::Stream::new(&mut conn, &mut sock);
        tls.write_all(&data).expect("write");
        let mut buf = vec![0u8; RECORD];
        let mut got = 0;
        while got < RECORD {
            got += tls.read(&mut buf).expect("read");
        }
        drop(buf);
        conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
        (heap_peak() - base, retained)
    };
    r.row(&["rustls".into(), kib(peak), kib(retained)]);
    let q = tlslab_retained as f64 / retained as f64;
    r.target(
        format!(
            "heap kept after the handshake: tlslab {} = {q:.2} × rustls's {} ≤ 2",
            kib(tlslab_retained),
            kib(retained)
        ),
        q <= 2.0,
    );
}

// ---------------------------------------------------------------------------

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let openssl = Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {nproc} CPUs (`nproc`), {date}; {openssl}; rustls 0.23 (ring provider)")
}

fn main() {
    // Under `cargo test --all-targets` a bench target is only built; if it
    // is ever run as a test (`--bench` flag absent), do nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Under valgrind: one workload, `n` times (see `instructions`).
    if let Ok(spec) = std::env::var("TLSLAB_BENCH_COUNT") {
        count_workload(&spec);
        return;
    }
    // The second build: only the workloads the hooks comparison needs.
    if let Some(out) = std::env::var_os("TLSLAB_BENCH_HOOKS_OUT") {
        let mut lines: String = hooks_workloads()
            .iter()
            .map(|(n, ns)| format!("{ns:.0} {n}\n"))
            .collect();
        if let Ok(exe) = std::env::current_exe() {
            lines.push_str(&format!("exe {}\n", exe.display()));
        }
        std::fs::write(out, lines).expect("writing the no-hooks results");
        return;
    }
    if cfg!(feature = "no-hooks") {
        eprintln!("this build has the hooks compiled out; run `cargo bench` without --features no-hooks");
        return;
    }
    let started = Instant::now();
    let mut r = Report::default();
    let only = std::env::var("TLSLAB_BENCH_ONLY").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only.split(',').any(|o| o == name);
    // The local OpenSSL server, started only for the sections that talk to it.
    let ossl_holder = ["handshakes", "bulk", "glass-box", "memory"]
        .iter()
        .any(|s| run(s))
        .then(|| {
            LocalServer::start(&ServerOptions {
                cipher: Some(SUITES.join(":")),
                extra_args: vec!["-quiet".into()],
                ..ServerOptions::default()
            })
            .expect("openssl s_server")
        });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-work");
    let _ = std::fs::create_dir_all(&dir);

    let header = format!("Machine: {}\n", machine());
    println!("{header}");
    let mut timing_ok = true;
    if let Some(ossl) = &ossl_holder {
        run_server_sections(&mut r, ossl, &run);
    }
    if run("cbc") {
        section_cbc(&mut r);
    }
    if run("timing") {
        timing_ok = section_timing(&mut r);
    }
    if run("no-hooks") {
        section_no_hooks(&mut r);
    }
    if run("explain") {
        section_explain(&mut r, &dir);
    }
    if run("html") {
        section_html(&mut r, &dir);
    }
    finish_report(&r, &header, started);
    // TLSLAB_TIMING_GATE=1 (CI): the timing check decides the exit status.
    if std::env::var_os("TLSLAB_TIMING_GATE").is_some() && !timing_ok {
        eprintln!("timing check failed: see the Timing table");
        std::process::exit(1);
    }
}

fn run_server_sections(r: &mut Report, ossl: &LocalServer, run: &dyn Fn(&str) -> bool) {
    if run("handshakes") {
        section_handshakes(r, ossl);
    }
    if run("bulk") {
        section_bulk(r, ossl);
    }
    if run("glass-box") {
        section_glass_box(r);
        section_explain_failures(r, ossl);
    }
    if run("memory") {
        section_memory(r, ossl);
    }
}

fn finish_report(r: &Report, header: &str, started: Instant) {
    let mut targets = String::from("\n### Targets\n\n");
    for (what, holds) in &r.verdicts {
        let _ = writeln!(
            targets,
            "- {} {what}",
            if *holds { "✅ holds:" } else { "❌ misses:" }
        );
    }
    print!("{targets}");
    let report = format!(
        "## Benchmark run\n\n{header}\nRun time {:.0} s{}.\n{}{targets}",
        started.elapsed().as_secs_f64(),
        if quick() {
            " (TLSLAB_BENCH_QUICK: numbers not meaningful)"
        } else {
            ""
        },
        r.md
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-report.md");
    std::fs::write(&path, report).expect("writing target/bench-report.md");
    println!("\nwritten to {}", path.display());
}

// ---------------------------------------------------------------------------
// CBC: the record layer against OpenSSL's stitched AES-CBC-HMAC-SHA1.
// ---------------------------------------------------------------------------

/// `openssl speed -evp ALG -bytes 16384`, in MB/s (its `-mr` line `+F:…:bytes/s`).
fn openssl_speed(alg: &str) -> Option<f64> {
    let secs = if quick() { "1" } else { "2" };
    let out = Command::new("openssl")
        .args(["speed", "-mr", "-seconds", secs, "-evp", alg, "-bytes", "16384"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("+F:"))?;
    let bytes_per_s: f64 = line.rsplit(':').next()?.trim().parse().ok()?;
    Some(bytes_per_s / 1e6)
}

/// Our HMAC (`record::hmac::MacKey`, SHA-NI compression) over 13 + 16 KiB.
fn our_hmac(alg: suites::MacAlgorithm, t: Duration) -> Duration {
    let key = MacKey::new(alg, &vec![0x4d; alg.len()]).expect("HMAC");
    let data = vec![0x61u8; RECORD];
    cpu_per_call(t, 3, || {
        std::hint::black_box(key.sign(&[&[0u8; 13], &data]));
    })
}

fn section_cbc(r: &mut Report) {
    r.section(
        "CBC: 16 KiB records, MB/s (CPU time of the bench thread)",
        "tlslab = `RecordLayerState::seal` / `open` (MAC-then-encrypt, the constant-time \
         verifier). OpenSSL = `openssl speed -evp aes-128-cbc-hmac-sha1 -bytes 16384` (the \
         stitched AES-NI + SHA cipher, encryption) and `-evp sha1` / `sha256` / `aes-128-cbc`, \
         run by this bench. HMAC = the record MAC over 16 KiB alone: tlslab's (`sha1`/`sha2` \
         compression functions, SHA-NI when the CPU has it) and ring's.",
        &["what", "MB/s", "reference", "MB/s", "ratio"],
    );
    let t = budget(0.9);
    let mb = |d: Duration| mbps(RECORD, d);
    let f = |x: f64| format!("{x:.0}");
    let (aes_enc, aes_dec) = raw_aes_cbc(t);
    let stitched = openssl_speed("aes-128-cbc-hmac-sha1");
    let ossl_sha1 = openssl_speed("sha1");
    let ossl_sha256 = openssl_speed("sha256");
    let ossl_aes = openssl_speed("aes-128-cbc");
    let (s1, o1) = tlslab_record_costs("ECDHE-RSA-AES128-SHA", RECORD, None, t);
    let (s256, o256) = tlslab_record_costs("ECDHE-RSA-AES128-SHA256", RECORD, None, t);
    // TLS 1.0's implicit IV chain and TLS 1.1's explicit IV, same suite,
    // against TLS 1.2 (what the chain costs: the IV is moved in front of the
    // buffer and cut out again, no random IV is drawn).
    for (name, version) in [
        ("TLS 1.0", ProtocolVersion::TLS10),
        ("TLS 1.1", ProtocolVersion::TLS11),
    ] {
        let (s, o) = record_costs_with("ECDHE-RSA-AES128-SHA", version, RECORD, &mut Hooks::none(), t);
        for (dir, d, base) in [("seal", s, s1), ("open", o, o1)] {
            r.row(&[
                format!("AES-128-CBC-SHA1 {dir}, {name}"),
                f(mb(d)),
                format!("AES-128-CBC-SHA1 {dir}, TLS 1.2"),
                f(mb(base)),
                format!("{:.2}", mb(d) / mb(base)),
            ]);
        }
    }
    if let Some(st) = stitched {
        for (dir, d, want) in [("seal", s1, 0.6), ("open", o1, 0.8)] {
            let q = mb(d) / st;
            r.row(&[
                format!("AES-128-CBC-SHA1 {dir}"),
                f(mb(d)),
                "OpenSSL stitched AES-128-CBC-HMAC-SHA1".into(),
                f(st),
                format!("{q:.2}"),
            ]);
            r.target(
                format!("AES-128-CBC-SHA1 {dir}: tlslab/OpenSSL stitched = {q:.2} ≥ {want}"),
                q >= want,
            );
        }
    }
    // AES-128-CBC + SHA-256 alone: the two primitives' times, summed.
    let h256 = our_hmac(suites::MacAlgorithm::HmacSha256, t);
    for (dir, d, aes) in [("seal", s256, aes_enc), ("open", o256, aes_dec)] {
        let limit = aes + h256;
        let q = d.as_secs_f64() / limit.as_secs_f64();
        r.row(&[
            format!("AES-128-CBC-SHA256 {dir}"),
            f(mb(d)),
            "AES-128-CBC (`aes`) + HMAC-SHA256 alone".into(),
            f(mb(limit)),
            format!("{:.2}", 1.0 / q),
        ]);
        r.target(
            format!("AES-128-CBC-SHA256 {dir}: time / (AES-128-CBC + SHA-256 alone) = {q:.2} ≤ 1.3"),
            q <= 1.3,
        );
    }
    for (name, alg, ring_alg, ossl) in [
        (
            "HMAC-SHA1",
            suites::MacAlgorithm::HmacSha1,
            ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            ossl_sha1,
        ),
        (
            "HMAC-SHA256",
            suites::MacAlgorithm::HmacSha256,
            ring::hmac::HMAC_SHA256,
            ossl_sha256,
        ),
    ] {
        let ours = mb(our_hmac(alg, t));
        let ring = mb(raw_hmac(ring_alg, t));
        r.row(&[
            format!("{name} tlslab"),
            f(ours),
            format!("{name} ring"),
            f(ring),
            ratio(ours, ring),
        ]);
        if let Some(o) = ossl {
            r.row(&[
                format!("{name} tlslab"),
                f(ours),
                format!("openssl speed -evp {}", &name[5..].to_lowercase()),
                f(o),
                ratio(ours, o),
            ]);
        }
    }
    if let Some(o) = ossl_aes {
        r.row(&[
            "AES-128-CBC encrypt (`aes`)".into(),
            f(mb(aes_enc)),
            "openssl speed -evp aes-128-cbc".into(),
            f(o),
            ratio(mb(aes_enc), o),
        ]);
    }
    // The PRF's HMAC: short messages (a 32-byte A(i) ‖ 77-byte seed), where
    // the per-call set-up counts, not the throughput.
    let seed = [0x5eu8; 109];
    let ours = MacKey::new(suites::MacAlgorithm::HmacSha256, &[0x4d; 48]).expect("HMAC");
    let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[0x4d; 48]);
    let o = cpu_per_call(t, 3, || {
        std::hint::black_box(ours.sign(&[&seed]));
    });
    let g = cpu_per_call(t, 3, || {
        std::hint::black_box(ring::hmac::sign(&ring_key, &seed));
    });
    r.row(&[
        "PRF-sized HMAC-SHA256 (109 B) tlslab, ns".into(),
        format!("{:.0}", o.as_secs_f64() * 1e9),
        "ring, ns".into(),
        format!("{:.0}", g.as_secs_f64() * 1e9),
        ratio(g.as_secs_f64(), o.as_secs_f64()),
    ]);
}

// ---------------------------------------------------------------------------
// Timing: the dudect-style check of the CBC verifier (benches/dudect/mod.rs).
// ---------------------------------------------------------------------------

fn section_timing(r: &mut Report) -> bool {
    use tlslab::internal::record::verify::{explain, verify_constant_time};
    r.section(
        "Timing: the CBC verifier, dudect-style (Welch's t, |t| < 4.5 passes)",
        "Each row: two classes of decrypted 400-byte fragments of the same length, interleaved \
         at random, each verification timed (time-stamp counter ticks) after a warm-up, cropped at the \
         pooled 90th percentile. *control*: the same input in both classes (the harness's own \
         bias). *padding*: valid 255-byte padding with a wrong MAC vs a bad padding byte \
         (Vaudenay, Canvel et al.). *length*: valid records with 0 vs 255 padding bytes, i.e. a \
         secret plaintext length 255 bytes apart (Lucky13). `explain` is the readable twin, \
         which branches on secrets: it must be caught, or the check cannot fail. A row that \
         reaches 4.5 is measured again with the two inputs' places in memory swapped and is a \
         leak only if it reaches 4.5 again with the same sign.",
        &["verifier", "MAC", "classes", "per class", "|t|", "verdict"],
    );
    let per_class = if quick() { 20_000 } else { 100_000 };
    let (typ, ver) = (ContentType::APPLICATION_DATA, ProtocolVersion::TLS12);
    let mut ok = true;
    for alg in [
        suites::MacAlgorithm::HmacSha1,
        suites::MacAlgorithm::HmacSha256,
        suites::MacAlgorithm::HmacSha384,
    ] {
        let (key, cases) = dudect::cbc_cases(alg);
        for (classes, [a, b]) in &cases {
            let inputs = [a.as_slice(), b.as_slice()];
            let m = dudect::measure(inputs, per_class, &mut |f| {
                verify_constant_time(&key, dudect::SEQ, typ, ver, f).is_ok()
            });
            let pass = !m.leak();
            ok &= pass;
            let shown = match m.again {
                None => format!("{:.2}", m.first.abs()),
                Some(again) => format!("{:.2}, then {:.2} (places swapped)", m.first.abs(), again.abs()),
            };
            r.row(&[
                "verify_constant_time".into(),
                format!("{alg:?}"),
                (*classes).into(),
                per_class.to_string(),
                shown,
                if pass { "no leak detected" } else { "LEAK" }.into(),
            ]);
            r.target(format!("{alg:?} {classes}: {}: no leak", m.describe()), pass);
            // The readable twin on the two leaking classes: the check must see it.
            if *classes == "control" || alg != suites::MacAlgorithm::HmacSha1 {
                continue;
            }
            let leaky = dudect::abs_t(inputs, per_class, &mut |f| {
                explain(&key, dudect::SEQ, typ, ver, f).ok
            });
            let caught = leaky >= dudect::THRESHOLD;
            ok &= caught;
            r.row(&[
                "explain (leaks by design)".into(),
                format!("{alg:?}"),
                (*classes).into(),
                per_class.to_string(),
                format!("{leaky:.2}"),
                if caught {
                    "leak detected (as it must be)"
                } else {
                    "MISSED"
                }
                .into(),
            ]);
            r.target(
                format!("the check catches explain ({classes}): |t| = {leaky:.2} ≥ 4.5"),
                caught,
            );
        }
    }
    ok
}

// ---------------------------------------------------------------------------
// The HTML report: how long Chromium takes to open the page of a long connection.
// ---------------------------------------------------------------------------

/// A connection of about 1,000 records to the in-process rustls echo server
/// (the handshake, then 500 lines sent one record each and echoed one
/// record each), drawn twice: with the default record limit (the first
/// records in full, the rest summarised) and with every record drawn.
/// Each page is opened from `file://` in headless Chromium, with an inline
/// script added (to the measured copy only: the report itself runs no
/// script) that writes the navigation's `loadEventStart` into the DOM;
/// `--dump-dom` reads it back. Wall time = the whole `chromium --dump-dom`
/// run, its own start included.
fn section_html(r: &mut Report, dir: &Path) {
    use tlslab::report::{HtmlOptions, SharedReport};
    use tlslab_peers::{Peer, PeerKind, PeerOptions};
    r.section(
        "HTML report: a 1,000-record connection opened in Chromium",
        "Load = Chromium's `performance` navigation entry, `loadEventStart` (ms from the start of \
         navigation to the load event: parsing, style and layout of the whole page), median of 3 \
         runs of `chromium --headless --dump-dom file://...`; wall = the whole chromium run, \
         its start included.",
        &[
            "page",
            "records",
            "drawn in full",
            "size",
            "load",
            "wall (chromium run)",
        ],
    );
    let chromium = "/usr/bin/chromium";
    if !Path::new(chromium).exists() {
        r.row(&[
            "chromium not installed (apt-get install chromium)".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
        return;
    }
    let peer = Peer::start(PeerKind::Rustls, &PeerOptions::default()).expect("rustls peer");
    let mut config = ClientConfig::new(peer.server_name());
    config.verification =
        Verification::Verify(CertVerifier::from_ca_file(&peer.ca_pem_path()).expect("the peer's CA"));
    let limited = SharedReport::new(HtmlOptions::default().record_limit);
    let all = SharedReport::new(100_000);
    let mut tee = tlslab::observer::Tee::default();
    tee.observers.push(Box::new(limited.clone()));
    tee.observers.push(Box::new(all.clone()));
    let mut records = 0usize;
    {
        let client = Client::with_observer(config, &mut tee);
        let mut s = net::connect_tcp(&peer.addr().to_string(), client, timeouts()).expect("connect");
        s.handshake().expect("handshake");
        for i in 0..500 {
            let line = format!("line {i:04} of the HTML report benchmark\n");
            s.write_all(line.as_bytes()).expect("write");
            let mut got = vec![];
            while got.len() < line.len() {
                let more = s.read().expect("read");
                assert!(!more.is_empty(), "the echo server closed");
                got.extend(more);
            }
        }
        s.close().expect("close");
    }
    drop(tee);
    let html_dir = dir.join("html");
    let _ = std::fs::create_dir_all(&html_dir);
    for (name, report, limit) in [
        ("every record", &all, 100_000),
        ("default limit", &limited, HtmlOptions::default().record_limit),
    ] {
        let options = HtmlOptions {
            title: format!("benchmark: {name}"),
            record_limit: limit,
            ..HtmlOptions::default()
        };
        let page = report.html(&options, "the rustls echo server");
        if records == 0 {
            records = page.matches("<details class=\"rec ").count();
        }
        let drawn = page.matches("<details class=\"rec ").count();
        let timed = page
            .replacen(
                "style-src 'unsafe-inline'\"",
                "style-src 'unsafe-inline'; script-src 'unsafe-inline'\"",
                1,
            )
            .replacen(
                "</body>",
                "<script>addEventListener('load',function(){var n=performance.getEntriesByType('navigation')[0];\
                 document.documentElement.setAttribute('data-load-ms',String(n.loadEventStart));});</script></body>",
                1,
            );
        let file = html_dir.join(format!("report-{}.html", name.replace(' ', "-")));
        std::fs::write(&file, &timed).expect("writing the page");
        let mut loads = vec![];
        let mut walls = vec![];
        for run in 0..3 {
            let profile = html_dir.join(format!("profile-{run}"));
            let started = Instant::now();
            let out = Command::new(chromium)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--dump-dom",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg(format!("file://{}", file.display()))
                .stderr(Stdio::null())
                .output()
                .expect("chromium runs");
            walls.push(started.elapsed());
            let _ = std::fs::remove_dir_all(&profile);
            let dom = String::from_utf8_lossy(&out.stdout);
            let load = dom
                .split("data-load-ms=\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .and_then(|v| v.parse::<f64>().ok());
            if let Some(ms) = load {
                loads.push(ms);
            }
        }
        loads.sort_by(|a, b| a.total_cmp(b));
        walls.sort();
        let load = loads.get(loads.len() / 2).copied();
        let wall = walls[walls.len() / 2];
        r.row(&[
            name.to_string(),
            records.to_string(),
            drawn.to_string(),
            format!("{:.0} KB", page.len() as f64 / 1024.0),
            load.map_or("not measured".into(), |ms| format!("{ms:.0} ms")),
            format!("{:.0} ms", wall.as_secs_f64() * 1e3),
        ]);
        r.target(
            format!("the page of a {records}-record connection ({name}) opens in under a second"),
            load.is_some_and(|ms| ms < 1000.0),
        );
    }
}
