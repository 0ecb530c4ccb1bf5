//! Internals that tlslab's own command, tests, benches and fuzz targets
//! reach into: the record layer, wire decoders, key schedule pieces and
//! packet parsing. Not part of the library's API: names here change without
//! notice. A library user needs [`crate::Client`], [`crate::ClientConfig`],
//! [`crate::observer`], [`crate::explain`] and [`crate::error`].

/// The record layer: framing, CBC and AEAD protection, the MAC/padding
/// verifier twins.
pub mod record {
    pub use crate::record::*;
}

/// The handshake state machine and transcript.
pub mod handshake {
    pub use crate::handshake::transcript::Transcript;
    pub use crate::handshake::*;
}

/// Handshake message structures (RFC 5246 §7.4), decoded and encoded.
pub mod messages {
    pub use crate::wire::messages::*;
}

/// DHE and RSA key-exchange message structures.
pub mod kx_messages {
    pub use crate::wire::kx_messages::*;
}

pub use crate::wire::enums::{EcCurveType, EcPointFormat};
/// The byte reader and length-prefix writers every decoder uses.
pub use crate::wire::reader::{put_vec, with_len, Reader};

/// The DER reader of the signature and certificate code.
pub mod der {
    pub use crate::crypto::der::*;
}

/// The PRF and what it derives (RFC 5246 §5, §8.1; RFC 2246 §5 for TLS
/// 1.0/1.1), and the transcript hash under each PRF hash.
pub mod prf {
    pub use crate::crypto::prf::*;
    pub use crate::types::HandshakeHasher;
}

/// The key block (RFC 5246 §6.3).
pub mod key_block {
    pub use crate::crypto::key_block::*;
}

/// ECDHE key pairs.
pub mod kx {
    pub use crate::crypto::kx::*;
}

/// Finite-field DHE.
pub mod dhe {
    pub use crate::crypto::dhe::*;
}

/// RSA key transport and private keys.
pub mod rsa_kx {
    pub use crate::crypto::rsa_kx::*;
}

/// ServerKeyExchange signatures and certificate public keys.
pub mod signature {
    pub use crate::crypto::signature::*;
}

/// Link, IP and TCP decoding for captures.
pub mod packet {
    pub use crate::capture::packet::*;
}

/// TCP reassembly for captures.
pub mod tcp {
    pub use crate::capture::tcp::*;
}

pub use crate::observer::Hooks;
