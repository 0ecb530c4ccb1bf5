//! The server's ChangeCipherSpec (RFC 5246 §7.1) and Finished (§7.4.9).

use super::{Context, Established, ExpectFinished, State};
use crate::crypto::prf;
use crate::error::Error;
use crate::observer::Event;
use crate::wire::messages::Finished;
use crate::wire::HandshakeType;

/// The server's ChangeCipherSpec: from the next record on, the server's records
/// are protected with the server_write keys, from sequence number 0.
///
/// 1. It is only valid right after our Finished (a CCS that arrives earlier
///    would switch keys before they are agreed: the CCS-injection attack,
///    CVE-2014-0224).
/// 2. Its body is exactly one byte, 1.
/// 3. It must not interrupt a handshake message split over records.
#[inline(never)]
pub(crate) fn handle_change_cipher_spec(
    state: State,
    cx: &mut Context<'_>,
    body: &[u8],
    handshake_pending: bool,
) -> Result<State, Error> {
    // 1.
    let State::ExpectChangeCipherSpec(st) = state else {
        return Err(Error::UnexpectedMessage {
            state: state.name(),
            expected: state.expects(),
            got: "ChangeCipherSpec".into(),
        });
    };
    // 2.
    if body != [1] {
        return Err(crate::error::DecodeError {
            what: "ChangeCipherSpec",
            offset: 0,
            reason: crate::error::DecodeReason::Invalid("body must be the single byte 1"),
        }
        .into());
    }
    // 3.
    if handshake_pending {
        return Err(Error::UnexpectedMessage {
            state: super::StateName::ExpectChangeCipherSpec,
            expected: "the rest of a fragmented handshake message",
            got: "ChangeCipherSpec".into(),
        });
    }
    cx.read.change_protection(*st.pending_read);
    Ok(State::ExpectFinished(ExpectFinished {
        randoms: st.randoms,
        suite: st.suite,
        master_secret: st.master_secret,
    }))
}

/// The server's Finished:
///
/// ```text
/// verify_data = PRF(master_secret, "server finished", Hash(handshake_messages))[0..11];
/// ```
///
/// where handshake_messages runs up to our own Finished. A mismatch means the
/// two sides do not share the master secret or saw different handshakes
/// (tampering, a downgrade), so it is fatal: `decrypt_error` (RFC 5246 §7.4.9).
#[inline(never)]
pub(super) fn verify_server_finished(
    st: ExpectFinished,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let finished = Finished::decode(body)?;
    let handshake_hash = cx.transcript.current_hash();
    let verify_data: [u8; 12] = prf::compute_verify_data(
        st.suite.prf,
        &st.master_secret,
        "server finished",
        &handshake_hash,
        &mut cx.hooks,
    );
    cx.hooks.emit(&Event::FinishedVerify {
        label: "server finished",
        handshake_hash: &handshake_hash,
        computed: &verify_data,
        received: &finished.verify_data,
    });
    // Constant-time: the comparison must not tell an attacker how many leading
    // bytes of a forged verify_data were right.
    if !constant_time_eq(&verify_data, &finished.verify_data) {
        return Err(Error::FinishedMismatch {
            computed: verify_data.to_vec(),
            received: finished.verify_data,
        });
    }
    cx.transcript.append(HandshakeType::FINISHED, raw, &mut cx.hooks);
    Ok(State::Established(Established {
        randoms: st.randoms,
        suite: st.suite,
        master_secret: st.master_secret,
    }))
}

/// Compares two byte strings without an early exit: the time taken depends on
/// the lengths only, never on where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
