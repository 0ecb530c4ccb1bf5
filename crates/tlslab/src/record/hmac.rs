//! HMAC (RFC 2104) for the CBC record MAC, over the raw compression
//! functions of RustCrypto's `sha1` and `sha2` (which use the SHA extensions,
//! SHA-NI, when the CPU has them, detected at run time).
//!
//! Two ways to run it:
//!
//! * [`MacKey::sign`]: the ordinary HMAC of a message whose length is public
//!   (sealing, and the encrypt-then-MAC check, which MACs the ciphertext).
//! * [`MacKey::sign_secret_length`]: the HMAC of `pseudo_header ‖ data[..n]`
//!   where `n` is **secret** (the plaintext length of a MAC-then-encrypt
//!   record, which the padding decides), with a number of compression calls
//!   and a memory access pattern that depend only on public lengths. This is
//!   the construction of OpenSSL's `ssl3_cbc_digest_record` and BearSSL's
//!   `br_tls_cbc`, the complete answer to Lucky13 (AlFardan & Paterson 2013),
//!   which timed the one extra compression that a longer MAC input costs.
//!
//! A Merkle–Damgård hash (SHA-1, SHA-256, SHA-384) pads the message `M` as
//!
//! ```text
//! M ‖ 0x80 ‖ 0x00… ‖ bit_length(M) (8 bytes; 16 for SHA-384)
//! ```
//!
//! up to a whole number of blocks (64 bytes; 128 for SHA-384), and
//! compresses one block at a time. The HMAC key's inner and outer pads are
//! compressed once, when the key is made.

use sha1::digest::generic_array::typenum::{U128, U64};
use sha1::digest::generic_array::GenericArray;

use super::pseudo_header;
use crate::crypto::suites::MacAlgorithm;
use crate::wire::{ContentType, ProtocolVersion};

/// The largest MAC (HMAC-SHA384), in bytes.
pub const MAX_MAC_LEN: usize = 48;

/// The largest hash block (SHA-384), in bytes.
const MAX_BLOCK: usize = 128;

/// A value the optimiser must treat as unknown: it cannot prove that a mask
/// is 0 or all ones, so it cannot turn the arithmetic that uses the mask back
/// into a branch or a conditional move. This matters in loops: LLVM's x86
/// back end rewrites a conditional move on a loop-carried chain into a jump
/// when it predicts that to be faster (the "cmov conversion" pass), and did so
/// here on the reduction of the MAC's rotation amount, a secret: the timing
/// check measured it (book, CBC chapter). Through `black_box` the mask is a
/// value in memory and the `and` that uses it is the only way forward.
#[inline(always)]
pub(super) fn barrier(x: u32) -> u32 {
    std::hint::black_box(x)
}

/// Constant-time helpers: masks, never booleans. Every input is below 2^31.
#[inline(always)]
pub(super) fn ct_lt(a: u32, b: u32) -> u32 {
    (a.wrapping_sub(b) >> 31).wrapping_neg()
}

/// All ones if `a >= b` (both < 2^31).
#[inline(always)]
pub(super) fn ct_ge(a: u32, b: u32) -> u32 {
    !ct_lt(a, b)
}

/// All ones if `a == b`.
#[inline(always)]
pub(super) fn ct_eq(a: u32, b: u32) -> u32 {
    let x = a ^ b;
    // x | -x has its top bit set exactly when x != 0.
    !((x | x.wrapping_neg()) >> 31).wrapping_neg()
}

/// All ones if the two byte strings are equal, compared without an early
/// exit (OR of XORs over the public length).
#[inline(always)]
pub(super) fn ct_bytes_eq(a: &[u8], b: &[u8]) -> u32 {
    let mut diff = u32::from(a.len() != b.len());
    for (x, y) in a.iter().zip(b) {
        diff |= u32::from(x ^ y);
    }
    ct_eq(diff, 0)
}

/// One Merkle–Damgård hash as the HMAC code sees it: a state, a block
/// compression and the padding parameters.
trait Md {
    /// Block length in bytes.
    const BLOCK: usize;
    /// Bytes of the bit-length field at the end of the padding.
    const LEN_BYTES: usize;
    /// Output length in bytes.
    const OUT: usize;
    type State: Copy;
    /// The initial hash value (FIPS 180-4 §5.3).
    const IV: Self::State;
    /// Compresses whole blocks (`blocks.len()` a multiple of `BLOCK`).
    fn compress(state: &mut Self::State, blocks: &[u8]);
    /// `a` where `mask` is all ones, `b` where it is zero, word by word.
    fn select(mask: u32, a: &Self::State, b: &Self::State) -> Self::State;
    /// The big-endian output (`OUT` bytes) into `out`.
    fn output(state: &Self::State, out: &mut [u8]);
}

/// Copies whole blocks into `GenericArray`s, eight at a time, and hands them
/// to `f`: the compression functions take a slice of those.
macro_rules! compress_in_groups {
    ($state:expr, $blocks:expr, $n:ty, $b:expr, $f:path) => {{
        // One block (the HMAC's own buffer, the secret-length blocks, each
        // step of `mac_then_encrypt`): borrowed as it is, no group buffer
        // to set up.
        if $blocks.len() <= $b {
            if $blocks.len() == $b {
                $f(
                    $state,
                    std::slice::from_ref(GenericArray::<u8, $n>::from_slice($blocks)),
                );
            }
            return;
        }
        let mut buf = [GenericArray::<u8, $n>::default(); 8];
        for group in $blocks.chunks(8 * $b) {
            let k = group.len() / $b;
            for (dst, src) in buf.iter_mut().zip(group.chunks_exact($b)) {
                dst.copy_from_slice(src);
            }
            $f($state, &buf[..k]);
        }
    }};
}

/// `a` where `mask` is all ones, `b` where it is zero (32-bit states).
fn select_words<const N: usize>(mask: u32, a: &[u32; N], b: &[u32; N]) -> [u32; N] {
    std::array::from_fn(|i| (a[i] & mask) | (b[i] & !mask))
}

/// The big-endian bytes of a 32-bit state (SHA-1, SHA-256).
fn output_words(state: &[u32], out: &mut [u8]) {
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
}

struct Sha1;
struct Sha256;
struct Sha384;

impl Md for Sha1 {
    const BLOCK: usize = 64;
    const LEN_BYTES: usize = 8;
    const OUT: usize = 20;
    type State = [u32; 5];
    const IV: [u32; 5] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
    fn compress(state: &mut [u32; 5], blocks: &[u8]) {
        compress_in_groups!(state, blocks, U64, 64, sha1::compress)
    }
    fn select(mask: u32, a: &[u32; 5], b: &[u32; 5]) -> [u32; 5] {
        select_words(mask, a, b)
    }
    fn output(state: &[u32; 5], out: &mut [u8]) {
        output_words(state, out)
    }
}

impl Md for Sha256 {
    const BLOCK: usize = 64;
    const LEN_BYTES: usize = 8;
    const OUT: usize = 32;
    type State = [u32; 8];
    const IV: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];
    fn compress(state: &mut [u32; 8], blocks: &[u8]) {
        compress_in_groups!(state, blocks, U64, 64, sha2::compress256)
    }
    fn select(mask: u32, a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
        select_words(mask, a, b)
    }
    fn output(state: &[u32; 8], out: &mut [u8]) {
        output_words(state, out)
    }
}

impl Md for Sha384 {
    const BLOCK: usize = 128;
    const LEN_BYTES: usize = 16;
    const OUT: usize = 48;
    type State = [u64; 8];
    const IV: [u64; 8] = [
        0xcbbb9d5dc1059ed8,
        0x629a292a367cd507,
        0x9159015a3070dd17,
        0x152fecd8f70e5939,
        0x67332667ffc00b31,
        0x8eb44a8768581511,
        0xdb0c2e0d64f98fa7,
        0x47b5481dbefa4fa4,
    ];
    fn compress(state: &mut [u64; 8], blocks: &[u8]) {
        compress_in_groups!(state, blocks, U128, 128, sha2::compress512)
    }
    fn select(mask: u32, a: &[u64; 8], b: &[u64; 8]) -> [u64; 8] {
        let m = u64::from(mask) | (u64::from(mask) << 32);
        std::array::from_fn(|i| (a[i] & m) | (b[i] & !m))
    }
    fn output(state: &[u64; 8], out: &mut [u8]) {
        // SHA-384 is SHA-512 with another IV, cut to six words.
        for (o, w) in out[..48].chunks_exact_mut(8).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

/// A hash in progress over a public-length message: the state, a partial
/// block and the byte count (including the HMAC pad block).
struct Running<H: Md> {
    state: H::State,
    buf: [u8; MAX_BLOCK],
    buffered: usize,
    total: usize,
}

impl<H: Md> Running<H> {
    fn new(state: H::State, already: usize) -> Self {
        Running {
            state,
            buf: [0; MAX_BLOCK],
            buffered: 0,
            total: already,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total += data.len();
        if self.buffered > 0 {
            let take = (H::BLOCK - self.buffered).min(data.len());
            self.buf[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < H::BLOCK {
                return;
            }
            H::compress(&mut self.state, &self.buf[..H::BLOCK]);
            self.buffered = 0;
        }
        let whole = data.len() - data.len() % H::BLOCK;
        H::compress(&mut self.state, &data[..whole]);
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    /// Appends the padding and returns the digest (`H::OUT` bytes of `out`).
    fn finish(mut self, out: &mut [u8]) {
        let bits = (self.total as u64) * 8;
        self.buf[self.buffered] = 0x80;
        let mut end = self.buffered + 1;
        if end > H::BLOCK - H::LEN_BYTES {
            self.buf[end..H::BLOCK].fill(0);
            H::compress(&mut self.state, &self.buf[..H::BLOCK]);
            end = 0;
        }
        self.buf[end..H::BLOCK - 8].fill(0);
        self.buf[H::BLOCK - 8..H::BLOCK].copy_from_slice(&bits.to_be_bytes());
        H::compress(&mut self.state, &self.buf[..H::BLOCK]);
        H::output(&self.state, out);
    }
}

/// Bytes `start..start + out.len()` of the stream `header ‖ data ‖ zeros`
/// into `out`: positions and lengths are public, so plain copies.
fn stream_block(header: &[u8; 13], data: &[u8], start: usize, out: &mut [u8]) {
    out.fill(0);
    let end = start + out.len();
    if start < 13 {
        let h = &header[start..end.min(13)];
        out[..h.len()].copy_from_slice(h);
    }
    let (from, to) = (start.max(13) - 13, (end - 13).min(data.len()));
    if from < to {
        let at = from + 13 - start;
        out[at..at + to - from].copy_from_slice(&data[from..to]);
    }
}

/// The inner and outer states of one HMAC key (after `K ⊕ ipad`, `K ⊕ opad`).
struct Pads<H: Md> {
    inner: H::State,
    outer: H::State,
}

impl<H: Md> Pads<H> {
    fn new(key: &[u8]) -> Self {
        // RFC 2104 §2: a key longer than a block is hashed first.
        let mut k = [0u8; MAX_BLOCK];
        if key.len() > H::BLOCK {
            let mut h = Running::<H>::new(H::IV, 0);
            h.update(key);
            h.finish(&mut k);
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut pad = [0u8; MAX_BLOCK];
        let mut inner = H::IV;
        for (p, b) in pad.iter_mut().zip(&k).take(H::BLOCK) {
            *p = b ^ 0x36;
        }
        H::compress(&mut inner, &pad[..H::BLOCK]);
        let mut outer = H::IV;
        for (p, b) in pad.iter_mut().zip(&k).take(H::BLOCK) {
            *p = b ^ 0x5c;
        }
        H::compress(&mut outer, &pad[..H::BLOCK]);
        Pads { inner, outer }
    }

    /// The outer hash over an inner digest: always one block (B ≥ OUT + 1 + LEN_BYTES).
    fn outer(&self, inner_digest: &[u8], out: &mut [u8]) {
        let mut h = Running::<H>::new(self.outer, H::BLOCK);
        h.update(&inner_digest[..H::OUT]);
        h.finish(out);
    }

    fn sign(&self, parts: &[&[u8]], out: &mut [u8]) {
        let mut h = Running::<H>::new(self.inner, H::BLOCK);
        for p in parts {
            h.update(p);
        }
        let mut inner = [0u8; MAX_MAC_LEN];
        h.finish(&mut inner);
        self.outer(&inner, out);
    }

    /// HMAC over `header ‖ data[..n]` with `n` secret, `n_min <= n <= n_max`
    /// public bounds and `n_max <= data.len()`. See [`MacKey::sign_secret_length`].
    // ANCHOR: digest_record
    fn sign_secret_length(
        &self,
        header: &[u8; 13],
        data: &[u8],
        n: usize,
        n_min: usize,
        n_max: usize,
        out: &mut [u8],
    ) {
        let b = H::BLOCK; // public
                          // secret: |M|, the inner message header ‖ data[..n], after one block
                          // of K ⊕ ipad. Behind a barrier, so that the compiler cannot reason
                          // about its range and turn the masks below back into branches.
        let m = barrier((13 + n) as u32) as usize;
        let m_min = 13 + n_min; // public
        let m_max = 13 + n_max; // public
                                // secret: the block holding the end of the padding (0x80, zeros, the
                                // bit length in the last LEN_BYTES bytes). B is a power of two, so the
                                // division is a shift, not a data-dependent `div`.
        let final_block = (m + H::LEN_BYTES) / b;
        // public: the last block the padding could end in.
        let max_block = (m_max + H::LEN_BYTES) / b;
        // public: blocks made only of message bytes whatever n is.
        let plain_blocks = m_min / b;

        // 1. The blocks every candidate length shares: hashed as they are.
        let mut state = self.inner; // after K ⊕ ipad
        let mut block = [0u8; MAX_BLOCK];
        if plain_blocks > 0 {
            // The first block holds the header; after it, whole blocks sit
            // contiguous in `data`.
            stream_block(header, data, 0, &mut block[..b]);
            H::compress(&mut state, &block[..b]);
            H::compress(
                &mut state,
                data.get(b - 13..plain_blocks * b - 13).unwrap_or_default(),
            );
        }

        // 2. The blocks where the message may end: each copied from the
        //    stream at public positions, then every byte masked (message
        //    byte, 0x80, or zero, by comparing its public position with the
        //    secret m), the bit length added under the mask "this is the
        //    final block", always compressed, and the state kept only after
        //    block `final_block`. Compression calls: max_block - plain_blocks
        //    + 1, a function of public lengths only.
        let bits = ((b + m) as u64) * 8; // secret: the inner length in bits
        let len_bytes = bits.to_be_bytes();
        let mut picked = state;
        for j in plain_blocks..=max_block {
            let is_final = barrier(ct_eq(j as u32, final_block as u32)); // secret
            let start = j * b; // public
            stream_block(header, data, start, &mut block[..b]);
            for (k, o) in block.iter_mut().take(b).enumerate() {
                let i = (start + k) as u32; // public position
                let is_msg = ct_lt(i, m as u32) as u8; // secret
                let is_80 = ct_eq(i, m as u32) as u8; // secret
                *o = (*o & is_msg) | (0x80 & is_80);
            }
            // The bit length: the last 8 bytes of the final block (the upper
            // 8 of SHA-384's 16-byte field are zero).
            for (o, l) in block[b - 8..b].iter_mut().zip(len_bytes) {
                *o |= l & is_final as u8;
            }
            H::compress(&mut state, &block[..b]);
            picked = H::select(is_final, &state, &picked);
        }

        // 3. The outer hash: one block, public length.
        let mut inner = [0u8; MAX_MAC_LEN];
        H::output(&picked, &mut inner);
        self.outer(&inner, out);
    }
    // ANCHOR_END: digest_record
}

/// The pads of one of the three hashes.
#[derive(Clone, Copy)]
enum Keyed {
    Sha1(Pads<Sha1>),
    Sha256(Pads<Sha256>),
    Sha384(Pads<Sha384>),
}

impl<H: Md> Clone for Pads<H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Md> Copy for Pads<H> {}

/// An HMAC key of a CBC suite (`MAC_write_key`, RFC 5246 §6.2.3.1), with its
/// pad blocks already compressed.
#[derive(Clone, Copy)]
pub struct MacKey {
    alg: MacAlgorithm,
    keyed: Keyed,
}

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key itself is visible through the KeyBlock event.
        f.debug_struct("MacKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// A computed MAC: `mac_length` bytes (use `as_ref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    bytes: [u8; MAX_MAC_LEN],
    len: usize,
}

impl Tag {
    /// No MAC (a record too short to carry one).
    pub const EMPTY: Tag = Tag {
        bytes: [0; MAX_MAC_LEN],
        len: 0,
    };
}

impl AsRef<[u8]> for Tag {
    fn as_ref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl MacKey {
    /// The key for `alg`; `None` for [`MacAlgorithm::Aead`], which has no
    /// MAC, and for HMAC-MD5, which only the analysis-only record path
    /// ([`super::legacy`]) computes.
    pub fn new(alg: MacAlgorithm, key: &[u8]) -> Option<MacKey> {
        let keyed = match alg {
            MacAlgorithm::HmacSha1 => Keyed::Sha1(Pads::new(key)),
            MacAlgorithm::HmacSha256 => Keyed::Sha256(Pads::new(key)),
            MacAlgorithm::HmacSha384 => Keyed::Sha384(Pads::new(key)),
            MacAlgorithm::HmacMd5 | MacAlgorithm::Aead => return None,
        };
        Some(MacKey { alg, keyed })
    }

    /// The MAC algorithm.
    pub fn algorithm(&self) -> MacAlgorithm {
        self.alg
    }

    /// `mac_length`: 20, 32 or 48.
    pub fn mac_len(&self) -> usize {
        self.alg.len()
    }

    fn tag(&self, f: impl FnOnce(&mut [u8])) -> Tag {
        let mut bytes = [0u8; MAX_MAC_LEN];
        f(&mut bytes);
        Tag {
            bytes,
            len: self.mac_len(),
        }
    }

    /// HMAC over the concatenation of `parts` (a message of public length).
    pub fn sign(&self, parts: &[&[u8]]) -> Tag {
        self.tag(|out| match &self.keyed {
            Keyed::Sha1(p) => p.sign(parts, out),
            Keyed::Sha256(p) => p.sign(parts, out),
            Keyed::Sha384(p) => p.sign(parts, out),
        })
    }

    /// The record MAC over a public-length `covered` (RFC 5246 §6.2.3.1;
    /// RFC 7366 §3 for encrypt-then-MAC, where `covered` is `IV ‖ ciphertext`):
    ///
    /// ```text
    /// HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length(covered) ‖ covered)
    /// ```
    ///
    /// Returns the 13-byte pseudo-header and the MAC.
    pub fn record_mac(
        &self,
        seq: u64,
        typ: ContentType,
        version: ProtocolVersion,
        covered: &[u8],
    ) -> ([u8; 13], Tag) {
        let header = pseudo_header(seq, typ, version, covered.len());
        (header, self.sign(&[&header, covered]))
    }

    /// HMAC over `header ‖ data[..n]` where `n` is **secret** and lies in the
    /// public range `n_min..=n_max` (`n_max <= data.len()`; outside it the
    /// result is meaningless but the work is the same).
    ///
    /// The compression function runs `plain + (max_block − plain + 1) + 1`
    /// times, where every term comes from `n_min`, `n_max` and the hash's
    /// block size: all public. Every byte of `data` up to the last block
    /// that could hold message bytes is read, whatever `n` is. This is
    /// `ssl3_cbc_digest_record` (OpenSSL) and `br_tls_cbc` (BearSSL) over
    /// SHA-1, SHA-256 and SHA-384; its purpose is Lucky13 (AlFardan &
    /// Paterson 2013): a MAC whose cost grows with the secret plaintext
    /// length tells an attacker, through time, the padding length.
    pub fn sign_secret_length(
        &self,
        header: &[u8; 13],
        data: &[u8],
        n: usize,
        n_min: usize,
        n_max: usize,
    ) -> Tag {
        self.tag(|out| match &self.keyed {
            Keyed::Sha1(p) => p.sign_secret_length(header, data, n, n_min, n_max, out),
            Keyed::Sha256(p) => p.sign_secret_length(header, data, n, n_min, n_max, out),
            Keyed::Sha384(p) => p.sign_secret_length(header, data, n, n_min, n_max, out),
        })
    }
}

/// The inner hash of one HMAC in progress, for each of the three hashes.
enum StreamState {
    Sha1(Running<Sha1>, Pads<Sha1>),
    Sha256(Running<Sha256>, Pads<Sha256>),
    Sha384(Running<Sha384>, Pads<Sha384>),
}

/// An HMAC fed piece by piece ([`MacKey::stream`]), for a caller that
/// interleaves hashing with other work: sealing a MAC-then-encrypt record
/// hashes 64 bytes of plaintext, then CBC-encrypts them, and so on, so that
/// the CPU runs the SHA and AES instructions side by side.
pub struct MacStream {
    state: StreamState,
    len: usize,
}

impl MacStream {
    /// Appends `data` to the message.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            StreamState::Sha1(h, _) => h.update(data),
            StreamState::Sha256(h, _) => h.update(data),
            StreamState::Sha384(h, _) => h.update(data),
        }
    }

    /// The hash's block length (64 bytes; 128 for SHA-384): data appended in
    /// whole blocks once the buffered bytes make one is hashed in place.
    pub fn block_len(&self) -> usize {
        match self.state {
            StreamState::Sha1(..) => Sha1::BLOCK,
            StreamState::Sha256(..) => Sha256::BLOCK,
            StreamState::Sha384(..) => Sha384::BLOCK,
        }
    }

    /// The MAC of everything appended.
    pub fn finish(self) -> Tag {
        let mut bytes = [0u8; MAX_MAC_LEN];
        let mut inner = [0u8; MAX_MAC_LEN];
        match self.state {
            StreamState::Sha1(h, p) => {
                h.finish(&mut inner);
                p.outer(&inner, &mut bytes);
            }
            StreamState::Sha256(h, p) => {
                h.finish(&mut inner);
                p.outer(&inner, &mut bytes);
            }
            StreamState::Sha384(h, p) => {
                h.finish(&mut inner);
                p.outer(&inner, &mut bytes);
            }
        }
        Tag { bytes, len: self.len }
    }
}

impl MacKey {
    /// Starts an HMAC whose message begins with `prefix` (the record MAC's
    /// pseudo-header); [`MacStream::update`] appends the rest.
    pub fn stream(&self, prefix: &[u8]) -> MacStream {
        let state = match &self.keyed {
            Keyed::Sha1(p) => StreamState::Sha1(Running::new(p.inner, Sha1::BLOCK), *p),
            Keyed::Sha256(p) => StreamState::Sha256(Running::new(p.inner, Sha256::BLOCK), *p),
            Keyed::Sha384(p) => StreamState::Sha384(Running::new(p.inner, Sha384::BLOCK), *p),
        };
        let mut stream = MacStream {
            state,
            len: self.mac_len(),
        };
        stream.update(prefix);
        stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::hmac as rh;

    fn ring_alg(alg: MacAlgorithm) -> rh::Algorithm {
        alg.hmac().unwrap()
    }

    const ALGS: [MacAlgorithm; 3] = [
        MacAlgorithm::HmacSha1,
        MacAlgorithm::HmacSha256,
        MacAlgorithm::HmacSha384,
    ];

    /// RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (SHA-256, SHA-384).
    #[test]
    fn rfc_2202_and_4231_case_2() {
        let msg: &[u8] = b"what do ya want for nothing?";
        let cases = [
            (MacAlgorithm::HmacSha1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            (
                MacAlgorithm::HmacSha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                MacAlgorithm::HmacSha384,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            ),
        ];
        for (alg, want) in cases {
            let k = MacKey::new(alg, b"Jefe").unwrap();
            assert_eq!(hex::encode(k.sign(&[msg])), want, "{alg:?}");
            assert_eq!(hex::encode(k.sign(&[&msg[..5], &msg[5..]])), want);
        }
    }

    /// Against ring's HMAC (an independent implementation), for every split
    /// and lengths around the block boundaries, and long keys.
    #[test]
    fn sign_matches_ring() {
        for alg in ALGS {
            for key_len in [alg.len(), 200] {
                let key: Vec<u8> = (0..key_len).map(|i| i as u8 ^ 0x5a).collect();
                let ours = MacKey::new(alg, &key).unwrap();
                let theirs = rh::Key::new(ring_alg(alg), &key);
                for len in (0..300).chain([1000, 16384 + 13]) {
                    let msg: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
                    let want = rh::sign(&theirs, &msg);
                    let cut = len / 3;
                    assert_eq!(
                        ours.sign(&[&msg[..cut], &msg[cut..]]).as_ref(),
                        want.as_ref(),
                        "{alg:?} {len}"
                    );
                }
            }
        }
    }

    /// Fed in pieces of every size, the stream equals ring's HMAC.
    #[test]
    fn stream_matches_ring() {
        for alg in ALGS {
            let key = vec![0x0c; alg.len()];
            let ours = MacKey::new(alg, &key).unwrap();
            let theirs = rh::Key::new(ring_alg(alg), &key);
            let msg: Vec<u8> = (0..1000).map(|i| (i * 31) as u8).collect();
            for piece in [1, 13, 63, 64, 65, 128, 333, 1000] {
                let mut s = ours.stream(&msg[..13]);
                for p in msg[13..].chunks(piece) {
                    s.update(p);
                }
                let want = rh::sign(&theirs, &msg);
                assert_eq!(s.finish().as_ref(), want.as_ref(), "{alg:?} pieces of {piece}");
            }
        }
    }

    /// The secret-length HMAC equals ring's HMAC over the same prefix, for
    /// every n in the range and ranges around block boundaries.
    #[test]
    fn sign_secret_length_matches_ring() {
        for alg in ALGS {
            let key = vec![0x0b; alg.len()];
            let ours = MacKey::new(alg, &key).unwrap();
            let theirs = rh::Key::new(ring_alg(alg), &key);
            let header: [u8; 13] = std::array::from_fn(|i| i as u8 * 3);
            for data_len in [0usize, 1, 40, 51, 64, 115, 128, 300, 600, 2000] {
                let data: Vec<u8> = (0..data_len).map(|i| (i * 13) as u8).collect();
                let n_max = data_len;
                let n_min = n_max.saturating_sub(256);
                for n in n_min..=n_max {
                    let mut input = header.to_vec();
                    input.extend_from_slice(&data[..n]);
                    let want = rh::sign(&theirs, &input);
                    let got = ours.sign_secret_length(&header, &data, n, n_min, n_max);
                    assert_eq!(got.as_ref(), want.as_ref(), "{alg:?} len {data_len} n {n}");
                }
            }
        }
    }
}
