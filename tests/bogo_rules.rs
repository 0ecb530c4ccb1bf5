//! Client rules that BoringSSL's test runner (BoGo) examines, each checked
//! against a crafted server flight.
//!
//! The flights are "The Illustrated TLS 1.2 Connection" (https://tls12.xargs.org/,
//! vectors/illustrated-tls12), damaged or extended; the records the server
//! protects after the handshake are sealed with the walkthrough's published
//! key block. The limits (32 empty records, 4 warning alerts) are BoringSSL's
//! (`kMaxEmptyRecords`, `kMaxWarningAlerts` in ssl/s3_pkt.cc); the alerts are
//! the ones RFC 5246 §7.2 names.

use tlslab::bytes::Bytes;
use tlslab::crypto::suites;
use tlslab::error::{
    CertificateError, CertificateKind, HandshakeError, IllegalParameter, Received, RecordError,
};
use tlslab::internal::key_block::KeyBlock;
use tlslab::internal::messages::{split_handshake, ClientHello};
use tlslab::internal::record::{Protection, RecordLayerState};
use tlslab::observer::Hooks;
use tlslab::rng::{OsRng, ScriptedRng};
use tlslab::wire::{
    AlertDescription, CipherSuite, ContentType, Direction, ExtensionType, HandshakeType, ProtocolVersion,
    RecordHeader,
};
use tlslab::{Client, ClientConfig, CustomClientHello, Error, ServerNameIndication, Verification};

fn vector() -> serde_json::Value {
    serde_json::from_str(include_str!("../vectors/illustrated-tls12/vector.json")).unwrap()
}

fn record(v: &serde_json::Value, i: usize) -> Vec<u8> {
    hex::decode(v["records"][i]["record"].as_str().unwrap()).unwrap()
}

fn records(v: &serde_json::Value, range: std::ops::RangeInclusive<usize>) -> Vec<u8> {
    range.flat_map(|i| record(v, i)).collect()
}

/// A client that reproduces the walkthrough's client side (its ClientHello,
/// x25519 key and IVs), so the published server flight verifies.
fn walkthrough_client(v: &serde_json::Value) -> Client<'static> {
    walkthrough_client_with(v, |_| {})
}

/// [`walkthrough_client`] with `edit` applied to its configuration.
fn walkthrough_client_with(v: &serde_json::Value, edit: impl FnOnce(&mut ClientConfig)) -> Client<'static> {
    let hello_record = record(v, 0);
    let (_, body) = split_handshake(&hello_record[5..]).unwrap();
    let hello = ClientHello::decode(body).unwrap();
    let mut config = ClientConfig::new("example.ulfheim.net");
    config.verification = Verification::Insecure;
    edit(&mut config);
    config.custom_client_hello = Some(CustomClientHello {
        hello,
        keep_random: true,
        record_version: ProtocolVersion::TLS10,
    });
    let iv = |i: usize| hex::decode(v["records"][i]["explicit_iv"].as_str().unwrap()).unwrap();
    config.rng = Box::new(ScriptedRng::new(
        vec![
            hex::decode(v["client_x25519_private"].as_str().unwrap()).unwrap(),
            iv(7),
        ],
        OsRng::new(),
    ));
    let mut client = Client::new(config);
    client.start(&mut vec![]).unwrap();
    client
}

/// The walkthrough client after the published handshake.
fn established(v: &serde_json::Value) -> Client<'static> {
    let mut client = walkthrough_client(v);
    client.receive(&records(v, 1..=4), &mut vec![]).unwrap();
    client.receive(&records(v, 8..=9), &mut vec![]).unwrap();
    assert!(client.is_established());
    client
}

fn key_block(v: &serde_json::Value) -> KeyBlock {
    let k = |name: &str| Bytes(hex::decode(v["key_block"][name].as_str().unwrap()).unwrap());
    KeyBlock {
        client_write_mac_key: k("client_write_mac_key"),
        server_write_mac_key: k("server_write_mac_key"),
        client_write_key: k("client_write_key"),
        server_write_key: k("server_write_key"),
        client_write_iv: Bytes::default(),
        server_write_iv: Bytes::default(),
    }
}

/// The record layer of one side, from the published key block, at `seq`
/// (the server's Finished was its record 0).
fn record_layer(v: &serde_json::Value, keys: Direction, seq: u64) -> RecordLayerState {
    let suite = suites::lookup(CipherSuite(0xc013)).unwrap();
    RecordLayerState {
        direction: keys,
        protection: Protection::from_key_block(suite, &key_block(v), keys).unwrap(),
        seq,
    }
}

/// Records the server protects after its Finished, as the walkthrough's keys seal them.
fn server_records(v: &serde_json::Value, items: &[(ContentType, &[u8])]) -> Vec<u8> {
    let mut server = record_layer(v, Direction::ServerToClient, 1);
    let mut out = vec![];
    for (typ, data) in items {
        server
            .seal(
                *typ,
                ProtocolVersion::TLS12,
                data,
                &mut out,
                &mut OsRng::new(),
                &mut Hooks::none(),
            )
            .unwrap();
    }
    out
}

/// Opens the records the client wrote (its records 1, 2, ... after Finished).
fn open_client_records(v: &serde_json::Value, mut bytes: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
    let mut client = record_layer(v, Direction::ClientToServer, 1);
    let mut opened = vec![];
    while !bytes.is_empty() {
        let header = RecordHeader::decode(bytes[..5].try_into().unwrap());
        let len = usize::from(header.length);
        let mut payload = bytes[5..5 + len].to_vec();
        client.open(&header, &mut payload, &mut Hooks::none()).unwrap();
        opened.push((header.content_type, payload));
        bytes = &bytes[5 + len..];
    }
    opened
}

/// A plaintext alert record as we must send it before encryption starts.
fn plaintext_alert(d: AlertDescription) -> Vec<u8> {
    vec![21, 3, 3, 0, 2, 2, d.0]
}

#[test]
fn thirty_two_empty_records_pass_and_the_thirty_third_is_refused() {
    let v = vector();
    let mut client = established(&v);
    let empty: Vec<(ContentType, &[u8])> = vec![(ContentType::APPLICATION_DATA, &[]); 33];
    let sealed = server_records(&v, &empty);
    let one = sealed.len() / 33;
    let mut out = vec![];
    client.receive(&sealed[..32 * one], &mut out).unwrap();
    let err = client.receive(&sealed[32 * one..], &mut out).unwrap_err();
    assert_eq!(err, Error::Record(RecordError::TooManyEmptyRecords(33)));
    let sent = open_client_records(&v, &out);
    assert_eq!(
        sent,
        vec![(
            ContentType::ALERT,
            vec![2, AlertDescription::UNEXPECTED_MESSAGE.0]
        )]
    );
}

#[test]
fn data_between_empty_records_resets_the_count() {
    let v = vector();
    let mut client = established(&v);
    let mut items: Vec<(ContentType, &[u8])> = vec![(ContentType::APPLICATION_DATA, &[]); 30];
    items.push((ContentType::APPLICATION_DATA, b"x"));
    items.extend(vec![(ContentType::APPLICATION_DATA, &[][..]); 30]);
    client.receive(&server_records(&v, &items), &mut vec![]).unwrap();
    assert_eq!(client.take_received(), b"x");
}

#[test]
fn four_warning_alerts_pass_and_the_fifth_is_refused() {
    let v = vector();
    let warning: &[u8] = &[1, AlertDescription::NO_RENEGOTIATION.0];
    let mut client = established(&v);
    let four = server_records(&v, &[(ContentType::ALERT, warning); 4]);
    client.receive(&four, &mut vec![]).unwrap();
    let mut client = established(&v);
    let five = server_records(&v, &[(ContentType::ALERT, warning); 5]);
    let mut out = vec![];
    let err = client.receive(&five, &mut out).unwrap_err();
    assert_eq!(err, Error::Record(RecordError::TooManyWarningAlerts(5)));
    assert_eq!(
        open_client_records(&v, &out),
        vec![(
            ContentType::ALERT,
            vec![2, AlertDescription::UNEXPECTED_MESSAGE.0]
        )]
    );
}

#[test]
fn close_notify_is_answered_with_ours() {
    // RFC 5246 §7.2.1: "The other party MUST respond with a close_notify
    // alert of its own and close down the connection immediately".
    let v = vector();
    let mut client = established(&v);
    let mut out = vec![];
    client
        .receive(&server_records(&v, &[(ContentType::ALERT, &[1, 0])]), &mut out)
        .unwrap();
    assert!(client.is_closed());
    assert_eq!(
        open_client_records(&v, &out),
        vec![(ContentType::ALERT, vec![1, 0])]
    );

    // Having closed first, we answer nothing: our close_notify was the answer.
    let mut client = established(&v);
    let mut ours = vec![];
    client.close(&mut ours).unwrap();
    let mut out = vec![];
    let server = server_records(&v, &[(ContentType::ALERT, &[1, 0])]);
    client.receive(&server, &mut out).unwrap();
    assert!(out.is_empty());
}

#[test]
fn finished_data_and_close_notify_in_one_read_complete_the_handshake() {
    // BoGo's Shutdown-Shim-* tests with packed handshake records: the
    // server's Finished, application data and close_notify can reach the
    // client in one read. The handshake completed and then the connection
    // closed: `handshake_completed` says the first, `is_established` no
    // longer does.
    let v = vector();
    let mut client = walkthrough_client(&v);
    client.receive(&records(&v, 1..=4), &mut vec![]).unwrap();
    assert!(!client.handshake_completed());
    let mut burst = records(&v, 8..=9);
    burst.extend(server_records(
        &v,
        &[
            (ContentType::APPLICATION_DATA, b"before the end"),
            (ContentType::ALERT, &[1, 0]),
        ],
    ));
    client.receive(&burst, &mut vec![]).unwrap();
    assert!(client.handshake_completed());
    assert!(!client.is_established());
    assert!(client.is_closed() && client.close_notify_received());
    assert_eq!(client.take_received(), b"before the end");
}

#[test]
fn an_alert_of_unknown_level_is_illegal_parameter() {
    let v = vector();
    let mut client = walkthrough_client(&v);
    let mut bytes = record(&v, 1);
    bytes.extend_from_slice(&[21, 3, 3, 0, 2, 3, AlertDescription::HANDSHAKE_FAILURE.0]);
    let mut out = vec![];
    let err = client.receive(&bytes, &mut out).unwrap_err();
    assert_eq!(err, Error::Record(RecordError::UnknownAlertLevel(3)));
    assert_eq!(out, plaintext_alert(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn a_record_version_other_than_tls12_after_server_hello_is_refused() {
    // The ServerHello record itself may carry any 3.x version; after it the
    // negotiated version is fixed (RFC 5246 Appendix E.1).
    let v = vector();
    let mut client = walkthrough_client(&v);
    let mut bytes = record(&v, 1);
    bytes[1..3].copy_from_slice(&[3, 1]);
    let mut certificate = record(&v, 2);
    certificate[1..3].copy_from_slice(&[3, 1]);
    bytes.extend_from_slice(&certificate);
    let mut out = vec![];
    let err = client.receive(&bytes, &mut out).unwrap_err();
    assert_eq!(
        err,
        Error::Record(RecordError::WrongRecordVersion(ProtocolVersion::TLS10))
    );
    assert_eq!(out, plaintext_alert(AlertDescription::PROTOCOL_VERSION));
}

#[test]
fn handshake_data_after_server_hello_done_stops_our_flight() {
    // A partial Finished packed behind ServerHelloDone: our ClientKeyExchange,
    // ChangeCipherSpec and Finished must not go out, only the alert.
    let v = vector();
    let mut client = walkthrough_client(&v);
    let mut bytes = records(&v, 1..=3);
    bytes.extend_from_slice(&[22, 3, 3, 0, 8, 0x0e, 0, 0, 0, 0x14, 0, 0, 0x0c]);
    let mut out = vec![];
    let err = client.receive(&bytes, &mut out).unwrap_err();
    assert_eq!(
        err,
        Error::Handshake(HandshakeError::ExcessHandshakeData {
            after: HandshakeType::SERVER_HELLO_DONE
        })
    );
    assert_eq!(out, plaintext_alert(AlertDescription::UNEXPECTED_MESSAGE));
}

/// The walkthrough's ServerHello with one more extension at the end.
fn server_hello_with(v: &serde_json::Value, typ: ExtensionType, data: &[u8]) -> Vec<u8> {
    let mut rec = record(v, 1);
    let sid_len = usize::from(rec[5 + 4 + 34]);
    let ext_len_at = 5 + 4 + 35 + sid_len + 3;
    let add = 4 + data.len();
    let bump = |rec: &mut Vec<u8>, at: usize, width: usize| {
        let mut n = 0usize;
        for b in &rec[at..at + width] {
            n = n << 8 | usize::from(*b);
        }
        let bytes = (n + add).to_be_bytes();
        rec[at..at + width].copy_from_slice(&bytes[bytes.len() - width..]);
    };
    bump(&mut rec, 3, 2);
    bump(&mut rec, 6, 3);
    bump(&mut rec, ext_len_at, 2);
    rec.extend_from_slice(&typ.0.to_be_bytes());
    rec.extend_from_slice(&(data.len() as u16).to_be_bytes());
    rec.extend_from_slice(data);
    rec
}

fn client_with_sni(sni: ServerNameIndication) -> Client<'static> {
    let mut config = ClientConfig::new("example.ulfheim.net");
    config.verification = Verification::Insecure;
    config.sni = sni;
    let mut client = Client::new(config);
    client.start(&mut vec![]).unwrap();
    client
}

#[test]
fn a_server_name_acknowledgement_needs_our_server_name() {
    // RFC 6066 §3 lets the server answer server_name with an empty extension;
    // RFC 5246 §7.4.1.4 forbids answering an extension we did not send.
    let v = vector();
    let ack = server_hello_with(&v, ExtensionType::SERVER_NAME, &[]);
    let mut offered = client_with_sni(ServerNameIndication::SameAsServerName);
    offered.receive(&ack, &mut vec![]).unwrap();
    let mut omitted = client_with_sni(ServerNameIndication::Omit);
    let mut out = vec![];
    let err = omitted.receive(&ack, &mut out).unwrap_err();
    assert_eq!(
        err,
        Error::Handshake(HandshakeError::UnsupportedExtension(ExtensionType::SERVER_NAME))
    );
    assert_eq!(out, plaintext_alert(AlertDescription::UNSUPPORTED_EXTENSION));
}

#[test]
fn supported_groups_in_a_tls12_server_hello_is_tolerated() {
    let v = vector();
    let hello = server_hello_with(&v, ExtensionType::SUPPORTED_GROUPS, &[0, 2, 0, 0x1d]);
    let mut client = client_with_sni(ServerNameIndication::SameAsServerName);
    client.receive(&hello, &mut vec![]).unwrap();
    assert_eq!(client.state_name(), tlslab::StateName::ExpectCertificate);
}

/// A self-signed certificate made by the `openssl` tool (independent of our
/// DER reader), DER-encoded.
fn openssl_certificate(newkey: &[&str], key_usage: Option<&str>) -> Vec<u8> {
    let dir = tlslab_peers::certs::fresh_dir("tlslab-keyusage").unwrap();
    let mut args = vec![
        "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", "k.pem",
    ];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-outform", "DER", "-out", "c.der"]);
    let ext;
    if let Some(usage) = key_usage {
        ext = format!("keyUsage=critical,{usage}");
        args.extend_from_slice(&["-addext", &ext]);
    }
    let (ok, text) = tlslab_peers::certs::openssl_tool(&dir, &args).unwrap();
    assert!(ok, "{text}");
    let der = std::fs::read(dir.join("c.der")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    der
}

const RSA: &[&str] = &["-newkey", "rsa:2048"];
const P384: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"];

/// A Certificate message (RFC 5246 §7.4.2) holding one certificate, in a record.
fn certificate_record(der: &[u8]) -> Vec<u8> {
    let u24 = |n: usize| (n as u32).to_be_bytes()[1..].to_vec();
    let mut body = u24(der.len() + 3);
    body.extend_from_slice(&u24(der.len()));
    body.extend_from_slice(der);
    let mut hs = vec![11];
    hs.extend_from_slice(&u24(body.len()));
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 3];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn key_usage_is_read_as_openssl_wrote_it() {
    use tlslab::internal::signature::{key_usage, KeyUsage};
    let ku = |usage| key_usage(&openssl_certificate(RSA, usage)).unwrap();
    assert_eq!(
        ku(Some("keyEncipherment")),
        Some(KeyUsage {
            digital_signature: false,
            key_encipherment: true
        })
    );
    assert_eq!(
        ku(Some("digitalSignature,keyEncipherment")),
        Some(KeyUsage {
            digital_signature: true,
            key_encipherment: true
        })
    );
    // `openssl req -x509` adds no keyUsage unless asked.
    assert_eq!(ku(None), None);
}

#[test]
fn an_rsa_key_for_encipherment_only_cannot_sign_server_key_exchange() {
    // The walkthrough's suite is ECDHE_RSA: the key signs ServerKeyExchange.
    let v = vector();
    let mut client = walkthrough_client(&v);
    let mut bytes = record(&v, 1);
    bytes.extend_from_slice(&certificate_record(&openssl_certificate(
        RSA,
        Some("keyEncipherment"),
    )));
    let mut out = vec![];
    let err = client.receive(&bytes, &mut out).unwrap_err();
    let Error::Certificate(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(c.kind, tlslab::error::CertificateKind::KeyUsage, "{err}");
    assert_eq!(out, plaintext_alert(AlertDescription::BAD_CERTIFICATE));

    // With digitalSignature the certificate passes this step.
    let mut client = walkthrough_client(&v);
    let mut bytes = record(&v, 1);
    bytes.extend_from_slice(&certificate_record(&openssl_certificate(
        RSA,
        Some("digitalSignature"),
    )));
    client.receive(&bytes, &mut vec![]).unwrap();
    assert_eq!(client.state_name(), tlslab::StateName::ExpectServerKeyExchange);
}

#[test]
fn an_ecdsa_key_on_a_curve_we_did_not_offer_is_refused() {
    // The walkthrough's ServerHello, answering ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    // (0xc009) instead; the client offers x25519 and P-256, the key is P-384.
    let v = vector();
    let mut config = ClientConfig::new("example.ulfheim.net");
    config.verification = Verification::Insecure;
    config.groups = vec![
        tlslab::wire::NamedGroup::X25519,
        tlslab::wire::NamedGroup::SECP256R1,
    ];
    let mut client = Client::new(config);
    client.start(&mut vec![]).unwrap();
    let mut hello = record(&v, 1);
    let sid_len = usize::from(hello[5 + 4 + 34]);
    let at = 5 + 4 + 35 + sid_len;
    hello[at..at + 2].copy_from_slice(&[0xc0, 0x09]);
    hello.extend_from_slice(&certificate_record(&openssl_certificate(P384, None)));
    let mut out = vec![];
    let err = client.receive(&hello, &mut out).unwrap_err();
    let Error::Certificate(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(c.kind, tlslab::error::CertificateKind::CurveNotOffered, "{err}");
    assert_eq!(out, plaintext_alert(AlertDescription::UNSUPPORTED_CERTIFICATE));
}

#[test]
fn the_tls13_downgrade_sentinel_is_accepted_by_a_tls12_only_client() {
    // RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 ends
    // ServerHello.random with 44 4F 57 4E 47 52 44 01 ("DOWNGRD\x01") whatever
    // the client offered; only TLS 1.3 clients refuse it. tlslab never offers
    // TLS 1.3, so the sentinel is what it sees from every TLS 1.3 server.
    let v = vector();
    let mut hello = record(&v, 1);
    hello[5 + 4 + 2 + 24..5 + 4 + 2 + 32].copy_from_slice(b"DOWNGRD\x01");
    let mut client = client_with_sni(ServerNameIndication::SameAsServerName);
    client.receive(&hello, &mut vec![]).unwrap();
    assert_eq!(client.state_name(), tlslab::StateName::ExpectCertificate);
}

#[test]
fn either_downgrade_sentinel_under_tls11_is_refused() {
    // RFC 8446 §4.1.3: a server that speaks TLS 1.2 or 1.3 and negotiates
    // TLS 1.1 ends ServerHello.random with "DOWNGRD\x00"; a TLS 1.3 server
    // that sends "DOWNGRD\x01" instead (BoringSSL's runner does, test
    // Downgrade-TLS11-Client) also had TLS 1.2 in common with our offer.
    // The walkthrough's ServerHello, its version turned into TLS 1.1 (its
    // suite, ECDHE-RSA-AES128-SHA, exists there).
    let v = vector();
    let tls11_hello = |tail: &[u8; 8]| {
        let mut hello = record(&v, 1);
        hello[5 + 4..5 + 4 + 2].copy_from_slice(&[3, 2]);
        hello[5 + 4 + 2 + 24..5 + 4 + 2 + 32].copy_from_slice(tail);
        hello
    };
    let legacy_client = || {
        let mut config = ClientConfig::new("example.ulfheim.net");
        config.verification = Verification::Insecure;
        config.min_version = ProtocolVersion::TLS10;
        let mut client = Client::new(config);
        client.start(&mut vec![]).unwrap();
        client
    };
    for tail in [b"DOWNGRD\x00", b"DOWNGRD\x01"] {
        let mut out = vec![];
        let err = legacy_client().receive(&tls11_hello(tail), &mut out).unwrap_err();
        assert_eq!(
            err,
            Error::Handshake(HandshakeError::IllegalParameter(
                IllegalParameter::DowngradeSentinel(ProtocolVersion::TLS11)
            )),
            "{tail:?}"
        );
        assert_eq!(out, plaintext_alert(AlertDescription::ILLEGAL_PARAMETER));
    }
    // The control: any other ending is a TLS 1.1 handshake that goes on.
    let mut client = legacy_client();
    client.receive(&tls11_hello(b"NOTADOWN"), &mut vec![]).unwrap();
    assert_eq!(client.state_name(), tlslab::StateName::ExpectCertificate);
}

#[test]
fn the_first_records_carry_the_hello_record_version() {
    // RFC 5246 Appendix E.1: "TLS clients that wish to negotiate with older
    // servers MAY send any value {03,XX} as the record layer version
    // number"; by default tlslab sends ClientHello.client_version, and
    // `hello_record_version` picks another (BoringSSL's runner checks for
    // TLS 1.0, ExpectInitialRecordVersion). An alert sent before a version
    // is agreed goes out the same way; records after it carry the agreed
    // version.
    let v = vector();
    for (chosen, wire) in [(None, [3, 3]), (Some(ProtocolVersion::TLS10), [3, 1])] {
        let mut config = ClientConfig::new("example.ulfheim.net");
        config.verification = Verification::Insecure;
        config.hello_record_version = chosen;
        let mut client = Client::new(config);
        let mut hello = vec![];
        client.start(&mut hello).unwrap();
        assert_eq!(hello[1..3], wire, "{chosen:?}");
        // A ServerHello for SSL 3.0: the protocol_version alert (70) that
        // answers it goes out before any version was agreed.
        let mut bad = record(&v, 1);
        bad[5 + 4..5 + 4 + 2].copy_from_slice(&[3, 0]);
        let mut out = vec![];
        client.receive(&bad, &mut out).unwrap_err();
        assert_eq!(out, vec![21, wire[0], wire[1], 0, 2, 2, 70], "{chosen:?}");
    }
}

#[test]
fn after_our_close_notify_the_server_is_read_until_its_own() {
    // RFC 5246 §7.2.1: the side that closes first may wait for the other's
    // close_notify. An empty record (§6.2.1 allows zero-length application
    // data) and a warning alert before it change nothing, and need no answer.
    let v = vector();
    let warning: &[u8] = &[1, AlertDescription::NO_RENEGOTIATION.0];
    let mut client = established(&v);
    client.close(&mut vec![]).unwrap();
    assert!(!client.close_notify_received());
    let server = server_records(
        &v,
        &[
            (ContentType::APPLICATION_DATA, &[]),
            (ContentType::ALERT, warning),
            (ContentType::ALERT, &[1, 0]),
        ],
    );
    let mut out = vec![];
    client.receive(&server, &mut out).unwrap();
    assert!(client.close_notify_received());
    assert!(out.is_empty(), "our close_notify already answered the server's");

    // Data after our close_notify has no reader: it is refused.
    let mut client = established(&v);
    client.close(&mut vec![]).unwrap();
    let late = server_records(&v, &[(ContentType::APPLICATION_DATA, b"late")]);
    let err = client.receive(&late, &mut vec![]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Handshake(HandshakeError::UnexpectedMessage {
                got: Received::ApplicationData,
                ..
            })
        ),
        "{err}"
    );
}

#[test]
fn abort_sends_the_fatal_alert_and_ends_the_connection() {
    // RFC 5246 §7.2: "Alert messages with a level of fatal result in the
    // immediate termination of the connection" (and the session must not be
    // resumed: `session_to_resume` is then None).
    let v = vector();
    let mut client = established(&v);
    let mut out = vec![];
    client
        .abort(AlertDescription::DECOMPRESSION_FAILURE, &mut out)
        .unwrap();
    assert_eq!(
        open_client_records(&v, &out),
        vec![(
            ContentType::ALERT,
            vec![2, AlertDescription::DECOMPRESSION_FAILURE.0]
        )]
    );
    assert!(client.session_to_resume().is_none());
    assert!(client.send(b"more", &mut vec![]).is_err());
}

#[test]
fn a_custom_verifier_refusal_sends_the_alert_it_chose() {
    // RFC 5246 §7.2.2: certificate_unknown is "some other (unspecified) issue
    // ... rendering it unacceptable": the verifier knows which.
    let v = vector();
    let verification = Verification::Custom(Box::new(|chain, _| {
        assert_eq!(chain.len(), 1, "the walkthrough's chain is its one certificate");
        Err(Error::Certificate(CertificateError {
            kind: CertificateKind::RefusedByVerifier(AlertDescription::CERTIFICATE_UNKNOWN),
            reason: "pinned key differs".into(),
        }))
    }));
    let mut client = walkthrough_client_with(&v, |c| c.verification = verification);
    let mut out = vec![];
    let err = client.receive(&records(&v, 1..=4), &mut out).unwrap_err();
    assert!(matches!(err, Error::Certificate(_)), "{err}");
    assert_eq!(out, plaintext_alert(AlertDescription::CERTIFICATE_UNKNOWN));
}

#[test]
fn the_certificate_types_a_server_requests_are_kept() {
    // RFC 5246 §7.4.4: CertificateRequest { certificate_types<1..2^8-1>,
    // supported_signature_algorithms<2..2^16-2>, certificate_authorities<0..2^16-1> };
    // rsa_sign(1), ecdsa_sign(64) (RFC 8422 §5.5).
    let v = vector();
    let mut client = walkthrough_client(&v);
    client.receive(&records(&v, 1..=3), &mut vec![]).unwrap();
    assert_eq!(client.session().requested_certificate_types, None);
    let body = [2, 1, 64, 0, 2, 4, 1, 0, 0];
    let mut record = vec![22, 3, 3, 0, 4 + body.len() as u8, 13, 0, 0, body.len() as u8];
    record.extend_from_slice(&body);
    client.receive(&record, &mut vec![]).unwrap();
    assert_eq!(
        client.session().requested_certificate_types.as_deref(),
        Some(&vec![1u8, 64])
    );
}

/// Our ClientHello message (handshake header included) for `config`.
fn client_hello_message(config: ClientConfig) -> Vec<u8> {
    let mut client = Client::new(config);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    assert_eq!(out[0], 22, "a handshake record");
    out[5..].to_vec()
}

#[test]
fn a_client_hello_of_256_to_511_bytes_is_padded_to_512() {
    // RFC 7685 §1: servers that hang on a ClientHello of 256 to 511 bytes;
    // §3: the padding extension (21) holds zero bytes. Names of every length
    // from 1 to 300 move the unpadded message across the whole window.
    let mut padded = 0;
    for n in 1..=300 {
        let name = format!("{}.example", "a".repeat(n));
        let mut config = ClientConfig::new(&name);
        config.pad_client_hello = false;
        let plain = client_hello_message(config).len();
        let message = client_hello_message(ClientConfig::new(&name));
        let (_, body) = split_handshake(&message).unwrap();
        let hello = ClientHello::decode(body).unwrap();
        let padding: Vec<_> = hello
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.typ == ExtensionType(21))
            .collect();
        if (256..512).contains(&plain) {
            padded += 1;
            assert!(message.len() >= 512, "{plain} -> {}", message.len());
            assert!(
                message.len() == 512 || plain > 508,
                "{plain} -> {}",
                message.len()
            );
            assert_eq!(padding.len(), 1);
            assert!(padding[0].data.iter().all(|&b| b == 0));
        } else {
            assert_eq!(message.len(), plain);
            assert!(padding.is_empty());
        }
    }
    assert!(padded > 100, "the names cover the window ({padded} padded)");
}

#[test]
fn fallback_scsv_is_the_last_suite_when_asked_for() {
    // RFC 7507 §4: TLS_FALLBACK_SCSV is {0x56, 0x00}, sent by a client that
    // retries at a lower version than it supports.
    for (asked, expected) in [(false, false), (true, true)] {
        let mut config = ClientConfig::new("example.com");
        config.fallback_scsv = asked;
        let message = client_hello_message(config);
        let (_, body) = split_handshake(&message).unwrap();
        let hello = ClientHello::decode(body).unwrap();
        assert_eq!(hello.cipher_suites.last() == Some(&CipherSuite(0x5600)), expected);
        assert_eq!(
            hello
                .cipher_suites
                .iter()
                .filter(|&&s| s == CipherSuite(0x5600))
                .count(),
            usize::from(expected)
        );
    }
}

#[test]
fn a_certificate_message_over_the_configured_limit_is_refused_from_its_header() {
    // The walkthrough's Certificate message (record 2) announces its body
    // length in bytes 1..4 of the message (RFC 5246 §7.4).
    let v = vector();
    let certificate = record(&v, 2);
    let body_len =
        usize::from(certificate[6]) << 16 | usize::from(certificate[7]) << 8 | usize::from(certificate[8]);
    let mut client = walkthrough_client_with(&v, |c| c.max_certificate_message = body_len);
    client.receive(&records(&v, 1..=4), &mut vec![]).unwrap();

    let mut client = walkthrough_client_with(&v, |c| c.max_certificate_message = body_len - 1);
    client.receive(&record(&v, 1), &mut vec![]).unwrap();
    // A record holding only the message's header: refused before the body
    // arrives.
    let mut header_only = vec![22, 3, 3, 0, 4];
    header_only.extend_from_slice(&certificate[5..9]);
    let mut out = vec![];
    let err = client.receive(&header_only, &mut out).unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.what == "Handshake.length"),
        "{err}"
    );
    assert_eq!(out, plaintext_alert(AlertDescription::DECODE_ERROR));
}

/// A client resuming a made-up session by its session ID (32 bytes of 7s).
fn resuming_client(session_ems: bool) -> Client<'static> {
    let mut config = ClientConfig::new("example.com");
    config.verification = Verification::Insecure;
    config.resume = Some(tlslab::session::StoredSession {
        server_name: "example.com".into(),
        version: tlslab::wire::ProtocolVersion::TLS12,
        cipher_suite: CipherSuite(0xc02f),
        session_id: Bytes(vec![7; 32]),
        master_secret: [1; 48],
        extended_master_secret: session_ems,
        encrypt_then_mac: false,
        ticket: None,
        ticket_lifetime_hint: 0,
    });
    let mut client = Client::new(config);
    client.start(&mut vec![]).unwrap();
    client
}

/// A ServerHello record with this session ID, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
/// and extended_master_secret when `ems`.
fn server_hello_record(session_id: &[u8], ems: bool) -> Vec<u8> {
    use tlslab::internal::messages::{encode_handshake, Extension, ServerHello};
    let mut extensions = vec![Extension::renegotiation_info(&[])];
    if ems {
        extensions.push(Extension::extended_master_secret());
    }
    let hello = ServerHello {
        server_version: ProtocolVersion::TLS12,
        random: [0x5a; 32],
        session_id: session_id.to_vec(),
        cipher_suite: CipherSuite(0xc02f),
        compression_method: tlslab::wire::CompressionMethod::NULL,
        extensions: Some(extensions),
    };
    let raw = encode_handshake(HandshakeType::SERVER_HELLO, |o| hello.encode(o));
    let mut record = vec![22, 3, 3];
    record.extend_from_slice(&(raw.len() as u16).to_be_bytes());
    record.extend_from_slice(&raw);
    record
}

#[test]
fn a_resumption_must_keep_the_sessions_extended_master_secret() {
    // RFC 7627 §5.3: "If the original session used the extended master secret
    // but the new ServerHello does not contain the extension, the client MUST
    // abort the handshake", and the other way round: otherwise a session made
    // without it could be resumed into a connection that believes it is bound
    // to its handshake (the triple handshake attack).
    for (session_ems, server_ems) in [(true, false), (false, true)] {
        let mut client = resuming_client(session_ems);
        let mut out = vec![];
        let err = client
            .receive(&server_hello_record(&[7; 32], server_ems), &mut out)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Handshake(HandshakeError::HandshakeFailure(
                    tlslab::error::HandshakeFailure::ResumptionChangedExtendedMasterSecret { session, server }
                )) if session == session_ems && server == server_ems
            ),
            "{err}"
        );
        assert_eq!(out, plaintext_alert(AlertDescription::HANDSHAKE_FAILURE));
    }
    // The same choice both times resumes.
    for ems in [true, false] {
        let mut client = resuming_client(ems);
        client
            .receive(&server_hello_record(&[7; 32], ems), &mut vec![])
            .unwrap();
        assert!(client.session().resumed);
    }
}

#[test]
fn only_the_offered_session_id_echoed_means_resumption() {
    // RFC 5246 §7.4.1.3: the same session_id as ClientHello.session_id means
    // the session is resumed; any other (or none) starts a new session, and a
    // full handshake with a Certificate follows.
    for other in [&[][..], &[7; 31][..], &[8; 32][..]] {
        let mut client = resuming_client(true);
        client
            .receive(&server_hello_record(other, true), &mut vec![])
            .unwrap();
        assert!(!client.session().resumed, "{other:?}");
        assert_eq!(client.state_name(), tlslab::StateName::ExpectCertificate);
    }
    let mut client = resuming_client(true);
    client
        .receive(&server_hello_record(&[7; 32], true), &mut vec![])
        .unwrap();
    assert!(client.session().resumed);
    assert_eq!(client.state_name(), tlslab::StateName::ExpectChangeCipherSpec);
}
