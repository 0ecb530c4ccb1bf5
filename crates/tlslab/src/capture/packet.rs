//! Link-layer, IP and TCP headers: decoded from captured frames, and built for
//! the frames [`PcapWriter`](super::PcapWriter) writes.
//!
//! `etherparse` decodes and builds the Ethernet, IP and TCP headers; only what
//! TCP reassembly needs is kept: the two addresses and ports, the sequence and
//! acknowledgement numbers, the flags and the payload. Checksums are *not*
//! verified on input: captures taken on the sending host see segments before
//! the network card computes their checksum (checksum offload), so a wrong
//! checksum there is normal and rejecting it would drop good data. They are
//! computed correctly on output (RFC 791 §3.1, RFC 9293 §3.1), since
//! Wireshark flags bad ones.

use std::net::{IpAddr, SocketAddr};

use etherparse::{
    EtherType, IpHeaders, Ipv4Header, Ipv6Header, NetSlice, PacketBuilder, SlicedPacket, TransportSlice,
};

/// Link-layer header types (<https://www.tcpdump.org/linktypes.html>).
pub mod link_type {
    /// `LINKTYPE_NULL`: BSD loopback, a 4-byte address family in host byte order.
    pub const NULL: u32 = 0;
    /// `LINKTYPE_ETHERNET`: IEEE 802.3 Ethernet.
    pub const ETHERNET: u32 = 1;
    /// `LINKTYPE_RAW`: a raw IPv4 or IPv6 packet, told apart by its version nibble.
    pub const RAW: u32 = 101;
    /// `DLT_RAW` as some BSDs number it in files (12 and 14 both occur).
    pub const RAW_BSD_12: u32 = 12;
    /// `DLT_RAW` as OpenBSD numbers it.
    pub const RAW_BSD_14: u32 = 14;
    /// `LINKTYPE_LOOP`: OpenBSD loopback, the address family in network byte order.
    pub const LOOP: u32 = 108;
    /// `LINKTYPE_LINUX_SLL`: Linux "cooked" capture v1 (`tcpdump -i any`).
    pub const LINUX_SLL: u32 = 113;
    /// `LINKTYPE_IPV4`: raw IPv4.
    pub const IPV4: u32 = 228;
    /// `LINKTYPE_IPV6`: raw IPv6.
    pub const IPV6: u32 = 229;
    /// `LINKTYPE_LINUX_SLL2`: Linux "cooked" capture v2 (newer `tcpdump -i any`).
    pub const LINUX_SLL2: u32 = 276;
}

/// TCP flag bits (RFC 9293 §3.1).
pub mod tcp_flags {
    /// No more data from the sender.
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers: the first segment of each direction.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push.
    pub const PSH: u8 = 0x08;
    /// The acknowledgment field is significant.
    pub const ACK: u8 = 0x10;
}

/// One TCP segment out of a captured frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (or of the SYN/FIN).
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flag bits, see [`tcp_flags`].
    pub flags: u8,
    /// The payload, trimmed to the length the IP header announces (Ethernet
    /// pads short frames).
    pub payload: &'a [u8],
}

/// What a frame turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A TCP segment over IPv4 or IPv6.
    Tcp(TcpSegment<'a>),
    /// Something else (ARP, UDP, ICMP, ...): named for the statistics.
    NotTcp(&'static str),
    /// An IPv4 or IPv6 fragment. TLS stacks never send fragmented TCP in
    /// practice (path MTU discovery), so fragments are counted, not reassembled.
    IpFragment,
}

/// Why a frame could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// A link-layer type this reader does not know.
    UnknownLinkType(u32),
    /// A header that is cut short or inconsistent.
    Malformed(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::UnknownLinkType(t) => write!(
                f,
                "unknown link-layer type {t} (known: Ethernet 1, raw IP 101/228/229, Linux cooked 113/276, BSD loopback 0/108)"
            ),
            FrameError::Malformed(s) => f.write_str(s),
        }
    }
}

fn malformed(what: &str, need: usize, have: usize) -> FrameError {
    FrameError::Malformed(format!("{what}: needs {need} bytes, frame has {have}"))
}

/// Decodes one captured frame of link-layer type `link_type` down to TCP:
/// `etherparse` reads the Ethernet (with 802.1Q tags), IPv4, IPv6 (with its
/// extension headers) and TCP headers; the loopback and Linux cooked link
/// headers, a few fixed bytes each, are read here.
pub fn decode_frame(link_type: u32, frame: &[u8]) -> Result<Decoded<'_>, FrameError> {
    let sliced = match link_type {
        link_type::ETHERNET => SlicedPacket::from_ethernet(frame),
        link_type::RAW | link_type::RAW_BSD_12 | link_type::RAW_BSD_14 => match frame.first().map(|b| b >> 4)
        {
            Some(4 | 6) => SlicedPacket::from_ip(frame),
            Some(_) => return Ok(Decoded::NotTcp("raw frame that is neither IPv4 nor IPv6")),
            None => return Err(malformed("IP header", 1, 0)),
        },
        link_type::IPV4 | link_type::IPV6 => SlicedPacket::from_ip(frame),
        link_type::NULL | link_type::LOOP => {
            let Some(raw) = frame.first_chunk::<4>() else {
                return Err(malformed("loopback header", 4, frame.len()));
            };
            // NULL stores the family in the *capturing* host's byte order, so
            // try both; the values are small, so only one reading makes sense.
            let family = if link_type == link_type::LOOP {
                u32::from_be_bytes(*raw)
            } else if u32::from_le_bytes(*raw) < 256 {
                u32::from_le_bytes(*raw)
            } else {
                u32::from_be_bytes(*raw)
            };
            match family {
                // AF_INET, and AF_INET6 as 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS).
                2 | 24 | 28 | 30 => SlicedPacket::from_ip(&frame[4..]),
                _ => return Ok(Decoded::NotTcp("loopback frame of another address family")),
            }
        }
        // Read here rather than by etherparse's Linux cooked v1 reader, which
        // refuses the loopback hardware type (ARPHRD 772) that `tcpdump -i any`
        // records for every segment on 127.0.0.1.
        link_type::LINUX_SLL => {
            // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
            if frame.len() < 16 {
                return Err(malformed("Linux cooked (SLL) header", 16, frame.len()));
            }
            let protocol = EtherType(u16::from_be_bytes([frame[14], frame[15]]));
            SlicedPacket::from_ether_type(protocol, &frame[16..])
        }
        link_type::LINUX_SLL2 => {
            // protocol(2) reserved(2) interface index(4) ARPHRD(2) packet type(1)
            // address length(1) address(8)
            if frame.len() < 20 {
                return Err(malformed("Linux cooked v2 (SLL2) header", 20, frame.len()));
            }
            let protocol = EtherType(u16::from_be_bytes([frame[0], frame[1]]));
            SlicedPacket::from_ether_type(protocol, &frame[20..])
        }
        other => return Err(FrameError::UnknownLinkType(other)),
    };
    let sliced = sliced.map_err(|e| FrameError::Malformed(e.to_string()))?;
    tcp_segment(&sliced)
}

/// The TCP segment in a sliced frame, or what the frame is instead.
fn tcp_segment<'a>(p: &SlicedPacket<'a>) -> Result<Decoded<'a>, FrameError> {
    let (src, dst, fragmented) = match &p.net {
        Some(NetSlice::Ipv4(ip)) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
            ip.is_payload_fragmented(),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
            ip.is_payload_fragmented(),
        ),
        Some(NetSlice::Arp(_)) => return Ok(Decoded::NotTcp("ARP")),
        None => return Ok(Decoded::NotTcp("neither IPv4 nor IPv6")),
    };
    if fragmented {
        return Ok(Decoded::IpFragment);
    }
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => Ok(Decoded::Tcp(TcpSegment {
            src: SocketAddr::new(src, t.source_port()),
            dst: SocketAddr::new(dst, t.destination_port()),
            seq: t.sequence_number(),
            ack: t.acknowledgment_number(),
            // Byte 13 of the TCP header: CWR ECE URG ACK PSH RST SYN FIN (RFC 9293 §3.1).
            flags: t.header_slice()[13],
            payload: t.payload(),
        })),
        Some(TransportSlice::Udp(_)) => Ok(Decoded::NotTcp("UDP")),
        Some(TransportSlice::Icmpv4(_)) => Ok(Decoded::NotTcp("ICMP")),
        Some(TransportSlice::Icmpv6(_)) => Ok(Decoded::NotTcp("ICMPv6")),
        _ => Ok(Decoded::NotTcp("IP, not TCP")),
    }
}

/// One outgoing segment, before framing.
#[derive(Clone, Copy, Debug)]
pub struct SegmentSpec<'a> {
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port (same address family as `src`).
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (meaningful with [`tcp_flags::ACK`]).
    pub ack: u32,
    /// Flag bits.
    pub flags: u8,
    /// The IPv4 identification field (ignored for IPv6).
    pub ip_id: u16,
    /// Payload.
    pub payload: &'a [u8],
}

/// The largest payload [`build_ethernet_frame`] accepts: an IPv4 packet's
/// total length is 16 bits (65535 - 20 - 20).
pub const MAX_SEGMENT_PAYLOAD: usize = 65495;

/// Builds an Ethernet II frame (zero MAC addresses, as on a Linux loopback)
/// carrying IPv4 or IPv6 and TCP, with the checksums `etherparse` computes
/// (RFC 791 §3.1, RFC 9293 §3.1; Wireshark flags wrong ones). `None` if the
/// address families differ or the payload exceeds [`MAX_SEGMENT_PAYLOAD`].
pub fn build_ethernet_frame(s: &SegmentSpec<'_>) -> Option<Vec<u8>> {
    if s.payload.len() > MAX_SEGMENT_PAYLOAD {
        return None;
    }
    let ip = match (s.src.ip(), s.dst.ip()) {
        (IpAddr::V4(a), IpAddr::V4(b)) => IpHeaders::Ipv4(
            Ipv4Header {
                identification: s.ip_id,
                dont_fragment: true,
                time_to_live: 64,
                source: a.octets(),
                destination: b.octets(),
                ..Ipv4Header::default()
            },
            Default::default(),
        ),
        (IpAddr::V6(a), IpAddr::V6(b)) => IpHeaders::Ipv6(
            Ipv6Header {
                hop_limit: 64,
                source: a.octets(),
                destination: b.octets(),
                ..Ipv6Header::default()
            },
            Default::default(),
        ),
        _ => return None,
    };
    // TCP header: 20 bytes, no options; window 65535.
    let mut tcp =
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ip(ip)
            .tcp(s.src.port(), s.dst.port(), s.seq, 65535);
    let has = |flag: u8| s.flags & flag != 0;
    if has(tcp_flags::ACK) {
        tcp = tcp.ack(s.ack);
    }
    if has(tcp_flags::SYN) {
        tcp = tcp.syn();
    }
    if has(tcp_flags::FIN) {
        tcp = tcp.fin();
    }
    if has(tcp_flags::RST) {
        tcp = tcp.rst();
    }
    if has(tcp_flags::PSH) {
        tcp = tcp.psh();
    }
    let mut frame = Vec::with_capacity(tcp.size(s.payload.len()));
    tcp.write(&mut frame, s.payload).ok()?;
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPPROTO_TCP: u8 = 6;

    /// The Internet checksum (RFC 1071), written here to check the frames
    /// independently of etherparse: the one's complement of the one's
    /// complement sum of 16-bit words, an odd last byte padded with zero.
    fn internet_checksum(parts: &[&[u8]]) -> u16 {
        let bytes: Vec<u8> = parts.concat();
        let mut sum: u64 = bytes
            .chunks(2)
            .map(|w| u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
            .sum();
        while sum >> 16 != 0 {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    /// RFC 1071 §3's worked example: the words 0001 f203 f4f5 f6f7 sum to
    /// ddf2, whose complement is 220d.
    #[test]
    fn internet_checksum_matches_rfc1071_example() {
        assert_eq!(
            internet_checksum(&[&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]]),
            0x220d
        );
        // Split at an odd boundary: the same sum.
        assert_eq!(
            internet_checksum(&[&[0x00, 0x01, 0xf2], &[0x03, 0xf4, 0xf5, 0xf6, 0xf7]]),
            0x220d
        );
    }

    #[test]
    fn built_frames_decode_back_and_checksums_verify() {
        for (src, dst) in [
            ("127.0.0.1:50000", "127.0.0.1:443"),
            ("[::1]:50000", "[2001:db8::7]:8443"),
        ] {
            let spec = SegmentSpec {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                seq: 0xfffffff0,
                ack: 7,
                flags: tcp_flags::PSH | tcp_flags::ACK,
                ip_id: 9,
                payload: b"hello, odd length",
            };
            let frame = build_ethernet_frame(&spec).unwrap();
            let Decoded::Tcp(seg) = decode_frame(link_type::ETHERNET, &frame).unwrap() else {
                panic!("not TCP");
            };
            assert_eq!(
                (seg.src, seg.dst, seg.seq, seg.ack),
                (spec.src, spec.dst, spec.seq, spec.ack)
            );
            assert_eq!(seg.payload, spec.payload);
            // A correct checksum sums (with the pseudo-header) to 0xffff, i.e. complements to 0.
            let tcp_len = (20 + spec.payload.len()) as u32;
            let (ip_len, pseudo) = match (spec.src.ip(), spec.dst.ip()) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    assert_eq!(internet_checksum(&[&frame[14..34]]), 0, "IPv4 header checksum");
                    // src, dst, zero, protocol, TCP length (RFC 9293 §3.1).
                    let mut p = [a.octets(), b.octets()].concat();
                    p.extend_from_slice(&[0, IPPROTO_TCP]);
                    p.extend_from_slice(&(tcp_len as u16).to_be_bytes());
                    (20, p)
                }
                (IpAddr::V6(a), IpAddr::V6(b)) => {
                    // src, dst, upper-layer length(4), zero(3), next header (RFC 8200 §8.1).
                    let mut p = [a.octets(), b.octets()].concat();
                    p.extend_from_slice(&tcp_len.to_be_bytes());
                    p.extend_from_slice(&[0, 0, 0, IPPROTO_TCP]);
                    (40, p)
                }
                _ => unreachable!(),
            };
            assert_eq!(frame.len(), 14 + ip_len + tcp_len as usize);
            assert_eq!(
                internet_checksum(&[&pseudo, &frame[14 + ip_len..]]),
                0,
                "TCP checksum"
            );
        }
        let mixed = SegmentSpec {
            src: "127.0.0.1:1".parse().unwrap(),
            dst: "[::1]:2".parse().unwrap(),
            seq: 0,
            ack: 0,
            flags: 0,
            ip_id: 0,
            payload: b"",
        };
        assert!(build_ethernet_frame(&mixed).is_none());
    }

    #[test]
    fn every_link_type_reaches_tcp() {
        let spec = SegmentSpec {
            src: "10.0.0.1:1234".parse().unwrap(),
            dst: "10.0.0.2:443".parse().unwrap(),
            seq: 1,
            ack: 2,
            flags: tcp_flags::ACK,
            ip_id: 1,
            payload: b"x",
        };
        let eth = build_ethernet_frame(&spec).unwrap();
        let ip = &eth[14..];
        let mut sll = vec![0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0];
        sll.extend_from_slice(ip);
        let mut sll2 = vec![8, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
        sll2.extend_from_slice(ip);
        let mut null_le = vec![2, 0, 0, 0];
        null_le.extend_from_slice(ip);
        let mut null_be = vec![0, 0, 0, 2];
        null_be.extend_from_slice(ip);
        let mut vlan = eth[..12].to_vec();
        vlan.extend_from_slice(&[0x81, 0, 0, 5, 8, 0]);
        vlan.extend_from_slice(ip);
        for (lt, f) in [
            (link_type::RAW, ip.to_vec()),
            (link_type::IPV4, ip.to_vec()),
            (link_type::LINUX_SLL, sll),
            (link_type::LINUX_SLL2, sll2),
            (link_type::NULL, null_le),
            (link_type::NULL, null_be.clone()),
            (link_type::LOOP, null_be),
            (link_type::ETHERNET, vlan),
        ] {
            match decode_frame(lt, &f) {
                Ok(Decoded::Tcp(s)) => assert_eq!(s.payload, b"x", "link type {lt}"),
                other => panic!("link type {lt}: {other:?}"),
            }
        }
        assert_eq!(decode_frame(147, ip), Err(FrameError::UnknownLinkType(147)));
    }

    #[test]
    fn truncated_frames_are_named_errors() {
        let spec = SegmentSpec {
            src: "[::1]:1".parse().unwrap(),
            dst: "[::1]:2".parse().unwrap(),
            seq: 1,
            ack: 2,
            flags: tcp_flags::ACK,
            ip_id: 1,
            payload: b"xyz",
        };
        let eth = build_ethernet_frame(&spec).unwrap();
        for cut in 0..eth.len() {
            assert!(matches!(
                decode_frame(link_type::ETHERNET, &eth[..cut]),
                Err(FrameError::Malformed(_))
            ));
        }
    }
}
