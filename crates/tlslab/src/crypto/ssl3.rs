//! SSL 3.0 ([RFC 6101]): the hash constructions it uses where TLS uses the
//! PRF and HMAC, written out so that every intermediate value can be shown.
//!
//! SSL 3.0 has no PRF. Its secrets come from a nested MD5-over-SHA-1
//! expansion (§6.1, §6.2.2), its record MAC is an early, non-HMAC keyed hash
//! (§5.2.3.1), and its Finished message carries 36 bytes, an MD5 and a SHA-1
//! keyed hash of the transcript side by side (§5.6.9):
//!
//! ```text
//! master_secret = MD5(pre_master_secret + SHA('A'   + pre_master_secret + ClientHello.random + ServerHello.random)) +
//!                 MD5(pre_master_secret + SHA('BB'  + pre_master_secret + ClientHello.random + ServerHello.random)) +
//!                 MD5(pre_master_secret + SHA('CCC' + pre_master_secret + ClientHello.random + ServerHello.random))
//! key_block     = MD5(master_secret + SHA('A'  + master_secret + ServerHello.random + ClientHello.random)) +
//!                 MD5(master_secret + SHA('BB' + master_secret + ServerHello.random + ClientHello.random)) + ...
//! record MAC    = hash(MAC_write_secret + pad_2 + hash(MAC_write_secret + pad_1 + seq_num + type + length + content))
//! Finished      = MD5(master_secret + pad2 + MD5(handshake_messages + Sender + master_secret + pad1)) +
//!                 SHA(master_secret + pad2 + SHA(handshake_messages + Sender + master_secret + pad1))
//! ```
//!
//! `pad_1` is the byte 0x36 and `pad_2` the byte 0x5c, repeated 48 times for
//! MD5 and 40 times for SHA-1. The CBC padding rule is in [`padding_length`]:
//! only its last byte is defined, which is what POODLE (2014) exploits.
//!
//! Every function emits one [`Event::Ssl3Hash`] per construction, with each
//! inner (SHA-1 or first-pass) and outer (MD5 or second-pass) digest.
//!
//! [RFC 6101]: https://www.rfc-editor.org/rfc/rfc6101

use md5::{Digest, Md5};
use sha1::Sha1;

use crate::crypto::key_block::split_key_block;
use crate::crypto::suites::SuiteInfo;
use crate::observer::{Event, Hooks};
use crate::types::KeyBlock;
use crate::wire::ContentType;

/// `pad_1` of RFC 6101 §5.2.3.1 and §5.6.9: the byte 0x36.
pub const PAD_1: u8 = 0x36;
/// `pad_2` of RFC 6101 §5.2.3.1 and §5.6.9: the byte 0x5c.
pub const PAD_2: u8 = 0x5c;

/// The two hashes SSL 3.0 keys by concatenation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ssl3Hash {
    /// MD5: 16-byte digest, pads of 48 bytes.
    Md5,
    /// SHA-1: 20-byte digest, pads of 40 bytes.
    Sha1,
}

impl Ssl3Hash {
    /// How many times `pad_1` / `pad_2` are repeated: 48 for MD5, 40 for
    /// SHA-1 (RFC 6101 §5.2.3.1).
    pub fn pad_len(self) -> usize {
        match self {
            Ssl3Hash::Md5 => 48,
            Ssl3Hash::Sha1 => 40,
        }
    }

    /// The digest length: 16 (MD5) or 20 (SHA-1).
    pub fn len(self) -> usize {
        match self {
            Ssl3Hash::Md5 => 16,
            Ssl3Hash::Sha1 => 20,
        }
    }

    /// Never empty; present for clippy's `len_without_is_empty`.
    #[doc(hidden)]
    pub fn is_empty(self) -> bool {
        false
    }

    /// The hash of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Ssl3Hash::Md5 => {
                let mut h = Md5::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().to_vec()
            }
            Ssl3Hash::Sha1 => {
                let mut h = Sha1::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().to_vec()
            }
        }
    }
}

/// The expansion of RFC 6101 §6.1 and §6.2.2, `len` bytes:
/// `MD5(secret + SHA(letters(i) + secret + first_random + second_random))`
/// for i = 1, 2, … with `letters(i)` = 'A', 'BB', 'CCC', …
///
/// RFC 6101 names the letters only as far as the key block needs them; they
/// run to 'Z' repeated 26 times (26 × 16 = 416 bytes), far more than any
/// suite needs (at most 2 × (20 + 32 + 16) = 136 bytes).
fn expand(
    secret: &[u8],
    first_random: &[u8; 32],
    second_random: &[u8; 32],
    len: usize,
    purpose: &'static str,
    hooks: &mut Hooks<'_>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut inner = vec![];
    let mut outer = vec![];
    for i in 1..=26u8 {
        if out.len() >= len {
            break;
        }
        let letters = vec![b'A' + i - 1; usize::from(i)];
        let sha = Ssl3Hash::Sha1.digest(&[&letters, secret, first_random, second_random]);
        let md5 = Ssl3Hash::Md5.digest(&[secret, &sha]);
        out.extend_from_slice(&md5);
        inner.push(sha);
        outer.push(md5);
    }
    out.truncate(len);
    hooks.emit(&Event::Ssl3Hash {
        purpose,
        inner: &inner,
        outer: &outer,
        output: &out,
    });
    out
}

/// `master_secret` from the pre-master secret (RFC 6101 §6.1): three rounds
/// of the expansion over `ClientHello.random + ServerHello.random`, 48 bytes.
/// Emits [`Event::Ssl3Hash`] (purpose `master_secret`).
pub fn compute_master_secret(
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    hooks: &mut Hooks<'_>,
) -> [u8; 48] {
    let v = expand(
        pre_master_secret,
        client_random,
        server_random,
        48,
        "master_secret",
        hooks,
    );
    let mut ms = [0u8; 48];
    ms.copy_from_slice(&v);
    ms
}

/// The key block (RFC 6101 §6.2.2): the expansion of the master secret over
/// `ServerHello.random + ClientHello.random` (the randoms in the other order
/// than for the master secret, as in TLS), split into
/// `client_write_MAC_secret`, `server_write_MAC_secret`, `client_write_key`,
/// `server_write_key`, `client_write_IV`, `server_write_IV`. A block cipher's
/// IVs come from here: SSL 3.0 chains every record's IV from the previous
/// record's last ciphertext block, starting with these.
///
/// Emits [`Event::Ssl3Hash`] (purpose `key_block`), then [`Event::KeyBlock`].
pub fn compute_key_block(
    suite: &SuiteInfo,
    master_secret: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    hooks: &mut Hooks<'_>,
) -> KeyBlock {
    let mac_len = suite.mac.len();
    let key_len = suite.enc_key_len();
    let iv_len = block_iv_len(suite);
    let kb = expand(
        master_secret,
        server_random,
        client_random,
        2 * (mac_len + key_len + iv_len),
        "key_block",
        hooks,
    );
    split_key_block(&kb, mac_len, key_len, iv_len, hooks)
}

/// The IV length a block cipher takes from the SSL 3.0 (and TLS 1.0) key
/// block: the cipher's block size, 16 for AES, 8 for DES and 3DES; 0 for
/// RC4 and NULL (no IV) and for AEAD suites, which SSL 3.0 does not have.
pub fn block_iv_len(suite: &SuiteInfo) -> usize {
    suite.cipher.block_len()
}

/// The record MAC of RFC 6101 §5.2.3.1:
///
/// ```text
/// hash(MAC_write_secret + pad_2 +
///      hash(MAC_write_secret + pad_1 + seq_num + type + length + content))
/// ```
///
/// with `seq_num` 8 bytes, `type` 1, `length` 2: unlike TLS, the version is
/// not in it. Emits [`Event::Ssl3Hash`] (purpose `record_mac`, the inner hash
/// and the MAC) when someone listens.
pub fn record_mac(
    hash: Ssl3Hash,
    mac_write_secret: &[u8],
    seq_num: u64,
    typ: ContentType,
    content: &[u8],
    hooks: &mut Hooks<'_>,
) -> Vec<u8> {
    let header = mac_header(seq_num, typ, content.len());
    let pad_1 = [PAD_1; 48];
    let pad_2 = [PAD_2; 48];
    let n = hash.pad_len();
    let inner = hash.digest(&[mac_write_secret, &pad_1[..n], &header, content]);
    let mac = hash.digest(&[mac_write_secret, &pad_2[..n], &inner]);
    if hooks.active() {
        hooks.emit(&Event::Ssl3Hash {
            purpose: "record_mac",
            inner: std::slice::from_ref(&inner),
            outer: std::slice::from_ref(&mac),
            output: &mac,
        });
    }
    mac
}

/// `seq_num(8) + type(1) + length(2)`: the 11 bytes in front of the content
/// in the inner hash of the SSL 3.0 MAC (RFC 6101 §5.2.3.1).
pub fn mac_header(seq_num: u64, typ: ContentType, length: usize) -> [u8; 11] {
    let mut h = [0u8; 11];
    h[..8].copy_from_slice(&seq_num.to_be_bytes());
    h[8] = typ.0;
    let len = u16::try_from(length).unwrap_or(u16::MAX);
    h[9..].copy_from_slice(&len.to_be_bytes());
    h
}

/// Who sends a Finished message: the `Sender` constant of RFC 6101 §5.6.9.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// `client(0x434C4E54)`, "CLNT".
    Client,
    /// `server(0x53525652)`, "SRVR".
    Server,
}

impl Sender {
    /// The four bytes hashed after the handshake messages.
    pub fn bytes(self) -> [u8; 4] {
        match self {
            Sender::Client => *b"CLNT",
            Sender::Server => *b"SRVR",
        }
    }
}

/// The 36-byte Finished body of RFC 6101 §5.6.9:
///
/// ```text
/// md5_hash = MD5(master_secret + pad2 + MD5(handshake_messages + Sender + master_secret + pad1))
/// sha_hash = SHA(master_secret + pad2 + SHA(handshake_messages + Sender + master_secret + pad1))
/// ```
///
/// `handshake_messages` is every handshake message before this one, headers
/// included. Emits [`Event::Ssl3Hash`] (purpose `client_finished` or
/// `server_finished`: inner MD5 and SHA-1, outer MD5 and SHA-1).
pub fn compute_finished(
    master_secret: &[u8; 48],
    sender: Sender,
    handshake_messages: &[u8],
    hooks: &mut Hooks<'_>,
) -> [u8; 36] {
    let s = sender.bytes();
    let pad1 = [PAD_1; 48];
    let pad2 = [PAD_2; 48];
    let mut out = [0u8; 36];
    let mut inner = vec![];
    let mut outer = vec![];
    let mut at = 0;
    for hash in [Ssl3Hash::Md5, Ssl3Hash::Sha1] {
        let n = hash.pad_len();
        let i = hash.digest(&[handshake_messages, &s, master_secret, &pad1[..n]]);
        let o = hash.digest(&[master_secret, &pad2[..n], &i]);
        out[at..at + o.len()].copy_from_slice(&o);
        at += o.len();
        inner.push(i);
        outer.push(o);
    }
    hooks.emit(&Event::Ssl3Hash {
        purpose: match sender {
            Sender::Client => "client_finished",
            Sender::Server => "server_finished",
        },
        inner: &inner,
        outer: &outer,
        output: &out,
    });
    out
}

/// The SSL 3.0 CBC padding rule (RFC 6101 §5.2.3.2): the last byte of the
/// decrypted fragment is `padding_length`, which must be less than the block
/// size; the `padding_length` bytes before it are *arbitrary*. Returns the
/// number of bytes padding takes (the length byte included), or `None` when
/// the length byte is too large for the block or for the fragment.
///
/// Nothing covers the padding bytes: the MAC is computed over the content
/// only, and the rule says nothing about their values. A receiver therefore
/// cannot tell a padding block an attacker swapped in from the sender's, as
/// long as its last byte fits. That is POODLE (Möller, Duong, Kotowicz 2014):
/// move a block of secret bytes to the end of the record; the server accepts
/// the record exactly when that block's last byte decrypts to `block - 1`,
/// which reveals one secret byte per 256 tries. TLS 1.0 fixed the rule (every
/// padding byte equals the length), so a receiver can check it.
pub fn padding_length(fragment: &[u8], block: usize) -> Option<usize> {
    let last = usize::from(*fragment.last()?);
    (last < block && last < fragment.len()).then_some(last + 1)
}

#[cfg(test)]
mod tests;
