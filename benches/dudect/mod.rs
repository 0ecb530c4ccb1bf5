//! A dudect-style timing check (Reparaz, Balasch, Verbauwhede, "Dude, is my
//! code constant time?", DATE 2017), shared by the benchmark (`timing`
//! section, the gate `.ci/run` runs) and `tests/timing.rs` (which shows the
//! check catching the readable CBC verifier, a deliberate leak).
//!
//! Two classes of inputs of the same length; the function under test runs
//! on one of them at a time, the class drawn at random for every call, and
//! every call is timed. Welch's t-test compares the two samples of times:
//! |t| ≥ 4.5 means the time depends on the class (a leak); below it, no
//! leak was detected at this sample size.
//!
//! What the harness does so that |t| measures the code and not itself (each
//! point was seen to matter on this machine):
//!
//! * **Random interleaving.** Load from other processes, frequency changes
//!   and interrupts hit both classes alike, so they widen the spread but
//!   cannot shift one class's mean: on a loaded machine the check loses
//!   power, it does not raise false alarms. This is what lets it run in CI.
//! * **Nothing class-dependent inside the timed region.** The class's input
//!   is copied into one buffer before the clock starts, and the function
//!   only ever sees that buffer (same address, same alignment, warm in the
//!   cache for both classes). Selecting an argument by class inside the
//!   timed region (even an index into a two-element array) showed up as
//!   |t| ≈ 40 on a verifier that had none.
//! * **A warm-up** (a tenth of the calls, discarded) for caches, the branch
//!   predictor and the CPU clock.
//! * **Cropping** at the pooled 90th percentile: interruptions only add
//!   time, in long outliers that would swamp the variance.

#[cfg(not(target_arch = "x86_64"))]
use std::time::Instant;

/// The threshold: |t| at or above it is a leak (dudect's and the
/// literature's choice; under no leak, |t| ≥ 4.5 has a probability of about
/// 7 in a million).
pub const THRESHOLD: f64 = 4.5;

/// Welch's t statistic of two samples.
pub fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let (na, ma, va) = stats(a);
    let (nb, mb, vb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// A time stamp: on x86-64 the time-stamp counter read between two `lfence`s
/// (nothing before it still in flight, nothing after it started early: the
/// copy of the class's input must be over when the clock starts), elsewhere
/// the monotonic clock in nanoseconds. Only differences are used.
#[cfg(target_arch = "x86_64")]
fn ticks() -> u64 {
    use std::arch::x86_64::{_mm_lfence, _rdtsc};
    // SAFETY: `lfence` and `rdtsc` exist on every x86-64 CPU (SSE2 is part
    // of the architecture) and touch no memory.
    unsafe {
        _mm_lfence();
        let t = _rdtsc();
        _mm_lfence();
        t
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn ticks() -> u64 {
    use std::sync::OnceLock;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// The measurement: |t| between the times of `f` on `inputs[0]` and on
/// `inputs[1]` (same length), `per_class` calls each after the warm-up.
pub fn abs_t(inputs: [&[u8]; 2], per_class: usize, f: &mut dyn FnMut(&[u8]) -> bool) -> f64 {
    assert_eq!(inputs[0].len(), inputs[1].len(), "classes of different lengths");
    let mut buf = inputs[0].to_vec();
    let mut state = 0x9e37_79b9_7f4a_7c15u64; // xorshift64: the class order
    let mut samples: [Vec<f64>; 2] = [Vec::with_capacity(per_class), Vec::with_capacity(per_class)];
    let warm_up = per_class / 5;
    let mut calls = 0usize;
    while samples[0].len() < per_class || samples[1].len() < per_class {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let class = (state & 1) as usize;
        buf.copy_from_slice(inputs[class]);
        let start = ticks();
        std::hint::black_box(f(std::hint::black_box(&buf)));
        let ns = ticks().wrapping_sub(start) as f64;
        calls += 1;
        if calls > warm_up && samples[class].len() < per_class {
            samples[class].push(ns);
        }
    }
    let mut pooled: Vec<f64> = samples.iter().flatten().copied().collect();
    pooled.sort_by(|a, b| a.total_cmp(b));
    let cut = pooled[pooled.len() * 9 / 10];
    let crop = |s: &[f64]| s.iter().copied().filter(|&v| v <= cut).collect::<Vec<_>>();
    welch_t(&crop(&samples[0]), &crop(&samples[1])).abs()
}

use tlslab::crypto::suites::MacAlgorithm;
use tlslab::internal::record::hmac::MacKey;
use tlslab::wire::{ContentType, ProtocolVersion};

/// The length of the decrypted fragments the CBC check times.
pub const FRAGMENT_LEN: usize = 400;

/// The sequence number of the fragments' MAC.
pub const SEQ: u64 = 7;

/// `plaintext ‖ MAC ‖ padding`: a decrypted CBC fragment of `len` bytes with
/// `pad` padding bytes, its MAC computed with ring's HMAC (an implementation
/// independent of the verifiers under test).
pub fn cbc_fragment(alg: MacAlgorithm, key: &[u8], len: usize, pad: u8) -> Vec<u8> {
    let n = len - alg.len() - usize::from(pad) - 1;
    let plaintext = vec![0x61u8; n];
    let ring_key = ring::hmac::Key::new(alg.hmac().expect("a CBC MAC"), key);
    let mut input = tlslab::internal::record::pseudo_header(
        SEQ,
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLS12,
        n,
    )
    .to_vec();
    input.extend_from_slice(&plaintext);
    let mut f = plaintext;
    f.extend_from_slice(ring::hmac::sign(&ring_key, &input).as_ref());
    f.extend(std::iter::repeat_n(pad, usize::from(pad) + 1));
    f
}

/// One row of the check: its name and the two classes' inputs.
pub type Case = (&'static str, [Vec<u8>; 2]);

/// The classes of the CBC verifier check for one MAC, and the key:
///
/// * *control*: one input in both classes (two copies): a |t| here is the
///   harness's own bias, not the verifier's;
/// * *padding*: valid 255-byte padding with a wrong MAC vs a bad padding
///   byte (Vaudenay; Canvel et al.: the time to answer must not say which
///   check failed);
/// * *length*: valid records with 0 vs 255 padding bytes, a secret plaintext
///   length 255 bytes apart (Lucky13).
pub fn cbc_cases(alg: MacAlgorithm) -> (MacKey, Vec<Case>) {
    let raw_key = vec![0x4d; alg.len()];
    let key = MacKey::new(alg, &raw_key).expect("a CBC MAC");
    let frag = |pad| cbc_fragment(alg, &raw_key, FRAGMENT_LEN, pad);
    let mut wrong_mac = frag(255);
    wrong_mac[FRAGMENT_LEN - 257] ^= 1; // the last MAC byte
    let mut bad_pad = frag(255);
    // The last padding byte: a reader that scans the padding from its start
    // reads as far as on a good one, so the only difference left in the
    // readable twin is the MAC, computed over 255 bytes more.
    bad_pad[FRAGMENT_LEN - 2] ^= 1;
    let cases = vec![
        ("control", [wrong_mac.clone(), wrong_mac.clone()]),
        ("padding", [wrong_mac, bad_pad]),
        ("length", [frag(0), frag(255)]),
    ];
    (key, cases)
}
