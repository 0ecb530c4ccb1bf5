//! Deframer + HandshakeJoiner over arbitrary bytes.
//!
//! Input: `split ‖ stream`. `split` chooses the read sizes (0: one read), the
//! stream is cut into TLS records (RFC 5246 §6.2.1) and every handshake
//! record's payload goes through the joiner. Oracles, besides "no panic":
//!
//! * the records returned, re-encoded, are exactly a prefix of the stream
//!   (the deframer loses, duplicates or reorders no byte);
//! * no record is longer than 2^14 + 2048 bytes, and the bytes not yet
//!   returned are what `buffered()` reports;
//! * the messages returned, concatenated, are exactly a prefix of the
//!   handshake payloads, and no message exceeds the joiner's cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlslab::internal::record::{Deframer, HandshakeJoiner, MAX_CIPHERTEXT, MAX_HANDSHAKE_MESSAGE};
use tlslab::wire::ContentType;

fuzz_target!(|data: &[u8]| {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let mut deframer = Deframer::new();
    let mut joiner = HandshakeJoiner::new();
    let mut records = Vec::new();
    let mut handshake = Vec::new();
    let mut messages = Vec::new();
    let mut payload = Vec::new();
    let mut pushed = 0usize;
    let mut step = usize::from(split);
    let mut rest = stream;
    'feed: while !rest.is_empty() {
        let n = if split == 0 {
            rest.len()
        } else {
            step.min(rest.len()).max(1)
        };
        // Vary the read size: 1..=255 cycling, so records straddle reads in every way.
        step = step * 7 % 251 + 1;
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        deframer.push(chunk);
        pushed += chunk.len();
        loop {
            match deframer.next_record(&mut payload) {
                Ok(Some(header)) => {
                    assert_eq!(usize::from(header.length), payload.len());
                    assert!(payload.len() <= MAX_CIPHERTEXT);
                    records.extend_from_slice(&header.encode());
                    records.extend_from_slice(&payload);
                    if header.content_type == ContentType::HANDSHAKE {
                        joiner.push(&payload);
                        handshake.extend_from_slice(&payload);
                        loop {
                            match joiner.next_message() {
                                Ok(Some(m)) => {
                                    assert!(m.len() >= 4 && m.len() - 4 <= MAX_HANDSHAKE_MESSAGE);
                                    messages.extend_from_slice(&m);
                                }
                                Ok(None) => break,
                                Err(_) => break 'feed,
                            }
                        }
                    }
                }
                Ok(None) => break,
                // Sticky: the same oversized header again.
                Err(e) => {
                    assert_eq!(deframer.next_record(&mut payload).unwrap_err(), e);
                    break 'feed;
                }
            }
        }
        assert_eq!(records.len() + deframer.buffered(), pushed);
    }
    assert_eq!(records[..], stream[..records.len()]);
    assert_eq!(messages[..], handshake[..messages.len()]);
});
