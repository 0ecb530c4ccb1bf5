//! ServerHello (RFC 5246 §7.4.1.3).

use super::{Context, ExpectCertificate, ExpectServerHello, Randoms, State};
use crate::bytes::Bytes;
use crate::crypto::suites;
use crate::error::Error;
use crate::wire::messages::{decode_ec_point_formats, decode_renegotiation_info, ServerHello};
use crate::wire::{CompressionMethod, EcPointFormat, ExtensionType, HandshakeType, ProtocolVersion};

/// Checks the server's choices against what we offered and records them.
///
/// 1. `server_version` must be TLS 1.2: we offered nothing else, and a lower
///    version here is how a downgrade would show.
/// 2. `cipher_suite` must be one we offered (RFC 5246 §7.4.1.3), and
///    `compression_method` null.
/// 3. Every extension must be one we offered (RFC 5246 §7.4.1.4:
///    `unsupported_extension`); renegotiation_info must be empty on an initial
///    handshake (RFC 5746 §3.4); ec_point_formats must include uncompressed
///    (RFC 8422 §5.2).
#[inline(never)]
pub(super) fn handle_server_hello(
    st: ExpectServerHello,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let server_hello = ServerHello::decode(body)?;

    // 1.
    if server_hello.server_version != ProtocolVersion::TLS12 {
        return Err(Error::ProtocolVersion(format!(
            "server chose {} but this client speaks only TLSv1.2",
            server_hello.server_version
        )));
    }
    // 2.
    let suite = cx
        .config
        .suites
        .iter()
        .copied()
        .find(|s| s.id == server_hello.cipher_suite)
        .ok_or_else(|| {
            let known = suites::lookup(server_hello.cipher_suite)
                .map(|s| s.openssl_name)
                .unwrap_or("unknown");
            Error::IllegalParameter(format!(
                "server picked cipher suite {} ({known}), which we did not offer",
                server_hello.cipher_suite
            ))
        })?;
    if server_hello.compression_method != CompressionMethod::NULL {
        return Err(Error::IllegalParameter(format!(
            "server picked compression method {}, we offered only null",
            server_hello.compression_method
        )));
    }
    // 3.
    let mut extended_master_secret = false;
    let mut secure_renegotiation = false;
    for ext in server_hello.extensions.iter().flatten() {
        match ext.typ {
            ExtensionType::EXTENDED_MASTER_SECRET if cx.config.offer_extended_master_secret => {
                if !ext.data.is_empty() {
                    return Err(Error::Decode(crate::error::DecodeError {
                        what: "extended_master_secret",
                        offset: 0,
                        reason: crate::error::DecodeReason::Invalid("extension data must be empty"),
                    }));
                }
                extended_master_secret = true;
            }
            ExtensionType::RENEGOTIATION_INFO => {
                if !decode_renegotiation_info(&ext.data)?.is_empty() {
                    return Err(Error::HandshakeFailure(
                        "renegotiation_info is not empty on an initial handshake (RFC 5746 §3.4)".into(),
                    ));
                }
                secure_renegotiation = true;
            }
            ExtensionType::EC_POINT_FORMATS => {
                if !decode_ec_point_formats(&ext.data)?.contains(&EcPointFormat::UNCOMPRESSED) {
                    return Err(Error::IllegalParameter(
                        "ec_point_formats does not include uncompressed (RFC 8422 §5.2)".into(),
                    ));
                }
            }
            // RFC 6066 §3: the server's server_name, when present, is empty.
            ExtensionType::SERVER_NAME if ext.data.is_empty() => {}
            other => return Err(Error::UnsupportedExtension(other)),
        }
    }

    cx.transcript.set_hash(suite.prf);
    cx.transcript
        .append(HandshakeType::SERVER_HELLO, raw, &mut cx.hooks);
    cx.session.suite = Some(suite);
    cx.session.extended_master_secret = extended_master_secret;
    cx.session.secure_renegotiation = secure_renegotiation;
    cx.session.server_random = Some(server_hello.random);
    cx.session.session_id = Bytes(server_hello.session_id);

    let randoms = Randoms {
        client_random: st.client_random,
        server_random: server_hello.random,
    };
    Ok(State::ExpectCertificate(ExpectCertificate { randoms, suite }))
}
