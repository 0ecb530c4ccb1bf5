//! A Finished whose verify_data did not match: recompute
//!
//! ```text
//! verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
//! ```
//!
//! (RFC 5246 §7.4.9) under the other label, a transcript without each message
//! or with one more, the other hashes, and the other master secret derivations.

use super::cause::{Cause, FinishedLabel};
use super::report::{Certainty, Evidence, Explanation, Finding};
use super::{master_secret_findings, other_hash, FailedFinished, Secrets};
use crate::crypto::prf::compute_verify_data;
use crate::crypto::suites::PrfHash;
use crate::observer::Hooks;
use crate::types::HandshakeHasher;
use crate::wire::HandshakeType;

/// verify_data under one set of assumptions.
fn verify_data(
    master_secret: &[u8; 48],
    label: FinishedLabel,
    transcript_hash: PrfHash,
    prf: PrfHash,
    messages: &[&[u8]],
) -> [u8; 12] {
    let mut ctx = HandshakeHasher::new(transcript_hash);
    for m in messages {
        ctx.update(m);
    }
    let handshake_hash = ctx.finish();
    compute_verify_data(
        prf,
        master_secret,
        label.label(),
        &handshake_hash,
        &mut Hooks::none(),
    )
}

/// Records one recomputation: proven if it reproduces `received`.
fn check(
    n: &mut usize,
    received: &[u8],
    cause: Cause,
    what: String,
    value: [u8; 12],
    findings: &mut Vec<Finding>,
) {
    *n += 1;
    let evidence = Evidence::bytes(what, &value, received);
    findings.push(if value == received {
        Finding::proven(cause, evidence)
    } else {
        Finding::ruled_out(cause, evidence)
    });
}

/// Explains why a Finished did not verify. Proven only when a recomputation
/// reproduces the received verify_data.
pub fn explain_finished(secrets: &Secrets, finished: &FailedFinished) -> Explanation {
    // Every cause cites the RFC of the connection's version.
    explain_finished_findings(secrets, finished).in_version(secrets.version)
}

fn explain_finished_findings(secrets: &Secrets, finished: &FailedFinished) -> Explanation {
    let subject = format!(
        "Finished (\"{}\", {} transcript messages)",
        finished.label.label(),
        finished.transcript.len()
    );
    // The transcript also gives the session hash for the EMS variants.
    let mut secrets = secrets.clone();
    if secrets.handshake_messages.is_empty() {
        secrets.handshake_messages = finished.transcript.clone();
    }
    let Some(ms) = secrets.master_secret() else {
        return Explanation::new(
            subject,
            None,
            vec![],
            vec![],
            0,
            "neither the master secret nor the pre-master secret was given: nothing can be recomputed",
        );
    };
    let received = finished.received_verify_data.as_slice();
    let prf = secrets.prf();
    let label = finished.label;
    let all: Vec<&[u8]> = finished.transcript.iter().map(|(_, m)| m.as_slice()).collect();
    let mut n = 1usize;
    let computed = verify_data(&ms, label, prf, prf, &all);
    let expected = Evidence::bytes(
        format!(
            "verify_data with \"{}\", {} over {} messages, P_{}",
            label.label(),
            prf.name(),
            all.len(),
            prf.name()
        ),
        &computed,
        received,
    );
    if computed == received {
        let f = Finding::proven(Cause::NotReproduced, expected.clone());
        return Explanation::new(subject, Some(expected), vec![], vec![f], n, "");
    }

    let mut findings = master_secret_findings(&secrets, &ms, &mut n);
    check(
        &mut n,
        received,
        Cause::FinishedLabelSwapped {
            expected: label,
            used: label.other(),
        },
        format!("label \"{}\"", label.other().label()),
        verify_data(&ms, label.other(), prf, prf, &all),
        &mut findings,
    );
    for (i, (typ, _)) in finished.transcript.iter().enumerate() {
        let mut without = all.clone();
        without.remove(i);
        check(
            &mut n,
            received,
            Cause::TranscriptMissing { index: i, typ: *typ },
            format!("transcript without message {i} ({typ})"),
            verify_data(&ms, label, prf, prf, &without),
            &mut findings,
        );
    }
    // Extra messages: each unhashed message (a HelloRequest at least) at each
    // position, and each message hashed twice (a retransmission counted again).
    let hello_request = (HandshakeType::HELLO_REQUEST, vec![0u8, 0, 0, 0]);
    let mut extras = finished.unhashed_messages.clone();
    if !extras.contains(&hello_request) {
        extras.push(hello_request);
    }
    for (typ, raw) in &extras {
        let mut found = None;
        for pos in 0..=all.len() {
            let mut with = all.clone();
            with.insert(pos, raw.as_slice());
            n += 1;
            if verify_data(&ms, label, prf, prf, &with) == received {
                found = Some(pos);
                break;
            }
        }
        let cause = |index| Cause::TranscriptExtra { index, typ: *typ };
        findings.push(match found {
            Some(pos) => Finding::proven(
                cause(pos),
                Evidence::bytes(
                    format!("transcript with {typ} hashed at position {pos}"),
                    received,
                    received,
                ),
            ),
            None => Finding::ruled_out(
                cause(0),
                Evidence::reason(format!("transcript with {typ} at any position: none matches")),
            ),
        });
    }
    for i in 0..all.len() {
        let mut twice = all.clone();
        twice.insert(i, all[i]);
        n += 1;
        let value = verify_data(&ms, label, prf, prf, &twice);
        if value == received {
            let typ = finished.transcript[i].0;
            findings.push(Finding::proven(
                Cause::TranscriptExtra { index: i + 1, typ },
                Evidence::bytes(
                    format!("transcript with message {i} ({typ}) hashed twice"),
                    &value,
                    received,
                ),
            ));
        }
    }
    for (th, p) in [
        (other_hash(prf), prf),
        (prf, other_hash(prf)),
        (other_hash(prf), other_hash(prf)),
    ] {
        check(
            &mut n,
            received,
            Cause::FinishedHash {
                transcript_hash: th,
                prf: p,
            },
            format!("{} over the messages, P_{}", th.name(), p.name()),
            verify_data(&ms, label, th, p, &all),
            &mut findings,
        );
    }
    let ems = secrets.extended_master_secret;
    if let Some(ms_alt) = secrets.master_secret_under(!ems, prf) {
        check(
            &mut n,
            received,
            Cause::ExtendedMasterSecret {
                expected: ems,
                used: !ems,
            },
            format!("master secret {} EMS", if ems { "without" } else { "with" }),
            verify_data(&ms_alt, label, prf, prf, &all),
            &mut findings,
        );
    }
    let alt = other_hash(prf);
    if let Some(ms_alt) = secrets.master_secret_under(ems, alt) {
        check(
            &mut n,
            received,
            Cause::PrfHash {
                expected: prf,
                used: alt,
            },
            format!("master secret, transcript hash and PRF all with {}", alt.name()),
            verify_data(&ms_alt, label, alt, alt, &all),
            &mut findings,
        );
    }
    if let Some(peer) = secrets.peer_master_secret.filter(|p| *p != ms) {
        check(
            &mut n,
            received,
            Cause::MasterSecretDiffers,
            "verify_data under the peer's logged master secret".into(),
            verify_data(&peer, label, prf, prf, &all),
            &mut findings,
        );
    }

    let mut facts = vec![];
    if !findings.iter().any(|f| f.certainty == Certainty::Proven) {
        let decide = "Compare the handshake messages each side hashed, byte for byte: the peer's message log (`openssl s_server -msg`, `gnutls-serv -d 9`) against ours";
        if finished.record_verified {
            facts.push(
                "the record carrying this Finished verified under our keys, so the sender's master secret equals ours"
                    .to_string(),
            );
            findings.push(Finding::plausible(
                Cause::TranscriptDiffers,
                75,
                Evidence::reason(
                    "same master secret, no single missing, extra or duplicated message and no other hash or label reproduces it",
                ),
                decide,
            ));
            findings.push(Finding::plausible(
                Cause::WrongVerifyData,
                20,
                Evidence::reason("the sender's Finished computation itself may be wrong"),
                "The sender's own debug output of verify_data and its handshake hash",
            ));
            for cause in [Cause::MasterSecretDiffers, Cause::PreMasterSecretDiffers] {
                findings.push(Finding::ruled_out(
                    cause,
                    Evidence::reason("the record carrying the Finished verified: the record keys, hence the master secret, agree"),
                ));
            }
        } else {
            findings.push(Finding::plausible(
                Cause::MasterSecretDiffers,
                50,
                Evidence::reason("nothing in the catalogue reproduces the value, and nothing shows the master secrets agree"),
                "The peer's master secret for this client_random (its key log) decides it",
            ));
            findings.push(Finding::plausible(
                Cause::TranscriptDiffers,
                40,
                Evidence::reason("a handshake message may have been altered in transit"),
                decide,
            ));
        }
    }
    Explanation::new(
        subject,
        Some(expected),
        facts,
        findings,
        n,
        "no assumption in the catalogue reproduces the verify_data",
    )
}
