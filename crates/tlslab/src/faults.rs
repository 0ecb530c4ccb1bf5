//! Named faults: deliberate mistakes the client makes at the step where they
//! belong, so the events show exactly what changed and the server's answer
//! can be compared with what the explainer predicts.
//!
//! Each fault reproduces one classic cause of `bad_record_mac`,
//! `decrypt_error` or `handshake_failure`. Select them with
//! [`crate::ClientConfig::faults`] or `--fault NAME[:ARG]` on the command line.
//! Record numbers count the records we protect, from 0: record 0 is our
//! Finished, record 1 our first application data record.
//!
//! Two kinds, applied in two places only:
//!
//! * a fault that changes a derived value is a canned
//!   [`Interceptor`]: [`Fault::tamper`]
//!   edits the value at its [`Point`], where the handshake offers it (each
//!   step has one edit point);
//! * a fault that changes how a record is sealed or what happens to it
//!   afterwards is applied by [`Faults::seal_record`], a wrapper around the
//!   record layer's honest seal.

use crate::error::Error;
use crate::intercept::{Interceptor, MacInputFields, Point};
use crate::observer::{Event, Hooks};
use crate::record::{
    announce_record_out, PaddingFault, Plaintext, Protection, RecordLayerState, MAX_PLAINTEXT,
};
use crate::rng::Rng;
use crate::types::HandshakeHasher;
use crate::wire::{HandshakeType, ProtocolVersion};

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

/// What a fault changed at an edit point, for its `FaultApplied` event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct Tampered {
    /// What it changed, in RFC terms.
    pub what: &'static str,
    /// The value before.
    pub before: Vec<u8>,
    /// The value after.
    pub after: Vec<u8>,
}

impl Tampered {
    fn new(what: &'static str, before: &[u8], after: &[u8]) -> Option<Tampered> {
        Some(Tampered {
            what,
            before: before.to_vec(),
            after: after.to_vec(),
        })
    }
}

impl Fault {
    /// The canned edit: changes the value at `point` if this fault belongs
    /// there, and says what it changed. Faults of the record layer's own
    /// work (padding, the sealed bytes, record sizes) change nothing here:
    /// [`Faults::seal_record`] and [`Faults::handshake_record_size`] apply them.
    #[doc(hidden)]
    pub fn tamper(&self, point: Point<'_>) -> Option<Tampered> {
        match (*self, point) {
            (Fault::WrongPreMasterSecret, Point::PreMasterSecret(pre_master_secret)) => {
                let before = pre_master_secret.clone();
                *pre_master_secret.last_mut()? ^= 0x01;
                Tampered::new("pre_master_secret", &before, pre_master_secret)
            }
            (
                Fault::RsaWrongClientVersion,
                Point::RsaKeyTransport {
                    pre_master_secret, ..
                },
            ) => {
                let before = [pre_master_secret[0], pre_master_secret[1]];
                pre_master_secret[..2].copy_from_slice(&ProtocolVersion::TLS10.0.to_be_bytes());
                Tampered::new(
                    "client_version inside the pre-master secret",
                    &before,
                    &pre_master_secret[..2],
                )
            }
            (Fault::RsaWrongKey, Point::RsaKeyTransport { modulus, .. }) => {
                let before = modulus.clone();
                *modulus.last_mut()? ^= 0x02; // stays odd, same size
                Tampered::new(
                    "RSA modulus the pre-master secret is encrypted to",
                    &before,
                    modulus,
                )
            }
            (Fault::EmsExpectedNotUsed, Point::ExtendedMasterSecret(extended))
            | (Fault::EmsUsedNotNegotiated, Point::ExtendedMasterSecret(extended)) => {
                // Each fault turns one way only: the negotiated choice it names.
                if *extended != matches!(self, Fault::EmsExpectedNotUsed) {
                    return None;
                }
                let before = u8::from(*extended);
                *extended = !*extended;
                Tampered::new(
                    "master secret derivation (extended_master_secret on/off)",
                    &[before],
                    &[u8::from(*extended)],
                )
            }
            (Fault::SwapDirectionKeys, Point::KeyBlock(key_block)) => {
                let before = key_block.client_write_key.clone();
                std::mem::swap(
                    &mut key_block.client_write_mac_key,
                    &mut key_block.server_write_mac_key,
                );
                std::mem::swap(&mut key_block.client_write_key, &mut key_block.server_write_key);
                std::mem::swap(&mut key_block.client_write_iv, &mut key_block.server_write_iv);
                Tampered::new(
                    "client_write_key (and MAC key, IV) taken from the server's part of the key block",
                    &before,
                    &key_block.client_write_key,
                )
            }
            (
                Fault::TranscriptMissing { message },
                Point::HandshakeHash {
                    hash,
                    messages,
                    handshake_hash,
                },
            ) => {
                let before = handshake_hash.clone();
                let mut ctx = HandshakeHasher::new(hash);
                for (_, raw) in messages.iter().filter(|(typ, _)| *typ != message) {
                    ctx.update(raw);
                }
                *handshake_hash = ctx.finish();
                Tampered::new(
                    "Hash(handshake_messages) for our Finished",
                    &before,
                    handshake_hash,
                )
            }
            (Fault::BadFinished, Point::ClientVerifyData(verify_data)) => {
                let before = *verify_data;
                verify_data[0] ^= 0x01;
                Tampered::new("verify_data", &before, verify_data)
            }
            (Fault::SeqOffByOne { record }, Point::MacInput(fields)) if fields.record == record => {
                let before = fields.seq;
                fields.seq = before.wrapping_add(1);
                Tampered::new(
                    "seq_num of the record",
                    &before.to_be_bytes(),
                    &fields.seq.to_be_bytes(),
                )
            }
            (Fault::SeqReused { record }, Point::MacInput(fields)) if fields.record == record => {
                let before = fields.seq;
                fields.seq = before.wrapping_sub(1);
                Tampered::new(
                    "seq_num of the record",
                    &before.to_be_bytes(),
                    &fields.seq.to_be_bytes(),
                )
            }
            _ => None,
        }
    }
}

/// A fault is a canned interceptor: the same edit, without the event.
impl Interceptor for Fault {
    fn intercept(&mut self, point: Point<'_>) {
        self.tamper(point);
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

    /// Offers `point` to every configured fault in turn and reports each
    /// change as a `FaultApplied` event.
    #[doc(hidden)]
    pub fn tamper(&self, mut point: Point<'_>, hooks: &mut Hooks<'_>) {
        for fault in &self.0 {
            if let Some(t) = fault.tamper(point.reborrow()) {
                hooks.emit(&Event::FaultApplied {
                    fault: *fault,
                    what: t.what,
                    before: &t.before,
                    after: &t.after,
                });
            }
        }
    }

    /// The largest handshake record we send: [`MAX_PLAINTEXT`], or less
    /// with `split-records`.
    #[doc(hidden)]
    pub fn handshake_record_size(&self) -> usize {
        self.find(|f| match f {
            Fault::SplitRecords { size } => Some(*size),
            _ => None,
        })
        .map_or(MAX_PLAINTEXT, |size| size.min(MAX_PLAINTEXT))
    }

    /// Seals one protected record through `write`, the record faults
    /// wrapped around the record layer's honest seal:
    ///
    /// 1. the MAC input as the edit point left it (`seq-off-by-one`,
    ///    `seq-reused`, or an interceptor), and `mac-wrong-version`'s
    ///    version 03 01: the edited `seq_num` and version enter the MAC (or
    ///    AEAD nonce and additional data) only, the header keeps
    ///    `plaintext.version`, and the next record continues with the honest
    ///    `seq_num`;
    /// 2. `bad-padding`, `bad-padding-length`: a malformed CBC padding
    ///    ([`RecordLayerState::seal_unannounced`]);
    /// 3. on the sealed bytes: `corrupt-mac`, `flip-ciphertext-bit`,
    ///    `truncate-record`;
    /// 4. last, the `RecordOut` event of the record as it goes on the wire,
    ///    after every `FaultApplied` (the header, ciphertext and length the
    ///    peer receives; `seq` is the one the record was sealed with).
    #[doc(hidden)]
    pub fn seal_record(
        &self,
        write: &mut RecordLayerState,
        plaintext: Plaintext<'_>,
        mac_input: MacInputFields,
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
    ) -> Result<(), Error> {
        let record = mac_input.record;
        let at = out.len();
        let honest_seq = write.seq;
        write.seq = mac_input.seq;
        let wrong_version = self.find(|f| match f {
            Fault::MacWrongVersion { record: r } if *r == record => Some(*f),
            _ => None,
        });
        let mac_version = match wrong_version {
            Some(_) => ProtocolVersion::TLS10,
            None => mac_input.version,
        };
        let padding = self.find(|f| match f {
            Fault::BadPadding { record: r } if *r == record => Some((*f, PaddingFault::Value)),
            Fault::BadPaddingLength { record: r } if *r == record => Some((*f, PaddingFault::Length)),
            _ => None,
        });
        // Sealed without the RecordOut event: it is emitted last, once every
        // fault below has changed the bytes, so that the trace shows what the
        // peer receives.
        let mac_plaintext = Plaintext {
            version: mac_version,
            ..plaintext
        };
        let sealed = match padding {
            None => write
                .seal_unannounced(mac_plaintext, PaddingFault::None, out, rng, hooks)
                .map(|_| ()),
            Some((fault, how)) => {
                write
                    .seal_unannounced(mac_plaintext, how, out, rng, hooks)
                    .map(|changed| {
                        if let Some((before, after)) = changed {
                            hooks.emit(&Event::FaultApplied {
                                fault,
                                what: match how {
                                    PaddingFault::Length => {
                                        "the CBC padding_length byte of the record, before encryption"
                                    }
                                    _ => "the first CBC padding byte of the record, before encryption",
                                },
                                before: &[before],
                                after: &[after],
                            });
                        }
                    })
            }
        };
        // Only this record's MAC input was edited: the next one continues
        // honestly. A record that failed to seal leaves the count as it was;
        // at 2^64 - 1 the next seal refuses (RFC 5246 §6.1: no wrap).
        write.seq = match sealed {
            Ok(()) => honest_seq.saturating_add(1),
            Err(_) => honest_seq,
        };
        sealed?;
        out[at + 1..at + 3].copy_from_slice(&plaintext.version.0.to_be_bytes());
        if let Some(fault) = wrong_version {
            hooks.emit(&Event::FaultApplied {
                fault,
                what: "version bytes in the MAC pseudo-header / additional data (the header says 03 03)",
                before: &plaintext.version.0.to_be_bytes(),
                after: &mac_version.0.to_be_bytes(),
            });
        }
        if let Some(fault) = self.find(|f| match f {
            Fault::CorruptMac { record: r } if *r == record => Some(*f),
            _ => None,
        }) {
            let fragment_len = plaintext.fragment.len();
            corrupt_mac(fault, &write.protection, fragment_len, &mut out[at + 5..], hooks);
        }
        for fault in &self.0 {
            match *fault {
                Fault::FlipCiphertextBit { record: r, bit } if r == record => {
                    let payload = &mut out[at + 5..];
                    if let Some(byte) = payload.get_mut(bit / 8) {
                        let before = [*byte];
                        *byte ^= 0x80 >> (bit % 8);
                        let after = [*byte];
                        hooks.emit(&Event::FaultApplied {
                            fault: *fault,
                            what: "one ciphertext byte of the record, after sealing",
                            before: &before,
                            after: &after,
                        });
                    }
                }
                Fault::TruncateRecord { record: r, bytes } if r == record => {
                    let len = out.len() - at - 5;
                    let cut = bytes.min(len);
                    let before = (len as u16).to_be_bytes();
                    out.truncate(out.len() - cut);
                    let after = ((len - cut) as u16).to_be_bytes();
                    out[at + 3..at + 5].copy_from_slice(&after);
                    hooks.emit(&Event::FaultApplied {
                        fault: *fault,
                        what: "record length (bytes cut from the end)",
                        before: &before,
                        after: &after,
                    });
                }
                _ => {}
            }
        }
        announce_record_out(hooks, &out[at..], mac_input.seq, write.is_protected());
        Ok(())
    }
}

/// corrupt-mac: flips the last byte of the record's MAC. AEAD: the tag is
/// the last 16 bytes; encrypt-then-MAC: the MAC is last, in the clear;
/// MAC-then-encrypt: the MAC's last plaintext byte is changed through the
/// ciphertext byte 16 bytes before it (CBC malleability).
fn corrupt_mac(
    fault: Fault,
    protection: &Protection,
    fragment_len: usize,
    payload: &mut [u8],
    hooks: &mut Hooks<'_>,
) {
    let at = match protection {
        Protection::Null => return,
        Protection::Aead(_) => payload.len().checked_sub(1),
        Protection::Cbc(c) if c.encrypt_then_mac() => payload.len().checked_sub(1),
        // payload = IV ‖ E(fragment ‖ MAC ‖ padding ‖ padding_length): plaintext
        // byte k sits at payload offset 16 + k; flip offset k to change it.
        Protection::Cbc(c) => Some(fragment_len + c.mac_len() - 1),
        // SSL 3.0: no IV in front; plaintext byte k sits at payload offset k,
        // changed through the ciphertext byte one block before it.
        Protection::Ssl3(s) => (fragment_len + s.mac_len() - 1).checked_sub(16),
        Protection::Legacy(s) if s.encrypt_then_mac() => payload.len().checked_sub(1),
        // RC4 and NULL: plaintext byte k is ciphertext byte k (a stream
        // cipher is malleable bit for bit).
        Protection::Legacy(s) if s.is_stream() => Some(fragment_len + s.mac_len() - 1),
        // 8-byte CBC: one 8-byte block before, behind an 8-byte explicit IV or none.
        Protection::Legacy(s) if s.chained() => (fragment_len + s.mac_len() - 1).checked_sub(8),
        Protection::Legacy(s) => Some(fragment_len + s.mac_len() - 1),
    };
    if let Some(byte) = at.and_then(|i| payload.get_mut(i)) {
        let before = [*byte];
        *byte ^= 0x01;
        let after = [*byte];
        hooks.emit(&Event::FaultApplied {
            fault,
            what: "the record's MAC (last byte)",
            before: &before,
            after: &after,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::{BulkCipher, MacAlgorithm};
    use crate::handshake::transcript::Transcript;
    use crate::record::CbcState;
    use crate::rng::SeededRng;
    use crate::types::PrfHash;
    use crate::wire::{ContentType, Direction};

    /// A fault changes only the point it belongs to.
    #[test]
    fn a_fault_edits_its_own_point_only() {
        let mut verify_data = [7u8; 12];
        assert_eq!(
            Fault::BadFinished
                .tamper(Point::ClientVerifyData(&mut verify_data))
                .map(|t| t.what),
            Some("verify_data")
        );
        assert_eq!(verify_data[0], 6);
        // No fault belongs at the master secret: each leaves it alone.
        let mut master_secret = [1u8; 48];
        let every_fault = CATALOGUE
            .iter()
            .map(|(name, arg, _)| match *arg {
                "" => name.to_string(),
                "MESSAGE" => format!("{name}:server_key_exchange"),
                _ => format!("{name}:2"),
            })
            .chain(["rsa-wrong-key".into(), "rsa-wrong-client-version".into()]);
        for text in every_fault {
            let fault = Fault::parse(&text).unwrap();
            assert_eq!(
                fault.tamper(Point::MasterSecret(&mut master_secret)),
                None,
                "{fault}"
            );
        }
        assert_eq!(master_secret, [1u8; 48]);
        // As an interceptor of its own: the same edit, no event.
        let mut fault = Fault::WrongPreMasterSecret;
        let mut pre_master_secret = vec![0x10, 0x20];
        fault.intercept(Point::PreMasterSecret(&mut pre_master_secret));
        assert_eq!(pre_master_secret, [0x10, 0x21]);
    }

    /// Each EMS fault turns the negotiated choice one way only (RFC 7627 §4).
    #[test]
    fn ems_faults_turn_one_way() {
        for (fault, negotiated, used) in [
            (Fault::EmsExpectedNotUsed, true, false),
            (Fault::EmsExpectedNotUsed, false, false),
            (Fault::EmsUsedNotNegotiated, false, true),
            (Fault::EmsUsedNotNegotiated, true, true),
        ] {
            let mut extended = negotiated;
            let changed = fault.tamper(Point::ExtendedMasterSecret(&mut extended));
            assert_eq!(extended, used, "{fault} negotiated={negotiated}");
            assert_eq!(changed.is_some(), negotiated != used);
        }
    }

    /// transcript-missing recomputes the hash the transcript itself gives
    /// without that message.
    #[test]
    fn transcript_missing_matches_the_transcript_without_the_message() {
        let mut transcript = Transcript::new();
        transcript.set_hash(PrfHash::Sha384);
        let mut hooks = Hooks::none();
        for (typ, raw) in [
            (HandshakeType::CLIENT_HELLO, &b"\x01\x00\x00\x01a"[..]),
            (HandshakeType::SERVER_KEY_EXCHANGE, b"\x0c\x00\x00\x02bc"),
            (HandshakeType::SERVER_HELLO_DONE, b"\x0e\x00\x00\x00"),
        ] {
            transcript.append(typ, raw, &mut hooks);
        }
        let messages = transcript.message_list();
        let mut handshake_hash = transcript.current_hash();
        let message = HandshakeType::SERVER_KEY_EXCHANGE;
        let changed = Fault::TranscriptMissing { message }.tamper(Point::HandshakeHash {
            hash: PrfHash::Sha384,
            messages: &messages,
            handshake_hash: &mut handshake_hash,
        });
        assert_eq!(handshake_hash, transcript.hash_without(message));
        assert_eq!(changed.map(|t| t.before), Some(transcript.current_hash()));
    }

    /// Without faults, the wrapper is the record layer's honest seal, byte
    /// for byte; a fault for another record changes nothing either.
    #[test]
    fn seal_record_without_a_fault_for_the_record_is_the_honest_seal() {
        let cbc = || {
            let state = CbcState::new(
                Direction::ClientToServer,
                BulkCipher::Aes128Cbc,
                MacAlgorithm::HmacSha1,
                &[3u8; 20],
                &[4u8; 16],
            )
            .unwrap();
            let mut write = RecordLayerState::new(Direction::ClientToServer);
            write.change_protection(Protection::Cbc(state));
            write
        };
        let plaintext = Plaintext {
            typ: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLS12,
            fragment: b"GET / HTTP/1.0\r\n\r\n",
        };
        let mut honest = cbc();
        let mut expected = Vec::new();
        honest
            .seal(
                plaintext.typ,
                plaintext.version,
                plaintext.fragment,
                &mut expected,
                &mut SeededRng::new(9, 0),
                &mut Hooks::none(),
            )
            .unwrap();
        for faults in [
            Faults::default(),
            Faults(vec![
                Fault::CorruptMac { record: 5 },
                Fault::BadPadding { record: 5 },
            ]),
        ] {
            let mut write = cbc();
            let mut out = Vec::new();
            let mac_input = MacInputFields {
                record: 0,
                seq: 0,
                version: ProtocolVersion::TLS12,
            };
            faults
                .seal_record(
                    &mut write,
                    plaintext,
                    mac_input,
                    &mut out,
                    &mut SeededRng::new(9, 0),
                    &mut Hooks::none(),
                )
                .unwrap();
            assert_eq!(out, expected, "{faults:?}");
            assert_eq!(write.seq, honest.seq);
        }
    }

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
