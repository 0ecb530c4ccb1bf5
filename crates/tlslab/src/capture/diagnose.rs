//! Why a record of a capture fails to verify: the observed symptom (what the
//! record layer's own events showed) and the hypotheses a recomputation
//! proves.
//!
//! Every hypothesis is tested by opening a copy of the record again with the
//! same record-layer code ([`RecordLayerState::open`]) under one changed
//! assumption. A cause is only called certain when the record then verifies:
//!
//! | hypothesis | what it means when the record verifies |
//! | --- | --- |
//! | `seq_num` - 1 or + 1 | a record was dropped, duplicated or injected before this one, or the sender's counter is wrong (RFC 5246 §6.1 puts `seq_num` in every MAC and nonce precisely so that this is detected) |
//! | the other direction's keys | the sender used the wrong half of the key block (`client_write_*` for `server_write_*`, RFC 5246 §6.3) |
//! | other version bytes in the MAC input / additional data | the sender put a different `version` in the MAC pseudo-header than in the record header |
//!
//! When none verifies, the symptom is reported as is: a MAC failure behind
//! intact padding, a padding failure, or an AEAD tag mismatch, with what
//! that most likely means given where the record sits.

use std::fmt;

use crate::crypto::key_block::KeyBlock;
use crate::crypto::suites::SuiteInfo;
use crate::observer::{Event, Hooks, Observer};
use crate::record::{Protection, RecordLayerState};
use crate::wire::{ContentType, Direction, ProtocolVersion, RecordHeader};

/// What the record layer's events showed while it opened one record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Witness {
    /// `CbcPadding`: (well_formed, padding_length, first bad byte).
    pub padding: Option<(bool, u8, Option<usize>)>,
    /// `MacCompared`: whether the MACs were equal.
    pub mac_equal: Option<bool>,
    /// `AeadOpenFailed` was seen.
    pub aead_failed: bool,
}

impl Witness {
    /// Notes what `event` says about the record being opened.
    pub fn observe(&mut self, event: &Event<'_>) {
        match event {
            Event::CbcPadding(p) => self.padding = Some((p.well_formed, p.padding_length, p.first_bad)),
            Event::MacCompared { equal, .. } => self.mac_equal = Some(*equal),
            Event::AeadOpenFailed { .. } => self.aead_failed = true,
            _ => {}
        }
    }
}

/// Forwards events to an observer and keeps a [`Witness`] of them.
pub struct WitnessTap<'o> {
    /// Where events go.
    pub inner: &'o mut dyn Observer,
    /// What was seen since the last reset.
    pub witness: Witness,
}

impl Observer for WitnessTap<'_> {
    fn on_event(&mut self, event: &Event<'_>) {
        self.witness.observe(event);
        self.inner.on_event(event);
    }
}

/// Why a record or a Finished message failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Bytes of the TCP stream are missing from the capture.
    TcpGap {
        /// Stream offset of the first missing byte.
        offset: u64,
        /// Number of missing bytes.
        len: u64,
    },
    /// The record verifies with another sequence number.
    SequenceNumber {
        /// The sequence number the record should have had.
        expected: u64,
        /// The one it verifies with.
        verifies_with: u64,
    },
    /// The record verifies with the other direction's keys.
    OtherDirectionKeys,
    /// The record verifies with other version bytes in the MAC input.
    VersionInMacInput {
        /// The version in the record header.
        header: ProtocolVersion,
        /// The version it verifies with.
        verifies_with: ProtocolVersion,
    },
    /// CBC: the padding is well formed but the MAC differs.
    MacFailureIntactPadding,
    /// CBC: the padding is not well formed.
    PaddingFailure {
        /// The last byte of the decrypted fragment.
        padding_length: u8,
        /// Index of the first padding byte that differs, if the padding fits.
        first_bad: Option<usize>,
    },
    /// AEAD: the tag does not verify.
    AeadTagMismatch,
    /// The ciphertext cannot even be decrypted (too short, not whole blocks, too long).
    BadCiphertextLength(String),
    /// A Finished message whose verify_data differs.
    FinishedMismatch {
        /// `"client finished"` or `"server finished"`.
        label: &'static str,
        /// verify_data computed from the capture.
        computed: Vec<u8>,
        /// verify_data in the message.
        received: Vec<u8>,
    },
    /// Bytes that do not parse (record header, handshake message, alert).
    Malformed(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::TcpGap { offset, len } => write!(
                f,
                "TCP gap: {len} bytes missing from the capture at stream offset {offset}; the records from there on cannot be decoded"
            ),
            Cause::SequenceNumber { expected, verifies_with } => write!(
                f,
                "sequence number mismatch: the record verifies with seq_num {verifies_with}, not {expected} (a record was dropped, duplicated or injected before it, or the sender's counter is off by {})",
                verifies_with.abs_diff(*expected)
            ),
            Cause::OtherDirectionKeys => f.write_str(
                "wrong direction keys: the record verifies with the keys of the other direction (the sender used the other half of the key block)",
            ),
            Cause::VersionInMacInput { header, verifies_with } => write!(
                f,
                "version mismatch: the record header says {header} but the MAC input used {verifies_with}"
            ),
            Cause::MacFailureIntactPadding => {
                f.write_str("MAC failure with intact padding: the plaintext, the MAC or the MAC key differ")
            }
            Cause::PaddingFailure {
                padding_length,
                first_bad,
            } => match first_bad {
                Some(i) => write!(
                    f,
                    "padding failure: padding_length {padding_length}, padding byte {i} differs (the last ciphertext block or its IV was changed, or the key is wrong)"
                ),
                None => write!(
                    f,
                    "padding failure: padding_length {padding_length} does not fit the record (the key is wrong or the last block was changed)"
                ),
            },
            Cause::AeadTagMismatch => {
                f.write_str("AEAD tag mismatch: the ciphertext, the additional data, the nonce or the key differ")
            }
            Cause::BadCiphertextLength(s) => write!(f, "undecryptable ciphertext: {s}"),
            Cause::FinishedMismatch {
                label,
                computed,
                received,
            } => write!(
                f,
                "Finished mismatch ({label}): verify_data received {}, computed {}",
                hex::encode(received),
                hex::encode(computed)
            ),
            Cause::Malformed(s) => write!(f, "malformed: {s}"),
        }
    }
}

/// Everything known about a protected record that failed to open.
#[derive(Clone, Copy, Debug)]
pub struct RecordFailureContext<'a> {
    /// The suite.
    pub suite: &'static SuiteInfo,
    /// The key block of the connection.
    pub key_block: &'a KeyBlock,
    /// The record's direction.
    pub direction: Direction,
    /// The sequence number it was opened with.
    pub seq: u64,
    /// Its header.
    pub header: &'a RecordHeader,
    /// Its payload as captured.
    pub payload: &'a [u8],
    /// What the record layer's events showed.
    pub witness: Witness,
    /// How many records of this direction verified under the same keys before it.
    pub verified_before: u64,
}

/// A cause with the evidence for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// The cause.
    pub cause: Cause,
    /// Whether a recomputation proved it (the record verifies under the hypothesis).
    pub proven: bool,
    /// Supporting facts, one sentence each.
    pub evidence: Vec<String>,
}

/// Opens a copy of the record with the keys of `keys`, at `seq`, with `header`; no events.
fn verifies(ctx: &RecordFailureContext<'_>, keys: Direction, seq: u64, header: &RecordHeader) -> bool {
    let Ok(protection) = Protection::from_key_block(ctx.suite, ctx.key_block, keys) else {
        return false;
    };
    let mut state = RecordLayerState {
        direction: keys,
        protection,
        seq,
    };
    let mut payload = ctx.payload.to_vec();
    state.open(header, &mut payload, &mut Hooks::none()).is_ok()
}

/// Diagnoses a protected record that failed to open: first the hypotheses a
/// recomputation can prove, then the symptom.
pub fn diagnose_record(ctx: &RecordFailureContext<'_>) -> Diagnosis {
    let d = ctx.direction;
    // 1. Sequence number off by one either way.
    for candidate in [ctx.seq.checked_sub(1), ctx.seq.checked_add(1)]
        .into_iter()
        .flatten()
    {
        if verifies(ctx, d, candidate, ctx.header) {
            return Diagnosis {
                cause: Cause::SequenceNumber {
                    expected: ctx.seq,
                    verifies_with: candidate,
                },
                proven: true,
                evidence: vec![format!("the record opens and verifies with seq_num {candidate}")],
            };
        }
    }
    // 2. The other direction's keys (at the same seq, and at seq 0 in case the
    //    sender also reset its counter).
    let other = match d {
        Direction::ClientToServer => Direction::ServerToClient,
        Direction::ServerToClient => Direction::ClientToServer,
    };
    for seq in [ctx.seq, 0] {
        if verifies(ctx, other, seq, ctx.header) {
            return Diagnosis {
                cause: Cause::OtherDirectionKeys,
                proven: true,
                evidence: vec![format!(
                    "the record opens and verifies with the {other} keys at seq_num {seq}"
                )],
            };
        }
    }
    // 3. Other version bytes in the MAC input / additional data.
    for v in [
        ProtocolVersion::TLS10,
        ProtocolVersion::TLS11,
        ProtocolVersion::TLS12,
        ProtocolVersion::SSL3,
    ] {
        if v == ctx.header.version {
            continue;
        }
        let h = RecordHeader {
            version: v,
            ..*ctx.header
        };
        if verifies(ctx, d, ctx.seq, &h) {
            return Diagnosis {
                cause: Cause::VersionInMacInput {
                    header: ctx.header.version,
                    verifies_with: v,
                },
                proven: true,
                evidence: vec![format!("the record verifies when the MAC input carries {v}")],
            };
        }
    }
    // 4. No recomputation helps: report the symptom.
    let w = ctx.witness;
    let cause = if let Some((false, padding_length, first_bad)) = w.padding {
        Cause::PaddingFailure {
            padding_length,
            first_bad,
        }
    } else if w.mac_equal == Some(false) {
        Cause::MacFailureIntactPadding
    } else if w.aead_failed {
        Cause::AeadTagMismatch
    } else {
        Cause::BadCiphertextLength(format!(
            "{} bytes of {} {} record {} (too short, not whole blocks, or too long)",
            ctx.payload.len(),
            ctx.header.content_type,
            d,
            ctx.seq
        ))
    };
    let mut evidence = vec![
        "no sequence number off by one, no key swap and no other version bytes make it verify".to_string(),
    ];
    if ctx.verified_before > 0 {
        evidence.push(format!(
            "{} earlier {d} record(s) verified under the same keys, so the keys are right: the bytes of this record were changed (in transit, by a middlebox, or in the capture file)",
            ctx.verified_before
        ));
    } else {
        evidence.push(format!(
            "this is the first protected {d} record: a wrong master secret (a key log line of another connection, or a sender that derived other keys) fails exactly here"
        ));
    }
    if ctx.header.content_type == ContentType::HANDSHAKE && ctx.seq == 0 {
        evidence.push("the record is the encrypted Finished message, which cannot be checked either".into());
    }
    Diagnosis {
        cause,
        proven: false,
        evidence,
    }
}

impl Cause {
    /// A stable snake_case name for the cause (the JSON `cause` field).
    pub fn kind(&self) -> &'static str {
        match self {
            Cause::TcpGap { .. } => "tcp_gap",
            Cause::SequenceNumber { .. } => "sequence_number",
            Cause::OtherDirectionKeys => "other_direction_keys",
            Cause::VersionInMacInput { .. } => "version_in_mac_input",
            Cause::MacFailureIntactPadding => "mac_failure_intact_padding",
            Cause::PaddingFailure { .. } => "padding_failure",
            Cause::AeadTagMismatch => "aead_tag_mismatch",
            Cause::BadCiphertextLength(_) => "bad_ciphertext_length",
            Cause::FinishedMismatch { .. } => "finished_mismatch",
            Cause::Malformed(_) => "malformed",
        }
    }
}
