//! tlslab: a glass-box TLS 1.2 client.
pub mod bytes;
pub mod crypto;
pub mod error;
pub mod handshake;
pub mod local_server;
pub mod observer;
pub mod record;
pub mod rng;
pub mod wire;

pub use error::Error;
