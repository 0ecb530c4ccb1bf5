//! The handshake state machine (RFC 5246 §7.3), one function per arrow of
//! Figure 1:
//!
//! ```text
//!  Client                                     Server
//!  ClientHello              -------->                       send_client_hello        (client_hello.rs)
//!                                             ServerHello   handle_server_hello      (server_hello.rs)
//!                                             Certificate   handle_certificate       (certificate.rs)
//!                                       ServerKeyExchange   handle_server_key_exchange (server_key_exchange.rs)
//!                                    [CertificateRequest]   handle_certificate_request (server_hello_done.rs)
//!                           <--------     ServerHelloDone   handle_server_hello_done (server_hello_done.rs)
//!  [Certificate]                                            send_empty_certificate   (client_flight.rs)
//!  ClientKeyExchange                                        send_client_key_exchange (client_flight.rs)
//!                                                           derive_master_secret     (client_flight.rs)
//!                                                           derive_key_block         (client_flight.rs)
//!  [ChangeCipherSpec]                                       send_change_cipher_spec  (client_flight.rs)
//!  Finished                 -------->                       send_finished            (client_flight.rs)
//!                                      [ChangeCipherSpec]   handle_change_cipher_spec (finished.rs)
//!                           <--------            Finished   verify_server_finished   (finished.rs)
//!  Application Data         <------->    Application Data
//! ```
//!
//! Each state is a struct holding only what is known by then: no secret exists
//! before the step that derives it.
//!
//! Each step derives its value once, by the RFC's formula (the PRF
//! computations are `crypto::prf::compute_*` and
//! `crypto::key_block::compute_key_block`), and then offers it at one edit
//! point, [`Context::edit`]: the configured faults, then the interceptor, may
//! change it there. Record faults wrap the record layer
//! ([`crate::faults::Faults::seal_record`]); the record layer itself only
//! seals honestly.

mod certificate;
mod client_flight;
mod client_hello;
mod finished;
mod server_hello;
mod server_hello_done;
mod server_key_exchange;
pub mod transcript;

pub(crate) use client_hello::send_client_hello;
pub(crate) use finished::handle_change_cipher_spec;

use crate::bytes::Bytes;
use crate::config::ClientConfig;
use crate::crypto::signature::ServerPublicKey;
use crate::crypto::suites::SuiteInfo;
use crate::error::{Error, HandshakeError, Received};
use crate::faults::Faults;
use crate::intercept::{Interceptor, MacInputFields, Point};
use crate::observer::{Event, Hooks};
use crate::record::{Plaintext, Protection, RecordLayerState, MAX_PLAINTEXT};
use crate::session::StoredSession;
use crate::wire::messages::{split_handshake, ServerEcdhParams};
use crate::wire::{
    Alert, AlertDescription, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use transcript::Transcript;

pub use crate::types::StateName;

/// `ClientHello.random` and `ServerHello.random`, the seeds of every derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Randoms {
    /// `ClientHello.random`.
    pub client_random: [u8; 32],
    /// `ServerHello.random`.
    pub server_random: [u8; 32],
}

/// After ClientHello.
#[derive(Debug)]
pub struct ExpectServerHello {
    /// Our random.
    pub client_random: [u8; 32],
    /// The session_id we sent (empty unless resuming).
    pub offered_session_id: Vec<u8>,
    /// The session we offered to resume, if any.
    pub resuming: Option<StoredSession>,
}

/// After ServerHello.
#[derive(Debug)]
pub struct ExpectCertificate {
    /// Both randoms.
    pub randoms: Randoms,
    /// The suite the server picked.
    pub suite: &'static SuiteInfo,
}

/// After Certificate.
pub struct ExpectServerKeyExchange {
    /// Both randoms.
    pub randoms: Randoms,
    /// The suite.
    pub suite: &'static SuiteInfo,
    /// The leaf certificate's public key, which must sign ServerKeyExchange.
    pub server_key: ServerPublicKey,
}

/// The server's side of the key exchange, as our ClientKeyExchange needs it.
#[derive(Debug)]
pub enum ServerKx {
    /// ECDHE: the group and the server's public point (RFC 8422 §5.4).
    Ecdhe(ServerEcdhParams),
    /// Finite-field DHE: p, g and Ys (RFC 5246 §7.4.3).
    Dhe(crate::wire::kx_messages::ServerDhParams),
    /// RSA key transport: the leaf certificate whose key encrypts the
    /// pre-master secret (RFC 5246 §7.4.7.1).
    Rsa {
        /// The leaf certificate, DER.
        certificate: Vec<u8>,
    },
}

/// After ServerKeyExchange.
#[derive(Debug)]
pub struct ExpectServerHelloDone {
    /// Both randoms.
    pub randoms: Randoms,
    /// The suite.
    pub suite: &'static SuiteInfo,
    /// What our ClientKeyExchange will use: the server's signed (EC)DHE
    /// parameters, or its certificate for RSA key transport.
    pub key_exchange: ServerKx,
    /// Whether the server sent a CertificateRequest.
    pub certificate_requested: bool,
}

/// After our Finished: the read keys wait for the server's ChangeCipherSpec.
pub struct ExpectChangeCipherSpec {
    /// Both randoms.
    pub randoms: Randoms,
    /// The suite.
    pub suite: &'static SuiteInfo,
    /// `master_secret`.
    pub master_secret: [u8; 48],
    /// The read protection (server_write_* keys), installed at ChangeCipherSpec.
    pub pending_read: Box<Protection>,
    /// In an abbreviated handshake (resumption) the server's ChangeCipherSpec
    /// and Finished come first: our write protection waits here until then.
    pub pending_write: Option<Box<Protection>>,
}

/// After the server's ChangeCipherSpec.
pub struct ExpectFinished {
    /// Both randoms.
    pub randoms: Randoms,
    /// The suite.
    pub suite: &'static SuiteInfo,
    /// `master_secret`.
    pub master_secret: [u8; 48],
    /// Abbreviated handshake: our ChangeCipherSpec and Finished follow the server's.
    pub pending_write: Option<Box<Protection>>,
}

/// The handshake is complete.
pub struct Established {
    /// Both randoms.
    pub randoms: Randoms,
    /// The suite.
    pub suite: &'static SuiteInfo,
    /// `master_secret`, kept for the key log and diagnostics.
    pub master_secret: [u8; 48],
}

/// The handshake state. No `Box<dyn>`: a debugger prints the variant name.
pub enum State {
    /// Before `start`.
    Start,
    /// See [`ExpectServerHello`].
    ExpectServerHello(ExpectServerHello),
    /// See [`ExpectCertificate`].
    ExpectCertificate(ExpectCertificate),
    /// See [`ExpectServerKeyExchange`].
    ExpectServerKeyExchange(ExpectServerKeyExchange),
    /// See [`ExpectServerHelloDone`].
    ExpectServerHelloDone(ExpectServerHelloDone),
    /// The server acknowledged session_ticket: a NewSessionTicket (RFC 5077
    /// §3.3) comes before its ChangeCipherSpec.
    ExpectNewSessionTicket(ExpectChangeCipherSpec),
    /// See [`ExpectChangeCipherSpec`].
    ExpectChangeCipherSpec(ExpectChangeCipherSpec),
    /// See [`ExpectFinished`].
    ExpectFinished(ExpectFinished),
    /// See [`Established`].
    Established(Established),
    /// close_notify sent or received.
    Closed,
}

impl State {
    /// The state's name.
    pub fn name(&self) -> StateName {
        match self {
            State::Start => StateName::Start,
            State::ExpectServerHello(_) => StateName::ExpectServerHello,
            State::ExpectCertificate(_) => StateName::ExpectCertificate,
            State::ExpectServerKeyExchange(_) => StateName::ExpectServerKeyExchange,
            State::ExpectServerHelloDone(_) => StateName::ExpectServerHelloDone,
            State::ExpectNewSessionTicket(_) => StateName::ExpectNewSessionTicket,
            State::ExpectChangeCipherSpec(_) => StateName::ExpectChangeCipherSpec,
            State::ExpectFinished(_) => StateName::ExpectFinished,
            State::Established(_) => StateName::Established,
            State::Closed => StateName::Closed,
        }
    }

    /// What this state waits for, in words (for `unexpected_message` errors).
    pub fn expects(&self) -> &'static str {
        match self {
            State::Start => "nothing (start() not called)",
            State::ExpectServerHello(_) => "ServerHello",
            State::ExpectCertificate(_) => "Certificate",
            State::ExpectServerKeyExchange(_) => "ServerKeyExchange",
            State::ExpectServerHelloDone(_) => "ServerHelloDone or CertificateRequest",
            State::ExpectNewSessionTicket(_) => "NewSessionTicket",
            State::ExpectChangeCipherSpec(_) => "ChangeCipherSpec",
            State::ExpectFinished(_) => "Finished",
            State::Established(_) => "application data",
            State::Closed => "nothing (closed)",
        }
    }
}

/// What was negotiated so far, for the caller.
#[derive(Clone, Debug, Default)]
pub struct SessionInfo {
    /// The protocol version the server picked (TLS 1.0, 1.1 or 1.2).
    pub version: Option<ProtocolVersion>,
    /// The suite the server picked.
    pub suite: Option<&'static SuiteInfo>,
    /// The ECDHE group the server picked.
    pub group: Option<NamedGroup>,
    /// Whether the extended master secret (RFC 7627) is in use.
    pub extended_master_secret: bool,
    /// Whether the server supports secure renegotiation (RFC 5746).
    pub secure_renegotiation: bool,
    /// The server's certificate chain, leaf first (DER).
    pub peer_certificates: Vec<Bytes>,
    /// `ClientHello.random`.
    pub client_random: Option<[u8; 32]>,
    /// `ServerHello.random`.
    pub server_random: Option<[u8; 32]>,
    /// The session ID the server assigned.
    pub session_id: Bytes,
    /// Whether encrypt_then_mac (RFC 7366) protects the CBC records.
    pub encrypt_then_mac: bool,
    /// With `--server-key`: whether that key matches the certificate.
    pub server_key_matches: Option<bool>,
    /// Whether this was an abbreviated handshake resuming an earlier session.
    pub resumed: bool,
    /// The protocol the server selected with ALPN (RFC 7301).
    pub alpn_protocol: Option<Bytes>,
    /// Whether the server acknowledged session_ticket and will send a ticket.
    pub ticket_expected: bool,
    /// The ticket from NewSessionTicket: (lifetime hint, ticket).
    pub new_ticket: Option<(u32, Bytes)>,
    /// The session this handshake resumed, if any (its ticket is reused when
    /// the server sends no new one).
    pub resumed_from: Option<StoredSession>,
    /// Whether our ClientHello carried server_name (only then may the server
    /// acknowledge it, RFC 6066 §3).
    pub offered_server_name: bool,
    /// The scheme of the ServerKeyExchange signature that verified (none for
    /// RSA key transport and resumed handshakes, which carry no signature).
    pub peer_signature_scheme: Option<SignatureScheme>,
    /// `certificate_types` of the server's CertificateRequest (RFC 5246
    /// §7.4.4), if it sent one.
    pub requested_certificate_types: Option<Bytes>,
    /// The `tls-unique` channel binding ([RFC 5929 §3.1]): the verify_data
    /// of the first Finished of the handshake, ours in a full handshake, the
    /// server's in an abbreviated one. Known once that Finished went by;
    /// never on a resumed session without the extended master secret (RFC
    /// 7627 §1: the triple handshake attack makes it shared by two
    /// connections).
    ///
    /// [RFC 5929 §3.1]: https://www.rfc-editor.org/rfc/rfc5929#section-3.1
    pub tls_unique: Option<Bytes>,
}

/// Everything the steps share: configuration, observer, transcript, and both
/// directions of the record layer.
pub struct Context<'o> {
    /// The configuration.
    pub config: ClientConfig,
    /// The observer funnel.
    pub hooks: Hooks<'o>,
    /// `handshake_messages`.
    pub transcript: Transcript,
    /// Records we read (server_write_* keys once active).
    pub read: RecordLayerState,
    /// Records we write (client_write_* keys once active).
    pub write: RecordLayerState,
    /// What has been negotiated.
    pub session: SessionInfo,
    /// Records protected so far (the record numbers faults refer to).
    pub records_protected: u64,
    /// What the explainer needs if the connection fails.
    pub debrief: Debrief,
}

/// Handshake messages in order, each with its type and raw bytes.
pub type Messages = Vec<(HandshakeType, Vec<u8>)>;

/// What the explainer needs after a failure, kept as the handshake goes.
pub use crate::explain::Debrief;

impl<'o> Context<'o> {
    /// A fresh context.
    pub fn new(config: ClientConfig, hooks: Hooks<'o>) -> Context<'o> {
        Context {
            config,
            hooks,
            transcript: Transcript::new(),
            read: RecordLayerState::new(Direction::ServerToClient),
            write: RecordLayerState::new(Direction::ClientToServer),
            session: SessionInfo::default(),
            records_protected: 0,
            debrief: Debrief::default(),
        }
    }

    /// The version our records carry and our key schedule follows: the
    /// negotiated one after ServerHello, before it the highest we offer.
    pub fn version(&self) -> ProtocolVersion {
        self.session.version.unwrap_or(self.config.max_version)
    }

    /// Sends a handshake message: event, transcript, record(s).
    pub fn send_handshake(&mut self, typ: HandshakeType, raw: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.hooks.emit(&Event::HandshakeOut { typ, raw });
        self.transcript.append(typ, raw, &mut self.hooks);
        self.send_record(ContentType::HANDSHAKE, raw, out)
    }

    /// Protects `data` into records of at most 2^14 bytes each (RFC 5246 §6.2.1).
    pub fn send_record(&mut self, typ: ContentType, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let size = if typ == ContentType::HANDSHAKE {
            self.config.faults.handshake_record_size()
        } else {
            MAX_PLAINTEXT
        };
        // A zero-length application data record is legal (some stacks send one
        // against BEAST); `chunks` of an empty slice would send nothing.
        let empty: &[u8] = &[];
        let chunks: Vec<&[u8]> = if data.is_empty() {
            vec![empty]
        } else if typ == ContentType::APPLICATION_DATA && self.config.split_one_n_minus_one && data.len() > 1
        {
            // 1/n-1 split (see `ClientConfig::split_one_n_minus_one`): the
            // first byte alone, then the rest.
            let (first, rest) = data.split_at(1);
            std::iter::once(first).chain(rest.chunks(size)).collect()
        } else {
            data.chunks(size).collect()
        };
        for chunk in chunks {
            self.seal_one(typ, chunk, out)?;
        }
        Ok(())
    }

    /// Seals one record. A protected record's MAC input is an edit point
    /// ([`Point::MacInput`]); its record faults are applied around the
    /// record layer's seal ([`crate::faults::Faults::seal_record`]).
    fn seal_one(&mut self, typ: ContentType, fragment: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let version = match (self.session.version, self.config.hello_record_version) {
            // Before the ServerHello: the record version the caller chose.
            (None, Some(v)) => v,
            _ => self.version(),
        };
        if !self.write.is_protected() {
            let rng = &mut *self.config.rng;
            return self.write.seal(typ, version, fragment, out, rng, &mut self.hooks);
        }
        let record = self.records_protected;
        self.records_protected += 1;
        let at = out.len();
        let mut mac_input = MacInputFields {
            record,
            seq: self.write.seq,
            version,
        };
        self.edit(Point::MacInput(&mut mac_input));
        mac_input.record = record;
        let plaintext = Plaintext {
            typ,
            version,
            fragment,
        };
        let rng = &mut *self.config.rng;
        // TLS 1.0: the IV this record is sealed under is on the wire nowhere;
        // the explainer needs it to recompute the record the server refused.
        let chained_iv = self.write.protection.next_chained_iv();
        self.config
            .faults
            .seal_record(&mut self.write, plaintext, mac_input, out, rng, &mut self.hooks)?;
        if record == 0 {
            self.debrief.first_record_sent = Some(out[at..].to_vec());
        } else if self.config.explain_failures {
            let last = self
                .debrief
                .last_record_sent
                .get_or_insert_with(|| (0, Vec::new()));
            last.0 = record;
            last.1.clear();
            last.1.extend_from_slice(&out[at..]);
            self.debrief.last_record_sent_iv = chained_iv;
        }
        Ok(())
    }

    /// The edit point of a step: offers `point` to the configured faults,
    /// then to the configured interceptor (break and edit), and reports each
    /// change (`FaultApplied`, `Intercepted`).
    pub fn edit(&mut self, point: Point<'_>) {
        edit(
            &self.config.faults,
            &mut self.config.interceptor,
            &mut self.hooks,
            point,
        );
    }

    /// Sends an alert and reports it.
    pub fn send_alert(&mut self, alert: Alert, out: &mut Vec<u8>) -> Result<(), Error> {
        self.hooks.emit(&Event::AlertSent(alert));
        self.send_record(ContentType::ALERT, &alert.encode(), out)
    }
}

/// [`Context::edit`] on the fields it needs, for a point that borrows
/// another part of the context (the transcript).
pub(crate) fn edit(
    faults: &Faults,
    interceptor: &mut Option<Box<dyn Interceptor>>,
    hooks: &mut Hooks<'_>,
    mut point: Point<'_>,
) {
    faults.tamper(point.reborrow(), hooks);
    let Some(interceptor) = interceptor.as_mut() else {
        return;
    };
    let before = point.value_bytes();
    let name = point.name();
    interceptor.intercept(point.reborrow());
    let after = point.value_bytes();
    if after != before {
        hooks.emit(&Event::Intercepted {
            point: name,
            before: &before,
            after: &after,
        });
    }
}

/// Dispatches one whole handshake message to the step that handles it.
pub(crate) fn handle_handshake(
    state: State,
    cx: &mut Context<'_>,
    raw: &[u8],
    out: &mut Vec<u8>,
) -> Result<State, Error> {
    let (typ, body) = split_handshake(raw)?;
    cx.hooks.emit(&Event::HandshakeIn { typ, raw });
    if typ == HandshakeType::HELLO_REQUEST {
        return handle_hello_request(state, cx, body, out);
    }
    match (state, typ) {
        (State::ExpectServerHello(st), HandshakeType::SERVER_HELLO) => {
            server_hello::handle_server_hello(st, cx, raw, body)
        }
        (State::ExpectCertificate(st), HandshakeType::CERTIFICATE) => {
            certificate::handle_certificate(st, cx, raw, body)
        }
        (State::ExpectServerKeyExchange(st), HandshakeType::SERVER_KEY_EXCHANGE) => {
            server_key_exchange::handle_server_key_exchange(st, cx, raw, body)
        }
        (State::ExpectServerHelloDone(st), HandshakeType::CERTIFICATE_REQUEST) => {
            server_hello_done::handle_certificate_request(st, cx, raw, body)
        }
        (State::ExpectServerHelloDone(st), HandshakeType::SERVER_HELLO_DONE) => {
            server_hello_done::handle_server_hello_done(st, cx, raw, body, out)
        }
        (State::ExpectNewSessionTicket(st), HandshakeType::NEW_SESSION_TICKET) => {
            finished::handle_new_session_ticket(st, cx, raw, body)
        }
        (State::ExpectFinished(st), HandshakeType::FINISHED) => {
            finished::verify_server_finished(st, cx, raw, body, out)
        }
        (state, typ) => Err(Error::Handshake(HandshakeError::UnexpectedMessage {
            state: state.name(),
            expected: state.expects(),
            got: Received::Handshake(typ),
        })),
    }
}

/// HelloRequest (RFC 5246 §7.4.1.1): ignored during a handshake; after it we
/// refuse renegotiation with a `no_renegotiation` warning (RFC 5746 §4.2 makes
/// renegotiation without the extension unsafe, and this client never renegotiates).
fn handle_hello_request(
    state: State,
    cx: &mut Context<'_>,
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<State, Error> {
    crate::wire::messages::decode_empty(body, "HelloRequest")?;
    if let State::Established(_) = state {
        cx.send_alert(Alert::warning(AlertDescription::NO_RENEGOTIATION), out)?;
    }
    Ok(state)
}
