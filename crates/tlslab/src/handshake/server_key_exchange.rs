//! ServerKeyExchange (RFC 5246 §7.4.3): ECDHE (RFC 8422 §5.4) or finite-field
//! DHE parameters, signed with the certificate's key. RSA key transport
//! suites have no ServerKeyExchange.

use super::{Context, ExpectServerHelloDone, ExpectServerKeyExchange, ServerKx, State};
use crate::crypto::signature::{legacy_scheme_for, verify_server_signature};
use crate::crypto::suites::{is_legacy, KeyExchange};
use crate::error::{Error, IllegalParameter};
use crate::observer::Event;
use crate::wire::kx_messages::ServerKeyExchangeDhe;
use crate::wire::messages::{DigitallySigned, ServerKeyExchangeEcdhe};
use crate::wire::HandshakeType;

/// Checks the server's ephemeral parameters and their signature.
///
/// 1. ECDHE: the group must be one we offered in supported_groups (RFC 8422
///    §5.4). DHE: the parameters are checked when we use them
///    (`crypto::dhe::check_server_params`: size, range; Logjam and
///    small-subgroup attacks).
/// 2. The signature scheme must be one we offered in signature_algorithms
///    (RFC 5246 §7.4.1.4.1): otherwise a weak scheme could be forced on us.
///    TLS 1.0/1.1 name no scheme: it follows from the key (RSA over MD5 ‖
///    SHA-1, RFC 2246 §7.4.3; ECDSA over SHA-1, RFC 4492 §5.4).
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
    // 1.
    let legacy = is_legacy(cx.version());
    let implicit = if legacy {
        Some(
            legacy_scheme_for(&st.server_key).ok_or_else(|| IllegalParameter::SignatureSchemeForKey {
                scheme: crate::wire::SignatureScheme::RSA_PKCS1_MD5_SHA1,
                key: st.server_key.kind.to_string(),
            })?,
        )
    } else {
        None
    };
    let (key_exchange, params_raw, signed) = match st.suite.kx {
        KeyExchange::DheRsa => {
            let ske = ServerKeyExchangeDhe::decode_with(body, implicit)?;
            (ServerKx::Dhe(ske.params), ske.params_raw, ske.signed)
        }
        _ => {
            let ske = ServerKeyExchangeEcdhe::decode_with(body, implicit)?;
            if !cx.config.groups.contains(&ske.params.named_curve) {
                return Err(IllegalParameter::GroupNotOffered(ske.params.named_curve).into());
            }
            cx.session.group = Some(ske.params.named_curve);
            (ServerKx::Ecdhe(ske.params), ske.params_raw, ske.signed)
        }
    };
    cx.transcript
        .append(HandshakeType::SERVER_KEY_EXCHANGE, raw, &mut cx.hooks);
    // 2.
    let DigitallySigned { scheme, signature } = signed;
    if !legacy && !cx.config.signature_schemes.contains(&scheme) {
        return Err(IllegalParameter::SignatureSchemeNotOffered(scheme).into());
    }
    // 3.
    let mut signed = Vec::with_capacity(64 + params_raw.len());
    signed.extend_from_slice(&st.randoms.client_random);
    signed.extend_from_slice(&st.randoms.server_random);
    signed.extend_from_slice(&params_raw);
    let verdict = verify_server_signature(&st.server_key, scheme, &signed, &signature);
    cx.hooks.emit(&Event::SignatureChecked {
        scheme,
        signed: &signed,
        signature: &signature,
        valid: verdict.is_ok(),
    });
    verdict?;
    cx.session.peer_signature_scheme = Some(scheme);

    Ok(State::ExpectServerHelloDone(ExpectServerHelloDone {
        randoms: st.randoms,
        suite: st.suite,
        key_exchange,
        certificate_requested: false,
    }))
}
