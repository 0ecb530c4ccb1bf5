//! [`PcapWriter`]: an observer that writes the connection as a classic pcap
//! file, so Wireshark or tshark can show it and, with the key log, decrypt it.
//!
//! The TLS bytes are exactly those the client sent and received: each
//! [`Event::RecordOut`] and [`Event::RecordIn`] carries the 5-byte header and
//! the payload as they crossed the wire, in wire order. The TCP/IP framing
//! around them is synthetic, built the way a loopback capture looks: a
//! three-way handshake (SYN, SYN/ACK, ACK), one segment per record with
//! continuous sequence and acknowledgment numbers, and a FIN from each side at
//! the end, with correct IPv4 and TCP checksums (Wireshark flags bad ones).
//!
//! What the framing does not show: the real segmentation (several records per
//! segment, a record split over segments), retransmissions, window sizes, and
//! bytes that never became a record (a server answering with plain HTTP, a
//! trailing partial record).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::packet::{build_ethernet_frame, link_type, tcp_flags, SegmentSpec};
use crate::observer::{Event, Observer, RecordView};

/// The classic pcap magic number, microsecond timestamps (written in our
/// byte order: readers detect the order from it).
const PCAP_MAGIC: u32 = 0xa1b2_c3d4;
/// Snap length announced in the file header.
const SNAPLEN: u32 = 262_144;
/// Client and server initial sequence numbers: arbitrary, fixed so that two
/// captures of the same exchange differ only in timestamps and TLS bytes.
const CLIENT_ISN: u32 = 0x1000_0000;
const SERVER_ISN: u32 = 0x2000_0000;

/// The client address to use in a capture when the real one is not known: the
/// loopback address for a loopback server, otherwise an address of the
/// documentation ranges (192.0.2.0/24, RFC 5737; 2001:db8::/32, RFC 3849), so
/// that nobody mistakes it for a real host. The port is an ephemeral one that
/// differs from the server's.
#[doc(hidden)]
pub fn placeholder_client_addr(server: SocketAddr) -> SocketAddr {
    let ip = match server.ip() {
        IpAddr::V4(a) if a.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V6(a) if a.is_loopback() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    };
    let port = if server.port() == 50000 { 50001 } else { 50000 };
    SocketAddr::new(ip, port)
}

/// Writes every record of a connection into a pcap file (link type Ethernet,
/// IPv4 or IPv6 and TCP), with synthetic framing around the exact TLS bytes.
///
/// The SYN/SYN-ACK/ACK exchange is written before the first record, the
/// FIN/ACK exchange by [`PcapWriter::finish`] (or on drop). Write errors never
/// disturb the connection: the first one is kept for
/// [`PcapWriter::take_error`].
///
/// ```no_run
/// use tlslab::capture::PcapWriter;
/// use tlslab::{Client, ClientConfig};
///
/// let server = "127.0.0.1:4433".parse().unwrap();
/// let client_addr = tlslab::capture::placeholder_client_addr(server);
/// let mut pcap = PcapWriter::create("conn.pcap".as_ref(), client_addr, server)?;
/// let client = Client::with_observer(ClientConfig::new("localhost"), &mut pcap);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct PcapWriter<W: Write = BufWriter<File>> {
    out: W,
    client: SocketAddr,
    server: SocketAddr,
    /// Next sequence number of each side.
    client_seq: u32,
    server_seq: u32,
    ip_id: u16,
    opened: bool,
    finished: bool,
    error: Option<io::Error>,
}

impl PcapWriter<BufWriter<File>> {
    /// Creates (truncates) `path` and writes the file header.
    pub fn create(path: &Path, client: SocketAddr, server: SocketAddr) -> io::Result<Self> {
        PcapWriter::new(BufWriter::new(File::create(path)?), client, server)
    }
}

impl<W: Write> PcapWriter<W> {
    /// Writes the pcap file header (draft-ietf-opsawg-pcap §4) to
    /// `out`. `client` and `server` must be of the same address family.
    pub fn new(mut out: W, client: SocketAddr, server: SocketAddr) -> io::Result<Self> {
        if client.is_ipv4() != server.is_ipv4() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("client {client} and server {server} are not of the same address family"),
            ));
        }
        let mut header = Vec::with_capacity(24);
        header.extend_from_slice(&PCAP_MAGIC.to_ne_bytes());
        header.extend_from_slice(&2u16.to_ne_bytes()); // version 2.4
        header.extend_from_slice(&4u16.to_ne_bytes());
        header.extend_from_slice(&0i32.to_ne_bytes()); // thiszone
        header.extend_from_slice(&0u32.to_ne_bytes()); // sigfigs
        header.extend_from_slice(&SNAPLEN.to_ne_bytes());
        header.extend_from_slice(&link_type::ETHERNET.to_ne_bytes());
        out.write_all(&header)?;
        Ok(PcapWriter {
            out,
            client,
            server,
            client_seq: CLIENT_ISN,
            server_seq: SERVER_ISN,
            ip_id: 1,
            opened: false,
            finished: false,
            error: None,
        })
    }

    /// Writes the closing FIN/ACK exchange (once) and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.finished {
            self.finished = true;
            self.open();
            self.segment(true, tcp_flags::FIN | tcp_flags::ACK, &[]);
            self.segment(false, tcp_flags::FIN | tcp_flags::ACK, &[]);
            self.segment(true, tcp_flags::ACK, &[]);
            let flushed = self.out.flush();
            self.keep(flushed);
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The first write error, if any, leaving `None` behind.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// The writer (for a `Vec<u8>`: the file so far).
    #[doc(hidden)]
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    fn keep(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    /// SYN, SYN/ACK, ACK before the first record.
    fn open(&mut self) {
        if self.opened {
            return;
        }
        self.opened = true;
        self.segment(true, tcp_flags::SYN, &[]);
        self.segment(false, tcp_flags::SYN | tcp_flags::ACK, &[]);
        self.segment(true, tcp_flags::ACK, &[]);
    }

    /// One segment from the client (`from_client`) or the server; advances
    /// that side's sequence number by the payload, plus one for SYN and FIN.
    fn segment(&mut self, from_client: bool, flags: u8, payload: &[u8]) {
        let (src, dst, seq, ack) = if from_client {
            (self.client, self.server, self.client_seq, self.server_seq)
        } else {
            (self.server, self.client, self.server_seq, self.client_seq)
        };
        let advance = payload.len() as u32 + u32::from(flags & (tcp_flags::SYN | tcp_flags::FIN) != 0);
        let spec = SegmentSpec {
            src,
            dst,
            seq,
            ack,
            flags,
            ip_id: self.ip_id,
            payload,
        };
        self.ip_id = self.ip_id.wrapping_add(1);
        if from_client {
            self.client_seq = self.client_seq.wrapping_add(advance);
        } else {
            self.server_seq = self.server_seq.wrapping_add(advance);
        }
        let Some(frame) = build_ethernet_frame(&spec) else {
            self.error.get_or_insert(io::Error::new(
                io::ErrorKind::InvalidInput,
                "segment payload too large for one IP packet",
            ));
            return;
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut rec = Vec::with_capacity(16 + frame.len());
        rec.extend_from_slice(&(now.as_secs() as u32).to_ne_bytes());
        rec.extend_from_slice(&now.subsec_micros().to_ne_bytes());
        rec.extend_from_slice(&(frame.len() as u32).to_ne_bytes());
        rec.extend_from_slice(&(frame.len() as u32).to_ne_bytes());
        rec.extend_from_slice(&frame);
        let r = self.out.write_all(&rec);
        self.keep(r);
    }

    fn record(&mut self, from_client: bool, view: &RecordView<'_>) {
        if self.finished {
            return;
        }
        self.open();
        let mut bytes = Vec::with_capacity(5 + view.payload.len());
        bytes.extend_from_slice(view.header);
        bytes.extend_from_slice(view.payload);
        // A record is at most 5 + 2^14 + 2048 bytes, far below one IP packet;
        // split anyway rather than trust that.
        for chunk in bytes.chunks(32 * 1024) {
            self.segment(from_client, tcp_flags::PSH | tcp_flags::ACK, chunk);
        }
        // Flushed per record, like the trace: the file is complete up to a failure.
        let r = self.out.flush();
        self.keep(r);
    }
}

impl<W: Write> Observer for PcapWriter<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        match event {
            Event::RecordOut(v) => self.record(true, v),
            Event::RecordIn(v) => self.record(false, v),
            _ => {}
        }
    }
}

impl<W: Write> Drop for PcapWriter<W> {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
