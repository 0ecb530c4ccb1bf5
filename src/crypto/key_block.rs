//! The key block and its named split (RFC 5246 §6.3).

use crate::bytes::Bytes;

/// The key block, split into the six parts RFC 5246 §6.3 names, in order:
///
/// ```text
/// client_write_MAC_key[SecurityParameters.mac_key_length]
/// server_write_MAC_key[SecurityParameters.mac_key_length]
/// client_write_key[SecurityParameters.enc_key_length]
/// server_write_key[SecurityParameters.enc_key_length]
/// client_write_IV[SecurityParameters.fixed_iv_length]
/// server_write_IV[SecurityParameters.fixed_iv_length]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyBlock {
    /// `client_write_MAC_key` (empty for AEAD suites).
    pub client_write_mac_key: Bytes,
    /// `server_write_MAC_key` (empty for AEAD suites).
    pub server_write_mac_key: Bytes,
    /// `client_write_key`.
    pub client_write_key: Bytes,
    /// `server_write_key`.
    pub server_write_key: Bytes,
    /// `client_write_IV` (empty for TLS 1.2 CBC suites: their IV is explicit).
    pub client_write_iv: Bytes,
    /// `server_write_IV`.
    pub server_write_iv: Bytes,
}
