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
use crate::error::Error;
use crate::faults::Fault;
use crate::intercept::{MacInputFields, Point};
use crate::observer::{Event, Hooks};
use crate::record::{Protection, RecordLayerState, MAX_PLAINTEXT};
use crate::session::StoredSession;
use crate::wire::messages::{split_handshake, ServerEcdhParams};
use crate::wire::{
    Alert, AlertDescription, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion,
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

    /// Sends a handshake message: event, transcript, record(s).
    pub fn send_handshake(&mut self, typ: HandshakeType, raw: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.hooks.emit(&Event::HandshakeOut { typ, raw });
        self.transcript.append(typ, raw, &mut self.hooks);
        self.send_record(ContentType::HANDSHAKE, raw, out)
    }

    /// Protects `data` into records of at most 2^14 bytes each (RFC 5246 §6.2.1).
    pub fn send_record(&mut self, typ: ContentType, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let mut size = MAX_PLAINTEXT;
        if typ == ContentType::HANDSHAKE {
            if let Some(n) = self.config.faults.find(|f| match f {
                Fault::SplitRecords { size } => Some(*size),
                _ => None,
            }) {
                size = n.min(MAX_PLAINTEXT);
            }
        }
        // A zero-length application data record is legal (some stacks send one
        // against BEAST); `chunks` of an empty slice would send nothing.
        let empty: &[u8] = &[];
        let chunks: Vec<&[u8]> = if data.is_empty() {
            vec![empty]
        } else {
            data.chunks(size).collect()
        };
        for chunk in chunks {
            self.seal_one(typ, chunk, out)?;
        }
        Ok(())
    }

    /// Seals one record, applying the record-level faults configured for it.
    fn seal_one(&mut self, typ: ContentType, fragment: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if !self.write.is_protected() {
            return self.write.seal(
                typ,
                ProtocolVersion::TLS12,
                fragment,
                out,
                &mut *self.config.rng,
                &mut self.hooks,
            );
        }
        let record = self.records_protected;
        self.records_protected += 1;
        let at = out.len();
        if self.config.interceptor.is_some() {
            self.seal_intercepted(record, typ, fragment, out)?;
        } else if self.config.faults.is_empty() {
            self.write.seal(
                typ,
                ProtocolVersion::TLS12,
                fragment,
                out,
                &mut *self.config.rng,
                &mut self.hooks,
            )?;
        } else {
            self.seal_with_faults(record, typ, fragment, out)?;
        }
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
        }
        Ok(())
    }

    /// Seals one record after offering its MAC input to the interceptor
    /// (break and edit at [`crate::intercept::Point::MacInput`]). An edited
    /// sequence number or version goes into the MAC (or AEAD additional data)
    /// only; the header on the wire keeps the real version.
    fn seal_intercepted(
        &mut self,
        record: u64,
        typ: ContentType,
        fragment: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let honest = MacInputFields {
            record,
            seq: self.write.seq,
            version: ProtocolVersion::TLS12,
        };
        let mut fields = honest;
        if let Some(interceptor) = self.config.interceptor.as_mut() {
            interceptor.intercept(Point::MacInput(&mut fields));
        }
        fields.record = record;
        if fields != honest {
            let bytes = |f: &MacInputFields| {
                let mut b = f.seq.to_be_bytes().to_vec();
                b.extend_from_slice(&f.version.0.to_be_bytes());
                b
            };
            self.hooks.emit(&Event::Intercepted {
                point: "mac_input",
                before: &bytes(&honest),
                after: &bytes(&fields),
            });
        }
        if !self.config.faults.is_empty() && fields == honest {
            return self.seal_with_faults(record, typ, fragment, out);
        }
        let at = out.len();
        self.write.seq = fields.seq;
        let sealed = self.write.seal(
            typ,
            fields.version,
            fragment,
            out,
            &mut *self.config.rng,
            &mut self.hooks,
        );
        // Only this record's MAC input was edited: the next one continues honestly.
        self.write.seq = honest.seq.wrapping_add(1);
        sealed?;
        out[at + 1..at + 3].copy_from_slice(&ProtocolVersion::TLS12.0.to_be_bytes());
        Ok(())
    }

    /// corrupt-mac: flips the last byte of the record's MAC. AEAD: the tag is
    /// the last 16 bytes; encrypt-then-MAC: the MAC is last, in the clear;
    /// MAC-then-encrypt: the MAC's last plaintext byte is changed through the
    /// ciphertext byte 16 bytes before it (CBC malleability).
    fn corrupt_mac(&mut self, fault: Fault, fragment_len: usize, payload: &mut [u8]) {
        let Some(suite) = self.session.suite else { return };
        let at = if suite.is_aead() || self.session.encrypt_then_mac {
            payload.len().checked_sub(1)
        } else {
            // payload = IV ‖ E(fragment ‖ MAC ‖ padding ‖ padding_length): plaintext
            // byte k sits at payload offset 16 + k; flip offset k to change it.
            Some(fragment_len + suite.mac.len() - 1)
        };
        if let Some(byte) = at.and_then(|i| payload.get_mut(i)) {
            let before = [*byte];
            *byte ^= 0x01;
            let after = [*byte];
            self.hooks.emit(&Event::FaultApplied {
                fault,
                what: "the record's MAC (last byte)",
                before: &before,
                after: &after,
            });
        }
    }

    /// Seals protected record number `record`, applying its faults.
    fn seal_with_faults(
        &mut self,
        record: u64,
        typ: ContentType,
        fragment: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let faults = self.config.faults.clone();
        let honest_seq = self.write.seq;
        for f in &faults.0 {
            match *f {
                Fault::SeqOffByOne { record: r } if r == record => {
                    self.write.seq = honest_seq.wrapping_add(1)
                }
                Fault::SeqReused { record: r } if r == record => self.write.seq = honest_seq.wrapping_sub(1),
                _ => {}
            }
        }
        if self.write.seq != honest_seq {
            let fault = faults.find(|f| match f {
                Fault::SeqOffByOne { record: r } | Fault::SeqReused { record: r } if *r == record => Some(*f),
                _ => None,
            });
            if let Some(fault) = fault {
                self.hooks.emit(&Event::FaultApplied {
                    fault,
                    what: "seq_num of the record",
                    before: &honest_seq.to_be_bytes(),
                    after: &self.write.seq.to_be_bytes(),
                });
            }
        }
        let at = out.len();
        let bad_padding = faults.find(|f| match f {
            Fault::BadPadding { record: r } | Fault::BadPaddingLength { record: r } if *r == record => {
                Some(*f)
            }
            _ => None,
        });
        // mac-wrong-version: the MAC pseudo-header (or AEAD additional data)
        // takes its version from the seal call; the header is put back below.
        let wrong_version = faults.find(|f| match f {
            Fault::MacWrongVersion { record: r } if *r == record => Some(*f),
            _ => None,
        });
        let mac_version = if wrong_version.is_some() {
            ProtocolVersion::TLS10
        } else {
            ProtocolVersion::TLS12
        };
        let sealed = match bad_padding {
            None => self.write.seal(
                typ,
                mac_version,
                fragment,
                out,
                &mut *self.config.rng,
                &mut self.hooks,
            ),
            Some(fault) => self
                .write
                .seal_with_padding_fault(
                    typ,
                    ProtocolVersion::TLS12,
                    fragment,
                    out,
                    &mut *self.config.rng,
                    &mut self.hooks,
                    if matches!(fault, Fault::BadPaddingLength { .. }) {
                        crate::record::cbc::PaddingFault::Length
                    } else {
                        crate::record::cbc::PaddingFault::Value
                    },
                )
                .map(|changed| {
                    if let Some((before, after)) = changed {
                        self.hooks.emit(&Event::FaultApplied {
                            fault,
                            what: if matches!(fault, Fault::BadPaddingLength { .. }) {
                                "the CBC padding_length byte of the record, before encryption"
                            } else {
                                "the first CBC padding byte of the record, before encryption"
                            },
                            before: &[before],
                            after: &[after],
                        });
                    }
                }),
        };
        // Only this record was numbered wrongly; the next one continues honestly.
        self.write.seq = honest_seq.wrapping_add(1);
        sealed?;
        if let Some(fault) = wrong_version {
            out[at + 1..at + 3].copy_from_slice(&ProtocolVersion::TLS12.0.to_be_bytes());
            self.hooks.emit(&Event::FaultApplied {
                fault,
                what: "version bytes in the MAC pseudo-header / additional data (the header says 03 03)",
                before: &ProtocolVersion::TLS12.0.to_be_bytes(),
                after: &ProtocolVersion::TLS10.0.to_be_bytes(),
            });
        }
        if let Some(fault) = faults.find(|f| match f {
            Fault::CorruptMac { record: r } if *r == record => Some(*f),
            _ => None,
        }) {
            self.corrupt_mac(fault, fragment.len(), &mut out[at + 5..]);
        }
        for f in &faults.0 {
            match *f {
                Fault::FlipCiphertextBit { record: r, bit } if r == record => {
                    let payload = &mut out[at + 5..];
                    if let Some(byte) = payload.get_mut(bit / 8) {
                        let before = [*byte];
                        *byte ^= 0x80 >> (bit % 8);
                        let after = [*byte];
                        self.hooks.emit(&Event::FaultApplied {
                            fault: *f,
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
                    self.hooks.emit(&Event::FaultApplied {
                        fault: *f,
                        what: "record length (bytes cut from the end)",
                        before: &before,
                        after: &after,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Sends an alert and reports it.
    pub fn send_alert(&mut self, alert: Alert, out: &mut Vec<u8>) -> Result<(), Error> {
        self.hooks.emit(&Event::AlertSent(alert));
        self.send_record(ContentType::ALERT, &alert.encode(), out)
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
        (state, typ) => Err(Error::UnexpectedMessage {
            state: state.name(),
            expected: state.expects(),
            got: format!("{typ} handshake message"),
        }),
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
