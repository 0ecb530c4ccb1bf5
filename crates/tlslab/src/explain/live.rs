//! What a live connection keeps for the explainer: the handshake's debrief
//! (what we derived and sent) and a recorder of what failed (the failing
//! record, the server's Finished, the server's complaint). The client feeds
//! both as it goes and holds protocol state only; [`FailureRecorder::explain`]
//! turns them into the explainer's inputs.

use super::{
    explain_finished, explain_peer_complaint, explain_record, ComplaintPoint, Explanation, FailedFinished,
    FailedRecord, FinishedLabel, KeyPairCheck, PeerComplaint, Secrets,
};
use crate::crypto::rsa_kx::{RsaPrivateKey, RsaPublicKey};
use crate::crypto::suites::SuiteInfo;
use crate::wire::{AlertDescription, Direction, HandshakeType, ProtocolVersion, RecordHeader};

/// Handshake messages in order, each with its 4-byte header.
pub type Messages = Vec<(HandshakeType, Vec<u8>)>;

/// The values the explainer needs after a failure: what we derived and what
/// we sent, kept as the handshake goes (a few hundred bytes).
#[derive(Clone, Debug, Default)]
pub struct Debrief {
    /// The pre-master secret we used (after any fault or edit).
    pub pre_master_secret: Option<Vec<u8>>,
    /// The master secret we used.
    pub master_secret: Option<[u8; 48]>,
    /// session_hash (RFC 7627 §3) at the time the master secret was derived.
    pub session_hash: Option<Vec<u8>>,
    /// Whether our master secret was derived the RFC 7627 way (normally: when
    /// negotiated; a fault can make it differ).
    pub used_extended_master_secret: bool,
    /// Our first protected record (the Finished), exactly as sent.
    pub first_record_sent: Option<Vec<u8>>,
    /// Our latest protected record after the Finished: (record number, bytes as sent).
    pub last_record_sent: Option<(u64, Vec<u8>)>,
    /// SSL 3.0 and TLS 1.0: the chained IV [`Debrief::last_record_sent`] was
    /// sealed under (the last ciphertext block of our record before it, as
    /// we sealed it). `None` with explicit IVs.
    pub last_record_sent_iv: Option<[u8; 16]>,
    /// The transcript our Finished covered, and the verify_data we sent.
    pub finished_sent: Option<(Messages, Vec<u8>)>,
    /// Plaintext records the server sent before its ChangeCipherSpec.
    pub server_records_before_ccs: u64,
}

/// What went wrong.
#[derive(Clone, Debug)]
enum LiveFailure {
    /// A server record did not verify.
    Record { seq: u64, record: Vec<u8> },
    /// The server's Finished did not match.
    ServerFinished { transcript: Messages, received: Vec<u8> },
    /// The server sent a fatal alert after we had sent protected records.
    Complaint {
        alert: AlertDescription,
        after_finished: bool,
    },
}

/// Records the server's records as they are opened and keeps the first
/// thing that failed, for [`FailureRecorder::explain`].
#[derive(Clone, Debug, Default)]
pub struct FailureRecorder {
    /// The last protected record as received, until it verifies.
    raw_record: Vec<u8>,
    /// Protected records from the server that verified.
    records_ok: u64,
    /// The last ciphertext block of each protected server record that
    /// verified: the links of a chained-IV connection (TLS 1.0), for the
    /// explainer's "wrong IV chain".
    last_blocks: Vec<[u8; 16]>,
    failure: Option<LiveFailure>,
}

/// What the session negotiated, as far as the explainer needs it.
#[derive(Clone, Copy, Debug)]
pub struct LiveSession<'a> {
    /// The negotiated suite.
    pub suite: Option<&'static SuiteInfo>,
    /// The negotiated version (TLS 1.2 when not known).
    pub version: Option<ProtocolVersion>,
    /// `ClientHello.random`.
    pub client_random: Option<[u8; 32]>,
    /// `ServerHello.random`.
    pub server_random: Option<[u8; 32]>,
    /// The master secret of the session being resumed, if any.
    pub resumed_master_secret: Option<[u8; 48]>,
    /// Whether the hellos agreed on extended_master_secret.
    pub extended_master_secret: bool,
    /// Whether encrypt_then_mac was negotiated.
    pub encrypt_then_mac: bool,
    /// The handshake messages hashed so far.
    pub handshake_messages: &'a [(HandshakeType, &'a [u8])],
    /// How many protected records we sent.
    pub records_protected: u64,
    /// The server's certificate (leaf), if it sent one.
    pub server_certificate: Option<&'a [u8]>,
    /// The operator's private key of the server (`--server-key`), PEM or DER.
    pub server_key: Option<&'a [u8]>,
}

impl FailureRecorder {
    /// A protected server record arrived: keep its bytes until it verifies.
    pub fn protected_record_received(&mut self, header: &RecordHeader, payload: &[u8]) {
        self.raw_record.clear();
        self.raw_record.extend_from_slice(&header.encode());
        self.raw_record.extend_from_slice(payload);
    }

    /// A server record opened; `protected` if it was protected.
    pub fn record_verified(&mut self, protected: bool) {
        self.records_ok += u64::from(protected);
        if protected && self.raw_record.len() >= 5 + 16 {
            if let Some(last) = self.raw_record.last_chunk::<16>() {
                self.last_blocks.push(*last);
            }
        }
    }

    /// The last protected record received failed its MAC or tag at `seq`.
    pub fn record_failed(&mut self, seq: u64) {
        self.failure = Some(LiveFailure::Record {
            seq,
            record: self.raw_record.clone(),
        });
    }

    /// The server's Finished did not match: `transcript` is what we hashed.
    pub fn server_finished_failed(&mut self, transcript: Messages, received: &[u8]) {
        self.failure = Some(LiveFailure::ServerFinished {
            transcript,
            received: received.to_vec(),
        });
    }

    /// The server sent a fatal alert after we protected something.
    pub fn server_complained(&mut self, alert: AlertDescription, after_finished: bool) {
        self.failure = Some(LiveFailure::Complaint {
            alert,
            after_finished,
        });
    }

    /// Why the connection failed, recomputed under the explainer's catalogue
    /// of causes: for a server record that did not verify, a server Finished
    /// that did not match, or a fatal alert from the server after our
    /// Finished. `None` when nothing of that kind failed.
    pub fn explain(
        &self,
        session: &LiveSession<'_>,
        d: &Debrief,
        peer_master_secret: Option<[u8; 48]>,
    ) -> Option<Explanation> {
        let failure = self.failure.as_ref()?;
        let mut secrets = Secrets::new(session.suite?, session.client_random?, session.server_random?);
        secrets.version = session.version.unwrap_or(ProtocolVersion::TLS12);
        secrets.master_secret = d.master_secret.or(session.resumed_master_secret);
        secrets.pre_master_secret = d.pre_master_secret.clone();
        // What our key schedule did (a fault may have made it differ from what
        // was negotiated): the explainer recomputes the alternatives from there.
        secrets.extended_master_secret = if d.master_secret.is_some() {
            d.used_extended_master_secret
        } else {
            session.extended_master_secret
        };
        secrets.encrypt_then_mac = session.encrypt_then_mac;
        secrets.session_hash = d.session_hash.clone();
        secrets.handshake_messages = session
            .handshake_messages
            .iter()
            .map(|(t, m)| (*t, m.to_vec()))
            .collect();
        secrets.peer_master_secret = peer_master_secret;
        secrets.negotiated_extended_master_secret = Some(session.extended_master_secret);
        Some(match failure {
            LiveFailure::Record { seq, record } => {
                let mut failed = FailedRecord::from_wire(Direction::ServerToClient, *seq, record)?;
                failed.previous_records_ok = self.records_ok;
                failed.records_before_change_cipher_spec = Some(d.server_records_before_ccs);
                // Below TLS 1.2 a CBC record's IV may be chained (TLS 1.0),
                // or chained by mistake (TLS 1.1): hand over the chain.
                if secrets.version != ProtocolVersion::TLS12 && !secrets.suite.is_aead() {
                    failed.previous_last_block = self.last_blocks.last().copied();
                    let n = self.last_blocks.len();
                    failed.other_ivs = self
                        .last_blocks
                        .iter()
                        .rev()
                        .enumerate()
                        .skip(1)
                        .take(8)
                        .map(|(i, b)| {
                            (
                                format!(
                                    "the last ciphertext block of protected server record {}, {} records before this one",
                                    n - i,
                                    i + 1
                                ),
                                *b,
                            )
                        })
                        .collect();
                }
                explain_record(&secrets, &failed)
            }
            LiveFailure::ServerFinished { transcript, received } => explain_finished(
                &secrets,
                &FailedFinished {
                    label: FinishedLabel::Server,
                    transcript: transcript.clone(),
                    received_verify_data: received.clone(),
                    record_verified: true,
                    unhashed_messages: vec![],
                },
            ),
            LiveFailure::Complaint {
                alert,
                after_finished,
            } => {
                // The record the server complained about: our Finished, or the
                // latest application record (its seq_num is its record number).
                let record_sent = match (&d.last_record_sent, after_finished) {
                    (Some((n, r)), false) => {
                        FailedRecord::from_wire(Direction::ClientToServer, *n, r).map(|mut f| {
                            // TLS 1.0: the record was sealed under our chain,
                            // not the key block's IV (which only the Finished
                            // uses): with it, a flipped bit can be proven.
                            f.previous_last_block = d.last_record_sent_iv;
                            f
                        })
                    }
                    _ => d
                        .first_record_sent
                        .as_ref()
                        .and_then(|r| FailedRecord::from_wire(Direction::ClientToServer, 0, r)),
                };
                let finished_sent = d.finished_sent.as_ref().map(|(transcript, vd)| FailedFinished {
                    label: FinishedLabel::Client,
                    transcript: transcript.clone(),
                    received_verify_data: vd.clone(),
                    record_verified: false,
                    unhashed_messages: vec![],
                });
                let after = if *after_finished {
                    ComplaintPoint::AfterOurFinished
                } else {
                    ComplaintPoint::AfterOurRecord {
                        seq: session.records_protected.saturating_sub(1),
                    }
                };
                // --server-key: both public halves as moduli, for the explainer to compare.
                let server_key = match (session.server_key, session.server_certificate) {
                    (Some(key), Some(leaf)) => {
                        let private = RsaPrivateKey::from_pem_or_der(key).ok();
                        let public = RsaPublicKey::from_certificate(leaf).ok();
                        private.zip(public).map(|(k, c)| KeyPairCheck {
                            certificate_public_key: c.modulus(),
                            server_key_public_key: k.public_key().modulus(),
                        })
                    }
                    _ => None,
                };
                explain_peer_complaint(
                    &secrets,
                    &PeerComplaint {
                        alert: *alert,
                        after,
                        record_sent,
                        finished_sent,
                        server_key,
                    },
                )
            }
        })
    }
}
