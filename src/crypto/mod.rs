//! The compositions TLS 1.2 defines over the primitives: PRF, key block,
//! verify_data, key exchange, signatures, certificates, and the suite table.

pub mod cert;
pub mod key_block;
pub mod kx;
pub mod prf;
pub mod signature;
pub mod suites;
