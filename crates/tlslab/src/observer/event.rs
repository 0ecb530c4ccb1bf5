//! The one event enum. Every value the RFC names passes through here, borrowed
//! from the place where it exists, at the moment it exists.
//!
//! Each event, and each struct an event carries, is declared **once**, below.
//! From that one declaration the macros `twin_structs!` and
//! `twin_events!` emit:
//!
//! * the borrowed type ([`Event<'a>`], [`RecordView<'a>`], ...), which the
//!   protocol code builds at no cost from values it already holds;
//! * its owned twin ([`OwnedEvent`], [`OwnedRecordView`], ...), which a
//!   [`super::Recorder`] keeps: same variants, same field names and docs,
//!   byte strings as [`Bytes`] (`&'a [u8] => Bytes` in the declaration);
//! * `From<&Event>` for `OwnedEvent`, and [`Event::name`] /
//!   [`OwnedEvent::name`] from the name written next to each variant;
//! * `Serialize` for both, which is the JSON of [`super::JsonLog`]: the
//!   `event` tag is that name, the fields follow in declaration order, and
//!   each byte string says how it is written (`hex`, or `secret` for values
//!   the redacted logs hide). See [`super::JsonLog`] for the format.
//!
//! Why two macros rather than one enum generic over its byte container
//! (`Event<B: AsRef<[u8]>>`): an event carries more than one kind of borrowed
//! value (`&[u8]`, fixed-size `&[u8; 48]` that keep their length in the type,
//! `&str`, a list of PRF blocks, a `&KeyBlock`), each with its own owned form,
//! and `Event<'a>` with its one lifetime is what every emitting function and
//! every observer already names. The macros keep both of those and still
//! write each field once.

use serde::Serialize;

use super::json::{empty_list, hex, lossy_text, opt_hex, secret, secret_list, secret_value};
use crate::bytes::Bytes;
use crate::types::StateName;
use crate::types::{Fault, KeyBlock, PrfHash};
use crate::wire::{
    Alert, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};

/// The owned form of a borrowed field: what [`OwnedEvent::from`] stores.
pub(crate) trait Own<T> {
    /// A copy that no longer borrows.
    fn own(&self) -> T;
}

/// Values without a borrow are their own owned form.
impl<T: Copy> Own<T> for T {
    fn own(&self) -> T {
        *self
    }
}

impl Own<Bytes> for &[u8] {
    fn own(&self) -> Bytes {
        Bytes::from_slice(self)
    }
}

impl<const N: usize> Own<Bytes> for &[u8; N] {
    fn own(&self) -> Bytes {
        Bytes::from_slice(&self[..])
    }
}

impl Own<Option<Bytes>> for Option<&[u8]> {
    fn own(&self) -> Option<Bytes> {
        self.map(Bytes::from_slice)
    }
}

impl Own<Vec<Bytes>> for &[Vec<u8>] {
    fn own(&self) -> Vec<Bytes> {
        self.iter().map(|v| Bytes::from_slice(v)).collect()
    }
}

impl Own<Vec<OwnedPrfHalf>> for &[PrfHalf<'_>] {
    fn own(&self) -> Vec<OwnedPrfHalf> {
        self.iter().map(Own::own).collect()
    }
}

impl Own<String> for &str {
    fn own(&self) -> String {
        (*self).to_owned()
    }
}

impl Own<KeyBlock> for &KeyBlock {
    fn own(&self) -> KeyBlock {
        (*self).clone()
    }
}

/// The owned type of a field: the one after `=>`, or the field's own type.
macro_rules! owned_type {
    ($borrowed:ty) => {
        $borrowed
    };
    ($borrowed:ty => $owned:ty) => {
        $owned
    };
}

/// Stands for the one field of a tuple variant (a pattern or an expression),
/// so that the repetition over that field has something to repeat on.
macro_rules! tuple_field {
    ($name:ident, $ty:ty) => {
        $name
    };
}

/// Declares each borrowed struct `Name<'a>` and its owned twin, with one
/// field list: `field: BorrowedType => OwnedType` where the two differ.
macro_rules! twin_structs {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident<'a> / $owned:ident {
            $( $(#[$fmeta:meta])* $field:ident : $bty:ty $(=> $oty:ty)? ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Serialize)]
        pub struct $name<'a> {
            $( $(#[$fmeta])* pub $field: $bty, )*
        }

        #[doc = concat!("Owned copy of a [`", stringify!($name), "`]: the same fields, byte strings as [`Bytes`].")]
        #[derive(Clone, Debug, PartialEq, Serialize)]
        pub struct $owned {
            $( $(#[$fmeta])* pub $field: owned_type!($bty $(=> $oty)?), )*
        }

        impl Own<$owned> for $name<'_> {
            fn own(&self) -> $owned {
                $owned { $( $field: Own::own(&self.$field), )* }
            }
        }
    )*};
}

/// Declares `Event<'a>` and `OwnedEvent` with one variant list. Each variant
/// is `Name = "json_name"` followed by its one tuple field or its struct
/// fields, written as in [`twin_structs!`].
macro_rules! twin_events {
    (
        $(#[$meta:meta])*
        pub enum Event<'a> / OwnedEvent {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $name:literal
                $( ( $(#[$tmeta:meta])* $tty:ty $(=> $toty:ty)? ) )?
                $( { $( $(#[$fmeta:meta])* $field:ident : $fty:ty $(=> $foty:ty)? ),* $(,)? } )?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Serialize)]
        #[serde(tag = "event")]
        #[non_exhaustive]
        pub enum Event<'a> {
            $(
                $(#[$vmeta])*
                #[serde(rename = $name)]
                $variant
                $( ( $(#[$tmeta])* $tty ) )?
                $( { $( $(#[$fmeta])* $field: $fty, )* } )?,
            )*
        }

        /// An owned copy of an [`Event`], as a [`super::Recorder`] keeps it:
        /// the same variants and field names, byte strings as [`Bytes`]
        /// (which compare with `Vec<u8>` through `Deref` and print as hex in
        /// `Debug`), and the same JSON.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "event")]
        #[non_exhaustive]
        pub enum OwnedEvent {
            $(
                $(#[$vmeta])*
                #[serde(rename = $name)]
                $variant
                $( ( $(#[$tmeta])* owned_type!($tty $(=> $toty)?) ) )?
                $( { $( $(#[$fmeta])* $field: owned_type!($fty $(=> $foty)?), )* } )?,
            )*
        }

        impl Event<'_> {
            /// A stable snake_case name for the event (the JSON `event` field).
            pub fn name(&self) -> &'static str {
                match self {
                    $( Event::$variant { .. } => $name, )*
                }
            }
        }

        impl OwnedEvent {
            /// The same name as [`Event::name`].
            pub fn name(&self) -> &'static str {
                match self {
                    $( OwnedEvent::$variant { .. } => $name, )*
                }
            }
        }

        impl From<&Event<'_>> for OwnedEvent {
            fn from(e: &Event<'_>) -> OwnedEvent {
                match e {
                    $(
                        Event::$variant
                        $( (tuple_field!(value, $tty)) )?
                        $( { $( $field, )* } )?
                        => OwnedEvent::$variant
                        $( (Own::own(tuple_field!(value, $tty))) )?
                        $( { $( $field: Own::own($field), )* } )?,
                    )*
                }
            }
        }
    };
}

twin_structs! {
    /// A record as it crosses the wire (RFC 5246 §6.2).
    pub struct RecordView<'a> / OwnedRecordView {
        /// `TLSPlaintext.type` / `TLSCiphertext.type`.
        content_type: ContentType,
        /// `ProtocolVersion` in the record header.
        version: ProtocolVersion,
        /// The 5-byte header as sent or received.
        #[serde(serialize_with = "hex")]
        header: &'a [u8; 5] => Bytes,
        /// The fragment as sent or received (ciphertext once protection is on).
        #[serde(serialize_with = "hex")]
        payload: &'a [u8] => Bytes,
        /// The sequence number this record uses (RFC 5246 §6.1).
        seq: u64,
        /// Whether the record is protected by a cipher (after ChangeCipherSpec).
        protected: bool,
    }

    /// One half of the TLS 1.0/1.1 PRF (RFC 2246 §5): `P_MD5(S1, label +
    /// seed)` or `P_SHA1(S2, label + seed)`, with every intermediate value.
    pub struct PrfHalf<'a> / OwnedPrfHalf {
        /// `"P_MD5"` or `"P_SHA1"`.
        hash: &'static str,
        /// This half's secret, S1 or S2 (secret).
        #[serde(serialize_with = "secret")]
        secret: &'a [u8] => Bytes,
        /// A(1), A(2), ... of this P_hash (secret).
        #[serde(serialize_with = "secret_list")]
        a: &'a [Vec<u8>] => Vec<Bytes>,
        /// HMAC_hash(S, A(i) + label + seed) for each i (secret).
        #[serde(serialize_with = "secret_list")]
        hmac_outputs: &'a [Vec<u8>] => Vec<Bytes>,
        /// This half's output, truncated to the PRF's length: one operand of
        /// the XOR (secret).
        #[serde(serialize_with = "secret")]
        output: &'a [u8] => Bytes,
    }

    /// One call of the PRF (RFC 5246 §5; RFC 2246 §5 for TLS 1.0/1.1), with
    /// every intermediate value.
    pub struct PrfCall<'a> / OwnedPrfCall {
        /// What this PRF call derives (`master_secret`, `key_block`, `verify_data`).
        purpose: &'static str,
        /// P_SHA256, P_SHA384, or P_MD5 XOR P_SHA1 (TLS 1.0/1.1).
        hash: PrfHash,
        /// The secret (secret).
        #[serde(serialize_with = "secret")]
        secret: &'a [u8] => Bytes,
        /// The ASCII label (a JSON string).
        #[serde(serialize_with = "lossy_text")]
        label: &'a [u8] => Bytes,
        /// The seed (without the label).
        #[serde(serialize_with = "hex")]
        seed: &'a [u8] => Bytes,
        /// A(1), A(2), ... : A(i) = HMAC_hash(secret, A(i-1)), A(0) = label + seed
        /// (secret).
        #[serde(serialize_with = "secret_list")]
        a: &'a [Vec<u8>] => Vec<Bytes>,
        /// HMAC_hash(secret, A(i) + label + seed) for each i, before truncation
        /// (secret).
        #[serde(serialize_with = "secret_list")]
        hmac_outputs: &'a [Vec<u8>] => Vec<Bytes>,
        /// The PRF output, truncated to the requested length (secret). For
        /// TLS 1.0/1.1, the XOR of the two halves' outputs.
        #[serde(serialize_with = "secret")]
        output: &'a [u8] => Bytes,
        /// TLS 1.0/1.1 only: the P_MD5 half over S1, then the P_SHA1 half
        /// over S2, each with its own A(i) and HMAC outputs (`a` and
        /// `hmac_outputs` above are then empty). Empty for TLS 1.2.
        #[serde(skip_serializing_if = "empty_list")]
        halves: &'a [PrfHalf<'a>] => Vec<OwnedPrfHalf>,
    }

    /// The bytes a record MAC is computed over (RFC 5246 §6.2.3.1).
    pub struct MacInput<'a> / OwnedMacInput {
        /// Which direction's MAC key is in use.
        direction: Direction,
        /// `seq_num`.
        seq: u64,
        /// seq_num(8) + type(1) + version(2) + length(2).
        #[serde(serialize_with = "hex")]
        pseudo_header: &'a [u8; 13] => Bytes,
        /// The fragment the MAC covers (plaintext for MAC-then-encrypt).
        #[serde(serialize_with = "hex")]
        fragment: &'a [u8] => Bytes,
        /// The MAC this side computed over `pseudo_header + fragment`.
        #[serde(serialize_with = "hex")]
        mac: &'a [u8] => Bytes,
    }

    /// What the CBC padding check saw (RFC 5246 §6.2.3.2).
    pub struct PaddingView<'a> / OwnedPaddingView {
        /// Which direction's record.
        direction: Direction,
        /// `seq_num` of the record.
        seq: u64,
        /// The last byte of the decrypted fragment.
        padding_length: u8,
        /// The padding bytes (each must equal `padding_length`), without the
        /// length byte. Empty if `padding_length` does not fit the record.
        #[serde(serialize_with = "hex")]
        padding: &'a [u8] => Bytes,
        /// Whether every padding byte equals `padding_length` and it fits.
        well_formed: bool,
        /// Index into `padding` of the first byte that differs, if any.
        first_bad: Option<usize>,
    }

    /// How an AEAD nonce was built (RFC 5288 §3, RFC 7905 §2).
    pub struct NonceParts<'a> / OwnedNonceParts {
        /// Which direction's key.
        direction: Direction,
        /// `seq_num`.
        seq: u64,
        /// The implicit part from the key block (`client_write_IV` /
        /// `server_write_IV`) (secret).
        #[serde(serialize_with = "secret")]
        fixed_iv: &'a [u8] => Bytes,
        /// The explicit part carried in the record (GCM) or derived from seq_num (ChaCha20).
        #[serde(serialize_with = "hex")]
        explicit: &'a [u8] => Bytes,
        /// The 12-byte nonce given to the cipher (secret: it contains, or is
        /// derived from, the fixed IV).
        #[serde(serialize_with = "secret")]
        nonce: &'a [u8; 12] => Bytes,
    }
}

twin_events! {
    /// An event: one value, at the point where the client computed or saw it.
    ///
    /// `Serialize` gives the JSON object [`super::JsonLog`] writes (described
    /// there): `"event"` is [`Event::name`], then these fields. Values marked
    /// *secret* are the ones the redacted logs hide.
    pub enum Event<'a> / OwnedEvent {
        /// The handshake state machine moved.
        StateChanged = "state_changed" {
            /// Previous state.
            from: StateName,
            /// New state.
            to: StateName,
        },
        /// A record we sent (header and bytes on the wire).
        RecordOut = "record_out" (RecordView<'a> => OwnedRecordView),
        /// A record we received (header and bytes on the wire).
        RecordIn = "record_in" (RecordView<'a> => OwnedRecordView),
        /// A handshake message we sent, with its 4-byte header.
        HandshakeOut = "handshake_out" {
            /// Message type.
            typ: HandshakeType,
            /// Raw bytes, header included.
            #[serde(serialize_with = "hex")]
            raw: &'a [u8] => Bytes,
        },
        /// A handshake message we received, with its 4-byte header.
        HandshakeIn = "handshake_in" {
            /// Message type.
            typ: HandshakeType,
            /// Raw bytes, header included.
            #[serde(serialize_with = "hex")]
            raw: &'a [u8] => Bytes,
        },
        /// A message was added to `handshake_messages` (RFC 5246 §7.4.9).
        TranscriptAppended = "transcript_appended" {
            /// Message type.
            typ: HandshakeType,
            /// Raw bytes hashed.
            #[serde(serialize_with = "hex")]
            raw: &'a [u8] => Bytes,
            /// Hash of every message so far.
            #[serde(serialize_with = "hex")]
            running_hash: &'a [u8] => Bytes,
        },
        /// The server's certificate chain was checked.
        CertificateChecked = "certificate_checked" {
            /// Name checked against the leaf certificate.
            server_name: &'a str => String,
            /// Number of certificates the server sent.
            chain_len: usize,
            /// Whether the chain and name verified (false with `--insecure`).
            verified: bool,
            /// What was checked, or why it was skipped.
            detail: &'a str => String,
        },
        /// The ServerKeyExchange signature was checked (RFC 5246 §7.4.3).
        SignatureChecked = "signature_checked" {
            /// The scheme the server used.
            scheme: SignatureScheme,
            /// client_random + server_random + params: the signed bytes.
            #[serde(serialize_with = "hex")]
            signed: &'a [u8] => Bytes,
            /// The signature.
            #[serde(serialize_with = "hex")]
            signature: &'a [u8] => Bytes,
            /// Whether it verified.
            valid: bool,
        },
        /// Our ephemeral key share and the server's (RFC 8422 §5.4, §5.7).
        KeyShare = "key_share" {
            /// The group.
            group: NamedGroup,
            /// Our public value, as sent in ClientKeyExchange.
            #[serde(serialize_with = "hex")]
            client_public: &'a [u8] => Bytes,
            /// The server's public value, from ServerKeyExchange.
            #[serde(serialize_with = "hex")]
            server_public: &'a [u8] => Bytes,
        },
        /// The server's choice of protocol version against our range (RFC
        /// 5246 Appendix E.1; TLS 1.0/1.1 are deprecated, RFC 8996). Emitted
        /// when the range includes TLS 1.0 or 1.1, or the server chose
        /// another version than TLS 1.2, or its random carries the
        /// downgrade sentinel.
        VersionNegotiated = "version_negotiated" {
            /// The lowest version we accept.
            min_version: ProtocolVersion,
            /// The highest, sent as `ClientHello.client_version`.
            max_version: ProtocolVersion,
            /// `ServerHello.server_version`.
            server_version: ProtocolVersion,
            /// Whether `ServerHello.random` ends in `DOWNGRD\x00` (RFC 8446
            /// §4.1.3), fatal when we offered TLS 1.2 and got less.
            downgrade_sentinel: bool,
        },
        /// `pre_master_secret` (RFC 5246 §8.1.2, RFC 8422 §5.10) (secret; in
        /// JSON, the field `value`).
        PreMasterSecret = "pre_master_secret" (
            #[serde(serialize_with = "secret_value")]
            &'a [u8] => Bytes
        ),
        /// One PRF call with every intermediate value.
        Prf = "prf" (PrfCall<'a> => OwnedPrfCall),
        /// `master_secret` (RFC 5246 §8.1).
        MasterSecret = "master_secret" {
            /// `ClientHello.random`, the key log's index.
            #[serde(serialize_with = "hex")]
            client_random: &'a [u8; 32] => Bytes,
            /// `ServerHello.random`.
            #[serde(serialize_with = "hex")]
            server_random: &'a [u8; 32] => Bytes,
            /// The 48-byte master secret (secret).
            #[serde(serialize_with = "secret")]
            master_secret: &'a [u8; 48] => Bytes,
        },
        /// The key block, split into its named parts (RFC 5246 §6.3), every
        /// part secret.
        KeyBlock = "key_block" (&'a KeyBlock => KeyBlock),
        /// The bytes a record MAC covers.
        MacInput = "mac_input" (MacInput<'a> => OwnedMacInput),
        /// The CBC padding of a received record.
        CbcPadding = "cbc_padding" (PaddingView<'a> => OwnedPaddingView),
        /// The implicit IV chain of TLS 1.0 (RFC 2246 §6.2.3.2) and SSL 3.0
        /// (RFC 6101 §5.2.3.2), once per CBC record in each direction: the IV this record was encrypted under
        /// (for the first record the write IV of the key block, then the
        /// previous record's last ciphertext block) and the IV of the next.
        CbcIvChain = "cbc_iv_chain" {
            /// Which direction's record.
            direction: Direction,
            /// `seq_num` of the record.
            seq: u64,
            /// The IV this record used (secret for the first record of a
            /// direction, where it is the key block's write IV).
            /// One cipher block: 16 bytes for AES, 8 for (3)DES.
            #[serde(serialize_with = "secret")]
            iv: &'a [u8] => Bytes,
            /// The IV of the next record: this record's last ciphertext block
            /// (public: anyone on the path has it first, which is BEAST).
            #[serde(serialize_with = "hex")]
            next_iv: &'a [u8] => Bytes,
        },
        /// A received MAC against the one we computed.
        MacCompared = "mac_compared" {
            /// Which direction's record.
            direction: Direction,
            /// `seq_num` of the record.
            seq: u64,
            /// MAC we computed.
            #[serde(serialize_with = "hex")]
            computed: &'a [u8] => Bytes,
            /// MAC in the record.
            #[serde(serialize_with = "hex")]
            received: &'a [u8] => Bytes,
            /// Whether they are equal.
            equal: bool,
        },
        /// The nonce of an AEAD record.
        AeadNonce = "aead_nonce" (NonceParts<'a> => OwnedNonceParts),
        /// The additional data of an AEAD record: seq_num + type + version + length.
        AeadAad = "aead_aad" {
            /// Which direction's record.
            direction: Direction,
            /// `seq_num` of the record.
            seq: u64,
            /// The 13 bytes.
            #[serde(serialize_with = "hex")]
            aad: &'a [u8; 13] => Bytes,
        },
        /// An AEAD record failed to open (tag mismatch).
        AeadOpenFailed = "aead_open_failed" {
            /// Which direction's record.
            direction: Direction,
            /// `seq_num` of the record.
            seq: u64,
            /// The received tag (last 16 bytes).
            #[serde(serialize_with = "hex")]
            tag: &'a [u8] => Bytes,
        },
        /// verify_data computed (ours) or checked (the server's) (RFC 5246 §7.4.9).
        FinishedVerify = "finished_verify" {
            /// `"client finished"` or `"server finished"`.
            label: &'static str,
            /// Hash(handshake_messages).
            #[serde(serialize_with = "hex")]
            handshake_hash: &'a [u8] => Bytes,
            /// verify_data we computed.
            #[serde(serialize_with = "hex")]
            computed: &'a [u8] => Bytes,
            /// verify_data received (equal to `computed` for our own Finished).
            #[serde(serialize_with = "hex")]
            received: &'a [u8] => Bytes,
        },
        /// Application data received and decrypted.
        ApplicationData = "application_data" {
            /// Direction.
            direction: Direction,
            /// The plaintext.
            #[serde(serialize_with = "hex")]
            data: &'a [u8] => Bytes,
        },
        /// An alert we sent (in JSON, the fields `level` and `description`).
        AlertSent = "alert_sent" (Alert),
        /// An alert we received (in JSON, the fields `level` and `description`).
        AlertReceived = "alert_received" (Alert),
        /// We offered to resume a session (RFC 5246 §7.4.1.2, RFC 5077 §3.4).
        ResumptionOffered = "resumption_offered" {
            /// The session_id sent in ClientHello.
            #[serde(serialize_with = "hex")]
            session_id: &'a [u8] => Bytes,
            /// The ticket sent in session_ticket, if resuming by ticket.
            #[serde(serialize_with = "opt_hex")]
            ticket: Option<&'a [u8]> => Option<Bytes>,
            /// The master secret of the session offered (secret).
            #[serde(serialize_with = "secret")]
            master_secret: &'a [u8; 48] => Bytes,
        },
        /// The server accepted: an abbreviated handshake reuses this master secret.
        SessionResumed = "session_resumed" {
            /// The session_id the server echoed.
            #[serde(serialize_with = "hex")]
            session_id: &'a [u8] => Bytes,
            /// The master secret reused (no new key exchange) (secret).
            #[serde(serialize_with = "secret")]
            master_secret: &'a [u8; 48] => Bytes,
        },
        /// An interceptor changed a value at a derivation point (break and edit: the `intercept` module).
        Intercepted = "intercepted" {
            /// The point's RFC name.
            point: &'static str,
            /// The value before.
            #[serde(serialize_with = "hex")]
            before: &'a [u8] => Bytes,
            /// The value after.
            #[serde(serialize_with = "hex")]
            after: &'a [u8] => Bytes,
        },
        /// `session_hash` (RFC 7627 §3): the hash of the handshake messages up to
        /// and including ClientKeyExchange, the seed of the extended master secret.
        SessionHash = "session_hash" {
            /// Hash(handshake_messages) at that point.
            #[serde(serialize_with = "hex")]
            session_hash: &'a [u8] => Bytes,
        },
        /// The operator's server key (`--server-key`) checked against the
        /// certificate the server sent.
        ServerKeyChecked = "server_key_checked" {
            /// Whether the key's public half is the certificate's.
            matches: bool,
            /// What was compared and what it means for this handshake.
            detail: &'a str => String,
        },
        /// A configured fault changed a value (the `faults` module names them).
        FaultApplied = "fault_applied" {
            /// The fault.
            fault: Fault,
            /// What it changed, in RFC terms.
            what: &'static str,
            /// The value before.
            #[serde(serialize_with = "hex")]
            before: &'a [u8] => Bytes,
            /// The value after.
            #[serde(serialize_with = "hex")]
            after: &'a [u8] => Bytes,
        },
        /// RSA key transport, step 1: the PKCS#1 v1.5 encryption block built
        /// around the pre-master secret (RFC 8017 §7.2.1, RFC 5246 §7.4.7.1).
        /// Both values are secret: `encoded_block` contains the pre-master secret,
        /// and with a small public exponent, knowing all of the block but the
        /// 48 secret bytes lets Coppersmith's method recover them.
        RsaPadding = "rsa_padding" {
            /// `PS`: nonzero random bytes, at least 8 (secret).
            #[serde(serialize_with = "secret")]
            padding_string: &'a [u8] => Bytes,
            /// `EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ pre_master_secret`, as long as
            /// the modulus (secret).
            #[serde(serialize_with = "secret")]
            encoded_block: &'a [u8] => Bytes,
        },
        /// RSA key transport, step 2: `EM` encrypted to the server's certificate
        /// key, as sent in `EncryptedPreMasterSecret`.
        RsaEncrypted = "rsa_encrypted" {
            /// Bits in the server's modulus `n`.
            modulus_bits: usize,
            /// `c = EM^e mod n`, as many bytes as the modulus.
            #[serde(serialize_with = "hex")]
            ciphertext: &'a [u8] => Bytes,
        },
        /// Finite-field Diffie-Hellman shares (RFC 5246 §7.4.3, §7.4.7.2).
        DhKeyShare = "dh_key_share" {
            /// Bits in `dh_p`.
            p_bits: usize,
            /// `dh_p`, the prime modulus, as the server sent it.
            #[serde(serialize_with = "hex")]
            p: &'a [u8] => Bytes,
            /// `dh_g`, the generator, as the server sent it.
            #[serde(serialize_with = "hex")]
            g: &'a [u8] => Bytes,
            /// `dh_Yc = g^x mod p`, our public value, as sent in ClientKeyExchange.
            #[serde(serialize_with = "hex")]
            client_public: &'a [u8] => Bytes,
            /// `dh_Ys`, the server's public value.
            #[serde(serialize_with = "hex")]
            server_public: &'a [u8] => Bytes,
        },
        /// The finite-field Diffie-Hellman result `Z = Ys^x mod p` (RFC 5246
        /// §8.1.2), before its leading zero bytes are stripped to form the
        /// pre-master secret.
        DhSharedSecret = "dh_shared_secret" {
            /// `Z`, big-endian, as many bytes as `dh_p` (leading zeros kept)
            /// (secret).
            #[serde(serialize_with = "secret")]
            z: &'a [u8] => Bytes,
            /// How many leading zero bytes were stripped (0 in 255 of 256 handshakes).
            leading_zeros_stripped: usize,
        },
        /// One SSL 3.0 keyed-hash construction (RFC 6101), which stands where
        /// TLS uses the PRF or HMAC: the master secret or key block expansion
        /// (`inner`: SHA('A' + secret + randoms), SHA('BB' + ...), ...;
        /// `outer`: the MD5 of the secret and each), the record MAC (the inner
        /// hash, then the MAC) or the 36-byte Finished (the inner MD5 and
        /// SHA-1, then the outer ones).
        Ssl3Hash = "ssl3_hash" {
            /// `master_secret`, `key_block`, `record_mac`, `client_finished`
            /// or `server_finished`.
            purpose: &'static str,
            /// The first-pass digests, in order (secret).
            #[serde(serialize_with = "secret_list")]
            inner: &'a [Vec<u8>] => Vec<Bytes>,
            /// The second-pass digests, in order (secret).
            #[serde(serialize_with = "secret_list")]
            outer: &'a [Vec<u8>] => Vec<Bytes>,
            /// The result, truncated to the length needed (secret).
            #[serde(serialize_with = "secret")]
            output: &'a [u8] => Bytes,
        },
    }
}
