//! An observer that keeps an owned copy of every event, for tests and for
//! tools that look at a handshake after it ran.
//!
//! [`OwnedEvent`] mirrors [`Event`] variant for variant and field for field;
//! byte strings become [`Bytes`], which compare with `Vec<u8>` through `Deref`
//! and print as hex in `Debug`.

use super::{Event, Observer};
use crate::bytes::Bytes;
use crate::types::KeyBlock;
use crate::types::PrfHash;
use crate::types::StateName;
use crate::wire::{
    Alert, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};

/// Owned copy of a [`super::RecordView`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedRecordView {
    /// `type`.
    pub content_type: ContentType,
    /// `version` in the record header.
    pub version: ProtocolVersion,
    /// The 5-byte header.
    pub header: Bytes,
    /// The fragment as sent or received.
    pub payload: Bytes,
    /// The record's sequence number.
    pub seq: u64,
    /// Whether the record was protected by a cipher.
    pub protected: bool,
}

/// Owned copy of a [`super::PrfCall`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedPrfCall {
    /// What the call derived (`master_secret`, `key_block`, `verify_data`).
    pub purpose: &'static str,
    /// P_SHA256 or P_SHA384.
    pub hash: PrfHash,
    /// The secret.
    pub secret: Bytes,
    /// The ASCII label.
    pub label: Bytes,
    /// The seed, without the label.
    pub seed: Bytes,
    /// A(1), A(2), ...
    pub a: Vec<Bytes>,
    /// HMAC_hash(secret, A(i) + label + seed) for each i.
    pub hmac_outputs: Vec<Bytes>,
    /// The truncated output.
    pub output: Bytes,
}

/// Owned copy of a [`super::MacInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedMacInput {
    /// Which direction's MAC key.
    pub direction: Direction,
    /// `seq_num`.
    pub seq: u64,
    /// The 13-byte pseudo-header.
    pub pseudo_header: Bytes,
    /// The fragment the MAC covers.
    pub fragment: Bytes,
    /// The MAC computed.
    pub mac: Bytes,
}

/// Owned copy of a [`super::PaddingView`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedPaddingView {
    /// Which direction's record.
    pub direction: Direction,
    /// `seq_num` of the record.
    pub seq: u64,
    /// The last byte of the decrypted fragment.
    pub padding_length: u8,
    /// The padding bytes, without the length byte.
    pub padding: Bytes,
    /// Whether the padding is well formed.
    pub well_formed: bool,
    /// Index of the first bad padding byte.
    pub first_bad: Option<usize>,
}

/// Owned copy of a [`super::NonceParts`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedNonceParts {
    /// Which direction's key.
    pub direction: Direction,
    /// `seq_num`.
    pub seq: u64,
    /// The implicit part from the key block.
    pub fixed_iv: Bytes,
    /// The explicit part.
    pub explicit: Bytes,
    /// The 12-byte nonce.
    pub nonce: Bytes,
}

/// An owned mirror of [`Event`]: same variants, same field names (see there
/// for what each one means).
#[allow(missing_docs)] // The fields are documented on `Event`; repeating them would drift.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum OwnedEvent {
    /// See [`Event::StateChanged`].
    StateChanged { from: StateName, to: StateName },
    /// See [`Event::RecordOut`].
    RecordOut(OwnedRecordView),
    /// See [`Event::RecordIn`].
    RecordIn(OwnedRecordView),
    /// See [`Event::HandshakeOut`].
    HandshakeOut { typ: HandshakeType, raw: Bytes },
    /// See [`Event::HandshakeIn`].
    HandshakeIn { typ: HandshakeType, raw: Bytes },
    /// See [`Event::TranscriptAppended`].
    TranscriptAppended {
        typ: HandshakeType,
        raw: Bytes,
        running_hash: Bytes,
    },
    /// See [`Event::CertificateChecked`].
    CertificateChecked {
        server_name: String,
        chain_len: usize,
        verified: bool,
        detail: String,
    },
    /// See [`Event::SignatureChecked`].
    SignatureChecked {
        scheme: SignatureScheme,
        signed: Bytes,
        signature: Bytes,
        valid: bool,
    },
    /// See [`Event::KeyShare`].
    KeyShare {
        group: NamedGroup,
        client_public: Bytes,
        server_public: Bytes,
    },
    /// See [`Event::PreMasterSecret`].
    PreMasterSecret(Bytes),
    /// See [`Event::Prf`].
    Prf(OwnedPrfCall),
    /// See [`Event::MasterSecret`].
    MasterSecret {
        client_random: Bytes,
        server_random: Bytes,
        master_secret: Bytes,
    },
    /// See [`Event::KeyBlock`].
    KeyBlock(KeyBlock),
    /// See [`Event::MacInput`].
    MacInput(OwnedMacInput),
    /// See [`Event::CbcPadding`].
    CbcPadding(OwnedPaddingView),
    /// See [`Event::MacCompared`].
    MacCompared {
        direction: Direction,
        seq: u64,
        computed: Bytes,
        received: Bytes,
        equal: bool,
    },
    /// See [`Event::AeadNonce`].
    AeadNonce(OwnedNonceParts),
    /// See [`Event::AeadAad`].
    AeadAad {
        direction: Direction,
        seq: u64,
        aad: Bytes,
    },
    /// See [`Event::AeadOpenFailed`].
    AeadOpenFailed {
        direction: Direction,
        seq: u64,
        tag: Bytes,
    },
    /// See [`Event::FinishedVerify`].
    FinishedVerify {
        label: &'static str,
        handshake_hash: Bytes,
        computed: Bytes,
        received: Bytes,
    },
    /// See [`Event::ApplicationData`].
    ApplicationData { direction: Direction, data: Bytes },
    /// See [`Event::AlertSent`].
    AlertSent(Alert),
    /// See [`Event::AlertReceived`].
    AlertReceived(Alert),
    /// See [`Event::ResumptionOffered`].
    ResumptionOffered {
        session_id: Bytes,
        ticket: Option<Bytes>,
        master_secret: Bytes,
    },
    /// See [`Event::SessionResumed`].
    SessionResumed { session_id: Bytes, master_secret: Bytes },
    /// See [`Event::Intercepted`].
    Intercepted {
        point: &'static str,
        before: Bytes,
        after: Bytes,
    },
    /// See [`Event::SessionHash`].
    SessionHash { session_hash: Bytes },
    /// See [`Event::ServerKeyChecked`].
    ServerKeyChecked { matches: bool, detail: String },
    /// See [`Event::FaultApplied`].
    FaultApplied {
        fault: crate::types::Fault,
        what: &'static str,
        before: Bytes,
        after: Bytes,
    },
    /// See [`Event::RsaPadding`].
    RsaPadding {
        padding_string: Bytes,
        encoded_block: Bytes,
    },
    /// See [`Event::RsaEncrypted`].
    RsaEncrypted { modulus_bits: usize, ciphertext: Bytes },
    /// See [`Event::DhKeyShare`].
    DhKeyShare {
        p_bits: usize,
        p: Bytes,
        g: Bytes,
        client_public: Bytes,
        server_public: Bytes,
    },
    /// See [`Event::DhSharedSecret`].
    DhSharedSecret { z: Bytes, leading_zeros_stripped: usize },
}

fn b(v: &[u8]) -> Bytes {
    Bytes::from_slice(v)
}

fn record(r: &super::RecordView<'_>) -> OwnedRecordView {
    OwnedRecordView {
        content_type: r.content_type,
        version: r.version,
        header: b(r.header),
        payload: b(r.payload),
        seq: r.seq,
        protected: r.protected,
    }
}

impl From<&Event<'_>> for OwnedEvent {
    fn from(e: &Event<'_>) -> OwnedEvent {
        match *e {
            Event::StateChanged { from, to } => OwnedEvent::StateChanged { from, to },
            Event::RecordOut(ref r) => OwnedEvent::RecordOut(record(r)),
            Event::RecordIn(ref r) => OwnedEvent::RecordIn(record(r)),
            Event::HandshakeOut { typ, raw } => OwnedEvent::HandshakeOut { typ, raw: b(raw) },
            Event::HandshakeIn { typ, raw } => OwnedEvent::HandshakeIn { typ, raw: b(raw) },
            Event::TranscriptAppended {
                typ,
                raw,
                running_hash,
            } => OwnedEvent::TranscriptAppended {
                typ,
                raw: b(raw),
                running_hash: b(running_hash),
            },
            Event::CertificateChecked {
                server_name,
                chain_len,
                verified,
                detail,
            } => OwnedEvent::CertificateChecked {
                server_name: server_name.to_owned(),
                chain_len,
                verified,
                detail: detail.to_owned(),
            },
            Event::SignatureChecked {
                scheme,
                signed,
                signature,
                valid,
            } => OwnedEvent::SignatureChecked {
                scheme,
                signed: b(signed),
                signature: b(signature),
                valid,
            },
            Event::KeyShare {
                group,
                client_public,
                server_public,
            } => OwnedEvent::KeyShare {
                group,
                client_public: b(client_public),
                server_public: b(server_public),
            },
            Event::PreMasterSecret(pms) => OwnedEvent::PreMasterSecret(b(pms)),
            Event::Prf(p) => OwnedEvent::Prf(OwnedPrfCall {
                purpose: p.purpose,
                hash: p.hash,
                secret: b(p.secret),
                label: b(p.label),
                seed: b(p.seed),
                a: p.a.iter().map(|x| b(x)).collect(),
                hmac_outputs: p.hmac_outputs.iter().map(|x| b(x)).collect(),
                output: b(p.output),
            }),
            Event::MasterSecret {
                client_random,
                server_random,
                master_secret,
            } => OwnedEvent::MasterSecret {
                client_random: b(client_random),
                server_random: b(server_random),
                master_secret: b(master_secret),
            },
            Event::KeyBlock(kb) => OwnedEvent::KeyBlock(kb.clone()),
            Event::MacInput(m) => OwnedEvent::MacInput(OwnedMacInput {
                direction: m.direction,
                seq: m.seq,
                pseudo_header: b(m.pseudo_header),
                fragment: b(m.fragment),
                mac: b(m.mac),
            }),
            Event::CbcPadding(p) => OwnedEvent::CbcPadding(OwnedPaddingView {
                direction: p.direction,
                seq: p.seq,
                padding_length: p.padding_length,
                padding: b(p.padding),
                well_formed: p.well_formed,
                first_bad: p.first_bad,
            }),
            Event::MacCompared {
                direction,
                seq,
                computed,
                received,
                equal,
            } => OwnedEvent::MacCompared {
                direction,
                seq,
                computed: b(computed),
                received: b(received),
                equal,
            },
            Event::AeadNonce(n) => OwnedEvent::AeadNonce(OwnedNonceParts {
                direction: n.direction,
                seq: n.seq,
                fixed_iv: b(n.fixed_iv),
                explicit: b(n.explicit),
                nonce: b(n.nonce),
            }),
            Event::AeadAad { direction, seq, aad } => OwnedEvent::AeadAad {
                direction,
                seq,
                aad: b(aad),
            },
            Event::AeadOpenFailed { direction, seq, tag } => OwnedEvent::AeadOpenFailed {
                direction,
                seq,
                tag: b(tag),
            },
            Event::FinishedVerify {
                label,
                handshake_hash,
                computed,
                received,
            } => OwnedEvent::FinishedVerify {
                label,
                handshake_hash: b(handshake_hash),
                computed: b(computed),
                received: b(received),
            },
            Event::ApplicationData { direction, data } => OwnedEvent::ApplicationData {
                direction,
                data: b(data),
            },
            Event::AlertSent(a) => OwnedEvent::AlertSent(a),
            Event::AlertReceived(a) => OwnedEvent::AlertReceived(a),
            Event::ResumptionOffered {
                session_id,
                ticket,
                master_secret,
            } => OwnedEvent::ResumptionOffered {
                session_id: b(session_id),
                ticket: ticket.map(b),
                master_secret: b(master_secret),
            },
            Event::Intercepted { point, before, after } => OwnedEvent::Intercepted {
                point,
                before: b(before),
                after: b(after),
            },
            Event::SessionHash { session_hash } => OwnedEvent::SessionHash {
                session_hash: b(session_hash),
            },
            Event::ServerKeyChecked { matches, detail } => OwnedEvent::ServerKeyChecked {
                matches,
                detail: detail.to_string(),
            },
            Event::FaultApplied {
                fault,
                what,
                before,
                after,
            } => OwnedEvent::FaultApplied {
                fault,
                what,
                before: b(before),
                after: b(after),
            },
            Event::SessionResumed {
                session_id,
                master_secret,
            } => OwnedEvent::SessionResumed {
                session_id: b(session_id),
                master_secret: b(master_secret),
            },
            Event::RsaPadding {
                padding_string,
                encoded_block,
            } => OwnedEvent::RsaPadding {
                padding_string: b(padding_string),
                encoded_block: b(encoded_block),
            },
            Event::RsaEncrypted {
                modulus_bits,
                ciphertext,
            } => OwnedEvent::RsaEncrypted {
                modulus_bits,
                ciphertext: b(ciphertext),
            },
            Event::DhKeyShare {
                p_bits,
                p,
                g,
                client_public,
                server_public,
            } => OwnedEvent::DhKeyShare {
                p_bits,
                p: b(p),
                g: b(g),
                client_public: b(client_public),
                server_public: b(server_public),
            },
            Event::DhSharedSecret {
                z,
                leading_zeros_stripped,
            } => OwnedEvent::DhSharedSecret {
                z: b(z),
                leading_zeros_stripped,
            },
        }
    }
}

impl OwnedEvent {
    /// The same name as [`Event::name`].
    pub fn name(&self) -> &'static str {
        match self {
            OwnedEvent::StateChanged { .. } => "state_changed",
            OwnedEvent::RecordOut(_) => "record_out",
            OwnedEvent::RecordIn(_) => "record_in",
            OwnedEvent::HandshakeOut { .. } => "handshake_out",
            OwnedEvent::HandshakeIn { .. } => "handshake_in",
            OwnedEvent::TranscriptAppended { .. } => "transcript_appended",
            OwnedEvent::CertificateChecked { .. } => "certificate_checked",
            OwnedEvent::SignatureChecked { .. } => "signature_checked",
            OwnedEvent::KeyShare { .. } => "key_share",
            OwnedEvent::PreMasterSecret(_) => "pre_master_secret",
            OwnedEvent::Prf(_) => "prf",
            OwnedEvent::MasterSecret { .. } => "master_secret",
            OwnedEvent::KeyBlock(_) => "key_block",
            OwnedEvent::MacInput(_) => "mac_input",
            OwnedEvent::CbcPadding(_) => "cbc_padding",
            OwnedEvent::MacCompared { .. } => "mac_compared",
            OwnedEvent::AeadNonce(_) => "aead_nonce",
            OwnedEvent::AeadAad { .. } => "aead_aad",
            OwnedEvent::AeadOpenFailed { .. } => "aead_open_failed",
            OwnedEvent::FinishedVerify { .. } => "finished_verify",
            OwnedEvent::ApplicationData { .. } => "application_data",
            OwnedEvent::AlertSent(_) => "alert_sent",
            OwnedEvent::AlertReceived(_) => "alert_received",
            OwnedEvent::ResumptionOffered { .. } => "resumption_offered",
            OwnedEvent::SessionResumed { .. } => "session_resumed",
            OwnedEvent::FaultApplied { .. } => "fault_applied",
            OwnedEvent::ServerKeyChecked { .. } => "server_key_checked",
            OwnedEvent::SessionHash { .. } => "session_hash",
            OwnedEvent::Intercepted { .. } => "intercepted",
            OwnedEvent::RsaPadding { .. } => "rsa_padding",
            OwnedEvent::RsaEncrypted { .. } => "rsa_encrypted",
            OwnedEvent::DhKeyShare { .. } => "dh_key_share",
            OwnedEvent::DhSharedSecret { .. } => "dh_shared_secret",
        }
    }
}

/// Keeps an owned copy of every event, in order.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// Every event seen so far.
    pub events: Vec<OwnedEvent>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// The names of the events, in order (compact to assert on a sequence).
    pub fn names(&self) -> Vec<&'static str> {
        self.events.iter().map(OwnedEvent::name).collect()
    }

    /// The first event called `name`.
    pub fn find(&self, name: &str) -> Option<&OwnedEvent> {
        self.events.iter().find(|e| e.name() == name)
    }

    /// The last event called `name`.
    pub fn find_last(&self, name: &str) -> Option<&OwnedEvent> {
        self.events.iter().rev().find(|e| e.name() == name)
    }

    /// Every event called `name`, in order.
    pub fn filter<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s OwnedEvent> + 's {
        self.events.iter().filter(move |e| e.name() == name)
    }

    /// How many events are called `name`.
    pub fn count(&self, name: &str) -> usize {
        self.filter(name).count()
    }

    /// Forgets every event recorded so far.
    pub fn clear(&mut self) {
        self.events.clear();
    }
}

impl Observer for Recorder {
    fn on_event(&mut self, event: &Event<'_>) {
        self.events.push(OwnedEvent::from(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::text::tests::sample_key_block;
    use crate::observer::{MacInput, NonceParts, PaddingView, PrfCall, RecordView};
    use crate::wire::AlertDescription;

    #[test]
    fn records_every_variant_in_order() {
        let kb = sample_key_block();
        let a = [vec![1], vec![2]];
        let h = [vec![3], vec![4]];
        let header = [22, 3, 3, 0, 1];
        let ph = [0u8; 13];
        let nonce = [9u8; 12];
        let (cr, sr, ms) = ([1u8; 32], [2u8; 32], [3u8; 48]);
        let rv = RecordView {
            content_type: ContentType::HANDSHAKE,
            version: ProtocolVersion::TLS12,
            header: &header,
            payload: &[1],
            seq: 0,
            protected: false,
        };
        let events = [
            Event::StateChanged {
                from: StateName::Start,
                to: StateName::ExpectServerHello,
            },
            Event::RecordOut(rv),
            Event::RecordIn(rv),
            Event::HandshakeOut {
                typ: HandshakeType::CLIENT_HELLO,
                raw: &[1, 0, 0, 0],
            },
            Event::HandshakeIn {
                typ: HandshakeType::SERVER_HELLO,
                raw: &[2, 0, 0, 0],
            },
            Event::TranscriptAppended {
                typ: HandshakeType::SERVER_HELLO,
                raw: &[2, 0, 0, 0],
                running_hash: &[7],
            },
            Event::CertificateChecked {
                server_name: "localhost",
                chain_len: 1,
                verified: true,
                detail: "ok",
            },
            Event::SignatureChecked {
                scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
                signed: &[1],
                signature: &[2],
                valid: true,
            },
            Event::KeyShare {
                group: NamedGroup::X25519,
                client_public: &[1],
                server_public: &[2],
            },
            Event::PreMasterSecret(&[5; 32]),
            Event::Prf(PrfCall {
                purpose: "master_secret",
                hash: PrfHash::Sha256,
                secret: &[5; 32],
                label: b"master secret",
                seed: &[1; 64],
                a: &a,
                hmac_outputs: &h,
                output: &ms,
            }),
            Event::MasterSecret {
                client_random: &cr,
                server_random: &sr,
                master_secret: &ms,
            },
            Event::KeyBlock(&kb),
            Event::MacInput(MacInput {
                direction: Direction::ClientToServer,
                seq: 1,
                pseudo_header: &ph,
                fragment: &[1],
                mac: &[2],
            }),
            Event::CbcPadding(PaddingView {
                direction: Direction::ServerToClient,
                seq: 1,
                padding_length: 1,
                padding: &[1],
                well_formed: true,
                first_bad: None,
            }),
            Event::MacCompared {
                direction: Direction::ServerToClient,
                seq: 1,
                computed: &[1],
                received: &[2],
                equal: false,
            },
            Event::AeadNonce(NonceParts {
                direction: Direction::ClientToServer,
                seq: 1,
                fixed_iv: &[9; 4],
                explicit: &[9; 8],
                nonce: &nonce,
            }),
            Event::AeadAad {
                direction: Direction::ClientToServer,
                seq: 1,
                aad: &ph,
            },
            Event::AeadOpenFailed {
                direction: Direction::ServerToClient,
                seq: 1,
                tag: &[0; 16],
            },
            Event::FinishedVerify {
                label: "client finished",
                handshake_hash: &[1],
                computed: &[2],
                received: &[2],
            },
            Event::ApplicationData {
                direction: Direction::ServerToClient,
                data: b"hi",
            },
            Event::AlertSent(Alert::fatal(AlertDescription(0xee))),
            Event::AlertReceived(Alert::warning(AlertDescription::CLOSE_NOTIFY)),
            Event::RsaPadding {
                padding_string: &[1; 8],
                encoded_block: &[2; 16],
            },
            Event::RsaEncrypted {
                modulus_bits: 128,
                ciphertext: &[3; 16],
            },
            Event::DhKeyShare {
                p_bits: 8,
                p: &[0xfb],
                g: &[2],
                client_public: &[4],
                server_public: &[5],
            },
            Event::DhSharedSecret {
                z: &[0, 7],
                leading_zeros_stripped: 1,
            },
        ];
        let mut rec = Recorder::new();
        for e in &events {
            rec.on_event(e);
        }
        let expected: Vec<&str> = events.iter().map(Event::name).collect();
        assert_eq!(rec.names(), expected);

        match rec.find("master_secret").unwrap() {
            OwnedEvent::MasterSecret {
                client_random,
                master_secret,
                ..
            } => {
                assert_eq!(client_random.as_slice(), &cr[..]);
                assert_eq!(master_secret.as_slice(), &ms[..]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(rec.find("key_block"), Some(&OwnedEvent::KeyBlock(kb.clone())));
        match rec.find("prf").unwrap() {
            OwnedEvent::Prf(p) => {
                assert_eq!(p.a, vec![Bytes(vec![1]), Bytes(vec![2])]);
                assert_eq!(&p.label[..], b"master secret");
                assert_eq!(p.hash, PrfHash::Sha256);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(rec.count("record_out"), 1);
        assert_eq!(rec.filter("alert_sent").count(), 1);
        assert_eq!(
            rec.find_last("alert_received"),
            Some(&OwnedEvent::AlertReceived(Alert::warning(
                AlertDescription::CLOSE_NOTIFY
            )))
        );
        assert!(rec.find("nonexistent").is_none());
        // Debug shows bytes as hex, which is what a failing assertion prints.
        assert!(format!("{:?}", rec.find("aead_open_failed").unwrap()).contains("tag: 00000000"));
    }
}
