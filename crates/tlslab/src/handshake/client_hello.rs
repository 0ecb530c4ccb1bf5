//! ClientHello (RFC 5246 §7.4.1.2).

use super::{Context, ExpectServerHello, State};
use crate::config::{CustomClientHello, ServerNameIndication};
use crate::error::Error;
use crate::observer::Event;
use crate::session::StoredSession;
use crate::wire::messages::{encode_handshake, ClientHello, Extension};
use crate::wire::{CipherSuite, CompressionMethod, ExtensionType, HandshakeType};

/// Builds and sends our ClientHello.
///
/// 1. `client_random`: 32 bytes from the configured rng (RFC 5246 §7.4.1.2 no
///    longer requires a timestamp in the first four; we send all random).
/// 2. `client_version` is the highest version we accept (`max_version`,
///    RFC 5246 §7.4.1.2 and Appendix E.1). Suites in preference order, only
///    those that version allows. No TLS_EMPTY_RENEGOTIATION_INFO_SCSV: the
///    empty renegotiation_info extension says the same (RFC 5746 §3.4).
/// 3. Extensions: server_name (unless the name is an IP address, RFC 6066 §3),
///    supported_groups, ec_point_formats, signature_algorithms,
///    extended_master_secret (when enabled), renegotiation_info (empty),
///    ALPN (when protocols are configured), session_ticket.
/// 4. Resumption: the session's ticket, or its session ID.
/// 5. TLS_FALLBACK_SCSV when this connection is a fallback retry.
/// 6. padding, when the message would be 256 to 511 bytes long.
// ANCHOR: send_client_hello
#[inline(never)]
pub(crate) fn send_client_hello(cx: &mut Context<'_>, out: &mut Vec<u8>) -> Result<State, Error> {
    cx.config.validate()?;
    let mut client_random = [0u8; 32];
    if let Some(custom) = cx.config.custom_client_hello.clone() {
        return send_custom_client_hello(cx, custom, out);
    }
    cx.config.rng.fill(&mut client_random);

    let mut extensions = vec![];
    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
    let sni = match &cx.config.sni {
        ServerNameIndication::SameAsServerName => Some(&cx.config.server_name),
        ServerNameIndication::Omit => None,
        ServerNameIndication::Other(name) => Some(name),
    };
    if let Some(name) = sni.filter(|n| n.parse::<std::net::IpAddr>().is_err()) {
        extensions.push(Extension::server_name(name));
    }
    cx.session.offered_server_name = sni.is_some_and(|n| n.parse::<std::net::IpAddr>().is_err());
    extensions.push(Extension::supported_groups(&cx.config.groups));
    extensions.push(Extension::ec_point_formats());
    // signature_algorithms exists from TLS 1.2 on (RFC 5246 §7.4.1.4.1): a
    // TLS 1.0/1.1 server must ignore it, and some old ones choke on it.
    if !crate::crypto::suites::is_legacy(cx.config.max_version) {
        extensions.push(Extension::signature_algorithms(&cx.config.signature_schemes));
    }
    // RFC 7627 §5.3: a session made with the extended master secret may only be
    // resumed by a handshake that offers it again.
    let resuming = cx.config.resume.clone();
    let offer_ems =
        cx.config.offer_extended_master_secret || resuming.as_ref().is_some_and(|s| s.extended_master_secret);
    if offer_ems {
        extensions.push(Extension::extended_master_secret());
    }
    extensions.push(Extension::renegotiation_info(&[]));
    // RFC 7366 §2: only meaningful with a block cipher; a session that used it
    // must be resumed with it (§3.1).
    let offered = cx.config.offered_suites();
    let offers_cbc = offered.iter().any(|s| !s.is_aead());
    if (cx.config.offer_encrypt_then_mac && offers_cbc)
        || resuming.as_ref().is_some_and(|s| s.encrypt_then_mac)
    {
        extensions.push(Extension::encrypt_then_mac());
    }
    if !cx.config.alpn_protocols.is_empty() {
        extensions.push(Extension::alpn(&cx.config.alpn_protocols));
    }
    // 4. Resumption: by ticket (RFC 5077 §3.4: send the ticket and a fresh
    //    session_id, which the server echoes if it accepts) or by session ID.
    let mut session_id = vec![];
    if let Some(stored) = &resuming {
        check_resumable(cx, stored)?;
        match &stored.ticket {
            Some(ticket) => {
                session_id = vec![0; 32];
                cx.config.rng.fill(&mut session_id);
                extensions.push(Extension::session_ticket(ticket));
            }
            None => session_id = stored.session_id.to_vec(),
        }
        cx.hooks.emit(&Event::ResumptionOffered {
            session_id: &session_id,
            ticket: stored.ticket.as_deref().map(|t| t.as_slice()),
            master_secret: &stored.master_secret,
        });
    }
    if cx.config.offer_session_ticket && !extensions.iter().any(|e| e.typ == ExtensionType::SESSION_TICKET) {
        extensions.push(Extension::session_ticket(&[]));
    }

    let mut cipher_suites = offered.iter().map(|s| s.id).collect::<Vec<CipherSuite>>();
    // 5. RFC 7507 §4: the fallback signal goes last in the suite list.
    if cx.config.fallback_scsv {
        cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
    }
    let mut client_hello = ClientHello {
        client_version: cx.config.max_version,
        random: client_random,
        session_id: session_id.clone(),
        cipher_suites,
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(extensions),
    };
    let mut raw = encode_handshake(HandshakeType::CLIENT_HELLO, |o| client_hello.encode(o));
    // 6. RFC 7685: a message of 256 to 511 bytes is padded to 512.
    if cx.config.pad_client_hello && (256..512).contains(&raw.len()) {
        let pad = (512 - raw.len()).saturating_sub(4);
        if let Some(extensions) = client_hello.extensions.as_mut() {
            extensions.push(Extension::padding(pad));
        }
        raw = encode_handshake(HandshakeType::CLIENT_HELLO, |o| client_hello.encode(o));
    }
    cx.send_handshake(HandshakeType::CLIENT_HELLO, &raw, out)?;
    cx.session.client_random = Some(client_random);
    cx.session.extended_master_secret = false;
    Ok(State::ExpectServerHello(ExpectServerHello {
        client_random,
        offered_session_id: session_id,
        resuming,
    }))
}
// ANCHOR_END: send_client_hello

/// A session can only be resumed under the name it was made with, and with a
/// suite we still offer.
fn check_resumable(cx: &Context<'_>, stored: &StoredSession) -> Result<(), Error> {
    if stored.server_name != cx.config.server_name {
        return Err(Error::config(format!(
            "the session was made with {}, not {}: resuming it would skip the certificate check for {}",
            stored.server_name, cx.config.server_name, cx.config.server_name
        )));
    }
    if !cx
        .config
        .offered_suites()
        .iter()
        .any(|s| s.id == stored.cipher_suite)
    {
        return Err(Error::config(format!(
            "the session uses {}, which is not among the suites offered",
            stored.cipher_suite
        )));
    }
    Ok(())
}

/// Sends a caller-supplied ClientHello (see `ClientConfig::custom_client_hello`).
fn send_custom_client_hello(
    cx: &mut Context<'_>,
    custom: CustomClientHello,
    out: &mut Vec<u8>,
) -> Result<State, Error> {
    let mut client_hello = custom.hello;
    if !custom.keep_random {
        cx.config.rng.fill(&mut client_hello.random);
    }
    let client_random = client_hello.random;
    cx.session.offered_server_name = client_hello
        .extensions
        .iter()
        .flatten()
        .any(|e| e.typ == ExtensionType::SERVER_NAME);
    let raw = encode_handshake(HandshakeType::CLIENT_HELLO, |o| client_hello.encode(o));
    cx.hooks.emit(&crate::observer::Event::HandshakeOut {
        typ: HandshakeType::CLIENT_HELLO,
        raw: &raw,
    });
    cx.transcript
        .append(HandshakeType::CLIENT_HELLO, &raw, &mut cx.hooks);
    cx.write.seal(
        crate::wire::ContentType::HANDSHAKE,
        custom.record_version,
        &raw,
        out,
        &mut *cx.config.rng,
        &mut cx.hooks,
    )?;
    cx.session.client_random = Some(client_random);
    Ok(State::ExpectServerHello(ExpectServerHello {
        client_random,
        offered_session_id: client_hello.session_id.clone(),
        resuming: None,
    }))
}
