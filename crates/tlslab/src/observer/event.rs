//! The one event enum. Every value the RFC names passes through here, borrowed
//! from the place where it exists, at the moment it exists.

use crate::types::KeyBlock;
use crate::types::PrfHash;
use crate::types::StateName;
use crate::wire::{Alert, ContentType, Direction, HandshakeType, ProtocolVersion};

/// A record as it crosses the wire (RFC 5246 §6.2).
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    /// `TLSPlaintext.type` / `TLSCiphertext.type`.
    pub content_type: ContentType,
    /// `ProtocolVersion` in the record header.
    pub version: ProtocolVersion,
    /// The 5-byte header as sent or received.
    pub header: &'a [u8; 5],
    /// The fragment as sent or received (ciphertext once protection is on).
    pub payload: &'a [u8],
    /// The sequence number this record uses (RFC 5246 §6.1).
    pub seq: u64,
    /// Whether the record is protected by a cipher (after ChangeCipherSpec).
    pub protected: bool,
}

/// One call of the TLS 1.2 PRF (RFC 5246 §5), with every intermediate value.
#[derive(Clone, Copy, Debug)]
pub struct PrfCall<'a> {
    /// What this PRF call derives (`master_secret`, `key_block`, `verify_data`).
    pub purpose: &'static str,
    /// P_SHA256 or P_SHA384.
    pub hash: PrfHash,
    /// The secret.
    pub secret: &'a [u8],
    /// The ASCII label.
    pub label: &'a [u8],
    /// The seed (without the label).
    pub seed: &'a [u8],
    /// A(1), A(2), ... : A(i) = HMAC_hash(secret, A(i-1)), A(0) = label + seed.
    pub a: &'a [Vec<u8>],
    /// HMAC_hash(secret, A(i) + label + seed) for each i, before truncation.
    pub hmac_outputs: &'a [Vec<u8>],
    /// The PRF output, truncated to the requested length.
    pub output: &'a [u8],
}

/// The bytes a record MAC is computed over (RFC 5246 §6.2.3.1).
#[derive(Clone, Copy, Debug)]
pub struct MacInput<'a> {
    /// Which direction's MAC key is in use.
    pub direction: Direction,
    /// `seq_num`.
    pub seq: u64,
    /// seq_num(8) + type(1) + version(2) + length(2).
    pub pseudo_header: &'a [u8; 13],
    /// The fragment the MAC covers (plaintext for MAC-then-encrypt).
    pub fragment: &'a [u8],
    /// The MAC this side computed over `pseudo_header + fragment`.
    pub mac: &'a [u8],
}

/// What the CBC padding check saw (RFC 5246 §6.2.3.2).
#[derive(Clone, Copy, Debug)]
pub struct PaddingView<'a> {
    /// Which direction's record.
    pub direction: Direction,
    /// `seq_num` of the record.
    pub seq: u64,
    /// The last byte of the decrypted fragment.
    pub padding_length: u8,
    /// The padding bytes (each must equal `padding_length`), without the
    /// length byte. Empty if `padding_length` does not fit the record.
    pub padding: &'a [u8],
    /// Whether every padding byte equals `padding_length` and it fits.
    pub well_formed: bool,
    /// Index into `padding` of the first byte that differs, if any.
    pub first_bad: Option<usize>,
}

/// How an AEAD nonce was built (RFC 5288 §3, RFC 7905 §2).
#[derive(Clone, Copy, Debug)]
pub struct NonceParts<'a> {
    /// Which direction's key.
    pub direction: Direction,
    /// `seq_num`.
    pub seq: u64,
    /// The implicit part from the key block (`client_write_IV` / `server_write_IV`).
    pub fixed_iv: &'a [u8],
    /// The explicit part carried in the record (GCM) or derived from seq_num (ChaCha20).
    pub explicit: &'a [u8],
    /// The 12-byte nonce given to the cipher.
    pub nonce: &'a [u8; 12],
}

/// An event: one value, at the point where the client computed or saw it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The handshake state machine moved.
    StateChanged {
        /// Previous state.
        from: StateName,
        /// New state.
        to: StateName,
    },
    /// A record we sent (header and bytes on the wire).
    RecordOut(RecordView<'a>),
    /// A record we received (header and bytes on the wire).
    RecordIn(RecordView<'a>),
    /// A handshake message we sent, with its 4-byte header.
    HandshakeOut {
        /// Message type.
        typ: HandshakeType,
        /// Raw bytes, header included.
        raw: &'a [u8],
    },
    /// A handshake message we received, with its 4-byte header.
    HandshakeIn {
        /// Message type.
        typ: HandshakeType,
        /// Raw bytes, header included.
        raw: &'a [u8],
    },
    /// A message was added to `handshake_messages` (RFC 5246 §7.4.9).
    TranscriptAppended {
        /// Message type.
        typ: HandshakeType,
        /// Raw bytes hashed.
        raw: &'a [u8],
        /// Hash of every message so far.
        running_hash: &'a [u8],
    },
    /// The server's certificate chain was checked.
    CertificateChecked {
        /// Name checked against the leaf certificate.
        server_name: &'a str,
        /// Number of certificates the server sent.
        chain_len: usize,
        /// Whether the chain and name verified (false with `--insecure`).
        verified: bool,
        /// What was checked, or why it was skipped.
        detail: &'a str,
    },
    /// The ServerKeyExchange signature was checked (RFC 5246 §7.4.3).
    SignatureChecked {
        /// The scheme the server used.
        scheme: crate::wire::SignatureScheme,
        /// client_random + server_random + params: the signed bytes.
        signed: &'a [u8],
        /// The signature.
        signature: &'a [u8],
        /// Whether it verified.
        valid: bool,
    },
    /// Our ephemeral key share and the server's (RFC 8422 §5.4, §5.7).
    KeyShare {
        /// The group.
        group: crate::wire::NamedGroup,
        /// Our public value, as sent in ClientKeyExchange.
        client_public: &'a [u8],
        /// The server's public value, from ServerKeyExchange.
        server_public: &'a [u8],
    },
    /// `pre_master_secret` (RFC 5246 §8.1.2, RFC 8422 §5.10).
    PreMasterSecret(&'a [u8]),
    /// One PRF call with every intermediate value.
    Prf(PrfCall<'a>),
    /// `master_secret` (RFC 5246 §8.1).
    MasterSecret {
        /// `ClientHello.random`, the key log's index.
        client_random: &'a [u8; 32],
        /// `ServerHello.random`.
        server_random: &'a [u8; 32],
        /// The 48-byte master secret.
        master_secret: &'a [u8; 48],
    },
    /// The key block, split into its named parts (RFC 5246 §6.3).
    KeyBlock(&'a KeyBlock),
    /// The bytes a record MAC covers.
    MacInput(MacInput<'a>),
    /// The CBC padding of a received record.
    CbcPadding(PaddingView<'a>),
    /// A received MAC against the one we computed.
    MacCompared {
        /// Which direction's record.
        direction: Direction,
        /// `seq_num` of the record.
        seq: u64,
        /// MAC we computed.
        computed: &'a [u8],
        /// MAC in the record.
        received: &'a [u8],
        /// Whether they are equal.
        equal: bool,
    },
    /// The nonce of an AEAD record.
    AeadNonce(NonceParts<'a>),
    /// The additional data of an AEAD record: seq_num + type + version + length.
    AeadAad {
        /// Which direction's record.
        direction: Direction,
        /// `seq_num` of the record.
        seq: u64,
        /// The 13 bytes.
        aad: &'a [u8; 13],
    },
    /// An AEAD record failed to open (tag mismatch).
    AeadOpenFailed {
        /// Which direction's record.
        direction: Direction,
        /// `seq_num` of the record.
        seq: u64,
        /// The received tag (last 16 bytes).
        tag: &'a [u8],
    },
    /// verify_data computed (ours) or checked (the server's) (RFC 5246 §7.4.9).
    FinishedVerify {
        /// `"client finished"` or `"server finished"`.
        label: &'static str,
        /// Hash(handshake_messages).
        handshake_hash: &'a [u8],
        /// verify_data we computed.
        computed: &'a [u8],
        /// verify_data received (equal to `computed` for our own Finished).
        received: &'a [u8],
    },
    /// Application data received and decrypted.
    ApplicationData {
        /// Direction.
        direction: Direction,
        /// The plaintext.
        data: &'a [u8],
    },
    /// An alert we sent.
    AlertSent(Alert),
    /// An alert we received.
    AlertReceived(Alert),
    /// We offered to resume a session (RFC 5246 §7.4.1.2, RFC 5077 §3.4).
    ResumptionOffered {
        /// The session_id sent in ClientHello.
        session_id: &'a [u8],
        /// The ticket sent in session_ticket, if resuming by ticket.
        ticket: Option<&'a [u8]>,
        /// The master secret of the session offered.
        master_secret: &'a [u8; 48],
    },
    /// The server accepted: an abbreviated handshake reuses this master secret.
    SessionResumed {
        /// The session_id the server echoed.
        session_id: &'a [u8],
        /// The master secret reused (no new key exchange).
        master_secret: &'a [u8; 48],
    },
    /// An interceptor changed a value at a derivation point (break and edit:
    /// the `intercept` module).
    Intercepted {
        /// The point's RFC name.
        point: &'static str,
        /// The value before.
        before: &'a [u8],
        /// The value after.
        after: &'a [u8],
    },
    /// `session_hash` (RFC 7627 §3): the hash of the handshake messages up to
    /// and including ClientKeyExchange, the seed of the extended master secret.
    SessionHash {
        /// Hash(handshake_messages) at that point.
        session_hash: &'a [u8],
    },
    /// The operator's server key (`--server-key`) checked against the
    /// certificate the server sent.
    ServerKeyChecked {
        /// Whether the key's public half is the certificate's.
        matches: bool,
        /// What was compared and what it means for this handshake.
        detail: &'a str,
    },
    /// A configured fault changed a value (the `faults` module names them).
    FaultApplied {
        /// The fault.
        fault: crate::types::Fault,
        /// What it changed, in RFC terms.
        what: &'static str,
        /// The value before.
        before: &'a [u8],
        /// The value after.
        after: &'a [u8],
    },
    /// RSA key transport, step 1: the PKCS#1 v1.5 encryption block built
    /// around the pre-master secret (RFC 8017 §7.2.1, RFC 5246 §7.4.7.1).
    /// Both values are secret: `encoded_block` contains the pre-master secret,
    /// and with a small public exponent, knowing all of the block but the
    /// 48 secret bytes lets Coppersmith's method recover them.
    RsaPadding {
        /// `PS`: nonzero random bytes, at least 8.
        padding_string: &'a [u8],
        /// `EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ pre_master_secret`, as long as the modulus.
        encoded_block: &'a [u8],
    },
    /// RSA key transport, step 2: `EM` encrypted to the server's certificate
    /// key, as sent in `EncryptedPreMasterSecret`.
    RsaEncrypted {
        /// Bits in the server's modulus `n`.
        modulus_bits: usize,
        /// `c = EM^e mod n`, as many bytes as the modulus.
        ciphertext: &'a [u8],
    },
    /// Finite-field Diffie-Hellman shares (RFC 5246 §7.4.3, §7.4.7.2).
    DhKeyShare {
        /// Bits in `dh_p`.
        p_bits: usize,
        /// `dh_p`, the prime modulus, as the server sent it.
        p: &'a [u8],
        /// `dh_g`, the generator, as the server sent it.
        g: &'a [u8],
        /// `dh_Yc = g^x mod p`, our public value, as sent in ClientKeyExchange.
        client_public: &'a [u8],
        /// `dh_Ys`, the server's public value.
        server_public: &'a [u8],
    },
    /// The finite-field Diffie-Hellman result `Z = Ys^x mod p` (RFC 5246
    /// §8.1.2), before its leading zero bytes are stripped to form the
    /// pre-master secret.
    DhSharedSecret {
        /// `Z`, big-endian, as many bytes as `dh_p` (leading zeros kept).
        z: &'a [u8],
        /// How many leading zero bytes were stripped (0 in 255 of 256 handshakes).
        leading_zeros_stripped: usize,
    },
}

impl Event<'_> {
    /// A stable snake_case name for the event (JSON `event` field).
    pub fn name(&self) -> &'static str {
        match self {
            Event::StateChanged { .. } => "state_changed",
            Event::RecordOut(_) => "record_out",
            Event::RecordIn(_) => "record_in",
            Event::HandshakeOut { .. } => "handshake_out",
            Event::HandshakeIn { .. } => "handshake_in",
            Event::TranscriptAppended { .. } => "transcript_appended",
            Event::CertificateChecked { .. } => "certificate_checked",
            Event::SignatureChecked { .. } => "signature_checked",
            Event::KeyShare { .. } => "key_share",
            Event::PreMasterSecret(_) => "pre_master_secret",
            Event::Prf(_) => "prf",
            Event::MasterSecret { .. } => "master_secret",
            Event::KeyBlock(_) => "key_block",
            Event::MacInput(_) => "mac_input",
            Event::CbcPadding(_) => "cbc_padding",
            Event::MacCompared { .. } => "mac_compared",
            Event::AeadNonce(_) => "aead_nonce",
            Event::AeadAad { .. } => "aead_aad",
            Event::AeadOpenFailed { .. } => "aead_open_failed",
            Event::FinishedVerify { .. } => "finished_verify",
            Event::ApplicationData { .. } => "application_data",
            Event::AlertSent(_) => "alert_sent",
            Event::AlertReceived(_) => "alert_received",
            Event::ResumptionOffered { .. } => "resumption_offered",
            Event::SessionResumed { .. } => "session_resumed",
            Event::FaultApplied { .. } => "fault_applied",
            Event::ServerKeyChecked { .. } => "server_key_checked",
            Event::SessionHash { .. } => "session_hash",
            Event::Intercepted { .. } => "intercepted",
            Event::RsaPadding { .. } => "rsa_padding",
            Event::RsaEncrypted { .. } => "rsa_encrypted",
            Event::DhKeyShare { .. } => "dh_key_share",
            Event::DhSharedSecret { .. } => "dh_shared_secret",
        }
    }
}
