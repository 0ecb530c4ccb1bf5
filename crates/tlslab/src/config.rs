//! `ClientConfig`: what the client offers and how it checks the server.

use std::time::SystemTime;

use crate::crypto::cert::CertVerifier;
use crate::crypto::signature::supported_schemes;
use crate::crypto::suites::{default_suites, SuiteInfo};
use crate::error::Error;
use crate::rng::{OsRng, Rng};
use crate::wire::{NamedGroup, ProtocolVersion, SignatureScheme};

/// How the server's certificate is checked.
pub enum Verification {
    /// Chain to a trusted root and name check (the default).
    Verify(CertVerifier),
    /// No check at all: anyone in the path can impersonate the server. The
    /// command line prints a warning on every run that uses this.
    Insecure,
    /// The caller decides: called with the chain (leaf first, DER) and
    /// `server_name`; an `Err` (normally [`Error::Certificate`]) fails the
    /// handshake with that error's alert. For applications with their own
    /// trust store (pinning) and for conformance harnesses that script the
    /// verdict (BoringSSL's test runner).
    Custom(Box<CustomVerifier>),
}

/// The check behind [`Verification::Custom`].
pub type CustomVerifier = dyn Fn(&[&[u8]], &str) -> Result<(), Error> + Send;

/// What the ClientHello's server_name extension (RFC 6066 §3) carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ServerNameIndication {
    /// [`ClientConfig::server_name`], unless it is an IP address (the default).
    #[default]
    SameAsServerName,
    /// No server_name extension (a server then must not acknowledge one).
    Omit,
    /// Another name than the one the certificate is checked against.
    Other(String),
}

/// Everything a [`crate::Client`] needs before it sends its ClientHello.
pub struct ClientConfig {
    /// The name sent in `server_name` and checked against the certificate.
    pub server_name: String,
    /// What the server_name extension carries (by default `server_name`).
    pub sni: ServerNameIndication,
    /// Cipher suites offered, in preference order. When `max_version` is
    /// below TLS 1.2 only those the version allows are sent
    /// ([`SuiteInfo::allowed_in`]).
    pub suites: Vec<&'static SuiteInfo>,
    /// The lowest protocol version accepted in ServerHello (TLS 1.0, 1.1 or
    /// 1.2; default TLS 1.2). TLS 1.0 and 1.1 are deprecated (RFC 8996).
    pub min_version: ProtocolVersion,
    /// The highest version offered: `ClientHello.client_version` (default TLS 1.2).
    pub max_version: ProtocolVersion,
    /// Groups offered in `supported_groups`, in preference order.
    pub groups: Vec<NamedGroup>,
    /// Schemes offered in `signature_algorithms`.
    pub signature_schemes: Vec<SignatureScheme>,
    /// Offer extended_master_secret (RFC 7627); used when the server accepts.
    pub offer_extended_master_secret: bool,
    /// Certificate verification.
    pub verification: Verification,
    /// The time at which certificates must be valid (`None`: now).
    pub verify_time: Option<SystemTime>,
    /// Source of client_random, ephemeral keys and CBC IVs.
    pub rng: Box<dyn Rng>,
    /// Protocols offered in application_layer_protocol_negotiation (RFC 7301),
    /// in preference order; empty: the extension is not sent.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Offer encrypt_then_mac (RFC 7366) when a CBC suite is offered: the MAC
    /// then covers the ciphertext and is checked before decryption, which
    /// closes the padding oracle (Lucky13, POODLE-style attacks).
    pub offer_encrypt_then_mac: bool,
    /// The 1/n-1 record split: every piece of application data goes out as a
    /// record holding its first byte, then records with the rest. Against
    /// BEAST on TLS 1.0 CBC (Duong and Rizzo, 2011): the attacker can predict
    /// the IV of the next record (the last ciphertext block on the wire) but
    /// the one-byte record puts a MAC he cannot predict between it and the
    /// plaintext he chose, so the first block of the data is no longer his
    /// guess-and-check oracle. Browsers shipped this in 2012. Off by default.
    pub split_one_n_minus_one: bool,
    /// Offer the session_ticket extension (RFC 5077), so the server may send a
    /// NewSessionTicket to resume with later.
    pub offer_session_ticket: bool,
    /// Resume this session (abbreviated handshake, RFC 5246 §7.3) if the
    /// server agrees; otherwise a full handshake follows.
    pub resume: Option<crate::session::StoredSession>,
    /// Called at each derivation point with `&mut` access to the value
    /// (break and edit; see [`crate::intercept`]).
    pub interceptor: Option<Box<dyn crate::intercept::Interceptor>>,
    /// Keep a copy of each received record's bytes until it verifies, so that
    /// a failure can be explained ([`crate::Client::explain_failure`]). Costs
    /// one copy per record into a reused buffer; off for the fastest bulk path.
    pub explain_failures: bool,
    /// The server's master secret, if the operator has the server's key log:
    /// it lets the explainer prove whether the two sides' keys differ.
    pub peer_master_secret: Option<[u8; 48]>,
    /// The private key (PEM or DER, RSA) the operator believes the server
    /// uses (`--server-key`): checked against the certificate the server
    /// sends, before the handshake goes on.
    pub server_key: Option<Vec<u8>>,
    /// Deliberate mistakes to make (labs, tests, `diagnose`); empty normally.
    pub faults: crate::faults::Faults,
    /// Send this ClientHello instead of building one (its `random` is
    /// replaced by one from `rng` unless `keep_random` is set). For replaying
    /// a published or recorded handshake byte for byte, and for probing how a
    /// server reacts to an unusual offer. The server's answer is still checked
    /// against `suites`, `groups` and `signature_schemes`.
    pub custom_client_hello: Option<CustomClientHello>,
    /// Pad a ClientHello of 256 to 511 bytes to 512 with the padding
    /// extension (RFC 7685): some servers (F5 load balancers, by RFC 7685
    /// §1's account) hang on a ClientHello of that length.
    pub pad_client_hello: bool,
    /// The record-layer version of what we send before the ServerHello fixes
    /// the version (the ClientHello, an alert in answer to the ServerHello).
    /// `None`: `ClientHello.client_version` (the highest version offered).
    /// RFC 5246 Appendix E.1 lets a client send any `{03,XX}` there; OpenSSL,
    /// BoringSSL, Go and rustls send TLS 1.0 (`Some(ProtocolVersion::TLS10)`),
    /// because some old servers and middleboxes refuse a higher record
    /// version on the first record (record version intolerance, which
    /// `tlslab diagnose` probes).
    pub hello_record_version: Option<crate::wire::ProtocolVersion>,
    /// Send TLS_FALLBACK_SCSV (RFC 7507 §4): this connection is a retry at a
    /// lower version than the client supports, which a server that supports
    /// more must refuse with inappropriate_fallback (a downgrade attack in
    /// progress).
    pub fallback_scsv: bool,
    /// The largest Certificate message body accepted, in bytes (at most
    /// 256 KiB, the cap on every handshake message); a longer one is refused
    /// with decode_error as soon as its header arrives.
    pub max_certificate_message: usize,
}

/// A ClientHello to send as is; see [`ClientConfig::custom_client_hello`].
#[derive(Clone, Debug)]
pub struct CustomClientHello {
    /// The message.
    pub hello: crate::wire::messages::ClientHello,
    /// Keep `hello.random` instead of drawing one from the rng.
    pub keep_random: bool,
    /// The record-layer version of the record that carries it (many clients
    /// send TLSv1.0 here for old middleboxes).
    pub record_version: crate::wire::ProtocolVersion,
}

impl ClientConfig {
    /// Defaults: the suites of [`default_suites`] and every group we implement, certificates verified
    /// against the Mozilla roots shipped by `webpki-roots`.
    pub fn new(server_name: &str) -> ClientConfig {
        ClientConfig {
            server_name: server_name.to_string(),
            sni: ServerNameIndication::default(),
            suites: default_suites(),
            min_version: ProtocolVersion::TLS12,
            max_version: ProtocolVersion::TLS12,
            groups: vec![NamedGroup::X25519, NamedGroup::SECP256R1, NamedGroup::SECP384R1],
            signature_schemes: supported_schemes().to_vec(),
            offer_extended_master_secret: true,
            verification: Verification::Verify(CertVerifier::webpki_roots()),
            verify_time: None,
            rng: Box::new(OsRng::new()),
            custom_client_hello: None,
            pad_client_hello: true,
            hello_record_version: None,
            fallback_scsv: false,
            max_certificate_message: crate::record::MAX_HANDSHAKE_MESSAGE,
            alpn_protocols: vec![],
            offer_session_ticket: true,
            split_one_n_minus_one: false,
            offer_encrypt_then_mac: true,
            resume: None,
            faults: crate::faults::Faults::default(),
            interceptor: None,
            server_key: None,
            explain_failures: true,
            peer_master_secret: None,
        }
    }

    /// The suites the ClientHello offers: the configured ones that
    /// `max_version` allows (TLS 1.0 and 1.1 have no AEAD and no SHA-256 or
    /// SHA-384 suites).
    #[doc(hidden)]
    pub fn offered_suites(&self) -> Vec<&'static SuiteInfo> {
        self.suites
            .iter()
            .copied()
            .filter(|s| s.allowed_in(self.max_version))
            .collect()
    }

    /// Checks the configuration before anything is sent.
    #[doc(hidden)]
    pub fn validate(&self) -> Result<(), Error> {
        if self.suites.is_empty() {
            return Err(Error::config("no cipher suite to offer"));
        }
        for (what, v) in [("minimum", self.min_version), ("maximum", self.max_version)] {
            if ![
                ProtocolVersion::TLS10,
                ProtocolVersion::TLS11,
                ProtocolVersion::TLS12,
            ]
            .contains(&v)
            {
                return Err(Error::config(format!(
                    "{what} version {v}: this client speaks TLSv1.0, TLSv1.1 and TLSv1.2"
                )));
            }
        }
        if self.min_version.0 > self.max_version.0 {
            return Err(Error::config(format!(
                "minimum version {} is above the maximum {}",
                self.min_version, self.max_version
            )));
        }
        if self.offered_suites().is_empty() {
            return Err(Error::config(format!(
                "none of the configured cipher suites exists in {}: below TLS 1.2 only the CBC suites with SHA-1 do",
                self.max_version
            )));
        }
        if self.groups.is_empty() {
            return Err(Error::config(
                "no group to offer (every suite we implement uses ECDHE)",
            ));
        }
        if self.signature_schemes.is_empty() {
            return Err(Error::config("no signature scheme to offer"));
        }
        if self.server_name.is_empty() {
            return Err(Error::config("empty server name"));
        }
        Ok(())
    }
}
