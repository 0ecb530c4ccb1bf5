//! The server's side of a failure: a fatal alert after our Finished.
//!
//! We cannot see what the server computed, but we can recompute what it
//! *received*: first, whether our own record and verify_data are right (if
//! not, that is proven and is the answer); then, if they are, the alert says
//! which of the server's values must differ from ours:
//!
//! * `bad_record_mac`: the server could not verify our first protected
//!   record, so its record keys differ from ours: a different pre-master
//!   secret (RSA: its key does not match its certificate, or the version in
//!   the pre-master secret is wrong, and RFC 5246 §7.4.7.1 makes it go on
//!   with a random one), EMS or PRF-hash disagreement, or MAC-then-encrypt
//!   against encrypt-then-MAC.
//! * `decrypt_error`: the record verified, so the keys (hence the master
//!   secret) agree; verify_data differs, so the handshake messages hashed differ.
//! * `handshake_failure`: negotiation; some servers also use it for a Finished
//!   they cannot verify.

use super::cause::Cause;
use super::master_secret_findings;
use super::report::{Certainty, Evidence, Explanation, Finding, Verdict};
use super::{explain_finished, explain_record, ComplaintPoint, PeerComplaint, Secrets};
use crate::wire::{AlertDescription, HandshakeType, ProtocolVersion};

const KEYLOG: &str = "the server's master secret for this client_random (`openssl s_server -keylogfile`, SSLKEYLOGFILE) compared with ours";

/// Explains a server's fatal alert, from what it received.
pub fn explain_peer_complaint(secrets: &Secrets, complaint: &PeerComplaint) -> Explanation {
    // Every cause cites the RFC of the connection's version.
    explain_peer_complaint_findings(secrets, complaint).in_version(secrets.version)
}

fn explain_peer_complaint_findings(secrets: &Secrets, complaint: &PeerComplaint) -> Explanation {
    let alert = complaint.alert;
    let when = match complaint.after {
        ComplaintPoint::AfterClientHello => "after our ClientHello".to_string(),
        ComplaintPoint::AfterOurFinished => "after our Finished".to_string(),
        ComplaintPoint::AfterOurRecord { seq } => format!("after our record seq {seq}"),
    };
    let subject = format!("server sent {alert} {when}");
    let mut findings = vec![];
    let mut facts = vec![];
    let mut n = 0usize;

    // 1. Our record, checked as the server checks it. Our Finished always
    //    carries 16 bytes of plaintext, so its protected length is known: a
    //    shorter record was cut (the header length fixed up to match).
    let mut record_ok = None;
    if let (Some(rec), ComplaintPoint::AfterOurFinished) = (&complaint.record_sent, complaint.after) {
        let expected = finished_record_len(secrets);
        if rec.payload.len() < expected {
            findings.push(Finding::proven(
                Cause::TruncatedRecord { declared: expected, received: rec.payload.len() },
                Evidence::reason(format!(
                    "our Finished (16 bytes of plaintext) protected with {} is {expected} bytes; the record we sent has {}",
                    secrets.suite.name(),
                    rec.payload.len()
                )),
            ));
        }
    }
    if let Some(rec) = &complaint.record_sent {
        let e = explain_record(secrets, rec);
        n += e.recomputations;
        match &e.verdict {
            Verdict::Certain(Cause::NotReproduced) => {
                record_ok = Some(true);
                facts.push(format!(
                    "our record seq {} verifies under our own {} keys: the server received what our key schedule intended",
                    rec.seq, rec.direction
                ));
            }
            _ => {
                record_ok = Some(false);
                facts.push(format!(
                    "our record seq {} does NOT verify under our own keys: we sent a bad record",
                    rec.seq
                ));
                findings.extend(
                    e.ranked
                        .into_iter()
                        .filter(|f| f.certainty != Certainty::RuledOut),
                );
            }
        }
    }

    // 2. Our verify_data, recomputed from the transcript we hold.
    let mut finished_ok = None;
    if let Some(fin) = &complaint.finished_sent {
        let e = explain_finished(secrets, fin);
        n += e.recomputations;
        match &e.verdict {
            Verdict::Certain(Cause::NotReproduced) => {
                finished_ok = Some(true);
                facts.push(
                    "the verify_data we sent is the correct value for the transcript and master secret we hold"
                        .into(),
                );
            }
            Verdict::Certain(_) => {
                finished_ok = Some(false);
                facts.push("the verify_data we sent is not the correct value".into());
                findings.extend(e.ranked.into_iter().filter(|f| f.certainty == Certainty::Proven));
            }
            _ => {
                finished_ok = Some(false);
                findings.push(Finding::proven(
                    Cause::WrongVerifyData,
                    e.expected.unwrap_or_default(),
                ));
            }
        }
    }

    // 3. Our key schedule against what the hellos agreed.
    if let Some(agreed) = secrets.negotiated_extended_master_secret {
        if agreed != secrets.extended_master_secret {
            findings.push(Finding::proven(
                Cause::ExtendedMasterSecret { expected: agreed, used: secrets.extended_master_secret },
                Evidence::reason(format!(
                    "the hellos agreed extended_master_secret={agreed}, but our master secret was derived {} it (RFC 7627 §4): the server derived another master secret",
                    if secrets.extended_master_secret { "with" } else { "without" }
                )),
            ));
        }
    }

    let proven_on_our_side = findings.iter().any(|f| f.certainty == Certainty::Proven);
    if !proven_on_our_side {
        findings.extend(server_side(
            secrets,
            complaint,
            record_ok,
            finished_ok,
            &mut facts,
            &mut n,
        ));
    }
    Explanation::new(
        subject,
        None,
        facts,
        findings,
        n,
        "the alert has no recomputation here",
    )
}

/// What the server must have computed differently, given that what we sent
/// was right (or could not be checked).
fn server_side(
    secrets: &Secrets,
    complaint: &PeerComplaint,
    record_ok: Option<bool>,
    finished_ok: Option<bool>,
    facts: &mut Vec<String>,
    n: &mut usize,
) -> Vec<Finding> {
    let mut out = vec![];
    let alert = complaint.alert;
    let after_finished = complaint.after != ComplaintPoint::AfterClientHello;
    let keys_alert =
        alert == AlertDescription::BAD_RECORD_MAC || alert == AlertDescription::DECRYPTION_FAILED;
    let handshake_failure = alert == AlertDescription::HANDSHAKE_FAILURE;

    if alert == AlertDescription::HANDSHAKE_FAILURE && !after_finished {
        out.push(Finding::plausible(
            Cause::NegotiationFailed,
            85,
            Evidence::reason("the alert came before any key was agreed"),
            "`tlslab diagnose HOST:PORT` tries suites, groups and extensions one by one and shows which the server accepts",
        ));
        return out;
    }

    // The server's own key log settles whether the keys differ, and a variant
    // of our derivation that reproduces its master secret says why.
    if let (true, Some(ours), Some(_)) = (keys_alert, secrets.master_secret, secrets.peer_master_secret) {
        let found = master_secret_findings(secrets, &ours, n);
        if found.iter().any(|f| f.certainty == Certainty::Proven) {
            facts.push("the server's key log shows a different master secret from ours".into());
            // The specific cause first, the generic "master secrets differ" after it.
            let (generic, specific): (Vec<_>, Vec<_>) = found
                .into_iter()
                .partition(|f| f.cause == Cause::MasterSecretDiffers);
            out.extend(specific);
            out.extend(generic);
            return out;
        }
    }

    if keys_alert || handshake_failure {
        // Facts about the master secret, when the server's is known.
        if let Some(ms) = secrets.master_secret() {
            let ms_findings = super::master_secret_findings(secrets, &ms, n);
            let settled = !ms_findings.is_empty();
            out.extend(ms_findings);
            if settled {
                // Proven equal or proven different: the rest is ranked below only if equal.
                if out.iter().any(|f| f.certainty == Certainty::Proven) {
                    return out;
                }
            }
        }
        let ms_equal = out
            .iter()
            .any(|f| f.cause == Cause::MasterSecretDiffers && f.certainty == Certainty::RuledOut);
        let weight = if handshake_failure { 2 } else { 1 }; // handshake_failure is less specific: halve scores

        if secrets.is_rsa_key_exchange() {
            // RFC 5246 §7.4.7.1: the server checks the first two bytes of the
            // pre-master secret against ClientHello.client_version (a version
            // rollback defence); on mismatch, as on a decryption failure, it
            // continues with a random pre-master secret so as not to become a
            // Bleichenbacher oracle.
            if let (Some(pms), Some(v)) = (&secrets.pre_master_secret, secrets.client_hello_version()) {
                *n += 1;
                if let Some(b) = pms.get(..2) {
                    let in_pms = ProtocolVersion(u16::from_be_bytes([b[0], b[1]]));
                    let cause = Cause::RsaPreMasterVersion {
                        client_hello: v,
                        in_pre_master: in_pms,
                    };
                    let ev = Evidence::bytes(
                        "ClientHello.client_version (computed) against the first two bytes of the pre-master secret (received)",
                        &v.0.to_be_bytes(),
                        b,
                    );
                    if in_pms != v {
                        out.push(Finding::proven(cause, ev));
                        return out;
                    }
                    out.push(Finding::ruled_out(cause, ev));
                }
            }
            let mut key_matches = None;
            if let Some(k) = &complaint.server_key {
                *n += 1;
                let ev = Evidence::bytes(
                    "public key of the operator's server key (computed) against the certificate's (received)",
                    &k.server_key_public_key,
                    &k.certificate_public_key,
                );
                if k.server_key_public_key != k.certificate_public_key {
                    out.push(Finding::proven(Cause::ServerKeyMismatch, ev));
                    return out;
                }
                key_matches = Some(true);
                out.push(Finding::ruled_out(Cause::ServerKeyMismatch, ev));
            }
            if !ms_equal {
                let score = if key_matches == Some(true) { 40 } else { 75 };
                out.push(Finding::plausible(
                    Cause::PreMasterSecretDiffers,
                    score / weight,
                    Evidence::reason(if record_ok == Some(true) {
                        "our record verifies under our own keys, yet the server rejects it: its keys differ. With RSA key exchange a server that cannot decrypt the pre-master secret goes on with a random one (RFC 5246 §7.4.7.1, the Bleichenbacher countermeasure), and the failure shows only now"
                    } else {
                        "with RSA key exchange a server that cannot decrypt the pre-master secret goes on with a random one (RFC 5246 §7.4.7.1, the Bleichenbacher countermeasure), and the failure shows only at Finished"
                    }),
                    format!("`--server-key FILE` checks the server's private key against its certificate; or {KEYLOG}"),
                ));
                if key_matches.is_none() {
                    out.push(Finding::plausible(
                        Cause::ServerKeyMismatch,
                        60 / weight,
                        Evidence::reason("the usual reason a server cannot decrypt the pre-master secret"),
                        "`--server-key FILE` (the key the server is configured with) is compared with the certificate's public key",
                    ));
                }
            }
        } else if !ms_equal {
            out.push(Finding::plausible(
                Cause::PreMasterSecretDiffers,
                45 / weight,
                Evidence::reason("the server may have computed a different (EC)DHE shared secret"),
                KEYLOG,
            ));
        }
        if !ms_equal {
            if secrets.extended_master_secret || secrets.pre_master_secret.is_some() {
                out.push(Finding::plausible(
                    Cause::ExtendedMasterSecret {
                        expected: secrets.extended_master_secret,
                        used: !secrets.extended_master_secret,
                    },
                    35 / weight,
                    Evidence::reason(
                        "one side may derive the master secret with the session hash and the other without",
                    ),
                    format!("{KEYLOG}: the explainer then tests both derivations"),
                ));
            }
            out.push(Finding::plausible(
                Cause::PrfHash {
                    expected: secrets.prf(),
                    used: super::other_hash(secrets.prf()),
                },
                15 / weight,
                Evidence::reason(
                    "a server that runs the key schedule with the wrong hash derives other keys",
                ),
                KEYLOG,
            ));
        }
        if !secrets.suite.is_aead() {
            out.push(Finding::plausible(
                Cause::EncryptThenMacMismatch {
                    negotiated: secrets.encrypt_then_mac,
                },
                25 / weight,
                Evidence::reason(format!(
                    "CBC suite: the server may {} encrypt-then-MAC although the ServerHello {}",
                    if secrets.encrypt_then_mac { "not apply" } else { "apply" },
                    if secrets.encrypt_then_mac { "confirmed it" } else { "did not confirm it" }
                )),
                "A handshake with encrypt_then_mac not offered (or `-no_etm` on the server): if it works, this is it",
            ));
        }
        out.push(Finding::plausible(
            Cause::CorruptedInTransit { bit: None },
            10 / weight,
            Evidence::reason("a middlebox may have altered our record"),
            "A capture at the server compared with what we sent",
        ));
        if handshake_failure {
            facts.push(
                "some servers answer a Finished they cannot decrypt or verify with handshake_failure instead of bad_record_mac or decrypt_error"
                    .into(),
            );
        }
    }

    if alert == AlertDescription::DECRYPT_ERROR || handshake_failure {
        facts.push(if alert == AlertDescription::DECRYPT_ERROR {
            "decrypt_error after our Finished: the server's record check passed, so its keys and master secret equal ours; what differs is the verify_data, computed over the handshake messages".into()
        } else {
            "if the server's record check passed, the difference lies in the handshake messages hashed".to_string()
        });
        let weight = if handshake_failure { 2 } else { 1 };
        let mut score = 75;
        if finished_ok == Some(true) {
            score = 80;
        }
        out.push(Finding::plausible(
            Cause::TranscriptDiffers,
            score / weight,
            Evidence::reason(
                "our verify_data is right for the messages we hashed, so the server hashed other bytes (a middlebox that rewrote a message, or a server that hashes a message differently)",
            ),
            "Compare the server's message log (`openssl s_server -msg`, `gnutls-serv -d 9`) with our handshake messages byte for byte",
        ));
        let sent_certificate_verify = complaint.finished_sent.as_ref().is_some_and(|f| {
            f.transcript
                .iter()
                .any(|(t, _)| *t == HandshakeType::CERTIFICATE_VERIFY)
        });
        if sent_certificate_verify {
            out.push(Finding::plausible(
                Cause::CertificateVerifyRejected,
                60 / weight,
                Evidence::reason("decrypt_error is also the answer to a CertificateVerify signature that does not verify"),
                "Verify our CertificateVerify signature with our certificate's public key over the transcript hash",
            ));
        }
        if alert == AlertDescription::DECRYPT_ERROR {
            for cause in [
                Cause::PreMasterSecretDiffers,
                Cause::ExtendedMasterSecret {
                    expected: secrets.extended_master_secret,
                    used: !secrets.extended_master_secret,
                },
            ] {
                out.push(Finding::ruled_out(
                    cause,
                    Evidence::reason(
                        "the server decrypted and verified our record, so the master secrets agree",
                    ),
                ));
            }
        }
    }

    if out.is_empty() {
        out.push(Finding::plausible(
            Cause::PeerAlert { alert },
            50,
            Evidence::reason(format!(
                "{alert} {}",
                if after_finished { "after our Finished" } else { "" }
            )),
            "The server's log names the check that failed",
        ));
    }
    out
}

/// The payload length of a record carrying our 16-byte Finished message under
/// the suite (RFC 5246 §6.2.3): explicit nonce + plaintext + tag (AEAD), or
/// IV + whole blocks of plaintext, MAC and padding (CBC, either MAC order;
/// no IV in the record for TLS 1.0 and SSL 3.0, whose IVs are chained).
fn finished_record_len(secrets: &Secrets) -> usize {
    const FINISHED: usize = 16;
    let suite = secrets.suite;
    if suite.is_aead() {
        return suite.record_iv_len() + FINISHED + 16;
    }
    let mac = suite.mac.len();
    let iv = suite.record_iv_len_for(secrets.version);
    let blocks = |n: usize| (n / 16 + 1) * 16; // padding always adds 1..=16 bytes
    if secrets.encrypt_then_mac {
        iv + blocks(FINISHED) + mac
    } else {
        iv + blocks(FINISHED + mac)
    }
}
