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

use crate::types::KeyBlock;

/// A derivation point and mutable access to its value.
#[non_exhaustive]
pub enum Point<'a> {
    /// `pre_master_secret`, after the key exchange (RFC 5246 §8.1.2).
    PreMasterSecret(&'a mut Vec<u8>),
    /// `master_secret` (RFC 5246 §8.1), before the key block is derived from it.
    MasterSecret(&'a mut [u8; 48]),
    /// The key block split into its parts (RFC 5246 §6.3), before the keys
    /// are installed.
    KeyBlock(&'a mut KeyBlock),
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
    pub version: crate::wire::ProtocolVersion,
}

impl Point<'_> {
    /// The point's RFC name.
    pub fn name(&self) -> &'static str {
        match self {
            Point::PreMasterSecret(_) => "pre_master_secret",
            Point::MasterSecret(_) => "master_secret",
            Point::KeyBlock(_) => "key_block",
            Point::ClientVerifyData(_) => "verify_data",
            Point::MacInput(_) => "mac_input",
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
pub(crate) fn key_block_bytes(kb: &KeyBlock) -> Vec<u8> {
    [
        &kb.client_write_mac_key,
        &kb.server_write_mac_key,
        &kb.client_write_key,
        &kb.server_write_key,
        &kb.client_write_iv,
        &kb.server_write_iv,
    ]
    .iter()
    .flat_map(|p| p.iter().copied())
    .collect()
}
