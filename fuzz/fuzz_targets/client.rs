//! A whole client fed arbitrary server bytes after a valid ClientHello.
//!
//! The client is the one that reproduces "The Illustrated TLS 1.2
//! Connection" (vectors/illustrated-tls12): its published ClientHello,
//! client_random and x25519 key, so the published server flight (the seed
//! corpus) completes a real handshake and mutations of it reach every state.
//!
//! Input: `split ‖ server bytes`. `split` chooses the read sizes (0: one
//! read). Oracles: no panic, no hang; once the client has failed, the error is
//! sticky; whatever the client writes is whole records.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tlslab::CustomClientHello;
use tlslab::rng::{ScriptedRng, SeededRng};
use tlslab::internal::messages::{split_handshake, ClientHello};
use tlslab::wire::ProtocolVersion;
use tlslab::{Client, ClientConfig, Verification};

struct Published {
    hello: ClientHello,
    x25519_private: Vec<u8>,
}

fn published() -> &'static Published {
    static P: OnceLock<Published> = OnceLock::new();
    P.get_or_init(|| {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../vectors/illustrated-tls12/vector.json")).unwrap();
        let hex = |s: &serde_json::Value| hex::decode(s.as_str().unwrap()).unwrap();
        let record = hex(&v["records"][0]["record"]);
        let (_, body) = split_handshake(&record[5..]).unwrap();
        Published {
            hello: ClientHello::decode(body).unwrap(),
            x25519_private: hex(&v["client_x25519_private"]),
        }
    })
}

/// Checks that `out` is a sequence of whole records.
fn whole_records(mut out: &[u8]) {
    while !out.is_empty() {
        assert!(out.len() >= 5, "partial record header written");
        let len = usize::from(u16::from_be_bytes([out[3], out[4]]));
        assert!(out.len() >= 5 + len, "partial record written");
        out = &out[5 + len..];
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, server)) = data.split_first() else {
        return;
    };
    let p = published();
    let mut config = ClientConfig::new("example.ulfheim.net");
    config.verification = Verification::Insecure;
    config.custom_client_hello = Some(CustomClientHello {
        hello: p.hello.clone(),
        keep_random: true,
        record_version: ProtocolVersion::TLS10,
    });
    // Deterministic: the published key, then a fixed seed for CBC IVs.
    config.rng = Box::new(ScriptedRng::new(
        vec![p.x25519_private.clone()],
        SeededRng::new(1, 0),
    ));
    let mut client = Client::new(config);
    let mut out = Vec::new();
    client.start(&mut out).unwrap();
    out.clear();
    let mut step = usize::from(split);
    let mut rest = server;
    let mut failed = None;
    while !rest.is_empty() {
        let n = if split == 0 {
            rest.len()
        } else {
            step.min(rest.len()).max(1)
        };
        step = step * 7 % 251 + 1;
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        match client.receive(chunk, &mut out) {
            Ok(()) => assert!(failed.is_none(), "a failed client accepted more bytes"),
            Err(e) => {
                if let Some(first) = &failed {
                    assert_eq!(first, &e, "the error is not sticky");
                }
                failed = Some(e);
            }
        }
    }
    whole_records(&out);
    if client.is_established() {
        let mut app = Vec::new();
        let _ = client.send(b"ping", &mut app);
        whole_records(&app);
    }
});
