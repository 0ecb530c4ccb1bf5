//! # tlslab: a glass-box TLS 1.2 client
//!
//! tlslab speaks TLS 1.2 (RFC 5246) to real servers and shows every value the
//! RFC names, at the moment it exists, through one event funnel
//! ([`observer::Observer`]). It exists for the day a connection dies with
//! `bad_record_mac` and nobody can say why.
//!
//! TLS 1.2 is the default and the only version offered unless
//! [`ClientConfig::min_version`] allows TLS 1.0 (RFC 2246) or TLS 1.1
//! (RFC 4346), both deprecated by RFC 8996; then the PRF is the MD5/SHA-1
//! pair, and TLS 1.0's CBC records chain their IVs. [`capture`] also reads
//! SSL 3.0 (RFC 6101) connections, and records of the RC4, DES, 3DES and NULL
//! suites that old captures carry (analysis only: never offered).
//!
//! **Secrets are the product here.** An attached observer sees the pre-master
//! secret, the master secret and every key. Attach none (or
//! [`observer::TextLog::redacted`]) where secrets must stay secret.
//!
//! ## Map: which file handles which arrow of RFC 5246 Figure 1
//!
//! ```text
//!  Client                                        Server
//!  ClientHello         -------->                          handshake/client_hello.rs   send_client_hello
//!                                          ServerHello    handshake/server_hello.rs   handle_server_hello
//!                                          Certificate    handshake/certificate.rs    handle_certificate
//!                                    ServerKeyExchange    handshake/server_key_exchange.rs
//!                                 [CertificateRequest]    handshake/server_hello_done.rs
//!                      <--------       ServerHelloDone    handshake/server_hello_done.rs
//!  [Certificate]                                          handshake/client_flight.rs  send_empty_certificate
//!  ClientKeyExchange                                      handshake/client_flight.rs  send_client_key_exchange
//!    pre_master_secret  (ECDHE, DHE, RSA)                 crypto/kx.rs, dhe.rs, rsa_kx.rs
//!    master_secret      (§8.1, RFC 7627)                  handshake/client_flight.rs  derive_master_secret
//!      PRF(pre_master_secret, ...)                        crypto/prf.rs               compute_master_secret
//!    key_block          (§6.3)                            handshake/client_flight.rs  derive_key_block
//!      PRF(master_secret, "key expansion", ...)           crypto/key_block.rs         compute_key_block
//!  [ChangeCipherSpec]                                     handshake/client_flight.rs  send_change_cipher_spec
//!  Finished            -------->                          handshake/client_flight.rs  send_finished
//!                                   [ChangeCipherSpec]    handshake/finished.rs       handle_change_cipher_spec
//!                      <--------              Finished    handshake/finished.rs       verify_server_finished
//!  Application Data    <------->      Application Data    client.rs                   send / receive
//! ```
//!
//! Underneath: [`wire`] (bytes only), `record` (framing, CBC and AEAD
//! protection, the MAC/padding verifier twins in `record/verify.rs`),
//! [`crypto`] (PRF, key block, key exchange, signatures, certificates, the
//! suite table, SSL 3.0's key derivation in `crypto/ssl3.rs`), [`observer`]
//! (events, `TextLog`, `JsonLog`, `KeyLogWriter`, `Recorder`), [`report`]
//! (the readable ladder and the self-contained HTML page). [`Client`] is sans-IO: the caller owns the socket, the
//! client owns protocol state only. The `tlslab` command (crate `tlslab-cli`)
//! adds a blocking socket helper with timeouts; `tlslab-peers` starts real
//! servers for tests and demos. Neither is part of this library: it opens no
//! socket and starts no process.
//!
//! ## The public API
//!
//! Connect with [`Client`] and [`ClientConfig`]; watch with an
//! [`observer::Observer`] ([`observer::TextLog`], [`observer::JsonLog`],
//! [`observer::KeyLogWriter`], [`observer::Recorder`]); read failures as
//! [`Error`] (grouped by layer, each with the alert it sends) and
//! [`explain`] reports; pick suites from [`crypto::suites`] and trust roots
//! with [`crypto::cert`]; resume with [`session`]; break things on purpose
//! with [`faults`] and [`intercept`]; replay with [`replay`]; analyse someone
//! else's capture with [`capture`]; draw a connection with [`report`]. The protocol machinery (record layer,
//! handshake states, key schedule) is private: its values reach you as
//! events, not as functions to call.
//!
//! ## Example
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use tlslab::{Client, ClientConfig};
//! use tlslab::observer::TextLog;
//!
//! let mut log = TextLog::new(std::io::stdout());
//! let mut client = Client::with_observer(ClientConfig::new("example.com"), &mut log);
//! let mut sock = std::net::TcpStream::connect("example.com:443")?;
//! let (mut out, mut buf) = (Vec::new(), [0u8; 16384]);
//! client.start(&mut out)?;
//! while !client.is_established() {
//!     sock.write_all(&out)?;
//!     out.clear();
//!     let n = sock.read(&mut buf)?;
//!     client.receive(&buf[..n], &mut out)?;
//! }
//! client.send(b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n", &mut out)?;
//! sock.write_all(&out)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod bytes;
pub mod capture;
mod client;
mod config;
pub mod crypto;
pub mod error;
pub mod explain;
pub mod faults;
pub(crate) mod handshake;
pub mod intercept;
#[doc(hidden)]
pub mod internal;
pub mod observer;
pub(crate) mod record;
pub mod replay;
pub mod report;
pub mod rng;
pub mod session;
#[cfg(feature = "proptest")]
pub mod strategies;
mod types;
pub mod wire;

pub use client::Client;
#[doc(hidden)]
pub use config::CustomClientHello;
pub use config::{ClientConfig, CustomVerifier, ServerNameIndication, Verification};
pub use error::Error;
pub use types::StateName;
