//! The CBC MAC-and-padding verifier twins (RFC 5246 §6.2.3.2).
//!
//! A decrypted TLS 1.2 CBC fragment is
//!
//! ```text
//! plaintext ‖ MAC(mac_length) ‖ padding(padding_length bytes, each = padding_length) ‖ padding_length
//! ```
//!
//! and the receiver must find out whether the padding is well formed and the
//! MAC verifies, **without telling an attacker which of the two failed**, by
//! message or by time:
//!
//! * Vaudenay (2002): a distinct "bad padding" error lets an attacker who
//!   tampers with the previous ciphertext block decrypt a record byte by byte
//!   (the padding oracle). TLS answers `bad_record_mac` for both (RFC 5246
//!   §7.2.2, `decryption_failed` is deprecated).
//! * Canvel et al. (2003): the same oracle, read from the *time* to answer
//!   when a bad padding skipped the MAC.
//! * Lucky13 (AlFardan, Paterson 2013): even with a MAC computed on every
//!   path, the MAC input length depends on the padding length, and the number
//!   of hash compression calls leaks it.
//!
//! Two functions look at the same bytes:
//!
//! * [`verify_constant_time`] is the production-style check. Its result alone
//!   decides whether a record is accepted. It has no branch and no memory
//!   index that depends on a secret, except the residue documented on it.
//! * [`explain`] is the same check written plainly, to be read and to feed the
//!   observer. It branches on secrets, so **it leaks timing and exists to
//!   teach**: the record layer calls it only when an observer is attached, and
//!   only after the constant-time verdict is fixed. Both reach the same
//!   verdict on every input (tested exhaustively over padding lengths and by
//!   bit flips).

use std::ops::Range;

pub use super::hmac::MAX_MAC_LEN;
use super::hmac::{barrier, ct_bytes_eq, ct_eq, ct_ge, ct_lt, MacKey, Tag};
use crate::observer::{Event, Hooks, MacInput, PaddingView};
use crate::wire::{ContentType, Direction, ProtocolVersion};

/// The record did not verify. Deliberately carries no reason: see the
/// module doc (padding oracle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected;

/// A mask (all ones or zero) to the verdict that goes on the wire: from
/// here on, public.
fn verdict(good: u32, n: usize) -> Result<usize, Rejected> {
    if good == u32::MAX {
        Ok(n)
    } else {
        Err(Rejected)
    }
}

/// The production-style check of a decrypted CBC fragment (IV already
/// removed): the padding check of Go's `extractPadding`, the received MAC
/// copied out of a secret position by OpenSSL's rotation trick
/// (`ssl3_cbc_copy_mac`), and the MAC computed by
/// [`MacKey::sign_secret_length`] (OpenSSL's `ssl3_cbc_digest_record`,
/// BearSSL's `br_tls_cbc`). Returns the plaintext length, or [`Rejected`].
///
/// **Public** (an attacker knows it anyway): `fragment.len()`, the MAC length,
/// `seq`, `typ`, `version`, and the final verdict (it becomes the alert).
/// **Secret**: `padding_length`, whether the padding is good, the plaintext
/// length `n`, and the MAC bytes.
///
/// When the padding is bad, the MAC is checked as if `padding_length` were 0
/// (the countermeasure of RFC 5246 §6.2.3.2's note and of Go, OpenSSL,
/// BearSSL), so a bad padding costs the same HMAC as a good one.
///
/// # Lucky13
///
/// AlFardan & Paterson (2013) timed the HMAC itself: over `13 + n` bytes,
/// with `n` secret, SHA-1 and SHA-256 run one more compression whenever the
/// message crosses the 55th byte of a 64-byte block (111th of 128 for
/// SHA-384), so the time to answer told them the padding length. Here the
/// HMAC runs the compression function a number of times fixed by
/// `fragment.len()` and the hash alone, over every byte that could be
/// plaintext, and picks the inner state where `n` ends with masks. The
/// number of loop iterations, the bytes read and the indices are public;
/// the secret only flows through masks, and masks that feed a
/// loop-carried value pass through a value barrier (`std::hint::black_box`) so that the
/// compiler cannot turn them back into jumps (it did once: the book's CBC
/// chapter tells how the timing check found it). The timing check
/// (`cargo test --release --test timing`, run by CI; the table with
/// `TLSLAB_BENCH_ONLY=timing cargo bench --bench tlslab`) measures the
/// result with SHA-1, SHA-256 and SHA-384, and shows no leak.
// ANCHOR: verify_constant_time
pub fn verify_constant_time(
    mac_key: &MacKey,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    fragment: &[u8],
) -> Result<usize, Rejected> {
    verify_constant_time_keeping_mac(mac_key, seq, typ, version, fragment).verdict
}

/// What [`verify_constant_time_keeping_mac`] found: the verdict, and the MAC
/// it computed with the plaintext length it computed it over.
pub struct KeptMac {
    /// The verdict of [`verify_constant_time`]; only this decides.
    pub verdict: Result<usize, Rejected>,
    /// HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ plaintext)
    /// over the first `covered` bytes (secret).
    pub computed: Tag,
    /// The plaintext length the MAC covers: the record's when its padding
    /// is good (secret).
    pub covered: usize,
}

/// [`verify_constant_time`], also handing back the MAC it computed, so that
/// the readable twin can show it ([`explain_reusing`]) instead of hashing a
/// 16 KiB record a second time when an observer listens. Both extra values
/// are secrets: nothing but the verdict decides anything, and only an
/// observer (which gives up constant time anyway) looks at them.
#[inline]
pub fn verify_constant_time_keeping_mac(
    mac_key: &MacKey,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    fragment: &[u8],
) -> KeptMac {
    let mac_len = mac_key.mac_len(); // public
    let len = fragment.len(); // public
    if len < mac_len + 1 {
        // Public: decided by lengths only.
        return KeptMac {
            verdict: Err(Rejected),
            computed: Tag::EMPTY,
            covered: 0,
        };
    }
    // public: bytes available for padding + padding_length (at least 1).
    let avail = len - mac_len;

    // secret: the last byte.
    let pad_len = barrier(u32::from(fragment.last().copied().unwrap_or(0)));

    // secret: padding fits, i.e. padding_length + 1 <= avail.
    let fits = ct_lt(pad_len, avail as u32);

    // Check the last min(256, avail) bytes (public window): byte i from the end
    // must equal padding_length if i <= padding_length. The loop bound and the
    // indices are public; only the masks depend on the secret.
    let window = avail.min(256); // public
    let mut mismatch = 0u32;
    for (i, &b) in fragment.iter().rev().take(window).enumerate() {
        let in_padding = ct_ge(pad_len, i as u32); // secret
                                                   // Through a barrier: `mismatch` is a loop-carried chain (see `barrier`).
        mismatch |= barrier(in_padding & !ct_eq(u32::from(b), pad_len));
    }
    let good = barrier(fits & !mismatch); // secret

    // secret: bytes to remove; 1 (the length byte alone) when the padding is bad.
    let to_remove = (pad_len & good) as usize + 1;
    // secret: plaintext length. to_remove <= avail whichever way good went
    // (good implies pad_len < avail), so this never wraps.
    let n = barrier((avail - to_remove) as u32) as usize;
    // public: the range n can take (to_remove is 1..=256).
    let (n_min, n_max) = (avail.saturating_sub(256), avail - 1);

    let received = copy_mac(fragment, n, mac_len, n_min);

    // The MAC over seq ‖ type ‖ version ‖ n ‖ plaintext (RFC 5246 §6.2.3.1),
    // in a time that depends on len only (see "Lucky13" above).
    let header = super::pseudo_header(seq, typ, version, n); // secret: its length field
    let computed = mac_key.sign_secret_length(&header, fragment, n, n_min, n_max);

    let good = good & ct_bytes_eq(computed.as_ref(), &received[..mac_len]);
    KeptMac {
        verdict: verdict(good, n),
        computed,
        covered: n,
    }
}

/// Copies the MAC at the secret offset `n` out of `fragment` without
/// indexing by `n` (the construction of OpenSSL's and BoringSSL's
/// `ssl3_cbc_copy_mac`). The MAC lies in `[n, n + mac_len)` with
/// `n_min <= n`, so:
///
/// 1. scan the public range `[n_min, len)`, byte `i` going to
///    `rotated[(i - n_min) % mac_len]` (a public index) when it is inside the
///    MAC (a mask), and note where the MAC's first byte landed: `rot`;
/// 2. rotate `rotated` left by the secret `rot` in log₂(mac_len) steps, one
///    per bit of `rot`, each a masked choice between rotating by 2^k or not.
///
/// Every loop runs a public number of times over public indices. Not `%`
/// on a secret (its time can depend on the operands), not a loop of
/// conditional subtractions (the compiler turned those into jumps).
fn copy_mac(fragment: &[u8], n: usize, mac_len: usize, n_min: usize) -> [u8; MAX_MAC_LEN] {
    let mut rotated = [0u8; MAX_MAC_LEN];
    let (start, end) = (n as u32, (n + mac_len) as u32); // secret
    let mut rot = 0u32; // secret
    let mut j = 0usize; // public: (i - n_min) % mac_len
    for (i, &b) in fragment.iter().enumerate().skip(n_min) {
        let i = i as u32;
        let inside = ct_ge(i, start) & ct_lt(i, end); // secret
        if let Some(r) = rotated.get_mut(j) {
            *r |= b & inside as u8;
        }
        rot |= barrier(j as u32 & ct_eq(i, start)); // a loop-carried chain
        j += 1;
        if j == mac_len {
            j = 0;
        }
    }
    // rotated[(rot + k) % mac_len] is MAC byte k: rotate left by rot, bit by bit.
    let mut rot = barrier(rot);
    let mut step = 1; // public: 2^k
    while step < mac_len {
        let take = barrier((rot & 1).wrapping_neg()) as u8; // secret: bit k of rot
        let before = rotated;
        let mut from = step; // public: (k + step) % mac_len
        for (k, out) in rotated.iter_mut().take(mac_len).enumerate() {
            *out = (before[from] & take) | (before[k] & !take);
            from += 1;
            if from == mac_len {
                from = 0;
            }
        }
        rot >>= 1;
        step <<= 1;
    }
    rotated
}
// ANCHOR_END: verify_constant_time

/// One MAC check as the observer sees it, in either MAC order: what the MAC
/// covered (after the pseudo-header), the two MACs, and whether they matched.
struct MacView<'a> {
    pseudo_header: &'a [u8; 13],
    covered: &'a [u8],
    computed: &'a [u8],
    received: &'a [u8],
    equal: bool,
}

impl MacView<'_> {
    /// `MacInput`, then `MacCompared`.
    fn emit(&self, direction: Direction, seq: u64, hooks: &mut Hooks<'_>) {
        hooks.emit(&Event::MacInput(MacInput {
            direction,
            seq,
            pseudo_header: self.pseudo_header,
            fragment: self.covered,
            mac: self.computed,
        }));
        hooks.emit(&Event::MacCompared {
            direction,
            seq,
            computed: self.computed,
            received: self.received,
            equal: self.equal,
        });
    }
}

/// Everything [`explain`] found in a decrypted CBC fragment. Ranges index the
/// fragment passed to `explain` (IV removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CbcVerdict {
    /// The MAC length of the suite (20, 32 or 48).
    pub mac_len: usize,
    /// The fragment is shorter than `mac_len + 1`: there is no room for a MAC
    /// and a length byte, so nothing else was checked.
    pub too_short: bool,
    /// The last byte of the fragment (0 if the fragment is empty).
    pub padding_length: u8,
    /// Whether `padding_length` padding bytes, the length byte and a MAC fit in the fragment.
    pub padding_fits: bool,
    /// The padding bytes, without the length byte. Empty when they do not fit.
    pub padding: Range<usize>,
    /// Index, into `padding`, of the first byte not equal to `padding_length`.
    pub first_bad_padding_byte: Option<usize>,
    /// Padding fits and every byte equals `padding_length`.
    pub padding_ok: bool,
    /// The padding length the MAC check assumed: `padding_length` when the
    /// padding is good, otherwise 0 (as the Lucky13 countermeasure does, so that
    /// a bad padding still costs a full MAC computation).
    pub assumed_padding_length: u8,
    /// seq_num ‖ type ‖ version ‖ length, with length = the plaintext length.
    pub pseudo_header: [u8; 13],
    /// The plaintext the MAC covers.
    pub plaintext: Range<usize>,
    /// The MAC found in the record.
    pub received_mac: Range<usize>,
    computed_mac: Tag,
    /// Whether the computed MAC equals the received one.
    pub mac_ok: bool,
    /// The verdict: `padding_ok && mac_ok`. Always equal to whether
    /// [`verify_constant_time`] accepts.
    pub ok: bool,
}

impl CbcVerdict {
    /// The MAC computed over `pseudo_header ‖ plaintext` (empty if `too_short`).
    pub fn computed_mac(&self) -> &[u8] {
        self.computed_mac.as_ref()
    }

    /// Feeds the observer: `CbcPadding`, then `MacInput` and `MacCompared`
    /// (these two only when the fragment had room for a MAC). `fragment` must
    /// be the one given to [`explain`].
    pub fn emit(&self, fragment: &[u8], direction: Direction, seq: u64, hooks: &mut Hooks<'_>) {
        let slice = |r: &Range<usize>| fragment.get(r.clone()).unwrap_or_default();
        hooks.emit(&Event::CbcPadding(PaddingView {
            direction,
            seq,
            padding_length: self.padding_length,
            padding: slice(&self.padding),
            well_formed: self.padding_ok,
            first_bad: self.first_bad_padding_byte,
        }));
        if self.too_short {
            return;
        }
        let mac = MacView {
            pseudo_header: &self.pseudo_header,
            covered: slice(&self.plaintext),
            computed: self.computed_mac(),
            received: slice(&self.received_mac),
            equal: self.mac_ok,
        };
        mac.emit(direction, seq, hooks);
    }
}

/// The same check as [`verify_constant_time`], written to be read.
///
/// **This function leaks timing and exists to teach.** It stops at the first
/// bad padding byte and branches on every secret; a server that decided with
/// it would be a padding oracle (Vaudenay) and a Lucky13 target. The record
/// layer calls it only when an observer listens, after the constant-time
/// verdict is fixed, and never lets its result decide anything.
///
/// When the padding is bad, it still reports a MAC comparison, done the way
/// TLS stacks do it: as if `padding_length` were 0 (see
/// [`CbcVerdict::assumed_padding_length`]).
// ANCHOR: cbc_explain
pub fn explain(
    mac_key: &MacKey,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    fragment: &[u8],
) -> CbcVerdict {
    explain_reusing(mac_key, seq, typ, version, fragment, None)
}

/// [`explain`], given what the constant-time check computed
/// ([`verify_constant_time_keeping_mac`]): where the twin would compute the
/// MAC over the same plaintext length, it shows that MAC instead of
/// computing it again (the same HMAC over the same bytes), and still
/// compares it with the received one in [`compare_macs`].
pub fn explain_reusing(
    mac_key: &MacKey,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    fragment: &[u8],
    kept: Option<&KeptMac>,
) -> CbcVerdict {
    let mac_len = mac_key.mac_len();
    let len = fragment.len();
    let padding_length = fragment.last().copied().unwrap_or(0);
    let mut v = CbcVerdict {
        mac_len,
        too_short: false,
        padding_length,
        padding_fits: false,
        padding: len..len,
        first_bad_padding_byte: None,
        padding_ok: false,
        assumed_padding_length: 0,
        pseudo_header: [0; 13],
        plaintext: 0..0,
        received_mac: 0..0,
        computed_mac: Tag::EMPTY,
        mac_ok: false,
        ok: false,
    };

    // 0. Room for at least the MAC and the padding_length byte?
    if len < mac_len + 1 {
        v.too_short = true;
        return v;
    }

    // 1. Padding: the last byte says how many bytes before it are padding,
    //    each of which must hold that same value.
    let pad = usize::from(padding_length);
    v.padding_fits = pad + 1 + mac_len <= len;
    if v.padding_fits {
        let start = len - 1 - pad;
        v.padding = start..len - 1;
        v.first_bad_padding_byte = fragment[start..len - 1].iter().position(|&b| b != padding_length);
    } else {
        v.padding = len - 1..len - 1;
    }
    v.padding_ok = v.padding_fits && v.first_bad_padding_byte.is_none();

    // 2. The MAC sits just before the padding. Bad padding: assume none.
    v.assumed_padding_length = if v.padding_ok { padding_length } else { 0 };
    let mac_end = len - 1 - usize::from(v.assumed_padding_length);
    let mac_start = mac_end - mac_len;
    v.plaintext = 0..mac_start;
    v.received_mac = mac_start..mac_end;

    // 3. Recompute: HMAC(mac_key, seq_num ‖ type ‖ version ‖ length ‖ plaintext).
    //    The constant-time check has computed it already when it covered
    //    the same plaintext: then only the pseudo-header is written out.
    (v.pseudo_header, v.computed_mac) = match kept.filter(|k| k.covered == mac_start) {
        Some(k) => (super::pseudo_header(seq, typ, version, mac_start), k.computed),
        None => mac_key.record_mac(seq, typ, version, &fragment[v.plaintext.clone()]),
    };

    // 4. Compare (with ==, which stops at the first difference: fine here, not in production).
    v.mac_ok = compare_macs(v.computed_mac.as_ref(), &fragment[v.received_mac.clone()]);
    v.ok = v.padding_ok && v.mac_ok;
    v
}
// ANCHOR_END: cbc_explain

/// Whether the MAC we computed equals the MAC the record carries: the
/// comparison of the readable twins ([`explain`], [`explain_etm`]).
///
/// A function of its own, never inlined, so that a debugger has one stable
/// place to stop at every MAC check of a received CBC record, with the two
/// MACs as its arguments (`break tlslab::record::verify::compare_macs`, then
/// `p/x *computed` and `p/x *received` in rust-gdb; see `tools/tlslab.gdb`).
///
/// It compares with `==`, which returns at the first differing byte: **it
/// leaks timing**, like the twins that call it. The verdict that counts comes
/// from the constant-time OR-of-XORs in [`verify_constant_time`] and
/// [`verify_etm_mac_constant_time`].
#[inline(never)]
pub fn compare_macs(computed: &[u8], received: &[u8]) -> bool {
    computed == received
}

// ---------------------------------------------------------------------------
// Encrypt-then-MAC (RFC 7366). The record is
//
//     IV ‖ CBC-Encrypt(plaintext ‖ padding ‖ padding_length) ‖ MAC
//     MAC = HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ IV ‖ ciphertext)
//
// with `length` the length of IV ‖ ciphertext (RFC 7366 §3). The MAC is
// checked on the ciphertext, *before* anything is decrypted: a tampered record
// is rejected without its padding ever being looked at, so there is no
// padding oracle to time or to read (Vaudenay, Lucky13), whatever the
// padding check does afterwards. The twins below split along that line: one
// pair for the MAC (on the ciphertext), one for the padding (after
// decryption, only when the MAC verified).
// ---------------------------------------------------------------------------

/// The EtM MAC check on a still-encrypted `payload` (`IV ‖ ciphertext ‖
/// MAC`), with a constant-time comparison. Returns the length of `IV ‖
/// ciphertext`, or [`Rejected`].
///
/// Nothing here is secret except the expected MAC: the input is ciphertext
/// and its length is on the wire.
// ANCHOR: verify_etm_mac_constant_time
pub fn verify_etm_mac_constant_time(
    mac_key: &MacKey,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    payload: &[u8],
) -> Result<usize, Rejected> {
    let mac_len = mac_key.mac_len(); // public
    if payload.len() < mac_len {
        return Err(Rejected);
    }
    let body_len = payload.len() - mac_len; // public
    let (body, received) = payload.split_at(body_len);
    // Ciphertext of public length: the ordinary HMAC is already constant time.
    let (_, computed) = mac_key.record_mac(seq, typ, version, body);
    // OR of XORs over the public MAC length: no early exit.
    verdict(ct_bytes_eq(computed.as_ref(), received), body_len)
}
// ANCHOR_END: verify_etm_mac_constant_time

/// The EtM padding check on a decrypted fragment (`plaintext ‖ padding ‖
/// padding_length`, IV removed), run only after the MAC verified. Returns
/// the plaintext length, or [`Rejected`].
///
/// Written with masks like [`verify_constant_time`], although after a good
/// MAC the padding is the authenticated choice of the peer and its timing
/// tells an attacker nothing he could not forge: constant time here costs
/// nothing and keeps the two CBC paths alike.
pub fn etm_padding_constant_time(fragment: &[u8]) -> Result<usize, Rejected> {
    let len = fragment.len(); // public
    if len == 0 {
        return Err(Rejected);
    }
    let pad_len = u32::from(std::hint::black_box(fragment[len - 1]));
    // padding_length + 1 <= len
    let mut good = ct_lt(pad_len, len as u32);
    let window = len.min(256); // public
    for (i, &b) in fragment.iter().rev().take(window).enumerate() {
        let in_padding = ct_ge(pad_len, i as u32);
        good &= !(in_padding & !ct_eq(u32::from(b), pad_len));
    }
    // Saturating: the subtraction only means something when good is set.
    verdict(good, len.saturating_sub(1 + pad_len as usize))
}

/// What [`explain_etm`] found in an EtM record's MAC. Ranges index the
/// `payload` given to it (`IV ‖ ciphertext ‖ MAC`, still encrypted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtmMacVerdict {
    /// The MAC length of the suite.
    pub mac_len: usize,
    /// The payload is shorter than a MAC: nothing was computed.
    pub too_short: bool,
    /// seq_num ‖ type ‖ version ‖ length, with length = the length of IV ‖ ciphertext.
    pub pseudo_header: [u8; 13],
    /// `IV ‖ ciphertext`: what the MAC covers after the pseudo-header.
    pub authenticated: Range<usize>,
    /// The MAC found at the end of the record.
    pub received_mac: Range<usize>,
    computed_mac: Tag,
    /// Whether the computed MAC equals the received one. Always equal to
    /// whether [`verify_etm_mac_constant_time`] accepts.
    pub mac_ok: bool,
}

impl EtmMacVerdict {
    /// The MAC computed over `pseudo_header ‖ IV ‖ ciphertext` (empty if `too_short`).
    pub fn computed_mac(&self) -> &[u8] {
        self.computed_mac.as_ref()
    }

    /// Feeds the observer `MacInput` and `MacCompared`. `payload` must be
    /// the one given to [`explain_etm`].
    pub fn emit(&self, payload: &[u8], direction: Direction, seq: u64, hooks: &mut Hooks<'_>) {
        if self.too_short {
            return;
        }
        let slice = |r: &Range<usize>| payload.get(r.clone()).unwrap_or_default();
        let mac = MacView {
            pseudo_header: &self.pseudo_header,
            covered: slice(&self.authenticated),
            computed: self.computed_mac(),
            received: slice(&self.received_mac),
            equal: self.mac_ok,
        };
        mac.emit(direction, seq, hooks);
    }
}

/// The EtM MAC check written to be read: the twin of
/// [`verify_etm_mac_constant_time`]. It compares with `==`, which stops at the
/// first difference, so **it leaks timing and exists to teach**; the record
/// layer calls it only when an observer listens, after the verdict is fixed.
pub fn explain_etm(
    mac_key: &MacKey,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    payload: &[u8],
) -> EtmMacVerdict {
    let mac_len = mac_key.mac_len();
    let mut v = EtmMacVerdict {
        mac_len,
        too_short: payload.len() < mac_len,
        pseudo_header: [0; 13],
        authenticated: 0..0,
        received_mac: 0..0,
        computed_mac: Tag::EMPTY,
        mac_ok: false,
    };
    if v.too_short {
        return v;
    }
    // 1. The MAC is the last mac_length bytes; everything before it is IV ‖ ciphertext.
    let body_len = payload.len() - mac_len;
    v.authenticated = 0..body_len;
    v.received_mac = body_len..payload.len();
    // 2. HMAC(mac_key, seq_num ‖ type ‖ version ‖ length(IV ‖ ciphertext) ‖ IV ‖ ciphertext).
    (v.pseudo_header, v.computed_mac) =
        mac_key.record_mac(seq, typ, version, &payload[v.authenticated.clone()]);
    // 3. Compare.
    v.mac_ok = compare_macs(v.computed_mac.as_ref(), &payload[v.received_mac.clone()]);
    v
}

/// What [`explain_etm_padding`] found in a decrypted EtM fragment. Ranges
/// index that fragment (IV removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtmPaddingVerdict {
    /// The last byte (0 if the fragment is empty).
    pub padding_length: u8,
    /// Whether `padding_length` bytes and the length byte fit in the fragment.
    pub padding_fits: bool,
    /// The padding bytes, without the length byte; empty when they do not fit.
    pub padding: Range<usize>,
    /// Index, into `padding`, of the first byte not equal to `padding_length`.
    pub first_bad_padding_byte: Option<usize>,
    /// The verdict. Always equal to whether [`etm_padding_constant_time`] accepts.
    pub padding_ok: bool,
    /// The plaintext, when the padding is good (empty otherwise).
    pub plaintext: Range<usize>,
}

impl EtmPaddingVerdict {
    /// Feeds the observer `CbcPadding`. `fragment` must be the one given to
    /// [`explain_etm_padding`].
    pub fn emit(&self, fragment: &[u8], direction: Direction, seq: u64, hooks: &mut Hooks<'_>) {
        hooks.emit(&Event::CbcPadding(PaddingView {
            direction,
            seq,
            padding_length: self.padding_length,
            padding: fragment.get(self.padding.clone()).unwrap_or_default(),
            well_formed: self.padding_ok,
            first_bad: self.first_bad_padding_byte,
        }));
    }
}

/// The EtM padding check written to be read: the twin of
/// [`etm_padding_constant_time`].
pub fn explain_etm_padding(fragment: &[u8]) -> EtmPaddingVerdict {
    let len = fragment.len();
    let padding_length = fragment.last().copied().unwrap_or(0);
    let pad = usize::from(padding_length);
    let mut v = EtmPaddingVerdict {
        padding_length,
        padding_fits: len > 0 && pad < len,
        padding: len..len,
        first_bad_padding_byte: None,
        padding_ok: false,
        plaintext: 0..0,
    };
    if v.padding_fits {
        let start = len - 1 - pad;
        v.padding = start..len - 1;
        v.first_bad_padding_byte = fragment[start..len - 1].iter().position(|&b| b != padding_length);
        v.padding_ok = v.first_bad_padding_byte.is_none();
        if v.padding_ok {
            v.plaintext = 0..start;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYP: ContentType = ContentType::APPLICATION_DATA;
    const VER: ProtocolVersion = ProtocolVersion::TLS12;

    use crate::crypto::suites::MacAlgorithm;
    use crate::record::pseudo_header;
    use ring::hmac;

    type Keys = (MacKey, hmac::Key);

    /// Our keys, with ring's twin of each: the test records are built with
    /// ring's HMAC, an implementation independent of the verifiers'.
    fn keys() -> [Keys; 3] {
        [
            (MacAlgorithm::HmacSha1, [0x11; 20].as_slice()),
            (MacAlgorithm::HmacSha256, &[0x22; 32]),
            (MacAlgorithm::HmacSha384, &[0x33; 48]),
        ]
        .map(|(alg, k)| {
            (
                MacKey::new(alg, k).unwrap(),
                hmac::Key::new(alg.hmac().unwrap(), k),
            )
        })
    }

    /// plaintext ‖ MAC ‖ padding(pad) ‖ pad, built independently of both twins.
    fn build(key: &Keys, seq: u64, plaintext: &[u8], pad: u8) -> Vec<u8> {
        let mut mac_input = pseudo_header(seq, TYP, VER, plaintext.len()).to_vec();
        mac_input.extend_from_slice(plaintext);
        let mut f = plaintext.to_vec();
        f.extend_from_slice(hmac::sign(&key.1, &mac_input).as_ref());
        f.extend(std::iter::repeat_n(pad, usize::from(pad) + 1));
        f
    }

    /// Both twins on one fragment; asserts agreement and returns the verdict.
    fn both(key: &Keys, seq: u64, f: &[u8]) -> Result<usize, Rejected> {
        let ct = verify_constant_time(&key.0, seq, TYP, VER, f);
        let ex = explain(&key.0, seq, TYP, VER, f);
        assert_eq!(ct.is_ok(), ex.ok, "twins disagree on {} ({ex:?})", hex::encode(f));
        if let Ok(n) = ct {
            assert_eq!(ex.plaintext, 0..n);
        }
        // The twin shown the constant-time check's MAC says exactly what it
        // says when it computes every value itself.
        let kept = verify_constant_time_keeping_mac(&key.0, seq, TYP, VER, f);
        assert_eq!(kept.verdict, ct);
        assert_eq!(explain_reusing(&key.0, seq, TYP, VER, f, Some(&kept)), ex);
        ct
    }

    #[test]
    fn good_records_every_padding_length() {
        for key in &keys() {
            for pt_len in [0usize, 1, 15, 16, 37, 300] {
                let pt: Vec<u8> = (0..pt_len).map(|i| i as u8).collect();
                for pad in 0..=255u8 {
                    let f = build(key, 7, &pt, pad);
                    assert_eq!(both(key, 7, &f), Ok(pt_len), "pt_len {pt_len} pad {pad}");
                    let ex = explain(&key.0, 7, TYP, VER, &f);
                    assert!(ex.padding_ok && ex.mac_ok);
                    assert_eq!(ex.padding.len(), usize::from(pad));
                }
            }
        }
    }

    #[test]
    fn bad_mac_wrong_seq_and_wrong_key() {
        for key in &keys() {
            let f = build(key, 3, b"hello", 4);
            assert_eq!(both(key, 3, &f), Ok(5));
            assert_eq!(both(key, 4, &f), Err(Rejected));
            let other = (
                MacKey::new(key.0.algorithm(), &[0x99; 20]).unwrap(),
                key.1.clone(),
            );
            assert_eq!(both(&other, 3, &f), Err(Rejected));
            let ex = explain(&key.0, 4, TYP, VER, &f);
            assert!(ex.padding_ok && !ex.mac_ok);
        }
    }

    #[test]
    fn bad_padding_value_at_every_position() {
        for key in &keys() {
            for pad in [1u8, 5, 15, 200, 255] {
                for bad in 0..usize::from(pad) {
                    let mut f = build(key, 0, b"some plaintext bytes", pad);
                    let start = f.len() - 1 - usize::from(pad);
                    f[start + bad] ^= 0x01;
                    assert_eq!(both(key, 0, &f), Err(Rejected));
                    let ex = explain(&key.0, 0, TYP, VER, &f);
                    assert!(!ex.padding_ok);
                    assert_eq!(ex.first_bad_padding_byte, Some(bad));
                    assert_eq!(ex.assumed_padding_length, 0);
                }
            }
        }
    }

    #[test]
    fn padding_length_longer_than_record() {
        for key in &keys() {
            let mac_len = key.0.mac_len();
            // 3 plaintext bytes, MAC, then a length byte claiming more padding than fits.
            let mut f = build(key, 0, b"abc", 0);
            for claimed in [(f.len() - mac_len) as u8, 250, 255] {
                *f.last_mut().unwrap() = claimed;
                assert_eq!(both(key, 0, &f), Err(Rejected));
                let ex = explain(&key.0, 0, TYP, VER, &f);
                assert!(!ex.padding_fits && !ex.padding_ok && ex.padding.is_empty());
            }
            // Padding that fits the record but eats into the MAC's room.
            let mut f = build(key, 0, b"", 0);
            *f.last_mut().unwrap() = 1;
            assert_eq!(both(key, 0, &f), Err(Rejected));
        }
    }

    #[test]
    fn shorter_than_mac_plus_one() {
        for key in &keys() {
            let mac_len = key.0.mac_len();
            for len in 0..=mac_len {
                let f = vec![0u8; len];
                assert_eq!(both(key, 0, &f), Err(Rejected));
                assert!(explain(&key.0, 0, TYP, VER, &f).too_short);
            }
        }
    }

    #[test]
    fn exhaustive_padding_byte_values_in_small_record() {
        // Every value of the last byte, and of the byte before it, over a
        // record with good MAC and one padding byte: only (1, 1) is valid.
        let key = &keys()[0];
        let base = build(key, 9, b"0123456789", 1);
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let mut f = base.clone();
                let l = f.len();
                f[l - 2] = a;
                f[l - 1] = b;
                let verdict = both(key, 9, &f);
                // Zero padding with a MAC whose last byte happens to be 0 would also
                // be valid only if the MAC matched, which it does not here.
                assert_eq!(verdict.is_ok(), a == 1 && b == 1, "a={a} b={b}");
            }
        }
    }
    // --- Encrypt-then-MAC twins ---

    /// IV ‖ "ciphertext" ‖ MAC: the MAC check never decrypts, so any bytes
    /// serve as ciphertext here.
    fn build_etm(key: &Keys, seq: u64, body: &[u8]) -> Vec<u8> {
        let mut mac_input = pseudo_header(seq, TYP, VER, body.len()).to_vec();
        mac_input.extend_from_slice(body);
        let mut p = body.to_vec();
        p.extend_from_slice(hmac::sign(&key.1, &mac_input).as_ref());
        p
    }

    fn both_etm_mac(key: &Keys, seq: u64, p: &[u8]) -> Result<usize, Rejected> {
        let ct = verify_etm_mac_constant_time(&key.0, seq, TYP, VER, p);
        let ex = explain_etm(&key.0, seq, TYP, VER, p);
        assert_eq!(
            ct.is_ok(),
            ex.mac_ok,
            "EtM MAC twins disagree on {}",
            hex::encode(p)
        );
        if let Ok(n) = ct {
            assert_eq!(ex.authenticated, 0..n);
        }
        ct
    }

    fn both_etm_padding(f: &[u8]) -> Result<usize, Rejected> {
        let ct = etm_padding_constant_time(f);
        let ex = explain_etm_padding(f);
        assert_eq!(
            ct.is_ok(),
            ex.padding_ok,
            "EtM padding twins disagree on {}",
            hex::encode(f)
        );
        if let Ok(n) = ct {
            assert_eq!(ex.plaintext, 0..n);
        }
        ct
    }

    #[test]
    fn etm_mac_twins_agree_on_every_bit_flip() {
        for key in &keys() {
            let body: Vec<u8> = (0..48u8).collect();
            let p = build_etm(key, 5, &body);
            assert_eq!(both_etm_mac(key, 5, &p), Ok(48));
            let ex = explain_etm(&key.0, 5, TYP, VER, &p);
            // The pseudo-header's length is that of IV ‖ ciphertext (RFC 7366 §3).
            assert_eq!(ex.pseudo_header[11..], [0, 48]);
            assert_eq!(ex.computed_mac(), &p[48..]);
            for i in 0..p.len() {
                for bit in [0x01u8, 0x80] {
                    let mut bad = p.clone();
                    bad[i] ^= bit;
                    assert_eq!(both_etm_mac(key, 5, &bad), Err(Rejected), "byte {i}");
                }
            }
            assert_eq!(both_etm_mac(key, 6, &p), Err(Rejected));
            for len in 0..p.len() {
                let _ = both_etm_mac(key, 5, &p[..len]);
            }
            assert!(explain_etm(&key.0, 5, TYP, VER, &[]).too_short);
        }
    }

    #[test]
    fn etm_padding_twins_agree_exhaustively() {
        for pt_len in [0usize, 5, 15, 16, 40] {
            for pad in 0..=255u8 {
                let mut f: Vec<u8> = (0..pt_len).map(|i| i as u8).collect();
                f.extend(std::iter::repeat_n(pad, usize::from(pad) + 1));
                assert_eq!(both_etm_padding(&f), Ok(pt_len));
            }
        }
        // Every value of the last two bytes of a 32-byte fragment.
        let base = [0x41u8; 32];
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let mut f = base;
                f[30] = a;
                f[31] = b;
                let v = both_etm_padding(&f);
                // 0x41 padding would need 65 bytes; the fragment has 32.
                let expect = b == 0 || (b == 1 && a == 1);
                assert_eq!(v.is_ok(), expect, "a={a} b={b}");
            }
        }
        assert_eq!(both_etm_padding(&[]), Err(Rejected));
        assert_eq!(both_etm_padding(&[1]), Err(Rejected));
        let ex = explain_etm_padding(&[9, 3, 7, 3, 3]);
        assert_eq!(ex.first_bad_padding_byte, Some(1));
        assert!(!ex.padding_ok && ex.padding_fits);
    }
}
