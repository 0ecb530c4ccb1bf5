//! The key-exchange messages of the RSA and finite-field DHE suites
//! ([RFC 5246 §7.4.3], [§7.4.7]).
//!
//! ```text
//! struct {                                    struct {
//!     opaque dh_p<1..2^16-1>;                     ServerDHParams params;
//!     opaque dh_g<1..2^16-1>;                     digitally-signed struct {
//!     opaque dh_Ys<1..2^16-1>;                        opaque client_random[32];
//! } ServerDHParams;                                   opaque server_random[32];
//!                                                     ServerDHParams params;
//!                                                 } signed_params;
//!                                             } ServerKeyExchange;   /* dhe_rsa */
//!
//! struct { opaque dh_Yc<1..2^16-1>; } ClientDiffieHellmanPublic;     /* explicit */
//! struct { public-key-encrypted PreMasterSecret pre_master_secret; } EncryptedPreMasterSecret;
//! ```
//!
//! An RSA suite sends no ServerKeyExchange at all: the certificate's key is
//! the key exchange. Decoders take the message body (after the 4-byte
//! handshake header), as in [`super::messages`].
//!
//! [RFC 5246 §7.4.3]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.3
//! [§7.4.7]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.7

use super::messages::DigitallySigned;
use super::reader::{put_vec, Reader};
use super::SignatureScheme;
use crate::wire::DecodeError;

/// `ServerDHParams` (RFC 5246 §7.4.3): the server's group and public value.
/// Big-endian unsigned integers, kept as the bytes received (a leading zero
/// byte, if the server sent one, stays: the signature covers it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerDhParams {
    /// `dh_p`: the prime modulus.
    pub dh_p: Vec<u8>,
    /// `dh_g`: the generator.
    pub dh_g: Vec<u8>,
    /// `dh_Ys`: the server's public value, `g^X mod p`.
    pub dh_ys: Vec<u8>,
}

impl ServerDhParams {
    /// Reads the three vectors from `r`, each `<1..2^16-1>`: an empty one is
    /// refused here, as the syntax requires, before any arithmetic sees it.
    pub fn decode_from(r: &mut Reader<'_>) -> Result<ServerDhParams, DecodeError> {
        let mut one = |what: &'static str| -> Result<Vec<u8>, DecodeError> {
            let v = r.vec_u16(what)?.rest().to_vec();
            if v.is_empty() {
                return Err(r.invalid(what, "empty, the minimum length is 1"));
            }
            Ok(v)
        };
        let dh_p = one("ServerDHParams.dh_p")?;
        let dh_g = one("ServerDHParams.dh_g")?;
        let dh_ys = one("ServerDHParams.dh_Ys")?;
        Ok(ServerDhParams { dh_p, dh_g, dh_ys })
    }

    /// Appends the encoding.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 2, &self.dh_p);
        put_vec(out, 2, &self.dh_g);
        put_vec(out, 2, &self.dh_ys);
    }
}

/// ServerKeyExchange for DHE_RSA (RFC 5246 §7.4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchangeDhe {
    /// `params`.
    pub params: ServerDhParams,
    /// The exact bytes of `params` as received: what the signature covers,
    /// after `client_random` and `server_random`.
    pub params_raw: Vec<u8>,
    /// `signed_params`.
    pub signed: DigitallySigned,
}

impl ServerKeyExchangeDhe {
    /// Decodes a TLS 1.2 body.
    pub fn decode(body: &[u8]) -> Result<ServerKeyExchangeDhe, DecodeError> {
        ServerKeyExchangeDhe::decode_with(body, None)
    }

    /// Decodes a body whose signature has no algorithm field when `implicit`
    /// names the scheme (TLS 1.0/1.1, RFC 2246 §7.4.3); with `None`, as TLS
    /// 1.2 writes it.
    pub fn decode_with(
        body: &[u8],
        implicit: Option<SignatureScheme>,
    ) -> Result<ServerKeyExchangeDhe, DecodeError> {
        let mut r = Reader::new(body);
        let params = ServerDhParams::decode_from(&mut r)?;
        let params_raw = body[..r.offset()].to_vec();
        let scheme = match implicit {
            Some(s) => s,
            None => SignatureScheme(r.u16("DigitallySigned.algorithm")?),
        };
        let signature = r.vec_u16("DigitallySigned.signature")?.rest().to_vec();
        r.expect_empty("ServerKeyExchange")?;
        Ok(ServerKeyExchangeDhe {
            params,
            params_raw,
            signed: DigitallySigned { scheme, signature },
        })
    }

    /// Encodes the body (from `params`; `params_raw` is not consulted).
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.params.encode(out);
        out.extend_from_slice(&self.signed.scheme.0.to_be_bytes());
        put_vec(out, 2, &self.signed.signature);
    }
}

/// ClientKeyExchange for DHE: `ClientDiffieHellmanPublic` with
/// `PublicValueEncoding` explicit (RFC 5246 §7.4.7.2). The implicit encoding
/// (an empty message) only applies to client certificates with fixed DH
/// keys, which no suite here uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientDiffieHellmanPublic {
    /// `dh_Yc`: our public value `g^x mod p`, big-endian.
    pub dh_yc: Vec<u8>,
}

impl ClientDiffieHellmanPublic {
    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 2, &self.dh_yc);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ClientDiffieHellmanPublic, DecodeError> {
        let mut r = Reader::new(body);
        let dh_yc = r.vec_u16("ClientDiffieHellmanPublic.dh_Yc")?.rest().to_vec();
        if dh_yc.is_empty() {
            return Err(r.invalid(
                "ClientDiffieHellmanPublic.dh_Yc",
                "empty, the minimum length is 1",
            ));
        }
        r.expect_empty("ClientKeyExchange")?;
        Ok(ClientDiffieHellmanPublic { dh_yc })
    }
}

/// ClientKeyExchange for RSA: `EncryptedPreMasterSecret` (RFC 5246
/// §7.4.7.1). In TLS the ciphertext carries a two-byte length; SSL 3.0 sent
/// it bare, and implementations that kept the SSL 3.0 form were a classic
/// interoperability bug that RFC 5246 §7.4.7.1's "Implementation Note" names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedPreMasterSecret {
    /// The RSA ciphertext, `opaque<0..2^16-1>`: as many bytes as the modulus.
    pub ciphertext: Vec<u8>,
}

impl EncryptedPreMasterSecret {
    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 2, &self.ciphertext);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<EncryptedPreMasterSecret, DecodeError> {
        let mut r = Reader::new(body);
        let ciphertext = r.vec_u16("EncryptedPreMasterSecret")?.rest().to_vec();
        r.expect_empty("ClientKeyExchange")?;
        Ok(EncryptedPreMasterSecret { ciphertext })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::DecodeReason;

    fn sample() -> ServerKeyExchangeDhe {
        ServerKeyExchangeDhe {
            params: ServerDhParams {
                dh_p: vec![0xff; 3],
                dh_g: vec![2],
                dh_ys: vec![0x12, 0x34],
            },
            params_raw: vec![],
            signed: DigitallySigned {
                scheme: SignatureScheme::RSA_PKCS1_SHA256,
                signature: vec![7; 5],
            },
        }
    }

    #[test]
    fn server_key_exchange_layout_and_params_raw() {
        let mut body = vec![];
        sample().encode(&mut body);
        // Written out by hand from RFC 5246 §7.4.3: three u16-prefixed
        // vectors, then SignatureAndHashAlgorithm and a u16-prefixed signature.
        assert_eq!(
            hex::encode(&body),
            concat!("0003ffffff", "000102", "00021234", "0401", "00050707070707")
        );
        let ske = ServerKeyExchangeDhe::decode(&body).unwrap();
        assert_eq!(ske.params, sample().params);
        assert_eq!(ske.signed, sample().signed);
        assert_eq!(ske.params_raw, body[..12]);
    }

    #[test]
    fn empty_and_truncated_vectors_are_named() {
        // dh_g empty.
        let body = hex::decode("0001ff0000000101").unwrap();
        let e = ServerKeyExchangeDhe::decode(&body).unwrap_err();
        assert_eq!(e.what, "ServerDHParams.dh_g");
        assert!(matches!(e.reason, DecodeReason::Invalid(_)));
        // dh_Ys claims 5 bytes, has 1.
        let body = hex::decode("0001ff000102000501").unwrap();
        let e = ServerKeyExchangeDhe::decode(&body).unwrap_err();
        assert_eq!(e.what, "ServerDHParams.dh_Ys");
        assert_eq!(e.reason, DecodeReason::Truncated { need: 5, have: 1 });
        // Signature missing entirely.
        let body = hex::decode("0001ff0001020001ff").unwrap();
        assert_eq!(
            ServerKeyExchangeDhe::decode(&body).unwrap_err().what,
            "DigitallySigned.algorithm"
        );
        // Trailing byte.
        let mut body = vec![];
        sample().encode(&mut body);
        body.push(0);
        assert_eq!(
            ServerKeyExchangeDhe::decode(&body).unwrap_err().reason,
            DecodeReason::TrailingBytes(1)
        );
    }

    #[test]
    fn client_key_exchange_bodies() {
        let c = ClientDiffieHellmanPublic { dh_yc: vec![1, 2, 3] };
        let mut b = vec![];
        c.encode(&mut b);
        assert_eq!(b, [0, 3, 1, 2, 3]);
        assert_eq!(ClientDiffieHellmanPublic::decode(&b).unwrap(), c);
        assert!(ClientDiffieHellmanPublic::decode(&[0, 0]).is_err());
        assert!(ClientDiffieHellmanPublic::decode(&[0, 1, 1, 9]).is_err());

        let e = EncryptedPreMasterSecret {
            ciphertext: vec![0xab; 256],
        };
        let mut b = vec![];
        e.encode(&mut b);
        assert_eq!(b[..3], [0x01, 0x00, 0xab]);
        assert_eq!(b.len(), 258);
        assert_eq!(EncryptedPreMasterSecret::decode(&b).unwrap(), e);
        // The SSL 3.0 form (no length prefix) does not parse as TLS.
        assert!(EncryptedPreMasterSecret::decode(&[0xab; 256]).is_err());
    }
}
