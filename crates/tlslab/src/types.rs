//! Small types every layer names: the leaf of the module graph.
//!
//! Nothing here depends on a module of this crate above `wire` (and the
//! byte helpers of `bytes`), so `observer`, `error` and the protocol layers
//! can all name these without pointing at each other: the events carry a
//! [`KeyBlock`], a [`PrfHash`] and a [`Fault`] without the observer
//! depending on `crypto` or `faults`. Each type is re-exported where it
//! belongs (`crypto::key_block::KeyBlock`, `crypto::suites::PrfHash`,
//! `faults::Fault`).

use std::fmt;

use crate::bytes::Bytes;
use crate::wire::HandshakeType;

/// The name of a state, for events and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateName {
    /// Nothing sent yet.
    Start,
    /// ClientHello sent; waiting for ServerHello.
    ExpectServerHello,
    /// Waiting for the server's Certificate.
    ExpectCertificate,
    /// Waiting for ServerKeyExchange.
    ExpectServerKeyExchange,
    /// Waiting for ServerHelloDone (or a CertificateRequest before it).
    ExpectServerHelloDone,
    /// Waiting for the server's NewSessionTicket (RFC 5077).
    ExpectNewSessionTicket,
    /// Waiting for the server's ChangeCipherSpec.
    ExpectChangeCipherSpec,
    /// Waiting for the server's Finished.
    ExpectFinished,
    /// Handshake complete; application data flows.
    Established,
    /// close_notify sent or received.
    Closed,
    /// A fatal error ended the connection.
    Failed,
}

impl fmt::Display for StateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The hash behind the PRF and the Finished transcript hash (RFC 5246 §5,
/// RFC 2246 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrfHash {
    /// P_SHA256, the TLS 1.2 default.
    Sha256,
    /// P_SHA384, for the suites whose name ends in _SHA384.
    Sha384,
    /// TLS 1.0 and 1.1, whatever the suite: `PRF = P_MD5(S1, label + seed)
    /// XOR P_SHA1(S2, label + seed)` over the two halves of the secret, and
    /// the Finished transcript hash `MD5(handshake_messages) ‖
    /// SHA-1(handshake_messages)`, 36 bytes ([RFC 2246 §5], [§7.4.9]; [RFC
    /// 4346 §5]).
    ///
    /// [RFC 2246 §5]: https://www.rfc-editor.org/rfc/rfc2246#section-5
    /// [§7.4.9]: https://www.rfc-editor.org/rfc/rfc2246#section-7.4.9
    /// [RFC 4346 §5]: https://www.rfc-editor.org/rfc/rfc4346#section-5
    Md5Sha1,
}

impl PrfHash {
    /// Output length of the transcript hash, in bytes (36 for MD5 ‖ SHA-1).
    pub fn len(self) -> usize {
        match self {
            PrfHash::Sha256 => 32,
            PrfHash::Sha384 => 48,
            PrfHash::Md5Sha1 => 16 + 20,
        }
    }
    /// Never empty; present for clippy's `len_without_is_empty`.
    #[doc(hidden)]
    pub fn is_empty(self) -> bool {
        false
    }
    /// `Hash(data)` in one call: the transcript hash of these bytes.
    #[doc(hidden)]
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        let mut h = HandshakeHasher::new(self);
        h.update(data);
        h.finish()
    }
    /// The PRF as the RFCs write it: `"P_SHA256"`, `"P_SHA384"`, or `"P_MD5
    /// XOR P_SHA1"` for TLS 1.0/1.1.
    pub fn prf_name(self) -> &'static str {
        match self {
            PrfHash::Sha256 => "P_SHA256",
            PrfHash::Sha384 => "P_SHA384",
            PrfHash::Md5Sha1 => "P_MD5 XOR P_SHA1",
        }
    }
    /// `"SHA256"`, `"SHA384"` or `"MD5-SHA1"` (OpenSSL's digest names).
    pub fn name(self) -> &'static str {
        match self {
            PrfHash::Sha256 => "SHA256",
            PrfHash::Sha384 => "SHA384",
            PrfHash::Md5Sha1 => "MD5-SHA1",
        }
    }
}

/// A running `Hash(handshake_messages)` under a [`PrfHash`]: SHA-256 or
/// SHA-384 through ring, or for TLS 1.0/1.1 MD5 and SHA-1 side by side, whose
/// outputs are concatenated (RFC 2246 §7.4.9: `MD5(handshake_messages) +
/// SHA(handshake_messages)`). ring has no MD5, so that pair is RustCrypto's.
#[doc(hidden)]
#[derive(Clone)]
pub struct HandshakeHasher(HasherState);

#[derive(Clone)]
enum HasherState {
    Ring(ring::digest::Context),
    Md5Sha1(md5::Md5, sha1::Sha1),
}

impl HandshakeHasher {
    /// An empty hash of the given kind.
    pub fn new(hash: PrfHash) -> HandshakeHasher {
        HandshakeHasher(match hash {
            PrfHash::Sha256 => HasherState::Ring(ring::digest::Context::new(&ring::digest::SHA256)),
            PrfHash::Sha384 => HasherState::Ring(ring::digest::Context::new(&ring::digest::SHA384)),
            PrfHash::Md5Sha1 => HasherState::Md5Sha1(md5::Md5::default(), sha1::Sha1::default()),
        })
    }

    /// Feeds more bytes.
    pub fn update(&mut self, data: &[u8]) {
        use sha1::Digest as _;
        match &mut self.0 {
            HasherState::Ring(ctx) => ctx.update(data),
            HasherState::Md5Sha1(md5, sha1) => {
                md5.update(data);
                sha1.update(data);
            }
        }
    }

    /// The digest: 32, 48 or 16 + 20 = 36 bytes.
    pub fn finish(self) -> Vec<u8> {
        use sha1::Digest as _;
        match self.0 {
            HasherState::Ring(ctx) => ctx.finish().as_ref().to_vec(),
            HasherState::Md5Sha1(md5, sha1) => {
                let mut out = md5.finalize().to_vec();
                out.extend_from_slice(&sha1.finalize());
                out
            }
        }
    }
}

impl fmt::Debug for HandshakeHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            HasherState::Ring(_) => "HandshakeHasher(ring)",
            HasherState::Md5Sha1(..) => "HandshakeHasher(MD5 ‖ SHA-1)",
        })
    }
}

/// The key block, split into the six parts RFC 5246 §6.3 names, in order:
///
/// ```text
/// client_write_MAC_key[SecurityParameters.mac_key_length]
/// server_write_MAC_key[SecurityParameters.mac_key_length]
/// client_write_key[SecurityParameters.enc_key_length]
/// server_write_key[SecurityParameters.enc_key_length]
/// client_write_IV[SecurityParameters.fixed_iv_length]
/// server_write_IV[SecurityParameters.fixed_iv_length]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyBlock {
    /// `client_write_MAC_key` (empty for AEAD suites).
    pub client_write_mac_key: Bytes,
    /// `server_write_MAC_key` (empty for AEAD suites).
    pub server_write_mac_key: Bytes,
    /// `client_write_key`.
    pub client_write_key: Bytes,
    /// `server_write_key`.
    pub server_write_key: Bytes,
    /// `client_write_IV` (empty for TLS 1.1 and 1.2 CBC suites: their IV is
    /// explicit; TLS 1.0 CBC takes its first IV from here, RFC 2246 §6.3).
    pub client_write_iv: Bytes,
    /// `server_write_IV`.
    pub server_write_iv: Bytes,
}

impl KeyBlock {
    /// The six parts in the key block's order, each with its name in RFC
    /// 5246 §6.3.
    pub fn named_parts(&self) -> [(&'static str, &Bytes); 6] {
        [
            ("client_write_MAC_key", &self.client_write_mac_key),
            ("server_write_MAC_key", &self.server_write_mac_key),
            ("client_write_key", &self.client_write_key),
            ("server_write_key", &self.server_write_key),
            ("client_write_IV", &self.client_write_iv),
            ("server_write_IV", &self.server_write_iv),
        ]
    }
}

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
