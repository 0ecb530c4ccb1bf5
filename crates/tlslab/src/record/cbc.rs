//! TLS 1.2 block-cipher records with an explicit IV, AES-CBC chaining written
//! out here over the raw block cipher of the `aes` crate, in both orders:
//!
//! MAC-then-encrypt, the RFC 5246 default (§6.2.3.2):
//!
//! ```text
//! MAC       = HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ plaintext)    §6.2.3.1
//! on wire   = IV(16) ‖ CBC-Encrypt(write_key, IV, plaintext ‖ MAC ‖ padding ‖ padding_length)
//! ```
//!
//! Encrypt-then-MAC, when both sides negotiated the `encrypt_then_mac`
//! extension (RFC 7366 §3):
//!
//! ```text
//! ciphertext = CBC-Encrypt(write_key, IV, plaintext ‖ padding ‖ padding_length)
//! MAC        = HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length(IV ‖ ciphertext) ‖ IV ‖ ciphertext)
//! on wire    = IV(16) ‖ ciphertext ‖ MAC
//! ```
//!
//! With EtM the receiver checks the MAC on the ciphertext before decrypting,
//! so a tampered record never reaches the padding check: the padding oracles
//! of MAC-then-encrypt (Vaudenay, Lucky13) have nothing to measure.
//!
//! TLS 1.1 records look exactly like TLS 1.2's (RFC 4346 §6.2.3.2). TLS 1.0
//! sends no IV ([RFC 2246 §6.2.3.2]): the first record of each direction is
//! encrypted under `client_write_IV` / `server_write_IV` from the key block,
//! every later one under the last ciphertext block of the record before it
//! ([`CbcState::with_chained_iv`]). The IV of the next record is thus on the
//! wire before that record is written, which is what BEAST (Duong and Rizzo,
//! 2011) exploits: a sender that lets an attacker choose the first block of
//! a record turns CBC into a guess-and-check oracle for one block.
//!
//! [RFC 2246 §6.2.3.2]: https://www.rfc-editor.org/rfc/rfc2246#section-6.2.3.2

use aes::cipher::typenum::U16;
use aes::cipher::{BlockBackend, BlockClosure, BlockDecrypt, BlockEncrypt, BlockSizeUser, KeyInit};
use aes::{Aes128, Aes256};

use super::hmac::{MacKey, MacStream, Tag};
use super::verify::{
    etm_padding_constant_time, explain_etm, explain_etm_padding, explain_reusing,
    verify_constant_time_keeping_mac, verify_etm_mac_constant_time,
};
use super::Plaintext;
use crate::crypto::suites::{BulkCipher, MacAlgorithm};
use crate::error::Error;
use crate::observer::{Event, Hooks, MacInput};
use crate::rng::Rng;
#[cfg(test)]
use crate::wire::{ContentType, ProtocolVersion};
use crate::wire::{Direction, RecordHeader};

/// AES block size, which is also the explicit IV length (`record_iv_length`).
pub const BLOCK: usize = 16;

/// An expanded AES key: the key schedule runs once per ChangeCipherSpec, not per record.
// Always boxed (see `CbcState::aes`), so the variants' size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum AesKey {
    Aes128(Aes128),
    Aes256(Aes256),
}

impl AesKey {
    /// Expands `key` for a CBC `cipher`; [`Error::Internal`] for another
    /// cipher or a key of the wrong length.
    pub(super) fn new(cipher: BulkCipher, key: &[u8]) -> Result<AesKey, Error> {
        let bad_key = |_| Error::Internal(format!("{cipher:?}: key of {} bytes", key.len()));
        match cipher {
            BulkCipher::Aes128Cbc => Ok(AesKey::Aes128(Aes128::new_from_slice(key).map_err(bad_key)?)),
            BulkCipher::Aes256Cbc => Ok(AesKey::Aes256(Aes256::new_from_slice(key).map_err(bad_key)?)),
            other => Err(Error::Internal(format!("{other:?} is not a CBC cipher"))),
        }
    }

    /// Runs `f` with the AES encryption backend (AES-NI when the CPU has it),
    /// chosen once for the whole call.
    fn encrypt_with(&self, f: impl BlockClosure<BlockSize = U16>) {
        match self {
            AesKey::Aes128(k) => k.encrypt_with_backend(f),
            AesKey::Aes256(k) => k.encrypt_with_backend(f),
        }
    }

    /// Decrypts several independent blocks at once. CBC decryption, unlike
    /// encryption, does not chain (`Pi` needs `C(i-1)`, not `P(i-1)`), so the
    /// AES-NI backend can keep eight blocks in flight.
    fn decrypt_blocks(&self, blocks: &mut [aes::Block]) {
        match self {
            AesKey::Aes128(k) => k.decrypt_blocks(blocks),
            AesKey::Aes256(k) => k.decrypt_blocks(blocks),
        }
    }
}

/// Blocks decrypted per call to the block cipher: the width the AES-NI
/// backend of the `aes` crate pipelines.
const PAR_BLOCKS: usize = 8;

/// CBC encryption in place: `buf` is `IV ‖ P1 ‖ … ‖ Pn` and becomes
/// `IV ‖ C1 ‖ … ‖ Cn` with `Ci = E(Pi ⊕ C(i-1))`, `C0 = IV` (NIST SP 800-38A §6.2).
/// A trailing partial block (never produced by our padding) is left alone.
///
/// Serial by construction (each block waits for the previous ciphertext), so
/// it runs at the latency of one AES encryption per 16 bytes.
pub(super) fn cbc_encrypt(key: &AesKey, buf: &mut [u8]) {
    key.encrypt_with(CbcEncrypt { buf, mac: None });
}

/// MAC-then-encrypt in one pass (RFC 5246 §6.2.3.2): `buf` is
/// `IV ‖ fragment ‖ room for the MAC ‖ padding ‖ padding_length`, `mac` the
/// HMAC already fed the pseudo-header. Returns the MAC, which is also
/// written into its room before being encrypted.
///
/// Why one pass: CBC encryption waits on the AES unit's latency (each block
/// needs the previous ciphertext), SHA on its own instructions; done one
/// after the other the two times add up. Here each hash block of plaintext
/// (64 bytes; 128 for SHA-384) is hashed and then encrypted, so the CPU runs
/// the hash of the next bytes while the AES chain of these is still in flight (what OpenSSL's "stitched"
/// AES-CBC-HMAC-SHA1 does by hand in assembly). The bytes and the result are
/// those of [`MacKey::sign`] followed by [`cbc_encrypt`].
fn mac_then_encrypt(key: &AesKey, buf: &mut [u8], fragment_len: usize, mac: MacStream) -> Tag {
    let mut tag = Tag::EMPTY;
    key.encrypt_with(CbcEncrypt {
        buf,
        mac: Some((mac, fragment_len, &mut tag)),
    });
    tag
}

/// The CBC encryption loop, run inside the AES backend (`encrypt_with`) so
/// that the CPU-feature dispatch happens once per record, not per block.
struct CbcEncrypt<'a> {
    buf: &'a mut [u8],
    /// For MAC-then-encrypt: the HMAC, the plaintext length, where the MAC goes.
    mac: Option<(MacStream, usize, &'a mut Tag)>,
}

impl BlockSizeUser for CbcEncrypt<'_> {
    type BlockSize = U16;
}

impl BlockClosure for CbcEncrypt<'_> {
    fn call<B: BlockBackend<BlockSize = U16>>(self, aes: &mut B) {
        let Some((iv, body)) = self.buf.split_first_chunk_mut::<BLOCK>() else {
            return;
        };
        let mut prev = *iv;
        // Ci = E(Pi ⊕ C(i-1)) over whole blocks.
        let mut chain = |aes: &mut B, blocks: &mut [u8]| {
            for chunk in blocks.chunks_exact_mut(BLOCK) {
                let mut block = aes::Block::default();
                for ((o, p), c) in block.iter_mut().zip(chunk.iter()).zip(prev.iter()) {
                    *o = p ^ c;
                }
                aes.proc_block((&mut block).into());
                chunk.copy_from_slice(&block);
                prev.copy_from_slice(&block);
            }
        };
        let Some((mut mac, fragment_len, tag)) = self.mac else {
            chain(aes, body);
            return;
        };
        // One hash block of plaintext at a time (the first one completes the
        // block the 13-byte pseudo-header began, so that every later one is
        // hashed where it lies, without a copy), then encrypt every AES
        // block that is already hashed.
        let step = mac.block_len();
        let mut hashed = (step - 13).min(fragment_len);
        let mut encrypted = 0;
        mac.update(&body[..hashed]);
        while hashed + step <= fragment_len {
            mac.update(&body[hashed..hashed + step]);
            hashed += step;
            let upto = hashed - hashed % BLOCK;
            chain(aes, &mut body[encrypted..upto]);
            encrypted = upto;
        }
        // The rest of the plaintext, the MAC into its room, and the rest.
        mac.update(&body[hashed..fragment_len]);
        *tag = mac.finish();
        if let Some(room) = body.get_mut(fragment_len..fragment_len + tag.as_ref().len()) {
            room.copy_from_slice(tag.as_ref());
        }
        chain(aes, &mut body[encrypted..]);
    }
}

/// Appends `padding ‖ padding_length` so that `used` bytes plus the padding
/// fill whole blocks, with the minimal padding (RFC 5246 §6.2.3.2: every
/// padding byte, and the length byte, hold `padding_length`).
///
/// With [`PaddingFault::Value`] the first padding byte gets its lowest bit
/// flipped, with [`PaddingFault::Length`] the padding_length byte, so the
/// padding is malformed while everything else stays right. When the minimal padding is empty, one more block of padding
/// (16 bytes, allowed: "up to 255") gives the fault a byte to change. Returns
/// that byte before and after.
fn pad_to_block(out: &mut Vec<u8>, used: usize, fault: PaddingFault) -> Option<(u8, u8)> {
    let mut pad = (BLOCK - used % BLOCK) % BLOCK;
    if fault != PaddingFault::None && pad == 0 {
        pad = BLOCK;
    }
    let start = out.len();
    out.resize(start + pad + 1, pad as u8);
    let changed = match fault {
        PaddingFault::None => return None,
        PaddingFault::Value => out.get_mut(start)?,
        // The padding_length byte itself: it no longer counts the padding bytes.
        PaddingFault::Length => out.last_mut()?,
    };
    let before = *changed;
    *changed ^= 0x01;
    Some((before, *changed))
}

/// A deliberate padding mistake (the `bad-padding` and `bad-padding-length`
/// faults): the MAC stays right, the padding does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaddingFault {
    /// Correct padding.
    None,
    /// The first padding byte differs from padding_length.
    Value,
    /// The padding_length byte differs from the number of padding bytes.
    Length,
}

/// CBC decryption in place: `buf` is `IV ‖ C1 ‖ … ‖ Cn`; each `Ci` becomes
/// `Pi = D(Ci) ⊕ C(i-1)`. The IV stays in front.
///
/// Eight blocks at a time: each group is copied out, decrypted in one call,
/// and XORed back from the last block to the first, so that `C(i-1)` is
/// still ciphertext when `Pi` is written.
pub(super) fn cbc_decrypt(key: &AesKey, buf: &mut [u8]) {
    let Some((iv, rest)) = buf.split_first_chunk_mut::<BLOCK>() else {
        return;
    };
    let mut prev = *iv;
    for group in rest.chunks_mut(PAR_BLOCKS * BLOCK) {
        let mut blocks = [aes::Block::default(); PAR_BLOCKS];
        let n = group.len() / BLOCK; // whole blocks in this group (the last group may be short)
        for (b, c) in blocks.iter_mut().zip(group.chunks_exact(BLOCK)) {
            b.copy_from_slice(c);
        }
        let next_prev = blocks.get(n.wrapping_sub(1)).map(|b| {
            let mut a = [0u8; BLOCK];
            a.copy_from_slice(b);
            a
        });
        let Some(to_decrypt) = blocks.get_mut(..n) else {
            return;
        };
        key.decrypt_blocks(to_decrypt);
        for i in (0..n).rev() {
            let c_prev = match i.checked_sub(1) {
                None => prev,
                Some(j) => {
                    let mut a = [0u8; BLOCK];
                    a.copy_from_slice(&group[j * BLOCK..i * BLOCK]);
                    a
                }
            };
            let out = &mut group[i * BLOCK..(i + 1) * BLOCK];
            for ((o, d), c) in out.iter_mut().zip(blocks[i].iter()).zip(c_prev.iter()) {
                *o = d ^ c;
            }
        }
        match next_prev {
            Some(p) => prev = p,
            None => return,
        }
    }
}

/// One direction's CBC keys: the expanded AES key and the HMAC key.
pub struct CbcState {
    direction: Direction,
    cipher: BulkCipher,
    mac: MacAlgorithm,
    mac_key: MacKey,
    /// Boxed: an expanded AES-256 key is ~1 KB, allocated once per ChangeCipherSpec.
    aes: Box<AesKey>,
    /// RFC 7366 encrypt-then-MAC instead of RFC 5246 MAC-then-encrypt.
    encrypt_then_mac: bool,
    /// TLS 1.0 only: the IV of the next record, implicit (RFC 2246
    /// §6.2.3.2). `None`: an explicit IV per record (TLS 1.1, 1.2).
    chained_iv: Option<[u8; BLOCK]>,
}

impl std::fmt::Debug for CbcState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys are visible through the KeyBlock event; here, just the shape.
        f.debug_struct("CbcState")
            .field("direction", &self.direction)
            .field("cipher", &self.cipher)
            .field("mac", &self.mac)
            .field("encrypt_then_mac", &self.encrypt_then_mac)
            .field("chained_iv", &self.chained_iv.is_some())
            .finish_non_exhaustive()
    }
}

impl CbcState {
    /// Expands the keys. `cipher` must be a CBC cipher and `mac` an HMAC;
    /// key lengths must match (else [`Error::Internal`]).
    pub fn new(
        direction: Direction,
        cipher: BulkCipher,
        mac: MacAlgorithm,
        mac_key: &[u8],
        enc_key: &[u8],
    ) -> Result<CbcState, Error> {
        let aes = AesKey::new(cipher, enc_key)?;
        if mac_key.len() != mac.len() {
            return Err(Error::Internal(format!(
                "{mac:?}: MAC key of {} bytes",
                mac_key.len()
            )));
        }
        Ok(CbcState {
            direction,
            cipher,
            mac,
            mac_key: MacKey::new(mac, mac_key)
                .ok_or_else(|| Error::Internal("CBC suite without an HMAC".into()))?,
            aes: Box::new(aes),
            encrypt_then_mac: false,
            chained_iv: None,
        })
    }

    /// The same keys with TLS 1.0's implicit IV chain (RFC 2246 §6.2.3.2):
    /// `first_iv` is this direction's write IV from the key block (RFC 2246
    /// §6.3), and every record after the first is encrypted under the last
    /// ciphertext block of the one before. No IV is sent. Fails with
    /// [`Error::Internal`] unless `first_iv` is one block.
    pub fn with_chained_iv(mut self, first_iv: &[u8]) -> Result<CbcState, Error> {
        let iv: [u8; BLOCK] = first_iv.try_into().map_err(|_| {
            Error::Internal(format!(
                "TLS 1.0 CBC: write IV of {} bytes (want {BLOCK})",
                first_iv.len()
            ))
        })?;
        self.chained_iv = Some(iv);
        Ok(self)
    }

    /// Whether the IV is TLS 1.0's implicit chain rather than explicit.
    pub fn chained_iv(&self) -> bool {
        self.chained_iv.is_some()
    }

    /// TLS 1.0: the IV the next record will be encrypted under (the last
    /// ciphertext block of the previous record, or the key block's write IV
    /// before the first). `None` with explicit IVs.
    pub fn next_chained_iv(&self) -> Option<[u8; BLOCK]> {
        self.chained_iv
    }

    /// TLS 1.0: the next IV is the last ciphertext block of `ciphertext`
    /// (RFC 2246 §6.2.3.2), told to the observer with the IV this record used.
    fn advance_chain(&mut self, seq: u64, used: [u8; BLOCK], ciphertext: &[u8], hooks: &mut Hooks<'_>) {
        let Some(last) = ciphertext
            .len()
            .checked_sub(BLOCK)
            .and_then(|at| ciphertext.get(at..))
        else {
            return;
        };
        let mut next = [0u8; BLOCK];
        next.copy_from_slice(last);
        self.chained_iv = Some(next);
        hooks.emit(&Event::CbcIvChain {
            direction: self.direction,
            seq,
            iv: &used,
            next_iv: &next,
        });
    }

    /// The same keys with encrypt-then-MAC (RFC 7366) on or off. [`CbcState::new`]
    /// starts with it off: MAC-then-encrypt, the RFC 5246 default.
    pub fn with_encrypt_then_mac(mut self, on: bool) -> CbcState {
        self.encrypt_then_mac = on;
        self
    }

    /// Whether records use encrypt-then-MAC (RFC 7366).
    pub fn encrypt_then_mac(&self) -> bool {
        self.encrypt_then_mac
    }

    /// `mac_length` (RFC 5246 §6.2.3.1).
    pub fn mac_len(&self) -> usize {
        self.mac.len()
    }

    /// Appends `IV ‖ ciphertext` for `fragment` to `out` (the header is
    /// written by the caller). Emits `MacInput`.
    #[allow(clippy::too_many_arguments)]
    #[cfg(test)]
    pub(super) fn seal(
        &mut self,
        seq: u64,
        typ: ContentType,
        version: ProtocolVersion,
        fragment: &[u8],
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
    ) {
        let plaintext = Plaintext {
            typ,
            version,
            fragment,
        };
        self.seal_padded(seq, plaintext, out, rng, hooks, PaddingFault::None);
    }

    /// [`CbcState::seal`], with a **deliberately malformed padding** when
    /// `padding_fault` is set (the `bad-padding` faults): a padding byte
    /// differs from `padding_length` in its lowest bit, everything else
    /// (plaintext, MAC, encryption) is correct. A receiver must reject the
    /// record with `bad_record_mac`, the same alert as for a bad MAC (RFC
    /// 5246 §7.2.2: a distinct answer is Vaudenay's padding oracle). Returns
    /// the padding byte before and after the change, or `None` if unchanged.
    ///
    /// The two MAC orders, side by side:
    ///
    /// ```text
    /// MAC-then-encrypt (RFC 5246 §6.2.3.2)       encrypt-then-MAC (RFC 7366 §3)
    /// IV ‖ fragment                              IV ‖ fragment
    /// ‖ MAC(fragment)                            ‖ padding ‖ padding_length
    /// ‖ padding ‖ padding_length                 encrypt IV ‖ …
    /// encrypt IV ‖ …                             ‖ MAC(IV ‖ ciphertext)
    /// ```
    // ANCHOR: seal
    pub(super) fn seal_padded(
        &mut self,
        seq: u64,
        plaintext: Plaintext<'_>,
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
        padding_fault: PaddingFault,
    ) -> Option<(u8, u8)> {
        if let Some(iv) = self.chained_iv {
            return self.seal_chained(seq, iv, plaintext, out, hooks, padding_fault);
        }
        let iv_at = out.len();
        // Explicit IV, fresh per record (RFC 5246 §6.2.3.2): an IV the attacker
        // can predict (TLS 1.0's chained IV) is what BEAST exploited.
        out.resize(iv_at + BLOCK, 0);
        rng.fill(&mut out[iv_at..]);
        out.extend_from_slice(plaintext.fragment);
        if self.encrypt_then_mac {
            // plaintext ‖ padding ‖ padding_length fills whole blocks; the
            // MAC comes after the ciphertext and covers IV ‖ ciphertext,
            // its length field counting those bytes (RFC 7366 §3).
            let changed = pad_to_block(out, plaintext.fragment.len() + 1, padding_fault);
            cbc_encrypt(&self.aes, &mut out[iv_at..]);
            self.append_mac(seq, plaintext, iv_at, out, hooks);
            changed
        } else {
            // plaintext ‖ MAC ‖ padding ‖ padding_length fills whole blocks,
            // the MAC over the plaintext (RFC 5246 §6.2.3.1), computed while
            // the plaintext is encrypted (see `mac_then_encrypt`).
            let fragment = plaintext.fragment;
            let header = super::pseudo_header(seq, plaintext.typ, plaintext.version, fragment.len());
            out.resize(out.len() + self.mac_len(), 0); // the MAC's room
            let changed = pad_to_block(out, fragment.len() + self.mac_len() + 1, padding_fault);
            let mac = self.mac_key.stream(&header);
            let mac = mac_then_encrypt(&self.aes, &mut out[iv_at..], fragment.len(), mac);
            self.emit_mac_input(seq, &header, fragment, &mac, hooks);
            changed
        }
    }
    // ANCHOR_END: seal

    /// TLS 1.0 sealing (RFC 2246 §6.2.3.2): the same record as
    /// [`CbcState::seal_padded`] under the chained IV `iv`, which is not
    /// sent; the record's last ciphertext block becomes the next IV. With
    /// encrypt-then-MAC the MAC covers the ciphertext alone (RFC 7366 §3:
    /// there is no IV on the wire to cover).
    // ANCHOR: seal_chained
    fn seal_chained(
        &mut self,
        seq: u64,
        iv: [u8; BLOCK],
        plaintext: Plaintext<'_>,
        out: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
        padding_fault: PaddingFault,
    ) -> Option<(u8, u8)> {
        let iv_at = out.len();
        // IV ‖ plaintext … in the buffer for the CBC loop; the IV is cut out after.
        out.extend_from_slice(&iv);
        out.extend_from_slice(plaintext.fragment);
        let changed = if self.encrypt_then_mac {
            let changed = pad_to_block(out, plaintext.fragment.len() + 1, padding_fault);
            cbc_encrypt(&self.aes, &mut out[iv_at..]);
            out.drain(iv_at..iv_at + BLOCK);
            self.advance_chain(seq, iv, &out[iv_at..], hooks);
            self.append_mac(seq, plaintext, iv_at, out, hooks);
            changed
        } else {
            self.append_mac(seq, plaintext, iv_at + BLOCK, out, hooks);
            let used = plaintext.fragment.len() + self.mac_len() + 1;
            let changed = pad_to_block(out, used, padding_fault);
            cbc_encrypt(&self.aes, &mut out[iv_at..]);
            out.drain(iv_at..iv_at + BLOCK);
            self.advance_chain(seq, iv, &out[iv_at..], hooks);
            changed
        };
        changed
    }
    // ANCHOR_END: seal_chained

    /// Appends `HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ out[from..])`
    /// to `out` and emits `MacInput` with `out[from..]` as the covered bytes:
    /// the plaintext for MAC-then-encrypt, `IV ‖ ciphertext` for encrypt-then-MAC.
    fn append_mac(
        &self,
        seq: u64,
        plaintext: Plaintext<'_>,
        from: usize,
        out: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) {
        let covered = out.get(from..).unwrap_or_default();
        let (ph, mac) = self
            .mac_key
            .record_mac(seq, plaintext.typ, plaintext.version, covered);
        self.emit_mac_input(seq, &ph, covered, &mac, hooks);
        out.extend_from_slice(mac.as_ref());
    }

    /// `MacInput`: what a record's MAC covered and the MAC.
    fn emit_mac_input(&self, seq: u64, header: &[u8; 13], covered: &[u8], mac: &Tag, hooks: &mut Hooks<'_>) {
        hooks.emit(&Event::MacInput(MacInput {
            direction: self.direction,
            seq,
            pseudo_header: header,
            fragment: covered,
            mac: mac.as_ref(),
        }));
    }

    /// Decrypts and verifies `payload` (`IV ‖ ciphertext`; TLS 1.0: the
    /// ciphertext alone) in place; on success truncates it to the plaintext
    /// and returns true.
    pub(super) fn open(
        &mut self,
        seq: u64,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> bool {
        if self.encrypt_then_mac {
            return self.open_etm(seq, header, payload, hooks);
        }
        if let Some(iv) = self.chained_iv {
            // TLS 1.0: put the implicit IV in front, where an explicit one
            // would be, so the checks and the decryption below are the same.
            // The next IV is this record's last ciphertext block.
            if payload.is_empty() || !payload.len().is_multiple_of(BLOCK) {
                return false;
            }
            self.advance_chain(seq, iv, payload, hooks);
            payload.splice(0..0, iv);
        }
        let len = payload.len(); // public
                                 // Public checks (lengths only): an IV, whole blocks, and at least one
                                 // block of data with room for the MAC and the padding_length byte.
        if len < 2 * BLOCK || !len.is_multiple_of(BLOCK) || len - BLOCK < self.mac_len() + 1 {
            return false;
        }
        cbc_decrypt(&self.aes, payload);
        let fragment = payload.get(BLOCK..).unwrap_or_default();

        // The verdict: only this result decides.
        let kept = verify_constant_time_keeping_mac(
            &self.mac_key,
            seq,
            header.content_type,
            header.version,
            fragment,
        );

        // For the observer only, once the verdict is fixed (explain leaks
        // timing). It shows the MAC the constant-time check computed rather
        // than hashing the record a second time.
        if hooks.active() {
            explain_reusing(
                &self.mac_key,
                seq,
                header.content_type,
                header.version,
                fragment,
                Some(&kept),
            )
            .emit(fragment, self.direction, seq, hooks);
        }

        match kept.verdict {
            Ok(n) => {
                payload.copy_within(BLOCK..BLOCK + n, 0);
                payload.truncate(n);
                true
            }
            Err(_) => false,
        }
    }

    /// Encrypt-then-MAC opening (RFC 7366 §3): MAC first, on the ciphertext;
    /// decryption and the padding check only if it verified.
    // ANCHOR: open_etm
    fn open_etm(
        &mut self,
        seq: u64,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> bool {
        let len = payload.len(); // public
        let mac_len = self.mac_len(); // public
        let iv_len = if self.chained_iv.is_some() { 0 } else { BLOCK }; // public
                                                                        // Public checks (lengths only): IV, at least one block, MAC, and whole blocks before the MAC.
        if len < iv_len + BLOCK + mac_len || !(len - mac_len).is_multiple_of(BLOCK) {
            return false;
        }
        // 1. The MAC, on the ciphertext: only this result decides whether we decrypt.
        let mac_verdict =
            verify_etm_mac_constant_time(&self.mac_key, seq, header.content_type, header.version, payload);
        if hooks.active() {
            explain_etm(&self.mac_key, seq, header.content_type, header.version, payload).emit(
                payload,
                self.direction,
                seq,
                hooks,
            );
        }
        let Ok(body_len) = mac_verdict else {
            // Not decrypted, padding never examined: no oracle. TLS 1.0:
            // the sender's chain moved on all the same (the next IV is this
            // record's last ciphertext block), which an analysis that reads
            // on past a failure needs.
            if let Some(iv) = self.chained_iv {
                self.advance_chain(seq, iv, &payload[..len - mac_len], hooks);
            }
            return false;
        };
        // 2. Decrypt IV ‖ ciphertext; the MAC is dropped. TLS 1.0: the
        // implicit IV goes in front, and the next IV is the last block.
        payload.truncate(body_len);
        if let Some(iv) = self.chained_iv {
            self.advance_chain(seq, iv, payload, hooks);
            payload.splice(0..0, iv);
        }
        cbc_decrypt(&self.aes, payload);
        let fragment = payload.get(BLOCK..).unwrap_or_default();
        // 3. The padding of an authenticated record.
        let padding_verdict = etm_padding_constant_time(fragment);
        if hooks.active() {
            explain_etm_padding(fragment).emit(fragment, self.direction, seq, hooks);
        }
        match padding_verdict {
            Ok(n) => {
                payload.copy_within(BLOCK..BLOCK + n, 0);
                payload.truncate(n);
                true
            }
            // A bad padding under a good MAC: the peer is broken, not under
            // attack. Still bad_record_mac, like every record failure.
            Err(_) => false,
        }
    }
    // ANCHOR_END: open_etm
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::generic_array::GenericArray;

    /// NIST SP 800-38A F.2.1 CBC-AES128.Encrypt, first two blocks.
    #[test]
    fn cbc_chaining_matches_sp800_38a() {
        let key = AesKey::Aes128(
            Aes128::new_from_slice(&hex::decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap()).unwrap(),
        );
        let mut buf = hex::decode(concat!(
            "000102030405060708090a0b0c0d0e0f",
            "6bc1bee22e409f96e93d7e117393172a",
            "ae2d8a571e03ac9c9eb76fac45af8e51"
        ))
        .unwrap();
        cbc_encrypt(&key, &mut buf);
        assert_eq!(
            hex::encode(&buf[16..]),
            "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
        );
        cbc_decrypt(&key, &mut buf);
        assert_eq!(hex::encode(&buf[16..32]), "6bc1bee22e409f96e93d7e117393172a");
    }

    /// The `bad-padding` fault: only the first padding byte is wrong. The
    /// readable verifier sees the padding break at byte 0 while the MAC,
    /// taken where the padding_length byte says it ends, is the right one;
    /// both verifiers reject the record. In both MAC orders, and for a
    /// fragment whose minimal padding is empty (one block is added).
    #[test]
    fn bad_padding_breaks_only_the_padding() {
        use crate::rng::SeededRng;
        let (mac_key, enc_key) = ([7u8; 20], [9u8; 16]);
        let alg = MacAlgorithm::HmacSha1;
        for etm in [false, true] {
            // 11 bytes: 11 + 20 + 1 = 32, whole blocks, minimal padding empty (MtE).
            for len in [16usize, 11, 15] {
                let mut state = CbcState::new(
                    Direction::ClientToServer,
                    BulkCipher::Aes128Cbc,
                    alg,
                    &mac_key,
                    &enc_key,
                )
                .unwrap()
                .with_encrypt_then_mac(etm);
                let fragment = vec![0x42u8; len];
                let (typ, v) = (ContentType::HANDSHAKE, ProtocolVersion::TLS12);
                let mut out = Vec::new();
                let changed = state
                    .seal_padded(
                        3,
                        Plaintext {
                            typ,
                            version: v,
                            fragment: &fragment,
                        },
                        &mut out,
                        &mut SeededRng::new(1, 0),
                        &mut Hooks::none(),
                        PaddingFault::Value,
                    )
                    .expect("a padding byte was changed");
                assert_eq!(changed.0 ^ changed.1, 1);
                let header = RecordHeader {
                    content_type: typ,
                    version: v,
                    length: out.len() as u16,
                };
                assert!(
                    !state.open(3, &header, &mut out.clone(), &mut Hooks::none()),
                    "etm={etm} len={len}"
                );

                // Decrypt by hand and read the padding.
                let mac_len = 20;
                let mut body = out.clone();
                if etm {
                    let ok = explain_etm(&state.mac_key, 3, typ, v, &body);
                    assert!(ok.mac_ok, "EtM: the MAC over the ciphertext is right");
                    body.truncate(body.len() - mac_len);
                }
                cbc_decrypt(&state.aes, &mut body);
                let plain = &body[BLOCK..];
                let pad = usize::from(*plain.last().unwrap());
                assert_eq!(
                    usize::from(changed.0),
                    pad,
                    "the changed byte held padding_length"
                );
                let padding = &plain[plain.len() - 1 - pad..plain.len() - 1];
                assert_eq!(padding[0], changed.1);
                assert!(padding[1..].iter().all(|&b| usize::from(b) == pad));
                if !etm {
                    let verdict = super::super::verify::explain(&state.mac_key, 3, typ, v, plain);
                    assert!(!verdict.padding_ok && !verdict.ok);
                    assert_eq!(verdict.first_bad_padding_byte, Some(0));
                    // The MAC where padding_length says it is: right.
                    let n = plain.len() - 1 - pad - mac_len;
                    let mut ctx =
                        ring::hmac::Context::with_key(&ring::hmac::Key::new(alg.hmac().unwrap(), &mac_key));
                    ctx.update(&super::super::pseudo_header(3, typ, v, n));
                    ctx.update(&plain[..n]);
                    assert_eq!(ctx.sign().as_ref(), &plain[n..n + mac_len]);
                    assert_eq!(&plain[..n], &fragment[..]);
                }
            }
        }
    }

    /// NIST SP 800-38A F.2.2 CBC-AES128.Decrypt, all four blocks: one group of
    /// the eight-block decryption, shorter than a full group.
    #[test]
    fn cbc_decrypt_matches_sp800_38a_f22() {
        let key = AesKey::Aes128(
            Aes128::new_from_slice(&hex::decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap()).unwrap(),
        );
        let mut buf = hex::decode(concat!(
            "000102030405060708090a0b0c0d0e0f",
            "7649abac8119b246cee98e9b12e9197d",
            "5086cb9b507219ee95db113a917678b2",
            "73bed6b8e3c1743b7116e69e22229516",
            "3ff1caa1681fac09120eca307586e1a7"
        ))
        .unwrap();
        cbc_decrypt(&key, &mut buf);
        assert_eq!(
            hex::encode(&buf[16..]),
            concat!(
                "6bc1bee22e409f96e93d7e117393172a",
                "ae2d8a571e03ac9c9eb76fac45af8e51",
                "30c81c46a35ce411e5fbc1191a0a52ef",
                "f69f2445df4f9b17ad2b417be66c3710"
            )
        );
    }

    /// Lengths around the eight-block groups (and a trailing partial block,
    /// left alone) against the definition `Pi = D(Ci) xor C(i-1)`, one
    /// block at a time with the `aes` crate's single-block call.
    #[test]
    fn cbc_decrypt_in_groups_matches_block_by_block() {
        let raw = Aes256::new_from_slice(&[7u8; 32]).unwrap();
        let key = AesKey::Aes256(raw.clone());
        for blocks in [1usize, 7, 8, 9, 16, 17, 1024 + 3] {
            for extra in [0usize, 5] {
                let len = BLOCK * (blocks + 1) + extra;
                let buf: Vec<u8> = (0..len).map(|i| (i * 31 + blocks) as u8).collect();
                let mut expected = buf.clone();
                for i in 1..=blocks {
                    let mut b = GenericArray::clone_from_slice(&buf[i * BLOCK..(i + 1) * BLOCK]);
                    raw.decrypt_block(&mut b);
                    for k in 0..BLOCK {
                        expected[i * BLOCK + k] = b[k] ^ buf[(i - 1) * BLOCK + k];
                    }
                }
                let mut got = buf.clone();
                cbc_decrypt(&key, &mut got);
                assert_eq!(got, expected, "{blocks} blocks + {extra} bytes");
            }
        }
    }
}
