//! The record layer (RFC 5246 §6): bytes in, records out, and back.
//!
//! ```text
//! socket bytes ──► Deframer ──► (RecordHeader, payload) ──► RecordLayerState::open ──► plaintext
//!                                                                   │
//!                              handshake plaintext ──► HandshakeJoiner ──► whole messages
//!
//! plaintext ──► RecordLayerState::seal ──► header ‖ protected payload ──► socket bytes
//! ```
//!
//! * [`Deframer`] cuts the byte stream into records (§6.2.1) and rejects an
//!   oversized header before its body arrives.
//! * [`HandshakeJoiner`] rebuilds handshake messages that span records, or splits
//!   several messages carried by one record (§6.2.1).
//! * [`RecordLayerState`] holds one direction's [`Protection`] and its 64-bit
//!   sequence number (§6.1), and seals or opens one record at a time:
//!   * [`cbc`]: MAC-then-encrypt with an explicit IV (§6.2.3.2), or
//!     encrypt-then-MAC when negotiated (RFC 7366, [`RecordOptions`]), AES
//!     chaining written out over the raw block cipher; for TLS 1.0 the
//!     implicit IV chain (RFC 2246 §6.2.3.2);
//!   * [`aead`]: AES-GCM (RFC 5288) and ChaCha20-Poly1305 (RFC 7905);
//!   * [`ssl3`]: SSL 3.0's CBC records (RFC 6101 §5.2.3.2), to replay captures;
//!   * [`verify`]: the CBC verifier twins. `verify_constant_time` decides;
//!     `explain` tells the observer what it saw (and their encrypt-then-MAC
//!     counterparts, MAC before decryption).
//!
//! Every failure of a protected record, whatever the cause (MAC, padding, tag,
//! too short, not a multiple of the block size), is the same
//! [`RecordError::BadRecordMac`]: a distinct error for bad padding is the padding
//! oracle of Vaudenay (2002), and a distinct *time* is Lucky13 (2013).

pub mod aead;
pub mod cbc;
mod deframer;
pub mod hmac;
mod joiner;
pub mod legacy;
pub mod ssl3;
pub mod verify;

pub use aead::AeadState;
pub use cbc::{CbcState, PaddingFault};
pub use deframer::Deframer;
pub use joiner::{HandshakeJoiner, MAX_HANDSHAKE_MESSAGE};
pub use legacy::{LegacyState, WriteKeys};
pub use ssl3::Ssl3CbcState;

use crate::crypto::key_block::KeyBlock;
use crate::crypto::suites::{BulkCipher, SuiteInfo};
use crate::error::{Error, RecordError};
use crate::observer::{Event, Hooks, RecordView};
use crate::rng::Rng;
use crate::wire::{ContentType, Direction, ProtocolVersion, RecordHeader};

/// The largest `TLSPlaintext.length` (and decrypted fragment): 2^14 bytes
/// (RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT: usize = 1 << 14;

/// The largest `TLSCiphertext.length`: 2^14 + 2048 bytes (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 2048;

/// The 13 bytes in front of a record's MAC input (RFC 5246 §6.2.3.1), which are
/// also the AEAD additional data (§6.2.3.3):
///
/// ```text
/// seq_num(8) ‖ TLSCompressed.type(1) ‖ TLSCompressed.version(2) ‖ TLSCompressed.length(2)
/// ```
///
/// `length` is the **plaintext** length, not the length on the wire.
// ANCHOR: pseudo_header
pub fn pseudo_header(seq: u64, typ: ContentType, version: ProtocolVersion, length: usize) -> [u8; 13] {
    let mut h = [0u8; 13];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8] = typ.0;
    h[9..11].copy_from_slice(&version.0.to_be_bytes());
    // Callers never pass more than MAX_CIPHERTEXT (< 2^16); saturate rather than wrap if one did.
    let len = u16::try_from(length).unwrap_or(u16::MAX);
    h[11..13].copy_from_slice(&len.to_be_bytes());
    h
}
// ANCHOR_END: pseudo_header

/// One record's plaintext as the faults' sealing path takes it:
/// `TLSPlaintext.type`, the `version` of the header and the MAC input, and
/// the fragment (at most [`MAX_PLAINTEXT`] bytes).
#[derive(Clone, Copy, Debug)]
pub struct Plaintext<'a> {
    /// `TLSPlaintext.type`.
    pub typ: ContentType,
    /// `TLSPlaintext.version`.
    pub version: ProtocolVersion,
    /// `TLSPlaintext.fragment`.
    pub fragment: &'a [u8],
}

/// How one direction's records are protected (RFC 5246 §6.2.3).
// One value per direction for the whole connection, never moved per record: an
// inline AEAD key (about 576 bytes) is cheaper than a pointer chase on every record.
#[allow(clippy::large_enum_variant)]
pub enum Protection {
    /// `TLS_NULL_WITH_NULL_NULL`: before the first ChangeCipherSpec (§6.1).
    Null,
    /// Block cipher, MAC-then-encrypt (§6.2.3.2) or encrypt-then-MAC (RFC 7366).
    Cbc(CbcState),
    /// AEAD cipher (§6.2.3.3).
    Aead(AeadState),
    /// SSL 3.0 block cipher: its own MAC, chained IVs, unchecked padding
    /// bytes (RFC 6101 §5.2.3.2).
    Ssl3(Ssl3CbcState),
    /// The analysis-only suites of old captures (RC4, DES, 3DES, NULL),
    /// under SSL 3.0 or TLS: [`legacy`].
    Legacy(LegacyState),
}

impl std::fmt::Debug for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Null => f.write_str("Null"),
            Protection::Cbc(s) => f.debug_tuple("Cbc").field(s).finish(),
            Protection::Aead(s) => f.debug_tuple("Aead").field(s).finish(),
            Protection::Ssl3(s) => f.debug_tuple("Ssl3").field(s).finish(),
            Protection::Legacy(s) => f.debug_tuple("Legacy").field(s).finish(),
        }
    }
}

/// Negotiated options that change how records are protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordOptions {
    /// Both sides sent the `encrypt_then_mac` extension (RFC 7366): CBC
    /// records are `IV ‖ ciphertext ‖ MAC`, the MAC over the ciphertext.
    /// Ignored for AEAD suites, which have no separate MAC (RFC 7366 §3: a
    /// server must not accept the extension with them).
    pub encrypt_then_mac: bool,
    /// TLS 1.0 was negotiated: CBC records carry no IV, each is encrypted
    /// under the last ciphertext block of the previous record, the first
    /// under the key block's write IV (RFC 2246 §6.2.3.2, §6.3). Ignored
    /// for AEAD suites (which TLS 1.0 does not have).
    pub chained_iv: bool,
}

impl RecordOptions {
    /// The options that follow from a negotiated version: the implicit IV
    /// chain for TLS 1.0 (and SSL 3.0), explicit IVs from TLS 1.1 on.
    pub fn for_version(version: ProtocolVersion, encrypt_then_mac: bool) -> RecordOptions {
        RecordOptions {
            encrypt_then_mac,
            chained_iv: version.0 <= ProtocolVersion::TLS10.0,
        }
    }
}

impl Protection {
    /// Builds the protection for `direction` from the key block (RFC 5246
    /// §6.3): `ClientToServer` (our write side) takes the `client_write_*`
    /// keys, `ServerToClient` (our read side) the `server_write_*` keys.
    /// CBC suites use MAC-then-encrypt; see [`Protection::from_key_block_with`]
    /// for encrypt-then-MAC.
    ///
    /// Fails with [`Error::Internal`] if a key's length does not match the suite.
    pub fn from_key_block(
        suite: &SuiteInfo,
        kb: &KeyBlock,
        direction: Direction,
    ) -> Result<Protection, Error> {
        Protection::from_key_block_with(suite, kb, direction, RecordOptions::default())
    }

    /// [`Protection::from_key_block`] with negotiated [`RecordOptions`].
    pub fn from_key_block_with(
        suite: &SuiteInfo,
        kb: &KeyBlock,
        direction: Direction,
        options: RecordOptions,
    ) -> Result<Protection, Error> {
        let (mac_key, enc_key, iv) = write_keys(kb, direction);
        if enc_key.len() != suite.enc_key_len() || mac_key.len() != suite.mac.len() {
            return Err(Error::Internal(format!(
                "key block does not fit {}: enc key {} bytes (want {}), MAC key {} bytes (want {})",
                suite.name(),
                enc_key.len(),
                suite.enc_key_len(),
                mac_key.len(),
                suite.mac.len()
            )));
        }
        match suite.cipher {
            BulkCipher::Rc4_128 | BulkCipher::TripleDesEdeCbc | BulkCipher::DesCbc | BulkCipher::Null => {
                Ok(Protection::Legacy(LegacyState::new(
                    direction,
                    suite.cipher,
                    suite.mac,
                    false,
                    WriteKeys {
                        mac_write_secret: mac_key,
                        write_key: enc_key,
                        write_iv: iv,
                    },
                    options,
                )?))
            }
            BulkCipher::Aes128Cbc | BulkCipher::Aes256Cbc => {
                // TLS 1.1 and 1.2 CBC ignore the key block's IVs: the IV is
                // explicit per record. TLS 1.0 starts its IV chain there.
                let state = CbcState::new(direction, suite.cipher, suite.mac, mac_key, enc_key)?
                    .with_encrypt_then_mac(options.encrypt_then_mac);
                Ok(Protection::Cbc(if options.chained_iv {
                    state.with_chained_iv(iv)?
                } else {
                    state
                }))
            }
            BulkCipher::Aes128Gcm | BulkCipher::Aes256Gcm | BulkCipher::Chacha20Poly1305 => {
                if iv.len() != suite.fixed_iv_len() {
                    return Err(Error::Internal(format!(
                        "key block does not fit {}: write IV {} bytes (want {})",
                        suite.name(),
                        iv.len(),
                        suite.fixed_iv_len()
                    )));
                }
                Ok(Protection::Aead(AeadState::new(
                    direction,
                    suite.cipher,
                    enc_key,
                    iv,
                )?))
            }
        }
    }
}

/// The write MAC key, key and IV of the side that writes in `direction`:
/// the `client_write_*` parts of the key block for `ClientToServer`, the
/// `server_write_*` parts for `ServerToClient`.
fn write_keys(kb: &KeyBlock, direction: Direction) -> (&[u8], &[u8], &[u8]) {
    match direction {
        Direction::ClientToServer => (
            &kb.client_write_mac_key,
            &kb.client_write_key,
            &kb.client_write_iv,
        ),
        Direction::ServerToClient => (
            &kb.server_write_mac_key,
            &kb.server_write_key,
            &kb.server_write_iv,
        ),
    }
}

impl Protection {
    /// SSL 3.0 and TLS 1.0 block ciphers: the IV the next record will be
    /// encrypted under (RFC 2246 §6.2.3.2, RFC 6101 §5.2.3.2), which is on
    /// the wire in no record. `None` for explicit IVs, AEAD and no
    /// protection.
    pub fn next_chained_iv(&self) -> Option<[u8; 16]> {
        match self {
            Protection::Cbc(s) => s.next_chained_iv(),
            Protection::Ssl3(s) => Some(s.next_iv()),
            // The analysis-only ciphers: RC4 has no IV, and an 8-byte
            // (3)DES chain is not a 16-byte one; the client never uses them.
            Protection::Null | Protection::Aead(_) | Protection::Legacy(_) => None,
        }
    }

    /// SSL 3.0 protection for `direction` from an SSL 3.0 key block
    /// ([`crate::crypto::ssl3::compute_key_block`]): the write MAC secret,
    /// key and IV of that side (RFC 6101 §6.2.2): the AES-CBC suites with
    /// SHA-1, and the analysis-only RC4, DES, 3DES and NULL suites with MD5
    /// or SHA-1 ([`legacy`]); anything else is [`Error::Internal`].
    pub fn ssl3_from_key_block(
        suite: &SuiteInfo,
        kb: &KeyBlock,
        direction: Direction,
    ) -> Result<Protection, Error> {
        let (mac_key, enc_key, iv) = write_keys(kb, direction);
        if suite.cipher.is_analysis_only() {
            return Ok(Protection::Legacy(LegacyState::new(
                direction,
                suite.cipher,
                suite.mac,
                true,
                WriteKeys {
                    mac_write_secret: mac_key,
                    write_key: enc_key,
                    write_iv: iv,
                },
                RecordOptions::default(),
            )?));
        }
        Ok(Protection::Ssl3(Ssl3CbcState::new(
            direction,
            suite.cipher,
            suite.mac,
            mac_key,
            enc_key,
            iv,
        )?))
    }
}

/// One direction of the record layer: its protection and sequence number.
///
/// The sequence number counts records since the last ChangeCipherSpec and
/// enters every MAC and AEAD nonce/additional data, so that records cannot be
/// replayed, dropped or reordered undetected (RFC 5246 §6.1).
#[derive(Debug)]
pub struct RecordLayerState {
    /// Which keys: `ClientToServer` for records we send, `ServerToClient` for records we receive.
    pub direction: Direction,
    /// The current protection.
    pub protection: Protection,
    /// `seq_num` of the next record (RFC 5246 §6.1).
    pub seq: u64,
}

impl RecordLayerState {
    /// Unprotected, `seq_num` 0: the state at the start of a connection.
    pub fn new(direction: Direction) -> Self {
        RecordLayerState {
            direction,
            protection: Protection::Null,
            seq: 0,
        }
    }

    /// Installs new protection at ChangeCipherSpec and resets `seq_num` to 0
    /// (RFC 5246 §6.1: "sequence numbers ... set to zero whenever a connection
    /// state is made the active state").
    pub fn change_protection(&mut self, p: Protection) {
        self.protection = p;
        self.seq = 0;
    }

    /// Whether records are protected (a ChangeCipherSpec has taken effect).
    pub fn is_protected(&self) -> bool {
        !matches!(self.protection, Protection::Null)
    }

    /// RFC 5246 §6.1: `seq_num` must not wrap; a connection that would need
    /// record 2^64 must end instead.
    fn check_seq(&self) -> Result<(), Error> {
        if self.seq == u64::MAX {
            return Err(Error::Internal(format!(
                "{} sequence number exhausted",
                self.direction
            )));
        }
        Ok(())
    }

    /// Protects `fragment` (at most [`MAX_PLAINTEXT`] bytes: the caller
    /// splits) and appends the whole record, header and payload, to `out`.
    ///
    /// Emits `MacInput` (CBC) or `AeadNonce` and `AeadAad` (AEAD), then
    /// `RecordOut`, and increments `seq`. Only a CBC record's explicit IV
    /// comes from `rng` (RFC 5246 §6.2.3.2: it "SHOULD be chosen at random,
    /// and MUST be unpredictable", the fix for BEAST's predictable IVs).
    pub fn seal(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        fragment: &[u8],
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
    ) -> Result<(), Error> {
        let plaintext = Plaintext {
            typ,
            version,
            fragment,
        };
        self.seal_record(plaintext, PaddingFault::None, out, rng, hooks, true)
            .map(|_| ())
    }

    /// [`RecordLayerState::seal`] without the `RecordOut` event, optionally
    /// with a deliberately malformed CBC padding (`Value`: a wrong padding
    /// byte; `Length`: a wrong padding_length byte), for teaching what a
    /// receiver does with it: `bad_record_mac`, never a distinct alert
    /// (Vaudenay's padding oracle). The MAC stays right. Returns the byte
    /// before and after the change; `None` when nothing was changed (no
    /// padding fault, or a protection without padding: AEAD or none).
    ///
    /// For `Faults::seal_record` (the faults module), which may still change the
    /// sealed bytes (a flipped bit, a cut) and then announces the record as
    /// it goes on the wire with [`announce_record_out`]: the trace must show
    /// the bytes the peer receives, not the ones before the fault. `seq` is
    /// incremented as by `seal`.
    pub(crate) fn seal_unannounced(
        &mut self,
        plaintext: Plaintext<'_>,
        padding: PaddingFault,
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
    ) -> Result<Option<(u8, u8)>, Error> {
        self.seal_record(plaintext, padding, out, rng, hooks, false)
    }

    /// The one sealing path behind [`RecordLayerState::seal`] and
    /// [`RecordLayerState::seal_unannounced`]; `announce` emits `RecordOut`.
    fn seal_record(
        &mut self,
        plaintext: Plaintext<'_>,
        padding_fault: PaddingFault,
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
        announce: bool,
    ) -> Result<Option<(u8, u8)>, Error> {
        let Plaintext {
            typ,
            version,
            fragment,
        } = plaintext;
        let mut changed = None;
        if fragment.len() > MAX_PLAINTEXT {
            return Err(Error::Internal(format!(
                "seal: fragment of {} bytes exceeds {MAX_PLAINTEXT}; the caller must split",
                fragment.len()
            )));
        }
        self.check_seq()?;
        let start = out.len();
        out.extend_from_slice(&[0u8; RecordHeader::LEN]);
        let seq = self.seq;
        let sealed = match &mut self.protection {
            Protection::Null => {
                out.extend_from_slice(fragment);
                Ok(())
            }
            Protection::Cbc(c) => {
                changed = c.seal_padded(seq, plaintext, out, rng, hooks, padding_fault);
                Ok(())
            }
            Protection::Aead(a) => a.seal(seq, typ, version, fragment, out, hooks),
            Protection::Ssl3(s) => {
                s.seal(seq, typ, fragment, out, hooks);
                Ok(())
            }
            Protection::Legacy(s) => {
                s.seal(seq, plaintext, out, rng, hooks);
                Ok(())
            }
        };
        let payload_len = out.len() - start - RecordHeader::LEN;
        let length = sealed.and_then(|()| {
            u16::try_from(payload_len)
                .map_err(|_| Error::Internal(format!("sealed record of {payload_len} bytes")))
        });
        let length = match length {
            Ok(l) => l,
            Err(e) => {
                // Leave `out` as it was: no half-written record reaches the socket.
                out.truncate(start);
                return Err(e);
            }
        };
        let header = RecordHeader {
            content_type: typ,
            version,
            length,
        }
        .encode();
        out[start..start + RecordHeader::LEN].copy_from_slice(&header);
        if announce {
            announce_record_out(hooks, &out[start..], self.seq, self.is_protected());
        }
        self.seq += 1;
        Ok(changed)
    }

    /// Emits `RecordIn`, then removes the protection of `payload` in place and
    /// truncates it to the plaintext.
    ///
    /// CBC emits `CbcPadding`, `MacInput`, `MacCompared` (only when an observer
    /// listens, and only after the constant-time verdict is fixed; with
    /// encrypt-then-MAC, `MacInput` and `MacCompared` first, then `CbcPadding`
    /// only if the MAC verified, since nothing else is decrypted); AEAD emits
    /// `AeadNonce`, `AeadAad` and, on failure, `AeadOpenFailed`.
    ///
    /// Errors: [`RecordError::BadRecordMac`] for any failure of a protected record
    /// (MAC, padding, tag, too short, bad block alignment), never a distinct
    /// one (padding oracle); [`RecordError::RecordOverflow`] if the payload exceeds
    /// [`MAX_CIPHERTEXT`], the plaintext exceeds [`MAX_PLAINTEXT`] (§6.2.3),
    /// or an unprotected record exceeds [`MAX_PLAINTEXT`] (§6.2.1).
    /// `seq` increments on success only; after an error the connection is over.
    pub fn open(
        &mut self,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> Result<(), Error> {
        self.check_seq()?;
        if hooks.active() {
            hooks.emit(&Event::RecordIn(RecordView {
                content_type: header.content_type,
                version: header.version,
                header: &header.encode(),
                payload,
                seq: self.seq,
                protected: self.is_protected(),
            }));
        }
        if payload.len() > MAX_CIPHERTEXT {
            return Err(Error::Record(RecordError::RecordOverflow {
                length: payload.len(),
                limit: MAX_CIPHERTEXT,
            }));
        }
        let bad = Error::Record(RecordError::BadRecordMac {
            direction: self.direction,
            seq: self.seq,
            content_type: header.content_type,
        });
        let seq = self.seq;
        let ok = match &mut self.protection {
            Protection::Null => true,
            Protection::Cbc(c) => c.open(seq, header, payload, hooks),
            Protection::Aead(a) => a.open(seq, header, payload, hooks),
            Protection::Ssl3(s) => s.open(seq, header, payload, hooks),
            Protection::Legacy(s) => s.open(seq, header, payload, hooks),
        };
        if !ok {
            return Err(bad);
        }
        // Checked after the MAC: before it, the plaintext length is the
        // attacker's choice and not worth an alert of its own.
        if payload.len() > MAX_PLAINTEXT {
            return Err(Error::Record(RecordError::RecordOverflow {
                length: payload.len(),
                limit: MAX_PLAINTEXT,
            }));
        }
        self.seq += 1;
        Ok(())
    }
}

/// Emits `RecordOut` for one whole record as it goes on the wire: `record`
/// is the 5-byte header and the payload (a record that a fault cut shorter
/// than its header is announced with what is left of it, padded with zero
/// bytes in the header view). `seq` is the sequence number the record was
/// sealed with.
pub(crate) fn announce_record_out(hooks: &mut Hooks<'_>, record: &[u8], seq: u64, protected: bool) {
    let mut header = [0u8; RecordHeader::LEN];
    let n = record.len().min(RecordHeader::LEN);
    header[..n].copy_from_slice(&record[..n]);
    hooks.emit(&Event::RecordOut(RecordView {
        content_type: ContentType(header[0]),
        version: ProtocolVersion(u16::from_be_bytes([header[1], header[2]])),
        header: &header,
        payload: &record[n..],
        seq,
        protected,
    }));
}

#[cfg(test)]
mod tests;
