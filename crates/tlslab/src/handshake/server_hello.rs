//! ServerHello (RFC 5246 §7.4.1.3).

use super::{Context, ExpectCertificate, ExpectChangeCipherSpec, ExpectServerHello, Randoms, State};
use crate::bytes::Bytes;
use crate::crypto::suites::SuiteInfo;
use crate::error::{Error, HandshakeError, HandshakeFailure, IllegalParameter};
use crate::observer::Event;
use crate::record::{Protection, RecordOptions};
use crate::session::StoredSession;
use crate::wire::messages::{decode_alpn, decode_ec_point_formats, decode_renegotiation_info, ServerHello};
use crate::wire::{
    CompressionMethod, Direction, EcPointFormat, ExtensionType, HandshakeType, ProtocolVersion,
};

/// Checks the server's choices against what we offered and records them.
///
/// 1. `server_version` must lie between `min_version` and `max_version`
///    (`protocol_version` otherwise, RFC 5246 Appendix E.1). When we offered
///    TLS 1.2 and the server chose less, its random must not end in the
///    downgrade sentinel of RFC 8446 §4.1.3.
/// 2. `cipher_suite` must be one we offered (RFC 5246 §7.4.1.3) and exist
///    in that version, and `compression_method` null.
/// 3. Every extension must be one we offered (RFC 5246 §7.4.1.4:
///    `unsupported_extension`); renegotiation_info must be empty on an initial
///    handshake (RFC 5746 §3.4); ec_point_formats must include uncompressed
///    (RFC 8422 §5.2); ALPN must name exactly one protocol we offered
///    (RFC 7301 §3.1); session_ticket must be empty (RFC 5077 §3.2).
/// 4. If the server echoed the session_id we offered, the session is resumed.
#[inline(never)]
pub(super) fn handle_server_hello(
    st: ExpectServerHello,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let server_hello = ServerHello::decode(body)?;

    // 1.
    let version = check_server_version(cx, &server_hello)?;
    // 2.
    let suite = cx
        .config
        .offered_suites()
        .into_iter()
        .find(|s| s.id == server_hello.cipher_suite)
        .ok_or(IllegalParameter::CipherSuiteNotOffered(server_hello.cipher_suite))?;
    if !suite.allowed_in(version) {
        return Err(IllegalParameter::SuiteNotInVersion {
            suite: suite.id,
            version,
        }
        .into());
    }
    if server_hello.compression_method != CompressionMethod::NULL {
        return Err(IllegalParameter::CompressionNotOffered(server_hello.compression_method).into());
    }
    // 3.
    let mut extended_master_secret = false;
    let mut secure_renegotiation = false;
    let mut ticket_expected = false;
    let mut encrypt_then_mac = false;
    let offered_etm = (cx.config.offer_encrypt_then_mac
        && cx.config.offered_suites().iter().any(|s| !s.is_aead()))
        || st.resuming.as_ref().is_some_and(|s| s.encrypt_then_mac);
    let offered_ticket =
        cx.config.offer_session_ticket || st.resuming.as_ref().is_some_and(|s| s.ticket.is_some());
    for ext in server_hello.extensions.iter().flatten() {
        match ext.typ {
            ExtensionType::EXTENDED_MASTER_SECRET
                if cx.config.offer_extended_master_secret
                    || st.resuming.as_ref().is_some_and(|s| s.extended_master_secret) =>
            {
                if !ext.data.is_empty() {
                    return Err(Error::Decode(crate::error::DecodeError {
                        what: "extended_master_secret",
                        offset: 0,
                        reason: crate::error::DecodeReason::Invalid("extension data must be empty"),
                    }));
                }
                extended_master_secret = true;
            }
            ExtensionType::ENCRYPT_THEN_MAC if offered_etm => {
                // RFC 7366 §3: a server that picks an AEAD (or stream) suite
                // MUST NOT answer with encrypt_then_mac.
                if suite.is_aead() {
                    return Err(IllegalParameter::EncryptThenMacWithAead(suite.id).into());
                }
                if !ext.data.is_empty() {
                    return Err(Error::Decode(crate::error::DecodeError {
                        what: "encrypt_then_mac",
                        offset: 0,
                        reason: crate::error::DecodeReason::Invalid("extension data must be empty"),
                    }));
                }
                encrypt_then_mac = true;
            }
            ExtensionType::RENEGOTIATION_INFO => {
                if !decode_renegotiation_info(&ext.data)?.is_empty() {
                    return Err(HandshakeFailure::RenegotiationInfoNotEmpty.into());
                }
                secure_renegotiation = true;
            }
            ExtensionType::EC_POINT_FORMATS => {
                if !decode_ec_point_formats(&ext.data)?.contains(&EcPointFormat::UNCOMPRESSED) {
                    return Err(IllegalParameter::NoUncompressedPointFormat.into());
                }
            }
            // RFC 6066 §3: the server's server_name, when present, is empty,
            // and only an answer to ours.
            ExtensionType::SERVER_NAME if ext.data.is_empty() && cx.session.offered_server_name => {}
            // We offered supported_groups; RFC 8422 §5.2 gives the server no
            // reason to send it in TLS 1.2, but some servers echo their list
            // (TLS 1.3 servers send it in EncryptedExtensions): nothing in it
            // changes what we do, so it is tolerated, not parsed.
            ExtensionType::SUPPORTED_GROUPS => {}
            ExtensionType::ALPN if !cx.config.alpn_protocols.is_empty() => {
                // RFC 7301 §3.1: exactly one protocol, one we offered.
                let list = decode_alpn(&ext.data)?;
                match list.as_slice() {
                    [one] if cx.config.alpn_protocols.contains(one) => {
                        cx.session.alpn_protocol = Some(Bytes(one.clone()))
                    }
                    _ => return Err(IllegalParameter::AlpnNotOffered(list).into()),
                }
            }
            ExtensionType::SESSION_TICKET if offered_ticket => {
                // RFC 5077 §3.2: the server's extension is empty; a NewSessionTicket follows.
                if !ext.data.is_empty() {
                    return Err(Error::Decode(crate::error::DecodeError {
                        what: "session_ticket",
                        offset: 0,
                        reason: crate::error::DecodeReason::Invalid("server's extension data must be empty"),
                    }));
                }
                ticket_expected = true;
            }
            other => return Err(Error::Handshake(HandshakeError::UnsupportedExtension(other))),
        }
    }

    // TLS 1.0/1.1: MD5 ‖ SHA-1 and P_MD5 XOR P_SHA1, whatever the suite.
    cx.transcript.set_hash(suite.prf_for(version));
    cx.transcript
        .append(HandshakeType::SERVER_HELLO, raw, &mut cx.hooks);
    cx.session.suite = Some(suite);
    cx.session.extended_master_secret = extended_master_secret;
    cx.session.secure_renegotiation = secure_renegotiation;
    cx.session.server_random = Some(server_hello.random);
    cx.session.ticket_expected = ticket_expected;
    cx.session.encrypt_then_mac = encrypt_then_mac;
    let randoms = Randoms {
        client_random: st.client_random,
        server_random: server_hello.random,
    };

    // 4.
    let resumed = !st.offered_session_id.is_empty() && server_hello.session_id == st.offered_session_id;
    cx.session.session_id = Bytes(server_hello.session_id);
    match st.resuming {
        Some(stored) if resumed => resume_session(cx, stored, suite, randoms),
        _ => Ok(State::ExpectCertificate(ExpectCertificate { randoms, suite })),
    }
}

/// The last eight bytes of `ServerHello.random` of a TLS 1.3 or TLS 1.2
/// server that negotiates TLS 1.1 or lower (RFC 8446 §4.1.3).
const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// The last eight bytes of `ServerHello.random` of a TLS 1.3 server that
/// negotiates an older version (RFC 8446 §4.1.3 asks for it with TLS 1.2).
const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";

/// Step 1 of [`handle_server_hello`]: the version. Returns it.
///
/// RFC 8446 §4.1.3: a server that speaks TLS 1.2 (or 1.3) and still answers
/// with TLS 1.1 or lower puts `DOWNGRD\x00` at the end of its random. A
/// client that offered TLS 1.2 and sees it knows the ClientHello was
/// rewritten (or the version fallback forced) by an attacker who wants the
/// weaker protocol: the signed random cannot be altered, so the downgrade
/// is caught. `DOWNGRD\x01` (a TLS 1.3 server) is refused under TLS 1.1 or
/// lower too: a server that speaks TLS 1.3 had TLS 1.2 in common with our
/// offer, so it too was kept from it (BoringSSL's test server writes
/// `\x01` whatever older version it is made to negotiate). Under TLS 1.2
/// `DOWNGRD\x01` is what a TLS 1.3 server must send a TLS 1.2 client, and
/// is accepted.
// ANCHOR: check_server_version
fn check_server_version(cx: &mut Context<'_>, server_hello: &ServerHello) -> Result<ProtocolVersion, Error> {
    let version = server_hello.server_version;
    let sentinel = server_hello.random[24..] == DOWNGRADE_TLS11;
    // Told whenever a version other than TLS 1.2 is in play: a TLS 1.2-only
    // handshake keeps the event stream it always had (recorded bundles
    // replay byte for byte).
    let tls12_only =
        cx.config.min_version == ProtocolVersion::TLS12 && cx.config.max_version == ProtocolVersion::TLS12;
    if !tls12_only || version != ProtocolVersion::TLS12 || sentinel {
        cx.hooks.emit(&Event::VersionNegotiated {
            min_version: cx.config.min_version,
            max_version: cx.config.max_version,
            server_version: version,
            downgrade_sentinel: sentinel,
        });
    }
    if version.0 < cx.config.min_version.0 || version.0 > cx.config.max_version.0 {
        return Err(Error::Handshake(HandshakeError::ProtocolVersion(version)));
    }
    let tls13_sentinel = server_hello.random[24..] == DOWNGRADE_TLS12;
    if cx.config.max_version.0 >= ProtocolVersion::TLS12.0
        && version.0 < ProtocolVersion::TLS12.0
        && (sentinel || tls13_sentinel)
    {
        return Err(IllegalParameter::DowngradeSentinel(version).into());
    }
    cx.session.version = Some(version);
    Ok(version)
}
// ANCHOR_END: check_server_version

/// The server echoed our session_id: an abbreviated handshake (RFC 5246 §7.3,
/// Figure 2) that reuses the stored master secret with the new randoms.
///
/// 1. The version and the suite must be the session's (RFC 5246 §7.4.1.3,
///    Appendix E.1).
/// 2. The extended master secret must be used exactly when the session used it
///    (RFC 7627 §5.3): otherwise a session made without it could be resumed
///    into a connection that believes it is protected (triple handshake).
/// 3. New keys from the old master secret; the server's ChangeCipherSpec and
///    Finished come first, ours after.
// ANCHOR: resume_session
#[inline(never)]
fn resume_session(
    cx: &mut Context<'_>,
    stored: StoredSession,
    suite: &'static SuiteInfo,
    randoms: Randoms,
) -> Result<State, Error> {
    // 1. A session made in TLS 1.0 resumed as TLS 1.2 (or the reverse) would
    // run its master secret through the other version's PRF: a server that
    // does it ignored its own session state, or someone rewrote the version.
    let version = cx.version();
    if version != stored.version {
        return Err(Error::Handshake(HandshakeError::ResumedWithOtherVersion {
            session: stored.version,
            server: version,
        }));
    }
    if suite.id != stored.cipher_suite {
        return Err(IllegalParameter::ResumedWithOtherSuite {
            session: stored.cipher_suite,
            server: suite.id,
        }
        .into());
    }
    // 2.
    if stored.extended_master_secret != cx.session.extended_master_secret {
        return Err(HandshakeFailure::ResumptionChangedExtendedMasterSecret {
            session: stored.extended_master_secret,
            server: cx.session.extended_master_secret,
        }
        .into());
    }
    // RFC 7366 §3.1: the resumed connection keeps the session's record protection.
    if stored.encrypt_then_mac != cx.session.encrypt_then_mac {
        return Err(HandshakeFailure::ResumptionChangedEncryptThenMac {
            session: stored.encrypt_then_mac,
            server: cx.session.encrypt_then_mac,
        }
        .into());
    }
    cx.hooks.emit(&Event::SessionResumed {
        session_id: &cx.session.session_id,
        master_secret: &stored.master_secret,
    });
    // 3.
    let master_secret = stored.master_secret;
    let key_block = crate::crypto::key_block::compute_key_block(
        suite,
        version,
        &master_secret,
        &randoms.client_random,
        &randoms.server_random,
        &mut cx.hooks,
    );
    let options = RecordOptions::for_version(version, cx.session.encrypt_then_mac);
    let pending_read =
        Protection::from_key_block_with(suite, &key_block, Direction::ServerToClient, options)?;
    let pending_write =
        Protection::from_key_block_with(suite, &key_block, Direction::ClientToServer, options)?;
    cx.session.resumed = true;
    cx.session.resumed_from = Some(stored);
    let next = ExpectChangeCipherSpec {
        randoms,
        suite,
        master_secret,
        pending_read: Box::new(pending_read),
        pending_write: Some(Box::new(pending_write)),
    };
    Ok(if cx.session.ticket_expected {
        State::ExpectNewSessionTicket(next)
    } else {
        State::ExpectChangeCipherSpec(next)
    })
}
// ANCHOR_END: resume_session
