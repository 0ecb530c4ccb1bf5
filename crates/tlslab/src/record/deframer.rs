//! Socket bytes to whole records (RFC 5246 §6.2.1).

use super::MAX_CIPHERTEXT;
use crate::error::{Error, RecordError};
use crate::wire::RecordHeader;

/// Buffers bytes from the socket and yields whole records: a record may be
/// split across reads, and one read may carry several records.
///
/// The buffer is consumed from a read position and compacted lazily, so a
/// burst of small records costs no `memmove` per record.
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
    /// Start of the first unconsumed byte in `buf`.
    pos: usize,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Deframer::default()
    }

    /// Appends bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos == self.buf.len() {
            // Everything consumed: start over at the front.
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            // Mostly consumed: move the tail to the front so the buffer stays bounded.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete record: returns its header and copies its payload into
    /// `payload` (cleared first, so one buffer serves every record).
    ///
    /// `Ok(None)` while the record is incomplete. [`RecordError::RecordOverflow`] as
    /// soon as a header announces more than [`MAX_CIPHERTEXT`] bytes (RFC 5246
    /// §6.2.3), without waiting for a body that a hostile peer may never send
    /// and that would otherwise grow the buffer without bound. The error is
    /// sticky: the same header is found again on the next call.
    // ANCHOR: next_record
    pub fn next_record(&mut self, payload: &mut Vec<u8>) -> Result<Option<RecordHeader>, Error> {
        let avail = self.buf.get(self.pos..).unwrap_or_default();
        let Some((head, rest)) = avail.split_first_chunk::<{ RecordHeader::LEN }>() else {
            return Ok(None);
        };
        let header = RecordHeader::decode(head);
        let len = usize::from(header.length);
        if len > MAX_CIPHERTEXT {
            return Err(Error::Record(RecordError::RecordOverflow {
                length: len,
                limit: MAX_CIPHERTEXT,
            }));
        }
        let Some(body) = rest.get(..len) else {
            return Ok(None);
        };
        payload.clear();
        payload.extend_from_slice(body);
        self.pos += RecordHeader::LEN + len;
        Ok(Some(header))
    }
    // ANCHOR_END: next_record

    /// Gives back the memory beyond what is still buffered.
    pub fn shrink(&mut self) {
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.shrink_to_fit();
    }

    /// Bytes received but not yet returned as a record.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }
}
