//! `Client`: the sans-IO facade. The caller owns the socket; the client owns
//! protocol state only (as in rustls, BearSSL, quinn-proto).
//!
//! ```no_run
//! use tlslab::{Client, ClientConfig};
//! # fn io(_: &[u8]) -> Vec<u8> { vec![] }
//! let mut client = Client::new(ClientConfig::new("example.com"));
//! let mut out = Vec::new();
//! client.start(&mut out)?;                      // appends the ClientHello record
//! while !client.is_established() {
//!     let bytes = io(&out);                     // write `out`, read what came back
//!     out.clear();
//!     client.receive(&bytes, &mut out)?;        // consumes whole records, may append our next flight
//! }
//! client.send(b"GET / HTTP/1.1\r\n\r\n", &mut out)?;
//! # Ok::<(), tlslab::Error>(())
//! ```
//!
//! Errors are sticky: once a call fails, every later call returns the same
//! error (rustls, Go's `halfConn.err`, BearSSL do the same), so a half-failed
//! connection can never be used by mistake.

use crate::config::ClientConfig;
use crate::error::{
    DecodeError, DecodeReason, Error, HandshakeError, Received, RecordError, MAX_EMPTY_RECORDS,
    MAX_WARNING_ALERTS,
};
use crate::explain::{Explanation, FailureRecorder, LiveSession};
use crate::handshake::{self, Context, Established, SessionInfo, State, StateName};
use crate::observer::{Event, Hooks, Observer};
use crate::record::{Deframer, HandshakeJoiner};
use crate::session::StoredSession;
use crate::wire::{Alert, AlertDescription, AlertLevel, ContentType, Direction, HandshakeType};

/// A TLS 1.2 client connection, without I/O.
pub struct Client<'o> {
    state: Result<State, Error>,
    cx: Context<'o>,
    deframer: Deframer,
    joiner: HandshakeJoiner,
    /// Reused buffer for one record's payload (no allocation per record).
    payload: Vec<u8>,
    received: Vec<u8>,
    records_in: u64,
    /// The state name last reported in a `StateChanged` event.
    reported: StateName,
    /// The session, once the handshake completed (kept after close).
    resumable: Option<StoredSession>,
    /// What failed, kept for [`Client::explain_failure`] (the explainer's recorder).
    failures: FailureRecorder,
    /// The state the connection was in when it failed.
    failed_in: Option<StateName>,
    /// Empty records received in a row (see [`MAX_EMPTY_RECORDS`]).
    empty_records: usize,
    /// Warning alerts received in a row (see [`MAX_WARNING_ALERTS`]).
    warning_alerts: usize,
    /// The server's close_notify arrived.
    close_notify_received: bool,
    /// The handshake's buffers were given back (see `release_handshake_buffers`).
    released: bool,
    /// The handshake completed (the connection may have been closed since).
    handshake_completed: bool,
}

impl Client<'static> {
    /// A client with no observer: no event is built where that costs anything.
    pub fn new(config: ClientConfig) -> Client<'static> {
        Client::with_hooks(config, Hooks::none())
    }
}

impl<'o> Client<'o> {
    /// A client whose every step is reported to `observer`.
    pub fn with_observer(config: ClientConfig, observer: &'o mut dyn Observer) -> Client<'o> {
        Client::with_hooks(config, Hooks::new(observer))
    }

    fn with_hooks(config: ClientConfig, hooks: Hooks<'o>) -> Client<'o> {
        let joiner = HandshakeJoiner::with_certificate_limit(config.max_certificate_message);
        Client {
            state: Ok(State::Start),
            cx: Context::new(config, hooks),
            deframer: Deframer::new(),
            joiner,
            // Grown to the largest record seen, not preallocated (see
            // `release_handshake_buffers`).
            payload: Vec::new(),
            received: Vec::new(),
            records_in: 0,
            reported: StateName::Start,
            resumable: None,
            failures: FailureRecorder::default(),
            failed_in: None,
            empty_records: 0,
            warning_alerts: 0,
            close_notify_received: false,
            released: false,
            handshake_completed: false,
        }
    }

    /// Appends the ClientHello record to `out`.
    pub fn start(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.run(out, |this, state, out| match state {
            State::Start => handshake::send_client_hello(&mut this.cx, out),
            other => Err(Error::config(format!("start() called in state {}", other.name()))),
        })
    }

    /// Feeds bytes read from the socket. Whole records are processed; a partial
    /// record waits for more bytes. Our replies (the second flight, alerts) are
    /// appended to `out`. Decrypted application data is kept for
    /// [`Client::take_received`].
    pub fn receive(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if let Err(e) = &self.state {
            return Err(e.clone());
        }
        if self.records_in == 0 && self.deframer.buffered() == 0 {
            if let Some(&first) = bytes.first() {
                if !(20..=24).contains(&first) {
                    return self.fail(not_tls(bytes), out);
                }
            }
        }
        self.deframer.push(bytes);
        self.run(out, |this, state, out| this.process_records(state, out))
    }

    /// Protects application data into records appended to `out`.
    pub fn send(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.run(out, |this, state, out| match state {
            State::Established(st) => {
                this.cx.send_record(ContentType::APPLICATION_DATA, data, out)?;
                Ok(State::Established(st))
            }
            other => Err(Error::config(format!(
                "send() before the handshake completed (state {})",
                other.name()
            ))),
        })
    }

    /// Sends close_notify (RFC 5246 §7.2.1). Closing twice is harmless.
    pub fn close(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.run(out, |this, state, out| match state {
            State::Closed => Ok(State::Closed),
            _ => {
                this.cx
                    .send_alert(Alert::warning(AlertDescription::CLOSE_NOTIFY), out)?;
                Ok(State::Closed)
            }
        })
    }

    /// Ends the connection with a fatal alert of the caller's choosing (RFC
    /// 5246 §7.2: the connection is then unusable, and the session must not be
    /// resumed). For an application that refuses the connection for a reason
    /// of its own after the handshake, for example a certificate it checks
    /// again on a resumed session.
    pub fn abort(&mut self, description: AlertDescription, out: &mut Vec<u8>) -> Result<(), Error> {
        if let Err(e) = &self.state {
            return Err(e.clone());
        }
        self.cx.send_alert(Alert::fatal(description), out)?;
        self.resumable = None;
        self.state = Err(Error::config(format!(
            "the connection was ended with a fatal {description} alert"
        )));
        Ok(())
    }

    /// Whether the server's close_notify arrived (after [`Client::close`],
    /// this is the end of a bidirectional shutdown, RFC 5246 §7.2.1).
    pub fn close_notify_received(&self) -> bool {
        self.close_notify_received
    }

    /// Takes the application data received so far.
    pub fn take_received(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.received)
    }

    /// Whether the handshake completed and the connection is usable.
    pub fn is_established(&self) -> bool {
        matches!(self.state, Ok(State::Established(_)))
    }

    /// Whether the handshake completed, even if the connection has been
    /// closed since: the server's Finished, its application data and its
    /// close_notify can all arrive in one read, and then
    /// [`Client::is_established`] is already false when the caller looks.
    pub fn handshake_completed(&self) -> bool {
        self.handshake_completed
    }

    /// Whether close_notify was sent or received.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, Ok(State::Closed))
    }

    /// The current state's name (`Failed` after an error).
    pub fn state_name(&self) -> StateName {
        match &self.state {
            Ok(s) => s.name(),
            Err(_) => StateName::Failed,
        }
    }

    /// The state the connection was in when it failed (where in the
    /// handshake the failure happened).
    pub fn failed_in(&self) -> Option<StateName> {
        self.failed_in
    }

    /// The sticky error, if the connection failed.
    pub fn error(&self) -> Option<&Error> {
        self.state.as_ref().err()
    }

    /// What has been negotiated so far.
    pub fn session(&self) -> &SessionInfo {
        &self.cx.session
    }

    /// The master secret, once derived and the handshake completed.
    pub fn master_secret(&self) -> Option<[u8; 48]> {
        match &self.state {
            Ok(State::Established(st)) => Some(st.master_secret),
            _ => None,
        }
    }

    /// Keying material for another protocol ([RFC 5705]), `len` bytes of
    /// `PRF(master_secret, label, client_random + server_random [+ context])`
    /// once the handshake completed; see [`crate::crypto::prf::export_keying_material`].
    ///
    /// Refused: before the handshake completed (there is no master secret
    /// yet), a context of 2^16 bytes or more (its length field has two
    /// bytes), and the labels TLS itself uses with this master secret
    /// (`client finished`, `server finished`, `master secret`, `key
    /// expansion`, reserved in IANA's TLS Exporter Labels registry): with
    /// them the exporter would hand out the Finished values or the key block.
    ///
    /// [RFC 5705]: https://www.rfc-editor.org/rfc/rfc5705
    pub fn export_keying_material(
        &mut self,
        label: &[u8],
        context: Option<&[u8]>,
        len: usize,
    ) -> Result<Vec<u8>, Error> {
        const RESERVED: [&[u8]; 4] = [
            b"client finished",
            b"server finished",
            b"master secret",
            b"key expansion",
        ];
        if RESERVED.contains(&label) {
            return Err(Error::config(format!(
                "exporter label '{}' is reserved (RFC 5705 §4, IANA TLS Exporter Labels)",
                String::from_utf8_lossy(label)
            )));
        }
        if context.is_some_and(|c| c.len() > usize::from(u16::MAX)) {
            return Err(Error::config(
                "exporter context longer than 65535 bytes (RFC 5705 §4)",
            ));
        }
        let (Some(master_secret), Some(client_random), Some(server_random), Some(suite), Some(version)) = (
            self.master_secret(),
            self.cx.session.client_random,
            self.cx.session.server_random,
            self.cx.session.suite,
            self.cx.session.version,
        ) else {
            return Err(Error::config(
                "keying material can be exported only after the handshake",
            ));
        };
        let mut out = vec![0u8; len];
        crate::crypto::prf::export_keying_material(
            suite.prf_for(version),
            &master_secret,
            label,
            &client_random,
            &server_random,
            context,
            &mut out,
            &mut self.cx.hooks,
        );
        Ok(out)
    }

    /// The session this connection can be resumed with later (by ticket if the
    /// server sent one, else by session ID), once the handshake completed.
    /// `None` if the server gave neither.
    pub fn session_to_resume(&self) -> Option<StoredSession> {
        self.resumable.clone()
    }

    /// Why the connection failed, recomputed under the explainer's catalogue of
    /// causes (see [`crate::explain`]): for a server record that did not
    /// verify, a server Finished that did not match, or a fatal alert from the
    /// server after our Finished. `None` when nothing of that kind failed.
    /// The recomputations follow the negotiated version: TLS 1.0/1.1's key
    /// schedule, TLS 1.0's chained IVs.
    pub fn explain_failure(&self) -> Option<Explanation> {
        self.explain_failure_given(self.cx.config.peer_master_secret)
    }

    /// [`Client::explain_failure`] with the server's master secret from its
    /// own key log (for example `openssl s_server -keylogfile`), which turns
    /// "the keys probably differ" into a proof either way.
    pub fn explain_failure_given(&self, peer_master_secret: Option<[u8; 48]>) -> Option<Explanation> {
        let s = &self.cx.session;
        let messages = self.cx.transcript.message_list();
        let session = LiveSession {
            suite: s.suite,
            version: s.version,
            client_random: s.client_random,
            server_random: s.server_random,
            resumed_master_secret: s.resumed_from.as_ref().map(|r| r.master_secret),
            extended_master_secret: s.extended_master_secret,
            encrypt_then_mac: s.encrypt_then_mac,
            handshake_messages: &messages,
            records_protected: self.cx.records_protected,
            server_certificate: s.peer_certificates.first().map(|c| &c[..]),
            server_key: self.cx.config.server_key.as_deref(),
        };
        self.failures
            .explain(&session, &self.cx.debrief, peer_master_secret)
    }

    fn remember_session(&mut self, st: &Established) {
        let s = &self.cx.session;
        let (ticket_lifetime_hint, ticket) = match (&s.new_ticket, &s.resumed_from) {
            (Some((hint, t)), _) => (*hint, Some(t.clone())),
            (None, Some(old)) => (old.ticket_lifetime_hint, old.ticket.clone()),
            (None, None) => (0, None),
        };
        if s.session_id.is_empty() && ticket.is_none() {
            return;
        }
        self.resumable = Some(StoredSession {
            server_name: self.cx.config.server_name.clone(),
            version: self.cx.version(),
            cipher_suite: st.suite.id,
            session_id: s.session_id.clone(),
            master_secret: st.master_secret,
            extended_master_secret: s.extended_master_secret,
            encrypt_then_mac: s.encrypt_then_mac,
            ticket,
            ticket_lifetime_hint,
        });
    }

    /// Runs one step with the state taken out; records the new state or the
    /// sticky error, reports the transition, and sends the error's alert.
    fn run(
        &mut self,
        out: &mut Vec<u8>,
        step: impl FnOnce(&mut Self, State, &mut Vec<u8>) -> Result<State, Error>,
    ) -> Result<(), Error> {
        let state = match std::mem::replace(&mut self.state, Err(Error::Internal("re-entered".into()))) {
            Ok(s) => s,
            Err(e) => {
                self.state = Err(e.clone());
                return Err(e);
            }
        };
        match step(self, state, out) {
            Ok(next) => {
                self.report_state(next.name());
                if matches!(next, State::Established(..)) && !self.released {
                    self.release_handshake_buffers();
                }
                self.state = Ok(next);
                Ok(())
            }
            Err(e) => {
                self.failed_in = Some(self.reported);
                self.report_state(StateName::Failed);
                self.fail(e, out)
            }
        }
    }

    /// Once the handshake is done, gives back the memory its records took
    /// (rustls does the same): the record buffer grew to the largest
    /// handshake record (the certificate chain, often several KiB), the
    /// deframer and the message joiner to a whole flight. Application data
    /// grows them again only as far as its own records need.
    fn release_handshake_buffers(&mut self) {
        self.released = true;
        self.payload = Vec::new();
        self.deframer.shrink();
        self.joiner.shrink();
    }

    /// Emits `StateChanged` when the state differs from the one last reported.
    /// Every state the connection enters passes here, so this is also where
    /// the completed handshake is noted.
    fn report_state(&mut self, to: StateName) {
        if to == StateName::Established {
            self.handshake_completed = true;
        }
        if to != self.reported {
            self.cx.hooks.emit(&Event::StateChanged {
                from: self.reported,
                to,
            });
            self.reported = to;
        }
    }

    /// Sends the error's alert (if it has one) and makes the error sticky.
    fn fail(&mut self, e: Error, out: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(description) = e.alert() {
            // Best effort: if even the alert cannot be sealed, the error we
            // report is still the original one.
            let _ = self.cx.send_alert(Alert::fatal(description), out);
        }
        self.state = Err(e.clone());
        Err(e)
    }

    /// Opens every complete record and hands its content to the right layer.
    fn process_records(&mut self, mut state: State, out: &mut Vec<u8>) -> Result<State, Error> {
        while let Some(header) = self.deframer.next_record(&mut self.payload)? {
            self.records_in += 1;
            if header.version.0 >> 8 != 3 {
                return Err(Error::Decode(DecodeError {
                    what: "TLSPlaintext.version",
                    offset: 1,
                    reason: DecodeReason::Invalid("record version is not 3.x"),
                }));
            }
            // After ServerHello every record carries the negotiated version.
            if self.cx.session.server_random.is_some() && header.version != self.cx.version() {
                return Err(Error::Record(RecordError::WrongRecordVersion(header.version)));
            }
            if self.cx.config.explain_failures && self.cx.read.is_protected() {
                self.failures.protected_record_received(&header, &self.payload);
            }
            if !self.cx.read.is_protected() {
                self.cx.debrief.server_records_before_ccs += 1;
            }
            let seq = self.cx.read.seq;
            if let Err(e) = self.cx.read.open(&header, &mut self.payload, &mut self.cx.hooks) {
                if matches!(e, Error::Record(RecordError::BadRecordMac { .. }))
                    && self.cx.config.explain_failures
                {
                    self.failures.record_failed(seq);
                }
                return Err(e);
            }
            self.failures.record_verified(self.cx.read.is_protected());
            self.count_repeats(header.content_type)?;
            let payload = std::mem::take(&mut self.payload);
            let result = self.dispatch(state, header.content_type, &payload, out);
            self.payload = payload;
            if let Err(Error::Handshake(HandshakeError::FinishedMismatch { received, .. })) = &result {
                let transcript = self
                    .cx
                    .transcript
                    .message_list()
                    .into_iter()
                    .map(|(t, m)| (t, m.to_vec()))
                    .collect();
                self.failures.server_finished_failed(transcript, received);
            }
            state = result?;
            self.report_state(state.name());
            if let (State::Established(st), None) = (&state, &self.resumable) {
                self.remember_session(st);
            }
            // Nothing the server sends after its close_notify counts (RFC
            // 5246 §7.2.1). After our own close_notify the server's records
            // are still read, until its close_notify ends the connection.
            if self.close_notify_received {
                break;
            }
        }
        Ok(state)
    }

    /// Counts empty records and warning alerts in a row; a record with
    /// content (or of another kind) ends the run.
    fn count_repeats(&mut self, typ: ContentType) -> Result<(), Error> {
        if self.payload.is_empty() {
            self.empty_records += 1;
            if self.empty_records > MAX_EMPTY_RECORDS {
                return Err(Error::Record(RecordError::TooManyEmptyRecords(
                    self.empty_records,
                )));
            }
            return Ok(());
        }
        self.empty_records = 0;
        if typ != ContentType::ALERT {
            self.warning_alerts = 0;
        }
        Ok(())
    }

    fn dispatch(
        &mut self,
        state: State,
        typ: ContentType,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<State, Error> {
        match typ {
            ContentType::HANDSHAKE => {
                // RFC 5246 §6.2.1: zero-length handshake fragments MUST NOT be sent.
                if payload.is_empty() {
                    return Err(Error::Decode(DecodeError {
                        what: "Handshake fragment",
                        offset: 0,
                        reason: DecodeReason::Invalid("zero-length handshake record"),
                    }));
                }
                self.joiner.push(payload);
                let mut state = state;
                while let Some(message) = self.joiner.next_message()? {
                    // Bytes behind the message that ends the server's flight
                    // are refused before that message is handled, so our
                    // flight never answers a flight that has not ended.
                    if let Some(after) = ends_server_flight(state.name(), HandshakeType(message[0])) {
                        if !self.joiner.is_empty() {
                            return Err(Error::Handshake(HandshakeError::ExcessHandshakeData { after }));
                        }
                    }
                    state = handshake::handle_handshake(state, &mut self.cx, &message, out)?;
                    self.report_state(state.name());
                }
                Ok(state)
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                handshake::handle_change_cipher_spec(state, &mut self.cx, payload, !self.joiner.is_empty())
            }
            ContentType::ALERT => self.handle_alert(state, payload, out),
            ContentType::APPLICATION_DATA => match state {
                // An empty record after our close_notify carries no data
                // (RFC 5246 §6.2.1 allows zero-length application data).
                State::Closed if payload.is_empty() => Ok(State::Closed),
                State::Established(st) => {
                    self.cx.hooks.emit(&Event::ApplicationData {
                        direction: Direction::ServerToClient,
                        data: payload,
                    });
                    self.received.extend_from_slice(payload);
                    Ok(State::Established(st))
                }
                // RFC 5246 §6.2.1: application data before the handshake completes
                // would be unauthenticated.
                other => Err(Error::Handshake(HandshakeError::UnexpectedMessage {
                    state: other.name(),
                    expected: other.expects(),
                    got: Received::ApplicationData,
                })),
            },
            other => Err(Error::Record(RecordError::UnexpectedContentType(other))),
        }
    }

    /// Alert (RFC 5246 §7.2): close_notify closes; other warnings are reported
    /// and the connection goes on; a fatal alert ends it.
    ///
    /// An alert of an unknown level is refused with `illegal_parameter` (the
    /// level decides whether the connection survives, so guessing is unsafe).
    /// close_notify is answered with our own (RFC 5246 §7.2.1: "The other
    /// party MUST respond with a close_notify alert of its own"), unless we
    /// closed first.
    fn handle_alert(&mut self, state: State, payload: &[u8], out: &mut Vec<u8>) -> Result<State, Error> {
        let alert = Alert::decode(payload)?;
        self.cx.hooks.emit(&Event::AlertReceived(alert));
        if alert.level != AlertLevel::WARNING && alert.level != AlertLevel::FATAL {
            return Err(Error::Record(RecordError::UnknownAlertLevel(alert.level.0)));
        }
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            self.close_notify_received = true;
            if !matches!(state, State::Closed) {
                self.cx
                    .send_alert(Alert::warning(AlertDescription::CLOSE_NOTIFY), out)?;
            }
            return Ok(State::Closed);
        }
        if alert.level == AlertLevel::WARNING {
            self.warning_alerts += 1;
            if self.warning_alerts > MAX_WARNING_ALERTS {
                return Err(Error::Record(RecordError::TooManyWarningAlerts(
                    self.warning_alerts,
                )));
            }
            return Ok(state);
        }
        // A fatal alert after we protected something: the server disagrees with
        // what we sent. Keep what the explainer needs to reconstruct its side.
        if self.cx.records_protected > 0 {
            let after_finished = matches!(
                state,
                State::ExpectNewSessionTicket(_)
                    | State::ExpectChangeCipherSpec(_)
                    | State::ExpectFinished(_)
            );
            self.failures.server_complained(alert.description, after_finished);
        }
        Err(Error::AlertReceived(alert))
    }
}

/// The message type, when a message of that type ends the server's flight
/// in this state: ServerHelloDone in a full handshake, Finished in any.
fn ends_server_flight(state: StateName, typ: HandshakeType) -> Option<HandshakeType> {
    match (state, typ) {
        (StateName::ExpectServerHelloDone, HandshakeType::SERVER_HELLO_DONE)
        | (StateName::ExpectFinished, HandshakeType::FINISHED) => Some(typ),
        _ => None,
    }
}

/// Names what the first bytes look like when they are not TLS at all.
fn not_tls(bytes: &[u8]) -> Error {
    let shown: String = bytes
        .iter()
        .take(16)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let guess = if bytes.starts_with(b"HTTP/") || bytes.starts_with(b"<") {
        "the server speaks plaintext HTTP on this port"
    } else if bytes.starts_with(b"220") || bytes.starts_with(b"+OK") || bytes.starts_with(b"* OK") {
        "the server speaks a plaintext mail protocol (STARTTLS would be needed)"
    } else if bytes.starts_with(b"SSH-") {
        "this is an SSH server"
    } else {
        "this is not a TLS server"
    };
    Error::NotTls(format!(
        "first byte 0x{:02x} is not a TLS content type: {guess} (it sent \"{shown}\")",
        bytes[0]
    ))
}
