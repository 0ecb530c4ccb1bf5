//! tlslab: a glass-box TLS 1.2 client.
pub mod bytes;
pub mod client;
pub mod config;
pub mod crypto;
pub mod error;
pub mod handshake;
pub mod local_server;
pub mod net;
pub mod observer;
pub mod record;
pub mod rng;
pub mod wire;

pub use client::Client;
pub use config::{ClientConfig, Verification};
pub use error::Error;
