//! What the server picks must be what we offered (RFC 5246 §7.4.1.3,
//! §7.4.1.4), renegotiation is refused (RFC 5746), and the extended master
//! secret's session_hash is what RFC 7627 §3 defines. Server bytes come from
//! the published Illustrated TLS 1.2 connection (vectors/illustrated-tls12),
//! edited by the tests; the session_hash is recomputed here with ring.

use tlslab::crypto::suites;
use tlslab::error::HandshakeError;
use tlslab::internal::key_block::KeyBlock;
use tlslab::internal::messages::{encode_handshake, split_handshake, Extension, ServerHello};
use tlslab::internal::record::{Protection, RecordLayerState};
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::rng::SeededRng;
use tlslab::wire::{
    AlertDescription, ContentType, Direction, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use tlslab::{Client, ClientConfig, Error, Verification};

fn vector() -> serde_json::Value {
    serde_json::from_str(include_str!("../vectors/illustrated-tls12/vector.json")).unwrap()
}

fn record(v: &serde_json::Value, i: usize) -> Vec<u8> {
    hex::decode(v["records"][i]["record"].as_str().unwrap()).unwrap()
}

fn config() -> ClientConfig {
    let mut c = ClientConfig::new("example.ulfheim.net");
    c.verification = Verification::Insecure;
    c
}

/// Our ClientHello, then the published server flight with ServerHello edited by `edit`.
fn with_server_hello(c: ClientConfig, edit: impl FnOnce(&mut ServerHello)) -> (Error, Vec<u8>) {
    let v = vector();
    let sh_record = record(&v, 1);
    let (_, body) = split_handshake(&sh_record[5..]).unwrap();
    let mut sh = ServerHello::decode(body).unwrap();
    edit(&mut sh);
    let raw = encode_handshake(HandshakeType::SERVER_HELLO, |o| sh.encode(o));
    let mut flight = vec![22, 3, 3];
    flight.extend_from_slice(&(raw.len() as u16).to_be_bytes());
    flight.extend_from_slice(&raw);
    for i in 2..=4 {
        flight.extend(record(&v, i));
    }
    let mut client = Client::new(c);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    out.clear();
    let err = client.receive(&flight, &mut out).unwrap_err();
    (err, out)
}

fn alert(out: &[u8]) -> AlertDescription {
    assert_eq!(&out[..3], &[21, 3, 3], "an alert record");
    AlertDescription(out[6])
}

#[test]
fn a_lower_version_is_refused_with_protocol_version() {
    let (err, out) = with_server_hello(config(), |sh| sh.server_version = ProtocolVersion::TLS10);
    assert!(err.to_string().contains("TLSv1.0"), "{err}");
    assert_eq!(alert(&out), AlertDescription::PROTOCOL_VERSION);
}

#[test]
fn an_extension_we_did_not_offer_is_unsupported_extension() {
    let mut c = config();
    c.alpn_protocols = vec![];
    let (err, out) = with_server_hello(c, |sh| {
        sh.extensions
            .get_or_insert_with(Vec::new)
            .push(Extension::alpn(&[b"h2".to_vec()]));
    });
    assert!(
        matches!(
            err,
            Error::Handshake(HandshakeError::UnsupportedExtension(ExtensionType::ALPN))
        ),
        "{err:?}"
    );
    assert_eq!(alert(&out), AlertDescription::UNSUPPORTED_EXTENSION);
}

#[test]
fn encrypt_then_mac_with_an_aead_suite_is_illegal() {
    let mut c = config();
    c.suites = vec![
        suites::find_by_name("ECDHE-RSA-AES128-SHA").unwrap(),
        suites::find_by_name("ECDHE-RSA-AES128-GCM-SHA256").unwrap(),
    ];
    let (err, out) = with_server_hello(c, |sh| {
        sh.cipher_suite = tlslab::wire::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
        sh.extensions
            .get_or_insert_with(Vec::new)
            .push(Extension::encrypt_then_mac());
    });
    assert!(err.to_string().contains("RFC 7366"), "{err}");
    assert_eq!(alert(&out), AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn a_group_or_signature_scheme_we_did_not_offer_is_illegal_parameter() {
    let mut c = config();
    c.groups = vec![NamedGroup::SECP256R1];
    let (err, out) = with_server_hello(c, |_| {});
    assert!(err.to_string().contains("x25519"), "{err}");
    assert_eq!(alert(&out), AlertDescription::ILLEGAL_PARAMETER);

    let mut c = config();
    c.signature_schemes = vec![SignatureScheme::RSA_PSS_RSAE_SHA256];
    let (err, out) = with_server_hello(c, |_| {});
    assert!(err.to_string().contains("rsa_pkcs1_sha256"), "{err}");
    assert_eq!(alert(&out), AlertDescription::ILLEGAL_PARAMETER);
}

/// A HelloRequest after the handshake is answered with a `no_renegotiation`
/// warning (RFC 5746 §4.2; RFC 5246 §7.2.2) and the connection goes on.
#[test]
fn a_hello_request_is_refused_with_no_renegotiation() {
    let v = vector();
    // The published connection, up to the server's Finished.
    let hello = record(&v, 0);
    let (_, body) = split_handshake(&hello[5..]).unwrap();
    let mut c = config();
    c.custom_client_hello = Some(tlslab::CustomClientHello {
        hello: tlslab::internal::messages::ClientHello::decode(body).unwrap(),
        keep_random: true,
        record_version: ProtocolVersion::TLS10,
    });
    c.rng = Box::new(tlslab::rng::ScriptedRng::new(
        vec![hex::decode(v["client_x25519_private"].as_str().unwrap()).unwrap()],
        SeededRng::new(1, 0),
    ));
    let mut rec = Recorder::new();
    let mut client = Client::with_observer(c, &mut rec);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    let flight: Vec<u8> = (1..=4).flat_map(|i| record(&v, i)).collect();
    client.receive(&flight, &mut out).unwrap();
    let finished: Vec<u8> = (8..=9).flat_map(|i| record(&v, i)).collect();
    client.receive(&finished, &mut out).unwrap();
    assert!(client.is_established());
    // A HelloRequest sealed with the published server_write keys, as record 1.
    let kb = KeyBlock {
        server_write_mac_key: hex::decode(v["key_block"]["server_write_mac_key"].as_str().unwrap())
            .unwrap()
            .into(),
        server_write_key: hex::decode(v["key_block"]["server_write_key"].as_str().unwrap())
            .unwrap()
            .into(),
        client_write_mac_key: hex::decode(v["key_block"]["client_write_mac_key"].as_str().unwrap())
            .unwrap()
            .into(),
        client_write_key: hex::decode(v["key_block"]["client_write_key"].as_str().unwrap())
            .unwrap()
            .into(),
        ..KeyBlock::default()
    };
    let suite = suites::find_by_name("ECDHE-RSA-AES128-SHA").unwrap();
    let mut server = RecordLayerState::new(Direction::ServerToClient);
    server.change_protection(Protection::from_key_block(suite, &kb, Direction::ServerToClient).unwrap());
    server.seq = 1;
    let mut hello_request = vec![];
    server
        .seal(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS12,
            &[0, 0, 0, 0],
            &mut hello_request,
            &mut SeededRng::new(2, 0),
            &mut tlslab::observer::Hooks::none(),
        )
        .unwrap();
    out.clear();
    client.receive(&hello_request, &mut out).unwrap();
    assert!(client.is_established());
    assert_eq!(out[0], 21, "an (encrypted) alert record");
    drop(client);
    assert!(rec.events.iter().any(|e| matches!(e,
        OwnedEvent::AlertSent(a) if a.description == AlertDescription::NO_RENEGOTIATION && a.level.0 == 1)));
}

/// RFC 7627 §3: session_hash = Hash(handshake_messages) up to and including
/// ClientKeyExchange, recomputed here from the messages' raw bytes with ring.
#[test]
fn the_session_hash_event_is_the_hash_up_to_client_key_exchange() {
    let server = tlslab_peers::local_server::LocalServer::start(&Default::default()).unwrap();
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Verify(
        tlslab::crypto::cert::CertVerifier::from_ca_file(&server.ca_pem_path()).unwrap(),
    );
    let mut rec = Recorder::new();
    let s = tlslab_cli::net::connect(
        &server.addr().to_string(),
        Client::with_observer(c, &mut rec),
        Default::default(),
    )
    .unwrap();
    drop(s);
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for e in &rec.events {
        match e {
            OwnedEvent::HandshakeIn { raw, .. } | OwnedEvent::HandshakeOut { raw, .. } => ctx.update(raw),
            OwnedEvent::SessionHash { .. } => break,
            _ => {}
        }
    }
    let expected = ctx.finish();
    let got = rec.events.iter().find_map(|e| match e {
        OwnedEvent::SessionHash { session_hash } => Some(session_hash.clone()),
        _ => None,
    });
    assert_eq!(got.expect("a session_hash event").as_slice(), expected.as_ref());
}
