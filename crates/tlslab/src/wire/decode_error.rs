//! The error a decoder returns: which structure, where, and why.
//!
//! It lives in `wire` so that the byte layer names no other module; the
//! connection-level `Error` (in the `error` module) wraps it as `Error::Decode`.

use std::fmt;

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
