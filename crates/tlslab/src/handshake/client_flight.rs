//! The client's second flight: one function per step, in the order of
//! RFC 5246 Figure 1. Each is `#[inline(never)]` so that
//! `break tlslab::handshake::client_flight::derive_key_block` works in rust-gdb
//! (and stops there only: the PRF computations it calls are named
//! `compute_*`), and each derived value is a named local of the size the RFC
//! gives.
//!
//! Each step derives its value once and then offers it at one edit point
//! ([`Context::edit`]): the configured faults, then the interceptor, may
//! change it there before it is used.

use super::{Context, Randoms, ServerKx};
use crate::bytes::Bytes;
use crate::crypto::dhe;
use crate::crypto::key_block::{self, KeyBlock};
use crate::crypto::kx::EcdheKeyPair;
use crate::crypto::prf;
use crate::crypto::rsa_kx::{self, RsaPublicKey};
use crate::crypto::suites::SuiteInfo;
use crate::error::Error;
use crate::intercept::Point;
use crate::observer::Event;
use crate::record::Protection;
use crate::wire::kx_messages::{ClientDiffieHellmanPublic, EncryptedPreMasterSecret, ServerDhParams};
use crate::wire::messages::{encode_handshake, Certificate, ClientKeyExchangeEcdhe, ServerEcdhParams};
use crate::wire::{ContentType, HandshakeType};
use num_bigint::BigUint;

/// An empty client Certificate (RFC 5246 §7.4.6): we have no client certificate.
#[inline(never)]
pub(super) fn send_empty_certificate(cx: &mut Context<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    let raw = encode_handshake(HandshakeType::CERTIFICATE, |o| {
        Certificate { chain: vec![] }.encode(o)
    });
    cx.send_handshake(HandshakeType::CERTIFICATE, &raw, out)
}

/// ClientKeyExchange (RFC 5246 §7.4.7).
///
/// 1. Compute the pre-master secret and our ClientKeyExchange body with the
///    suite's key exchange: ECDHE (RFC 8422 §5.7), finite-field DHE
///    (§7.4.7.2) or RSA key transport (§7.4.7.1).
/// 2. The edit point of the pre-master secret.
/// 3. Send ClientKeyExchange.
#[inline(never)]
pub(super) fn send_client_key_exchange(
    cx: &mut Context<'_>,
    key_exchange: &ServerKx,
    out: &mut Vec<u8>,
) -> Result<Vec<u8>, Error> {
    // 1. (computed before sending, so that bad server parameters fail before we send anything)
    let (mut pre_master_secret, client_key_exchange) = match key_exchange {
        ServerKx::Ecdhe(params) => ecdhe_key_exchange(cx, params)?,
        ServerKx::Dhe(params) => dhe_key_exchange(cx, params)?,
        ServerKx::Rsa { certificate } => rsa_key_exchange(cx, certificate)?,
    };
    // 2.
    cx.edit(Point::PreMasterSecret(&mut pre_master_secret));
    cx.hooks.emit(&Event::PreMasterSecret(&pre_master_secret));
    cx.debrief.pre_master_secret = Some(pre_master_secret.clone());
    // 3.
    let raw = encode_handshake(HandshakeType::CLIENT_KEY_EXCHANGE, |o| {
        o.extend_from_slice(&client_key_exchange)
    });
    cx.send_handshake(HandshakeType::CLIENT_KEY_EXCHANGE, &raw, out)?;
    Ok(pre_master_secret)
}

/// ECDHE (RFC 8422 §5.7, §5.10): an ephemeral key pair on the server's group;
/// the pre-master secret is the shared x-coordinate (the X25519 output for
/// x25519). The server's point is validated (invalid-curve attacks).
// ANCHOR: ecdhe_key_exchange
#[inline(never)]
fn ecdhe_key_exchange(cx: &mut Context<'_>, params: &ServerEcdhParams) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let key_pair = EcdheKeyPair::generate(params.named_curve, &mut *cx.config.rng)?;
    let client_public = key_pair.public_key().to_vec();
    cx.hooks.emit(&Event::KeyShare {
        group: params.named_curve,
        client_public: &client_public,
        server_public: &params.public,
    });
    let pre_master_secret: Vec<u8> = key_pair.agree(&params.public)?;
    let mut body = vec![];
    ClientKeyExchangeEcdhe {
        public: client_public,
    }
    .encode(&mut body);
    Ok((pre_master_secret, body))
}
// ANCHOR_END: ecdhe_key_exchange

/// Finite-field DHE (RFC 5246 §7.4.7.2, §8.1.2): Yc = g^x mod p; the
/// pre-master secret is Z = Ys^x mod p with its leading zero bytes stripped.
// ANCHOR: dhe_key_exchange
#[inline(never)]
fn dhe_key_exchange(cx: &mut Context<'_>, params: &ServerDhParams) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let agreement = dhe::agree(params, &mut *cx.config.rng)?;
    agreement.emit(params, &mut cx.hooks);
    let mut body = vec![];
    ClientDiffieHellmanPublic {
        dh_yc: agreement.client_public.clone(),
    }
    .encode(&mut body);
    Ok((agreement.pre_master_secret.clone(), body))
}
// ANCHOR_END: dhe_key_exchange

/// RSA key transport (RFC 5246 §7.4.7.1): 48 bytes, client_version first,
/// PKCS#1 v1.5-encrypted to the certificate's key. There is no forward
/// secrecy: whoever holds the server's private key can decrypt it later.
///
/// The edit point comes before the encryption ([`Point::RsaKeyTransport`]):
/// the fault `rsa-wrong-key` changes the modulus one bit off the
/// certificate's (standing for any key that is not the server's: its private
/// key does not match its certificate); `rsa-wrong-client-version` puts
/// TLS 1.0 in the first two bytes. Either way a correct server carries on with
/// a random pre-master secret (the Bleichenbacher countermeasure) and the
/// failure shows only at Finished.
#[inline(never)]
fn rsa_key_exchange(cx: &mut Context<'_>, certificate: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    // client_version is the version we offered, not the one negotiated
    // (RFC 5246 §7.4.7.1): the server checks it to detect a rollback.
    let mut pre_master_secret: [u8; 48] =
        rsa_kx::make_pre_master_secret(cx.config.max_version, &mut *cx.config.rng);
    let server_key = RsaPublicKey::from_certificate(certificate)?;
    let mut modulus = server_key.modulus();
    cx.edit(Point::RsaKeyTransport {
        pre_master_secret: &mut pre_master_secret,
        modulus: &mut modulus,
    });
    let encryption_key = if modulus == server_key.modulus() {
        server_key
    } else {
        RsaPublicKey::new(
            BigUint::from_bytes_be(&modulus),
            BigUint::from_bytes_be(&server_key.exponent()),
        )
    };
    let encrypted = rsa_kx::encrypt_pkcs1_v1_5(&encryption_key, &pre_master_secret, &mut *cx.config.rng)?;
    encrypted.emit(&mut cx.hooks);
    let mut body = vec![];
    EncryptedPreMasterSecret {
        ciphertext: encrypted.ciphertext.clone(),
    }
    .encode(&mut body);
    Ok((pre_master_secret.to_vec(), body))
}

/// master_secret (RFC 5246 §8.1):
///
/// ```text
/// master_secret = PRF(pre_master_secret, "master secret",
///                     ClientHello.random + ServerHello.random)[0..47];
/// ```
///
/// or, when both sides agreed on extended_master_secret (RFC 7627 §4), with
/// label "extended master secret" and seed session_hash = Hash(handshake_messages
/// up to and including ClientKeyExchange). EMS binds the master secret to the
/// whole handshake (the triple-handshake attack).
#[inline(never)]
pub(super) fn derive_master_secret(
    cx: &mut Context<'_>,
    pre_master_secret: &[u8],
    randoms: &Randoms,
) -> [u8; 48] {
    let hash = cx.transcript.hash_alg();
    let use_extended_master_secret = use_extended_master_secret(cx);
    let session_hash = cx.transcript.current_hash();
    cx.debrief.session_hash = Some(session_hash.clone());
    cx.debrief.used_extended_master_secret = use_extended_master_secret;
    let mut master_secret: [u8; 48] = if use_extended_master_secret {
        cx.hooks.emit(&Event::SessionHash {
            session_hash: &session_hash,
        });
        prf::compute_extended_master_secret(hash, pre_master_secret, &session_hash, &mut cx.hooks)
    } else {
        prf::compute_master_secret(
            hash,
            pre_master_secret,
            &randoms.client_random,
            &randoms.server_random,
            &mut cx.hooks,
        )
    };
    cx.edit(Point::MasterSecret(&mut master_secret));
    cx.debrief.master_secret = Some(master_secret);
    cx.hooks.emit(&Event::MasterSecret {
        client_random: &randoms.client_random,
        server_random: &randoms.server_random,
        master_secret: &master_secret,
    });
    master_secret
}

/// Whether our master secret is the extended one (RFC 7627 §4): when both
/// sides agreed on extended_master_secret. Its own step, so that the choice
/// has an edit point of its own ([`Point::ExtendedMasterSecret`]).
#[inline(never)]
fn use_extended_master_secret(cx: &mut Context<'_>) -> bool {
    let mut use_extended_master_secret = cx.session.extended_master_secret;
    cx.edit(Point::ExtendedMasterSecret(&mut use_extended_master_secret));
    use_extended_master_secret
}

/// key_block (RFC 5246 §6.3):
///
/// ```text
/// key_block = PRF(SecurityParameters.master_secret, "key expansion",
///                 SecurityParameters.server_random + SecurityParameters.client_random);
/// ```
///
/// Note the seed order: server_random first, the reverse of the master secret's.
#[inline(never)]
pub(super) fn derive_key_block(
    cx: &mut Context<'_>,
    suite: &'static SuiteInfo,
    master_secret: &[u8; 48],
    randoms: &Randoms,
) -> KeyBlock {
    let mut key_block: KeyBlock = key_block::compute_key_block(
        suite,
        cx.version(),
        master_secret,
        &randoms.client_random,
        &randoms.server_random,
        &mut cx.hooks,
    );
    cx.edit(Point::KeyBlock(&mut key_block));
    key_block
}

/// ChangeCipherSpec (RFC 5246 §7.1): one byte, 1, sent under the old
/// protection; every record after it uses the new keys, from sequence number 0.
#[inline(never)]
pub(super) fn send_change_cipher_spec(
    cx: &mut Context<'_>,
    write: Protection,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    cx.send_record(ContentType::CHANGE_CIPHER_SPEC, &[1], out)?;
    cx.write.change_protection(write);
    Ok(())
}

/// Finished (RFC 5246 §7.4.9):
///
/// ```text
/// verify_data = PRF(master_secret, "client finished", Hash(handshake_messages))[0..11];
/// ```
///
/// It is the first record under the new keys, so it proves both that the keys
/// match and that both sides saw the same handshake (downgrade protection).
// ANCHOR: send_finished
#[inline(never)]
pub(super) fn send_finished(
    cx: &mut Context<'_>,
    suite: &'static SuiteInfo,
    master_secret: &[u8; 48],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let handshake_hash = finished_handshake_hash(cx);
    let mut verify_data: [u8; 12] = prf::compute_verify_data(
        suite.prf_for(cx.version()),
        master_secret,
        "client finished",
        &handshake_hash,
        &mut cx.hooks,
    );
    cx.edit(Point::ClientVerifyData(&mut verify_data));
    cx.debrief.finished_sent = Some((
        cx.transcript
            .message_list()
            .into_iter()
            .map(|(t, m)| (t, m.to_vec()))
            .collect(),
        verify_data.to_vec(),
    ));
    // RFC 5929 §3.1: in a full handshake ours is the first Finished (in an
    // abbreviated one the server's was, see `verify_server_finished`).
    if !cx.session.resumed {
        cx.session.tls_unique = Some(Bytes(verify_data.to_vec()));
    }
    cx.hooks.emit(&Event::FinishedVerify {
        label: "client finished",
        handshake_hash: &handshake_hash,
        computed: &verify_data,
        received: &verify_data,
    });
    let raw = encode_handshake(HandshakeType::FINISHED, |o| o.extend_from_slice(&verify_data));
    cx.send_handshake(HandshakeType::FINISHED, &raw, out)
}
// ANCHOR_END: send_finished

/// `Hash(handshake_messages)` for our Finished (RFC 5246 §7.4.9): every
/// handshake message so far, this Finished excluded. Its edit point
/// ([`Point::HandshakeHash`]) comes with the messages, so that a message can
/// be left out (the fault `transcript-missing`).
#[inline(never)]
fn finished_handshake_hash(cx: &mut Context<'_>) -> Vec<u8> {
    let mut handshake_hash = cx.transcript.current_hash();
    let messages = cx.transcript.message_list();
    super::edit(
        &cx.config.faults,
        &mut cx.config.interceptor,
        &mut cx.hooks,
        Point::HandshakeHash {
            hash: cx.transcript.hash_alg(),
            messages: &messages,
            handshake_hash: &mut handshake_hash,
        },
    );
    handshake_hash
}
