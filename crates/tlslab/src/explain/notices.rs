//! Things that do not break a connection but must be said.
//!
//! A connection can complete and still be unsafe or incomplete: a server
//! that repeats an AES-GCM nonce under one key gives its key away, a record
//! over the negotiated size is one a strict peer rejects, and a connection
//! that ends without close_notify may have lost data to a truncation attack.
//! [`Watch`] is an observer: it watches the events the record layer already
//! emits (`AeadNonce`, `RecordIn`, `ApplicationData`, `AlertReceived`), so it
//! needs nothing from the record layer beyond them, and it can be attached
//! to any connection (live, replayed or from a capture).
//!
//! ```text
//!  AeadNonce ─► same 12-byte nonce (same write_IV, so same key) twice? ─► NonceRepeated
//!  RecordIn  ─► ciphertext over 2^14 + 2048, plaintext over 2^14?       ─► RecordOversize
//!  AlertReceived(close_notify)?  + bytes read vs whole records seen     ─► Truncation
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::observer::{Event, Observer};
use crate::wire::{AlertDescription, Direction};

/// `TLSPlaintext.length` may not exceed 2^14 (RFC 5246 §6.2.1).
#[doc(hidden)]
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// `TLSCiphertext.length` may not exceed 2^14 + 2048 (RFC 5246 §6.2.3).
#[doc(hidden)]
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 2048;

/// One thing worth saying about a connection that may have worked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Two records protected under one key with the same AES-GCM nonce.
    NonceRepeated {
        /// Whose records.
        direction: Direction,
        /// The `seq_num` of the first record that used the nonce.
        first_seq: u64,
        /// The `seq_num` of the record that repeated it.
        seq: u64,
        /// The 12-byte nonce (write_IV ‖ explicit part).
        nonce: [u8; 12],
    },
    /// A record longer than RFC 5246 allows.
    RecordOversize {
        /// Whose record.
        direction: Direction,
        /// Its `seq_num`.
        seq: u64,
        /// The length that was too long.
        length: usize,
        /// The limit, and which one (plaintext or ciphertext).
        limit: usize,
        /// `"plaintext"` or `"ciphertext"`.
        what: &'static str,
    },
    /// The connection ended without the server's close_notify.
    NoCloseNotify {
        /// Whether it ended in the middle of a record.
        mid_record: Option<usize>,
    },
}

impl Notice {
    /// A stable snake_case name.
    pub fn id(&self) -> &'static str {
        match self {
            Notice::NonceRepeated { .. } => "gcm_nonce_repeated",
            Notice::RecordOversize { .. } => "record_oversize",
            Notice::NoCloseNotify { mid_record: Some(_) } => "truncated_mid_record",
            Notice::NoCloseNotify { mid_record: None } => "no_close_notify",
        }
    }

    /// Whether application data may be missing: the command should exit
    /// non-zero, since what it printed may not be all the server sent.
    pub fn data_may_be_missing(&self) -> bool {
        matches!(self, Notice::NoCloseNotify { .. })
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::NonceRepeated {
                direction,
                first_seq,
                seq,
                nonce,
            } => write!(
                f,
                "{direction} records seq {first_seq} and seq {seq} use the same AES-GCM nonce {} under one key (RFC 5288 §3 forbids it): their XOR of plaintexts leaks, and the two tags give away the GHASH key, so anyone on the path can forge records (the \"forbidden attack\", Joux 2006; Böck et al. 2016)",
                nonce.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ),
            Notice::RecordOversize {
                direction,
                seq,
                length,
                limit,
                what,
            } => write!(
                f,
                "{direction} record seq {seq} carries {length} bytes of {what}, over the limit of {limit} (RFC 5246 §6.2); a strict peer answers record_overflow"
            ),
            Notice::NoCloseNotify { mid_record: Some(n) } => write!(
                f,
                "the connection closed in the middle of a record ({n} bytes of an unfinished record were received): data is missing (truncation, RFC 5246 §7.2.1)"
            ),
            Notice::NoCloseNotify { mid_record: None } => f.write_str(
                "the server closed the TCP connection without close_notify: the data received may be incomplete, and a truncation cannot be told from the end (RFC 5246 §7.2.1)",
            ),
        }
    }
}

#[derive(Default)]
struct WatchState {
    /// (direction, nonce) → first seq.
    nonces: HashMap<(bool, [u8; 12]), u64>,
    notices: Vec<Notice>,
    close_notify: bool,
    /// Bytes of whole records received (header and payload).
    record_bytes_in: u64,
    /// seq of the last protected record received, to pair with ApplicationData.
    last_in_seq: u64,
}

/// An observer that collects [`Notice`]s. Clones share one state, so one
/// clone can go into an observer chain and another be read afterwards.
#[derive(Clone, Default)]
pub struct Watch {
    state: Arc<Mutex<WatchState>>,
}

impl Watch {
    /// A new watch.
    pub fn new() -> Watch {
        Watch::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut WatchState) -> T) -> T {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// What was noticed while the connection ran.
    pub fn notices(&self) -> Vec<Notice> {
        self.with(|s| s.notices.clone())
    }

    /// Whether the server sent close_notify.
    #[doc(hidden)]
    pub fn saw_close_notify(&self) -> bool {
        self.with(|s| s.close_notify)
    }

    /// Everything noticed, once the connection is over: `bytes_read` is how
    /// many bytes the socket delivered, `tcp_closed` whether the server
    /// closed it. Bytes read beyond the last whole record mean the
    /// connection ended in the middle of a record.
    #[doc(hidden)]
    pub fn finish(&self, bytes_read: u64, tcp_closed: bool) -> Vec<Notice> {
        self.with(|s| {
            let mut out = s.notices.clone();
            let partial = bytes_read.saturating_sub(s.record_bytes_in);
            if tcp_closed && !s.close_notify {
                out.push(Notice::NoCloseNotify {
                    mid_record: (partial > 0).then_some(partial as usize),
                });
            }
            out
        })
    }
}

impl Observer for Watch {
    fn on_event(&mut self, event: &Event<'_>) {
        match event {
            Event::AeadNonce(n) if n.explicit.len() == 8 => self.with(|s| {
                // Same 12-byte nonce: same write_IV (so, with overwhelming
                // likelihood, the same key block) and same explicit part.
                let key = (n.direction == Direction::ServerToClient, *n.nonce);
                match s.nonces.get(&key) {
                    Some(&first) if first != n.seq => s.notices.push(Notice::NonceRepeated {
                        direction: n.direction,
                        first_seq: first,
                        seq: n.seq,
                        nonce: *n.nonce,
                    }),
                    Some(_) => {}
                    None => {
                        s.nonces.insert(key, n.seq);
                    }
                }
            }),
            Event::RecordIn(r) => self.with(|s| {
                s.record_bytes_in += 5 + r.payload.len() as u64;
                s.last_in_seq = r.seq;
                let (limit, what) = if r.protected {
                    (MAX_CIPHERTEXT, "ciphertext")
                } else {
                    (MAX_PLAINTEXT, "plaintext")
                };
                if r.payload.len() > limit {
                    s.notices.push(Notice::RecordOversize {
                        direction: Direction::ServerToClient,
                        seq: r.seq,
                        length: r.payload.len(),
                        limit,
                        what,
                    });
                }
            }),
            Event::ApplicationData { direction, data } if data.len() > MAX_PLAINTEXT => self.with(|s| {
                let seq = s.last_in_seq;
                s.notices.push(Notice::RecordOversize {
                    direction: *direction,
                    seq,
                    length: data.len(),
                    limit: MAX_PLAINTEXT,
                    what: "plaintext",
                });
            }),
            Event::AlertReceived(a) if a.description == AlertDescription::CLOSE_NOTIFY => {
                self.with(|s| s.close_notify = true)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::NonceParts;

    fn nonce_event(w: &mut Watch, seq: u64, explicit: [u8; 8]) {
        let fixed = [7u8; 4];
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&fixed);
        nonce[4..].copy_from_slice(&explicit);
        w.on_event(&Event::AeadNonce(NonceParts {
            direction: Direction::ServerToClient,
            seq,
            fixed_iv: &fixed,
            explicit: &explicit,
            nonce: &nonce,
        }));
    }

    #[test]
    fn a_repeated_gcm_nonce_is_named_with_both_records() {
        let mut w = Watch::new();
        nonce_event(&mut w, 0, [0, 0, 0, 0, 0, 0, 0, 1]);
        nonce_event(&mut w, 1, [0, 0, 0, 0, 0, 0, 0, 2]);
        assert!(w.notices().is_empty());
        nonce_event(&mut w, 2, [0, 0, 0, 0, 0, 0, 0, 1]);
        let n = w.notices();
        assert!(
            matches!(
                n[..],
                [Notice::NonceRepeated {
                    first_seq: 0,
                    seq: 2,
                    ..
                }]
            ),
            "{n:?}"
        );
        assert!(n[0].to_string().contains("forbidden attack"));
    }

    #[test]
    fn a_close_without_close_notify_in_a_record_is_truncation() {
        let w = Watch::new();
        // No record seen, 3 bytes read, TCP closed: mid-record.
        let n = w.finish(3, true);
        assert_eq!(n, vec![Notice::NoCloseNotify { mid_record: Some(3) }]);
        assert!(n[0].data_may_be_missing());
        assert!(w.finish(0, false).is_empty());
    }
}
