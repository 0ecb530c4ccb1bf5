//! Captures: writing a connection as pcap for Wireshark, and explaining
//! someone else's capture offline, record by record.
//!
//! ```text
//! connect --pcap:   Event::RecordOut / RecordIn ──► PcapWriter ──► file.pcap (+ key log) ──► Wireshark
//!
//! explain:  file.pcap[ng] ──► CaptureReader ──► decode_frame ──► Reassembler ──► analyze_connection
//!             pcap_in.rs        packet.rs       (link, IP, TCP)   tcp.rs           analyze.rs
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
pub use pcap_in::{read_capture, Capture, CaptureError, CaptureReader, Format};
pub use pcap_out::{placeholder_client_addr, PcapWriter};
pub use tcp::{Reassembler, Statistics, TcpConnection};

use std::io::Read;

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

/// The TCP connections of a capture read from any [`Read`], each handed out
/// as soon as it is closed (and every connection before it has been), in
/// order of their first frame: the capture is never held whole, only the
/// connections in flight.
pub struct Connections<R> {
    reader: CaptureReader<R>,
    tcp: Reassembler,
    ended: bool,
}

impl<R: Read> Connections<R> {
    /// Reads the file header. `Err` only if the input is not a capture at all.
    pub fn new(input: R) -> Result<Connections<R>, CaptureError> {
        Ok(Connections {
            reader: CaptureReader::new(input)?,
            tcp: Reassembler::new(),
            ended: false,
        })
    }

    /// pcap or pcapng.
    pub fn format(&self) -> Format {
        self.reader.format()
    }

    /// Why reading stopped before the end of the file, if it did.
    pub fn stopped(&self) -> Option<&CaptureError> {
        self.reader.stopped()
    }

    /// What the frames read so far contained (all of them, once the
    /// iterator has ended).
    pub fn statistics(&self) -> &Statistics {
        self.tcp.statistics()
    }

    /// A report with no connections yet, from what was read so far.
    pub fn empty_report(&self) -> CaptureReport {
        CaptureReport {
            format: self.format(),
            stopped: self.stopped().cloned(),
            statistics: self.statistics().clone(),
            empty_connections: 0,
            connections: vec![],
        }
    }
}

impl<R: Read> Iterator for Connections<R> {
    type Item = TcpConnection;

    fn next(&mut self) -> Option<TcpConnection> {
        loop {
            if let Some(c) = self.tcp.pop() {
                return Some(c);
            }
            if self.ended {
                return None;
            }
            match self.reader.next_packet() {
                Some(p) => self.tcp.push(&p),
                None => {
                    self.tcp.finish();
                    self.ended = true;
                }
            }
        }
    }
}

/// Whether a connection carried nothing to analyse (a handshake only, a port scan).
pub fn is_empty_connection(c: &TcpConnection) -> bool {
    c.streams.iter().all(|s| s.data.is_empty() && s.gaps.is_empty())
}

/// Reads a capture held in memory and analyses every TCP connection in it,
/// feeding every event to `observer`: [`explain_reader`] over the bytes.
/// `Err` only if the file is not a capture at all.
pub fn explain_capture(
    bytes: &[u8],
    secrets: &KeySources,
    observer: &mut dyn Observer,
) -> Result<CaptureReport, CaptureError> {
    explain_reader(bytes, secrets, observer)
}

/// Reads a capture from `input` (a file, standard input) and analyses each
/// TCP connection as soon as it is closed, feeding every event to
/// `observer`, then drops its bytes: memory follows the largest connection,
/// not the capture. Connections are analysed and reported in order of their
/// first frame, so the sessions learned from a full handshake serve the
/// resumptions after it. `Err` only if the input is not a capture at all.
pub fn explain_reader(
    input: impl Read,
    secrets: &KeySources,
    observer: &mut dyn Observer,
) -> Result<CaptureReport, CaptureError> {
    let mut connections = Connections::new(input)?;
    let mut analysed = vec![];
    let mut empty = 0;
    // Sessions learned from full handshakes serve the resumptions after them.
    let mut secrets = secrets.clone();
    for c in connections.by_ref() {
        if is_empty_connection(&c) {
            empty += 1;
            continue;
        }
        let r = analyze_connection(&c, &secrets, observer);
        for (id, ms) in &r.sessions {
            secrets.keylog.remember_session(id.clone(), *ms);
        }
        analysed.push(r);
    }
    let mut report = connections.empty_report();
    report.empty_connections = empty;
    report.connections = analysed;
    Ok(report)
}
