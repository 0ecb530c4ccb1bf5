//! AEAD records (RFC 5246 §6.2.3.3): AES-GCM (RFC 5288) and
//! ChaCha20-Poly1305 (RFC 7905), sealed and opened by ring.
//!
//! ```text
//! additional_data = seq_num(8) ‖ type(1) ‖ version(2) ‖ length(2)      length = plaintext length
//! AES-GCM   nonce = client/server_write_IV(4) ‖ nonce_explicit(8)      RFC 5288 §3
//!           on wire: nonce_explicit(8) ‖ ciphertext ‖ tag(16)
//! ChaCha20  nonce = client/server_write_IV(12) ⊕ (0(4) ‖ seq_num(8))   RFC 7905 §2
//!           on wire: ciphertext ‖ tag(16)
//! ```
//!
//! For GCM the sender picks `nonce_explicit`; it must never repeat under one
//! key (a repeated GCM nonce reveals the XOR of two plaintexts and lets the
//! attacker forge tags: Joux's "forbidden attack"). We send `seq_num`, as
//! rustls, Go and OpenSSL do, which is unique by construction. A peer's
//! explicit nonce is read from the record and used as sent.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};

use super::pseudo_header;
use crate::crypto::suites::BulkCipher;
use crate::error::Error;
use crate::observer::{Event, Hooks, NonceParts};
use crate::wire::{ContentType, Direction, ProtocolVersion, RecordHeader};

/// Length of the AEAD tag for every suite we implement.
pub const TAG_LEN: usize = 16;

/// Length of GCM's `nonce_explicit` (RFC 5288 §3).
pub const GCM_EXPLICIT_LEN: usize = 8;

/// One direction's AEAD key and fixed IV.
pub struct AeadState {
    direction: Direction,
    cipher: BulkCipher,
    key: LessSafeKey,
    /// `client_write_IV` / `server_write_IV`: 4 bytes (GCM salt) or 12 (ChaCha20).
    fixed_iv: [u8; 12],
    fixed_iv_len: usize,
}

impl std::fmt::Debug for AeadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AeadState")
            .field("direction", &self.direction)
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

impl AeadState {
    /// Binds the key. `fixed_iv` is 4 bytes for GCM, 12 for ChaCha20-Poly1305.
    pub fn new(
        direction: Direction,
        cipher: BulkCipher,
        key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<AeadState, Error> {
        let (alg, iv_len) = match cipher {
            BulkCipher::Aes128Gcm => (&aead::AES_128_GCM, 4),
            BulkCipher::Aes256Gcm => (&aead::AES_256_GCM, 4),
            BulkCipher::Chacha20Poly1305 => (&aead::CHACHA20_POLY1305, 12),
            other => return Err(Error::Internal(format!("{other:?} is not an AEAD cipher"))),
        };
        if fixed_iv.len() != iv_len {
            return Err(Error::Internal(format!(
                "{cipher:?}: fixed IV of {} bytes",
                fixed_iv.len()
            )));
        }
        let unbound = UnboundKey::new(alg, key)
            .map_err(|_| Error::Internal(format!("{cipher:?}: key of {} bytes", key.len())))?;
        let mut iv = [0u8; 12];
        iv[..iv_len].copy_from_slice(fixed_iv);
        Ok(AeadState {
            direction,
            cipher,
            key: LessSafeKey::new(unbound),
            fixed_iv: iv,
            fixed_iv_len: iv_len,
        })
    }

    fn explicit_len(&self) -> usize {
        match self.cipher {
            BulkCipher::Chacha20Poly1305 => 0,
            _ => GCM_EXPLICIT_LEN,
        }
    }

    /// The 12-byte nonce for `seq`, given the explicit part (GCM: from the
    /// record or our `seq_num`; ChaCha20: always `seq_num`).
    // ANCHOR: nonce
    pub fn nonce(&self, seq: u64, explicit: &[u8; 8]) -> [u8; 12] {
        let mut n = [0u8; 12];
        match self.cipher {
            BulkCipher::Chacha20Poly1305 => {
                // RFC 7905 §2: left-pad seq_num to 12 bytes, XOR with the 12-byte IV.
                n = self.fixed_iv;
                for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
                    *b ^= s;
                }
            }
            _ => {
                // RFC 5288 §3: salt ‖ nonce_explicit.
                n[..4].copy_from_slice(&self.fixed_iv[..4]);
                n[4..].copy_from_slice(explicit);
            }
        }
        n
    }
    // ANCHOR_END: nonce

    fn emit_nonce(&self, seq: u64, explicit: &[u8; 8], nonce: &[u8; 12], hooks: &mut Hooks<'_>) {
        hooks.emit(&Event::AeadNonce(NonceParts {
            direction: self.direction,
            seq,
            fixed_iv: &self.fixed_iv[..self.fixed_iv_len],
            explicit,
            nonce,
        }));
    }

    /// Appends `[nonce_explicit] ‖ ciphertext ‖ tag` to `out` (the header is
    /// written by the caller). Emits `AeadNonce`, `AeadAad`.
    pub(super) fn seal(
        &self,
        seq: u64,
        typ: ContentType,
        version: ProtocolVersion,
        fragment: &[u8],
        out: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> Result<(), Error> {
        let explicit = seq.to_be_bytes();
        let nonce = self.nonce(seq, &explicit);
        self.emit_nonce(seq, &explicit, &nonce, hooks);
        let aad = pseudo_header(seq, typ, version, fragment.len());
        hooks.emit(&Event::AeadAad {
            direction: self.direction,
            seq,
            aad: &aad,
        });

        out.extend_from_slice(&explicit[..self.explicit_len()]);
        let at = out.len();
        out.extend_from_slice(fragment);
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[at..],
            )
            .map_err(|_| Error::Internal("AEAD seal failed".into()))?;
        out.extend_from_slice(tag.as_ref());
        Ok(())
    }

    /// Opens `payload` in place; on success truncates it to the plaintext and
    /// returns true. On a bad tag emits `AeadOpenFailed`.
    pub(super) fn open(
        &self,
        seq: u64,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> bool {
        let ex_len = self.explicit_len();
        // Public: too short for the explicit nonce and a tag.
        let Some(plain_len) = payload.len().checked_sub(ex_len + TAG_LEN) else {
            return false;
        };
        let mut explicit = seq.to_be_bytes();
        if ex_len > 0 {
            match payload.first_chunk::<8>() {
                Some(e) => explicit = *e,
                None => return false,
            }
        }
        let nonce = self.nonce(seq, &explicit);
        self.emit_nonce(seq, &explicit, &nonce, hooks);
        let aad = pseudo_header(seq, header.content_type, header.version, plain_len);
        hooks.emit(&Event::AeadAad {
            direction: self.direction,
            seq,
            aad: &aad,
        });

        let mut tag = [0u8; TAG_LEN];
        if let Some(t) = payload.last_chunk::<TAG_LEN>() {
            tag = *t;
        }
        // open_within decrypts payload[ex_len..] and moves the plaintext to the front.
        match self.key.open_within(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            payload,
            ex_len..,
        ) {
            Ok(p) => {
                let n = p.len();
                payload.truncate(n);
                true
            }
            Err(_) => {
                hooks.emit(&Event::AeadOpenFailed {
                    direction: self.direction,
                    seq,
                    tag: &tag,
                });
                false
            }
        }
    }
}
