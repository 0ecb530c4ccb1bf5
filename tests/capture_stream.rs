//! `explain` reads a capture as a stream: the report and every event are
//! the same whether the capture is read from memory in one piece
//! (`read_capture` + `reassemble`, the whole file held) or through
//! `explain_reader` from a reader that hands out a few bytes at a time,
//! for whole, truncated and pcapng files; and a closed connection is
//! handed out before the rest of the capture has been read.
//!
//! The captures are the Illustrated TLS 1.2 connection (its published
//! packet capture and key log, tls12.xargs.org) and files built from it by
//! writers in this file, independent of the library's reader.

use std::cell::Cell;
use std::io::Read;
use std::net::SocketAddr;
use std::rc::Rc;

use tlslab::capture::{
    analyze_connection, explain_capture, explain_reader, read_capture, CaptureReport, Connections, KeyLog,
    KeySources, PcapWriter,
};
use tlslab::internal::tcp::reassemble;
use tlslab::observer::{Event, JsonLog, Observer, RecordView};
use tlslab::wire::{ContentType, ProtocolVersion};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/illustrated-tls12");

fn published_capture() -> Vec<u8> {
    std::fs::read(format!("{DIR}/capture.pcap")).unwrap()
}

fn secrets() -> KeySources {
    KeySources {
        keylog: KeyLog::parse(&std::fs::read_to_string(format!("{DIR}/keylog.txt")).unwrap()),
        server_key: None,
    }
}

/// Hands out 1 to 7 bytes per read (a different count each time) and counts
/// what it has handed out.
struct Dribble<'a> {
    rest: &'a [u8],
    turn: usize,
    read: Rc<Cell<usize>>,
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.turn += 1;
        let n = (1 + self.turn % 7).min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        self.read.set(self.read.get() + n);
        Ok(n)
    }
}

fn dribble(bytes: &[u8]) -> Dribble<'_> {
    Dribble {
        rest: bytes,
        turn: 0,
        read: Rc::new(Cell::new(0)),
    }
}

/// Everything the explainer says about a capture: its summary, each
/// connection's summary and every event (as JSON lines).
fn said(report: &CaptureReport, events: Vec<u8>) -> String {
    let mut s = report.summary_text();
    s.push_str(&report.summary_json());
    for (i, c) in report.connections.iter().enumerate() {
        s.push_str(&c.summary_text(i + 1));
        s.push_str(&c.summary_json(i + 1));
    }
    s + &String::from_utf8(events).unwrap()
}

/// The capture held whole: every packet read first, every connection
/// reassembled, then analysed in order of first frame.
fn whole(bytes: &[u8], secrets: &KeySources) -> Option<String> {
    let capture = read_capture(bytes).ok()?;
    let (connections, statistics) = reassemble(&capture.packets);
    let mut report = CaptureReport {
        format: capture.format,
        stopped: capture.stopped,
        statistics,
        empty_connections: 0,
        connections: vec![],
    };
    let mut events = vec![];
    let mut log = JsonLog::new(&mut events);
    let mut secrets = secrets.clone();
    for c in &connections {
        if c.streams.iter().all(|s| s.data.is_empty() && s.gaps.is_empty()) {
            report.empty_connections += 1;
            continue;
        }
        let r = analyze_connection(c, &secrets, &mut log);
        for (id, ms) in &r.sessions {
            secrets.keylog.remember_session(id.clone(), *ms);
        }
        report.connections.push(r);
    }
    drop(log);
    Some(said(&report, events))
}

/// The capture streamed through a reader that dribbles it.
fn streamed(bytes: &[u8], secrets: &KeySources) -> Option<String> {
    let mut events = vec![];
    let mut log = JsonLog::new(&mut events);
    let report = explain_reader(dribble(bytes), secrets, &mut log).ok()?;
    drop(log);
    Some(said(&report, events))
}

fn same_report(bytes: &[u8], what: &str) {
    let secrets = secrets();
    let expected = whole(bytes, &secrets);
    assert_eq!(streamed(bytes, &secrets), expected, "{what}");
    // The byte-slice entry point is a wrapper of the streaming one.
    let mut events = vec![];
    let mut log = JsonLog::new(&mut events);
    let r = explain_capture(bytes, &secrets, &mut log).ok();
    drop(log);
    assert_eq!(r.map(|r| said(&r, events)), expected, "{what}: explain_capture");
}

/// The same packets as pcapng (little-endian): a section header, one
/// interface with the pcap file's link type, one Enhanced Packet Block per
/// packet (draft-ietf-opsawg-pcapng §4.1, §4.2, §4.3).
fn to_pcapng(pcap: &[u8]) -> Vec<u8> {
    let block = |typ: u32, body: &[u8]| {
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let total = (body.len() + 12) as u32;
        let mut b = typ.to_le_bytes().to_vec();
        b.extend_from_slice(&total.to_le_bytes());
        b.extend_from_slice(&body);
        b.extend_from_slice(&total.to_le_bytes());
        b
    };
    let mut shb = 0x1a2b3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    let mut f = block(0x0a0d0d0a, &shb);
    let link = u16::from_le_bytes([pcap[20], pcap[21]]);
    let mut idb = link.to_le_bytes().to_vec();
    idb.extend_from_slice(&[0, 0, 0, 0, 4, 0]);
    f.extend(block(1, &idb));
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let word = |i: usize| u32::from_le_bytes(pcap[at + i..at + i + 4].try_into().unwrap());
        let (sec, usec, incl, orig) = (word(0), word(4), word(8) as usize, word(12));
        let ts = u64::from(sec) * 1_000_000 + u64::from(usec);
        let mut epb = 0u32.to_le_bytes().to_vec();
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(incl as u32).to_le_bytes());
        epb.extend_from_slice(&orig.to_le_bytes());
        epb.extend_from_slice(&pcap[at + 16..at + 16 + incl]);
        f.extend(block(6, &epb));
        at += 16 + incl;
    }
    f
}

#[test]
fn streamed_and_whole_captures_give_the_same_report() {
    let pcap = published_capture();
    assert_eq!(&pcap[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "a little-endian pcap file");
    same_report(&pcap, "pcap");
    let pcapng = to_pcapng(&pcap);
    same_report(&pcapng, "pcapng");
    // Truncated files: what was read, and where and why reading stopped.
    for (file, name) in [(&pcap, "pcap"), (&pcapng, "pcapng")] {
        for cut in (0..file.len()).step_by(37).chain([file.len() - 1]) {
            same_report(&file[..cut], &format!("{name} cut at {cut}"));
        }
    }
}

/// A second connection after the published one: `records` application-data
/// records of 16 KiB, between other ports.
fn with_bulk_connection(pcap: &[u8], records: usize) -> Vec<u8> {
    let client: SocketAddr = "10.1.1.1:40000".parse().unwrap();
    let server: SocketAddr = "10.1.1.2:443".parse().unwrap();
    let mut w = PcapWriter::new(Vec::new(), client, server).unwrap();
    let payload = vec![0x5a; 16384];
    let header = [23, 3, 3, 0x40, 0x00];
    for seq in 0..records {
        w.on_event(&Event::RecordIn(RecordView {
            content_type: ContentType(23),
            version: ProtocolVersion::TLS12,
            header: &header,
            payload: &payload,
            seq: seq as u64,
            protected: true,
        }));
    }
    w.finish().unwrap();
    let bulk = w.get_ref().clone();
    // One file: the published packets, then the bulk connection's (its own
    // 24-byte file header dropped).
    let mut f = pcap.to_vec();
    assert_eq!(&bulk[20..24], &pcap[20..24], "the same link type");
    f.extend_from_slice(&bulk[24..]);
    f
}

#[test]
fn a_closed_connection_is_handed_out_before_the_capture_is_read() {
    let pcap = with_bulk_connection(&published_capture(), 40);
    same_report(&pcap, "two connections");
    let input = dribble(&pcap);
    let read = input.read.clone();
    let mut connections = Connections::new(input).unwrap();
    let first = connections.next().expect("the published connection");
    assert_eq!(first.server.port(), 443);
    assert!(first.streams.iter().all(|s| s.fin), "closed by both sides");
    // The published connection ends in its first few KiB; the bulk one
    // takes 640 KiB more.
    assert!(
        read.get() < pcap.len() / 2,
        "{} of {} bytes read before the first connection was handed out",
        read.get(),
        pcap.len()
    );
    let second = connections.next().expect("the bulk connection");
    assert_eq!(second.streams[1].data.len(), 40 * (16384 + 5));
    assert!(connections.next().is_none());
    assert_eq!(read.get(), pcap.len());
    assert_eq!(connections.statistics().tcp_segments as usize, {
        let (_, stats) = reassemble(&read_capture(&pcap).unwrap().packets);
        stats.tcp_segments as usize
    });
}
