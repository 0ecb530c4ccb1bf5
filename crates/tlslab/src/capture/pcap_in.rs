//! Reading capture files: classic pcap ([draft-ietf-opsawg-pcap]) and pcapng
//! ([draft-ietf-opsawg-pcapng]), either byte order, parsed by `pcap-parser`.
//!
//! A truncated or hostile file ends with a named error ([`CaptureError`],
//! with the byte offset of the structure that broke off) and the packets read
//! up to that point, never a panic or a huge allocation. Packets borrow from
//! the file's bytes.
//!
//! [draft-ietf-opsawg-pcap]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
//! [draft-ietf-opsawg-pcapng]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/

use std::fmt;

use pcap_parser::nom::{self, Needed};
use pcap_parser::pcapng::{parse_block_be, parse_block_le, parse_sectionheaderblock, Block};
use pcap_parser::{parse_pcap_frame, parse_pcap_frame_be, parse_pcap_header, PcapError};

/// One captured packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Frame number, from 1, as Wireshark counts.
    pub number: u64,
    /// Capture time in microseconds since the Unix epoch (0 if unknown).
    pub time_us: u64,
    /// Link-layer type of the interface it was captured on.
    pub link_type: u32,
    /// The captured bytes (possibly fewer than were on the wire, see `orig_len`).
    pub data: &'a [u8],
    /// Length of the packet on the wire.
    pub orig_len: u32,
}

/// The container format of a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

/// A capture file, read.
#[derive(Clone, Debug)]
pub struct Capture<'a> {
    /// pcap or pcapng.
    pub format: Format,
    /// Every packet read, in file order.
    pub packets: Vec<Packet<'a>>,
    /// Why reading stopped before the end of the file, if it did (a truncated
    /// file: the packets before that point are kept).
    pub stopped: Option<CaptureError>,
    /// Packets skipped because their interface was not described (pcapng).
    pub skipped: Vec<String>,
}

/// Why a capture file could not be read (or was read only in part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureError {
    /// The file is too short to hold a file header.
    TooShort {
        /// Bytes in the file.
        len: usize,
    },
    /// The first four bytes are neither a pcap nor a pcapng magic number.
    UnknownFormat {
        /// The first bytes of the file.
        magic: [u8; 4],
    },
    /// A header field that makes no sense.
    BadHeader {
        /// Byte offset of the structure in the file.
        offset: usize,
        /// What was wrong.
        what: String,
    },
    /// The file ends inside a structure.
    Truncated {
        /// Byte offset of the structure in the file.
        offset: usize,
        /// Which structure.
        what: &'static str,
        /// Bytes it needs.
        need: usize,
        /// Bytes left in the file.
        have: usize,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::TooShort { len } => {
                write!(f, "not a capture file: {len} bytes, shorter than any file header")
            }
            CaptureError::UnknownFormat { magic } => write!(
                f,
                "not a pcap or pcapng file: it starts with {} (pcap starts a1b2c3d4 or d4c3b2a1, pcapng 0a0d0d0a)",
                hex::encode(magic)
            ),
            CaptureError::BadHeader { offset, what } => write!(f, "bad header at byte {offset}: {what}"),
            CaptureError::Truncated {
                offset,
                what,
                need,
                have,
            } => write!(
                f,
                "file truncated: the {what} at byte {offset} needs {need} bytes, {have} left"
            ),
        }
    }
}

impl std::error::Error for CaptureError {}

/// A packet larger than this is a corrupt length field, not a packet (the
/// largest snap length in use is 262144).
const MAX_PACKET: usize = 1 << 20;

/// Reads a pcap or pcapng file with `pcap-parser`. `Err` only when not even
/// the file header can be read; a file that breaks off later yields the
/// packets before the break and the reason in [`Capture::stopped`].
pub fn read_capture(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    if bytes.len() < 4 {
        return Err(CaptureError::TooShort { len: bytes.len() });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    match magic {
        [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xa1, 0xb2, 0x3c, 0x4d]
        | [0xd4, 0xc3, 0xb2, 0xa1]
        | [0x4d, 0x3c, 0xb2, 0xa1] => read_pcap(bytes),
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(bytes),
        _ => Err(CaptureError::UnknownFormat { magic }),
    }
}

/// The named error for a structure at `offset` that `pcap-parser` could not
/// read from the `have` bytes left.
fn parse_error(
    offset: usize,
    what: &'static str,
    have: usize,
    e: nom::Err<PcapError<&[u8]>>,
) -> CaptureError {
    let truncated = |more: usize| CaptureError::Truncated {
        offset,
        what,
        need: have + more.max(1),
        have,
    };
    match e {
        nom::Err::Incomplete(Needed::Size(n)) => truncated(n.get()),
        nom::Err::Incomplete(Needed::Unknown) => truncated(1),
        nom::Err::Error(e) | nom::Err::Failure(e) => match e {
            PcapError::Incomplete(n) => truncated(n),
            PcapError::UnexpectedEof | PcapError::Eof => truncated(1),
            PcapError::NomError(_, kind) => CaptureError::BadHeader {
                offset,
                what: format!("{what} does not parse ({})", kind.description()),
            },
            other => CaptureError::BadHeader {
                offset,
                what: format!("{what}: {other:?}"),
            },
        },
    }
}

/// Classic pcap: a 24-byte file header, then (16-byte header, data) per packet.
fn read_pcap(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    let (mut rest, header) =
        parse_pcap_header(bytes).map_err(|e| parse_error(0, "pcap file header", bytes.len(), e))?;
    // The link type is the low 16 bits; the high bits may carry FCS information.
    let link_type = (header.network.0 as u32) & 0xffff;
    let nanos = header.is_nanosecond_precision();
    let mut cap = Capture {
        format: Format::Pcap,
        packets: vec![],
        stopped: None,
        skipped: vec![],
    };
    while !rest.is_empty() {
        let at = bytes.len() - rest.len();
        let parsed = if header.is_bigendian() {
            parse_pcap_frame_be(rest)
        } else {
            parse_pcap_frame(rest)
        };
        let frame = match parsed {
            Ok((next, frame)) if frame.data.len() <= MAX_PACKET => {
                rest = next;
                frame
            }
            Ok((_, frame)) => {
                cap.stopped = Some(CaptureError::BadHeader {
                    offset: at,
                    what: format!(
                        "packet length {} exceeds {MAX_PACKET}: a corrupt file",
                        frame.caplen
                    ),
                });
                break;
            }
            Err(e) => {
                cap.stopped = Some(parse_error(at, "packet", rest.len(), e));
                break;
            }
        };
        let frac = u64::from(frame.ts_usec);
        cap.packets.push(Packet {
            number: cap.packets.len() as u64 + 1,
            time_us: u64::from(frame.ts_sec) * 1_000_000 + if nanos { frac / 1000 } else { frac },
            link_type,
            data: frame.data,
            orig_len: frame.origlen,
        });
    }
    Ok(cap)
}

/// One pcapng interface: its link type and timestamp resolution.
#[derive(Clone, Copy)]
struct Interface {
    link_type: u32,
    /// Timestamp units per second (`if_tsresol`, default 10^6).
    units_per_sec: u64,
}

/// pcapng: a sequence of blocks; each Section Header Block sets the byte
/// order and forgets the interfaces.
fn read_pcapng(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    // The first block must be a section header: otherwise this is no pcapng file.
    if let Err(e) = parse_sectionheaderblock(bytes) {
        return Err(parse_error(0, "pcapng section header block", bytes.len(), e));
    }
    let mut cap = Capture {
        format: Format::PcapNg,
        packets: vec![],
        stopped: None,
        skipped: vec![],
    };
    let mut big_endian = false;
    let mut interfaces: Vec<Interface> = vec![];
    let mut rest = bytes;
    while !rest.is_empty() {
        let at = bytes.len() - rest.len();
        let parsed = if big_endian {
            parse_block_be(rest)
        } else {
            parse_block_le(rest)
        };
        let block = match parsed {
            Ok((next, block)) => {
                rest = next;
                block
            }
            Err(e) => {
                cap.stopped = Some(parse_error(at, "pcapng block", rest.len(), e));
                break;
            }
        };
        let number = cap.packets.len() as u64 + cap.skipped.len() as u64 + 1;
        let (iface, time, data, orig_len) = match block {
            Block::SectionHeader(shb) => {
                big_endian = shb.big_endian();
                interfaces.clear();
                continue;
            }
            Block::InterfaceDescription(idb) => {
                interfaces.push(Interface {
                    link_type: (idb.linktype.0 as u32) & 0xffff,
                    units_per_sec: idb.ts_resolution().unwrap_or(1_000_000),
                });
                continue;
            }
            Block::EnhancedPacket(epb) => {
                // `data` is padded to 32 bits: the captured length cuts it.
                let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
                let ts = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                (epb.if_id as usize, Some(ts), data, epb.origlen)
            }
            // A Simple Packet Block is on interface 0 and has no timestamp.
            Block::SimplePacket(spb) => {
                let data = &spb.data[..(spb.origlen as usize).min(spb.data.len())];
                (0, None, data, spb.origlen)
            }
            // Name resolution, statistics, decryption secrets, custom: nothing to read.
            _ => continue,
        };
        match interfaces.get(iface) {
            Some(i) => cap.packets.push(Packet {
                number,
                time_us: time.map_or(0, |ts| scale_time(ts, i.units_per_sec)),
                link_type: i.link_type,
                data,
                orig_len,
            }),
            None => cap
                .skipped
                .push(format!("frame {number}: interface {iface} was never described")),
        }
    }
    Ok(cap)
}

fn scale_time(ts: u64, units_per_sec: u64) -> u64 {
    if units_per_sec == 0 {
        return 0;
    }
    let secs = ts / units_per_sec;
    let frac = ts % units_per_sec;
    secs.saturating_mul(1_000_000)
        .saturating_add((u128::from(frac) * 1_000_000 / u128::from(units_per_sec)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_le(link: u32, packets: &[&[u8]]) -> Vec<u8> {
        let mut f = vec![];
        for v in [0xa1b2c3d4u32.to_le_bytes().to_vec(), vec![2, 0, 4, 0], vec![0; 8]] {
            f.extend_from_slice(&v);
        }
        f.extend_from_slice(&65535u32.to_le_bytes());
        f.extend_from_slice(&link.to_le_bytes());
        for (i, p) in packets.iter().enumerate() {
            f.extend_from_slice(&(i as u32).to_le_bytes());
            f.extend_from_slice(&5u32.to_le_bytes());
            f.extend_from_slice(&(p.len() as u32).to_le_bytes());
            f.extend_from_slice(&(p.len() as u32).to_le_bytes());
            f.extend_from_slice(p);
        }
        f
    }

    fn block_be(typ: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let total = (body.len() + 12) as u32;
        let mut b = typ.to_be_bytes().to_vec();
        b.extend_from_slice(&total.to_be_bytes());
        b.extend_from_slice(&body);
        b.extend_from_slice(&total.to_be_bytes());
        b
    }

    #[test]
    fn pcap_both_orders_and_truncation() {
        let f = pcap_le(101, &[b"abc", b"defg"]);
        let c = read_capture(&f).unwrap();
        assert_eq!(c.format, Format::Pcap);
        assert_eq!(c.packets.len(), 2);
        assert_eq!(c.packets[1].data, b"defg");
        assert_eq!(c.packets[1].link_type, 101);
        assert_eq!(c.packets[1].time_us, 1_000_005);
        assert!(c.stopped.is_none());
        // Cut one byte short: the first packet survives, the second is named.
        let c = read_capture(&f[..f.len() - 1]).unwrap();
        assert_eq!(c.packets.len(), 1);
        assert!(matches!(
            c.stopped,
            Some(CaptureError::Truncated { what: "packet", .. })
        ));
        // Every cut: never a panic.
        for cut in 0..f.len() {
            let _ = read_capture(&f[..cut]);
        }
        assert!(matches!(
            read_capture(b"GET / HTTP/1.1"),
            Err(CaptureError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn pcapng_big_endian_with_two_interfaces_and_tsresol() {
        let mut shb = vec![0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0];
        shb.extend_from_slice(&u64::MAX.to_be_bytes());
        let mut f = block_be(0x0a0d0d0a, &shb);
        f.extend(block_be(1, &[0, 1, 0, 0, 0, 0, 0, 0]));
        // if_tsresol = 9 (nanoseconds), then opt_endofopt.
        f.extend(block_be(
            1,
            &[0, 113, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 9, 0, 0, 0, 0, 0, 0, 0],
        ));
        let epb = |iface: u32, ts: u64, data: &[u8]| {
            let mut b = iface.to_be_bytes().to_vec();
            b.extend_from_slice(&((ts >> 32) as u32).to_be_bytes());
            b.extend_from_slice(&(ts as u32).to_be_bytes());
            b.extend_from_slice(&(data.len() as u32).to_be_bytes());
            b.extend_from_slice(&(data.len() as u32).to_be_bytes());
            b.extend_from_slice(data);
            b
        };
        f.extend(block_be(6, &epb(0, 3_000_000, b"one")));
        f.extend(block_be(6, &epb(1, 3_000_000_000, b"two!")));
        f.extend(block_be(6, &epb(7, 0, b"lost")));
        let c = read_capture(&f).unwrap();
        assert_eq!(c.format, Format::PcapNg);
        assert_eq!(c.packets.len(), 2);
        assert_eq!(
            (c.packets[0].link_type, c.packets[0].data, c.packets[0].time_us),
            (1, &b"one"[..], 3_000_000)
        );
        assert_eq!(
            (c.packets[1].link_type, c.packets[1].data, c.packets[1].time_us),
            (113, &b"two!"[..], 3_000_000)
        );
        assert_eq!(c.skipped.len(), 1);
        for cut in 0..f.len() {
            let _ = read_capture(&f[..cut]);
        }
    }
}
