//! Named faults: deliberate mistakes the client makes at the step where they
//! belong, so the events show exactly what changed and the server's answer
//! can be compared with what the explainer predicts.
//!
//! Each fault reproduces one classic cause of `bad_record_mac`,
//! `decrypt_error` or `handshake_failure`. Select them with
//! [`crate::ClientConfig::faults`] or `--fault NAME[:ARG]` on the command line.
//! Record numbers count the records we protect, from 0: record 0 is our
//! Finished, record 1 our first application data record.

use std::fmt;

use crate::error::Error;
use crate::wire::HandshakeType;

/// One deliberate mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Flip one bit of protected record `record`'s payload after sealing
    /// (corruption in transit). `bit` counts from the first payload byte.
    FlipCiphertextBit {
        /// Record number (0 = Finished).
        record: u64,
        /// Bit index into the payload (after the 5-byte header).
        bit: usize,
    },
    /// Cut `bytes` from the end of protected record `record` and fix its
    /// header length (a truncated record, as a broken middlebox would send).
    TruncateRecord {
        /// Record number.
        record: u64,
        /// How many bytes to cut.
        bytes: usize,
    },
    /// Seal protected record `record` with sequence number + 1 (a lost record
    /// or an implementation that counts wrongly).
    SeqOffByOne {
        /// Record number.
        record: u64,
    },
    /// Seal protected record `record` with the previous record's sequence
    /// number again (a replayed or reused sequence number).
    SeqReused {
        /// Record number (at least 1).
        record: u64,
    },
    /// Use the server's write keys for our records and the client's for
    /// theirs (key block split in the wrong order).
    SwapDirectionKeys,
    /// Change the last byte of our pre-master secret after the key exchange:
    /// our master secret and keys differ from the server's.
    WrongPreMasterSecret,
    /// Flip a bit of our Finished verify_data.
    BadFinished,
    /// Leave one handshake message out of the transcript hash our Finished covers.
    TranscriptMissing {
        /// The message left out.
        message: HandshakeType,
    },
    /// Derive the master secret the RFC 5246 way although both sides agreed on
    /// extended_master_secret (RFC 7627).
    EmsExpectedNotUsed,
    /// Derive the extended master secret although it was not negotiated.
    EmsUsedNotNegotiated,
    /// RSA key transport: encrypt the pre-master secret to a key that is not
    /// the server's (the certificate's modulus with one bit changed), as when
    /// a server's private key does not match its certificate.
    RsaWrongKey,
    /// RSA key transport: TLS 1.0 instead of the offered TLS 1.2 in the first
    /// two bytes of the pre-master secret (RFC 5246 §7.4.7.1: the version
    /// rollback check).
    RsaWrongClientVersion,
    /// Split our handshake messages into records of this many bytes. Not a
    /// fault at all: RFC 5246 §6.2.1 allows any fragmentation, and a server
    /// that fails here has a bug.
    SplitRecords {
        /// Bytes per record.
        size: usize,
    },
    /// Seal CBC record `record` with a malformed padding: its first padding
    /// byte differs from `padding_length` (RFC 5246 §6.2.3.2 says every
    /// padding byte holds that value). The MAC is right. The receiver must
    /// answer `bad_record_mac`, as for a bad MAC, so that it is not a padding
    /// oracle (Vaudenay 2002). AEAD suites have no padding: nothing changes.
    BadPadding {
        /// Record number.
        record: u64,
    },
    /// Seal CBC record `record` with a wrong padding_length byte: it no
    /// longer counts the padding bytes before it (RFC 5246 §6.2.3.2). The MAC
    /// is right. AEAD suites have no padding: nothing changes.
    BadPaddingLength {
        /// Record number.
        record: u64,
    },
    /// Compute record `record`'s MAC (or AEAD additional data) over TLS 1.0's
    /// version bytes 03 01 while the header says 03 03: a sender that puts the
    /// wrong version into the MAC pseudo-header (RFC 5246 §6.2.3.1).
    MacWrongVersion {
        /// Record number.
        record: u64,
    },
    /// Corrupt the last byte of record `record`'s MAC (the AEAD tag; for
    /// MAC-then-encrypt CBC, through the previous ciphertext block, which
    /// also garbles that block).
    CorruptMac {
        /// Record number.
        record: u64,
    },
}

/// Every fault name the command line accepts, with its argument and meaning.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    (
        "bad-padding-length",
        "RECORD",
        "seal a CBC record with a padding_length byte that does not count its padding",
    ),
    (
        "mac-wrong-version",
        "RECORD",
        "compute a record's MAC (or AEAD additional data) over version 03 01",
    ),
    (
        "corrupt-mac",
        "RECORD",
        "corrupt the last byte of a record's MAC or AEAD tag",
    ),
    (
        "flip-ciphertext-bit",
        "RECORD[,BIT]",
        "flip one bit of a protected record after sealing (corruption in transit)",
    ),
    (
        "truncate-record",
        "RECORD[,BYTES]",
        "cut bytes from the end of a protected record",
    ),
    (
        "seq-off-by-one",
        "RECORD",
        "seal a record with sequence number + 1",
    ),
    (
        "seq-reused",
        "RECORD",
        "seal a record with the previous record's sequence number",
    ),
    (
        "swap-direction-keys",
        "",
        "use the server's write keys for our records",
    ),
    (
        "wrong-pre-master-secret",
        "",
        "our pre-master secret differs from the server's",
    ),
    ("bad-finished", "", "flip a bit of our Finished verify_data"),
    (
        "transcript-missing",
        "MESSAGE",
        "leave a handshake message (e.g. server_key_exchange) out of the Finished hash",
    ),
    (
        "ems-expected-not-used",
        "",
        "derive the master secret without EMS although it was negotiated",
    ),
    (
        "ems-used-not-negotiated",
        "",
        "derive the extended master secret although it was not negotiated",
    ),
    (
        "bad-padding",
        "RECORD",
        "seal a CBC record whose first padding byte differs from padding_length",
    ),
    (
        "split-records",
        "SIZE",
        "fragment our handshake into SIZE-byte records (legal: must still work)",
    ),
];

impl Fault {
    /// The command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::FlipCiphertextBit { .. } => "flip-ciphertext-bit",
            Fault::TruncateRecord { .. } => "truncate-record",
            Fault::SeqOffByOne { .. } => "seq-off-by-one",
            Fault::SeqReused { .. } => "seq-reused",
            Fault::SwapDirectionKeys => "swap-direction-keys",
            Fault::WrongPreMasterSecret => "wrong-pre-master-secret",
            Fault::BadFinished => "bad-finished",
            Fault::TranscriptMissing { .. } => "transcript-missing",
            Fault::EmsExpectedNotUsed => "ems-expected-not-used",
            Fault::EmsUsedNotNegotiated => "ems-used-not-negotiated",
            Fault::SplitRecords { .. } => "split-records",
            Fault::RsaWrongKey => "rsa-wrong-key",
            Fault::RsaWrongClientVersion => "rsa-wrong-client-version",
            Fault::BadPadding { .. } => "bad-padding",
            Fault::MacWrongVersion { .. } => "mac-wrong-version",
            Fault::BadPaddingLength { .. } => "bad-padding-length",
            Fault::CorruptMac { .. } => "corrupt-mac",
        }
    }

    /// Parses `NAME[:ARG[,ARG]]`, e.g. `flip-ciphertext-bit:1,7` or
    /// `transcript-missing:server_key_exchange`.
    pub fn parse(text: &str) -> Result<Fault, Error> {
        let (name, arg) = text.split_once(':').unwrap_or((text, ""));
        let nums: Vec<&str> = arg.split(',').filter(|s| !s.is_empty()).collect();
        let num = |i: usize, default: u64| -> Result<u64, Error> {
            match nums.get(i) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .map_err(|_| Error::config(format!("fault {name}: '{v}' is not a number"))),
            }
        };
        Ok(match name {
            "flip-ciphertext-bit" => Fault::FlipCiphertextBit {
                record: num(0, 0)?,
                bit: num(1, 0)? as usize,
            },
            "truncate-record" => Fault::TruncateRecord {
                record: num(0, 0)?,
                bytes: num(1, 1)? as usize,
            },
            "seq-off-by-one" => Fault::SeqOffByOne { record: num(0, 0)? },
            "seq-reused" => {
                let record = num(0, 1)?;
                if record == 0 {
                    return Err(Error::config("fault seq-reused: record 0 has no previous record"));
                }
                Fault::SeqReused { record }
            }
            "swap-direction-keys" => Fault::SwapDirectionKeys,
            "wrong-pre-master-secret" => Fault::WrongPreMasterSecret,
            "bad-finished" => Fault::BadFinished,
            "transcript-missing" => {
                let message = HandshakeType::from_name(arg).ok_or_else(|| {
                    Error::config(format!(
                        "fault transcript-missing: '{arg}' is not a handshake message name (e.g. server_key_exchange)"
                    ))
                })?;
                Fault::TranscriptMissing { message }
            }
            "ems-expected-not-used" => Fault::EmsExpectedNotUsed,
            "ems-used-not-negotiated" => Fault::EmsUsedNotNegotiated,
            "bad-padding" => Fault::BadPadding { record: num(0, 0)? },
            "mac-wrong-version" => Fault::MacWrongVersion { record: num(0, 0)? },
            "bad-padding-length" => Fault::BadPaddingLength { record: num(0, 0)? },
            "corrupt-mac" => Fault::CorruptMac { record: num(0, 0)? },
            "rsa-wrong-key" => Fault::RsaWrongKey,
            "rsa-wrong-client-version" => Fault::RsaWrongClientVersion,
            "split-records" => {
                let size = num(0, 1)? as usize;
                if size == 0 {
                    return Err(Error::config("fault split-records: size must be at least 1"));
                }
                Fault::SplitRecords { size }
            }
            other => {
                let names: Vec<&str> = CATALOGUE.iter().map(|c| c.0).collect();
                return Err(Error::config(format!(
                    "unknown fault '{other}' (known: {})",
                    names.join(", ")
                )));
            }
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::FlipCiphertextBit { record, bit } => write!(f, "{}:{record},{bit}", self.name()),
            Fault::TruncateRecord { record, bytes } => write!(f, "{}:{record},{bytes}", self.name()),
            Fault::SeqOffByOne { record }
            | Fault::SeqReused { record }
            | Fault::BadPadding { record }
            | Fault::MacWrongVersion { record }
            | Fault::BadPaddingLength { record }
            | Fault::CorruptMac { record } => {
                write!(f, "{}:{record}", self.name())
            }
            Fault::TranscriptMissing { message } => write!(f, "{}:{message}", self.name()),
            Fault::SplitRecords { size } => write!(f, "{}:{size}", self.name()),
            _ => f.write_str(self.name()),
        }
    }
}

/// The faults of one connection, asked for by the step that applies them.
#[derive(Clone, Debug, Default)]
pub struct Faults(pub Vec<Fault>);

impl Faults {
    /// Whether `f` is configured.
    pub fn has(&self, f: Fault) -> bool {
        self.0.contains(&f)
    }

    /// The first configured fault `pick` accepts.
    pub fn find<T>(&self, pick: impl Fn(&Fault) -> Option<T>) -> Option<T> {
        self.0.iter().find_map(pick)
    }

    /// Whether any fault is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_name_parses_and_prints_back() {
        for (name, arg, _) in CATALOGUE {
            let text = match *arg {
                "" => name.to_string(),
                "MESSAGE" => format!("{name}:server_key_exchange"),
                _ => format!("{name}:2"),
            };
            let f = Fault::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(f.name(), *name);
            assert_eq!(Fault::parse(&f.to_string()).unwrap(), f);
        }
        assert!(Fault::parse("no-such-fault")
            .unwrap_err()
            .to_string()
            .contains("flip-ciphertext-bit"));
        assert!(Fault::parse("seq-reused:0").is_err());
        assert!(Fault::parse("transcript-missing:bogus").is_err());
    }
}
