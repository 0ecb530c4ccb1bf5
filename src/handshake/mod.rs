//! The handshake state machine (RFC 5246 §7.3, Figure 1).

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
    /// Waiting for ServerHelloDone.
    ExpectServerHelloDone,
    /// Our Finished is sent; waiting for the server's ChangeCipherSpec.
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
