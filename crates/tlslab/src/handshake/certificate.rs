//! Server Certificate (RFC 5246 §7.4.2).

use std::time::SystemTime;

use super::{Context, ExpectCertificate, ExpectServerHelloDone, ExpectServerKeyExchange, ServerKx, State};
use crate::bytes::Bytes;
use crate::config::Verification;
use crate::crypto::rsa_kx::{RsaPrivateKey, RsaPublicKey};
use crate::crypto::signature::{key_usage, server_public_key, PublicKeyKind};
use crate::crypto::suites::KeyExchange;
use crate::error::{CertificateKind, Error};
use crate::observer::Event;
use crate::wire::messages::Certificate;
use crate::wire::{HandshakeType, NamedGroup};

/// Verifies the chain and the name, then takes the leaf's public key.
///
/// 1. The chain must not be empty: every suite we offer authenticates the server.
/// 2. Unless verification is off, the leaf must chain to a trusted root and be
///    valid for `server_name` at the verification time (otherwise anyone on the
///    path could answer for the server: a man in the middle).
/// 3. The leaf's key type must fit the suite (RSA for ECDHE_RSA, ECDSA for
///    ECDHE_ECDSA, RFC 8422 §5.3), or its signature on ServerKeyExchange means nothing.
/// 4. With RSA key transport the key must also be strong enough to encrypt to.
/// 5. With `--server-key`, the operator's key is compared with the
///    certificate's before anything else is sent.
#[inline(never)]
pub(super) fn handle_certificate(
    st: ExpectCertificate,
    cx: &mut Context<'_>,
    raw: &[u8],
    body: &[u8],
) -> Result<State, Error> {
    let certificate = Certificate::decode(body)?;
    cx.transcript
        .append(HandshakeType::CERTIFICATE, raw, &mut cx.hooks);

    // 1.
    let Some(leaf) = certificate.chain.first() else {
        return Err(Error::certificate(
            CertificateKind::EmptyChain,
            "server sent an empty certificate chain",
        ));
    };
    // 2.
    let chain: Vec<&[u8]> = certificate.chain.iter().map(|c| c.as_slice()).collect();
    let server_name = cx.config.server_name.clone();
    match &cx.config.verification {
        Verification::Verify(verifier) => {
            let now = cx.config.verify_time.unwrap_or_else(SystemTime::now);
            let verdict = verifier.verify(&chain, &server_name, now);
            let detail = match &verdict {
                Ok(()) => "chain verified to a trusted root; name matches".to_string(),
                Err(e) => e.to_string(),
            };
            cx.hooks.emit(&Event::CertificateChecked {
                server_name: &server_name,
                chain_len: chain.len(),
                verified: verdict.is_ok(),
                detail: &detail,
            });
            verdict?;
        }
        Verification::Custom(check) => {
            let verdict = check(&chain, &server_name);
            let detail = match &verdict {
                Ok(()) => "accepted by the configured verifier".to_string(),
                Err(e) => e.to_string(),
            };
            cx.hooks.emit(&Event::CertificateChecked {
                server_name: &server_name,
                chain_len: chain.len(),
                verified: verdict.is_ok(),
                detail: &detail,
            });
            verdict?;
        }
        Verification::Insecure => cx.hooks.emit(&Event::CertificateChecked {
            server_name: &server_name,
            chain_len: chain.len(),
            verified: false,
            detail: "NOT VERIFIED (--insecure): any server can impersonate this one",
        }),
    }
    // 3.
    let server_key = server_public_key(leaf)?;
    let fits = matches!(
        (st.suite.kx, &server_key.kind),
        (
            KeyExchange::EcdheRsa | KeyExchange::DheRsa | KeyExchange::Rsa,
            PublicKeyKind::Rsa { .. }
        ) | (
            // RFC 8422 §2.1: ECDHE_ECDSA needs "an ECDSA- or EdDSA-capable
            // public key".
            KeyExchange::EcdheEcdsa,
            PublicKeyKind::EcP256 | PublicKeyKind::EcP384 | PublicKeyKind::EcP521 | PublicKeyKind::Ed25519
        )
    );
    if !fits {
        return Err(Error::certificate(
            CertificateKind::Unsupported,
            format!(
                "the certificate's key ({:?}) cannot serve {} ({:?} key exchange)",
                server_key.kind,
                st.suite.name(),
                st.suite.kx
            ),
        ));
    }
    check_key_fits_our_offer(cx, leaf, &server_key.kind, st.suite.kx)?;
    let leaf = leaf.clone();
    // 5.
    if let Some(key) = cx.config.server_key.clone() {
        check_server_key(cx, &key, &leaf, st.suite.kx)?;
    }
    cx.session.peer_certificates = certificate.chain.into_iter().map(Bytes).collect();
    // 4. RSA key transport: no ServerKeyExchange; the certificate's key
    //    encrypts the pre-master secret, so its size is checked now (a
    //    512-bit export-grade key is factored in hours: FREAK, Logjam era).
    if st.suite.kx == KeyExchange::Rsa {
        RsaPublicKey::from_certificate(&leaf)?.check_for_key_transport()?;
        return Ok(State::ExpectServerHelloDone(ExpectServerHelloDone {
            randoms: st.randoms,
            suite: st.suite,
            key_exchange: ServerKx::Rsa { certificate: leaf },
            certificate_requested: false,
        }));
    }
    Ok(State::ExpectServerKeyExchange(ExpectServerKeyExchange {
        randoms: st.randoms,
        suite: st.suite,
        server_key,
    }))
}

/// The leaf's key must be one our ClientHello allowed, and its keyUsage must
/// allow what the suite does with it.
///
/// - An ECDSA key must be on a curve we offered in supported_groups (RFC 8422
///   §5.3, as RFC 4492 §5.3: "the public key in the server's certificate MUST
///   respect the client's choice of elliptic curves").
/// - With keyUsage present (RFC 5280 §4.2.1.3), ECDHE and DHE need
///   `digitalSignature` (the key signs ServerKeyExchange) and RSA key
///   transport needs `keyEncipherment`. A certificate issued for one use and
///   used for the other is how a key meant only for decryption ends up
///   signing, which its owner never agreed to.
fn check_key_fits_our_offer(
    cx: &Context<'_>,
    leaf: &[u8],
    kind: &PublicKeyKind,
    kx: KeyExchange,
) -> Result<(), Error> {
    let curve = match kind {
        PublicKeyKind::EcP256 => Some(NamedGroup::SECP256R1),
        PublicKeyKind::EcP384 => Some(NamedGroup::SECP384R1),
        PublicKeyKind::EcP521 => Some(NamedGroup::SECP521R1),
        _ => None,
    };
    if let Some(curve) = curve.filter(|c| !cx.config.groups.contains(c)) {
        return Err(Error::certificate(
            CertificateKind::CurveNotOffered,
            format!("the certificate's ECDSA key is on {curve}, which our supported_groups did not offer"),
        ));
    }
    let Some(usage) = key_usage(leaf)? else {
        return Ok(());
    };
    let (allowed, needed) = match kx {
        KeyExchange::Rsa => (usage.key_encipherment, "keyEncipherment"),
        _ => (usage.digital_signature, "digitalSignature"),
    };
    if !allowed {
        return Err(Error::certificate(
            CertificateKind::KeyUsage,
            format!("the certificate's keyUsage lacks {needed}, which {kx:?} key exchange needs"),
        ));
    }
    Ok(())
}

/// Compares the operator's private key (`--server-key`) with the certificate
/// the server sent. A mismatch does not stop the handshake (the point is to
/// watch what happens); with RSA key transport it predicts the outcome: the
/// server decrypts our pre-master secret with a key that does not fit,
/// gets garbage, carries on with a random pre-master secret (RFC 5246
/// §7.4.7.1, the Bleichenbacher countermeasure) and answers our Finished
/// with bad_record_mac.
#[inline(never)]
fn check_server_key(cx: &mut Context<'_>, key: &[u8], leaf: &[u8], kx: KeyExchange) -> Result<(), Error> {
    let private = RsaPrivateKey::from_pem_or_der(key)
        .map_err(|e| Error::config(format!("--server-key: {e} (only RSA keys can be checked)")))?;
    let certificate = RsaPublicKey::from_certificate(leaf);
    let matches = certificate.as_ref().is_ok_and(|c| private.matches(c));
    cx.session.server_key_matches = Some(matches);
    let detail = match (matches, kx) {
        (true, _) => "the server key matches the certificate's public key".to_string(),
        (false, KeyExchange::Rsa) => "the server key does NOT match the certificate: with RSA key exchange the \
             server will decrypt garbage, use a random pre-master secret, and answer Finished with bad_record_mac"
            .to_string(),
        (false, _) => "the server key does NOT match the certificate: with (EC)DHE the server signs with its key, \
             so a server really using this key would fail our ServerKeyExchange signature check (decrypt_error)"
            .to_string(),
    };
    cx.hooks.emit(&Event::ServerKeyChecked {
        matches,
        detail: &detail,
    });
    Ok(())
}
