//! Why did the MAC fail? Hypothesis testing for failed records, failed
//! Finished messages, and alerts the server sends after our Finished.
//!
//! A TLS stack that rejects a record says `bad_record_mac` and nothing more,
//! on purpose: a more precise answer on the wire is a padding oracle
//! (Vaudenay 2002). The *debugger* of a connection holds every secret,
//! though, so it can do better: recompute the value that failed under a
//! catalogue of alternative assumptions and see which one makes it verify.
//!
//! ```text
//!  failed record ──► recompute under ─┬─ the connection's own keys, seq_num, version  (the failure itself)
//!                                     ├─ the other direction's keys                   RFC 5246 §6.3
//!                                     ├─ seq_num − 3 … + 3, and "not reset at CCS"    RFC 5246 §6.1
//!                                     ├─ other version bytes in the MAC input / AAD   RFC 5246 §6.2.3.1
//!                                     ├─ MAC-then-encrypt ⇄ encrypt-then-MAC          RFC 7366 §3
//!                                     ├─ key schedule with the other PRF hash         RFC 5246 §5
//!                                     ├─ master secret with ⇄ without EMS             RFC 7627 §4
//!                                     └─ every single flipped bit (small records)     corruption in transit
//!  failed Finished ─► recompute verify_data under the other label, the transcript
//!                     minus each message or plus one, other hashes, EMS ⇄ no EMS    RFC 5246 §7.4.9
//!  alert after our Finished ─► check what *we* sent first (our record verifies? our
//!                     verify_data is right?), then reason about what the server
//!                     must have computed (RSA key mismatch, EMS, PRF, EtM, transcript)
//! ```
//!
//! **A cause is reported as certain only when a recomputation proves it**:
//! the MAC or tag verifies, or verify_data matches, under that assumption (a
//! 20-byte or longer MAC matching by chance is out of the question). When
//! nothing verifies, the causes that remain are ranked by the evidence (did
//! earlier records verify? is the CBC padding intact?) and each says what
//! evidence would decide it. An AEAD tag failure on the first record, for
//! instance, looks the same whether the key is wrong or a bit changed on the
//! wire, and the report says so instead of guessing.
//!
//! Every recomputation uses the crate's own building blocks
//! (`crypto::prf`, `compute_key_block`, `RecordLayerState::open` and its
//! verifier twins), never a second copy of them; the only composition written
//! here is the encrypt-then-MAC check of RFC 7366 §3 (see `record.rs`), until
//! the record layer offers it.
//!
//! Inputs are plain owned data, so the live client and the offline capture
//! analysis call the same three functions: [`explain_record`],
//! [`explain_finished`] and [`explain_peer_complaint`], and name what they
//! find with the one catalogue of [`Cause`]s. The live client feeds a
//! [`FailureRecorder`] (the record, Finished or complaint that failed) and a
//! [`Debrief`] (what its handshake derived and sent) as it goes;
//! [`FailureRecorder::explain`] turns them into those inputs.

mod cause;
#[doc(hidden)]
pub mod evidence;
mod finished;
mod live;
pub mod notices;
mod peer;
mod record;
mod report;

pub use cause::{BitPosition, Cause, FinishedLabel};
#[doc(hidden)]
pub use finished::explain_finished;
#[doc(hidden)]
pub use live::{Debrief, Messages};
#[doc(hidden)]
pub use live::{FailureRecorder, LiveSession};
#[doc(hidden)]
pub use peer::explain_peer_complaint;
#[doc(hidden)]
pub use record::explain_record;
#[doc(hidden)]
pub use record::flip_search_limit;
pub use report::{Certainty, Evidence, Explanation, Finding, Verdict};

use crate::crypto::key_block::{compute_key_block, KeyBlock};
use crate::crypto::prf::{compute_extended_master_secret, compute_master_secret};
use crate::crypto::ssl3;
use crate::crypto::suites::{PrfHash, SuiteInfo};
use crate::observer::Hooks;
use crate::types::HandshakeHasher;
use crate::wire::{AlertDescription, Direction, HandshakeType, ProtocolVersion};

/// What the explainer knows about the connection's secrets.
///
/// Only `suite`, the randoms and one of `master_secret` / `pre_master_secret`
/// are needed; every other field lets more hypotheses be tested.
#[derive(Clone, Debug)]
#[doc(hidden)]
pub struct Secrets {
    /// The negotiated suite (its PRF hash, cipher and MAC).
    pub suite: &'static SuiteInfo,
    /// The negotiated version: SSL 3.0 has its own key schedule and record
    /// MAC (RFC 6101), TLS 1.0/1.1 the MD5 ‖ SHA-1 PRF, TLS 1.0 and SSL 3.0
    /// chained CBC IVs.
    pub version: ProtocolVersion,
    /// Our master secret. When absent it is derived from `pre_master_secret`.
    pub master_secret: Option<[u8; 48]>,
    /// Our pre-master secret: needed to test master-secret variants (EMS ⇄ no
    /// EMS, the other PRF hash) and, with RSA key exchange, the version check.
    pub pre_master_secret: Option<Vec<u8>>,
    /// `ClientHello.random`.
    pub client_random: [u8; 32],
    /// `ServerHello.random`.
    pub server_random: [u8; 32],
    /// Whether the extended master secret (RFC 7627) was negotiated.
    pub extended_master_secret: bool,
    /// Whether encrypt_then_mac (RFC 7366) was negotiated.
    pub encrypt_then_mac: bool,
    /// `session_hash` of RFC 7627 §3 (hash of the handshake messages up to and
    /// including ClientKeyExchange) under the suite's hash, if known. Not
    /// needed when `handshake_messages` reaches ClientKeyExchange.
    pub session_hash: Option<Vec<u8>>,
    /// The handshake messages of this handshake as far as known, in order,
    /// each with its 4-byte header (may be empty). Used to recompute the
    /// session hash under another hash and to read ClientHello.client_version.
    pub handshake_messages: Vec<(HandshakeType, Vec<u8>)>,
    /// The master secret the *peer* logged for this client_random, when
    /// available (`openssl s_server -keylogfile`, an `SSLKEYLOGFILE`): it
    /// turns "the keys probably differ" into a proof either way.
    pub peer_master_secret: Option<[u8; 48]>,
    /// Whether the hellos agreed on extended_master_secret, when known. If it
    /// differs from `extended_master_secret` (what our key schedule did), our
    /// side broke RFC 7627 §4 and that alone explains a peer's complaint.
    pub negotiated_extended_master_secret: Option<bool>,
}

impl Secrets {
    /// Secrets with only the suite and randoms set; fill in the rest.
    pub fn new(suite: &'static SuiteInfo, client_random: [u8; 32], server_random: [u8; 32]) -> Secrets {
        Secrets {
            suite,
            version: ProtocolVersion::TLS12,
            master_secret: None,
            pre_master_secret: None,
            client_random,
            server_random,
            extended_master_secret: false,
            encrypt_then_mac: false,
            session_hash: None,
            handshake_messages: Vec::new(),
            peer_master_secret: None,
            negotiated_extended_master_secret: None,
        }
    }

    /// RFC 7627 §3 `session_hash` under `hash`: from the handshake messages
    /// (through ClientKeyExchange) when they are known, else the given one if
    /// its length fits `hash`.
    fn session_hash_under(&self, hash: PrfHash) -> Option<Vec<u8>> {
        let cke = self
            .handshake_messages
            .iter()
            .position(|(t, _)| *t == HandshakeType::CLIENT_KEY_EXCHANGE);
        if let Some(end) = cke {
            let mut ctx = HandshakeHasher::new(hash);
            for (_, raw) in &self.handshake_messages[..=end] {
                ctx.update(raw);
            }
            return Some(ctx.finish());
        }
        self.session_hash.clone().filter(|h| h.len() == hash.len())
    }

    /// The master secret derived from the pre-master secret with or without
    /// EMS, with the PRF hash `hash` (RFC 5246 §8.1, RFC 7627 §4). `None`
    /// without a pre-master secret (or, for EMS, without a session hash),
    /// except that the given master secret answers for the negotiated case.
    fn master_secret_under(&self, ems: bool, hash: PrfHash) -> Option<[u8; 48]> {
        if ems == self.extended_master_secret && hash == self.prf() {
            if let Some(ms) = self.master_secret {
                return Some(ms);
            }
        }
        let pms = self.pre_master_secret.as_deref()?;
        let mut hooks = Hooks::none();
        if self.version == ProtocolVersion::SSL3 {
            // SSL 3.0 has one derivation only (RFC 6101 §6.1): no PRF hash, no EMS.
            return (!ems && hash == self.prf()).then(|| {
                ssl3::compute_master_secret(pms, &self.client_random, &self.server_random, &mut hooks)
            });
        }
        Some(if ems {
            compute_extended_master_secret(hash, pms, &self.session_hash_under(hash)?, &mut hooks)
        } else {
            compute_master_secret(hash, pms, &self.client_random, &self.server_random, &mut hooks)
        })
    }

    /// Our master secret as negotiated.
    fn master_secret(&self) -> Option<[u8; 48]> {
        self.master_secret_under(self.extended_master_secret, self.prf())
    }

    /// The PRF (and transcript hash) of the negotiated version: the suite's
    /// for TLS 1.2, MD5 ‖ SHA-1 for TLS 1.0/1.1 (RFC 2246 §5). SSL 3.0 has
    /// no PRF; it answers MD5 ‖ SHA-1 too, the two hashes its own
    /// constructions combine, and nothing varies it.
    pub fn prf(&self) -> PrfHash {
        if self.version == ProtocolVersion::SSL3 {
            PrfHash::Md5Sha1
        } else {
            self.suite.prf_for(self.version)
        }
    }

    /// The key block `master_secret` expands to with `hash` as the PRF (RFC
    /// 5246 §6.3; RFC 2246 §6.3 with the IVs for TLS 1.0); for SSL 3.0 its
    /// own expansion (RFC 6101 §6.2.2). A hash that is not the version's
    /// expands as TLS 1.2 would.
    fn key_block(&self, master_secret: &[u8; 48], hash: PrfHash) -> KeyBlock {
        let (cr, sr, mut hooks) = (&self.client_random, &self.server_random, Hooks::none());
        if self.version == ProtocolVersion::SSL3 {
            return ssl3::compute_key_block(self.suite, master_secret, cr, sr, &mut hooks);
        }
        if hash == self.prf() {
            return compute_key_block(self.suite, self.version, master_secret, cr, sr, &mut hooks);
        }
        // A modified copy of the suite row: same lengths, other PRF hash.
        let suite = SuiteInfo {
            prf: hash,
            ..*self.suite
        };
        compute_key_block(&suite, ProtocolVersion::TLS12, master_secret, cr, sr, &mut hooks)
    }

    /// Whether the suite uses RSA key exchange (`TLS_RSA_WITH_*`), where a
    /// server that cannot decrypt the pre-master secret carries on with a
    /// random one (RFC 5246 §7.4.7.1) and the failure shows only at Finished.
    fn is_rsa_key_exchange(&self) -> bool {
        self.suite.name().starts_with("TLS_RSA_WITH_")
    }

    /// `ClientHello.client_version`, read from the first ClientHello we hold.
    fn client_hello_version(&self) -> Option<ProtocolVersion> {
        let (_, raw) = self
            .handshake_messages
            .iter()
            .find(|(t, _)| *t == HandshakeType::CLIENT_HELLO)?;
        let v = raw.get(4..6)?;
        Some(ProtocolVersion(u16::from_be_bytes([v[0], v[1]])))
    }
}

/// The PRF hash a confused peer would use instead: the other one of TLS 1.2,
/// or for TLS 1.0/1.1 the TLS 1.2 default P_SHA256 (a peer that runs the
/// key schedule of the wrong version).
fn other_hash(h: PrfHash) -> PrfHash {
    match h {
        PrfHash::Sha256 => PrfHash::Sha384,
        PrfHash::Sha384 | PrfHash::Md5Sha1 => PrfHash::Sha256,
    }
}

/// A protected record that did not verify, as received (or, for a peer's
/// complaint, as we sent it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct FailedRecord {
    /// Who sent it: `ServerToClient` records are protected with the
    /// server_write keys, `ClientToServer` ones with the client_write keys.
    pub direction: Direction,
    /// The receiver's `seq_num` for this record (0 for the first record after
    /// ChangeCipherSpec).
    pub seq: u64,
    /// The 5-byte record header as received.
    pub header: [u8; 5],
    /// The payload as received: explicit IV or nonce, ciphertext, MAC or tag.
    pub payload: Vec<u8>,
    /// How many records from the same sender verified under the same keys
    /// before this one. More than zero means the keys are right.
    pub previous_records_ok: u64,
    /// How many records the sender sent in this direction before its first
    /// protected record, ChangeCipherSpec included, if known: a sender that
    /// forgets to reset `seq_num` at ChangeCipherSpec continues from there.
    pub records_before_change_cipher_spec: Option<u64>,
    /// SSL 3.0 and TLS 1.0 (chained IVs): the last ciphertext block of the
    /// sender's previous protected record, the IV this record must use.
    /// `None` for the first record after ChangeCipherSpec (which uses the
    /// key block's write IV) and for versions with explicit IVs.
    pub previous_last_block: Option<[u8; 16]>,
    /// SSL 3.0 and TLS 1.0: other IVs a broken chain may have used, each
    /// named by where it comes from (an earlier record's last block, the
    /// other direction's chain). The explainer adds the key block's write
    /// IVs and the explicit-IV reading itself.
    pub other_ivs: Vec<(String, [u8; 16])>,
    /// SSL 3.0 and TLS 1.0: the single bit the explainer found flipped in
    /// the sender's previous record, when it lies in that record's last
    /// ciphertext block, which is this record's IV. The flip garbles this
    /// record's first plaintext block too; the explainer proves it by
    /// verifying this record under the restored block.
    pub previous_flip: Option<PreviousFlip>,
    /// RC4: how many key stream bytes the sender used under these keys
    /// before this record (the stream runs on across records, RFC 2246
    /// §6.2.3.1); 0 for every other cipher.
    pub stream_position: u64,
}

/// A flipped bit found in the previous record's last ciphertext block (see
/// [`FailedRecord::previous_flip`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousFlip {
    /// How the failed record is named ("record #7").
    pub record: String,
    /// How the previous record, where the flip was found, is named.
    pub previous: String,
    /// The previous record's last 16 ciphertext bytes with the flipped bit
    /// restored (the tail is the IV of an 8-byte block cipher).
    pub restored_last_block: [u8; 16],
}

impl FailedRecord {
    /// Splits one whole record (header and payload) as it was on the wire.
    /// `None` if it is shorter than a header.
    pub fn from_wire(direction: Direction, seq: u64, record: &[u8]) -> Option<FailedRecord> {
        let header: [u8; 5] = record.get(..5)?.try_into().ok()?;
        Some(FailedRecord {
            direction,
            seq,
            header,
            payload: record.get(5..).unwrap_or_default().to_vec(),
            previous_records_ok: 0,
            records_before_change_cipher_spec: None,
            previous_last_block: None,
            other_ivs: Vec::new(),
            previous_flip: None,
            stream_position: 0,
        })
    }
}

/// A Finished whose verify_data did not match (one we received), or the one
/// we sent (for a peer's complaint).
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct FailedFinished {
    /// Whose Finished: it decides the PRF label.
    pub label: FinishedLabel,
    /// `handshake_messages` as the receiver holds them: every handshake
    /// message before this Finished, in order, each with its 4-byte header.
    pub transcript: Vec<(HandshakeType, Vec<u8>)>,
    /// The verify_data in the message.
    pub received_verify_data: Vec<u8>,
    /// Whether the record that carried it verified under keys from the same
    /// master secret. Then the peer's master secret equals ours, which rules
    /// out every key-schedule cause.
    pub record_verified: bool,
    /// Handshake messages seen but deliberately not hashed (HelloRequest,
    /// RFC 5246 §7.4.1.1), each tried as an extra transcript entry. A
    /// HelloRequest is always tried.
    pub unhashed_messages: Vec<(HandshakeType, Vec<u8>)>,
}

/// When the peer's alert came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub enum ComplaintPoint {
    /// In answer to our ClientHello (no keys yet).
    AfterClientHello,
    /// After our ClientKeyExchange, ChangeCipherSpec and Finished.
    AfterOurFinished,
    /// After our application-data record with this `seq_num`.
    AfterOurRecord {
        /// Its `seq_num`.
        seq: u64,
    },
}

/// The server's public key as its certificate states it and the public key of
/// the private key the operator believes the server uses (`--server-key`),
/// each in the same encoding (for example the DER SubjectPublicKeyInfo).
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct KeyPairCheck {
    /// From the certificate the server sent.
    pub certificate_public_key: Vec<u8>,
    /// Derived from the operator's private key file.
    pub server_key_public_key: Vec<u8>,
}

/// A fatal alert from the server after we sent something protected: what the
/// server received from us, so the explainer can recompute the server's side.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct PeerComplaint {
    /// The alert the server sent.
    pub alert: AlertDescription,
    /// When.
    pub after: ComplaintPoint,
    /// Our first protected record (the Finished) exactly as sent, with
    /// `direction` `ClientToServer`, so it can be checked as the server would.
    pub record_sent: Option<FailedRecord>,
    /// Our Finished: the transcript we hashed and the verify_data we sent
    /// (`label` `Client`).
    pub finished_sent: Option<FailedFinished>,
    /// The `--server-key` check, when the operator gave a key.
    pub server_key: Option<KeyPairCheck>,
}

/// Findings about the master secret itself, when the peer's is known: proven
/// different (and, if a variant of ours reproduces it, proven how), or ruled out.
fn master_secret_findings(secrets: &Secrets, ours: &[u8; 48], recomputations: &mut usize) -> Vec<Finding> {
    let Some(peer) = secrets.peer_master_secret else {
        return vec![];
    };
    if peer == *ours {
        return vec![Finding::ruled_out(
            Cause::MasterSecretDiffers,
            Evidence::bytes(
                "the peer's logged master secret equals ours: both sides share the key schedule's input",
                ours,
                &peer,
            ),
        )];
    }
    let mut out = vec![Finding::proven(
        Cause::MasterSecretDiffers,
        Evidence::bytes(
            "our master secret (computed) against the one the peer logged (received)",
            ours,
            &peer,
        ),
    )];
    let suite_hash = secrets.prf();
    let ems = secrets.extended_master_secret;
    let variants = [
        (
            !ems,
            suite_hash,
            Cause::ExtendedMasterSecret {
                expected: ems,
                used: !ems,
            },
        ),
        (
            ems,
            other_hash(suite_hash),
            Cause::PrfHash {
                expected: suite_hash,
                used: other_hash(suite_hash),
            },
        ),
    ];
    let mut explained = false;
    for (v_ems, v_hash, cause) in variants {
        if let Some(ms) = secrets.master_secret_under(v_ems, v_hash) {
            *recomputations += 1;
            let what = format!(
                "master secret from our pre-master secret {} EMS with P_{} (computed) against the peer's (received)",
                if v_ems { "with" } else { "without" },
                v_hash.name()
            );
            if ms == peer {
                explained = true;
                out.push(Finding::proven(cause, Evidence::bytes(what, &ms, &peer)));
            } else {
                out.push(Finding::ruled_out(cause, Evidence::bytes(what, &ms, &peer)));
            }
        }
    }
    if !explained && secrets.pre_master_secret.is_some() {
        out.push(Finding::proven(
            Cause::PreMasterSecretDiffers,
            Evidence::reason(
                "no derivation from our pre-master secret (with or without EMS, either PRF hash) gives the peer's master secret",
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::lookup;
    use crate::wire::CipherSuite;

    #[test]
    fn session_hash_stops_at_client_key_exchange() {
        let suite = lookup(CipherSuite(0xc02f)).unwrap();
        let mut s = Secrets::new(suite, [1; 32], [2; 32]);
        s.handshake_messages = vec![
            (HandshakeType::CLIENT_HELLO, vec![1, 0, 0, 2, 3, 3]),
            (HandshakeType::CLIENT_KEY_EXCHANGE, vec![16, 0, 0, 0]),
            (HandshakeType::FINISHED, vec![20, 0, 0, 0]),
        ];
        let expected = ring::digest::digest(&ring::digest::SHA256, &[1, 0, 0, 2, 3, 3, 16, 0, 0, 0]);
        assert_eq!(s.session_hash_under(PrfHash::Sha256).unwrap(), expected.as_ref());
        assert_eq!(s.client_hello_version(), Some(ProtocolVersion::TLS12));
        assert!(!s.is_rsa_key_exchange());
        // Without a pre-master secret only the negotiated master secret is available.
        s.master_secret = Some([9; 48]);
        assert_eq!(s.master_secret(), Some([9; 48]));
        assert_eq!(s.master_secret_under(true, PrfHash::Sha256), None);
    }
}
