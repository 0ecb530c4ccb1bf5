//! Every handshake message decoder over arbitrary bodies; when a decode
//! succeeds, encoding the value must give back exactly the bytes decoded
//! (the transcript hashes received bytes, RFC 5246 §7.4.9, so a decoder that
//! silently "normalises" would hide what the peer really sent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlslab::internal::messages::{
    decode_ec_point_formats, decode_empty, decode_named_group_list, decode_renegotiation_info,
    encode_handshake, split_handshake, Certificate, ClientHello, ClientKeyExchangeEcdhe, Finished,
    ServerHello, ServerKeyExchangeEcdhe,
};
use tlslab::wire::{Alert, HandshakeType, RecordHeader};

fn round_trip(body: &[u8], encode: impl FnOnce(&mut Vec<u8>)) {
    let mut again = Vec::new();
    encode(&mut again);
    assert_eq!(again, body, "decode then encode changed the bytes");
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 12 {
        0 => {
            if let Ok(m) = ClientHello::decode(body) {
                round_trip(body, |o| m.encode(o));
            }
        }
        1 => {
            if let Ok(m) = ServerHello::decode(body) {
                round_trip(body, |o| m.encode(o));
            }
        }
        2 => {
            if let Ok(m) = Certificate::decode(body) {
                round_trip(body, |o| m.encode(o));
            }
        }
        3 => {
            if let Ok(m) = ServerKeyExchangeEcdhe::decode(body) {
                assert_eq!(m.params_raw[..], body[..m.params_raw.len()]);
                round_trip(body, |o| m.encode(o));
            }
        }
        4 => {
            if let Ok(m) = ClientKeyExchangeEcdhe::decode(body) {
                round_trip(body, |o| m.encode(o));
            }
        }
        5 => {
            if let Ok(m) = Finished::decode(body) {
                assert_eq!(m.verify_data, body);
            }
        }
        6 => {
            if decode_empty(body, "ServerHelloDone").is_ok() {
                assert!(body.is_empty());
            }
        }
        7 => {
            if let Ok(groups) = decode_named_group_list(body) {
                assert_eq!(body.len(), 2 + 2 * groups.len());
            }
        }
        8 => {
            if let Ok(v) = decode_renegotiation_info(body) {
                assert_eq!(body.len(), 1 + v.len());
            }
        }
        9 => {
            if let Ok(v) = decode_ec_point_formats(body) {
                assert_eq!(body.len(), 1 + v.len());
            }
        }
        10 => {
            if let Ok(a) = Alert::decode(body) {
                assert_eq!(a.encode()[..], body[..]);
            }
            if let Ok(h) = <&[u8; 5]>::try_from(body) {
                assert_eq!(&RecordHeader::decode(h).encode(), h);
            }
        }
        _ => {
            // A whole message: header, then the decoder its type names.
            if let Ok((typ, inner)) = split_handshake(body) {
                assert_eq!(encode_handshake(typ, |o| o.extend_from_slice(inner)), body);
                match typ {
                    HandshakeType::CLIENT_HELLO => {
                        let _ = ClientHello::decode(inner);
                    }
                    HandshakeType::SERVER_HELLO => {
                        let _ = ServerHello::decode(inner);
                    }
                    HandshakeType::CERTIFICATE => {
                        let _ = Certificate::decode(inner);
                    }
                    HandshakeType::SERVER_KEY_EXCHANGE => {
                        let _ = ServerKeyExchangeEcdhe::decode(inner);
                    }
                    HandshakeType::CLIENT_KEY_EXCHANGE => {
                        let _ = ClientKeyExchangeEcdhe::decode(inner);
                    }
                    HandshakeType::FINISHED => {
                        let _ = Finished::decode(inner);
                    }
                    _ => {
                        let _ = decode_empty(inner, "empty message");
                    }
                }
            }
        }
    }
});
