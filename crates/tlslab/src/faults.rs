//! Named faults: deliberate mistakes the client makes at the step where they
//! belong, so the events show exactly what changed and the server's answer
//! can be compared with what the explainer predicts.
//!
//! Each fault reproduces one classic cause of `bad_record_mac`,
//! `decrypt_error` or `handshake_failure`. Select them with
//! [`crate::ClientConfig::faults`] or `--fault NAME[:ARG]` on the command line.
//! Record numbers count the records we protect, from 0: record 0 is our
//! Finished, record 1 our first application data record.

use crate::error::Error;
use crate::wire::HandshakeType;

pub use crate::types::Fault;

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
                    .map_err(|_| Error::Config(format!("fault {name}: '{v}' is not a number"))),
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
                    return Err(Error::Config(
                        "fault seq-reused: record 0 has no previous record".into(),
                    ));
                }
                Fault::SeqReused { record }
            }
            "swap-direction-keys" => Fault::SwapDirectionKeys,
            "wrong-pre-master-secret" => Fault::WrongPreMasterSecret,
            "bad-finished" => Fault::BadFinished,
            "transcript-missing" => {
                let message = HandshakeType::from_name(arg).ok_or_else(|| {
                    Error::Config(format!(
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
                    return Err(Error::Config(
                        "fault split-records: size must be at least 1".into(),
                    ));
                }
                Fault::SplitRecords { size }
            }
            other => {
                let names: Vec<&str> = CATALOGUE.iter().map(|c| c.0).collect();
                return Err(Error::Config(format!(
                    "unknown fault '{other}' (known: {})",
                    names.join(", ")
                )));
            }
        })
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
