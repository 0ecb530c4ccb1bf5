//! Malformed and hostile input from the server side: every case ends in a
//! named error and the right alert; nothing panics, nothing hangs.
//!
//! The valid bytes come from the published Illustrated TLS 1.2 connection
//! (vectors/illustrated-tls12); the tests damage them.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use tlslab::error::{HandshakeError, IllegalParameter, Received, RecordError, ToolError};
use tlslab::wire::{AlertDescription, CipherSuite, HandshakeType};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::{self, Timeouts};

fn vector() -> serde_json::Value {
    serde_json::from_str(include_str!("../vectors/illustrated-tls12/vector.json")).unwrap()
}

fn record(v: &serde_json::Value, i: usize) -> Vec<u8> {
    hex::decode(v["records"][i]["record"].as_str().unwrap()).unwrap()
}

fn started_client() -> (Client<'static>, Vec<u8>) {
    let mut c = ClientConfig::new("example.ulfheim.net");
    c.verification = Verification::Insecure;
    let mut client = Client::new(c);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    out.clear();
    (client, out)
}

/// Feeds `bytes` to a fresh client and returns the error and what it wrote.
fn feed(bytes: &[u8]) -> (Error, Vec<u8>) {
    let (mut client, mut out) = started_client();
    let err = client
        .receive(bytes, &mut out)
        .expect_err("hostile input was accepted");
    (err, out)
}

/// The plaintext alert record we must have sent.
fn alert_record(d: AlertDescription) -> Vec<u8> {
    vec![21, 3, 3, 0, 2, 2, d.0]
}

#[test]
fn truncated_server_hello_is_a_decode_error_naming_the_field() {
    let v = vector();
    let mut sh = record(&v, 1);
    // Shorten the handshake body by 3 bytes but keep the lengths consistent at the record level.
    let body_len = sh.len() - 5;
    sh.truncate(sh.len() - 3);
    sh[3..5].copy_from_slice(&((body_len - 3) as u16).to_be_bytes());
    sh[6..9].copy_from_slice(&((body_len - 7) as u32).to_be_bytes()[1..]);
    let (err, out) = feed(&sh);
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert!(d.what.starts_with("ServerHello"), "{d}");
    assert_eq!(out, alert_record(AlertDescription::DECODE_ERROR));
}

#[test]
fn wrong_inner_length_is_a_decode_error() {
    let v = vector();
    let mut sh = record(&v, 1);
    sh[8] = sh[8].wrapping_add(1); // handshake length one more than the record holds... and beyond
    let mut bytes = sh.clone();
    bytes.extend_from_slice(&record(&v, 2));
    let (err, out) = feed(&bytes);
    assert_eq!(err.alert(), Some(AlertDescription::DECODE_ERROR), "{err}");
    assert_eq!(out, alert_record(AlertDescription::DECODE_ERROR));
}

#[test]
fn garbage_handshake_message_is_unexpected_message_naming_the_state() {
    let bytes = [22, 3, 3, 0, 8, 0x63, 0, 0, 4, 1, 2, 3, 4];
    let (err, out) = feed(&bytes);
    let Error::Handshake(HandshakeError::UnexpectedMessage { expected, got, .. }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*expected, "ServerHello");
    assert_eq!(*got, Received::Handshake(HandshakeType(0x63)), "{got}");
    assert_eq!(out, alert_record(AlertDescription::UNEXPECTED_MESSAGE));
}

#[test]
fn oversized_record_is_record_overflow_before_the_body_arrives() {
    let (err, out) = feed(&[22, 3, 3, 0x48, 0x01]);
    assert!(
        matches!(err, Error::Record(RecordError::RecordOverflow { .. })),
        "{err:?}"
    );
    assert_eq!(out, alert_record(AlertDescription::RECORD_OVERFLOW));
}

#[test]
fn plaintext_http_is_named() {
    let (err, out) = feed(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    let Error::NotTls(msg) = &err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("HTTP"), "{msg}");
    assert!(out.is_empty(), "no TLS alert to a plaintext server");
}

#[test]
fn server_choosing_an_unoffered_suite_is_illegal_parameter() {
    let v = vector();
    let sh = record(&v, 1);
    let (mut client, mut out) = {
        let mut c = ClientConfig::new("example.ulfheim.net");
        c.verification = Verification::Insecure;
        c.suites = vec![tlslab::crypto::suites::find_by_name("ECDHE-RSA-AES128-GCM-SHA256").unwrap()];
        let mut client = Client::new(c);
        let mut out = vec![];
        client.start(&mut out).unwrap();
        out.clear();
        (client, out)
    };
    let err = client.receive(&sh, &mut out).unwrap_err();
    // The Illustrated TLS 1.2 ServerHello picks 0xc013, named
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA in the IANA registry.
    assert_eq!(
        err,
        Error::Handshake(HandshakeError::IllegalParameter(
            IllegalParameter::CipherSuiteNotOffered(CipherSuite(0xc013))
        ))
    );
    assert!(
        err.to_string().contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        "{err}"
    );
    assert_eq!(out, alert_record(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn application_data_before_the_handshake_is_unexpected() {
    let (err, out) = feed(&[23, 3, 3, 0, 3, 1, 2, 3]);
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE), "{err}");
    assert_eq!(out, alert_record(AlertDescription::UNEXPECTED_MESSAGE));
}

#[test]
fn server_alert_is_reported_by_name() {
    let (err, out) = feed(&[21, 3, 3, 0, 2, 2, 40]);
    assert_eq!(err.to_string(), "server sent alert fatal handshake_failure");
    assert!(out.is_empty(), "no alert in answer to a fatal alert");
}

/// Deterministic mutations of the published server flight: every byte
/// position gets one xor, one truncation point each; the client must return
/// (Ok or a named error) without panicking.
#[test]
fn no_mutation_of_a_real_server_flight_panics() {
    let v = vector();
    let flight: Vec<u8> = (1..=4).flat_map(|i| record(&v, i)).collect();
    for i in 0..flight.len() {
        let mut m = flight.clone();
        m[i] ^= 0x80 | (i as u8);
        let (mut client, mut out) = started_client();
        let _ = client.receive(&m, &mut out);
        let (mut client, mut out) = started_client();
        let _ = client.receive(&flight[..i], &mut out);
    }
}

#[test]
fn a_silent_server_times_out_instead_of_hanging() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(sock);
    });
    let started = Instant::now();
    let timeouts = Timeouts {
        read: Duration::from_millis(500),
        ..Timeouts::default()
    };
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Insecure;
    let err = net::connect(&addr.to_string(), Client::new(c), timeouts)
        .err()
        .unwrap();
    assert!(matches!(err, Error::Tool(ToolError::Timeout(_))), "{err:?}");
    assert!(err.to_string().contains("ExpectServerHello"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    holder.join().unwrap();
}

#[test]
fn a_server_that_closes_mid_record_is_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let v = vector();
    let partial = record(&v, 2)[..100].to_vec();
    let server = std::thread::spawn(move || {
        use std::io::Read;
        let (mut sock, _) = listener.accept().unwrap();
        let mut hello = [0u8; 4096];
        let _ = sock.read(&mut hello).unwrap();
        sock.write_all(&partial).unwrap();
        // A clean FIN (not a reset): read until the client gives up.
        sock.shutdown(std::net::Shutdown::Write).unwrap();
        let _ = sock.read_to_end(&mut Vec::new());
    });
    let mut c = ClientConfig::new("localhost");
    c.verification = Verification::Insecure;
    let err = net::connect(&addr.to_string(), Client::new(c), Timeouts::default())
        .err()
        .unwrap();
    assert!(
        matches!(err, Error::Tool(ToolError::ConnectionClosed(_))),
        "{err:?}"
    );
    server.join().unwrap();
}
