//! `handshake_messages`: every handshake message of this handshake, in order,
//! as raw bytes (RFC 5246 §7.4.9). HelloRequest is excluded.
//!
//! The hash is only known once ServerHello names the version and suite
//! (SHA-256 or SHA-384, or MD5 ‖ SHA-1 for TLS 1.0/1.1), so the raw messages are kept and hashed on demand; they are a few
//! kilobytes at most.

use crate::crypto::suites::PrfHash;
use crate::observer::{Event, Hooks};
use crate::types::HandshakeHasher;
use crate::wire::HandshakeType;

/// The running transcript.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    messages: Vec<u8>,
    /// Where each message starts in `messages`, with its type.
    starts: Vec<(HandshakeType, usize)>,
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
    // ANCHOR: append
    pub fn append(&mut self, typ: HandshakeType, raw: &[u8], hooks: &mut Hooks<'_>) {
        self.starts.push((typ, self.messages.len()));
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
    // ANCHOR_END: append

    /// Hash(handshake_messages) so far.
    pub fn current_hash(&self) -> Vec<u8> {
        self.hash_alg().hash(&self.messages)
    }

    /// Hash of every message so far except those of type `left_out`: what a
    /// peer computes when its transcript misses a message.
    pub fn hash_without(&self, left_out: HandshakeType) -> Vec<u8> {
        let mut ctx = HandshakeHasher::new(self.hash_alg());
        for (i, &(typ, start)) in self.starts.iter().enumerate() {
            let end = self.starts.get(i + 1).map_or(self.messages.len(), |&(_, e)| e);
            if typ != left_out {
                ctx.update(&self.messages[start..end]);
            }
        }
        ctx.finish()
    }

    /// The messages so far, in order, with their types.
    pub fn message_list(&self) -> Vec<(HandshakeType, &[u8])> {
        self.starts
            .iter()
            .enumerate()
            .map(|(i, &(typ, start))| {
                let end = self.starts.get(i + 1).map_or(self.messages.len(), |&(_, e)| e);
                (typ, &self.messages[start..end])
            })
            .collect()
    }

    /// The raw concatenation of every message so far.
    pub fn messages(&self) -> &[u8] {
        &self.messages
    }
}
