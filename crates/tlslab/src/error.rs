//! Errors, grouped by the layer that found them, each mapped to the TLS alert
//! it sends (RFC 5246 §7.2.2).
//!
//! [`Error`] is the one type every fallible call returns. Its variants are
//! groups, so a caller can match as coarsely or as finely as it needs:
//!
//! | variant | what failed | alert we send |
//! |---|---|---|
//! | [`Error::Decode`] | bytes that do not parse ([`DecodeError`]) | `decode_error` |
//! | [`Error::Record`] | the record layer ([`RecordError`]) | `bad_record_mac`, `record_overflow`, `unexpected_message` |
//! | [`Error::Handshake`] | the handshake or negotiation ([`HandshakeError`]) | see [`HandshakeError::alert`] |
//! | [`Error::Certificate`] | the server's certificate ([`CertificateError`]) | see [`CertificateKind::alert`] |
//! | [`Error::AlertReceived`] | the server sent a fatal alert | none |
//! | [`Error::NotTls`] | the peer does not speak TLS at all | none |
//! | [`Error::Internal`] | our own bug or an impossible state | `internal_error` |
//! | [`Error::Tool`] | sockets, timeouts, files, configuration ([`ToolError`]) | none |
//!
//! [`Error::alert`] is the single place that decides the alert; the
//! connection sends it before reporting the error.
//!
//! Every `Display` message starts with the RFC name of the alert it sends
//! (`bad_record_mac: ...`), or with what happened when no alert is sent
//! (`server sent alert ...`, `timeout: ...`).

use std::fmt;

use crate::types::StateName;
use crate::wire::{
    Alert, AlertDescription, CipherSuite, CompressionMethod, ContentType, Direction, ExtensionType,
    HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};

pub use crate::wire::{DecodeError, DecodeReason};

/// Everything that can end a connection (or an offline analysis).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Bytes from the peer that do not parse. Alert: `decode_error`.
    Decode(DecodeError),
    /// The record layer refused a record.
    Record(RecordError),
    /// The server broke the handshake rules, or no agreement is possible.
    Handshake(HandshakeError),
    /// The server's certificate chain, name or key did not pass.
    Certificate(CertificateError),
    /// The server sent a fatal alert (or a warning that ends the handshake).
    /// No alert back: the connection is already over.
    AlertReceived(Alert),
    /// The peer's first bytes are not TLS at all (plaintext HTTP, SSH, ...).
    /// No alert: the peer would not understand one.
    NotTls(String),
    /// Our own error (a bug or an impossible state). Alert: `internal_error`.
    Internal(String),
    /// The tool around the protocol failed: socket, timeout, a file, the
    /// configuration. No alert.
    Tool(ToolError),
}

/// A record the record layer refused (RFC 5246 §6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// A record's MAC, padding or AEAD tag did not verify. Alert:
    /// `bad_record_mac` whichever check failed: a distinct answer for bad
    /// padding is the padding oracle (Vaudenay 2002, Lucky13).
    BadRecordMac {
        /// Direction of the failing record.
        direction: Direction,
        /// Its sequence number.
        seq: u64,
        /// Content type in the record header.
        content_type: ContentType,
    },
    /// A record longer than RFC 5246 §6.2.3 allows. Alert: `record_overflow`.
    RecordOverflow {
        /// Length in the header or after decryption.
        length: usize,
        /// The limit that applies.
        limit: usize,
    },
    /// A record of a content type we do not handle (RFC 5246 §6:
    /// "If a TLS implementation receives an unexpected record type, it MUST
    /// send an unexpected_message alert"). Alert: `unexpected_message`.
    UnexpectedContentType(ContentType),
    /// More consecutive empty records than [`MAX_EMPTY_RECORDS`]: each costs
    /// the peer nothing and us a record's work, so an endless stream of them
    /// is a denial of service. Alert: `unexpected_message`.
    TooManyEmptyRecords(usize),
    /// More consecutive warning alerts than [`MAX_WARNING_ALERTS`] (the same
    /// denial of service with alerts). Alert: `unexpected_message`.
    TooManyWarningAlerts(usize),
    /// An alert whose level is neither warning (1) nor fatal (2) (RFC 5246
    /// §7.2). Alert: `illegal_parameter`.
    UnknownAlertLevel(u8),
    /// A record after ServerHello whose version is not the negotiated one
    /// (RFC 5246 Appendix E.1: the record version must then be the
    /// negotiated one). Alert: `protocol_version`.
    WrongRecordVersion(ProtocolVersion),
}

/// Consecutive empty records accepted before [`RecordError::TooManyEmptyRecords`]
/// (BoringSSL's limit, `kMaxEmptyRecords`).
#[doc(hidden)]
pub const MAX_EMPTY_RECORDS: usize = 32;

/// Consecutive warning alerts accepted before
/// [`RecordError::TooManyWarningAlerts`] (BoringSSL's limit, `kMaxWarningAlerts`).
#[doc(hidden)]
pub const MAX_WARNING_ALERTS: usize = 4;

/// The server broke a handshake rule, or the two sides cannot agree.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// A message that is not allowed in this state. Alert: `unexpected_message`.
    UnexpectedMessage {
        /// The state we were in.
        state: StateName,
        /// What we expected, in RFC terms.
        expected: &'static str,
        /// What arrived.
        got: Received,
    },
    /// A field out of range or inconsistent with what we offered. Alert:
    /// `illegal_parameter`.
    IllegalParameter(IllegalParameter),
    /// The server answered with an extension we did not offer (RFC 5246
    /// §7.4.1.4). Alert: `unsupported_extension`.
    UnsupportedExtension(ExtensionType),
    /// The server picked a protocol version outside the range we accept
    /// (`min_version` to `max_version`; the version in its ServerHello).
    /// Alert: `protocol_version`.
    ProtocolVersion(ProtocolVersion),
    /// The server resumed a session (echoed its session ID) in a version
    /// other than the one the session was made in. RFC 5246 §7.4.1.3: a
    /// server resumes "using the specified session state", and the version
    /// is part of it (Appendix E.1: a resuming client already knows the
    /// server's version). Resuming a TLS 1.2 master secret under TLS 1.0's
    /// MD5 ‖ SHA-1 PRF, or the reverse, mixes two key schedules. Alert:
    /// `protocol_version` (what OpenSSL and BoringSSL send).
    ResumedWithOtherVersion {
        /// The version the session was made in.
        session: ProtocolVersion,
        /// The version this ServerHello names.
        server: ProtocolVersion,
    },
    /// No agreement possible. Alert: `handshake_failure`.
    HandshakeFailure(HandshakeFailure),
    /// The ServerKeyExchange signature did not verify (RFC 5246 §7.4.3).
    /// Alert: `decrypt_error`.
    BadSignature(String),
    /// The server's verify_data differs from ours (RFC 5246 §7.4.9). Alert:
    /// `decrypt_error`.
    FinishedMismatch {
        /// verify_data we computed.
        computed: Vec<u8>,
        /// verify_data the server sent.
        received: Vec<u8>,
    },
    /// The server's finite-field Diffie-Hellman parameters fail a check
    /// (RFC 5246 §7.4.3, §8.1.2). The alert depends on the check: see
    /// [`DhParamError::alert`].
    DhParameter(DhParamError),
    /// Handshake bytes follow the message that ends the server's flight
    /// (ServerHelloDone, or Finished) in the same record: they would be read
    /// under the wrong keys or after our flight answered, so they are refused
    /// before our flight goes out. Alert: `unexpected_message`.
    ExcessHandshakeData {
        /// The message that ended the flight.
        after: HandshakeType,
    },
}

/// What arrived when something else was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// A handshake message of this type.
    Handshake(HandshakeType),
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
    /// An application_data record.
    ApplicationData,
}

/// Which parameter the server got wrong: the reason behind
/// `illegal_parameter` ("a field in the handshake was out of range or
/// inconsistent with other fields", RFC 5246 §7.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IllegalParameter {
    /// ServerHello.cipher_suite is not one we offered (RFC 5246 §7.4.1.3).
    CipherSuiteNotOffered(CipherSuite),
    /// ServerHello.compression_method is not null, the only one we offer.
    CompressionNotOffered(CompressionMethod),
    /// encrypt_then_mac answered for an AEAD suite (RFC 7366 §3 forbids it).
    EncryptThenMacWithAead(CipherSuite),
    /// ec_point_formats without `uncompressed` (RFC 8422 §5.2).
    NoUncompressedPointFormat,
    /// ServerHello picked a suite that does not exist in the version it
    /// picked (an AEAD or SHA-256/SHA-384 suite below TLS 1.2).
    SuiteNotInVersion {
        /// The suite.
        suite: CipherSuite,
        /// The version.
        version: ProtocolVersion,
    },
    /// ServerHello negotiated TLS 1.1 or lower while we offered TLS 1.2, and
    /// its random ends in a downgrade sentinel (RFC 8446 §4.1.3): `DOWNGRD\x00`,
    /// or `DOWNGRD\x01` from a server that speaks TLS 1.3. The server speaks
    /// TLS 1.2 or later, so someone in the path rewrote our offer.
    DowngradeSentinel(ProtocolVersion),
    /// ALPN answer that is not exactly one protocol we offered (RFC 7301 §3.1).
    AlpnNotOffered(Vec<Vec<u8>>),
    /// A resumed session with a cipher suite other than the session's
    /// (RFC 5246 §7.4.1.3: the server must keep it).
    ResumedWithOtherSuite {
        /// The suite the session was made with.
        session: CipherSuite,
        /// The suite this ServerHello names.
        server: CipherSuite,
    },
    /// ServerECDHParams names a group we did not offer (RFC 8422 §5.4).
    GroupNotOffered(NamedGroup),
    /// ServerKeyExchange signed with a scheme we did not offer (RFC 5246 §7.4.1.4.1).
    SignatureSchemeNotOffered(SignatureScheme),
    /// ServerKeyExchange signed with a scheme that does not fit the
    /// certificate's key.
    SignatureSchemeForKey {
        /// The scheme in the signature.
        scheme: SignatureScheme,
        /// The certificate's key, described.
        key: String,
    },
    /// The server's ECDHE public key has the wrong length for its group.
    EcPublicKeyLength {
        /// The group.
        group: NamedGroup,
        /// Bytes received.
        len: usize,
        /// Bytes the group's point takes.
        expected: usize,
    },
    /// The server's ECDHE point is not in uncompressed form (RFC 8422 §5.1.2).
    EcPointNotUncompressed {
        /// The group.
        group: NamedGroup,
        /// The point's first byte (uncompressed is 0x04).
        first_byte: u8,
    },
    /// The server's ECDHE public key is not a point on the curve, or gives a
    /// zero shared secret (invalid-curve attack).
    EcPointInvalid {
        /// The group.
        group: NamedGroup,
        /// The public key as sent.
        public: Vec<u8>,
    },
}

/// Why no agreement is possible: the reason behind `handshake_failure`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeFailure {
    /// renegotiation_info not empty on an initial handshake: RFC 5746 §3.4
    /// prescribes `handshake_failure`.
    RenegotiationInfoNotEmpty,
    /// A resumption changed extended_master_secret: RFC 7627 §5.3 says the
    /// client "MUST abort the handshake" (a session's master secret is only
    /// as good as the handshake that made it).
    ResumptionChangedExtendedMasterSecret {
        /// What the stored session used.
        session: bool,
        /// What this ServerHello says.
        server: bool,
    },
    /// A resumption changed encrypt_then_mac: RFC 7366 §3.1 keeps the
    /// session's record protection, so a change is a downgrade.
    ResumptionChangedEncryptThenMac {
        /// What the stored session used.
        session: bool,
        /// What this ServerHello says.
        server: bool,
    },
    /// A key exchange group this build does not implement.
    GroupNotImplemented(NamedGroup),
}

/// Which check of the server's Diffie-Hellman parameters failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DhParamError {
    /// `dh_p` is shorter than the minimum (Logjam).
    PrimeTooSmall {
        /// Bits in the prime the server sent.
        bits: usize,
        /// The smallest size accepted.
        min: usize,
    },
    /// `dh_p` is longer than the maximum (a denial of service, not a group).
    PrimeTooLarge {
        /// Bits in the prime the server sent.
        bits: usize,
        /// The largest size accepted.
        max: usize,
    },
    /// `dh_p` is even, so it is not an odd prime.
    PrimeEven,
    /// `dh_g` is not in `(1, p-1)`: 0 and 1 make every public value 0 or 1,
    /// and `p-1` has order 2, so the shared secret would be 1 or `p-1`.
    GeneratorOutOfRange,
    /// `dh_Ys` is not in `(1, p-1)`: the degenerate keys 0, 1 and `p-1`
    /// (order 1 or 2) would force the shared secret to one of a few known
    /// values whatever our private key, so a man in the middle who substitutes
    /// them knows the session keys.
    PublicValueOutOfRange,
    /// `Z = Ys^x mod p` came out as 0, 1 or `p-1`: only possible when `p` is
    /// not prime or `Ys` lies in a tiny subgroup. NIST SP 800-56A Rev. 3
    /// §5.7.1.1 requires an error for `Z = 1`; 0 and `p-1` are refused for the
    /// same reason.
    SharedSecretDegenerate,
}

/// The server's certificate did not pass: what kind of failure, and the
/// details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateError {
    /// What kind of failure; decides the alert.
    pub kind: CertificateKind,
    /// What failed, for a reader.
    pub reason: String,
}

/// Kinds of certificate failure, each with its alert (RFC 5246 §7.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateKind {
    /// The Certificate message holds no certificate while the suite needs one.
    EmptyChain,
    /// The certificate (or its key) does not parse.
    Malformed,
    /// Expired, or not yet valid.
    Expired,
    /// The chain does not lead to a trusted root.
    UnknownIssuer,
    /// The certificate is not valid for the name we connected to.
    NotValidForName,
    /// The certificate was revoked.
    Revoked,
    /// The revocation status could not be found.
    RevocationUnknown,
    /// A signature algorithm, version, critical extension, key usage or key
    /// type we cannot use.
    Unsupported,
    /// The key is well formed but weaker than we accept (a short RSA modulus).
    WeakKey,
    /// Any other failure of the chain.
    Other,
    /// An ECDSA key on a curve our supported_groups did not offer (RFC 8422
    /// §5.3: the server's key must use a curve the client supports).
    CurveNotOffered,
    /// The certificate's keyUsage forbids what the suite would do with the
    /// key (RFC 5280 §4.2.1.3): sign ServerKeyExchange (digitalSignature)
    /// or decrypt the pre-master secret (keyEncipherment).
    KeyUsage,
    /// A [`crate::Verification::Custom`] verifier refused the chain and chose
    /// the alert that says so (RFC 5246 §7.2.2 leaves the choice between
    /// `bad_certificate`, `certificate_unknown` and the others to the
    /// application that knows why it refused).
    RefusedByVerifier(AlertDescription),
}

/// The tool around the protocol failed. No alert is sent for any of these.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolError {
    /// Socket error.
    Io(String),
    /// No bytes arrived before the read timeout.
    Timeout(String),
    /// The peer closed the TCP connection.
    ConnectionClosed(String),
    /// Bad configuration or input file from the caller: nothing was sent yet.
    Config(String),
    /// A private key given for offline analysis is malformed, or does not
    /// decrypt what it was given. No connection uses private keys.
    PrivateKey(String),
}

impl Error {
    /// The alert this error sends to the peer, if any.
    ///
    /// The mapping follows the descriptions of RFC 5246 §7.2.2, and the
    /// extension RFCs where they name one:
    ///
    /// - `decode_error`: "a message could not be decoded because some field
    ///   was out of the specified range or the length of the message was
    ///   incorrect" ([`Error::Decode`]);
    /// - `bad_record_mac`, `record_overflow`: the record layer
    ///   ([`RecordError`]); an unknown content type is `unexpected_message`
    ///   (§6);
    /// - `unexpected_message`, `illegal_parameter`, `unsupported_extension`
    ///   (§7.4.1.4), `protocol_version`, `handshake_failure` (RFC 5746 §3.4,
    ///   RFC 7627 §5.3), `decrypt_error` (a signature or Finished that does
    ///   not verify), `insufficient_security` / `illegal_parameter` (DH
    ///   parameters): [`HandshakeError::alert`];
    /// - `bad_certificate`, `unsupported_certificate`, `certificate_revoked`,
    ///   `certificate_expired`, `certificate_unknown`, `unknown_ca`:
    ///   [`CertificateKind::alert`];
    /// - `internal_error`: [`Error::Internal`];
    /// - none for an alert received, a peer that is not TLS, and
    ///   [`ToolError`]: there is nobody to tell, or nothing was sent yet.
    pub fn alert(&self) -> Option<AlertDescription> {
        Some(match self {
            Error::Decode(_) => AlertDescription::DECODE_ERROR,
            Error::Record(e) => e.alert(),
            Error::Handshake(e) => e.alert(),
            Error::Certificate(e) => e.kind.alert(),
            Error::Internal(_) => AlertDescription::INTERNAL_ERROR,
            Error::AlertReceived(_) | Error::NotTls(_) | Error::Tool(_) => return None,
        })
    }

    /// [`ToolError::Config`]: bad configuration or input from the caller.
    #[doc(hidden)]
    pub fn config(message: impl Into<String>) -> Error {
        Error::Tool(ToolError::Config(message.into()))
    }

    /// [`ToolError::Io`]: a socket or file operation failed.
    #[doc(hidden)]
    pub fn io(message: impl Into<String>) -> Error {
        Error::Tool(ToolError::Io(message.into()))
    }

    /// [`ToolError::Timeout`]: nothing arrived in time.
    #[doc(hidden)]
    pub fn timeout(message: impl Into<String>) -> Error {
        Error::Tool(ToolError::Timeout(message.into()))
    }

    /// [`ToolError::ConnectionClosed`]: the peer closed the TCP connection.
    #[doc(hidden)]
    pub fn connection_closed(message: impl Into<String>) -> Error {
        Error::Tool(ToolError::ConnectionClosed(message.into()))
    }

    /// [`ToolError::PrivateKey`]: a private key is malformed or does not fit.
    #[doc(hidden)]
    pub fn private_key(message: impl Into<String>) -> Error {
        Error::Tool(ToolError::PrivateKey(message.into()))
    }

    /// A certificate failure of this kind.
    pub(crate) fn certificate(kind: CertificateKind, reason: impl Into<String>) -> Error {
        Error::Certificate(CertificateError {
            kind,
            reason: reason.into(),
        })
    }
}

impl RecordError {
    /// The alert: see each variant.
    pub fn alert(&self) -> AlertDescription {
        match self {
            RecordError::BadRecordMac { .. } => AlertDescription::BAD_RECORD_MAC,
            RecordError::RecordOverflow { .. } => AlertDescription::RECORD_OVERFLOW,
            RecordError::UnexpectedContentType(_)
            | RecordError::TooManyEmptyRecords(_)
            | RecordError::TooManyWarningAlerts(_) => AlertDescription::UNEXPECTED_MESSAGE,
            RecordError::UnknownAlertLevel(_) => AlertDescription::ILLEGAL_PARAMETER,
            RecordError::WrongRecordVersion(_) => AlertDescription::PROTOCOL_VERSION,
        }
    }
}

impl HandshakeError {
    /// The alert: see each variant.
    pub fn alert(&self) -> AlertDescription {
        match self {
            HandshakeError::UnexpectedMessage { .. } | HandshakeError::ExcessHandshakeData { .. } => {
                AlertDescription::UNEXPECTED_MESSAGE
            }
            HandshakeError::IllegalParameter(_) => AlertDescription::ILLEGAL_PARAMETER,
            HandshakeError::UnsupportedExtension(_) => AlertDescription::UNSUPPORTED_EXTENSION,
            HandshakeError::ProtocolVersion(_) | HandshakeError::ResumedWithOtherVersion { .. } => {
                AlertDescription::PROTOCOL_VERSION
            }
            HandshakeError::HandshakeFailure(_) => AlertDescription::HANDSHAKE_FAILURE,
            HandshakeError::BadSignature(_) | HandshakeError::FinishedMismatch { .. } => {
                AlertDescription::DECRYPT_ERROR
            }
            HandshakeError::DhParameter(e) => e.alert(),
        }
    }
}

impl DhParamError {
    /// The alert to send: `insufficient_security` for a prime that is too
    /// small (the parameters are well-formed but weaker than we accept: RFC
    /// 5246 §7.2.2 defines this alert for a negotiation that failed
    /// "specifically because" of a security requirement, which tells the
    /// operator what to fix); `illegal_parameter` for everything else ("a
    /// field in the handshake was out of range or inconsistent with other
    /// fields", §7.2.2).
    pub fn alert(&self) -> AlertDescription {
        match self {
            DhParamError::PrimeTooSmall { .. } => AlertDescription::INSUFFICIENT_SECURITY,
            DhParamError::PrimeTooLarge { .. }
            | DhParamError::PrimeEven
            | DhParamError::GeneratorOutOfRange
            | DhParamError::PublicValueOutOfRange
            | DhParamError::SharedSecretDegenerate => AlertDescription::ILLEGAL_PARAMETER,
        }
    }
}

impl CertificateKind {
    /// The alert, from the descriptions of RFC 5246 §7.2.2:
    /// `bad_certificate` ("corrupt, contained signatures that did not verify
    /// correctly") for malformed, wrong-name and other failures;
    /// `unsupported_certificate` ("of an unsupported type");
    /// `certificate_revoked`; `certificate_expired` ("expired or is not
    /// currently valid"); `certificate_unknown` ("some other (unspecified)
    /// issue"); `unknown_ca` ("the CA certificate could not be located or
    /// couldn't be matched with a known, trusted CA"); `insufficient_security`
    /// for a key too weak to use; `handshake_failure` for an empty chain
    /// (no acceptable security parameters without a certificate).
    pub fn alert(self) -> AlertDescription {
        match self {
            CertificateKind::EmptyChain => AlertDescription::HANDSHAKE_FAILURE,
            CertificateKind::Malformed
            | CertificateKind::NotValidForName
            | CertificateKind::Other
            | CertificateKind::KeyUsage => AlertDescription::BAD_CERTIFICATE,
            CertificateKind::Expired => AlertDescription::CERTIFICATE_EXPIRED,
            CertificateKind::UnknownIssuer => AlertDescription::UNKNOWN_CA,
            CertificateKind::Revoked => AlertDescription::CERTIFICATE_REVOKED,
            CertificateKind::RevocationUnknown => AlertDescription::CERTIFICATE_UNKNOWN,
            CertificateKind::Unsupported | CertificateKind::CurveNotOffered => {
                AlertDescription::UNSUPPORTED_CERTIFICATE
            }
            CertificateKind::WeakKey => AlertDescription::INSUFFICIENT_SECURITY,
            CertificateKind::RefusedByVerifier(alert) => alert,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "decode error: {e}"),
            Error::Record(e) => e.fmt(f),
            Error::Handshake(e) => e.fmt(f),
            Error::Certificate(e) => e.fmt(f),
            Error::AlertReceived(a) => write!(f, "server sent alert {a}"),
            Error::NotTls(s) => write!(f, "not a TLS server: {s}"),
            Error::Internal(s) => write!(f, "internal_error: {s}"),
            Error::Tool(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::BadRecordMac {
                direction,
                seq,
                content_type,
            } => write!(
                f,
                "bad_record_mac: {content_type} record {seq} ({direction}) failed its MAC/padding/tag check"
            ),
            RecordError::RecordOverflow { length, limit } => {
                write!(f, "record_overflow: record of {length} bytes exceeds {limit}")
            }
            RecordError::UnexpectedContentType(t) => {
                write!(f, "unexpected_message: record of content type {t}")
            }
            RecordError::TooManyEmptyRecords(n) => {
                write!(
                    f,
                    "unexpected_message: {n} empty records in a row (at most {MAX_EMPTY_RECORDS})"
                )
            }
            RecordError::TooManyWarningAlerts(n) => {
                write!(
                    f,
                    "unexpected_message: {n} warning alerts in a row (at most {MAX_WARNING_ALERTS})"
                )
            }
            RecordError::UnknownAlertLevel(l) => {
                write!(
                    f,
                    "illegal_parameter: alert level {l} is neither warning (1) nor fatal (2)"
                )
            }
            RecordError::WrongRecordVersion(v) => {
                write!(
                    f,
                    "protocol_version: record version {v} differs from the version ServerHello negotiated"
                )
            }
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::UnexpectedMessage { state, expected, got } => {
                write!(
                    f,
                    "unexpected_message: in state {state} expected {expected}, got {got}"
                )
            }
            HandshakeError::IllegalParameter(p) => write!(f, "illegal_parameter: {p}"),
            HandshakeError::UnsupportedExtension(t) => write!(
                f,
                "unsupported_extension: server sent extension {t}, which we did not offer"
            ),
            HandshakeError::ProtocolVersion(v) => write!(
                f,
                "protocol_version: server chose {v}, outside the versions this client accepts"
            ),
            HandshakeError::ResumedWithOtherVersion { session, server } => write!(
                f,
                "protocol_version: server resumed the session in {server} but it was made in {session} \
                 (RFC 5246 §7.4.1.3: a resumed session keeps its version)"
            ),
            HandshakeError::HandshakeFailure(h) => write!(f, "handshake_failure: {h}"),
            HandshakeError::BadSignature(s) => write!(f, "decrypt_error: ServerKeyExchange signature: {s}"),
            HandshakeError::FinishedMismatch { computed, received } => write!(
                f,
                "decrypt_error: server Finished verify_data {} differs from ours {}",
                hex::encode(received),
                hex::encode(computed)
            ),
            HandshakeError::DhParameter(e) => write!(f, "{}: ServerDHParams: {e}", e.alert()),
            HandshakeError::ExcessHandshakeData { after } => write!(
                f,
                "unexpected_message: handshake data after {after}, which ends the server's flight"
            ),
        }
    }
}

impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Received::Handshake(t) => write!(f, "{t} handshake message"),
            Received::ChangeCipherSpec => f.write_str("ChangeCipherSpec"),
            Received::ApplicationData => f.write_str("application data"),
        }
    }
}

impl fmt::Display for IllegalParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IllegalParameter::CipherSuiteNotOffered(s) => {
                write!(f, "server picked cipher suite {s}, which we did not offer")
            }
            IllegalParameter::CompressionNotOffered(c) => {
                write!(f, "server picked compression method {c}, we offered only null")
            }
            IllegalParameter::EncryptThenMacWithAead(s) => write!(
                f,
                "server answered encrypt_then_mac with the AEAD suite {s} (RFC 7366 §3)"
            ),
            IllegalParameter::NoUncompressedPointFormat => {
                f.write_str("ec_point_formats does not include uncompressed (RFC 8422 §5.2)")
            }
            IllegalParameter::SuiteNotInVersion { suite, version } => write!(
                f,
                "server picked {suite}, which {version} does not define (no AEAD or SHA-256/SHA-384 suites before TLS 1.2)"
            ),
            IllegalParameter::DowngradeSentinel(v) => write!(
                f,
                "server chose {v} but its random ends in a downgrade sentinel (DOWNGRD\\x00, or DOWNGRD\\x01 from a TLS 1.3 server; RFC 8446 §4.1.3): it speaks TLS 1.2 or later, so the offer was tampered with on the way"
            ),
            IllegalParameter::AlpnNotOffered(list) => write!(
                f,
                "server selected ALPN {:?}, not exactly one protocol we offered",
                list.iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect::<Vec<_>>()
            ),
            IllegalParameter::ResumedWithOtherSuite { session, server } => write!(
                f,
                "server resumed the session with {server} but it was made with {session}"
            ),
            IllegalParameter::GroupNotOffered(g) => {
                write!(f, "server picked group {g}, which we did not offer")
            }
            IllegalParameter::SignatureSchemeNotOffered(s) => write!(
                f,
                "server signed with {s}, which we did not offer in signature_algorithms"
            ),
            IllegalParameter::SignatureSchemeForKey { scheme, key } => write!(
                f,
                "ServerKeyExchange uses signature scheme {scheme}, which tlslab cannot use with the \
                 certificate's {key} key"
            ),
            IllegalParameter::EcPublicKeyLength { group, len, expected } => {
                write!(
                    f,
                    "server's {group} public key is {len} bytes, expected {expected}"
                )
            }
            IllegalParameter::EcPointNotUncompressed { group, first_byte } => write!(
                f,
                "server's {group} public key starts with 0x{first_byte:02x}, not 0x04 (uncompressed point)"
            ),
            IllegalParameter::EcPointInvalid { group, public } => write!(
                f,
                "server's {group} public key {} is not a valid point (or gives a zero shared secret)",
                hex::encode(public)
            ),
        }
    }
}

impl fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeFailure::RenegotiationInfoNotEmpty => {
                f.write_str("renegotiation_info is not empty on an initial handshake (RFC 5746 §3.4)")
            }
            HandshakeFailure::ResumptionChangedExtendedMasterSecret { session, server } => write!(
                f,
                "resumed session used extended_master_secret={session} but this ServerHello says {server} \
                 (RFC 7627 §5.3)"
            ),
            HandshakeFailure::ResumptionChangedEncryptThenMac { session, server } => write!(
                f,
                "resumed session used encrypt_then_mac={session} but this ServerHello says {server} \
                 (RFC 7366 §3.1)"
            ),
            HandshakeFailure::GroupNotImplemented(g) => {
                write!(f, "key exchange group {g} is not implemented by tlslab")
            }
        }
    }
}

impl fmt::Display for DhParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DhParamError::PrimeTooSmall { bits, min } => write!(
                f,
                "dh_p is {bits} bits, below the {min}-bit minimum (Logjam: small DH primes are \
                 broken by precomputation); the server should use a 2048-bit group such as RFC 7919 ffdhe2048"
            ),
            DhParamError::PrimeTooLarge { bits, max } => {
                write!(f, "dh_p is {bits} bits, above the {max}-bit maximum")
            }
            DhParamError::PrimeEven => f.write_str("dh_p is even, so it is not a prime"),
            DhParamError::GeneratorOutOfRange => f.write_str("dh_g is not in the range 1 < g < p-1"),
            DhParamError::PublicValueOutOfRange => {
                f.write_str("dh_Ys is not in the range 1 < Ys < p-1 (degenerate public key)")
            }
            DhParamError::SharedSecretDegenerate => {
                f.write_str("the shared secret Z is 0, 1 or p-1 (p not prime, or Ys in a tiny subgroup)")
            }
        }
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.alert(), self.reason)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Io(s) => write!(f, "i/o: {s}"),
            ToolError::Timeout(s) => write!(f, "timeout: {s}"),
            ToolError::ConnectionClosed(s) => write!(f, "connection closed: {s}"),
            ToolError::Config(s) => write!(f, "configuration: {s}"),
            ToolError::PrivateKey(s) => write!(f, "private key: {s}"),
        }
    }
}

impl std::error::Error for Error {}

macro_rules! from_part {
    ($($part:ty => |$e:ident| $wrap:expr),* $(,)?) => {
        $(impl From<$part> for Error {
            fn from($e: $part) -> Error {
                $wrap
            }
        })*
    };
}

from_part! {
    DecodeError => |e| Error::Decode(e),
    RecordError => |e| Error::Record(e),
    HandshakeError => |e| Error::Handshake(e),
    CertificateError => |e| Error::Certificate(e),
    ToolError => |e| Error::Tool(e),
    IllegalParameter => |e| Error::Handshake(HandshakeError::IllegalParameter(e)),
    HandshakeFailure => |e| Error::Handshake(HandshakeError::HandshakeFailure(e)),
    DhParamError => |e| Error::Handshake(HandshakeError::DhParameter(e)),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::timeout(e.to_string()),
            _ => Error::io(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests;
