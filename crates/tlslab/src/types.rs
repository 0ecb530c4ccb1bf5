//! Small types every layer names: the leaf of the module graph.
//!
//! Nothing here depends on another module of this crate, so `wire`,
//! `observer`, `error` and the protocol layers can all name these without
//! pointing at each other.

use std::fmt;

/// The name of a state, for events and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateName {
    /// Nothing sent yet.
    Start,
    /// ClientHello sent; waiting for ServerHello.
    ExpectServerHello,
    /// Waiting for the server's Certificate.
    ExpectCertificate,
    /// Waiting for ServerKeyExchange.
    ExpectServerKeyExchange,
    /// Waiting for ServerHelloDone (or a CertificateRequest before it).
    ExpectServerHelloDone,
    /// Waiting for the server's NewSessionTicket (RFC 5077).
    ExpectNewSessionTicket,
    /// Waiting for the server's ChangeCipherSpec.
    ExpectChangeCipherSpec,
    /// Waiting for the server's Finished.
    ExpectFinished,
    /// Handshake complete; application data flows.
    Established,
    /// close_notify sent or received.
    Closed,
    /// A fatal error ended the connection.
    Failed,
}

impl fmt::Display for StateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
