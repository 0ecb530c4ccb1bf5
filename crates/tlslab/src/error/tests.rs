//! `Error::alert()` for every variant, against the alert each RFC prescribes.
//!
//! Expected codes are the numbers of RFC 5246 §7.2 (`enum { close_notify(0),
//! unexpected_message(10), bad_record_mac(20), ... }`), written as numbers so
//! that a wrong constant in `wire` cannot make a wrong mapping pass.

use super::*;

// RFC 5246 §7.2, AlertDescription.
const UNEXPECTED_MESSAGE: u8 = 10;
const BAD_RECORD_MAC: u8 = 20;
const RECORD_OVERFLOW: u8 = 22;
const HANDSHAKE_FAILURE: u8 = 40;
const BAD_CERTIFICATE: u8 = 42;
const UNSUPPORTED_CERTIFICATE: u8 = 43;
const CERTIFICATE_REVOKED: u8 = 44;
const CERTIFICATE_EXPIRED: u8 = 45;
const CERTIFICATE_UNKNOWN: u8 = 46;
const ILLEGAL_PARAMETER: u8 = 47;
const UNKNOWN_CA: u8 = 48;
const DECODE_ERROR: u8 = 50;
const DECRYPT_ERROR: u8 = 51;
const PROTOCOL_VERSION: u8 = 70;
const INSUFFICIENT_SECURITY: u8 = 71;
const INTERNAL_ERROR: u8 = 80;
const UNSUPPORTED_EXTENSION: u8 = 110;

fn code(e: impl Into<Error>) -> Option<u8> {
    e.into().alert().map(|a| a.0)
}

fn illegal(p: IllegalParameter) -> Option<u8> {
    code(p)
}

#[test]
fn decode_errors_send_decode_error() {
    // RFC 5246 §7.2.2: decode_error, "A message could not be decoded because
    // some field was out of the specified range or the length of the message
    // was incorrect."
    let e = DecodeError {
        what: "ServerHello",
        offset: 3,
        reason: DecodeReason::Truncated { need: 2, have: 1 },
    };
    assert_eq!(code(e), Some(DECODE_ERROR));
}

#[test]
fn record_errors() {
    // RFC 5246 §7.2.2: bad_record_mac "is returned if a record is received
    // with an incorrect MAC", and also for bad padding (§6.2.3.2: "MUST be
    // treated the same way"); record_overflow for a TLSCiphertext longer than
    // 2^14+2048 or a TLSCompressed longer than 2^14+1024.
    let mac = RecordError::BadRecordMac {
        direction: Direction::ServerToClient,
        seq: 1,
        content_type: ContentType::HANDSHAKE,
    };
    assert_eq!(code(mac), Some(BAD_RECORD_MAC));
    let overflow = RecordError::RecordOverflow {
        length: 18_433,
        limit: 18_432,
    };
    assert_eq!(code(overflow), Some(RECORD_OVERFLOW));
    // RFC 5246 §6: "If a TLS implementation receives an unexpected record
    // type, it MUST send an unexpected_message alert."
    assert_eq!(
        code(RecordError::UnexpectedContentType(ContentType(99))),
        Some(UNEXPECTED_MESSAGE)
    );
    // Floods of empty records or warnings: "An inappropriate message was
    // received" (unexpected_message, as BoringSSL sends).
    assert_eq!(
        code(RecordError::TooManyEmptyRecords(33)),
        Some(UNEXPECTED_MESSAGE)
    );
    assert_eq!(
        code(RecordError::TooManyWarningAlerts(5)),
        Some(UNEXPECTED_MESSAGE)
    );
    // illegal_parameter: "A field in the handshake was out of range".
    assert_eq!(code(RecordError::UnknownAlertLevel(3)), Some(ILLEGAL_PARAMETER));
    // protocol_version: "The protocol version the client has attempted to
    // negotiate is recognized but not supported".
    assert_eq!(
        code(RecordError::WrongRecordVersion(
            crate::wire::ProtocolVersion::TLS10
        )),
        Some(PROTOCOL_VERSION)
    );
}

#[test]
fn handshake_errors() {
    // RFC 5246 §7.2.2: unexpected_message, "An inappropriate message was received."
    let unexpected = HandshakeError::UnexpectedMessage {
        state: StateName::ExpectServerHello,
        expected: "ServerHello",
        got: Received::ChangeCipherSpec,
    };
    assert_eq!(code(unexpected), Some(UNEXPECTED_MESSAGE));
    // RFC 5246 §7.4.1.4: "If a client receives an extension type in
    // ServerHello that it did not request in the associated ClientHello, it
    // MUST abort the handshake with an unsupported_extension fatal alert."
    assert_eq!(
        code(HandshakeError::UnsupportedExtension(ExtensionType::ALPN)),
        Some(UNSUPPORTED_EXTENSION)
    );
    // RFC 5246 §7.2.2: protocol_version, "The protocol version the client has
    // attempted to negotiate is recognized but not supported."
    assert_eq!(
        code(HandshakeError::ProtocolVersion(ProtocolVersion::TLS10)),
        Some(PROTOCOL_VERSION)
    );
    // A resumption in another version than the session's: protocol_version,
    // as OpenSSL (SSL_R_SSL_SESSION_VERSION_MISMATCH) and BoringSSL
    // (OLD_SESSION_VERSION_NOT_RETURNED) answer it.
    assert_eq!(
        code(HandshakeError::ResumedWithOtherVersion {
            session: ProtocolVersion::TLS10,
            server: ProtocolVersion::TLS12,
        }),
        Some(PROTOCOL_VERSION)
    );
    // RFC 5246 §7.2.2: decrypt_error, "A handshake cryptographic operation
    // failed, including being unable to correctly verify a signature or
    // validate a Finished message."
    assert_eq!(
        code(HandshakeError::BadSignature("x".into())),
        Some(DECRYPT_ERROR)
    );
    let finished = HandshakeError::FinishedMismatch {
        computed: vec![1; 12],
        received: vec![2; 12],
    };
    assert_eq!(code(finished), Some(DECRYPT_ERROR));
}

#[test]
fn illegal_parameter_reasons_all_send_illegal_parameter() {
    // RFC 5246 §7.2.2: illegal_parameter, "A field in the handshake was out of
    // range or inconsistent with other fields."
    let g = NamedGroup::SECP256R1;
    for p in [
        IllegalParameter::CipherSuiteNotOffered(CipherSuite(0x0033)),
        IllegalParameter::CompressionNotOffered(CompressionMethod(1)),
        // RFC 7366 §3 forbids the answer; the field is inconsistent with the suite.
        IllegalParameter::EncryptThenMacWithAead(CipherSuite(0xc02f)),
        // RFC 8422 §5.2 / §5.1.2: the uncompressed format is mandatory.
        IllegalParameter::NoUncompressedPointFormat,
        IllegalParameter::AlpnNotOffered(vec![b"h3".to_vec()]),
        IllegalParameter::ResumedWithOtherSuite {
            session: CipherSuite(0xc02f),
            server: CipherSuite(0xc030),
        },
        IllegalParameter::GroupNotOffered(NamedGroup::X448),
        IllegalParameter::SignatureSchemeNotOffered(SignatureScheme(0x0201)),
        IllegalParameter::SignatureSchemeForKey {
            scheme: SignatureScheme(0x0403),
            key: "RSA".into(),
        },
        IllegalParameter::EcPublicKeyLength {
            group: g,
            len: 10,
            expected: 65,
        },
        IllegalParameter::EcPointNotUncompressed {
            group: g,
            first_byte: 2,
        },
        IllegalParameter::EcPointInvalid {
            group: g,
            public: vec![4; 65],
        },
    ] {
        let shown = p.to_string();
        assert_eq!(illegal(p), Some(ILLEGAL_PARAMETER), "{shown}");
    }
}

#[test]
fn handshake_failure_reasons() {
    // RFC 5746 §3.4: "If the extension is present and the
    // renegotiated_connection field is not empty, the client MUST abort the
    // handshake (by sending a fatal handshake_failure alert)."
    assert_eq!(
        code(HandshakeFailure::RenegotiationInfoNotEmpty),
        Some(HANDSHAKE_FAILURE)
    );
    // RFC 7627 §5.3: the client "MUST abort the handshake" when the
    // extension's use differs from the original session; it names no alert,
    // so RFC 5246 §7.2.2's general handshake_failure ("unable to negotiate an
    // acceptable set of security parameters") applies.
    for (session, server) in [(true, false), (false, true)] {
        let e = HandshakeFailure::ResumptionChangedExtendedMasterSecret { session, server };
        assert_eq!(code(e), Some(HANDSHAKE_FAILURE));
        let e = HandshakeFailure::ResumptionChangedEncryptThenMac { session, server };
        assert_eq!(code(e), Some(HANDSHAKE_FAILURE));
    }
    assert_eq!(
        code(HandshakeFailure::GroupNotImplemented(NamedGroup::X448)),
        Some(HANDSHAKE_FAILURE)
    );
}

#[test]
fn dh_parameter_alerts() {
    // RFC 5246 §7.2.2: insufficient_security, "Returned instead of
    // handshake_failure when a negotiation has failed specifically because
    // the server requires ciphers more secure than those supported by the
    // client."
    assert_eq!(
        code(DhParamError::PrimeTooSmall { bits: 512, min: 1024 }),
        Some(INSUFFICIENT_SECURITY)
    );
    for e in [
        DhParamError::PrimeTooLarge {
            bits: 9000,
            max: 8192,
        },
        DhParamError::PrimeEven,
        DhParamError::GeneratorOutOfRange,
        DhParamError::PublicValueOutOfRange,
        DhParamError::SharedSecretDegenerate,
    ] {
        assert_eq!(code(e), Some(ILLEGAL_PARAMETER));
    }
}

#[test]
fn certificate_alerts() {
    // RFC 5246 §7.2.2, one alert per certificate problem.
    for (kind, expected) in [
        (CertificateKind::Malformed, BAD_CERTIFICATE),
        (CertificateKind::NotValidForName, BAD_CERTIFICATE),
        (CertificateKind::Other, BAD_CERTIFICATE),
        (CertificateKind::Unsupported, UNSUPPORTED_CERTIFICATE),
        // unsupported_certificate: "a certificate was of an unsupported type"
        // (a key on a curve we did not offer is one we said we cannot use).
        (CertificateKind::CurveNotOffered, UNSUPPORTED_CERTIFICATE),
        // bad_certificate: the certificate forbids the use the suite makes of it.
        (CertificateKind::KeyUsage, BAD_CERTIFICATE),
        (CertificateKind::Revoked, CERTIFICATE_REVOKED),
        (CertificateKind::Expired, CERTIFICATE_EXPIRED),
        (CertificateKind::RevocationUnknown, CERTIFICATE_UNKNOWN),
        (CertificateKind::UnknownIssuer, UNKNOWN_CA),
        (CertificateKind::WeakKey, INSUFFICIENT_SECURITY),
        (CertificateKind::EmptyChain, HANDSHAKE_FAILURE),
    ] {
        assert_eq!(code(Error::certificate(kind, "x")), Some(expected), "{kind:?}");
    }
}

#[test]
fn internal_error_and_silent_errors() {
    // RFC 5246 §7.2.2: internal_error, "An internal error unrelated to the
    // peer or the correctness of the protocol".
    assert_eq!(code(Error::Internal("x".into())), Some(INTERNAL_ERROR));
    // No alert answers an alert (§7.2.2: the connection is already closed),
    // a peer that does not speak TLS, or a failure of the tool itself.
    let received = Alert::fatal(AlertDescription::HANDSHAKE_FAILURE);
    assert_eq!(code(Error::AlertReceived(received)), None);
    assert_eq!(code(Error::NotTls("HTTP".into())), None);
    for e in [
        Error::io("x"),
        Error::timeout("x"),
        Error::connection_closed("x"),
        Error::config("x"),
        Error::private_key("x"),
    ] {
        assert_eq!(code(e), None);
    }
}

#[test]
fn messages_start_with_the_alert_name() {
    let cases: [(Error, &str); 6] = [
        (
            RecordError::BadRecordMac {
                direction: Direction::ServerToClient,
                seq: 1,
                content_type: ContentType::HANDSHAKE,
            }
            .into(),
            "bad_record_mac: ",
        ),
        (
            IllegalParameter::NoUncompressedPointFormat.into(),
            "illegal_parameter: ",
        ),
        (
            HandshakeFailure::RenegotiationInfoNotEmpty.into(),
            "handshake_failure: ",
        ),
        (
            DhParamError::PrimeTooSmall { bits: 512, min: 1024 }.into(),
            "insufficient_security: ServerDHParams: ",
        ),
        (
            Error::certificate(CertificateKind::UnknownIssuer, "x"),
            "unknown_ca: x",
        ),
        (
            HandshakeError::ProtocolVersion(ProtocolVersion::TLS10).into(),
            "protocol_version: ",
        ),
    ];
    for (e, prefix) in cases {
        assert!(e.to_string().starts_with(prefix), "{e}");
    }
}

#[test]
fn io_errors_split_timeouts_from_the_rest() {
    let t: Error = std::io::Error::from(std::io::ErrorKind::TimedOut).into();
    assert!(matches!(t, Error::Tool(ToolError::Timeout(_))), "{t:?}");
    let w: Error = std::io::Error::from(std::io::ErrorKind::WouldBlock).into();
    assert!(matches!(w, Error::Tool(ToolError::Timeout(_))), "{w:?}");
    let r: Error = std::io::Error::from(std::io::ErrorKind::ConnectionReset).into();
    assert!(matches!(r, Error::Tool(ToolError::Io(_))), "{r:?}");
}

#[test]
fn excess_handshake_data_is_unexpected_message() {
    // RFC 5246 §7.2.2: unexpected_message, "An inappropriate message was received."
    let e = HandshakeError::ExcessHandshakeData {
        after: HandshakeType::SERVER_HELLO_DONE,
    };
    assert_eq!(code(e), Some(UNEXPECTED_MESSAGE));
}
