//! The truth table: every fault this project can build from real peers,
//! diagnosed, and for each the first cause the report names, its certainty,
//! and whether the report says failure.
//!
//! Each fault is made outside the client: a tlslite-ng server with one
//! server-side bug (`tlslab_peers::hostile`), a record-framing TCP proxy
//! (`tlslab_peers::proxy`) in front of a healthy server, or a real server
//! configured in a way that works (`openssl s_server` restricted to one
//! suite, `gnutls-serv` without extended_master_secret or encrypt_then_mac).
//! The expected cause of each row follows from how the fault was built,
//! as those modules document it; the expected certainty is "certain" only
//! where a recomputation or an isolating, repeated experiment can prove it.
//!
//! The table is printed (`cargo test --test diagnosis_table -- --nocapture`)
//! with the accuracy figure.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tlslab::crypto::cert::CertVerifier;
use tlslab::explain::Certainty;
use tlslab::wire::{AlertDescription, ExtensionType, ProtocolVersion};
use tlslab::{ClientConfig, Error, Verification};
use tlslab_cli::diagnose::{self, Options, Report};
use tlslab_cli::net::Timeouts;
use tlslab_peers::hostile::{HostileServer, ServerFault};
use tlslab_peers::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab_peers::proxy::{Proxy, ProxyMode};
use tlslab_peers::{Peer, PeerKind, PeerOptions};

fn timeouts() -> Timeouts {
    Timeouts {
        read: Duration::from_secs(4),
        connect: Duration::from_secs(4),
        write: Duration::from_secs(4),
    }
}

fn config(name: &str, ca: Option<&std::path::Path>) -> Result<ClientConfig, Error> {
    let mut c = ClientConfig::new(name);
    c.verification = match ca {
        Some(ca) => Verification::Verify(CertVerifier::from_ca_file(ca)?),
        None => Verification::Insecure,
    };
    Ok(c)
}

fn diagnose_at(addr: &str, name: &str, ca: Option<&std::path::Path>) -> Report {
    let make = || config(name, ca);
    diagnose::diagnose_with(addr, &make, timeouts(), &Options::default(), &mut |_, _, _| {})
        .unwrap_or_else(|e| panic!("diagnose {addr}: {e}"))
}

/// What a row expects: the first cause's id (`None`: nothing is wrong) and
/// whether it must be certain.
#[derive(Clone, Copy)]
struct Expect {
    cause: Option<&'static str>,
    certain: bool,
    /// Whether the report must say failure (exit non-zero).
    fails: bool,
}

const HEALTHY: Expect = Expect {
    cause: None,
    certain: false,
    fails: false,
};

fn certain(cause: &'static str) -> Expect {
    Expect {
        cause: Some(cause),
        certain: true,
        fails: true,
    }
}

fn plausible(cause: &'static str) -> Expect {
    Expect {
        cause: Some(cause),
        certain: false,
        fails: true,
    }
}

/// Proven and said, but connections work: not a failure.
fn said(cause: &'static str) -> Expect {
    Expect {
        cause: Some(cause),
        certain: true,
        fails: false,
    }
}

type Run = Box<dyn FnOnce() -> Report + Send>;

struct Case {
    name: String,
    expect: Expect,
    run: Run,
}

fn hostile(fault: ServerFault, expect: Expect) -> Case {
    Case {
        name: format!("tlslite-ng {}", fault.name()),
        expect,
        run: Box::new(move || {
            let s = HostileServer::start(fault, &PeerOptions::default()).unwrap();
            diagnose_at(&s.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()))
        }),
    }
}

fn proxied(name: &str, mode: ProxyMode, expect: Expect) -> Case {
    Case {
        name: name.to_string(),
        expect,
        run: Box::new(move || {
            let s = HostileServer::start(ServerFault::Healthy, &PeerOptions::default()).unwrap();
            let p = Proxy::start(s.addr(), mode).unwrap();
            diagnose_at(&p.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()))
        }),
    }
}

fn peer(name: &str, kind: PeerKind, opts: PeerOptions, expect: Expect) -> Case {
    Case {
        name: name.to_string(),
        expect,
        run: Box::new(move || {
            let s = Peer::start(kind, &opts).unwrap();
            diagnose_at(&s.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()))
        }),
    }
}

fn openssl(name: &str, opts: ServerOptions, expect: Expect) -> Case {
    Case {
        name: name.to_string(),
        expect,
        run: Box::new(move || {
            let s = LocalServer::start(&opts).unwrap();
            diagnose_at(&s.addr().to_string(), "localhost", Some(&s.ca_pem_path()))
        }),
    }
}

fn cases() -> Vec<Case> {
    let ticket = ExtensionType::SESSION_TICKET;
    let tls10 = ProtocolVersion::TLS10;
    vec![
        hostile(ServerFault::Healthy, HEALTHY),
        hostile(
            ServerFault::EmsAckedNotUsed,
            certain("extended_master_secret_not_applied"),
        ),
        hostile(ServerFault::Sha384PrfAsSha256, certain("prf_hash_broken")),
        hostile(ServerFault::WrongKey, certain("server_signs_with_other_key")),
        hostile(ServerFault::GcmNonceRepeat, certain("gcm_nonce_repeated")),
        hostile(ServerFault::Sslv3Padding, certain("cbc_records_rejected")),
        hostile(ServerFault::RecordOversize, certain("record_oversize")),
        hostile(ServerFault::NoCloseNotify, certain("no_close_notify")),
        proxied("proxy pass", ProxyMode::Pass, HEALTHY),
        proxied(
            "proxy drops hellos with session_ticket",
            ProxyMode::DropHelloWithExtension(ticket),
            certain("extension_intolerance"),
        ),
        proxied(
            "proxy answers hellos with session_ticket by handshake_failure",
            ProxyMode::AlertHelloWithExtension(ticket, AlertDescription::HANDSHAKE_FAILURE),
            certain("extension_intolerance"),
        ),
        proxied(
            "proxy drops hellos of 256..=511 bytes",
            ProxyMode::DropHelloSized(256..=511),
            certain("hello_length_intolerance"),
        ),
        proxied(
            "proxy answers hellos of 256..=511 bytes by decode_error",
            ProxyMode::AlertHelloSized(256..=511, AlertDescription::DECODE_ERROR),
            certain("hello_length_intolerance"),
        ),
        proxied(
            "proxy drops client_version above TLS 1.0",
            ProxyMode::DropHelloVersionAbove(tls10),
            certain("version_intolerance"),
        ),
        proxied(
            "proxy answers client_version above TLS 1.0 by protocol_version",
            ProxyMode::AlertHelloVersionAbove(tls10, AlertDescription::PROTOCOL_VERSION),
            certain("version_intolerance"),
        ),
        // Server records 1 and 2 (Certificate, ServerKeyExchange) swapped,
        // record 1 lost, record 1 cut short: the proxy's module documents
        // the record numbering.
        proxied(
            "proxy reorders server records 1 and 2",
            ProxyMode::ReorderServerRecords { first: 1 },
            plausible("handshake_message_out_of_order"),
        ),
        proxied(
            "proxy loses server record 1",
            ProxyMode::DropServerRecord(1),
            plausible("handshake_message_out_of_order"),
        ),
        proxied(
            "proxy cuts server record 1 short",
            ProxyMode::TruncateServerRecord(1),
            certain("truncated_mid_record"),
        ),
        Case {
            name: "round robin: openssl + tlslite-ng ems-acked-not-used".into(),
            expect: certain("bad_backend"),
            run: Box::new(|| {
                let good = LocalServer::start(&ServerOptions {
                    mode: ServerMode::Rev,
                    ..Default::default()
                })
                .unwrap();
                let bad =
                    HostileServer::start(ServerFault::EmsAckedNotUsed, &PeerOptions::default()).unwrap();
                let p = Proxy::start(bad.addr(), ProxyMode::RoundRobin(vec![good.addr()])).unwrap();
                diagnose_at(&p.addr().to_string(), "localhost", None)
            }),
        },
        Case {
            name: "round robin: tlslite-ng + one behind a session_ticket-intolerant filter".into(),
            expect: plausible("bad_backend"),
            run: Box::new(|| {
                let s = HostileServer::start(ServerFault::Healthy, &PeerOptions::default()).unwrap();
                let filtered = Proxy::start(
                    s.addr(),
                    ProxyMode::AlertHelloWithExtension(
                        ExtensionType::SESSION_TICKET,
                        AlertDescription::HANDSHAKE_FAILURE,
                    ),
                )
                .unwrap();
                let p = Proxy::start(filtered.addr(), ProxyMode::RoundRobin(vec![s.addr()])).unwrap();
                diagnose_at(&p.addr().to_string(), s.server_name(), Some(&s.ca_pem_path()))
            }),
        },
        Case {
            name: "round robin: two openssl s_server, each its own session cache".into(),
            expect: said("resumption_across_backends"),
            run: Box::new(|| {
                let one = || {
                    LocalServer::start(&ServerOptions {
                        mode: ServerMode::Rev,
                        fresh_certificates: true,
                        ..Default::default()
                    })
                    .unwrap()
                };
                let (a, b) = (one(), one());
                let p = Proxy::start(a.addr(), ProxyMode::RoundRobin(vec![b.addr()])).unwrap();
                diagnose_at(&p.addr().to_string(), "localhost", None)
            }),
        },
        openssl(
            "openssl s_server restricted to ECDHE-RSA-AES128-GCM-SHA256",
            ServerOptions {
                mode: ServerMode::Rev,
                ..ServerOptions::with_cipher("ECDHE-RSA-AES128-GCM-SHA256")
            },
            HEALTHY,
        ),
        peer(
            "gnutls-serv %NO_SESSION_HASH",
            PeerKind::GnuTls,
            PeerOptions {
                ems: false,
                ..Default::default()
            },
            HEALTHY,
        ),
        peer(
            "gnutls-serv %NO_ETM",
            PeerKind::GnuTls,
            PeerOptions {
                etm: false,
                ..Default::default()
            },
            HEALTHY,
        ),
    ]
}

struct Got {
    name: String,
    expect: Expect,
    cause: Option<String>,
    certainty: Option<Certainty>,
    faulty: bool,
    text: String,
    secs: f64,
}

impl Got {
    fn cause_right(&self) -> bool {
        self.cause.as_deref() == self.expect.cause
    }

    /// Certain where proven, and never certain of a wrong cause.
    fn certainty_right(&self) -> bool {
        let is_certain = self.certainty == Some(Certainty::Proven);
        if !self.cause_right() {
            return !is_certain;
        }
        self.expect.cause.is_none() || is_certain == self.expect.certain
    }

    fn failure_right(&self) -> bool {
        self.faulty == self.expect.fails
    }
}

#[test]
fn every_fault_built_from_real_peers_is_diagnosed() {
    let started = Instant::now();
    let queue: Mutex<Vec<(usize, Case)>> = Mutex::new(cases().into_iter().enumerate().rev().collect());
    let results: Mutex<Vec<(usize, Got)>> = Mutex::new(vec![]);
    // Five at a time: each case has its own servers and proxy, and most
    // of a diagnosis is waiting for a Python or OpenSSL server.
    std::thread::scope(|scope| {
        for _ in 0..5 {
            scope.spawn(|| loop {
                let Some((i, case)) = queue.lock().unwrap().pop() else {
                    break;
                };
                let t = Instant::now();
                let report = (case.run)();
                let first = report.first_cause();
                // Kept for a person to read.
                let _ = std::fs::write(
                    std::env::temp_dir().join(format!("tlslab-table-{i:02}.txt")),
                    format!("{}\n{}", case.name, report.to_text()),
                );
                let got = Got {
                    name: case.name,
                    expect: case.expect,
                    cause: first.as_ref().map(|f| f.id.clone()),
                    certainty: first.as_ref().map(|f| f.certainty),
                    faulty: report.faulty(),
                    text: report.to_text(),
                    secs: t.elapsed().as_secs_f64(),
                };
                results.lock().unwrap().push((i, got));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let rows: Vec<Got> = results.into_iter().map(|(_, g)| g).collect();

    println!(
        "\n{:<64} {:<36} {:<36} {:<10} {:<7} s",
        "case", "expected", "got", "certainty", "fails"
    );
    let mut right = 0;
    for g in &rows {
        let ok = g.cause_right() && g.certainty_right() && g.failure_right();
        right += usize::from(g.cause_right());
        println!(
            "{:<64} {:<36} {:<36} {:<10} {:<7} {:.1}{}",
            g.name,
            g.expect.cause.unwrap_or("(none)"),
            g.cause.as_deref().unwrap_or("(none)"),
            match g.certainty {
                Some(Certainty::Proven) => "certain",
                Some(_) => "plausible",
                None => "-",
            },
            if g.faulty { "yes" } else { "no" },
            g.secs,
            if ok { "" } else { "   <-- MISS" }
        );
    }
    println!(
        "first cause right in {right} of {} cases ({:.0} %), in {:.0} s",
        rows.len(),
        100.0 * right as f64 / rows.len() as f64,
        started.elapsed().as_secs_f64()
    );
    for g in &rows {
        assert!(
            g.cause_right(),
            "{}: expected {:?}\n{}",
            g.name,
            g.expect.cause,
            g.text
        );
        assert!(
            g.certainty_right(),
            "{}: certainty {:?}\n{}",
            g.name,
            g.certainty,
            g.text
        );
        assert!(g.failure_right(), "{}: faulty = {}\n{}", g.name, g.faulty, g.text);
    }
}
