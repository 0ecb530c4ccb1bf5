//! The catalogue of causes: every assumption the explainer can test, named,
//! described for a person, and tied to the RFC text it violates. The live
//! client, the capture analysis and the labs all name causes from here.
//!
//! Adding a cause: a variant of [`Cause`] (its fields are what a finding
//! proves), then its arm in [`Cause::id`] (stable snake_case, used in JSON
//! and by the labs), [`Cause::rfc`] and [`Cause::description`]; the compiler
//! points at each match. The recomputation that proves it goes with the
//! others in `record.rs`, `finished.rs` or `peer.rs`.

use std::fmt;

use crate::crypto::suites::PrfHash;
use crate::wire::{AlertDescription, HandshakeType, ProtocolVersion};

/// Which Finished message: the label that enters its PRF (RFC 5246 §7.4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FinishedLabel {
    /// `"client finished"`: the Finished the client sends.
    Client,
    /// `"server finished"`: the Finished the server sends.
    Server,
}

impl FinishedLabel {
    /// The PRF label, exactly as RFC 5246 §7.4.9 spells it.
    pub fn label(self) -> &'static str {
        match self {
            FinishedLabel::Client => "client finished",
            FinishedLabel::Server => "server finished",
        }
    }

    /// The other side's label.
    pub fn other(self) -> FinishedLabel {
        match self {
            FinishedLabel::Client => FinishedLabel::Server,
            FinishedLabel::Server => FinishedLabel::Client,
        }
    }
}

/// Where a single flipped bit was found (see [`Cause::CorruptedInTransit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BitPosition {
    /// Index into the record payload (after the 5-byte header).
    pub byte: usize,
    /// Bit within that byte, 0 = least significant.
    pub bit: u8,
}

/// One rule's section in each version's RFC: SSL 3.0 (RFC 6101), TLS 1.0
/// (RFC 2246), TLS 1.1 (RFC 4346), TLS 1.2 (RFC 5246). SSL 3.0 puts the
/// record layer in §5.2, the handshake in §5.6 and the key schedule in §6;
/// the TLS RFCs share one outline.
pub(super) type Sections = [&'static str; 4];

/// The section of `sections` for `version` (TLS 1.2's for any other).
pub(super) fn cite(version: ProtocolVersion, [ssl30, tls10, tls11, tls12]: Sections) -> &'static str {
    match version {
        ProtocolVersion::SSL3 => ssl30,
        ProtocolVersion::TLS10 => tls10,
        ProtocolVersion::TLS11 => tls11,
        _ => tls12,
    }
}

/// Record payload protection.
pub(super) const RECORD: Sections = [
    "RFC 6101 §5.2.3",
    "RFC 2246 §6.2.3",
    "RFC 4346 §6.2.3",
    "RFC 5246 §6.2.3",
];
pub(super) const MAC: Sections = [
    "RFC 6101 §5.2.3.1",
    "RFC 2246 §6.2.3.1",
    "RFC 4346 §6.2.3.1",
    "RFC 5246 §6.2.3.1",
];
pub(super) const CBC: Sections = [
    "RFC 6101 §5.2.3.2",
    "RFC 2246 §6.2.3.2",
    "RFC 4346 §6.2.3.2",
    "RFC 5246 §6.2.3.2",
];
pub(super) const FRAGMENT: Sections = [
    "RFC 6101 §5.2.1",
    "RFC 2246 §6.2.1",
    "RFC 4346 §6.2.1",
    "RFC 5246 §6.2.1",
];
pub(super) const CONNECTION_STATE: Sections =
    ["RFC 6101 §5.1", "RFC 2246 §6.1", "RFC 4346 §6.1", "RFC 5246 §6.1"];
pub(super) const KEY_BLOCK: Sections = [
    "RFC 6101 §6.2.2",
    "RFC 2246 §6.3",
    "RFC 4346 §6.3",
    "RFC 5246 §6.3",
];
// SSL 3.0 has no PRF: its key block is the MD5/SHA-1 construction.
pub(super) const PRF: Sections = ["RFC 6101 §6.2.2", "RFC 2246 §5", "RFC 4346 §5", "RFC 5246 §5"];
pub(super) const MASTER_SECRET: Sections =
    ["RFC 6101 §6.1", "RFC 2246 §8.1", "RFC 4346 §8.1", "RFC 5246 §8.1"];
pub(super) const FINISHED: Sections = [
    "RFC 6101 §5.6.9",
    "RFC 2246 §7.4.9",
    "RFC 4346 §7.4.9",
    "RFC 5246 §7.4.9",
];
pub(super) const RSA_PRE_MASTER: Sections = [
    "RFC 6101 §5.6.7.1",
    "RFC 2246 §7.4.7.1",
    "RFC 4346 §7.4.7.1",
    "RFC 5246 §7.4.7.1",
];
pub(super) const CERTIFICATE_VERIFY: Sections = [
    "RFC 6101 §5.6.8",
    "RFC 2246 §7.4.8",
    "RFC 4346 §7.4.8",
    "RFC 5246 §7.4.8",
];
pub(super) const SERVER_HELLO: Sections = [
    "RFC 6101 §5.6.1.3",
    "RFC 2246 §7.4.1.3",
    "RFC 4346 §7.4.1.3",
    "RFC 5246 §7.4.1.3",
];
pub(super) const ALERT: Sections = ["RFC 6101 §5.4", "RFC 2246 §7.2", "RFC 4346 §7.2", "RFC 5246 §7.2"];
pub(super) const ERROR_ALERT: Sections = [
    "RFC 6101 §5.4.2",
    "RFC 2246 §7.2.2",
    "RFC 4346 §7.2.2",
    "RFC 5246 §7.2.2",
];

/// One cause of a failed record, Finished, or peer alert.
///
/// Record-level causes describe what the *sender* of the record did
/// differently from what the receiver assumed; the fields say what was
/// expected and what verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The recomputation under the connection's own assumptions verifies:
    /// these bytes are not what failed.
    NotReproduced,
    /// The bytes changed after they were protected (on the wire, in a
    /// middlebox, or in a buffer). `bit` is the one flipped bit whose
    /// restoration makes the record verify, when the search found one.
    CorruptedInTransit {
        /// The flipped bit, if a single-bit search found it.
        bit: Option<BitPosition>,
    },
    /// CBC padding bytes that do not all equal padding_length (RFC 5246
    /// §6.2.3.2): the sender padded wrongly, or the padding was altered.
    PaddingMalformed {
        /// The record's padding_length byte.
        padding_length: u8,
    },
    /// Fewer bytes arrived than the record header announces.
    TruncatedRecord {
        /// `length` in the record header.
        declared: usize,
        /// Bytes actually present.
        received: usize,
    },
    /// The sender padded by SSL 3.0 rules: only padding_length is right, the
    /// padding bytes are arbitrary; the MAC verifies when they are skipped.
    Sslv3Padding {
        /// The padding_length byte.
        padding_length: u8,
    },
    /// TLS 1.0 / SSL 3.0 CBC: the record was encrypted under another IV than
    /// the chain gives (the previous record's last ciphertext block, or the
    /// key block's write IV for the first record), RFC 2246 §6.2.3.2. Also a
    /// TLS 1.1 record sent with TLS 1.0's chain instead of an explicit IV.
    WrongIvChain {
        /// The IV that verifies, named by where it comes from.
        used: String,
    },
    /// SSL 3.0 / TLS 1.0 CBC: the record fails only because its IV, the
    /// previous record's last ciphertext block, carries the bit flipped in
    /// that record; with the bit restored in the IV it verifies. Not a
    /// second fault: a consequence of the chain (RFC 2246 §6.2.3.2).
    IvChangedByPreviousFlip {
        /// How the failed record is named.
        record: String,
        /// How the previous record, where the flip was found, is named.
        previous: String,
    },
    /// The payload length is impossible for the cipher (not whole blocks, or
    /// too short for the explicit IV/nonce, MAC or tag).
    ImpossibleLength {
        /// The payload length.
        length: usize,
        /// Why it cannot be a record of this suite.
        why: &'static str,
    },
    /// The sender protected the record with the keys of the other direction
    /// (client_write_* and server_write_* swapped).
    OtherDirectionKeys,
    /// The record was sealed under another `seq_num` than the receiver
    /// expected: records reordered, lost, skipped or repeated.
    SequenceNumber {
        /// The receiver's `seq_num`.
        expected: u64,
        /// The `seq_num` that verifies.
        used: u64,
    },
    /// The sender kept counting records across ChangeCipherSpec instead of
    /// starting again at 0. `used` is `None` in a ruled-out finding: no value
    /// in the searched range verifies.
    SequenceNotResetAtChangeCipherSpec {
        /// The receiver's `seq_num`.
        expected: u64,
        /// The `seq_num` that verifies.
        used: Option<u64>,
    },
    /// The MAC pseudo-header (or AEAD additional data) carries other version
    /// bytes than the record header.
    MacVersion {
        /// The version in the record header.
        header: ProtocolVersion,
        /// The version that verifies.
        used: ProtocolVersion,
    },
    /// One side used encrypt-then-MAC (RFC 7366), the other MAC-then-encrypt.
    EncryptThenMacMismatch {
        /// Whether encrypt_then_mac was negotiated (what the receiver assumed).
        negotiated: bool,
    },
    /// The key schedule (master secret and/or key block) used another PRF hash.
    PrfHash {
        /// The suite's PRF hash.
        expected: PrfHash,
        /// The hash that verifies.
        used: PrfHash,
    },
    /// The master secret was derived with (or without) the extended master
    /// secret of RFC 7627 against what was negotiated.
    ExtendedMasterSecret {
        /// Whether EMS was negotiated.
        expected: bool,
        /// Whether the value that verifies used EMS.
        used: bool,
    },
    /// The sender's record keys differ from ours in a way the catalogue does
    /// not name (a different master secret, pre-master secret or randoms).
    KeysDiffer,
    /// The CBC padding decrypts intact (so the encryption key is right) but
    /// the MAC key differs: a key-block split or MAC-key selection error.
    MacKeyDiffers,
    /// verify_data was computed with the other side's label.
    FinishedLabelSwapped {
        /// The label the receiver expected.
        expected: FinishedLabel,
        /// The label that verifies.
        used: FinishedLabel,
    },
    /// The sender's Hash(handshake_messages) left one message out.
    TranscriptMissing {
        /// Position of the message in the receiver's transcript.
        index: usize,
        /// Its handshake type.
        typ: HandshakeType,
    },
    /// The sender's Hash(handshake_messages) contains one more message.
    TranscriptExtra {
        /// Position at which the extra message was hashed.
        index: usize,
        /// Its handshake type.
        typ: HandshakeType,
    },
    /// verify_data was computed with another hash for the transcript hash or
    /// for the PRF.
    FinishedHash {
        /// The hash over handshake_messages that verifies.
        transcript_hash: PrfHash,
        /// The PRF hash that verifies.
        prf: PrfHash,
    },
    /// The two sides hashed different handshake messages, in a way no single
    /// missing or extra message explains (a message altered in transit).
    TranscriptDiffers,
    /// The verify_data sent is not the correct value, for no reason the
    /// catalogue names.
    WrongVerifyData,
    /// The two sides hold different master secrets.
    MasterSecretDiffers,
    /// The two sides hold different pre-master secrets (with RSA key
    /// exchange: the server could not decrypt it and went on with a random
    /// one, RFC 5246 §7.4.7.1).
    PreMasterSecretDiffers,
    /// The RSA pre-master secret starts with another version than
    /// ClientHello.client_version, so the server replaces it with a random one.
    RsaPreMasterVersion {
        /// ClientHello.client_version.
        client_hello: ProtocolVersion,
        /// The first two bytes of the pre-master secret.
        in_pre_master: ProtocolVersion,
    },
    /// The server's private key does not match the public key in its certificate.
    ServerKeyMismatch,
    /// The server rejected the client's CertificateVerify signature.
    CertificateVerifyRejected,
    /// The server found no acceptable parameters (suite, group, signature
    /// algorithm, a required extension).
    NegotiationFailed,
    /// The peer sent an alert the catalogue has no recomputation for.
    PeerAlert {
        /// The alert.
        alert: AlertDescription,
    },
    /// Bytes of a TCP stream are missing from a capture: the records from
    /// there on cannot be cut out, let alone verified.
    TcpGap {
        /// Stream offset of the first missing byte.
        offset: u64,
        /// Number of missing bytes.
        len: u64,
    },
    /// Bytes that do not parse as what they must be (a record header, a
    /// handshake message, an alert, a ChangeCipherSpec).
    Malformed {
        /// What did not parse, and why.
        what: String,
    },
}

impl Cause {
    /// A stable snake_case name (used in JSON and by tests).
    pub fn id(&self) -> &'static str {
        match self {
            Cause::NotReproduced => "not_reproduced",
            Cause::CorruptedInTransit { .. } => "corrupted_in_transit",
            Cause::TruncatedRecord { .. } => "truncated_record",
            Cause::PaddingMalformed { .. } => "padding_malformed",
            Cause::Sslv3Padding { .. } => "sslv3_padding",
            Cause::WrongIvChain { .. } => "wrong_iv_chain",
            Cause::IvChangedByPreviousFlip { .. } => "iv_changed_by_previous_flip",
            Cause::ImpossibleLength { .. } => "impossible_length",
            Cause::OtherDirectionKeys => "other_direction_keys",
            Cause::SequenceNumber { .. } => "sequence_number",
            Cause::SequenceNotResetAtChangeCipherSpec { .. } => "sequence_not_reset_at_change_cipher_spec",
            Cause::MacVersion { .. } => "mac_version",
            Cause::EncryptThenMacMismatch { .. } => "encrypt_then_mac_mismatch",
            Cause::PrfHash { .. } => "prf_hash",
            Cause::ExtendedMasterSecret { .. } => "extended_master_secret",
            Cause::KeysDiffer => "keys_differ",
            Cause::MacKeyDiffers => "mac_key_differs",
            Cause::FinishedLabelSwapped { .. } => "finished_label_swapped",
            Cause::TranscriptMissing { .. } => "transcript_missing",
            Cause::TranscriptExtra { .. } => "transcript_extra",
            Cause::FinishedHash { .. } => "finished_hash",
            Cause::TranscriptDiffers => "transcript_differs",
            Cause::WrongVerifyData => "wrong_verify_data",
            Cause::MasterSecretDiffers => "master_secret_differs",
            Cause::PreMasterSecretDiffers => "pre_master_secret_differs",
            Cause::RsaPreMasterVersion { .. } => "rsa_pre_master_version",
            Cause::ServerKeyMismatch => "server_key_mismatch",
            Cause::CertificateVerifyRejected => "certificate_verify_rejected",
            Cause::NegotiationFailed => "negotiation_failed",
            Cause::PeerAlert { .. } => "peer_alert",
            Cause::TcpGap { .. } => "tcp_gap",
            Cause::Malformed { .. } => "malformed",
        }
    }

    /// The RFC text the cause violates (or that defines the check), in the
    /// TLS 1.2 specification (RFC 5246). [`Cause::rfc_in`] cites the RFC of
    /// a given version.
    pub fn rfc(&self) -> &'static str {
        self.rfc_in(ProtocolVersion::TLS12)
    }

    /// The RFC text the cause violates in the specification of `version`:
    /// RFC 6101 for SSL 3.0, RFC 2246 for TLS 1.0, RFC 4346 for TLS 1.1 and
    /// RFC 5246 for TLS 1.2 (and any other version). Each older RFC numbers
    /// the same rule differently: SSL 3.0 puts the record layer in §5.2, the
    /// handshake in §5.6 and the key schedule in §6; the TLS RFCs share one
    /// outline.
    pub fn rfc_in(&self, version: ProtocolVersion) -> &'static str {
        let by_version = |sections| cite(version, sections);
        match self {
            Cause::NotReproduced | Cause::ImpossibleLength { .. } => by_version(RECORD),
            Cause::CorruptedInTransit { .. } | Cause::MacVersion { .. } => by_version(MAC),
            Cause::TruncatedRecord { .. } => by_version(FRAGMENT),
            // Sslv3Padding cites the rule of the connection's version that
            // the padding breaks (under SSL 3.0 itself it breaks none).
            Cause::PaddingMalformed { .. } | Cause::Sslv3Padding { .. } => by_version(CBC),
            // The chain is TLS 1.0's rule (and SSL 3.0's); TLS 1.1 replaced
            // it with an explicit IV, which a chained record lacks.
            Cause::WrongIvChain { .. } | Cause::IvChangedByPreviousFlip { .. } => by_version([
                "RFC 6101 §5.2.3.2",
                "RFC 2246 §6.2.3.2",
                "RFC 4346 §6.2.3.2",
                "RFC 2246 §6.2.3.2",
            ]),
            Cause::OtherDirectionKeys | Cause::KeysDiffer | Cause::MacKeyDiffers => by_version(KEY_BLOCK),
            Cause::SequenceNumber { .. } | Cause::SequenceNotResetAtChangeCipherSpec { .. } => {
                by_version(CONNECTION_STATE)
            }
            Cause::EncryptThenMacMismatch { .. } => "RFC 7366 §3",
            Cause::PrfHash { .. } => by_version(PRF),
            Cause::ExtendedMasterSecret { .. } => "RFC 7627 §4",
            Cause::FinishedLabelSwapped { .. }
            | Cause::TranscriptMissing { .. }
            | Cause::TranscriptExtra { .. }
            | Cause::FinishedHash { .. }
            | Cause::TranscriptDiffers
            | Cause::WrongVerifyData => by_version(FINISHED),
            Cause::MasterSecretDiffers => by_version(MASTER_SECRET),
            Cause::PreMasterSecretDiffers | Cause::RsaPreMasterVersion { .. } | Cause::ServerKeyMismatch => {
                by_version(RSA_PRE_MASTER)
            }
            Cause::CertificateVerifyRejected => by_version(CERTIFICATE_VERIFY),
            Cause::NegotiationFailed => by_version(SERVER_HELLO),
            Cause::PeerAlert { .. } => by_version(ALERT),
            Cause::TcpGap { .. } => "RFC 9293 §3.4",
            Cause::Malformed { .. } => by_version(ERROR_ALERT),
        }
    }

    /// One sentence for a person.
    pub fn description(&self) -> String {
        match self {
            Cause::NotReproduced => {
                "the bytes verify under the connection's own keys and sequence number: they are not what failed".into()
            }
            Cause::CorruptedInTransit { bit: Some(p) } => format!(
                "the record was altered after it was protected: bit {} of payload byte {} is flipped, and restoring it makes the record verify",
                p.bit, p.byte
            ),
            Cause::CorruptedInTransit { bit: None } => {
                "the record was altered after it was protected (on the wire, by a middlebox, or in a buffer)".into()
            }
            Cause::PaddingMalformed { padding_length } => format!(
                "the CBC padding is malformed: not every padding byte equals padding_length {padding_length} (the sender padded wrongly, or the padding was altered)"
            ),
            Cause::TruncatedRecord { declared, received } => format!(
                "the record is truncated: its header announces {declared} bytes, {received} arrived"
            ),
            Cause::Sslv3Padding { padding_length } => format!(
                "the sender padded by SSL 3.0 rules (RFC 6101 §5.2.3.2): the MAC verifies once the {padding_length} padding bytes are skipped, but they do not each equal padding_length as TLS requires; a lenient stack accepts the record, a strict one rejects it (and accepting it is what POODLE exploits)"
            ),
            Cause::WrongIvChain { used } => format!(
                "the IV chain broke: the record does not verify under the IV the chain gives (the previous record's last ciphertext block, or the key block's write IV first), and verifies under {used}"
            ),
            Cause::IvChangedByPreviousFlip { record, previous } => format!(
                "{record} fails only because its IV, the last block of {previous}, was changed by the flip found in {previous}: with that bit restored in the IV, {record} verifies"
            ),
            Cause::ImpossibleLength { length, why } => {
                format!("a payload of {length} bytes cannot be a record of this suite: {why}")
            }
            Cause::OtherDirectionKeys => {
                "the sender used the other direction's keys (client_write_* and server_write_* swapped)".into()
            }
            // What the recomputation proves is the number the record was
            // sealed under, not why: a record that arrives early looks the
            // same whether the sender skipped a number or the network
            // reordered or lost records; a later record decides.
            Cause::SequenceNumber { expected, used } if used > expected => format!(
                "this record was sealed as seq_num {used} where {expected} was due: records were reordered, lost or skipped ({:+})",
                i128::from(*used) - i128::from(*expected)
            ),
            Cause::SequenceNumber { expected, used } => format!(
                "this record was sealed as seq_num {used} where {expected} was due: a record was repeated (replayed or duplicated) or the sender's counter went back ({:+})",
                i128::from(*used) - i128::from(*expected)
            ),
            Cause::SequenceNotResetAtChangeCipherSpec { expected, used: Some(u) } => format!(
                "the sender did not reset seq_num to 0 at ChangeCipherSpec: it used {u} where {expected} was due, counting the {} records it sent before",
                u.saturating_sub(*expected)
            ),
            Cause::SequenceNotResetAtChangeCipherSpec { expected, used: None } => format!(
                "the sender did not reset seq_num at ChangeCipherSpec (receiver expected {expected})"
            ),
            Cause::MacVersion { header, used } => format!(
                "the sender put version {:04x} ({used}) into the MAC input / additional data, but {:04x} ({header}) in the record header",
                used.0, header.0
            ),
            Cause::EncryptThenMacMismatch { negotiated: true } => {
                "encrypt_then_mac was negotiated, but the sender used MAC-then-encrypt".into()
            }
            Cause::EncryptThenMacMismatch { negotiated: false } => {
                "encrypt_then_mac was not negotiated, but the sender used encrypt-then-MAC".into()
            }
            Cause::PrfHash { expected, used } => format!(
                "the key schedule ran with P_{} instead of the suite's P_{}",
                used.name(),
                expected.name()
            ),
            Cause::ExtendedMasterSecret { expected, used } => format!(
                "the master secret was derived {} the extended master secret, but it was {}negotiated",
                if *used { "with" } else { "without" },
                if *expected { "" } else { "not " }
            ),
            Cause::KeysDiffer => {
                "the sender's record keys differ from ours (a different master secret, pre-master secret or randoms)".into()
            }
            Cause::MacKeyDiffers => {
                "the padding decrypts intact, so the encryption key is right, but the MAC key differs".into()
            }
            Cause::FinishedLabelSwapped { expected, used } => format!(
                "verify_data was computed with the label \"{}\" instead of \"{}\"",
                used.label(),
                expected.label()
            ),
            Cause::TranscriptMissing { index, typ } => format!(
                "the sender's handshake hash leaves out message {index} ({typ})"
            ),
            Cause::TranscriptExtra { index, typ } => format!(
                "the sender's handshake hash includes an extra {typ} message at position {index}"
            ),
            Cause::FinishedHash { transcript_hash, prf } => format!(
                "verify_data was computed with {} over the handshake messages and P_{} as the PRF",
                transcript_hash.name(),
                prf.name()
            ),
            Cause::TranscriptDiffers => {
                "the two sides hashed different handshake messages (a message altered in transit, or hashed differently)".into()
            }
            Cause::WrongVerifyData => "the verify_data sent is not the correct value for this handshake".into(),
            Cause::MasterSecretDiffers => "the two sides hold different master secrets".into(),
            Cause::PreMasterSecretDiffers => {
                "the two sides hold different pre-master secrets (with RSA key exchange: the server could not decrypt ours and went on with a random one)".into()
            }
            Cause::RsaPreMasterVersion {
                client_hello,
                in_pre_master,
            } => format!(
                "the RSA pre-master secret starts with version {:04x} but ClientHello offered {:04x}: the server replaces it with a random one",
                in_pre_master.0, client_hello.0
            ),
            Cause::ServerKeyMismatch => {
                "the server's private key does not match the public key in its certificate: it decrypts garbage and uses a random pre-master secret".into()
            }
            Cause::CertificateVerifyRejected => "the server rejected our CertificateVerify signature".into(),
            Cause::NegotiationFailed => {
                "the server found no acceptable combination of suite, group, signature algorithm or extensions".into()
            }
            Cause::PeerAlert { alert } => format!("the peer sent {alert}, which no recomputation here explains"),
            Cause::TcpGap { offset, len } => format!(
                "{len} bytes are missing from the capture at stream offset {offset}: the records from there on cannot be decoded"
            ),
            Cause::Malformed { what } => format!("malformed: {what}"),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.rfc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERSIONS: [ProtocolVersion; 4] = [
        ProtocolVersion::SSL3,
        ProtocolVersion::TLS10,
        ProtocolVersion::TLS11,
        ProtocolVersion::TLS12,
    ];

    fn citations(cause: &Cause) -> Vec<&'static str> {
        VERSIONS.iter().map(|v| cause.rfc_in(*v)).collect()
    }

    /// The record MAC: RFC 6101 §5.2.3.1 "Null or Standard Stream Cipher"
    /// (where SSL 3.0 defines its MAC), and §6.2.3.1 of the same title in
    /// RFC 2246, RFC 4346 and RFC 5246 (their tables of contents).
    #[test]
    fn the_mac_causes_cite_each_versions_record_mac() {
        let expected = [
            "RFC 6101 §5.2.3.1",
            "RFC 2246 §6.2.3.1",
            "RFC 4346 §6.2.3.1",
            "RFC 5246 §6.2.3.1",
        ];
        assert_eq!(citations(&Cause::CorruptedInTransit { bit: None }), expected);
        let mac_version = Cause::MacVersion {
            header: ProtocolVersion::TLS10,
            used: ProtocolVersion::TLS12,
        };
        assert_eq!(citations(&mac_version), expected);
    }

    /// CBC padding: RFC 6101 §5.2.3.2 "CBC Block Cipher", and §6.2.3.2
    /// "CBC Block Cipher" of RFC 2246, RFC 4346 and RFC 5246.
    #[test]
    fn the_padding_causes_cite_each_versions_cbc_section() {
        let expected = [
            "RFC 6101 §5.2.3.2",
            "RFC 2246 §6.2.3.2",
            "RFC 4346 §6.2.3.2",
            "RFC 5246 §6.2.3.2",
        ];
        assert_eq!(
            citations(&Cause::PaddingMalformed { padding_length: 3 }),
            expected
        );
        assert_eq!(citations(&Cause::Sslv3Padding { padding_length: 3 }), expected);
    }

    /// Finished: RFC 6101 §5.6.9 "Finished" (SSL 3.0's handshake is §5.6),
    /// and §7.4.9 "Finished" of RFC 2246, RFC 4346 and RFC 5246.
    #[test]
    fn the_finished_causes_cite_each_versions_finished_section() {
        let expected = [
            "RFC 6101 §5.6.9",
            "RFC 2246 §7.4.9",
            "RFC 4346 §7.4.9",
            "RFC 5246 §7.4.9",
        ];
        for cause in [
            Cause::WrongVerifyData,
            Cause::TranscriptDiffers,
            Cause::FinishedLabelSwapped {
                expected: FinishedLabel::Client,
                used: FinishedLabel::Server,
            },
        ] {
            assert_eq!(citations(&cause), expected, "{cause:?}");
        }
    }

    /// Sequence numbers live in the connection state: RFC 6101 §5.1
    /// "Session and Connection States", §6.1 "Connection States" of the TLS
    /// RFCs; keys: RFC 6101 §6.2.2 "Converting the Master Secret into Keys
    /// and MAC Secrets", §6.3 "Key Calculation" of the TLS RFCs.
    #[test]
    fn sequence_and_key_causes_cite_each_versions_sections() {
        let seq = Cause::SequenceNumber { expected: 1, used: 2 };
        assert_eq!(
            citations(&seq),
            ["RFC 6101 §5.1", "RFC 2246 §6.1", "RFC 4346 §6.1", "RFC 5246 §6.1"]
        );
        assert_eq!(
            citations(&Cause::KeysDiffer),
            [
                "RFC 6101 §6.2.2",
                "RFC 2246 §6.3",
                "RFC 4346 §6.3",
                "RFC 5246 §6.3"
            ]
        );
    }

    /// The TLS 1.2 text stays what it was: `rfc()` is the TLS 1.2 citation.
    #[test]
    fn rfc_is_the_tls12_citation() {
        let cause = Cause::PaddingMalformed { padding_length: 1 };
        assert_eq!(cause.rfc(), cause.rfc_in(ProtocolVersion::TLS12));
        assert_eq!(
            Cause::WrongIvChain { used: String::new() }.rfc(),
            "RFC 2246 §6.2.3.2"
        );
    }
}
