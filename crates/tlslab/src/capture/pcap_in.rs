//! Reading capture files: classic pcap ([draft-ietf-opsawg-pcap]) and pcapng
//! ([draft-ietf-opsawg-pcapng]), either byte order, parsed by `pcap-parser`.
//!
//! A truncated or hostile file ends with a named error ([`CaptureError`],
//! with the byte offset of the structure that broke off) and the packets read
//! up to that point, never a panic or a huge allocation. [`read_capture`]
//! reads a file held in memory (its packets borrow from the bytes);
//! [`CaptureReader`] reads from any [`Read`], one packet at a time, with the
//! same parser and the same errors.
//!
//! [draft-ietf-opsawg-pcap]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
//! [draft-ietf-opsawg-pcapng]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/

use std::fmt;
use std::io::Read;

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

/// Reads a pcap or pcapng file held in memory with `pcap-parser`. `Err`
/// only when not even the file header can be read; a file that breaks off
/// later yields the packets before the break and the reason in
/// [`Capture::stopped`]. [`CaptureReader`] reads the same files from any
/// [`Read`] without holding them.
pub fn read_capture(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    let mut parser = Parser::new(bytes)?;
    let mut cap = Capture {
        format: parser.format(),
        packets: vec![],
        stopped: None,
        skipped: vec![],
    };
    let mut at = parser.header_len;
    while at < bytes.len() {
        match parser.step(&bytes[at..], at) {
            Ok((used, found)) => {
                if let Some(p) = found {
                    cap.packets.push(p.packet(&bytes[at..]));
                }
                at += used;
            }
            Err(e) => {
                cap.stopped = Some(e);
                break;
            }
        }
    }
    cap.skipped = parser.skipped;
    Ok(cap)
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

/// The container and the state its packets are read with.
enum Container {
    /// Classic pcap: a 24-byte file header, then (16-byte header, data) per packet.
    Pcap {
        big_endian: bool,
        link_type: u32,
        nanos: bool,
    },
    /// pcapng: a sequence of blocks; each Section Header Block sets the
    /// byte order and forgets the interfaces.
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// A packet found by [`Parser::step`], its data as a range of the bytes
/// the step was given (so that a streaming reader can lend it out).
struct Found {
    number: u64,
    time_us: u64,
    link_type: u32,
    data: std::ops::Range<usize>,
    orig_len: u32,
}

impl Found {
    fn packet<'a>(&self, rest: &'a [u8]) -> Packet<'a> {
        Packet {
            number: self.number,
            time_us: self.time_us,
            link_type: self.link_type,
            data: &rest[self.data.clone()],
            orig_len: self.orig_len,
        }
    }
}

/// Reads one structure (a packet, or a pcapng block) at a time; shared by
/// [`read_capture`] and [`CaptureReader`], so both name the same errors.
struct Parser {
    container: Container,
    /// Bytes of the pcap file header (the pcapng section header is read as a block).
    header_len: usize,
    /// Frames counted so far (packets and skipped ones), as Wireshark numbers them.
    frames: u64,
    skipped: Vec<String>,
}

impl Parser {
    /// The file header, from the first bytes of the file.
    fn new(first: &[u8]) -> Result<Parser, CaptureError> {
        if first.len() < 4 {
            return Err(CaptureError::TooShort { len: first.len() });
        }
        let magic = [first[0], first[1], first[2], first[3]];
        let container = match magic {
            [0xa1, 0xb2, 0xc3, 0xd4]
            | [0xa1, 0xb2, 0x3c, 0x4d]
            | [0xd4, 0xc3, 0xb2, 0xa1]
            | [0x4d, 0x3c, 0xb2, 0xa1] => {
                let (_, header) = parse_pcap_header(first)
                    .map_err(|e| parse_error(0, "pcap file header", first.len(), e))?;
                // The link type is the low 16 bits; the high bits may carry FCS information.
                Container::Pcap {
                    big_endian: header.is_bigendian(),
                    link_type: (header.network.0 as u32) & 0xffff,
                    nanos: header.is_nanosecond_precision(),
                }
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                // The first block must be a section header: otherwise this is no pcapng file.
                if let Err(e) = parse_sectionheaderblock(first) {
                    return Err(parse_error(0, "pcapng section header block", first.len(), e));
                }
                Container::PcapNg {
                    big_endian: false,
                    interfaces: vec![],
                }
            }
            _ => return Err(CaptureError::UnknownFormat { magic }),
        };
        let header_len = match container {
            Container::Pcap { .. } => 24,
            Container::PcapNg { .. } => 0,
        };
        Ok(Parser {
            container,
            header_len,
            frames: 0,
            skipped: vec![],
        })
    }

    /// The structure [`Parser::step`] reads, as errors name it.
    fn what(&self) -> &'static str {
        match self.container {
            Container::Pcap { .. } => "packet",
            Container::PcapNg { .. } => "pcapng block",
        }
    }

    fn format(&self) -> Format {
        match self.container {
            Container::Pcap { .. } => Format::Pcap,
            Container::PcapNg { .. } => Format::PcapNg,
        }
    }

    /// Reads the structure at the start of `rest` (at byte `at` of the
    /// file): the bytes it takes and the packet it holds, if any. A
    /// structure that `rest` ends inside is [`CaptureError::Truncated`],
    /// naming how many bytes it needs.
    fn step(&mut self, rest: &[u8], at: usize) -> Result<(usize, Option<Found>), CaptureError> {
        let range = |data: &[u8]| {
            let from = data.as_ptr() as usize - rest.as_ptr() as usize;
            from..from + data.len()
        };
        let number = self.frames + 1;
        match &mut self.container {
            Container::Pcap {
                big_endian,
                link_type,
                nanos,
            } => {
                let parsed = if *big_endian {
                    parse_pcap_frame_be(rest)
                } else {
                    parse_pcap_frame(rest)
                };
                let (next, frame) = parsed.map_err(|e| parse_error(at, "packet", rest.len(), e))?;
                if frame.data.len() > MAX_PACKET {
                    return Err(CaptureError::BadHeader {
                        offset: at,
                        what: format!(
                            "packet length {} exceeds {MAX_PACKET}: a corrupt file",
                            frame.caplen
                        ),
                    });
                }
                self.frames += 1;
                let frac = u64::from(frame.ts_usec);
                let found = Found {
                    number,
                    time_us: u64::from(frame.ts_sec) * 1_000_000 + if *nanos { frac / 1000 } else { frac },
                    link_type: *link_type,
                    data: range(frame.data),
                    orig_len: frame.origlen,
                };
                Ok((rest.len() - next.len(), Some(found)))
            }
            Container::PcapNg {
                big_endian,
                interfaces,
            } => {
                let parsed = if *big_endian {
                    parse_block_be(rest)
                } else {
                    parse_block_le(rest)
                };
                let (next, block) = parsed.map_err(|e| parse_error(at, "pcapng block", rest.len(), e))?;
                let used = rest.len() - next.len();
                let (iface, time, data, orig_len) = match block {
                    Block::SectionHeader(shb) => {
                        *big_endian = shb.big_endian();
                        interfaces.clear();
                        return Ok((used, None));
                    }
                    Block::InterfaceDescription(idb) => {
                        interfaces.push(Interface {
                            link_type: (idb.linktype.0 as u32) & 0xffff,
                            units_per_sec: idb.ts_resolution().unwrap_or(1_000_000),
                        });
                        return Ok((used, None));
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
                    _ => return Ok((used, None)),
                };
                self.frames += 1;
                match interfaces.get(iface) {
                    Some(i) => {
                        let found = Found {
                            number,
                            time_us: time.map_or(0, |ts| scale_time(ts, i.units_per_sec)),
                            link_type: i.link_type,
                            data: range(data),
                            orig_len,
                        };
                        Ok((used, Some(found)))
                    }
                    None => {
                        self.skipped
                            .push(format!("frame {number}: interface {iface} was never described"));
                        Ok((used, None))
                    }
                }
            }
        }
    }
}

/// One pcapng interface: its link type and timestamp resolution.
#[derive(Clone, Copy)]
struct Interface {
    link_type: u32,
    /// Timestamp units per second (`if_tsresol`, default 10^6).
    units_per_sec: u64,
}

/// How much [`CaptureReader`] asks of its [`Read`] at a time.
const READ_CHUNK: usize = 256 << 10;

/// The largest structure [`CaptureReader`] holds: a block that claims more
/// is a corrupt length field (a packet is at most [`MAX_PACKET`]).
const MAX_STRUCTURE: usize = MAX_PACKET + (64 << 10);

/// Reads a pcap or pcapng file from any [`Read`] (a file, standard input),
/// one packet at a time, holding one structure of the file and a read-ahead
/// of 256 KiB: the memory does not grow with the capture. It
/// names the same errors, at the same offsets, as [`read_capture`] does on
/// the whole file.
pub struct CaptureReader<R> {
    input: R,
    parser: Parser,
    window: Window,
    /// `window.data()[pos..]` is not parsed yet.
    pos: usize,
    /// File offset of `window.data()[0]`.
    base: usize,
    /// The input has ended.
    eof: bool,
    stopped: Option<CaptureError>,
}

/// The bytes read ahead: `bytes[..end]`, the rest is room for the next read.
#[derive(Default)]
struct Window {
    bytes: Vec<u8>,
    end: usize,
}

impl Window {
    fn data(&self) -> &[u8] {
        &self.bytes[..self.end]
    }

    /// Reads once (at most `want` bytes, at least one chunk's room) from
    /// `input`: the number read, 0 at the end of the input.
    fn fill(&mut self, input: &mut impl Read, want: usize) -> std::io::Result<usize> {
        let room = want.max(READ_CHUNK);
        if self.bytes.len() - self.end < room {
            self.bytes.resize(self.end + room, 0);
        }
        loop {
            match input.read(&mut self.bytes[self.end..self.end + room]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
            }
        }
    }

    /// Forgets the first `n` bytes.
    fn consume(&mut self, n: usize) {
        self.bytes.copy_within(n..self.end, 0);
        self.end -= n;
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header. `Err` when the input is not a capture (or not
    /// even its first bytes can be read).
    pub fn new(mut input: R) -> Result<CaptureReader<R>, CaptureError> {
        let mut window = Window::default();
        let mut eof = false;
        let mut read_to = |window: &mut Window, want: usize, eof: &mut bool| {
            while window.end < want && !*eof {
                *eof = window
                    .fill(&mut input, want - window.end)
                    .map_err(|e| CaptureError::BadHeader {
                        offset: window.end,
                        what: format!("cannot read: {e}"),
                    })?
                    == 0;
            }
            Ok::<(), CaptureError>(())
        };
        // Enough for either file header (a pcapng section header has options).
        read_to(&mut window, 4096, &mut eof)?;
        let parser = match Parser::new(window.data()) {
            // A pcapng section header longer than what was read: read on.
            Err(CaptureError::Truncated { need, .. }) if !eof && need <= MAX_STRUCTURE => {
                read_to(&mut window, need, &mut eof)?;
                Parser::new(window.data())?
            }
            other => other?,
        };
        let pos = parser.header_len;
        Ok(CaptureReader {
            input,
            parser,
            window,
            pos,
            base: 0,
            eof,
            stopped: None,
        })
    }

    /// pcap or pcapng.
    pub fn format(&self) -> Format {
        self.parser.format()
    }

    /// Why reading stopped before the end of the file, if it did.
    pub fn stopped(&self) -> Option<&CaptureError> {
        self.stopped.as_ref()
    }

    /// Packets skipped because their interface was not described (pcapng).
    pub fn skipped(&self) -> &[String] {
        &self.parser.skipped
    }

    /// The next packet, or `None` at the end of the file or where reading
    /// stopped ([`CaptureReader::stopped`] says why).
    pub fn next_packet(&mut self) -> Option<Packet<'_>> {
        loop {
            if self.stopped.is_some() {
                return None;
            }
            if self.pos == self.window.end && !self.refill(1) {
                return None;
            }
            let at = self.base + self.pos;
            match self.parser.step(&self.window.data()[self.pos..], at) {
                Ok((used, found)) => {
                    let from = self.pos;
                    self.pos += used;
                    if let Some(f) = found {
                        return Some(f.packet(&self.window.data()[from..]));
                    }
                }
                Err(CaptureError::Truncated { need, .. }) if !self.eof => {
                    if need > MAX_STRUCTURE {
                        self.stopped = Some(self.oversized(at, need));
                    } else {
                        self.refill(need);
                    }
                }
                Err(e) => self.stopped = Some(e),
            }
        }
    }

    /// Reads until `need` bytes are unparsed or the input ends, dropping the
    /// parsed ones first; false if nothing is left.
    fn refill(&mut self, need: usize) -> bool {
        if self.pos > 0 {
            self.window.consume(self.pos);
            self.base += self.pos;
            self.pos = 0;
        }
        while self.window.end < need && !self.eof {
            match self.window.fill(&mut self.input, need - self.window.end) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) => {
                    self.eof = true;
                    self.stopped = Some(CaptureError::BadHeader {
                        offset: self.base + self.window.end,
                        what: format!("cannot read on: {e}"),
                    });
                }
            }
        }
        self.window.end > 0
    }

    /// A structure at `at` that claims `need` bytes, more than any real one:
    /// truncated if the file ends first (as [`read_capture`] would say),
    /// else corrupt. The bytes it claims are skipped, not held.
    fn oversized(&mut self, at: usize, need: usize) -> CaptureError {
        let mut have = self.window.end - self.pos;
        let mut sink = [0u8; 64 << 10];
        while have < need {
            match self.input.read(&mut sink) {
                Ok(0) | Err(_) => {
                    return CaptureError::Truncated {
                        offset: at,
                        what: self.parser.what(),
                        need,
                        have,
                    }
                }
                Ok(n) => have += n,
            }
        }
        CaptureError::BadHeader {
            offset: at,
            what: format!(
                "{} of {need} bytes exceeds {MAX_STRUCTURE}: a corrupt file",
                self.parser.what()
            ),
        }
    }
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
