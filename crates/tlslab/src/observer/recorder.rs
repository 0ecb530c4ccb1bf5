//! An observer that keeps an owned copy of every event, for tests and for
//! tools that look at a handshake after it ran.
//!
//! [`OwnedEvent`] is declared with [`Event`], from the same variant list (see
//! `event.rs`).

use super::{Event, Observer, OwnedEvent};

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
    #[doc(hidden)]
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
    #[doc(hidden)]
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
    use crate::bytes::Bytes;
    use crate::observer::text::tests::sample_key_block;
    use crate::observer::{MacInput, NonceParts, PaddingView, PrfCall, RecordView};
    use crate::types::PrfHash;
    use crate::types::StateName;
    use crate::wire::{
        Alert, AlertDescription, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion,
        SignatureScheme,
    };

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
                halves: &[],
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
            Event::ResumptionOffered {
                session_id: &[1; 32],
                ticket: Some(&[2; 80]),
                master_secret: &ms,
            },
            Event::ResumptionOffered {
                session_id: &[],
                ticket: None,
                master_secret: &ms,
            },
            Event::SessionResumed {
                session_id: &[1; 32],
                master_secret: &ms,
            },
            Event::Intercepted {
                point: "master_secret",
                before: &[1],
                after: &[2],
            },
            Event::SessionHash {
                session_hash: &[7; 32],
            },
            Event::ServerKeyChecked {
                matches: false,
                detail: "the key is not the certificate's \"key\"",
            },
            Event::FaultApplied {
                fault: crate::types::Fault::BadPadding { record: 1 },
                what: "padding",
                before: &[1],
                after: &[2],
            },
        ];
        let mut rec = Recorder::new();
        for e in &events {
            rec.on_event(e);
        }
        let expected: Vec<&str> = events.iter().map(Event::name).collect();
        assert_eq!(rec.names(), expected);
        // The owned copy serializes to the same JSON object.
        for (e, owned) in events.iter().zip(&rec.events) {
            assert_eq!(
                serde_json::to_string(owned).unwrap(),
                crate::observer::JsonLog::format_event(e, false)
            );
        }

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
