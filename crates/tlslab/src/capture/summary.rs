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
//! [`Cause::id`] name), `message`, `proven`, `evidence`), `notes`.

use std::fmt::Write as _;

use super::analyze::{ConnectionReport, Failure};
use super::{CaptureReport, Format};
use crate::explain::Cause;

fn json_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

fn json_opt_str(s: &mut String, v: Option<&str>) {
    match v {
        Some(v) => json_str(s, v),
        None => s.push_str("null"),
    }
}

fn json_list(s: &mut String, items: &[String]) {
    s.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        json_str(s, x);
    }
    s.push(']');
}

fn opt_bool(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "true",
        Some(false) => "false",
        None => "null",
    }
}

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
                "   {d}: {} records, {} protected, {} verified, {} not decrypted; {} bytes of application data; Finished {}",
                self.records[i],
                self.protected[i],
                self.verified[i],
                self.undecrypted[i],
                self.application_data[i],
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
        let mut s = String::from("{\"event\":\"connection_summary\"");
        let _ = write!(s, ",\"connection\":{number},\"client\":");
        json_str(&mut s, &self.client.to_string());
        s.push_str(",\"server\":");
        json_str(&mut s, &self.server.to_string());
        let _ = write!(s, ",\"first_frame\":{},\"skipped\":", self.first_packet);
        json_opt_str(&mut s, self.skipped.as_deref());
        s.push_str(",\"version\":");
        json_opt_str(&mut s, self.version.map(|v| v.to_string()).as_deref());
        s.push_str(",\"suite\":");
        json_opt_str(
            &mut s,
            self.suite
                .map(|c| c.name().unwrap_or("unknown").to_string())
                .as_deref(),
        );
        s.push_str(",\"suite_id\":");
        json_opt_str(&mut s, self.suite.map(|c| format!("{:04x}", c.0)).as_deref());
        s.push_str(",\"client_random\":");
        json_opt_str(&mut s, self.client_random.map(hex::encode).as_deref());
        s.push_str(",\"server_random\":");
        json_opt_str(&mut s, self.server_random.map(hex::encode).as_deref());
        s.push_str(",\"extensions\":");
        json_list(
            &mut s,
            &self.extensions.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        );
        let _ = write!(
            s,
            ",\"extended_master_secret\":{},\"encrypt_then_mac\":{},\"resumed\":{},\"master_secret_source\":",
            self.extended_master_secret, self.encrypt_then_mac, self.resumed
        );
        json_opt_str(&mut s, self.master_secret_source.as_deref());
        for (k, v) in [
            ("records", self.records),
            ("protected", self.protected),
            ("verified", self.verified),
            ("undecrypted", self.undecrypted),
            ("application_data", self.application_data),
        ] {
            let _ = write!(s, ",\"{k}\":[{},{}]", v[0], v[1]);
        }
        let _ = write!(
            s,
            ",\"finished_ok\":[{},{}],\"all_verified\":{},\"failures\":{},\"first_failure\":",
            opt_bool(self.finished_ok[0]),
            opt_bool(self.finished_ok[1]),
            self.all_verified(),
            self.failures.len()
        );
        match self.first_failure() {
            Some(f) => failure_json(&mut s, f),
            None => s.push_str("null"),
        }
        s.push_str(",\"notes\":");
        json_list(&mut s, &self.notes);
        s.push('}');
        s
    }
}

fn failure_json(s: &mut String, f: &Failure) {
    s.push('{');
    match &f.record {
        Some(r) => {
            let _ = write!(s, "\"record\":{},\"direction\":", r.index);
            json_str(s, &r.direction.to_string());
            let _ = write!(s, ",\"frame\":{},\"stream_offset\":{}", r.packet, r.stream_offset);
        }
        None => s.push_str("\"record\":null,\"direction\":null,\"frame\":null,\"stream_offset\":null"),
    }
    match f.seq {
        Some(q) => {
            let _ = write!(s, ",\"seq\":{q}");
        }
        None => s.push_str(",\"seq\":null"),
    }
    s.push_str(",\"cause\":");
    json_str(s, f.cause.id());
    s.push_str(",\"message\":");
    json_str(s, &f.cause.to_string());
    if let Cause::TcpGap { offset, len } = f.cause {
        let _ = write!(s, ",\"gap_offset\":{offset},\"gap_len\":{len}");
    }
    let _ = write!(s, ",\"proven\":{},\"evidence\":", f.proven);
    json_list(s, &f.evidence);
    s.push('}');
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
        let tls12 = self.connections.iter().filter(|c| c.skipped.is_none()).count();
        let ok = self.connections.iter().filter(|c| c.all_verified()).count();
        let _ = writeln!(
            s,
            "   TLS 1.2 connections analysed: {tls12}; fully verified: {ok}"
        );
        s
    }

    /// What the file contained, as one JSON object, event `capture_summary`.
    pub fn summary_json(&self) -> String {
        let st = &self.statistics;
        let mut s = String::from("{\"event\":\"capture_summary\",\"format\":");
        json_str(&mut s, self.format_name());
        let _ = write!(
            s,
            ",\"frames\":{},\"tcp_segments\":{},\"connections\":{},\"empty_connections\":{},\"analysed\":{},\"fully_verified\":{},\"stopped\":",
            st.packets,
            st.tcp_segments,
            self.connections.len(),
            self.empty_connections,
            self.connections.iter().filter(|c| c.skipped.is_none()).count(),
            self.connections.iter().filter(|c| c.all_verified()).count()
        );
        json_opt_str(&mut s, self.stopped.as_ref().map(|e| e.to_string()).as_deref());
        s.push_str(",\"other_traffic\":");
        json_list(&mut s, &self.other_traffic());
        s.push('}');
        s
    }
}
