//! tlslab's structured [`Error`] as the error names BoringSSL prints
//! (`:DECRYPTION_FAILED_OR_BAD_RECORD_MAC:`), which the runner looks for in
//! the shim's stderr.
//!
//! Where one of our errors covers several BoringSSL names (a `decode_error`
//! can be any malformed field), the most common name is printed together
//! with our own message; `bogo/config.json`'s `ErrorMap` lists what else the
//! runner may accept for a name.

use tlslab::error::{
    CertificateKind, DecodeError, DecodeReason, DhParamError, HandshakeError, HandshakeFailure,
    IllegalParameter, Received, RecordError, ToolError,
};
use tlslab::wire::AlertDescription;
use tlslab::{Error, StateName};

/// The record length limits of RFC 5246 §6.2.3: plaintext (2^14) and
/// ciphertext (2^14 + 2048).
const MAX_PLAINTEXT: usize = 1 << 14;

/// BoringSSL's name for an error, without the surrounding colons.
pub fn boringssl_name(e: &Error) -> &'static str {
    match e {
        Error::Decode(d) => decode_name(d),
        Error::Record(r) => record_name(r),
        Error::Handshake(h) => handshake_name(h),
        Error::Certificate(c) => match c.kind {
            CertificateKind::EmptyChain => "DECODE_ERROR",
            CertificateKind::Malformed => "CANNOT_PARSE_LEAF_CERT",
            CertificateKind::Unsupported => "WRONG_CERTIFICATE_TYPE",
            CertificateKind::CurveNotOffered => "BAD_ECC_CERT",
            CertificateKind::KeyUsage => "KEY_USAGE_BIT_INCORRECT",
            _ => "CERTIFICATE_VERIFY_FAILED",
        },
        Error::AlertReceived(a) => alert_name(a.description),
        Error::NotTls(_) => "WRONG_VERSION_NUMBER",
        Error::Internal(_) => "INTERNAL_ERROR",
        Error::Tool(ToolError::ConnectionClosed(_)) => "UNEXPECTED_EOF",
        Error::Tool(_) => "SYSCALL",
        _ => "UNKNOWN_ERROR",
    }
}

fn decode_name(d: &DecodeError) -> &'static str {
    // RFC 5246 §7.4.1.4: one extension of each type; the decoder says so.
    if d.what == "Extension" && matches!(d.reason, DecodeReason::Invalid(r) if r.contains("twice")) {
        return "DUPLICATE_EXTENSION";
    }
    match d.what {
        "ChangeCipherSpec" => "BAD_CHANGE_CIPHER_SPEC",
        // The ServerHello's ALPN extension (RFC 7301 §3.1: exactly one
        // non-empty name).
        "ProtocolName" => "PARSE_TLSEXT",
        "Handshake.length" => "EXCESSIVE_MESSAGE_SIZE",
        "TLSPlaintext.version" => "WRONG_VERSION_NUMBER",
        "Alert" | "Alert.level" | "Alert.description" => "BAD_ALERT",
        _ => "DECODE_ERROR",
    }
}

fn record_name(r: &RecordError) -> &'static str {
    match r {
        RecordError::BadRecordMac { .. } => "DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
        RecordError::RecordOverflow { limit, .. } if *limit <= MAX_PLAINTEXT => "DATA_LENGTH_TOO_LONG",
        RecordError::RecordOverflow { .. } => "ENCRYPTED_LENGTH_TOO_LONG",
        RecordError::UnexpectedContentType(_) => "UNEXPECTED_RECORD",
        RecordError::TooManyEmptyRecords(_) => "TOO_MANY_EMPTY_FRAGMENTS",
        RecordError::TooManyWarningAlerts(_) => "TOO_MANY_WARNING_ALERTS",
        RecordError::UnknownAlertLevel(_) => "UNKNOWN_ALERT_TYPE",
        RecordError::WrongRecordVersion(_) => "WRONG_VERSION_NUMBER",
        _ => "UNKNOWN_ERROR",
    }
}

fn handshake_name(h: &HandshakeError) -> &'static str {
    match h {
        // Application data after our close_notify: BoringSSL's SSL_shutdown
        // refuses it rather than returning it.
        HandshakeError::UnexpectedMessage {
            state: StateName::Closed,
            got: Received::ApplicationData,
            ..
        } => "APPLICATION_DATA_ON_SHUTDOWN",
        // Application data before the server's ChangeCipherSpec: it cannot
        // have been protected, and BoringSSL names it for what it replaced.
        HandshakeError::UnexpectedMessage {
            state:
                StateName::ExpectServerHello
                | StateName::ExpectCertificate
                | StateName::ExpectServerKeyExchange
                | StateName::ExpectServerHelloDone
                | StateName::ExpectNewSessionTicket
                | StateName::ExpectChangeCipherSpec,
            got: Received::ApplicationData,
            ..
        } => "APPLICATION_DATA_INSTEAD_OF_HANDSHAKE",
        // A record of the wrong content type (application data, or a
        // ChangeCipherSpec out of place) is a record-level error to BoringSSL.
        HandshakeError::UnexpectedMessage {
            got: Received::ApplicationData | Received::ChangeCipherSpec,
            ..
        } => "UNEXPECTED_RECORD",
        // A handshake message where the ChangeCipherSpec record belongs.
        HandshakeError::UnexpectedMessage {
            state: StateName::ExpectChangeCipherSpec,
            ..
        } => "UNEXPECTED_RECORD",
        HandshakeError::UnexpectedMessage { .. } => "UNEXPECTED_MESSAGE",
        HandshakeError::ExcessHandshakeData { .. } => "EXCESS_HANDSHAKE_DATA",
        HandshakeError::IllegalParameter(p) => match p {
            IllegalParameter::CipherSuiteNotOffered(_) => "WRONG_CIPHER_RETURNED",
            // A TLS 1.2 suite under an older version: not one we could have
            // offered for it (the runner's TLS-TLS1-*-client tests).
            IllegalParameter::SuiteNotInVersion { .. } => "WRONG_CIPHER_RETURNED",
            IllegalParameter::CompressionNotOffered(_) => "UNSUPPORTED_COMPRESSION_ALGORITHM",
            IllegalParameter::EncryptThenMacWithAead(_) => "ERROR_PARSING_EXTENSION",
            IllegalParameter::NoUncompressedPointFormat => "ERROR_PARSING_EXTENSION",
            IllegalParameter::AlpnNotOffered(_) => "INVALID_ALPN_PROTOCOL",
            IllegalParameter::ResumedWithOtherSuite { .. } => "OLD_SESSION_CIPHER_NOT_RETURNED",
            IllegalParameter::GroupNotOffered(_) => "WRONG_CURVE",
            // RFC 8446 §4.1.3's DOWNGRD sentinel under a lower version.
            IllegalParameter::DowngradeSentinel(_) => "TLS13_DOWNGRADE",
            IllegalParameter::SignatureSchemeNotOffered(_) => "WRONG_SIGNATURE_TYPE",
            IllegalParameter::SignatureSchemeForKey { .. } => "WRONG_SIGNATURE_TYPE",
            IllegalParameter::EcPublicKeyLength { .. }
            | IllegalParameter::EcPointNotUncompressed { .. }
            | IllegalParameter::EcPointInvalid { .. } => "BAD_ECPOINT",
            _ => "ILLEGAL_PARAMETER",
        },
        HandshakeError::UnsupportedExtension(_) => "UNEXPECTED_EXTENSION",
        HandshakeError::ProtocolVersion(_) => "UNSUPPORTED_PROTOCOL",
        HandshakeError::ResumedWithOtherVersion { .. } => "OLD_SESSION_VERSION_NOT_RETURNED",
        HandshakeError::HandshakeFailure(f) => match f {
            HandshakeFailure::RenegotiationInfoNotEmpty => "RENEGOTIATION_MISMATCH",
            HandshakeFailure::ResumptionChangedExtendedMasterSecret { session: true, .. } => {
                "RESUMED_EMS_SESSION_WITHOUT_EMS_EXTENSION"
            }
            HandshakeFailure::ResumptionChangedExtendedMasterSecret { .. } => {
                "RESUMED_NON_EMS_SESSION_WITH_EMS_EXTENSION"
            }
            HandshakeFailure::GroupNotImplemented(_) => "WRONG_CURVE",
            _ => "HANDSHAKE_FAILURE",
        },
        HandshakeError::BadSignature(_) => "BAD_SIGNATURE",
        HandshakeError::FinishedMismatch { .. } => "DIGEST_CHECK_FAILED",
        HandshakeError::DhParameter(d) => match d {
            DhParamError::PrimeTooSmall { .. } | DhParamError::PrimeTooLarge { .. } => "DH_P_TOO_LONG",
            _ => "BAD_DH_P_LENGTH",
        },
        _ => "HANDSHAKE_FAILURE",
    }
}

/// BoringSSL's reason for a fatal alert received from the peer: the SSL 3.0
/// alerts keep an `SSLV3_ALERT_` prefix, those TLS 1.0 and later added get
/// `TLSV1_ALERT_`.
pub fn alert_name(a: AlertDescription) -> &'static str {
    match a.0 {
        0 => "SSLV3_ALERT_CLOSE_NOTIFY",
        10 => "SSLV3_ALERT_UNEXPECTED_MESSAGE",
        20 => "SSLV3_ALERT_BAD_RECORD_MAC",
        21 => "TLSV1_ALERT_DECRYPTION_FAILED",
        22 => "TLSV1_ALERT_RECORD_OVERFLOW",
        30 => "SSLV3_ALERT_DECOMPRESSION_FAILURE",
        40 => "SSLV3_ALERT_HANDSHAKE_FAILURE",
        41 => "SSLV3_ALERT_NO_CERTIFICATE",
        42 => "SSLV3_ALERT_BAD_CERTIFICATE",
        43 => "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        44 => "SSLV3_ALERT_CERTIFICATE_REVOKED",
        45 => "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        46 => "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        47 => "SSLV3_ALERT_ILLEGAL_PARAMETER",
        48 => "TLSV1_ALERT_UNKNOWN_CA",
        49 => "TLSV1_ALERT_ACCESS_DENIED",
        50 => "TLSV1_ALERT_DECODE_ERROR",
        51 => "TLSV1_ALERT_DECRYPT_ERROR",
        60 => "TLSV1_ALERT_EXPORT_RESTRICTION",
        70 => "TLSV1_ALERT_PROTOCOL_VERSION",
        71 => "TLSV1_ALERT_INSUFFICIENT_SECURITY",
        80 => "TLSV1_ALERT_INTERNAL_ERROR",
        86 => "TLSV1_ALERT_INAPPROPRIATE_FALLBACK",
        90 => "TLSV1_ALERT_USER_CANCELLED",
        100 => "TLSV1_ALERT_NO_RENEGOTIATION",
        110 => "TLSV1_ALERT_UNSUPPORTED_EXTENSION",
        112 => "TLSV1_ALERT_UNRECOGNIZED_NAME",
        120 => "TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
        _ => "TLSV1_ALERT_UNKNOWN",
    }
}

/// The line printed on stderr: `:NAME:` then our own message (the runner
/// looks for the name anywhere in stderr).
pub fn describe(e: &Error) -> String {
    format!(":{}: {e}", boringssl_name(e))
}

/// [`describe`] for an error met while reading in state `state`: a
/// handshake_failure alert that answers our ClientHello (the server found
/// nothing it could accept in our offer) gets BoringSSL's second name,
/// `HANDSHAKE_FAILURE_ON_CLIENT_HELLO`, which BoringSSL adds to its error
/// queue after the alert's own.
pub fn describe_in(e: &Error, state: Option<StateName>) -> String {
    match (e, state) {
        (Error::AlertReceived(a), Some(StateName::ExpectServerHello))
            if a.description == AlertDescription::HANDSHAKE_FAILURE =>
        {
            format!(":HANDSHAKE_FAILURE_ON_CLIENT_HELLO: {}", describe(e))
        }
        _ => describe(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlslab::wire::{ContentType, Direction};

    #[test]
    fn names_of_common_failures() {
        let mac = Error::Record(RecordError::BadRecordMac {
            direction: Direction::ServerToClient,
            seq: 0,
            content_type: ContentType::HANDSHAKE,
        });
        assert_eq!(boringssl_name(&mac), "DECRYPTION_FAILED_OR_BAD_RECORD_MAC");
        let overflow = Error::Record(RecordError::RecordOverflow {
            length: 16_385,
            limit: 16_384,
        });
        assert_eq!(boringssl_name(&overflow), "DATA_LENGTH_TOO_LONG");
        let overflow = Error::Record(RecordError::RecordOverflow {
            length: 18_433,
            limit: 18_432,
        });
        assert_eq!(boringssl_name(&overflow), "ENCRYPTED_LENGTH_TOO_LONG");
        assert_eq!(
            alert_name(AlertDescription::HANDSHAKE_FAILURE),
            "SSLV3_ALERT_HANDSHAKE_FAILURE"
        );
        assert!(describe(&mac).starts_with(":DECRYPTION_FAILED_OR_BAD_RECORD_MAC: "));
        let downgrade = Error::Handshake(HandshakeError::IllegalParameter(
            IllegalParameter::DowngradeSentinel(tlslab::wire::ProtocolVersion::TLS11),
        ));
        assert_eq!(boringssl_name(&downgrade), "TLS13_DOWNGRADE");
    }

    /// The names BoringSSL's runner expects (`ssl/test/runner/runner.go`:
    /// `AppDataBeforeHandshake`, `AppDataAfterChangeCipherSpec`,
    /// `NoSharedCipher`, `ALPNClient-EmptyProtocolName-TLS-TLS12`).
    #[test]
    fn names_that_depend_on_where_the_handshake_was() {
        let app_data_in = |state| {
            Error::Handshake(HandshakeError::UnexpectedMessage {
                state,
                expected: "a handshake message",
                got: Received::ApplicationData,
            })
        };
        // Before the server's ChangeCipherSpec application data cannot be
        // protected: BoringSSL names what it replaced.
        assert_eq!(
            boringssl_name(&app_data_in(StateName::ExpectServerHello)),
            "APPLICATION_DATA_INSTEAD_OF_HANDSHAKE"
        );
        // After it, the record is a protected one of the wrong type.
        assert_eq!(
            boringssl_name(&app_data_in(StateName::ExpectFinished)),
            "UNEXPECTED_RECORD"
        );
        let refused = Error::AlertReceived(tlslab::wire::Alert::fatal(AlertDescription::HANDSHAKE_FAILURE));
        let on_hello = describe_in(&refused, Some(StateName::ExpectServerHello));
        assert!(
            on_hello.starts_with(":HANDSHAKE_FAILURE_ON_CLIENT_HELLO: "),
            "{on_hello}"
        );
        assert!(
            on_hello.contains(":SSLV3_ALERT_HANDSHAKE_FAILURE: "),
            "{on_hello}"
        );
        assert!(describe_in(&refused, Some(StateName::ExpectServerHelloDone))
            .starts_with(":SSLV3_ALERT_HANDSHAKE_FAILURE: "));
        let empty_alpn = tlslab::internal::messages::decode_alpn(&[0, 1, 0]).unwrap_err();
        assert_eq!(boringssl_name(&Error::Decode(empty_alpn)), "PARSE_TLSEXT");
    }

    #[test]
    fn a_repeated_extension_is_duplicate_extension() {
        // ServerHello: version, random, empty session_id, suite, null
        // compression, then extended_master_secret twice.
        let mut body = vec![3, 3];
        body.extend_from_slice(&[0; 32]);
        body.extend_from_slice(&[0, 0xc0, 0x2f, 0]);
        body.extend_from_slice(&[0, 8, 0, 0x17, 0, 0, 0, 0x17, 0, 0]);
        let e = tlslab::internal::messages::ServerHello::decode(&body).unwrap_err();
        assert_eq!(boringssl_name(&Error::Decode(e)), "DUPLICATE_EXTENSION");
    }
}
