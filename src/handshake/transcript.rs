//! `handshake_messages`: every handshake message of this handshake, in order,
//! as raw bytes (RFC 5246 §7.4.9). HelloRequest is excluded.
//!
//! The hash is only known once ServerHello names the suite (SHA-256 or
//! SHA-384), so the raw messages are kept and hashed on demand; they are a few
//! kilobytes at most.

use crate::crypto::suites::PrfHash;
use crate::observer::{Event, Hooks};
use crate::wire::HandshakeType;

/// The running transcript.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    messages: Vec<u8>,
    hash: Option<PrfHash>,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Transcript {
        Transcript::default()
    }

    /// Sets the hash once the suite is known.
    pub fn set_hash(&mut self, hash: PrfHash) {
        self.hash = Some(hash);
    }

    /// The hash in use (SHA-256 until ServerHello says otherwise).
    pub fn hash_alg(&self) -> PrfHash {
        self.hash.unwrap_or(PrfHash::Sha256)
    }

    /// Appends a whole message (header included) and tells the observer the running hash.
    pub fn append(&mut self, typ: HandshakeType, raw: &[u8], hooks: &mut Hooks<'_>) {
        self.messages.extend_from_slice(raw);
        if hooks.active() {
            let running_hash = self.current_hash();
            hooks.emit(&Event::TranscriptAppended {
                typ,
                raw,
                running_hash: &running_hash,
            });
        }
    }

    /// Hash(handshake_messages) so far.
    pub fn current_hash(&self) -> Vec<u8> {
        ring::digest::digest(self.hash_alg().digest(), &self.messages)
            .as_ref()
            .to_vec()
    }

    /// The raw concatenation of every message so far.
    pub fn messages(&self) -> &[u8] {
        &self.messages
    }
}
