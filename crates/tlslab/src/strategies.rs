//! [proptest](https://docs.rs/proptest) strategies with TLS meaning (cargo
//! feature `proptest`).
//!
//! Random bytes rarely get past a length field, so the values generated here
//! are shaped like TLS 1.2: records whose lengths sit on the limits of RFC
//! 5246 §6.2 (2^14, 2^14 + 2048), handshake messages (§7.4) with extension
//! lists that mix the ones we speak with unknown types, and the damage an
//! attacker or a buggy middlebox does to a byte stream:
//!
//! * [`CbcFlip`]: one bit flipped in the IV, plaintext, MAC, padding or
//!   padding-length byte of a CBC record (§6.2.3.2), either in the decrypted
//!   fragment or, through CBC malleability, in the ciphertext block before it
//!   (exactly what a padding-oracle attacker does);
//! * [`FlightMutation`]: bit flips, length edits, content-type changes,
//!   reordering and dropping of records in a flight;
//! * [`cuts`] / [`split_at_cuts`]: TCP-style fragmentation of a byte stream;
//!   [`reframe_handshake`]: handshake messages re-cut into records of
//!   arbitrary sizes, which both fragments a message across records and
//!   coalesces several messages into one (§6.2.1 allows both).
//!
//! ```
//! use proptest::prelude::*;
//! use tlslab::strategies;
//! use tlslab::internal::messages::ServerHello;
//!
//! proptest!(|(hello in strategies::server_hello())| {
//!     let mut body = vec![];
//!     hello.encode(&mut body);
//!     prop_assert_eq!(ServerHello::decode(&body).unwrap(), hello);
//! });
//! ```

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::record::{MAX_CIPHERTEXT, MAX_PLAINTEXT};
use crate::wire::messages::{
    Certificate, ClientHello, DigitallySigned, Extension, Finished, ServerEcdhParams, ServerHello,
    ServerKeyExchangeEcdhe,
};
use crate::wire::{
    Alert, AlertDescription, AlertLevel, CipherSuite, CompressionMethod, ContentType, ExtensionType,
    NamedGroup, ProtocolVersion, RecordHeader, SignatureScheme,
};

/// Half known values (so decoders reach their semantic checks), half arbitrary
/// (so unknown values are exercised too: they must survive a round trip).
macro_rules! known_or_any {
    ($name:ident, $ty:ident, $int:ty, $doc:literal) => {
        #[doc = $doc]
        pub fn $name() -> impl Strategy<Value = $ty> {
            prop_oneof![select($ty::KNOWN), any::<$int>().prop_map($ty)]
        }
    };
}

known_or_any!(
    content_type,
    ContentType,
    u8,
    "A `ContentType` (RFC 5246 §6.2.1)."
);
known_or_any!(
    protocol_version,
    ProtocolVersion,
    u16,
    "A `ProtocolVersion` (RFC 5246 §6.2.1)."
);
known_or_any!(
    cipher_suite,
    CipherSuite,
    u16,
    "A `CipherSuite` (RFC 5246 §7.4.1.2)."
);
known_or_any!(named_group, NamedGroup, u16, "A `NamedGroup` (RFC 8422 §5.1.1).");
known_or_any!(
    signature_scheme,
    SignatureScheme,
    u16,
    "A `SignatureAndHashAlgorithm` (RFC 5246 §7.4.1.4.1)."
);
known_or_any!(
    extension_type,
    ExtensionType,
    u16,
    "An `ExtensionType` (RFC 5246 §7.4.1.4)."
);
known_or_any!(
    alert_description,
    AlertDescription,
    u8,
    "An `AlertDescription` (RFC 5246 §7.2)."
);

/// A record length, concentrated on the boundaries a record layer must get
/// right: 0, 1, a block, 2^14 (the largest plaintext), 2^14 + 2048 (the
/// largest ciphertext), one more than each, and `u16::MAX`.
pub fn record_length() -> impl Strategy<Value = u16> {
    const EDGES: &[u16] = &[
        0,
        1,
        15,
        16,
        17,
        MAX_PLAINTEXT as u16 - 1,
        MAX_PLAINTEXT as u16,
        MAX_PLAINTEXT as u16 + 1,
        MAX_CIPHERTEXT as u16 - 1,
        MAX_CIPHERTEXT as u16,
        MAX_CIPHERTEXT as u16 + 1,
        u16::MAX,
    ];
    prop_oneof![select(EDGES), 0..=MAX_CIPHERTEXT as u16 + 16, any::<u16>()]
}

/// A record header of any content type and version, with a length from
/// [`record_length`] (not necessarily matching any payload).
pub fn record_header() -> impl Strategy<Value = RecordHeader> {
    (content_type(), protocol_version(), record_length()).prop_map(|(content_type, version, length)| {
        RecordHeader {
            content_type,
            version,
            length,
        }
    })
}

/// A whole record, header and payload, whose length field is honest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsRecord {
    /// `type`.
    pub content_type: ContentType,
    /// `version`.
    pub version: ProtocolVersion,
    /// `fragment`.
    pub payload: Vec<u8>,
}

impl TlsRecord {
    /// The header this record goes out with (`length` = payload length,
    /// saturated at `u16::MAX`).
    pub fn header(&self) -> RecordHeader {
        RecordHeader {
            content_type: self.content_type,
            version: self.version,
            length: u16::try_from(self.payload.len()).unwrap_or(u16::MAX),
        }
    }

    /// `header ‖ payload`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.header().encode().to_vec();
        out.extend_from_slice(&self.payload);
        out
    }
}

/// A record of any content type and version, with a payload size near the
/// interesting boundaries (up to 2^14 + 2048 + 1 bytes: one over the limit).
pub fn record() -> impl Strategy<Value = TlsRecord> {
    let size = prop_oneof![
        4 => 0usize..64,
        1 => select(&[MAX_PLAINTEXT - 1, MAX_PLAINTEXT, MAX_PLAINTEXT + 1, MAX_CIPHERTEXT, MAX_CIPHERTEXT + 1][..]),
        1 => 0usize..=MAX_CIPHERTEXT + 1,
    ];
    (content_type(), protocol_version(), size, any::<u8>()).prop_flat_map(
        |(content_type, version, size, fill)| {
            // Big payloads are mostly one byte value: generating 18 KB of random
            // bytes per case would make the strategy, not the code, the cost.
            let head = vec(any::<u8>(), 0..=size.min(32));
            head.prop_map(move |head| {
                let mut payload = head;
                payload.resize(size, fill);
                TlsRecord {
                    content_type,
                    version,
                    payload,
                }
            })
        },
    )
}

/// One extension: a well-formed body for the types this client speaks, or an
/// unknown type with arbitrary data (RFC 5246 §7.4.1.4 requires unknown
/// extensions to be carried, not rejected, by the decoder).
pub fn extension() -> impl Strategy<Value = Extension> {
    prop_oneof![
        "[a-z]{1,20}(\\.[a-z]{1,10}){0,3}".prop_map(|h| Extension::server_name(&h)),
        vec(named_group(), 0..8).prop_map(|g| Extension::supported_groups(&g)),
        Just(Extension::ec_point_formats()),
        vec(signature_scheme(), 0..8).prop_map(|s| Extension::signature_algorithms(&s)),
        Just(Extension::extended_master_secret()),
        vec(any::<u8>(), 0..=36).prop_map(|v| Extension::renegotiation_info(&v)),
        (extension_type(), vec(any::<u8>(), 0..40)).prop_map(|(typ, data)| Extension { typ, data }),
    ]
}

/// An extension block: absent, or a list without duplicate types (a
/// duplicate is a decode error by RFC 5246 §7.4.1.4, tested separately).
pub fn extensions() -> impl Strategy<Value = Option<Vec<Extension>>> {
    proptest::option::weighted(
        0.8,
        vec(extension(), 0..8).prop_map(|mut list| {
            let mut seen = std::collections::HashSet::new();
            list.retain(|e| seen.insert(e.typ));
            list
        }),
    )
}

fn random() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn session_id() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![Just(vec![]), vec(any::<u8>(), 32), vec(any::<u8>(), 0..=32)]
}

/// A ClientHello (RFC 5246 §7.4.1.2).
pub fn client_hello() -> impl Strategy<Value = ClientHello> {
    (
        protocol_version(),
        random(),
        session_id(),
        vec(cipher_suite(), 0..40),
        vec(any::<u8>().prop_map(CompressionMethod), 0..4),
        extensions(),
    )
        .prop_map(
            |(client_version, random, session_id, cipher_suites, compression_methods, extensions)| {
                ClientHello {
                    client_version,
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions,
                }
            },
        )
}

/// A ServerHello (RFC 5246 §7.4.1.3).
pub fn server_hello() -> impl Strategy<Value = ServerHello> {
    (
        protocol_version(),
        random(),
        session_id(),
        cipher_suite(),
        any::<u8>().prop_map(CompressionMethod),
        extensions(),
    )
        .prop_map(
            |(server_version, random, session_id, cipher_suite, compression_method, extensions)| {
                ServerHello {
                    server_version,
                    random,
                    session_id,
                    cipher_suite,
                    compression_method,
                    extensions,
                }
            },
        )
}

/// A Certificate message (RFC 5246 §7.4.2): 0 to 4 non-empty opaque
/// "certificates" (the codec does not look inside the DER).
pub fn certificate() -> impl Strategy<Value = Certificate> {
    vec(vec(any::<u8>(), 1..300), 0..4).prop_map(|chain| Certificate { chain })
}

/// An ECDHE ServerKeyExchange (RFC 8422 §5.4) with a point of a plausible
/// size (32, 65, 97 bytes or anything non-empty) and a signature of any size.
pub fn server_key_exchange() -> impl Strategy<Value = ServerKeyExchangeEcdhe> {
    let point = prop_oneof![
        vec(any::<u8>(), 32),
        vec(any::<u8>(), 65),
        vec(any::<u8>(), 97),
        vec(any::<u8>(), 1..=255)
    ];
    let signature = prop_oneof![
        vec(any::<u8>(), 0..=72),
        vec(any::<u8>(), 256),
        vec(any::<u8>(), 512)
    ];
    (named_group(), point, signature_scheme(), signature).prop_map(
        |(named_curve, public, scheme, signature)| {
            let mut params_raw = vec![3];
            params_raw.extend_from_slice(&named_curve.0.to_be_bytes());
            params_raw.push(public.len() as u8);
            params_raw.extend_from_slice(&public);
            ServerKeyExchangeEcdhe {
                params: ServerEcdhParams { named_curve, public },
                params_raw,
                signed: DigitallySigned { scheme, signature },
            }
        },
    )
}

/// A Finished message (RFC 5246 §7.4.9): 12 bytes of verify_data.
pub fn finished() -> impl Strategy<Value = Finished> {
    any::<[u8; 12]>().prop_map(|v| Finished {
        verify_data: v.to_vec(),
    })
}

/// An alert of any level and description (RFC 5246 §7.2).
pub fn alert() -> impl Strategy<Value = Alert> {
    (
        prop_oneof![
            Just(AlertLevel::WARNING),
            Just(AlertLevel::FATAL),
            any::<u8>().prop_map(AlertLevel)
        ],
        alert_description(),
    )
        .prop_map(|(level, description)| Alert { level, description })
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Which part of a CBC record (RFC 5246 §6.2.3.2) a [`CbcFlip`] hits.
///
/// ```text
/// IV(16) ‖ E( plaintext ‖ MAC(mac_length) ‖ padding(padding_length) ‖ padding_length )
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CbcRegion {
    /// The explicit IV (on the wire) or, for a decrypted fragment, the first
    /// plaintext block it XORs into.
    Iv,
    /// The content.
    Plaintext,
    /// The MAC.
    Mac,
    /// The padding bytes (not the length byte).
    Padding,
    /// The final `padding_length` byte.
    PaddingLength,
}

/// The layout of a decrypted CBC fragment: where the plaintext, MAC and
/// padding are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CbcLayout {
    /// Bytes of content.
    pub plaintext_len: usize,
    /// `mac_length` of the suite.
    pub mac_len: usize,
    /// `padding_length` (bytes of padding before the length byte).
    pub padding_len: usize,
}

impl CbcLayout {
    /// Total fragment length: plaintext, MAC, padding and the length byte.
    pub fn len(&self) -> usize {
        self.plaintext_len + self.mac_len + self.padding_len + 1
    }

    /// Never empty (the length byte is always there); for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The byte range of `region` inside the decrypted fragment. `Iv` is the
    /// first 16 bytes (the block an IV flip lands in).
    pub fn range(&self, region: CbcRegion) -> std::ops::Range<usize> {
        let mac = self.plaintext_len;
        let pad = mac + self.mac_len;
        let last = pad + self.padding_len;
        match region {
            CbcRegion::Iv => 0..16.min(self.len()),
            CbcRegion::Plaintext => 0..mac,
            CbcRegion::Mac => mac..pad,
            CbcRegion::Padding => pad..last,
            CbcRegion::PaddingLength => last..last + 1,
        }
    }
}

/// One bit flipped in a chosen part of a CBC record. `index` is reduced
/// modulo the region's length, so every value is meaningful; a flip in an
/// empty region (no plaintext, no padding) does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CbcFlip {
    /// What is hit.
    pub region: CbcRegion,
    /// Which byte of the region.
    pub index: usize,
    /// Which bit (0..8) of that byte.
    pub bit: u8,
}

impl CbcFlip {
    /// The byte of the decrypted fragment this flip targets, if the region is
    /// not empty.
    pub fn target(&self, layout: &CbcLayout) -> Option<usize> {
        let r = layout.range(self.region);
        (!r.is_empty()).then(|| r.start + self.index % r.len())
    }

    /// Flips the bit in a decrypted fragment laid out as `layout`. Returns
    /// whether anything changed.
    pub fn apply_to_fragment(&self, fragment: &mut [u8], layout: &CbcLayout) -> bool {
        match self.target(layout).and_then(|i| fragment.get_mut(i)) {
            Some(b) => {
                *b ^= 1 << (self.bit % 8);
                true
            }
            None => false,
        }
    }

    /// Flips a bit of a sealed record's payload (`IV ‖ ciphertext`) so that,
    /// after decryption, exactly the targeted plaintext bit flips, by CBC
    /// malleability: flipping a bit of ciphertext block *i - 1* (or of the IV
    /// for block 0) flips the same bit of plaintext block *i*, while block
    /// *i - 1* itself decrypts to garbage. This is the move of Vaudenay's
    /// padding-oracle attack. With `region == Iv` the IV byte itself is hit.
    pub fn apply_to_record(&self, payload: &mut [u8], layout: &CbcLayout) -> bool {
        // Plaintext byte i is ciphertext block (i / 16) + 1 in the payload (the
        // IV is block 0), so the byte to flip is i itself: block i/16 of the payload.
        match self.target(layout).and_then(|i| payload.get_mut(i)) {
            Some(b) => {
                *b ^= 1 << (self.bit % 8);
                true
            }
            None => false,
        }
    }
}

/// A [`CbcFlip`] in any region.
pub fn cbc_flip() -> impl Strategy<Value = CbcFlip> {
    (
        select(
            &[
                CbcRegion::Iv,
                CbcRegion::Plaintext,
                CbcRegion::Mac,
                CbcRegion::Padding,
                CbcRegion::PaddingLength,
            ][..],
        ),
        any::<usize>(),
        0u8..8,
    )
        .prop_map(|(region, index, bit)| CbcFlip { region, index, bit })
}

/// Damage done to a flight of records (each `header ‖ payload`).
///
/// Indices are reduced modulo the flight's size when applied, so a value
/// generated for one flight can be applied to any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlightMutation {
    /// Flip `bit` of byte `offset` of record `record` (header included:
    /// offsets 0..5 hit the header).
    FlipBit {
        /// Which record.
        record: usize,
        /// Which byte of it.
        offset: usize,
        /// Which bit (0..8).
        bit: u8,
    },
    /// Replace the header's length field (the payload is unchanged, so the
    /// stream no longer frames as before).
    SetLength {
        /// Which record.
        record: usize,
        /// The new `length`.
        length: u16,
    },
    /// Replace the header's content type.
    SetContentType {
        /// Which record.
        record: usize,
        /// The new `type`.
        content_type: ContentType,
    },
    /// Exchange two records (reordering, as a broken middlebox or an
    /// attacker would).
    Swap {
        /// One record.
        a: usize,
        /// The other.
        b: usize,
    },
    /// Remove a record.
    Drop {
        /// Which record.
        record: usize,
    },
}

impl FlightMutation {
    /// The mutated flight. An empty flight comes back unchanged.
    pub fn apply(&self, flight: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut out = flight.to_vec();
        let n = out.len();
        if n == 0 {
            return out;
        }
        match *self {
            FlightMutation::FlipBit { record, offset, bit } => {
                let r = &mut out[record % n];
                if !r.is_empty() {
                    let i = offset % r.len();
                    r[i] ^= 1 << (bit % 8);
                }
            }
            FlightMutation::SetLength { record, length } => {
                if let Some(l) = out[record % n].get_mut(3..5) {
                    l.copy_from_slice(&length.to_be_bytes());
                }
            }
            FlightMutation::SetContentType { record, content_type } => {
                if let Some(t) = out[record % n].first_mut() {
                    *t = content_type.0;
                }
            }
            FlightMutation::Swap { a, b } => out.swap(a % n, b % n),
            FlightMutation::Drop { record } => {
                out.remove(record % n);
            }
        }
        out
    }
}

/// Any [`FlightMutation`] over a flight of `records` records (bit flips
/// first: they are what shrinking should end on).
pub fn flight_mutation(records: usize) -> impl Strategy<Value = FlightMutation> {
    let records = records.max(1);
    prop_oneof![
        4 => (0..records, any::<usize>(), 0u8..8)
            .prop_map(|(record, offset, bit)| FlightMutation::FlipBit { record, offset, bit }),
        1 => (0..records, record_length()).prop_map(|(record, length)| FlightMutation::SetLength { record, length }),
        1 => (0..records, content_type())
            .prop_map(|(record, content_type)| FlightMutation::SetContentType { record, content_type }),
        1 => (0..records, 0..records).prop_map(|(a, b)| FlightMutation::Swap { a, b }),
        1 => (0..records).prop_map(|record| FlightMutation::Drop { record }),
    ]
}

/// Cut points for fragmenting a stream of `len` bytes: sorted, distinct, in
/// `1..len`. Empty means one piece.
pub fn cuts(len: usize) -> impl Strategy<Value = Vec<usize>> {
    let inner = if len > 1 { 1..len } else { 0..1 };
    prop_oneof![
        Just(vec![]),
        vec(inner.clone(), 0..8),
        vec(inner, 0..64),
        // Every byte on its own.
        Just((1..len).collect::<Vec<_>>()),
    ]
    .prop_map(move |mut c| {
        c.retain(|&x| x > 0 && x < len);
        c.sort_unstable();
        c.dedup();
        c
    })
}

/// `bytes` cut at `cuts` (as from [`cuts`]): the reads a socket might return.
pub fn split_at_cuts<'b>(bytes: &'b [u8], cuts: &[usize]) -> Vec<&'b [u8]> {
    let mut out = vec![];
    let mut start = 0;
    for &c in cuts {
        if c > start && c <= bytes.len() {
            out.push(&bytes[start..c]);
            start = c;
        }
    }
    out.push(&bytes[start..]);
    out
}

/// Record payload sizes for [`reframe_handshake`]: 1..=64 bytes mostly, with
/// whole-stream sizes mixed in (which coalesce every message into one record).
pub fn record_sizes() -> impl Strategy<Value = Vec<usize>> {
    vec(prop_oneof![3 => 1usize..=64, 1 => 1usize..=MAX_PLAINTEXT], 1..16)
}

/// Handshake messages (each `msg_type ‖ length ‖ body`) concatenated and
/// re-cut into handshake records of `version` whose payload sizes cycle
/// through `sizes` (each clamped to 1..=2^14): fragmentation and coalescing
/// at once (RFC 5246 §6.2.1). Returns the records' bytes.
pub fn reframe_handshake(messages: &[&[u8]], sizes: &[usize], version: ProtocolVersion) -> Vec<u8> {
    let stream: Vec<u8> = messages.concat();
    let mut out = vec![];
    let mut rest = &stream[..];
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(MAX_PLAINTEXT);
        let n = size.clamp(1, MAX_PLAINTEXT).min(rest.len());
        let (fragment, tail) = rest.split_at(n);
        out.extend_from_slice(
            &TlsRecord {
                content_type: ContentType::HANDSHAKE,
                version,
                payload: fragment.to_vec(),
            }
            .encode(),
        );
        rest = tail;
        i += 1;
    }
    out
}
