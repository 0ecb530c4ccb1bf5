//! The one-screen summary of a connection and of a capture, as text and as
//! one JSON object (the same JSON Lines stream as `JsonLog`).
//!
//! JSON fields of `connection_summary`: `client`, `server` (address:port),
//! `first_frame`, `skipped` (string or null), `version`, `suite`, `suite_id`
//! (hex), `client_random`, `server_random` (hex or null), `extensions`
//! (names), `extended_master_secret`, `encrypt_then_mac`, `resumed`,
//! `master_secret_source`, then per direction `[client->server,
//! server->client]`: `records`, `protected`, `verified`, `undecrypted`,
//! `application_data` (bytes), `finished_ok` (true, false or null);
//! `all_verified`, `failures` (count), `first_failure` (null or an object with
//! `record`, `direction`, `frame`, `stream_offset`, `seq`, `cause` (a
//! [`Cause::id`] name), `message`, `proven`, `evidence`), `follow_on_failures`
//! (the later failures proven to be only a consequence of an earlier one,
//! each an object like `first_failure`), `notes`.

use std::fmt::Write as _;

use serde::Serialize;

use super::analyze::{ConnectionReport, Failure};
use super::{CaptureReport, Format};
use crate::explain::Cause;
use crate::observer::opt_hex;
use crate::wire::{Direction, ExtensionType, ProtocolVersion};

impl ConnectionReport {
    /// The summary as text, a dozen lines.
    pub fn summary_text(&self, number: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "── connection {number}: client {} → server {} (from frame {})",
            self.client, self.server, self.first_packet
        );
        if let Some(why) = &self.skipped {
            let _ = writeln!(s, "   skipped: {why}");
            for n in &self.notes {
                let _ = writeln!(s, "   note: {n}");
            }
            return s;
        }
        if let Some(v) = self.version {
            let _ = writeln!(s, "   version        {v}");
        }
        if let Some(suite) = self.suite {
            let _ = writeln!(
                s,
                "   suite          {} (0x{:04x})",
                suite.name().unwrap_or("unknown"),
                suite.0
            );
        }
        if !self.extensions.is_empty() {
            let names: Vec<String> = self.extensions.iter().map(|e| e.to_string()).collect();
            let _ = writeln!(s, "   extensions     {}", names.join(", "));
        }
        let _ = writeln!(
            s,
            "   extended_master_secret: {}; encrypt_then_mac: {}; resumed: {}",
            yes_no(self.extended_master_secret),
            yes_no(self.encrypt_then_mac),
            yes_no(self.resumed)
        );
        if let Some(cr) = self.client_random {
            let _ = writeln!(s, "   client_random  {}", hex::encode(cr));
        }
        let _ = writeln!(
            s,
            "   master secret  {}",
            self.master_secret_source.as_deref().unwrap_or("unknown")
        );
        for (i, d) in ["client->server", "server->client"].iter().enumerate() {
            let _ = writeln!(
                s,
                "   {d}: {} records, {} protected, {} verified, {} not decrypted; {} of application data; Finished {}",
                self.records[i],
                self.protected[i],
                self.verified[i],
                self.undecrypted[i],
                match self.application_data[i] {
                    1 => "1 byte".to_string(),
                    n => format!("{n} bytes"),
                },
                match self.finished_ok[i] {
                    Some(true) => "verified",
                    Some(false) => "MISMATCH",
                    None => "not checked",
                }
            );
        }
        match self.first_failure() {
            Some(f) => {
                let _ = writeln!(s, "   first failing {f}");
                for e in &f.evidence {
                    let _ = writeln!(s, "      - {e}");
                }
                // A failure proven to follow from an earlier one (a flipped
                // bit in the IV chain) is said next to it, not as a new fault.
                for later in self.follow_on_failures() {
                    let _ = writeln!(s, "   then {later}");
                }
                if self.failures.len() > 1 {
                    let _ = writeln!(s, "   ({} failures in all)", self.failures.len());
                }
            }
            None if self.all_verified() => {
                let _ = writeln!(
                    s,
                    "   result: every protected record and both Finished messages verified"
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "   result: no failure found, but not everything could be checked"
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "   note: {n}");
        }
        s
    }

    /// The summary as one JSON object (no newline), event `connection_summary`.
    pub fn summary_json(&self, number: usize) -> String {
        let failure = self.first_failure().map(failure_json);
        let follow_on: Vec<FailureJson<'_>> = self.follow_on_failures().map(failure_json).collect();
        to_json(&ConnectionJson {
            connection: number,
            client: self.client.to_string(),
            server: self.server.to_string(),
            first_frame: self.first_packet,
            skipped: self.skipped.as_deref(),
            version: self.version,
            suite: self.suite.map(|c| c.name().unwrap_or("unknown")),
            suite_id: self.suite.map(|c| format!("{:04x}", c.0)),
            client_random: self.client_random,
            server_random: self.server_random,
            extensions: &self.extensions,
            extended_master_secret: self.extended_master_secret,
            encrypt_then_mac: self.encrypt_then_mac,
            resumed: self.resumed,
            master_secret_source: self.master_secret_source.as_deref(),
            records: self.records,
            protected: self.protected,
            verified: self.verified,
            undecrypted: self.undecrypted,
            application_data: self.application_data,
            finished_ok: self.finished_ok,
            all_verified: self.all_verified(),
            failures: self.failures.len(),
            first_failure: failure,
            follow_on_failures: follow_on,
            notes: &self.notes,
        })
    }
}

/// `first_failure` and each of `follow_on_failures` in JSON.
fn failure_json(f: &Failure) -> FailureJson<'_> {
    FailureJson {
        record: f.record.as_ref().map(|r| r.index),
        direction: f.record.as_ref().map(|r| r.direction),
        frame: f.record.as_ref().map(|r| r.packet),
        stream_offset: f.record.as_ref().map(|r| r.stream_offset),
        seq: f.seq,
        cause: f.cause.id(),
        message: f.message(),
        gap: match f.cause {
            Cause::TcpGap { offset, len } => Some(GapJson {
                gap_offset: offset,
                gap_len: len,
            }),
            _ => None,
        },
        proven: f.proven,
        evidence: &f.evidence,
    }
}

/// One object, no newline. Serializing these plain structs into a string
/// cannot fail; if it ever did, the line would say so rather than vanish.
fn to_json(v: &impl Serialize) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|e| serde_json::json!({ "event": "error", "message": e.to_string() }).to_string())
}

/// `connection_summary`: the fields listed in the module documentation, in
/// that order.
#[derive(Serialize)]
#[serde(tag = "event", rename = "connection_summary")]
struct ConnectionJson<'a> {
    connection: usize,
    client: String,
    server: String,
    first_frame: u64,
    skipped: Option<&'a str>,
    version: Option<ProtocolVersion>,
    suite: Option<&'static str>,
    suite_id: Option<String>,
    #[serde(serialize_with = "opt_hex")]
    client_random: Option<[u8; 32]>,
    #[serde(serialize_with = "opt_hex")]
    server_random: Option<[u8; 32]>,
    extensions: &'a [ExtensionType],
    extended_master_secret: bool,
    encrypt_then_mac: bool,
    resumed: bool,
    master_secret_source: Option<&'a str>,
    records: [u64; 2],
    protected: [u64; 2],
    verified: [u64; 2],
    undecrypted: [u64; 2],
    application_data: [u64; 2],
    finished_ok: [Option<bool>; 2],
    all_verified: bool,
    failures: usize,
    first_failure: Option<FailureJson<'a>>,
    follow_on_failures: Vec<FailureJson<'a>>,
    notes: &'a [String],
}

/// `first_failure` of a `connection_summary`.
#[derive(Serialize)]
struct FailureJson<'a> {
    record: Option<usize>,
    direction: Option<Direction>,
    frame: Option<u64>,
    stream_offset: Option<u64>,
    seq: Option<u64>,
    cause: &'static str,
    message: String,
    /// Only for a TCP gap.
    #[serde(flatten)]
    gap: Option<GapJson>,
    proven: bool,
    evidence: &'a [String],
}

#[derive(Serialize)]
struct GapJson {
    gap_offset: u64,
    gap_len: u64,
}

/// `capture_summary`.
#[derive(Serialize)]
#[serde(tag = "event", rename = "capture_summary")]
struct CaptureJson {
    format: &'static str,
    frames: u64,
    tcp_segments: u64,
    connections: usize,
    empty_connections: usize,
    analysed: usize,
    fully_verified: usize,
    stopped: Option<String>,
    other_traffic: Vec<String>,
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl CaptureReport {
    fn format_name(&self) -> &'static str {
        match self.format {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }

    fn other_traffic(&self) -> Vec<String> {
        let st = &self.statistics;
        let mut v: Vec<String> = st.not_tcp.iter().map(|(k, n)| format!("{n} {k}")).collect();
        if st.ip_fragments > 0 {
            v.push(format!("{} IP fragments (not reassembled)", st.ip_fragments));
        }
        for (t, n) in &st.unknown_link_types {
            v.push(format!(
                "{n} frames of unknown link-layer type {t} (known: Ethernet 1, raw IP 101/228/229, Linux cooked 113/276, BSD loopback 0/108)"
            ));
        }
        if st.malformed_count > 0 {
            let first = st
                .malformed
                .first()
                .map(|(f, why)| format!(", first in frame {f}: {why}"))
                .unwrap_or_default();
            v.push(format!("{} undecodable frames{first}", st.malformed_count));
        }
        v
    }

    /// What the file contained, as text.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        let st = &self.statistics;
        let _ = writeln!(
            s,
            "── capture: {}, {} frames, {} TCP segments, {} TCP connections with data ({} without)",
            self.format_name(),
            st.packets,
            st.tcp_segments,
            self.connections.len(),
            self.empty_connections
        );
        if let Some(e) = &self.stopped {
            let _ = writeln!(s, "   {e}; the frames before it were analysed");
        }
        for o in self.other_traffic() {
            let _ = writeln!(s, "   also: {o}");
        }
        let analysed = self.connections.iter().filter(|c| c.skipped.is_none()).count();
        let ok = self.connections.iter().filter(|c| c.all_verified()).count();
        let _ = writeln!(
            s,
            "   TLS connections analysed (SSL 3.0 to TLS 1.2): {analysed}; fully verified: {ok}"
        );
        s
    }

    /// What the file contained, as one JSON object, event `capture_summary`.
    pub fn summary_json(&self) -> String {
        let st = &self.statistics;
        to_json(&CaptureJson {
            format: self.format_name(),
            frames: st.packets,
            tcp_segments: st.tcp_segments,
            connections: self.connections.len(),
            empty_connections: self.empty_connections,
            analysed: self.connections.iter().filter(|c| c.skipped.is_none()).count(),
            fully_verified: self.connections.iter().filter(|c| c.all_verified()).count(),
            stopped: self.stopped.as_ref().map(|e| e.to_string()),
            other_traffic: self.other_traffic(),
        })
    }
}
