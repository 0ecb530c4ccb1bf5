//! Bytes only: the TLS 1.2 wire structures, decoded and encoded.
//!
//! Nothing here knows about state or keys. Each handshake message keeps the raw
//! bytes it was decoded from, because the Finished transcript hashes exactly
//! those bytes (RFC 5246 §7.4.9), never a re-encoding.
//!
//! Public here: the registry types ([`AlertDescription`], [`NamedGroup`],
//! [`SignatureScheme`], ...) that configuration, errors and events carry,
//! [`Alert`] and [`Direction`]. The message decoders and encoders are internal.

pub mod dissect;
pub(crate) mod enums;
pub(crate) mod kx_messages;
pub(crate) mod messages;
pub(crate) mod reader;

use std::fmt;

pub use enums::{
    AlertDescription, AlertLevel, CipherSuite, CompressionMethod, ContentType, ExtensionType, HandshakeType,
    NamedGroup, ProtocolVersion, SignatureScheme,
};
pub(crate) use enums::{EcCurveType, EcPointFormat};
pub(crate) use reader::Reader;

mod decode_error;
pub use decode_error::{DecodeError, DecodeReason};

/// Which way a record travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server: records we write, protected with the `client_write_*` keys.
    ClientToServer,
    /// Server to client: records we read, protected with the `server_write_*` keys.
    ServerToClient,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::ClientToServer => "client->server",
            Direction::ServerToClient => "server->client",
        })
    }
}

/// An alert message (RFC 5246 §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    /// warning or fatal.
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert.
    #[doc(hidden)]
    pub fn fatal(description: AlertDescription) -> Alert {
        Alert {
            level: AlertLevel::FATAL,
            description,
        }
    }

    /// A warning alert.
    #[doc(hidden)]
    pub fn warning(description: AlertDescription) -> Alert {
        Alert {
            level: AlertLevel::WARNING,
            description,
        }
    }

    /// Decodes the two alert bytes.
    #[doc(hidden)]
    pub fn decode(body: &[u8]) -> Result<Alert, DecodeError> {
        let mut r = Reader::new(body);
        let level = AlertLevel(r.u8("Alert.level")?);
        let description = AlertDescription(r.u8("Alert.description")?);
        r.expect_empty("Alert")?;
        Ok(Alert { level, description })
    }

    /// The two alert bytes.
    #[doc(hidden)]
    pub fn encode(&self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.level, self.description)
    }
}

/// The 5-byte record header (RFC 5246 §6.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct RecordHeader {
    /// `type`.
    pub content_type: ContentType,
    /// `version`.
    pub version: ProtocolVersion,
    /// `length` of the fragment that follows.
    pub length: u16,
}

impl RecordHeader {
    /// Length of the header on the wire.
    pub const LEN: usize = 5;

    /// Decodes a header.
    pub fn decode(bytes: &[u8; 5]) -> RecordHeader {
        RecordHeader {
            content_type: ContentType(bytes[0]),
            version: ProtocolVersion(u16::from_be_bytes([bytes[1], bytes[2]])),
            length: u16::from_be_bytes([bytes[3], bytes[4]]),
        }
    }

    /// Encodes the header.
    pub fn encode(&self) -> [u8; 5] {
        let v = self.version.0.to_be_bytes();
        let l = self.length.to_be_bytes();
        [self.content_type.0, v[0], v[1], l[0], l[1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_round_trip_and_print_as_hex() {
        let cs = CipherSuite(0x1301);
        assert_eq!(cs.to_string(), "0x1301");
        assert_eq!(
            format!("{:?}", CipherSuite(0xc02f)),
            "CipherSuite(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"
        );
        assert_eq!(AlertDescription(0xee).to_string(), "0xee");
        let a = Alert::decode(&[2, 20]).unwrap();
        assert_eq!(a.to_string(), "fatal bad_record_mac");
        assert_eq!(a.encode(), [2, 20]);
        assert_eq!(Alert::decode(&[2, 0xee]).unwrap().encode(), [2, 0xee]);
    }

    #[test]
    fn record_header_round_trip() {
        let h = RecordHeader::decode(&[0x17, 3, 3, 0x01, 0x02]);
        assert_eq!(h.content_type, ContentType::APPLICATION_DATA);
        assert_eq!(h.length, 0x0102);
        assert_eq!(h.encode(), [0x17, 3, 3, 1, 2]);
    }
}
