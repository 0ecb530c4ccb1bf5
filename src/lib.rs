//! The `tlslab` command's parts that are not the TLS library: blocking
//! sockets with timeouts ([`net`]), the probe matrix and its diagnosis
//! ([`diagnose`]), course labs ([`lab`]) and recording a live connection as a
//! replay bundle ([`bundle`]). The protocol itself is in the `tlslab` crate;
//! real servers for demos and labs come from `tlslab-peers`.
#![warn(missing_docs)]

pub mod bundle;
pub mod diagnose;
pub mod lab;
pub mod net;
