//! Ephemeral finite-field Diffie-Hellman for the DHE_RSA suites
//! ([RFC 5246 §7.4.3], [§8.1.2]), written out on `num-bigint`.
//!
//! ```text
//! server → ServerDHParams { dh_p, dh_g, dh_Ys = g^X mod p }   (signed with its RSA key)
//! client:  check p, g, Ys            (each failure has its own DhParamError)
//!          x  = random in [2, p-2]
//!          Yc = g^x mod p            → ClientDiffieHellmanPublic.dh_Yc
//!          Z  = Ys^x mod p           (= Yc^X mod p on the server)
//!          pre_master_secret = Z with its leading zero bytes stripped
//! ```
//!
//! Unlike ECDHE, the group is whatever the server sends: nothing in TLS 1.2
//! names it (RFC 7919 fixes that for servers that implement it). So the
//! client must check what it is given; [`check_server_params`] lists what is
//! and is not checked, and why.
//!
//! [RFC 5246 §7.4.3]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.3
//! [§8.1.2]: https://www.rfc-editor.org/rfc/rfc5246#section-8.1.2

use std::fmt;

use num_bigint::BigUint;

pub use crate::error::DhParamError;
use crate::error::{Error, HandshakeError};
use crate::observer::{Event, Hooks};
use crate::rng::Rng;
use crate::wire::kx_messages::ServerDhParams;

/// The smallest prime we accept, in bits. Logjam (Adrian et al., 2015) broke
/// 512-bit export groups in minutes by precomputing the number field sieve
/// once per prime, and estimated the same precomputation for a 1024-bit prime
/// within reach of a nation-state; below 1024 bits there is no argument left.
/// (1024 still means "a well-funded adversary may read this"; RFC 7919's
/// smallest group is 2048 bits.)
pub const MIN_PRIME_BITS: usize = 1024;

/// The largest prime we accept, in bits. RFC 7919's largest group is 8192
/// bits. A bound is needed because the cost of `modpow` grows with the cube
/// of the size: a hostile 500 000-bit `dh_p` (the length field allows it)
/// would hold the client for minutes.
pub const MAX_PRIME_BITS: usize = 8192;

/// Extra random bytes drawn beyond the size of `p` before reducing: the bias
/// of `r mod (p-3)` is then below 2^-64 (FIPS 186-4 Appendix B.1.1, "extra
/// random bits").
const EXTRA_RANDOM_BYTES: usize = 8;

/// The server's parameters as numbers, after [`check_server_params`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedDhParams {
    /// `dh_p`.
    pub p: BigUint,
    /// `dh_g`.
    pub g: BigUint,
    /// `dh_Ys`.
    pub ys: BigUint,
}

impl CheckedDhParams {
    /// Bits in `p`.
    pub fn p_bits(&self) -> usize {
        self.p.bits() as usize
    }

    /// Bytes in `p`: the length of `Z` before stripping.
    pub fn p_len(&self) -> usize {
        self.p_bits().div_ceil(8)
    }
}

/// Checks the server's `ServerDHParams` and returns them as numbers.
///
/// Checked, in this order, each with its own [`DhParamError`]:
///
/// 1. `p` has at least [`MIN_PRIME_BITS`] bits (Logjam) and at most
///    [`MAX_PRIME_BITS`] (denial of service);
/// 2. `p` is odd;
/// 3. `1 < g < p-1`;
/// 4. `1 < Ys < p-1` (degenerate public keys, the small-subgroup values of
///    order 1 and 2).
///
/// **Not checked**, deliberately:
///
/// * that `p` is prime: a probabilistic test of a 2048-bit number costs more
///   than the rest of the handshake, and a server that sends a composite `p`
///   only weakens a session it is itself a party to;
/// * `Ys^q = 1 mod p` (membership in the prime-order subgroup, NIST SP
///   800-56A §5.6.2.3.1): ServerDHParams carries no `q`, and `p` need not be a
///   safe prime, so `q` is unknown. The check protects a *static* private key
///   from small-subgroup attacks (Lim–Lee); ours is used once and drawn at
///   full length (see [`agree`]), so it has nothing to leak across sessions.
pub fn check_server_params(params: &ServerDhParams) -> Result<CheckedDhParams, Error> {
    let p = BigUint::from_bytes_be(&params.dh_p);
    let g = BigUint::from_bytes_be(&params.dh_g);
    let ys = BigUint::from_bytes_be(&params.dh_ys);
    let bits = p.bits() as usize;
    // 1.
    if bits < MIN_PRIME_BITS {
        return Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::PrimeTooSmall {
                bits,
                min: MIN_PRIME_BITS,
            },
        )));
    }
    if bits > MAX_PRIME_BITS {
        return Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::PrimeTooLarge {
                bits,
                max: MAX_PRIME_BITS,
            },
        )));
    }
    // 2.
    if !p.bit(0) {
        return Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::PrimeEven,
        )));
    }
    let one = BigUint::from(1u32);
    let p_minus_1 = &p - &one;
    // 3.
    if g <= one || g >= p_minus_1 {
        return Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::GeneratorOutOfRange,
        )));
    }
    // 4.
    if ys <= one || ys >= p_minus_1 {
        return Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::PublicValueOutOfRange,
        )));
    }
    Ok(CheckedDhParams { p, g, ys })
}

/// Every value of our side of a DHE key agreement.
#[derive(Clone, PartialEq, Eq)]
pub struct DhAgreement {
    /// Bits in `p`.
    pub p_bits: usize,
    /// Our private exponent `x`, big-endian. Secret.
    pub client_private: Vec<u8>,
    /// `Yc = g^x mod p`, big-endian without leading zeros: `dh_Yc` as sent
    /// (OpenSSL, GnuTLS and NSS send it the same way).
    pub client_public: Vec<u8>,
    /// `Z = Ys^x mod p`, big-endian, left-padded to the length of `p`. Secret.
    pub z: Vec<u8>,
    /// `Z` with its leading zero bytes stripped: the `pre_master_secret`. Secret.
    pub pre_master_secret: Vec<u8>,
}

impl fmt::Debug for DhAgreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets are the product of this crate, so they print too.
        f.debug_struct("DhAgreement")
            .field("p_bits", &self.p_bits)
            .field("client_private", &hex::encode(&self.client_private))
            .field("client_public", &hex::encode(&self.client_public))
            .field("z", &hex::encode(&self.z))
            .field("pre_master_secret", &hex::encode(&self.pre_master_secret))
            .finish()
    }
}

impl DhAgreement {
    /// How many leading zero bytes of `Z` the pre-master secret dropped.
    pub fn leading_zeros_stripped(&self) -> usize {
        self.z.len() - self.pre_master_secret.len()
    }

    /// Emits `DhKeyShare` (the public values) and `DhSharedSecret`. The
    /// caller emits `PreMasterSecret`, as for every key exchange.
    pub fn emit(&self, params: &ServerDhParams, hooks: &mut Hooks<'_>) {
        hooks.emit(&Event::DhKeyShare {
            p_bits: self.p_bits,
            p: &params.dh_p,
            g: &params.dh_g,
            client_public: &self.client_public,
            server_public: &params.dh_ys,
        });
        hooks.emit(&Event::DhSharedSecret {
            z: &self.z,
            leading_zeros_stripped: self.leading_zeros_stripped(),
        });
    }
}

/// RFC 5246 §8.1.2: "Leading bytes of Z that contain all zero bits are
/// stripped before it is used as the pre_master_secret."
///
/// A classic interoperability bug: an implementation that keeps `Z` at the
/// length of `p` (or strips when its peer does not) derives a different
/// master secret in the one handshake in 256 where `Z` starts with a zero
/// byte, so the connection fails *intermittently* with a Finished mismatch or
/// `bad_record_mac`. TLS 1.3 reverses the rule and keeps the padding (RFC
/// 8446 §7.4.1), so code shared between the versions must know which it runs.
pub fn strip_leading_zeros(z: &[u8]) -> &[u8] {
    let first = z.iter().position(|&b| b != 0).unwrap_or(z.len());
    &z[first..]
}

/// `n` as exactly `len` big-endian bytes (I2OSP, RFC 8017 §4.1). `n` must fit.
fn to_fixed_len(n: &BigUint, len: usize) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(&bytes);
    out
}

/// Checks the server's parameters, draws our private exponent from `rng` and
/// computes `Yc` and `Z` (RFC 5246 §8.1.2).
///
/// **The private exponent is full length**: `x = 2 + (r mod (p-3))` with `r`
/// drawn as `|p| + 64` bits, so `x` is uniform in `[2, p-2]` up to a bias
/// below 2^-64. A short exponent (RFC 7919 §5.2 allows twice the security
/// level, about 225 bits for ffdhe2048) is only safe in a prime-order
/// subgroup: with an arbitrary server `p` whose `p-1` has small factors, van
/// Oorschot–Wiener recover a short exponent from `Yc` alone. The price is two
/// `modpow`s with a 2048-bit exponent, a few milliseconds.
#[inline(never)]
pub fn agree(params: &ServerDhParams, rng: &mut dyn Rng) -> Result<DhAgreement, Error> {
    let checked = check_server_params(params)?;
    let p_len = checked.p_len();
    let mut r = vec![0u8; p_len + EXTRA_RANDOM_BYTES];
    rng.fill(&mut r);
    let three = BigUint::from(3u32);
    let x = BigUint::from(2u32) + BigUint::from_bytes_be(&r) % (&checked.p - &three);
    compute(&checked, &x)
}

/// The arithmetic of [`agree`] for a given `x`, with the check on `Z`.
// ANCHOR: dhe_compute
fn compute(checked: &CheckedDhParams, x: &BigUint) -> Result<DhAgreement, Error> {
    let p = &checked.p;
    let yc = checked.g.modpow(x, p);
    let z_num = checked.ys.modpow(x, p);
    let one = BigUint::from(1u32);
    if z_num <= one || z_num == p - &one {
        return Err(Error::Handshake(HandshakeError::DhParameter(
            DhParamError::SharedSecretDegenerate,
        )));
    }
    let z = to_fixed_len(&z_num, checked.p_len());
    let pre_master_secret = strip_leading_zeros(&z).to_vec();
    Ok(DhAgreement {
        p_bits: checked.p_bits(),
        client_private: x.to_bytes_be(),
        client_public: yc.to_bytes_be(),
        z,
        pre_master_secret,
    })
}
// ANCHOR_END: dhe_compute

#[cfg(test)]
mod tests;
