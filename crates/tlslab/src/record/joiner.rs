//! Record fragments to whole handshake messages (RFC 5246 §6.2.1, §7.4).

use crate::error::{DecodeError, DecodeReason, Error};
use crate::wire::HandshakeType;

/// The largest handshake message body we accept: 256 KiB.
///
/// The protocol allows 2^24 - 1 bytes (a `uint24` length, RFC 5246 §7.4), and
/// a peer that announces that much makes us buffer 16 MiB before anything can
/// be checked. The largest legitimate TLS 1.2 message is a Certificate chain;
/// Go's crypto/tls caps that message at 256 KiB (`maxHandshakeCertificateMsg`)
/// and the others at 64 KiB. We use the larger cap for every type.
pub const MAX_HANDSHAKE_MESSAGE: usize = 1 << 18;

/// Reassembles handshake messages: one message may span several records, and
/// one record may carry several messages (RFC 5246 §6.2.1: "multiple client
/// messages of the same ContentType MAY be coalesced into a single
/// TLSPlaintext record, or a single message MAY be fragmented across several
/// records").
#[derive(Debug)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    /// Start of the first unconsumed byte in `buf`.
    pos: usize,
    /// The largest Certificate message body accepted.
    certificate_limit: usize,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        HandshakeJoiner {
            buf: Vec::new(),
            pos: 0,
            certificate_limit: MAX_HANDSHAKE_MESSAGE,
        }
    }
}

impl HandshakeJoiner {
    /// An empty joiner.
    pub fn new() -> Self {
        HandshakeJoiner::default()
    }

    /// An empty joiner that refuses a Certificate message body longer than
    /// `limit` bytes (never more than [`MAX_HANDSHAKE_MESSAGE`]), as soon as
    /// its header announces it: a peer cannot make us buffer a chain larger
    /// than the application is willing to parse.
    pub fn with_certificate_limit(limit: usize) -> Self {
        HandshakeJoiner {
            certificate_limit: limit.min(MAX_HANDSHAKE_MESSAGE),
            ..HandshakeJoiner::default()
        }
    }

    /// Appends the plaintext of one handshake record.
    pub fn push(&mut self, fragment: &[u8]) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(fragment);
    }

    /// The next whole message, raw: the 4-byte header (`msg_type`, `uint24
    /// length`) and the body, exactly as received, since the Finished
    /// transcript hashes these bytes (RFC 5246 §7.4.9).
    ///
    /// `Ok(None)` while incomplete. A [`Error::Decode`] if the announced length
    /// exceeds [`MAX_HANDSHAKE_MESSAGE`] (checked as soon as the header is in).
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let avail = self.buf.get(self.pos..).unwrap_or_default();
        let Some(([typ, l0, l1, l2], _)) = avail.split_first_chunk::<4>() else {
            return Ok(None);
        };
        let len = usize::from(*l0) << 16 | usize::from(*l1) << 8 | usize::from(*l2);
        if *typ == HandshakeType::CERTIFICATE.0 && len > self.certificate_limit {
            return Err(Error::Decode(DecodeError {
                what: "Handshake.length",
                offset: 1,
                reason: DecodeReason::Invalid("Certificate message longer than the configured limit"),
            }));
        }
        if len > MAX_HANDSHAKE_MESSAGE {
            return Err(Error::Decode(DecodeError {
                what: "Handshake.length",
                offset: 1,
                reason: DecodeReason::Invalid("handshake message longer than 256 KiB"),
            }));
        }
        let Some(msg) = avail.get(..4 + len) else {
            return Ok(None);
        };
        let msg = msg.to_vec();
        self.pos += msg.len();
        Ok(Some(msg))
    }

    /// Whether no partial message is pending. A ChangeCipherSpec (or any
    /// other content type) arriving while this is false interleaves with a
    /// fragmented handshake message, which RFC 5246 §6.2.1 forbids around CCS
    /// Gives back the memory beyond what is still buffered.
    pub fn shrink(&mut self) {
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.shrink_to_fit();
    }

    /// and which must end the connection.
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }
}
