//! ServerKeyExchange for ECDHE (RFC 5246 §7.4.3, RFC 8422 §5.4).

use super::{Context, ExpectServerHelloDone, ExpectServerKeyExchange, State};
use crate::crypto::signature::verify_server_signature;
use crate::error::Error;
use crate::observer::Event;
use crate::wire::messages::ServerKeyExchangeEcdhe;
use crate::wire::HandshakeType;

/// Checks the server's ephemeral parameters and their signature.
///
/// 1. The group must be one we offered in supported_groups (RFC 8422 §5.4).
/// 2. The signature scheme must be one we offered in signature_algorithms
///    (RFC 5246 §7.4.1.4.1): otherwise a weak scheme could be forced on us.
/// 3. The signature covers `client_random + server_random + params`
///    (RFC 5246 §7.4.3): both randoms bind it to this handshake, so an old
///    signed ServerKeyExchange cannot be replayed.
#[inline(never)]
pub(super) fn handle_server_key_exchange(
    st: ExpectServerKeyExchange,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let server_key_exchange = ServerKeyExchangeEcdhe::decode(body)?;
    cx.transcript
        .append(HandshakeType::SERVER_KEY_EXCHANGE, raw, &mut cx.hooks);
    let params = &server_key_exchange.params;

    // 1.
    if !cx.config.groups.contains(&params.named_curve) {
        return Err(Error::IllegalParameter(format!(
            "server picked group {}, which we did not offer",
            params.named_curve
        )));
    }
    // 2.
    let scheme = server_key_exchange.signed.scheme;
    if !cx.config.signature_schemes.contains(&scheme) {
        return Err(Error::IllegalParameter(format!(
            "server signed with {scheme}, which we did not offer in signature_algorithms"
        )));
    }
    // 3.
    let mut signed = Vec::with_capacity(64 + server_key_exchange.params_raw.len());
    signed.extend_from_slice(&st.randoms.client_random);
    signed.extend_from_slice(&st.randoms.server_random);
    signed.extend_from_slice(&server_key_exchange.params_raw);
    let signature = &server_key_exchange.signed.signature;
    let verdict = verify_server_signature(&st.server_key, scheme, &signed, signature);
    cx.hooks.emit(&Event::SignatureChecked {
        scheme,
        signed: &signed,
        signature,
        valid: verdict.is_ok(),
    });
    verdict?;

    cx.session.group = Some(params.named_curve);
    Ok(State::ExpectServerHelloDone(ExpectServerHelloDone {
        randoms: st.randoms,
        suite: st.suite,
        server_params: server_key_exchange.params,
        certificate_requested: false,
    }))
}
