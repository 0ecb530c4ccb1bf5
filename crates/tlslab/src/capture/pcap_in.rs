//! Reading capture files: classic pcap ([draft-ietf-opsawg-pcap]) and pcapng
//! ([draft-ietf-opsawg-pcapng]), either byte order.
//!
//! The reader never trusts a length field: every one is checked against the
//! bytes that are left before it is used, so a truncated or hostile file ends
//! with a named error and the packets read up to that point, never a panic or
//! a huge allocation. Packets borrow from the file's bytes.
//!
//! [draft-ietf-opsawg-pcap]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
//! [draft-ietf-opsawg-pcapng]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/

use std::fmt;

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

#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, b: &[u8], at: usize) -> u16 {
        let v = [b[at], b[at + 1]];
        match self {
            Order::Little => u16::from_le_bytes(v),
            Order::Big => u16::from_be_bytes(v),
        }
    }
    fn u32(self, b: &[u8], at: usize) -> u32 {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        match self {
            Order::Little => u32::from_le_bytes(v),
            Order::Big => u32::from_be_bytes(v),
        }
    }
}

/// Reads a pcap or pcapng file. `Err` only when not even the file header can
/// be read; a file that breaks off later yields the packets before the break
/// and the reason in [`Capture::stopped`].
pub fn read_capture(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    if bytes.len() < 4 {
        return Err(CaptureError::TooShort { len: bytes.len() });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    match magic {
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => read_pcap(bytes, Order::Big),
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => read_pcap(bytes, Order::Little),
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(bytes),
        _ => Err(CaptureError::UnknownFormat { magic }),
    }
}

fn truncated(offset: usize, what: &'static str, need: usize, have: usize) -> CaptureError {
    CaptureError::Truncated {
        offset,
        what,
        need,
        have,
    }
}

/// Classic pcap: a 24-byte file header, then (16-byte header, data) per packet.
fn read_pcap(bytes: &[u8], order: Order) -> Result<Capture<'_>, CaptureError> {
    if bytes.len() < 24 {
        return Err(truncated(0, "pcap file header", 24, bytes.len()));
    }
    // Nanosecond files have their own magic (a1b23c4d).
    let nanos = order.u32(bytes, 0) == 0xa1b2_3c4d;
    // The link type is the low 16 bits; the high bits may carry FCS information.
    let link_type = order.u32(bytes, 20) & 0xffff;
    let mut cap = Capture {
        format: Format::Pcap,
        packets: vec![],
        stopped: None,
        skipped: vec![],
    };
    let mut at = 24;
    while at < bytes.len() {
        let left = bytes.len() - at;
        if left < 16 {
            cap.stopped = Some(truncated(at, "packet header", 16, left));
            break;
        }
        let sec = u64::from(order.u32(bytes, at));
        let frac = u64::from(order.u32(bytes, at + 4));
        let incl = order.u32(bytes, at + 8) as usize;
        let orig_len = order.u32(bytes, at + 12);
        if incl > MAX_PACKET {
            cap.stopped = Some(CaptureError::BadHeader {
                offset: at,
                what: format!("packet length {incl} exceeds {MAX_PACKET}: a corrupt file"),
            });
            break;
        }
        if left - 16 < incl {
            cap.stopped = Some(truncated(at, "packet", 16 + incl, left));
            break;
        }
        let time_us = sec * 1_000_000 + if nanos { frac / 1000 } else { frac };
        cap.packets.push(Packet {
            number: cap.packets.len() as u64 + 1,
            time_us,
            link_type,
            data: &bytes[at + 16..at + 16 + incl],
            orig_len,
        });
        at += 16 + incl;
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

/// pcapng: a sequence of blocks `type(4) total_length(4) body total_length(4)`;
/// each Section Header Block sets the byte order and forgets the interfaces.
fn read_pcapng(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    let mut cap = Capture {
        format: Format::PcapNg,
        packets: vec![],
        stopped: None,
        skipped: vec![],
    };
    let mut order = Order::Little;
    let mut interfaces: Vec<Interface> = vec![];
    let mut at = 0;
    let mut first = true;
    while at < bytes.len() {
        let left = bytes.len() - at;
        if left < 12 {
            let e = truncated(at, "pcapng block header", 12, left);
            if first {
                return Err(e);
            }
            cap.stopped = Some(e);
            break;
        }
        let block_type = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        if block_type == 0x0a0d_0d0a {
            // The byte-order magic 1a2b3c4d follows the length field.
            order = match bytes[at + 8..at + 12] {
                [0x4d, 0x3c, 0x2b, 0x1a] => Order::Little,
                [0x1a, 0x2b, 0x3c, 0x4d] => Order::Big,
                _ => {
                    let e = CaptureError::BadHeader {
                        offset: at + 8,
                        what: "section header without the byte-order magic 1a2b3c4d".into(),
                    };
                    if first {
                        return Err(e);
                    }
                    cap.stopped = Some(e);
                    break;
                }
            };
            interfaces.clear();
        } else if first {
            return Err(CaptureError::BadHeader {
                offset: 0,
                what: "pcapng file does not start with a section header block".into(),
            });
        }
        first = false;
        let total = order.u32(bytes, at + 4) as usize;
        if total < 12 || !total.is_multiple_of(4) || total > MAX_PACKET + 64 {
            cap.stopped = Some(CaptureError::BadHeader {
                offset: at,
                what: format!("block length {total} (must be a multiple of 4, at least 12)"),
            });
            break;
        }
        if total > left {
            cap.stopped = Some(truncated(at, "pcapng block", total, left));
            break;
        }
        let body = &bytes[at + 8..at + total - 4];
        let block_type = order.u32(bytes, at);
        match block_type {
            // Interface Description Block: link type(2) reserved(2) snaplen(4) options.
            1 => {
                if body.len() < 8 {
                    cap.stopped = Some(truncated(at, "interface description block", 20, total));
                    break;
                }
                interfaces.push(Interface {
                    link_type: u32::from(order.u16(body, 0)),
                    units_per_sec: if_tsresol(&body[8..], order).unwrap_or(1_000_000),
                });
            }
            // Enhanced Packet Block: interface(4) ts high(4) ts low(4) caplen(4) origlen(4) data.
            // Obsolete Packet Block (2): interface(2) drops(2), then the same.
            2 | 6 => {
                if body.len() < 20 {
                    cap.stopped = Some(truncated(at, "packet block", 32, total));
                    break;
                }
                let iface = if block_type == 6 {
                    order.u32(body, 0) as usize
                } else {
                    usize::from(order.u16(body, 0))
                };
                let ts = (u64::from(order.u32(body, 4)) << 32) | u64::from(order.u32(body, 8));
                let caplen = order.u32(body, 12) as usize;
                let orig_len = order.u32(body, 16);
                if caplen > body.len() - 20 {
                    cap.stopped = Some(CaptureError::BadHeader {
                        offset: at,
                        what: format!("packet block claims {caplen} captured bytes in a block of {total}"),
                    });
                    break;
                }
                let number = cap.packets.len() as u64 + cap.skipped.len() as u64 + 1;
                match interfaces.get(iface) {
                    Some(i) => cap.packets.push(Packet {
                        number,
                        time_us: scale_time(ts, i.units_per_sec),
                        link_type: i.link_type,
                        data: &body[20..20 + caplen],
                        orig_len,
                    }),
                    None => cap
                        .skipped
                        .push(format!("frame {number}: interface {iface} was never described")),
                }
            }
            // Simple Packet Block: origlen(4) data, on interface 0.
            3 => {
                if body.len() < 4 {
                    cap.stopped = Some(truncated(at, "simple packet block", 16, total));
                    break;
                }
                let number = cap.packets.len() as u64 + cap.skipped.len() as u64 + 1;
                let orig_len = order.u32(body, 0);
                let data = &body[4..];
                let data = &data[..data.len().min(orig_len as usize)];
                match interfaces.first() {
                    Some(i) => cap.packets.push(Packet {
                        number,
                        time_us: 0,
                        link_type: i.link_type,
                        data,
                        orig_len,
                    }),
                    None => cap
                        .skipped
                        .push(format!("frame {number}: no interface described")),
                }
            }
            // Section header, name resolution, statistics, decryption secrets, custom: nothing to read.
            _ => {}
        }
        at += total;
    }
    Ok(cap)
}

/// The `if_tsresol` option (code 9): 10^-v seconds, or 2^-(v & 0x7f) with the top bit set.
fn if_tsresol(mut options: &[u8], order: Order) -> Option<u64> {
    while options.len() >= 4 {
        let code = order.u16(options, 0);
        let len = usize::from(order.u16(options, 2));
        let padded = (len + 3) & !3;
        if code == 0 || options.len() < 4 + padded {
            return None;
        }
        if code == 9 && len >= 1 {
            let v = options[4];
            return if v & 0x80 != 0 {
                1u64.checked_shl(u32::from(v & 0x7f))
            } else {
                10u64.checked_pow(u32::from(v))
            };
        }
        options = &options[4 + padded..];
    }
    None
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
