//! A bounds-checked reader whose errors name the structure and the offset.

use super::decode_error::{DecodeError, DecodeReason};

/// Reads a byte slice front to back. Every failure names `what` was being read
/// and the absolute offset (relative to the outermost reader).
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, offsets counted from its start.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0, base: 0 }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// An error at the current offset.
    pub fn error(&self, what: &'static str, reason: DecodeReason) -> DecodeError {
        DecodeError {
            what,
            offset: self.offset(),
            reason,
        }
    }

    /// An `Invalid` error at the current offset.
    pub fn invalid(&self, what: &'static str, why: &'static str) -> DecodeError {
        self.error(what, DecodeReason::Invalid(why))
    }

    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(self.error(
                what,
                DecodeReason::Truncated {
                    need: n,
                    have: self.remaining(),
                },
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes exactly `N` bytes as an array.
    pub fn take_array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    /// A big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.take_array::<2>(what)?))
    }

    /// A big-endian u24.
    pub fn u24(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let b = self.take_array::<3>(what)?;
        Ok(((b[0] as usize) << 16) | ((b[1] as usize) << 8) | b[2] as usize)
    }

    /// A sub-reader over the next `len` bytes (a length-prefixed vector body).
    pub fn sub(&mut self, len: usize, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        let base = self.offset();
        let buf = self.take(len, what)?;
        Ok(Reader { buf, pos: 0, base })
    }

    /// `opaque x<0..2^8-1>`: a vector with a one-byte length.
    pub fn vec_u8(&mut self, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        let n = self.u8(what)? as usize;
        self.sub(n, what)
    }

    /// `opaque x<0..2^16-1>`: a vector with a two-byte length.
    pub fn vec_u16(&mut self, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        let n = self.u16(what)? as usize;
        self.sub(n, what)
    }

    /// `opaque x<0..2^24-1>`: a vector with a three-byte length.
    pub fn vec_u24(&mut self, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        let n = self.u24(what)?;
        self.sub(n, what)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Fails with `TrailingBytes` if anything is left: a structure must end
    /// exactly where its length said it would.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(what, DecodeReason::TrailingBytes(self.remaining())))
        }
    }
}

/// Appends `body` with a big-endian length prefix of `width` bytes (1, 2 or 3).
pub fn put_vec(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let n = body.len();
    match width {
        1 => out.push(n as u8),
        2 => out.extend_from_slice(&(n as u16).to_be_bytes()),
        _ => out.extend_from_slice(&(n as u32).to_be_bytes()[1..]),
    }
    out.extend_from_slice(body);
}

/// Writes a length prefix of `width` bytes in front of whatever `body` appends.
pub fn with_len(out: &mut Vec<u8>, width: usize, body: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend(std::iter::repeat_n(0u8, width));
    body(out);
    let n = out.len() - at - width;
    let len = (n as u32).to_be_bytes();
    out[at..at + width].copy_from_slice(&len[4 - width..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_structure_and_offset() {
        let data = [0x00, 0x05, 1, 2];
        let mut r = Reader::new(&data);
        let err = r.vec_u16("ServerHello.extensions").unwrap_err();
        assert_eq!(err.what, "ServerHello.extensions");
        assert_eq!(err.offset, 2);
        assert_eq!(err.reason, DecodeReason::Truncated { need: 5, have: 2 });
    }

    #[test]
    fn sub_reader_offsets_are_absolute() {
        let data = [9, 9, 0x02, 7, 8, 1];
        let mut r = Reader::new(&data);
        r.take(2, "x").unwrap();
        let mut s = r.vec_u8("body").unwrap();
        s.u8("a").unwrap();
        s.u8("b").unwrap();
        let e = s.u8("c").unwrap_err();
        assert_eq!(e.offset, 5);
        assert_eq!(
            r.expect_empty("tail").unwrap_err().reason,
            DecodeReason::TrailingBytes(1)
        );
    }

    #[test]
    fn with_len_writes_prefix() {
        let mut v = vec![];
        with_len(&mut v, 3, |o| o.extend_from_slice(&[1, 2, 3, 4]));
        assert_eq!(v, [0, 0, 4, 1, 2, 3, 4]);
    }
}
