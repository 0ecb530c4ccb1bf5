//! TCP reassembly: captured segments back into the two byte streams of each
//! connection (RFC 9293 §3.4, §3.10).
//!
//! A capture sees what the wire carried, not what the receiver delivered:
//! segments arrive out of order, are retransmitted (sometimes re-cut, so that
//! they overlap earlier ones), and may be missing altogether because the
//! capture dropped them. Each direction is rebuilt here by sequence number:
//!
//! * out-of-order segments are put back in order;
//! * bytes seen twice are kept once, and if the copies *differ* the
//!   disagreement is reported (two different bytes at one stream offset are
//!   what a TCP injection attack looks like; the first copy is kept, as most
//!   receivers do);
//! * missing bytes are a [`Gap`] at a stream offset, never skipped silently:
//!   the stream is kept only up to the first gap, since a TLS record cut by a
//!   gap cannot be decrypted, and the records after it cannot be found reliably.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;

use super::packet::{decode_frame, tcp_flags, Decoded, FrameError};
use super::pcap_in::Packet;

/// Missing bytes in one direction of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    /// Stream offset of the first missing byte (0 = first byte after the SYN).
    pub offset: u64,
    /// Number of missing bytes.
    pub len: u64,
    /// The frame that carried the first bytes after the gap.
    pub next_packet: u64,
}

/// Two copies of the same stream bytes that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Stream offset of the first differing byte.
    pub offset: u64,
    /// The frame whose copy was ignored.
    pub packet: u64,
}

/// Which frame first delivered the stream bytes from `start` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Stream offset.
    pub start: u64,
    /// Frame number.
    pub packet: u64,
}

/// One direction of a TCP connection, reassembled.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    /// The bytes, from stream offset 0 up to the first gap.
    pub data: Vec<u8>,
    /// For each run of `data`, the frame that delivered it, by increasing offset.
    pub pieces: Vec<Piece>,
    /// Missing ranges, in stream order.
    pub gaps: Vec<Gap>,
    /// Bytes received after the first gap (not in `data`).
    pub bytes_after_gap: u64,
    /// Bytes seen more than once (retransmissions and overlaps).
    pub retransmitted_bytes: u64,
    /// Retransmitted copies that differ from the first copy.
    pub conflicts: Vec<Conflict>,
    /// Whether a FIN was seen.
    pub fin: bool,
    /// Whether the SYN was seen (the stream offsets are then exact).
    pub syn: bool,
}

impl Stream {
    /// The frame in which the bytes `range` became complete: the latest frame
    /// that delivered any of them. A record is "seen" by the capture then.
    pub fn completed_by(&self, start: u64, end: u64) -> u64 {
        let first = self
            .pieces
            .partition_point(|p| p.start <= start)
            .saturating_sub(1);
        self.pieces[first..]
            .iter()
            .take_while(|p| p.start < end.max(start + 1))
            .map(|p| p.packet)
            .max()
            .unwrap_or(0)
    }
}

/// One TCP connection, both directions reassembled.
#[derive(Clone, Debug)]
pub struct TcpConnection {
    /// The side that sent the SYN (or, without a SYN, the first packet).
    pub client: SocketAddr,
    /// The other side.
    pub server: SocketAddr,
    /// The first frame of the connection.
    pub first_packet: u64,
    /// `[client -> server, server -> client]`.
    pub streams: [Stream; 2],
}

impl TcpConnection {
    /// Exchanges the roles, when the payload shows that the side taken for
    /// the server is in fact the client (no SYN in the capture).
    pub fn swap_roles(&mut self) {
        std::mem::swap(&mut self.client, &mut self.server);
        self.streams.swap(0, 1);
    }
}

/// What the frames of a capture contained besides TCP.
#[derive(Clone, Debug, Default)]
pub struct Statistics {
    /// Frames read.
    pub packets: u64,
    /// TCP segments.
    pub tcp_segments: u64,
    /// Frames that were not TCP, by kind.
    pub not_tcp: Vec<(&'static str, u64)>,
    /// IP fragments (not reassembled).
    pub ip_fragments: u64,
    /// Link-layer types that could not be decoded, with their frame counts.
    pub unknown_link_types: Vec<(u32, u64)>,
    /// Frames that could not be decoded, with the reason (the first 20).
    pub malformed: Vec<(u64, String)>,
    /// Frames that could not be decoded, in all.
    pub malformed_count: u64,
}

fn bump<K: PartialEq>(v: &mut Vec<(K, u64)>, k: K) {
    match v.iter_mut().find(|(x, _)| *x == k) {
        Some((_, n)) => *n += 1,
        None => v.push((k, 1)),
    }
}

/// One segment's payload: where it sits in its direction's sequence space
/// and in [`Half::bytes`].
struct Seg {
    rel: i64,
    packet: u64,
    /// `Half::bytes[at..at + len]`.
    at: usize,
    len: usize,
}

#[derive(Default)]
struct Half {
    /// The first sequence number seen, and the position of later ones relative to it.
    origin: Option<u32>,
    last_seq: u32,
    last_rel: i64,
    /// Relative position of the SYN.
    syn_rel: Option<i64>,
    segs: Vec<Seg>,
    /// Every segment's payload, in capture order (copied out of the frame,
    /// which the capture reader reuses).
    bytes: Vec<u8>,
    fin: bool,
}

impl Half {
    /// Position of `seq` relative to the first sequence number of this
    /// direction, unwrapping the 32-bit sequence space by assuming that
    /// consecutive segments are less than 2 GiB apart.
    fn rel(&mut self, seq: u32) -> i64 {
        let Some(_) = self.origin else {
            self.origin = Some(seq);
            self.last_seq = seq;
            self.last_rel = 0;
            return 0;
        };
        let r = self.last_rel + i64::from(seq.wrapping_sub(self.last_seq) as i32);
        self.last_seq = seq;
        self.last_rel = r;
        r
    }
}

struct Building {
    client: SocketAddr,
    server: SocketAddr,
    first_packet: u64,
    halves: [Half; 2],
    /// Both sides sent a FIN, or one a RST: nothing more will come.
    closed: bool,
}

/// What a flow (a pair of addresses) is carrying now.
#[derive(Clone, Copy)]
enum Flow {
    /// The connection at this index of the capture (counted from 0).
    Open(usize),
    /// Its connection was closed and handed out: a new SYN starts the next
    /// one; anything else (a last ACK, a late retransmission) is counted and
    /// dropped.
    Closed,
}

/// Reassembles the connections of a capture as its frames arrive, and hands
/// each one out once it is closed (both FINs, or a RST) and every connection
/// that began before it has been handed out, so that they come out in order
/// of their first frame, as [`reassemble`] returns them. A closed
/// connection's bytes are then the caller's: what is held is the
/// connections still open, plus the closed ones waiting for an earlier one.
#[derive(Default)]
pub struct Reassembler {
    stats: Statistics,
    /// Connections not handed out yet, by first frame; `building[0]` is
    /// connection number `handed`.
    building: VecDeque<Building>,
    handed: usize,
    by_flow: HashMap<(SocketAddr, SocketAddr), Flow>,
    ready: VecDeque<TcpConnection>,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// What the frames so far contained.
    pub fn statistics(&self) -> &Statistics {
        &self.stats
    }

    /// The next connection ready to be handed out, in order of first frame.
    pub fn pop(&mut self) -> Option<TcpConnection> {
        self.ready.pop_front()
    }

    /// The end of the capture: every connection still open is complete as
    /// far as the capture goes.
    pub fn finish(&mut self) {
        while let Some(b) = self.building.pop_front() {
            self.hand_out(b);
        }
    }

    fn hand_out(&mut self, b: Building) {
        let key = flow_key(b.client, b.server);
        if matches!(self.by_flow.get(&key), Some(Flow::Open(i)) if *i == self.handed) {
            self.by_flow.insert(key, Flow::Closed);
        }
        self.handed += 1;
        let [h0, h1] = b.halves;
        self.ready.push_back(TcpConnection {
            client: b.client,
            server: b.server,
            first_packet: b.first_packet,
            streams: [assemble(h0), assemble(h1)],
        });
    }

    /// Decodes one frame and adds its TCP segment, if it has one, to its connection.
    pub fn push(&mut self, p: &Packet<'_>) {
        let stats = &mut self.stats;
        stats.packets += 1;
        let seg = match decode_frame(p.link_type, p.data) {
            Ok(Decoded::Tcp(s)) => s,
            Ok(Decoded::NotTcp(kind)) => {
                bump(&mut stats.not_tcp, kind);
                return;
            }
            Ok(Decoded::IpFragment) => {
                stats.ip_fragments += 1;
                return;
            }
            Err(FrameError::UnknownLinkType(t)) => {
                bump(&mut stats.unknown_link_types, t);
                return;
            }
            Err(FrameError::Malformed(why)) => {
                stats.malformed_count += 1;
                if stats.malformed.len() < 20 {
                    stats.malformed.push((p.number, why));
                }
                return;
            }
        };
        stats.tcp_segments += 1;
        let key = flow_key(seg.src, seg.dst);
        let is_syn = seg.flags & tcp_flags::SYN != 0 && seg.flags & tcp_flags::ACK == 0;
        let existing = match self.by_flow.get(&key) {
            Some(Flow::Open(i)) => Some(*i - self.handed),
            Some(Flow::Closed) if !is_syn => return,
            Some(Flow::Closed) | None => None,
        };
        // A new SYN on a flow that already carried a different connection:
        // the port pair was reused, so this is a new connection.
        let reuse = existing.is_some_and(|i| {
            let b = &self.building[i];
            is_syn
                && (b.client != seg.src
                    || b.halves[0].syn_rel.is_none()
                    || !b.halves[0].segs.is_empty()
                    || b.halves[0].origin != Some(seg.seq))
        });
        let idx = match existing {
            Some(i) if !reuse => i,
            _ => {
                self.building.push_back(Building {
                    client: seg.src,
                    server: seg.dst,
                    first_packet: p.number,
                    halves: [Half::default(), Half::default()],
                    closed: false,
                });
                let i = self.building.len() - 1;
                self.by_flow.insert(key, Flow::Open(self.handed + i));
                i
            }
        };
        let b = &mut self.building[idx];
        let dir = usize::from(seg.src != b.client);
        let half = &mut b.halves[dir];
        let rel = half.rel(seg.seq);
        if seg.flags & tcp_flags::SYN != 0 && half.syn_rel.is_none() {
            half.syn_rel = Some(rel);
        }
        if seg.flags & tcp_flags::FIN != 0 {
            half.fin = true;
        }
        if !seg.payload.is_empty() {
            // Data on a SYN starts one after it (the SYN takes a sequence number).
            let at = rel + i64::from(seg.flags & tcp_flags::SYN != 0);
            half.segs.push(Seg {
                rel: at,
                packet: p.number,
                at: half.bytes.len(),
                len: seg.payload.len(),
            });
            half.bytes.extend_from_slice(seg.payload);
        }
        b.closed |= seg.flags & tcp_flags::RST != 0 || (b.halves[0].fin && b.halves[1].fin);
        while self.building.front().is_some_and(|b| b.closed) {
            let b = self.building.pop_front().expect("front");
            self.hand_out(b);
        }
    }
}

/// The two ends of a connection, in a fixed order whoever sends.
fn flow_key(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Decodes every frame, groups TCP segments into connections and reassembles
/// both directions of each. Connections are in order of their first frame.
pub fn reassemble(packets: &[Packet<'_>]) -> (Vec<TcpConnection>, Statistics) {
    let mut r = Reassembler::new();
    let mut connections = vec![];
    for p in packets {
        r.push(p);
        connections.extend(std::iter::from_fn(|| r.pop()));
    }
    r.finish();
    connections.extend(std::iter::from_fn(|| r.pop()));
    (connections, r.stats)
}

/// Rebuilds one direction from its segments.
///
/// Segments are taken in capture order, and each contributes only the bytes
/// no earlier segment carried: the first copy of every byte wins, whatever
/// order the offsets came in. The covered ranges are then walked in stream
/// order; what lies between them is a gap.
fn assemble(half: Half) -> Stream {
    let base = match half.syn_rel {
        Some(s) => s + 1,
        None => half.segs.iter().map(|s| s.rel).min().unwrap_or(0),
    };
    let mut st = Stream {
        fin: half.fin,
        syn: half.syn_rel.is_some(),
        ..Stream::default()
    };
    // The usual case: every segment follows the one before, once each. The
    // stored bytes are then the stream as they are.
    let in_order = half.segs.first().is_none_or(|s| s.rel == base)
        && half
            .segs
            .windows(2)
            .all(|w| w[1].rel == w[0].rel + w[0].len as i64);
    if in_order {
        st.pieces = half
            .segs
            .iter()
            .map(|s| Piece {
                start: (s.rel - base) as u64,
                packet: s.packet,
            })
            .collect();
        st.data = half.bytes;
        return st;
    }
    let payload = |s: &Seg| &half.bytes[s.at..s.at + s.len];
    // Disjoint covered ranges: start -> (end, frame, the bytes of [start, end)).
    let mut covered: BTreeMap<i64, (i64, u64, &[u8])> = BTreeMap::new();
    for s in &half.segs {
        let data = payload(s);
        let end = s.rel + data.len() as i64;
        // Bytes before the SYN belong to no stream of this connection.
        let mut at = s.rel.max(base);
        while at < end {
            // The covered range that contains `at`, or else the next one.
            let holder = covered
                .range(..=at)
                .next_back()
                .filter(|(_, (e, _, _))| *e > at)
                .map(|(k, v)| (*k, *v));
            if let Some((k, (e, _, bytes))) = holder {
                // Seen before: compare the copies, then skip them.
                let upto = e.min(end);
                st.retransmitted_bytes += (upto - at) as u64;
                let old = &bytes[(at - k) as usize..(upto - k) as usize];
                let new = &data[(at - s.rel) as usize..(upto - s.rel) as usize];
                if let Some(i) = old.iter().zip(new).position(|(a, b)| a != b) {
                    st.conflicts.push(Conflict {
                        offset: (at - base) as u64 + i as u64,
                        packet: s.packet,
                    });
                }
                at = upto;
            } else {
                // New bytes up to the next covered range (or the segment's end).
                let upto = covered.range(at..).next().map_or(end, |(k, _)| (*k).min(end));
                covered.insert(
                    at,
                    (
                        upto,
                        s.packet,
                        &data[(at - s.rel) as usize..(upto - s.rel) as usize],
                    ),
                );
                at = upto;
            }
        }
    }
    let mut next = base;
    for (&start, &(end, packet, bytes)) in &covered {
        if start > next {
            st.gaps.push(Gap {
                offset: (next - base) as u64,
                len: (start - next) as u64,
                next_packet: packet,
            });
        }
        if st.gaps.is_empty() {
            st.pieces.push(Piece {
                start: (start - base) as u64,
                packet,
            });
            st.data.extend_from_slice(bytes);
        } else {
            st.bytes_after_gap += bytes.len() as u64;
        }
        next = end;
    }
    st
}

#[cfg(test)]
mod tests {
    use super::super::packet::{build_ethernet_frame, link_type, SegmentSpec};
    use super::*;

    fn frames(specs: &[(bool, u32, u8, &[u8])]) -> Vec<Vec<u8>> {
        let c: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let s: SocketAddr = "10.0.0.2:443".parse().unwrap();
        specs
            .iter()
            .map(|&(from_client, seq, flags, payload)| {
                let (src, dst) = if from_client { (c, s) } else { (s, c) };
                build_ethernet_frame(&SegmentSpec {
                    src,
                    dst,
                    seq,
                    ack: 0,
                    flags,
                    ip_id: 0,
                    payload,
                })
                .unwrap()
            })
            .collect()
    }

    fn run(frames: &[Vec<u8>]) -> Vec<TcpConnection> {
        let packets: Vec<Packet<'_>> = frames
            .iter()
            .enumerate()
            .map(|(i, f)| Packet {
                number: i as u64 + 1,
                time_us: 0,
                link_type: link_type::ETHERNET,
                data: f,
                orig_len: f.len() as u32,
            })
            .collect();
        reassemble(&packets).0
    }

    const SYN: u8 = tcp_flags::SYN;
    const ACK: u8 = tcp_flags::ACK;

    #[test]
    fn out_of_order_retransmitted_and_overlapping_segments() {
        // ISN near the top of the sequence space: the stream wraps around 2^32.
        let isn = u32::MAX - 3;
        let d = |o: u32| isn.wrapping_add(1).wrapping_add(o);
        let f = frames(&[
            (true, isn, SYN, b""),
            (false, 77, SYN | ACK, b""),
            (true, d(6), ACK, b"ghij"),      // out of order
            (true, d(0), ACK, b"abcdef"),    // fills the hole
            (true, d(0), ACK, b"abc"),       // retransmission
            (true, d(4), ACK, b"efghijklm"), // overlaps both, adds "klm"
            (false, 78, ACK, b"reply"),
        ]);
        let conns = run(&f);
        assert_eq!(conns.len(), 1);
        let c = &conns[0];
        assert_eq!(c.streams[0].data, b"abcdefghijklm");
        assert!(c.streams[0].gaps.is_empty());
        assert!(c.streams[0].conflicts.is_empty());
        assert_eq!(c.streams[0].retransmitted_bytes, 3 + 6);
        assert_eq!(c.streams[1].data, b"reply");
        // "ghij" arrived in frame 3 but is only complete with "abcdef" of frame 4.
        assert_eq!(c.streams[0].completed_by(0, 10), 4);
        assert_eq!(c.streams[0].completed_by(6, 10), 3);
        assert_eq!(c.streams[0].completed_by(10, 13), 6);
    }

    #[test]
    fn missing_segment_is_a_gap_at_its_offset() {
        let f = frames(&[
            (true, 100, SYN, b""),
            (true, 101, ACK, b"0123"),
            (true, 109, ACK, b"89"),
            (true, 111, ACK, b"ab"),
        ]);
        let c = &run(&f)[0];
        assert_eq!(c.streams[0].data, b"0123");
        assert_eq!(
            c.streams[0].gaps,
            vec![Gap {
                offset: 4,
                len: 4,
                next_packet: 3
            }]
        );
        assert_eq!(c.streams[0].bytes_after_gap, 4);
    }

    #[test]
    fn differing_retransmission_is_reported() {
        let f = frames(&[
            (true, 100, SYN, b""),
            (true, 101, ACK, b"hello"),
            (true, 103, ACK, b"LLo"),
        ]);
        let c = &run(&f)[0];
        assert_eq!(c.streams[0].data, b"hello");
        assert_eq!(c.streams[0].conflicts, vec![Conflict { offset: 2, packet: 3 }]);
    }

    #[test]
    fn port_reuse_starts_a_new_connection() {
        let f = frames(&[
            (true, 100, SYN, b""),
            (true, 101, ACK, b"first"),
            (true, 9000, SYN, b""),
            (true, 9001, ACK, b"second"),
        ]);
        let conns = run(&f);
        assert_eq!(conns.len(), 2);
        assert_eq!(conns[0].streams[0].data, b"first");
        assert_eq!(conns[1].streams[0].data, b"second");
    }
}
