//! Handshake messages (RFC 5246 §7.4) and the extensions this client speaks.
//!
//! Decoders take the message *body* (after the 4-byte handshake header) and
//! check that every length matches and nothing trails. Encoders produce the
//! body; [`encode_handshake`] adds the header. The state machine keeps the raw
//! bytes of every message for the transcript.

use super::reader::{put_vec, with_len, Reader};
use super::{
    CipherSuite, CompressionMethod, EcCurveType, EcPointFormat, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use crate::wire::DecodeError;

/// Appends a handshake message: `msg_type(1) length(3) body` (RFC 5246 §7.4).
pub fn encode_handshake(typ: HandshakeType, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = vec![typ.0];
    with_len(&mut out, 3, body);
    out
}

/// Splits a whole handshake message into its type and body, checking the length.
pub fn split_handshake(raw: &[u8]) -> Result<(HandshakeType, &[u8]), DecodeError> {
    let mut r = Reader::new(raw);
    let typ = HandshakeType(r.u8("Handshake.msg_type")?);
    let body = r.vec_u24("Handshake.body")?;
    r.expect_empty("Handshake")?;
    Ok((typ, body.rest_slice()))
}

impl<'a> Reader<'a> {
    /// Everything left, consuming it (alias kept for readability at call sites).
    fn rest_slice(mut self) -> &'a [u8] {
        self.rest()
    }
}

/// One extension, kept raw so that unknown ones survive a round trip
/// (RFC 5246 §7.4.1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// `extension_type`.
    pub typ: ExtensionType,
    /// `extension_data`.
    pub data: Vec<u8>,
}

impl Extension {
    /// `server_name` with one host_name entry (RFC 6066 §3).
    pub fn server_name(host: &str) -> Extension {
        let mut data = vec![];
        with_len(&mut data, 2, |o| {
            o.push(0); // name_type host_name
            put_vec(o, 2, host.as_bytes());
        });
        Extension {
            typ: ExtensionType::SERVER_NAME,
            data,
        }
    }

    /// `supported_groups` (RFC 8422 §5.1.1).
    pub fn supported_groups(groups: &[NamedGroup]) -> Extension {
        let mut data = vec![];
        with_len(&mut data, 2, |o| {
            groups
                .iter()
                .for_each(|g| o.extend_from_slice(&g.0.to_be_bytes()))
        });
        Extension {
            typ: ExtensionType::SUPPORTED_GROUPS,
            data,
        }
    }

    /// `ec_point_formats` with only `uncompressed` (RFC 8422 §5.1.2).
    pub fn ec_point_formats() -> Extension {
        Extension {
            typ: ExtensionType::EC_POINT_FORMATS,
            data: vec![1, EcPointFormat::UNCOMPRESSED.0],
        }
    }

    /// `signature_algorithms` (RFC 5246 §7.4.1.4.1).
    pub fn signature_algorithms(schemes: &[SignatureScheme]) -> Extension {
        let mut data = vec![];
        with_len(&mut data, 2, |o| {
            schemes
                .iter()
                .for_each(|s| o.extend_from_slice(&s.0.to_be_bytes()))
        });
        Extension {
            typ: ExtensionType::SIGNATURE_ALGORITHMS,
            data,
        }
    }

    /// `extended_master_secret`, empty (RFC 7627 §5.1).
    pub fn extended_master_secret() -> Extension {
        Extension {
            typ: ExtensionType::EXTENDED_MASTER_SECRET,
            data: vec![],
        }
    }

    /// `application_layer_protocol_negotiation` (RFC 7301 §3.1).
    pub fn alpn(protocols: &[Vec<u8>]) -> Extension {
        let mut data = vec![];
        with_len(&mut data, 2, |o| protocols.iter().for_each(|p| put_vec(o, 1, p)));
        Extension {
            typ: ExtensionType::ALPN,
            data,
        }
    }

    /// `session_ticket` carrying a ticket, or empty to ask for one (RFC 5077 §3.2).
    pub fn session_ticket(ticket: &[u8]) -> Extension {
        Extension {
            typ: ExtensionType::SESSION_TICKET,
            data: ticket.to_vec(),
        }
    }

    /// `padding` (RFC 7685 §3): `len` zero bytes.
    pub fn padding(len: usize) -> Extension {
        Extension {
            typ: ExtensionType::PADDING,
            data: vec![0; len],
        }
    }

    /// `encrypt_then_mac`, empty (RFC 7366 §2).
    pub fn encrypt_then_mac() -> Extension {
        Extension {
            typ: ExtensionType::ENCRYPT_THEN_MAC,
            data: vec![],
        }
    }

    /// `renegotiation_info` carrying `renegotiated_connection` (RFC 5746 §3.2);
    /// empty on an initial handshake.
    pub fn renegotiation_info(verify_data: &[u8]) -> Extension {
        let mut data = vec![];
        put_vec(&mut data, 1, verify_data);
        Extension {
            typ: ExtensionType::RENEGOTIATION_INFO,
            data,
        }
    }
}

fn decode_extensions(r: &mut Reader<'_>, what: &'static str) -> Result<Option<Vec<Extension>>, DecodeError> {
    // RFC 5246 §7.4.1.2: the extensions block may be absent altogether.
    if r.is_empty() {
        return Ok(None);
    }
    let mut list = r.vec_u16(what)?;
    let mut out = vec![];
    while !list.is_empty() {
        let typ = ExtensionType(list.u16("Extension.extension_type")?);
        let data = list.vec_u16("Extension.extension_data")?.rest_slice().to_vec();
        // RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of the same type."
        if out.iter().any(|e: &Extension| e.typ == typ) {
            return Err(list.invalid("Extension", "the same extension type appears twice"));
        }
        out.push(Extension { typ, data });
    }
    Ok(Some(out))
}

fn encode_extensions(out: &mut Vec<u8>, exts: &Option<Vec<Extension>>) {
    if let Some(exts) = exts {
        with_len(out, 2, |o| {
            for e in exts {
                o.extend_from_slice(&e.typ.0.to_be_bytes());
                put_vec(o, 2, &e.data);
            }
        });
    }
}

/// Looks an extension up by type.
pub fn find_extension(exts: &Option<Vec<Extension>>, typ: ExtensionType) -> Option<&Extension> {
    exts.as_ref()?.iter().find(|e| e.typ == typ)
}

/// ClientHello (RFC 5246 §7.4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// `client_version`.
    pub client_version: ProtocolVersion,
    /// `random`: 32 bytes, the first half of every key derivation's seed.
    pub random: [u8; 32],
    /// `session_id` (empty: no resumption offered).
    pub session_id: Vec<u8>,
    /// `cipher_suites`, in preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// `compression_methods`: only `null` in practice (CRIME).
    pub compression_methods: Vec<CompressionMethod>,
    /// `extensions`, in the order sent; `None` when the block is absent.
    pub extensions: Option<Vec<Extension>>,
}

impl ClientHello {
    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.client_version.0.to_be_bytes());
        out.extend_from_slice(&self.random);
        put_vec(out, 1, &self.session_id);
        with_len(out, 2, |o| {
            self.cipher_suites
                .iter()
                .for_each(|c| o.extend_from_slice(&c.0.to_be_bytes()))
        });
        with_len(out, 1, |o| {
            self.compression_methods.iter().for_each(|c| o.push(c.0))
        });
        encode_extensions(out, &self.extensions);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ClientHello, DecodeError> {
        let mut r = Reader::new(body);
        let client_version = ProtocolVersion(r.u16("ClientHello.client_version")?);
        let random = r.take_array::<32>("ClientHello.random")?;
        let session_id = r.vec_u8("ClientHello.session_id")?.rest_slice().to_vec();
        if session_id.len() > 32 {
            return Err(r.invalid("ClientHello.session_id", "longer than 32 bytes"));
        }
        let mut suites = r.vec_u16("ClientHello.cipher_suites")?;
        if suites.remaining() % 2 != 0 {
            return Err(suites.invalid("ClientHello.cipher_suites", "odd length"));
        }
        let mut cipher_suites = vec![];
        while !suites.is_empty() {
            cipher_suites.push(CipherSuite(suites.u16("CipherSuite")?));
        }
        let compression_methods = r
            .vec_u8("ClientHello.compression_methods")?
            .rest_slice()
            .iter()
            .map(|&c| CompressionMethod(c))
            .collect();
        let extensions = decode_extensions(&mut r, "ClientHello.extensions")?;
        r.expect_empty("ClientHello")?;
        Ok(ClientHello {
            client_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

/// ServerHello (RFC 5246 §7.4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// `server_version`.
    pub server_version: ProtocolVersion,
    /// `random`.
    pub random: [u8; 32],
    /// `session_id`.
    pub session_id: Vec<u8>,
    /// The suite the server picked.
    pub cipher_suite: CipherSuite,
    /// The compression method the server picked.
    pub compression_method: CompressionMethod,
    /// `extensions`; `None` when the block is absent.
    pub extensions: Option<Vec<Extension>>,
}

impl ServerHello {
    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ServerHello, DecodeError> {
        let mut r = Reader::new(body);
        let server_version = ProtocolVersion(r.u16("ServerHello.server_version")?);
        let random = r.take_array::<32>("ServerHello.random")?;
        let session_id = r.vec_u8("ServerHello.session_id")?.rest_slice().to_vec();
        if session_id.len() > 32 {
            return Err(r.invalid("ServerHello.session_id", "longer than 32 bytes"));
        }
        let cipher_suite = CipherSuite(r.u16("ServerHello.cipher_suite")?);
        let compression_method = CompressionMethod(r.u8("ServerHello.compression_method")?);
        let extensions = decode_extensions(&mut r, "ServerHello.extensions")?;
        r.expect_empty("ServerHello")?;
        Ok(ServerHello {
            server_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.server_version.0.to_be_bytes());
        out.extend_from_slice(&self.random);
        put_vec(out, 1, &self.session_id);
        out.extend_from_slice(&self.cipher_suite.0.to_be_bytes());
        out.push(self.compression_method.0);
        encode_extensions(out, &self.extensions);
    }
}

/// Certificate (RFC 5246 §7.4.2): the chain, leaf first, each DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// `certificate_list`.
    pub chain: Vec<Vec<u8>>,
}

impl Certificate {
    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Certificate, DecodeError> {
        let mut r = Reader::new(body);
        let mut list = r.vec_u24("Certificate.certificate_list")?;
        r.expect_empty("Certificate")?;
        let mut chain = vec![];
        while !list.is_empty() {
            let cert = list.vec_u24("ASN.1Cert")?.rest_slice();
            if cert.is_empty() {
                return Err(list.invalid("ASN.1Cert", "empty certificate (must be 1..2^24-1 bytes)"));
            }
            chain.push(cert.to_vec());
        }
        Ok(Certificate { chain })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        with_len(out, 3, |o| self.chain.iter().for_each(|c| put_vec(o, 3, c)));
    }
}

/// `ServerECDHParams` (RFC 8422 §5.4), named curves only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEcdhParams {
    /// The group (`named_curve`).
    pub named_curve: NamedGroup,
    /// `public`: the server's ephemeral public value.
    pub public: Vec<u8>,
}

/// `digitally-signed` in TLS 1.2 (RFC 5246 §4.7): scheme + signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// `SignatureAndHashAlgorithm`.
    pub scheme: SignatureScheme,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// ServerKeyExchange for ECDHE (RFC 8422 §5.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchangeEcdhe {
    /// `params`.
    pub params: ServerEcdhParams,
    /// The exact bytes of `params` as received: what the signature covers
    /// (after client_random and server_random).
    pub params_raw: Vec<u8>,
    /// `signed_params`.
    pub signed: DigitallySigned,
}

impl ServerKeyExchangeEcdhe {
    /// Decodes a TLS 1.2 body.
    pub fn decode(body: &[u8]) -> Result<ServerKeyExchangeEcdhe, DecodeError> {
        ServerKeyExchangeEcdhe::decode_with(body, None)
    }

    /// Decodes a body whose `signed_params` has no algorithm field when
    /// `implicit` names the scheme (TLS 1.0/1.1: RFC 4492 §5.4, RFC 2246
    /// §7.4.3); with `None`, as TLS 1.2 writes it.
    pub fn decode_with(
        body: &[u8],
        implicit: Option<SignatureScheme>,
    ) -> Result<ServerKeyExchangeEcdhe, DecodeError> {
        let mut r = Reader::new(body);
        let start = r.offset();
        let curve_type = EcCurveType(r.u8("ServerECDHParams.curve_params.curve_type")?);
        if curve_type != EcCurveType::NAMED_CURVE {
            // RFC 8422 §5.4: explicit curves are deprecated and never offered.
            return Err(r.invalid("ServerECDHParams.curve_type", "only named_curve (3) is allowed"));
        }
        let named_curve = NamedGroup(r.u16("ServerECDHParams.named_curve")?);
        let public = r.vec_u8("ServerECDHParams.public")?.rest_slice().to_vec();
        if public.is_empty() {
            return Err(r.invalid("ServerECDHParams.public", "empty point"));
        }
        let params_raw = body[start..r.offset()].to_vec();
        let scheme = match implicit {
            Some(s) => s,
            None => SignatureScheme(r.u16("DigitallySigned.algorithm")?),
        };
        let signature = r.vec_u16("DigitallySigned.signature")?.rest_slice().to_vec();
        r.expect_empty("ServerKeyExchange")?;
        Ok(ServerKeyExchangeEcdhe {
            params: ServerEcdhParams { named_curve, public },
            params_raw,
            signed: DigitallySigned { scheme, signature },
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(EcCurveType::NAMED_CURVE.0);
        out.extend_from_slice(&self.params.named_curve.0.to_be_bytes());
        put_vec(out, 1, &self.params.public);
        out.extend_from_slice(&self.signed.scheme.0.to_be_bytes());
        put_vec(out, 2, &self.signed.signature);
    }
}

/// ClientKeyExchange for ECDHE: `ClientECDiffieHellmanPublic` (RFC 8422 §5.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchangeEcdhe {
    /// `ecdh_Yc`: our ephemeral public value.
    pub public: Vec<u8>,
}

impl ClientKeyExchangeEcdhe {
    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 1, &self.public);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ClientKeyExchangeEcdhe, DecodeError> {
        let mut r = Reader::new(body);
        let public = r
            .vec_u8("ClientECDiffieHellmanPublic.ecdh_Yc")?
            .rest_slice()
            .to_vec();
        r.expect_empty("ClientKeyExchange")?;
        Ok(ClientKeyExchangeEcdhe { public })
    }
}

/// Finished (RFC 5246 §7.4.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// `verify_data`, 12 bytes for every TLS 1.2 suite we implement.
    pub verify_data: Vec<u8>,
}

impl Finished {
    /// Decodes a body of exactly 12 bytes.
    pub fn decode(body: &[u8]) -> Result<Finished, DecodeError> {
        let mut r = Reader::new(body);
        let verify_data = r.take(12, "Finished.verify_data")?.to_vec();
        r.expect_empty("Finished")?;
        Ok(Finished { verify_data })
    }
}

/// An empty-bodied message (ServerHelloDone, HelloRequest): checks the body is empty.
pub fn decode_empty(body: &[u8], what: &'static str) -> Result<(), DecodeError> {
    Reader::new(body).expect_empty(what)
}

/// The protocol list of an ALPN extension body (RFC 7301 §3.1).
pub fn decode_alpn(data: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut r = Reader::new(data);
    let mut list = r.vec_u16("application_layer_protocol_negotiation.protocol_name_list")?;
    r.expect_empty("application_layer_protocol_negotiation")?;
    let mut out = vec![];
    while !list.is_empty() {
        let name = list.vec_u8("ProtocolName")?.rest_slice();
        if name.is_empty() {
            return Err(list.invalid("ProtocolName", "empty protocol name"));
        }
        out.push(name.to_vec());
    }
    Ok(out)
}

/// NewSessionTicket (RFC 5077 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// `ticket_lifetime_hint`, seconds (0: unspecified).
    pub ticket_lifetime_hint: u32,
    /// `ticket`, opaque to the client.
    pub ticket: Vec<u8>,
}

impl NewSessionTicket {
    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<NewSessionTicket, DecodeError> {
        let mut r = Reader::new(body);
        let hint = r.take_array::<4>("NewSessionTicket.ticket_lifetime_hint")?;
        let ticket = r.vec_u16("NewSessionTicket.ticket")?.rest_slice().to_vec();
        r.expect_empty("NewSessionTicket")?;
        Ok(NewSessionTicket {
            ticket_lifetime_hint: u32::from_be_bytes(hint),
            ticket,
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ticket_lifetime_hint.to_be_bytes());
        put_vec(out, 2, &self.ticket);
    }
}

/// The supported_groups list of a ClientHello-style extension body.
pub fn decode_named_group_list(data: &[u8]) -> Result<Vec<NamedGroup>, DecodeError> {
    let mut r = Reader::new(data);
    let mut list = r.vec_u16("supported_groups.named_group_list")?;
    r.expect_empty("supported_groups")?;
    let mut out = vec![];
    while !list.is_empty() {
        out.push(NamedGroup(list.u16("NamedGroup")?));
    }
    Ok(out)
}

/// The `renegotiated_connection` of a renegotiation_info extension (RFC 5746 §3.2).
pub fn decode_renegotiation_info(data: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut r = Reader::new(data);
    let v = r
        .vec_u8("renegotiation_info.renegotiated_connection")?
        .rest_slice()
        .to_vec();
    r.expect_empty("renegotiation_info")?;
    Ok(v)
}

/// The `ECPointFormatList` of an ec_point_formats extension (RFC 8422 §5.1.2).
pub fn decode_ec_point_formats(data: &[u8]) -> Result<Vec<EcPointFormat>, DecodeError> {
    let mut r = Reader::new(data);
    let v = r
        .vec_u8("ec_point_formats.ec_point_format_list")?
        .rest_slice()
        .iter()
        .map(|&b| EcPointFormat(b))
        .collect();
    r.expect_empty("ec_point_formats")?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records 0..=4 of The Illustrated TLS 1.2 Connection
    /// (https://tls12.xargs.org/, captures/caps/*; see vectors/illustrated-tls12).
    const CLIENT_HELLO_RECORD: &str = "16030100a5010000a10303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000020cca8cca9c02fc030c02bc02cc013c009c014c00a009c009d002f0035c012000a010000580000001800160000136578616d706c652e756c666865696d2e6e6574000500050100000000000a000a0008001d001700180019000b00020100000d0012001004010403050105030601060302010203ff0100010000120000";

    fn handshake_of(record_hex: &str) -> Vec<u8> {
        hex::decode(record_hex).unwrap()[5..].to_vec()
    }

    #[test]
    fn client_hello_round_trips_byte_for_byte() {
        let raw = handshake_of(CLIENT_HELLO_RECORD);
        let (typ, body) = split_handshake(&raw).unwrap();
        assert_eq!(typ, HandshakeType::CLIENT_HELLO);
        let ch = ClientHello::decode(body).unwrap();
        assert_eq!(ch.cipher_suites.len(), 16);
        assert_eq!(ch.cipher_suites[0], CipherSuite(0xcca8));
        let sni = find_extension(&ch.extensions, ExtensionType::SERVER_NAME).unwrap();
        assert_eq!(sni, &Extension::server_name("example.ulfheim.net"));
        // Unknown extension types (0x0012 is SCT, 0x0005 status_request) are kept raw.
        let again = encode_handshake(typ, |o| ch.encode(o));
        assert_eq!(again, raw);
    }

    #[test]
    fn server_hello_round_trips_and_reports_truncation() {
        let raw = hex::decode("0200002d0303707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f00c013000005ff01000100").unwrap();
        let (_, body) = split_handshake(&raw).unwrap();
        let sh = ServerHello::decode(body).unwrap();
        assert_eq!(sh.cipher_suite, CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
        let mut again = vec![];
        sh.encode(&mut again);
        assert_eq!(again, body);
        let err = ServerHello::decode(&body[..body.len() - 3]).unwrap_err();
        assert_eq!(err.what, "ServerHello.extensions");
    }

    #[test]
    fn unknown_and_duplicate_extensions() {
        let mut body = vec![];
        let mut sh = ServerHello {
            server_version: ProtocolVersion::TLS12,
            random: [7; 32],
            session_id: vec![],
            cipher_suite: CipherSuite(0xabcd),
            compression_method: CompressionMethod::NULL,
            extensions: Some(vec![Extension {
                typ: ExtensionType(0x7777),
                data: vec![1, 2],
            }]),
        };
        sh.encode(&mut body);
        assert_eq!(ServerHello::decode(&body).unwrap(), sh);
        sh.extensions = Some(vec![
            Extension::extended_master_secret(),
            Extension::extended_master_secret(),
        ]);
        body.clear();
        sh.encode(&mut body);
        assert!(ServerHello::decode(&body).is_err());
    }

    #[test]
    fn server_key_exchange_keeps_signed_params() {
        let body = {
            let ske = ServerKeyExchangeEcdhe {
                params: ServerEcdhParams {
                    named_curve: NamedGroup::X25519,
                    public: vec![9; 32],
                },
                params_raw: vec![],
                signed: DigitallySigned {
                    scheme: SignatureScheme::RSA_PKCS1_SHA256,
                    signature: vec![1; 256],
                },
            };
            let mut b = vec![];
            ske.encode(&mut b);
            b
        };
        let ske = ServerKeyExchangeEcdhe::decode(&body).unwrap();
        assert_eq!(ske.params_raw, body[..36]);
        assert_eq!(ske.params_raw[..4], [3, 0x00, 0x1d, 32]);
        let mut bad = body.clone();
        bad[0] = 1;
        assert_eq!(
            ServerKeyExchangeEcdhe::decode(&bad).unwrap_err().what,
            "ServerECDHParams.curve_type"
        );
    }

    #[test]
    fn certificate_and_finished() {
        let c = Certificate {
            chain: vec![vec![0x30, 1, 2], vec![0x30]],
        };
        let mut b = vec![];
        c.encode(&mut b);
        assert_eq!(Certificate::decode(&b).unwrap(), c);
        assert!(Certificate::decode(&[0, 0, 3, 0, 0, 0]).is_err());
        assert!(Finished::decode(&[0; 11]).is_err());
        assert!(Finished::decode(&[0; 13]).is_err());
    }
}
