//! CertificateRequest (RFC 5246 §7.4.4) and ServerHelloDone (§7.4.5), which
//! ends the server's first flight and triggers ours.

use super::client_flight::{
    derive_key_block, derive_master_secret, send_change_cipher_spec, send_client_key_exchange,
    send_empty_certificate, send_finished,
};
use super::{Context, ExpectChangeCipherSpec, ExpectServerHelloDone, State};
use crate::bytes::Bytes;
use crate::error::{Error, HandshakeError, Received};
use crate::record::{Protection, RecordOptions};
use crate::wire::messages::decode_empty;
use crate::wire::{Direction, HandshakeType, Reader};

/// The server asks for a client certificate. We have none, so we will answer
/// with an empty Certificate (RFC 5246 §7.4.6); the server decides whether
/// that is acceptable.
#[inline(never)]
pub(super) fn handle_certificate_request(
    mut st: ExpectServerHelloDone,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let mut r = Reader::new(body);
    let mut types = r.vec_u8("CertificateRequest.certificate_types")?;
    if types.is_empty() {
        return Err(r
            .invalid("CertificateRequest.certificate_types", "empty list")
            .into());
    }
    // supported_signature_algorithms arrived with TLS 1.2 (RFC 5246
    // §7.4.4); a TLS 1.0/1.1 CertificateRequest has none (RFC 2246 §7.4.4).
    if !crate::crypto::suites::is_legacy(cx.version()) {
        let algs = r.vec_u16("CertificateRequest.supported_signature_algorithms")?;
        if algs.remaining() % 2 != 0 {
            return Err(r
                .invalid("CertificateRequest.supported_signature_algorithms", "odd length")
                .into());
        }
    }
    r.vec_u16("CertificateRequest.certificate_authorities")?;
    r.expect_empty("CertificateRequest")?;
    if st.certificate_requested {
        return Err(Error::Handshake(HandshakeError::UnexpectedMessage {
            state: super::StateName::ExpectServerHelloDone,
            expected: "ServerHelloDone",
            got: Received::Handshake(HandshakeType::CERTIFICATE_REQUEST),
        }));
    }
    cx.transcript
        .append(HandshakeType::CERTIFICATE_REQUEST, raw, &mut cx.hooks);
    cx.session.requested_certificate_types = Some(Bytes(types.rest().to_vec()));
    st.certificate_requested = true;
    Ok(State::ExpectServerHelloDone(st))
}

/// ServerHelloDone: the server's flight is complete; send ours.
///
/// 1. `[Certificate]` (empty) if the server asked for one.
/// 2. ClientKeyExchange: our ephemeral public key; pre_master_secret from ECDH.
/// 3. master_secret from the pre-master secret (RFC 5246 §8.1 or RFC 7627 §4).
/// 4. key_block, split into the named keys (§6.3).
/// 5. ChangeCipherSpec, after which our records use the client_write keys (§7.1).
/// 6. Finished with verify_data over every handshake message so far (§7.4.9).
#[inline(never)]
pub(super) fn handle_server_hello_done(
    st: ExpectServerHelloDone,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<State, Error> {
    decode_empty(body, "ServerHelloDone")?;
    cx.transcript
        .append(HandshakeType::SERVER_HELLO_DONE, raw, &mut cx.hooks);

    // 1.
    if st.certificate_requested {
        send_empty_certificate(cx, out)?;
    }
    // 2.
    let pre_master_secret = send_client_key_exchange(cx, &st.key_exchange, out)?;
    // 3.
    let master_secret = derive_master_secret(cx, &pre_master_secret, &st.randoms);
    // 4.
    let key_block = derive_key_block(cx, st.suite, &master_secret, &st.randoms);
    let options = RecordOptions::for_version(cx.version(), cx.session.encrypt_then_mac);
    let pending_read =
        Protection::from_key_block_with(st.suite, &key_block, Direction::ServerToClient, options)?;
    let write = Protection::from_key_block_with(st.suite, &key_block, Direction::ClientToServer, options)?;
    // 5.
    send_change_cipher_spec(cx, write, out)?;
    // 6.
    send_finished(cx, st.suite, &master_secret, out)?;

    let next = ExpectChangeCipherSpec {
        randoms: st.randoms,
        suite: st.suite,
        master_secret,
        pending_read: Box::new(pending_read),
        pending_write: None,
    };
    Ok(if cx.session.ticket_expected {
        State::ExpectNewSessionTicket(next)
    } else {
        State::ExpectChangeCipherSpec(next)
    })
}
