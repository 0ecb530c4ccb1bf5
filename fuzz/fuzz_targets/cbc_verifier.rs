//! The CBC verifier twins (RFC 5246 §6.2.3.2) with their agreement as the
//! oracle: `verify_constant_time` decides, `explain` teaches, and they must
//! reach the same verdict (and the same plaintext length) on every fragment.
//!
//! Input: `mode ‖ seq(8) ‖ rest`. `mode & 3` picks HMAC-SHA1/256/384 (3: SHA-1
//! again). With `mode & 4` clear, `rest` is the decrypted fragment as is:
//! almost never a valid MAC, so this explores padding shapes. With `mode & 4`
//! set, a valid fragment is built from `rest` (plaintext ‖ MAC ‖ padding of
//! `pad` bytes) and then damaged by XORing `xor` at `offset` and truncating by
//! `cut` bytes: this reaches the paths where the MAC is right and one thing
//! is wrong, which random bytes cannot.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ring::hmac;
use tlslab::crypto::suites::MacAlgorithm;
use tlslab::internal::record::hmac::MacKey;
use tlslab::internal::record::pseudo_header;
use tlslab::internal::record::verify::{explain, verify_constant_time};
use tlslab::wire::{ContentType, ProtocolVersion};

const TYP: ContentType = ContentType::HANDSHAKE;
const VER: ProtocolVersion = ProtocolVersion::TLS12;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((seq, rest)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let seq = u64::from_be_bytes(*seq);
    let alg = match mode & 3 {
        1 => MacAlgorithm::HmacSha256,
        2 => MacAlgorithm::HmacSha384,
        _ => MacAlgorithm::HmacSha1,
    };
    let raw_key = &[0x5a; 48][..alg.len()];
    // ring's HMAC builds the valid fragments; tlslab's key verifies them.
    let Some(ring_alg) = alg.hmac() else { return };
    let ring_key = hmac::Key::new(ring_alg, raw_key);
    let Some(key) = MacKey::new(alg, raw_key) else { return };
    let fragment = if mode & 4 == 0 {
        rest.to_vec()
    } else {
        let [pad, offset_hi, offset_lo, xor, cut, plaintext @ ..] = rest else {
            return;
        };
        let mut mac_input = pseudo_header(seq, TYP, VER, plaintext.len()).to_vec();
        mac_input.extend_from_slice(plaintext);
        let mut f = plaintext.to_vec();
        f.extend_from_slice(hmac::sign(&ring_key, &mac_input).as_ref());
        f.extend(std::iter::repeat_n(*pad, usize::from(*pad) + 1));
        let offset = usize::from(u16::from_be_bytes([*offset_hi, *offset_lo]));
        if let Some(b) = f.get_mut(offset) {
            *b ^= xor;
        }
        f.truncate(f.len().saturating_sub(usize::from(*cut)));
        f
    };
    let ct = verify_constant_time(&key, seq, TYP, VER, &fragment);
    let ex = explain(&key, seq, TYP, VER, &fragment);
    assert_eq!(
        ct.is_ok(),
        ex.ok,
        "the verifier twins disagree on {fragment:02x?} (seq {seq}): constant time says {ct:?}, explain says {ex:?}"
    );
    if let Ok(n) = ct {
        assert_eq!(ex.plaintext, 0..n, "the twins disagree on the plaintext length");
    }
});
