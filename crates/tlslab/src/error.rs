//! Errors, each mapped to the TLS alert it sends (RFC 5246 §7.2.2).

use std::fmt;

use crate::types::StateName;
use crate::wire::{Alert, AlertDescription, ContentType, Direction, HandshakeType};

/// A structure that could not be decoded: which one, where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The structure being read, in RFC terms (`ServerHello.cipher_suite`).
    pub what: &'static str,
    /// Byte offset inside the enclosing message or record.
    pub offset: usize,
    /// What was wrong.
    pub reason: DecodeReason,
}

/// Why decoding stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeReason {
    /// Fewer bytes than the structure needs.
    Truncated {
        /// Bytes needed.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// Bytes left over after the structure ended.
    TrailingBytes(usize),
    /// A value that the RFC forbids here.
    Invalid(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            DecodeReason::Truncated { need, have } => write!(
                f,
                "{} at offset {}: truncated (needs {need} bytes, {have} left)",
                self.what, self.offset
            ),
            DecodeReason::TrailingBytes(n) => {
                write!(
                    f,
                    "{} at offset {}: {n} unexpected trailing bytes",
                    self.what, self.offset
                )
            }
            DecodeReason::Invalid(why) => write!(f, "{} at offset {}: {why}", self.what, self.offset),
        }
    }
}

/// Everything that can end a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Bytes from the peer that do not parse. Alert: `decode_error`.
    Decode(DecodeError),
    /// A record's MAC, padding or AEAD tag did not verify. Alert: `bad_record_mac`
    /// whichever check failed (padding oracles, Lucky13).
    BadRecordMac {
        /// Direction of the failing record.
        direction: Direction,
        /// Its sequence number.
        seq: u64,
        /// Content type in the record header.
        content_type: ContentType,
    },
    /// A record longer than RFC 5246 §6.2.3 allows. Alert: `record_overflow`.
    RecordOverflow {
        /// Length in the header or after decryption.
        length: usize,
        /// The limit that applies.
        limit: usize,
    },
    /// A message that is not allowed in this state. Alert: `unexpected_message`.
    UnexpectedMessage {
        /// The state we were in.
        state: StateName,
        /// What we expected.
        expected: &'static str,
        /// What arrived.
        got: String,
    },
    /// A record of a content type we do not handle. Alert: `unexpected_message`.
    UnexpectedContentType(ContentType),
    /// The server chose something we did not offer. Alert: `illegal_parameter`.
    IllegalParameter(String),
    /// The server answered with an extension we did not offer (RFC 5246 §7.4.1.4).
    /// Alert: `unsupported_extension`.
    UnsupportedExtension(crate::wire::ExtensionType),
    /// The server picked a protocol version we do not speak. Alert: `protocol_version`.
    ProtocolVersion(String),
    /// No agreement possible. Alert: `handshake_failure`.
    HandshakeFailure(String),
    /// The certificate chain or name did not verify. Alert: `bad_certificate`,
    /// or the more precise one carried here.
    BadCertificate {
        /// The alert to send.
        alert: AlertDescription,
        /// What failed.
        reason: String,
    },
    /// The ServerKeyExchange signature did not verify. Alert: `decrypt_error`.
    BadSignature(String),
    /// The server's verify_data differs from ours. Alert: `decrypt_error`.
    FinishedMismatch {
        /// verify_data we computed.
        computed: Vec<u8>,
        /// verify_data the server sent.
        received: Vec<u8>,
    },
    /// The server sent a fatal alert (or a warning that ends the handshake).
    AlertReceived(Alert),
    /// A handshake message type we do not handle here. Alert: `unexpected_message`.
    UnsupportedMessage(HandshakeType),
    /// The peer's first bytes are not TLS at all (plaintext HTTP, SSH, ...).
    /// No alert: the peer would not understand one.
    NotTls(String),
    /// Our own error (a bug or an impossible configuration). Alert: `internal_error`.
    Internal(String),
    /// Bad configuration from the caller. No alert: nothing was sent yet.
    Config(String),
    /// Socket error. No alert.
    Io(String),
    /// No bytes arrived before the read timeout. No alert.
    Timeout(String),
    /// The peer closed the TCP connection. No alert.
    ConnectionClosed(String),
    /// The server's finite-field Diffie-Hellman parameters fail a check
    /// (RFC 5246 §7.4.3, §8.1.2). The alert depends on the check: see
    /// [`crate::crypto::dhe::DhParamError::alert`].
    DhParameter(crate::crypto::dhe::DhParamError),
    /// A private key given for offline analysis is malformed, or does not
    /// decrypt what it was given. No alert: no connection uses private keys.
    PrivateKey(String),
}

impl Error {
    /// The alert this error sends to the peer, if any.
    pub fn alert(&self) -> Option<AlertDescription> {
        Some(match self {
            Error::Decode(_) => AlertDescription::DECODE_ERROR,
            Error::BadRecordMac { .. } => AlertDescription::BAD_RECORD_MAC,
            Error::RecordOverflow { .. } => AlertDescription::RECORD_OVERFLOW,
            Error::UnexpectedMessage { .. }
            | Error::UnexpectedContentType(_)
            | Error::UnsupportedMessage(_) => AlertDescription::UNEXPECTED_MESSAGE,
            Error::IllegalParameter(_) => AlertDescription::ILLEGAL_PARAMETER,
            Error::UnsupportedExtension(_) => AlertDescription::UNSUPPORTED_EXTENSION,
            Error::ProtocolVersion(_) => AlertDescription::PROTOCOL_VERSION,
            Error::HandshakeFailure(_) => AlertDescription::HANDSHAKE_FAILURE,
            Error::BadCertificate { alert, .. } => *alert,
            Error::BadSignature(_) | Error::FinishedMismatch { .. } => AlertDescription::DECRYPT_ERROR,
            Error::Internal(_) => AlertDescription::INTERNAL_ERROR,
            Error::DhParameter(e) => e.alert(),
            Error::AlertReceived(_)
            | Error::PrivateKey(_)
            | Error::NotTls(_)
            | Error::Config(_)
            | Error::Io(_)
            | Error::Timeout(_)
            | Error::ConnectionClosed(_) => return None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "decode error: {e}"),
            Error::BadRecordMac {
                direction,
                seq,
                content_type,
            } => write!(
                f,
                "bad_record_mac: {content_type} record {seq} ({direction}) failed its MAC/padding/tag check"
            ),
            Error::RecordOverflow { length, limit } => {
                write!(f, "record_overflow: record of {length} bytes exceeds {limit}")
            }
            Error::UnexpectedMessage { state, expected, got } => {
                write!(
                    f,
                    "unexpected_message: in state {state:?} expected {expected}, got {got}"
                )
            }
            Error::UnexpectedContentType(t) => write!(f, "unexpected_message: record of content type {t}"),
            Error::IllegalParameter(s) => write!(f, "illegal_parameter: {s}"),
            Error::UnsupportedExtension(t) => {
                write!(
                    f,
                    "unsupported_extension: server sent extension {t}, which we did not offer"
                )
            }
            Error::ProtocolVersion(s) => write!(f, "protocol_version: {s}"),
            Error::HandshakeFailure(s) => write!(f, "handshake_failure: {s}"),
            Error::BadCertificate { alert, reason } => write!(f, "{alert}: {reason}"),
            Error::BadSignature(s) => write!(f, "decrypt_error: ServerKeyExchange signature: {s}"),
            Error::FinishedMismatch { computed, received } => write!(
                f,
                "decrypt_error: server Finished verify_data {} differs from ours {}",
                hex::encode(received),
                hex::encode(computed)
            ),
            Error::AlertReceived(a) => write!(f, "server sent alert {a}"),
            Error::UnsupportedMessage(t) => {
                write!(f, "unexpected_message: unsupported handshake message {t}")
            }
            Error::NotTls(s) => write!(f, "not a TLS server: {s}"),
            Error::Internal(s) => write!(f, "internal_error: {s}"),
            Error::Config(s) => write!(f, "configuration: {s}"),
            Error::Io(s) => write!(f, "i/o: {s}"),
            Error::Timeout(s) => write!(f, "timeout: {s}"),
            Error::ConnectionClosed(s) => write!(f, "connection closed: {s}"),
            Error::DhParameter(e) => write!(f, "{}: ServerDHParams: {e}", e.alert()),
            Error::PrivateKey(s) => write!(f, "private key: {s}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Error {
        Error::Decode(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::Timeout(e.to_string()),
            _ => Error::Io(e.to_string()),
        }
    }
}
