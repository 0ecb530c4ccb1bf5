//! The compositions TLS 1.2 defines over the primitives: PRF, key block,
//! verify_data, key exchange, signatures, certificates, and the suite table.
//!
//! A library user needs two of them: [`suites`], to pick the cipher suites
//! to offer, and [`cert`], to choose trust roots. The others run inside the
//! handshake; their values reach an observer as events.
//!
//! | file | what | RFC |
//! | --- | --- | --- |
//! | `prf` | P_hash (and TLS 1.0/1.1's P_MD5 XOR P_SHA1), master secret, extended master secret, verify_data | RFC 5246 §5, §8.1, §7.4.9; RFC 7627 §4; RFC 2246 §5 |
//! | `key_block` | key expansion and its named split (with TLS 1.0's IVs) | RFC 5246 §6.3, RFC 2246 §6.3 |
//! | `kx` | ECDHE key pairs and the pre-master secret | RFC 8422 §5.10 |
//! | `dhe` | finite-field DHE: parameter checks, Yc, Z, the pre-master secret | RFC 5246 §7.4.3, §8.1.2 |
//! | `rsa_kx` | RSA key transport: PKCS#1 v1.5 encryption of the pre-master secret | RFC 5246 §7.4.7.1, RFC 8017 §7.2 |
//! | [`ssl3`] | SSL 3.0: its master secret and key block expansion, record MAC, 36-byte Finished, padding rule | RFC 6101 §5.2.3, §5.6.9, §6.1, §6.2.2 |
//! | `signature` | the server's public key, ServerKeyExchange signatures | RFC 5246 §7.4.3, RFC 8422 §5.4 |
//! | [`cert`] | chain and name verification (rustls-webpki) | RFC 5246 §7.4.2, RFC 5280 |
//! | [`suites`] | the cipher-suite table | RFC 5246 Appendix C |

pub mod cert;
pub(crate) mod der;
pub(crate) mod dhe;
pub(crate) mod key_block;
pub(crate) mod kx;
pub(crate) mod prf;
pub(crate) mod rsa_kx;
pub(crate) mod signature;
pub mod ssl3;
pub mod suites;
#[cfg(test)]
pub(crate) mod test_util;
