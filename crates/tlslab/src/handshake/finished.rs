//! The server's ChangeCipherSpec (RFC 5246 §7.1) and Finished (§7.4.9).

use super::client_flight::{send_change_cipher_spec, send_finished};
use super::{Context, Established, ExpectChangeCipherSpec, ExpectFinished, State};
use crate::bytes::Bytes;
use crate::crypto::prf;
use crate::error::{Error, HandshakeError, Received};
use crate::observer::Event;
use crate::wire::messages::{Finished, NewSessionTicket};
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
    // (In ExpectNewSessionTicket this is refused too: RFC 5077 §3.3 says a server
    // that acknowledged session_ticket sends NewSessionTicket, even empty, first.)
    let State::ExpectChangeCipherSpec(st) = state else {
        return Err(Error::Handshake(HandshakeError::UnexpectedMessage {
            state: state.name(),
            expected: state.expects(),
            got: Received::ChangeCipherSpec,
        }));
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
        return Err(Error::Handshake(HandshakeError::UnexpectedMessage {
            state: super::StateName::ExpectChangeCipherSpec,
            expected: "the rest of a fragmented handshake message",
            got: Received::ChangeCipherSpec,
        }));
    }
    cx.read.change_protection(*st.pending_read);
    Ok(State::ExpectFinished(ExpectFinished {
        randoms: st.randoms,
        suite: st.suite,
        master_secret: st.master_secret,
        pending_write: st.pending_write,
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
// ANCHOR: verify_server_finished
#[inline(never)]
pub(super) fn verify_server_finished(
    st: ExpectFinished,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<State, Error> {
    let finished = Finished::decode(body)?;
    let handshake_hash = cx.transcript.current_hash();
    let verify_data: [u8; 12] = prf::compute_verify_data(
        st.suite.prf_for(cx.version()),
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
        return Err(Error::Handshake(HandshakeError::FinishedMismatch {
            computed: verify_data.to_vec(),
            received: finished.verify_data,
        }));
    }
    cx.transcript.append(HandshakeType::FINISHED, raw, &mut cx.hooks);
    // RFC 5929 §3.1: in an abbreviated handshake the server's Finished is
    // the first. Not without the extended master secret: the triple
    // handshake attack (Bhargavan et al., 2014; RFC 7627 §1) makes two
    // resumptions of one such session share their Finished values through a
    // man in the middle, so the binding would bind nothing.
    if cx.session.tls_unique.is_none() && (!cx.session.resumed || cx.session.extended_master_secret) {
        cx.session.tls_unique = Some(Bytes(finished.verify_data.clone()));
    }
    // Abbreviated handshake: now our ChangeCipherSpec and Finished (RFC 5246 §7.3, Figure 2).
    if let Some(write) = st.pending_write {
        send_change_cipher_spec(cx, *write, out)?;
        send_finished(cx, st.suite, &st.master_secret, out)?;
    }
    Ok(State::Established(Established {
        randoms: st.randoms,
        suite: st.suite,
        master_secret: st.master_secret,
    }))
}
// ANCHOR_END: verify_server_finished

/// Compares two byte strings without an early exit: the time taken depends on
/// the lengths only, never on where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// NewSessionTicket (RFC 5077 §3.3): a ticket to resume this session with later,
/// sent after our Finished and before the server's ChangeCipherSpec.
#[inline(never)]
pub(super) fn handle_new_session_ticket(
    st: ExpectChangeCipherSpec,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let ticket = NewSessionTicket::decode(body)?;
    cx.transcript
        .append(HandshakeType::NEW_SESSION_TICKET, raw, &mut cx.hooks);
    // An empty ticket means "no ticket this time" (RFC 5077 §3.3).
    if !ticket.ticket.is_empty() {
        cx.session.new_ticket = Some((ticket.ticket_lifetime_hint, Bytes(ticket.ticket)));
    }
    Ok(State::ExpectChangeCipherSpec(st))
}
