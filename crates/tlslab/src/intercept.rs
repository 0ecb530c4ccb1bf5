//! Break and edit: stop at a named derivation point and change the value
//! before the handshake goes on.
//!
//! A lab can say "set client_write_MAC_key to zeros and predict what the server
//! answers": an [`Interceptor`] receives `&mut` access to the value at the step
//! that derived it; if it changes anything, an [`crate::observer::Event::Intercepted`]
//! event shows the value before and after.
//!
//! ```
//! use tlslab::intercept::{Interceptor, Point};
//!
//! struct ZeroMacKey;
//! impl Interceptor for ZeroMacKey {
//!     fn intercept(&mut self, point: Point<'_>) {
//!         if let Point::KeyBlock(kb) = point {
//!             kb.client_write_mac_key.iter_mut().for_each(|b| *b = 0);
//!         }
//!     }
//! }
//! let mut config = tlslab::ClientConfig::new("localhost");
//! config.interceptor = Some(Box::new(ZeroMacKey));
//! ```
//!
//! Every named fault (`--fault NAME`) is a canned interceptor of this kind:
//! `tlslab::faults::Fault` implements [`Interceptor`], and the handshake
//! offers each point to the configured faults first, then to the
//! configured interceptor. Each step of the handshake has exactly one such
//! edit point, after the value is derived and before it is used.

use crate::types::{KeyBlock, PrfHash};
use crate::wire::{HandshakeType, ProtocolVersion};

/// A derivation point and mutable access to its value.
#[non_exhaustive]
pub enum Point<'a> {
    /// `pre_master_secret`, after the key exchange (RFC 5246 §8.1.2).
    PreMasterSecret(&'a mut Vec<u8>),
    /// RSA key transport (RFC 5246 §7.4.7.1), before the encryption: the 48
    /// bytes of the pre-master secret (`client_version` first) and the
    /// modulus of the key they are encrypted to (the certificate's).
    RsaKeyTransport {
        /// `PreMasterSecret`: `client_version` (2 bytes) ‖ `random` (46 bytes).
        pre_master_secret: &'a mut [u8; 48],
        /// The RSA modulus `n`, big-endian.
        modulus: &'a mut Vec<u8>,
    },
    /// Whether the master secret is derived the RFC 7627 way (label
    /// "extended master secret", seed session_hash): `true` when both sides
    /// agreed on extended_master_secret.
    ExtendedMasterSecret(&'a mut bool),
    /// `master_secret` (RFC 5246 §8.1), before the key block is derived from it.
    MasterSecret(&'a mut [u8; 48]),
    /// The key block split into its parts (RFC 5246 §6.3), before the keys
    /// are installed.
    KeyBlock(&'a mut KeyBlock),
    /// `Hash(handshake_messages)` that our Finished covers (RFC 5246 §7.4.9),
    /// with the messages it is computed over.
    HandshakeHash {
        /// The hash (the suite's PRF hash).
        hash: PrfHash,
        /// The handshake messages so far, in order, each with its header.
        messages: &'a [(HandshakeType, &'a [u8])],
        /// The hash over all of them.
        handshake_hash: &'a mut Vec<u8>,
    },
    /// Our Finished `verify_data` (RFC 5246 §7.4.9), before it is sent.
    ClientVerifyData(&'a mut [u8; 12]),
    /// The MAC input of each protected record we send: the fields of the
    /// pseudo-header `seq_num ‖ type ‖ version ‖ length` (RFC 5246 §6.2.3.1;
    /// the AEAD additional data, §6.2.3.3) that a sender can get wrong.
    /// The record header on the wire keeps the real type and version.
    MacInput(&'a mut MacInputFields),
}

/// The editable fields of a record's MAC input (see [`Point::MacInput`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacInputFields {
    /// The record number (0 = our Finished); not editable, for orientation.
    pub record: u64,
    /// `seq_num` the MAC covers.
    pub seq: u64,
    /// `version` the MAC covers.
    pub version: ProtocolVersion,
}

impl Point<'_> {
    /// The point's RFC name.
    pub fn name(&self) -> &'static str {
        match self {
            Point::PreMasterSecret(_) => "pre_master_secret",
            Point::RsaKeyTransport { .. } => "rsa_key_transport",
            Point::ExtendedMasterSecret(_) => "extended_master_secret",
            Point::MasterSecret(_) => "master_secret",
            Point::KeyBlock(_) => "key_block",
            Point::HandshakeHash { .. } => "handshake_hash",
            Point::ClientVerifyData(_) => "verify_data",
            Point::MacInput(_) => "mac_input",
        }
    }

    /// The same point, borrowed again: offers one value to several
    /// interceptors in turn.
    #[doc(hidden)]
    pub fn reborrow(&mut self) -> Point<'_> {
        match self {
            Point::PreMasterSecret(v) => Point::PreMasterSecret(v),
            Point::RsaKeyTransport {
                pre_master_secret,
                modulus,
            } => Point::RsaKeyTransport {
                pre_master_secret,
                modulus,
            },
            Point::ExtendedMasterSecret(v) => Point::ExtendedMasterSecret(v),
            Point::MasterSecret(v) => Point::MasterSecret(v),
            Point::KeyBlock(v) => Point::KeyBlock(v),
            Point::HandshakeHash {
                hash,
                messages,
                handshake_hash,
            } => Point::HandshakeHash {
                hash: *hash,
                messages,
                handshake_hash,
            },
            Point::ClientVerifyData(v) => Point::ClientVerifyData(v),
            Point::MacInput(v) => Point::MacInput(v),
        }
    }

    /// The value as bytes, for the before/after of an `Intercepted` event:
    /// the key block's parts concatenated in RFC order; a MAC input's
    /// `seq_num ‖ version`; RSA key transport's pre-master secret ‖ modulus.
    #[doc(hidden)]
    pub fn value_bytes(&self) -> Vec<u8> {
        match self {
            Point::PreMasterSecret(v) => v.to_vec(),
            Point::RsaKeyTransport {
                pre_master_secret,
                modulus,
            } => [&pre_master_secret[..], &modulus[..]].concat(),
            Point::ExtendedMasterSecret(v) => vec![u8::from(**v)],
            Point::MasterSecret(v) => v.to_vec(),
            Point::KeyBlock(kb) => key_block_bytes(kb),
            Point::HandshakeHash { handshake_hash, .. } => handshake_hash.to_vec(),
            Point::ClientVerifyData(v) => v.to_vec(),
            Point::MacInput(f) => {
                let mut b = f.seq.to_be_bytes().to_vec();
                b.extend_from_slice(&f.version.0.to_be_bytes());
                b
            }
        }
    }
}

/// Receives each derivation point in turn and may change its value.
pub trait Interceptor {
    /// Called once per point, in handshake order.
    fn intercept(&mut self, point: Point<'_>);
}

/// Any closure over a point is an interceptor.
impl<F: FnMut(Point<'_>)> Interceptor for F {
    fn intercept(&mut self, point: Point<'_>) {
        self(point)
    }
}

/// The key block's parts concatenated, for before/after events.
fn key_block_bytes(kb: &KeyBlock) -> Vec<u8> {
    kb.named_parts()
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect()
}
