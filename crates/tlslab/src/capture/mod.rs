//! Captures: writing a connection as pcap for Wireshark, and explaining
//! someone else's capture offline, record by record.
//!
//! ```text
//! connect --pcap:   Event::RecordOut / RecordIn ──► PcapWriter ──► file.pcap (+ key log) ──► Wireshark
//!
//! explain:  file.pcap[ng] ──► read_capture ──► decode_frame ──► reassemble ──► analyze_connection
//!             pcap_in.rs        packet.rs       (link, IP, TCP)   tcp.rs         analyze.rs
//!                                                                                  │
//!                 the client's own record layer, key schedule and verifier twins ◄─┘
//!                 (record::RecordLayerState::open, crypto::key_block, crypto::prf)
//! ```
//!
//! The analysis is not a second implementation of TLS: every record is
//! opened by [`crate::record::RecordLayerState::open`], the key block comes
//! from [`crate::crypto::key_block::compute_key_block`], Finished from
//! [`crate::crypto::prf::compute_verify_data`], and the same
//! [`Event`](crate::observer::Event)s come out as in a live connection, so
//! `TextLog` and `JsonLog` print a capture the way they print the client.

mod analyze;
mod keylog;
pub(crate) mod packet;
mod pcap_in;
mod pcap_out;
mod summary;
pub(crate) mod tcp;

pub use analyze::{analyze_connection, ConnectionReport, Failure, KeySources, RecordRef, ServerKey};
pub use keylog::KeyLog;
#[doc(hidden)]
pub use pcap_in::Packet;
pub use pcap_in::{read_capture, Capture, CaptureError, Format};
pub use pcap_out::{placeholder_client_addr, PcapWriter};
pub(crate) use tcp::reassemble;
pub use tcp::Statistics;

use crate::observer::Observer;

/// Everything found in a capture file.
#[derive(Clone, Debug)]
pub struct CaptureReport {
    /// pcap or pcapng.
    pub format: Format,
    /// Why reading stopped early, if it did (a truncated file).
    pub stopped: Option<CaptureError>,
    /// What the frames contained.
    pub statistics: Statistics,
    /// TCP connections without any payload (handshakes only, port scans).
    pub empty_connections: usize,
    /// One report per TCP connection that carried data, in capture order.
    pub connections: Vec<ConnectionReport>,
}

/// Reads a capture and analyses every TCP connection in it, feeding every
/// event to `observer`. `Err` only if the file is not a capture at all.
pub fn explain_capture(
    bytes: &[u8],
    secrets: &KeySources,
    observer: &mut dyn Observer,
) -> Result<CaptureReport, CaptureError> {
    let capture = read_capture(bytes)?;
    let (connections, statistics) = reassemble(&capture.packets);
    let mut report = CaptureReport {
        format: capture.format,
        stopped: capture.stopped,
        statistics,
        empty_connections: 0,
        connections: vec![],
    };
    // Sessions learned from full handshakes serve the resumptions after them.
    let mut secrets = secrets.clone();
    for c in &connections {
        if c.streams.iter().all(|s| s.data.is_empty() && s.gaps.is_empty()) {
            report.empty_connections += 1;
            continue;
        }
        let r = analyze_connection(c, &secrets, observer);
        for (id, ms) in &r.sessions {
            secrets.keylog.remember_session(id.clone(), *ms);
        }
        report.connections.push(r);
    }
    Ok(report)
}
