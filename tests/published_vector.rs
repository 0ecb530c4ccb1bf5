//! Replays "The Illustrated TLS 1.2 Connection" (https://tls12.xargs.org/,
//! vectors/illustrated-tls12) through the client, byte for byte.
//!
//! The client is given the walkthrough's ClientHello, its x25519 private key
//! and its CBC IVs. Every record it then writes must equal the published record,
//! and every value it derives must equal the published value. Expected values
//! all come from the published vector, none from our own output.

use tlslab::internal::messages::{split_handshake, ClientHello};
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::rng::{OsRng, ScriptedRng};
use tlslab::wire::ProtocolVersion;
use tlslab::CustomClientHello;
use tlslab::{Client, ClientConfig, Verification};

struct Vector(serde_json::Value);

impl Vector {
    fn load() -> Vector {
        let text = include_str!("../vectors/illustrated-tls12/vector.json");
        Vector(serde_json::from_str(text).unwrap())
    }
    fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.0[key].as_str().unwrap()).unwrap()
    }
    fn key_block(&self, key: &str) -> Vec<u8> {
        hex::decode(self.0["key_block"][key].as_str().unwrap()).unwrap()
    }
    fn record(&self, i: usize) -> Vec<u8> {
        hex::decode(self.0["records"][i]["record"].as_str().unwrap()).unwrap()
    }
    fn records(&self, range: std::ops::RangeInclusive<usize>) -> Vec<u8> {
        range.flat_map(|i| self.record(i)).collect()
    }
    fn explicit_iv(&self, i: usize) -> Vec<u8> {
        hex::decode(self.0["records"][i]["explicit_iv"].as_str().unwrap()).unwrap()
    }
}

/// A client set up to reproduce the walkthrough's client side.
fn walkthrough_client<'o>(v: &Vector, recorder: &'o mut Recorder) -> Client<'o> {
    let hello_record = v.record(0);
    let (_, body) = split_handshake(&hello_record[5..]).unwrap();
    let hello = ClientHello::decode(body).unwrap();
    let mut config = ClientConfig::new("example.ulfheim.net");
    // The walkthrough's certificate expired in 2019 and its CA is not published.
    config.verification = Verification::Insecure;
    config.custom_client_hello = Some(CustomClientHello {
        hello,
        keep_random: true,
        record_version: ProtocolVersion::TLS10,
    });
    config.rng = Box::new(ScriptedRng::new(
        vec![
            v.hex("client_x25519_private"),
            v.explicit_iv(7),  // client Finished
            v.explicit_iv(10), // "ping"
            v.explicit_iv(12), // close_notify
        ],
        OsRng::new(),
    ));
    Client::with_observer(config, recorder)
}

fn events<'a>(r: &'a Recorder, name: &str) -> Vec<&'a OwnedEvent> {
    r.events.iter().filter(|e| e.name() == name).collect()
}

#[test]
fn every_client_record_matches_the_published_connection() {
    let v = Vector::load();
    let mut recorder = Recorder::new();
    let mut client = walkthrough_client(&v, &mut recorder);
    let mut out = vec![];

    client.start(&mut out).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(v.record(0)), "ClientHello record");

    out.clear();
    client.receive(&v.records(1..=4), &mut out).unwrap();
    assert_eq!(
        hex::encode(&out),
        hex::encode(v.records(5..=7)),
        "ClientKeyExchange, ChangeCipherSpec, Finished"
    );

    out.clear();
    client.receive(&v.records(8..=9), &mut out).unwrap();
    assert!(client.is_established());
    assert!(out.is_empty());

    client.send(b"ping", &mut out).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(v.record(10)), "ping");

    out.clear();
    client.receive(&v.record(11), &mut out).unwrap();
    assert_eq!(client.take_received(), b"pong");

    client.close(&mut out).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(v.record(12)), "close_notify");
    drop(client);

    // Derived values against the published ones.
    let pms = events(&recorder, "pre_master_secret");
    assert!(matches!(pms[0], OwnedEvent::PreMasterSecret(p) if **p == v.hex("premaster")));
    let ms = events(&recorder, "master_secret");
    assert!(
        matches!(ms[0], OwnedEvent::MasterSecret { master_secret, .. } if master_secret.to_vec() == v.hex("master_secret"))
    );
    let kb = events(&recorder, "key_block");
    let OwnedEvent::KeyBlock(kb) = kb[0] else { panic!() };
    assert_eq!(kb.client_write_mac_key.0, v.key_block("client_write_mac_key"));
    assert_eq!(kb.server_write_mac_key.0, v.key_block("server_write_mac_key"));
    assert_eq!(kb.client_write_key.0, v.key_block("client_write_key"));
    assert_eq!(kb.server_write_key.0, v.key_block("server_write_key"));
    let fin = events(&recorder, "finished_verify");
    assert_eq!(fin.len(), 2);
    for (e, label, hash, verify) in [
        (
            fin[0],
            "client finished",
            "client_finished_handshake_hash",
            "client_verify_data",
        ),
        (
            fin[1],
            "server finished",
            "server_finished_handshake_hash",
            "server_verify_data",
        ),
    ] {
        let OwnedEvent::FinishedVerify {
            label: l,
            handshake_hash,
            computed,
            received,
        } = e
        else {
            panic!()
        };
        assert_eq!(*l, label);
        assert_eq!(handshake_hash.to_vec(), v.hex(hash), "{label} handshake hash");
        assert_eq!(computed.to_vec(), v.hex(verify), "{label} verify_data");
        assert_eq!(received.to_vec(), v.hex(verify));
    }
    // The key log line the walkthrough published.
    let (client_random, master_secret) = recorder
        .events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::MasterSecret {
                client_random,
                master_secret,
                ..
            } => Some((client_random.to_vec(), master_secret.to_vec())),
            _ => None,
        })
        .unwrap();
    let keylog = tlslab::observer::KeyLogWriter::<Vec<u8>>::line(
        &client_random.try_into().unwrap(),
        &master_secret.try_into().unwrap(),
    );
    assert_eq!(keylog, include_str!("../vectors/illustrated-tls12/keylog.txt"));
}

#[test]
fn server_flight_split_at_every_byte_boundary_gives_the_same_records() {
    let v = Vector::load();
    let flight = v.records(1..=4);
    let expected = v.records(5..=7);
    for cut in [1, 2, 4, 5, 6, 9, 58, 59, 60, 500, flight.len() - 1] {
        let mut recorder = Recorder::new();
        let mut client = walkthrough_client(&v, &mut recorder);
        let mut out = vec![];
        client.start(&mut out).unwrap();
        out.clear();
        client.receive(&flight[..cut], &mut out).unwrap();
        client.receive(&flight[cut..], &mut out).unwrap();
        assert_eq!(out, expected, "cut at {cut}");
    }
    // One byte at a time.
    let mut recorder = Recorder::new();
    let mut client = walkthrough_client(&v, &mut recorder);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    out.clear();
    for b in &flight {
        client.receive(std::slice::from_ref(b), &mut out).unwrap();
    }
    assert_eq!(out, expected);
}

#[test]
fn tampered_server_finished_is_a_bad_record_mac_with_evidence() {
    let v = Vector::load();
    let mut recorder = Recorder::new();
    let mut client = walkthrough_client(&v, &mut recorder);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    client.receive(&v.records(1..=4), &mut out).unwrap();
    let mut server = v.records(8..=9);
    // Record 9 starts at byte 6; flip one bit in its first ciphertext block
    // (after the 16-byte explicit IV): the plaintext block it decrypts to is
    // garbled while the padding in the last block is intact.
    server[6 + 5 + 16] ^= 0x01;
    out.clear();
    let err = client.receive(&server, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            tlslab::Error::Record(tlslab::error::RecordError::BadRecordMac { seq: 0, .. })
        ),
        "expected BadRecordMac at seq 0, got {err:?}"
    );
    assert_eq!(err.alert(), Some(tlslab::wire::AlertDescription::BAD_RECORD_MAC));
    // The alert went out, encrypted under the client keys (type 21, 0x0303).
    assert_eq!(&out[..3], &[21, 3, 3]);
    // Sticky.
    assert_eq!(client.receive(&[], &mut out).unwrap_err(), err);
    // The explainer finds the flipped bit by flipping it back.
    let explanation = client.explain_failure().expect("an explanation");
    let top = explanation.top().expect("a ranked cause");
    assert_eq!(top.cause.id(), "corrupted_in_transit", "{explanation}");
    assert!(explanation.is_certain(), "{explanation}");
    drop(client);
    let compared = events(&recorder, "mac_compared");
    assert!(matches!(
        compared.last(),
        Some(OwnedEvent::MacCompared {
            equal: false,
            seq: 0,
            ..
        })
    ));
    let padding = events(&recorder, "cbc_padding");
    assert!(
        matches!(padding.last(), Some(OwnedEvent::CbcPadding(p)) if p.well_formed && p.padding_length == 11)
    );
}
