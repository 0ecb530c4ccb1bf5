//! A minimal DER reader: just enough of X.690 to walk a certificate to its
//! SubjectPublicKeyInfo and read an RSA modulus. Every read names the field
//! it expected, so a malformed certificate produces an error that says where.
//!
//! Only single-byte tags and definite lengths of up to four bytes are
//! accepted, which covers every certificate structure we read (DER forbids
//! indefinite lengths, X.690 §10.1).

use crate::error::{CertificateKind, Error};

/// ASN.1 universal tags and the context tags we meet.
pub mod tag {
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING.
    pub const BIT_STRING: u8 = 0x03;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// SEQUENCE (constructed).
    pub const SEQUENCE: u8 = 0x30;
    /// `[0]` EXPLICIT, constructed (the certificate `version`).
    pub const CONTEXT_0: u8 = 0xa0;
}

/// The error for a certificate that does not parse: `bad_certificate`, with
/// the field and offset.
pub fn bad(what: &str, offset: usize, why: &str) -> Error {
    Error::certificate(
        CertificateKind::Malformed,
        format!("malformed certificate: {what} at offset {offset}: {why}"),
    )
}

/// A cursor over DER bytes; `base` is the offset of `bytes` inside the whole
/// certificate, for error messages.
#[derive(Clone, Copy)]
pub struct Der<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Der<'a> {
    /// A reader over a whole DER object.
    pub fn new(bytes: &'a [u8]) -> Der<'a> {
        Der {
            bytes,
            pos: 0,
            base: 0,
        }
    }

    /// Offset of the next byte in the outermost input.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Reads one element of tag `expected` and returns a reader over its
    /// contents.
    pub fn read(&mut self, expected: u8, what: &str) -> Result<Der<'a>, Error> {
        let start = self.offset();
        let rest = &self.bytes[self.pos..];
        let (&tag, rest) = rest
            .split_first()
            .ok_or_else(|| bad(what, start, "missing (input ended)"))?;
        if tag != expected {
            return Err(bad(
                what,
                start,
                &format!("tag 0x{tag:02x}, expected 0x{expected:02x}"),
            ));
        }
        let (&first, rest) = rest
            .split_first()
            .ok_or_else(|| bad(what, start, "length missing"))?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 {
                return Err(bad(
                    what,
                    start,
                    &format!("unsupported length form 0x{first:02x}"),
                ));
            }
            if rest.len() < n {
                return Err(bad(what, start, "length truncated"));
            }
            let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
            (len, &rest[n..])
        };
        let header_len = self.bytes.len() - self.pos - rest.len();
        if rest.len() < len {
            return Err(bad(
                what,
                start,
                &format!("length {len} but only {} bytes left", rest.len()),
            ));
        }
        let contents = Der {
            bytes: &rest[..len],
            pos: 0,
            base: start + header_len,
        };
        self.pos += header_len + len;
        Ok(contents)
    }

    /// Skips one element of tag `expected`.
    pub fn skip(&mut self, expected: u8, what: &str) -> Result<(), Error> {
        self.read(expected, what).map(|_| ())
    }

    /// The remaining bytes, unread.
    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }
}
