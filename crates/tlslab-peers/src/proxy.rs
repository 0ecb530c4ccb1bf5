//! A TCP proxy on 127.0.0.1 that frames TLS records and misbehaves the way
//! networks and middleboxes do, so a client's diagnosis can be tested against
//! faults made between the client and the server.
//!
//! [`Proxy::start`] listens on a free port of 127.0.0.1; each accepted
//! connection is served by std threads and relayed to the upstream server.
//! The proxy waits for the client's first handshake message (the
//! ClientHello, reassembled across records when it spans several), decides
//! whether to let it through, and only then connects upstream. Server →
//! client bytes are framed into records (5-byte header, RFC 5246 §6.2.1);
//! client → server bytes after the ClientHello are copied as they come (and
//! framed on the side, for the log only).
//! Dropping the [`Proxy`] shuts every socket down and joins every thread.
//!
//! Server records are counted per connection **from 0, every record
//! counting**: ChangeCipherSpec and alert records count like any other.
//! tlslite-ng (the `hostile` module) and OpenSSL send one handshake message
//! per record, so a full ECDHE handshake from the server is: 0 ServerHello,
//! 1 Certificate, 2 ServerKeyExchange, 3 ServerHelloDone, then, when the
//! client offered session_ticket (RFC 5077) and the server issues one, 4
//! NewSessionTicket, and then ChangeCipherSpec, Finished and the application
//! data (4, 5, 6... without a ticket; 5, 6, 7... with one). With RSA key
//! transport there is no ServerKeyExchange. A server that coalesces
//! messages into one record has fewer records.
//!
//! | mode | what happens on the wire | what the client sees |
//! |---|---|---|
//! | [`ProxyMode::Pass`] | nothing | a transparent relay |
//! | [`ProxyMode::ReorderServerRecords`] | server records `first` and `first + 1` are delivered swapped (a network reordering is hidden by TCP; this is what a buggy middlebox or load balancer does) | Finished before ChangeCipherSpec: `unexpected_message` (OpenSSL); two encrypted records swapped: a record fails to authenticate (`bad_record_mac`), its MAC or AEAD input has the other sequence number (RFC 5246 §6.2.3.1) |
//! | [`ProxyMode::DropServerRecord`] | server record `n` is not delivered; the rest are | a missing handshake message: `unexpected_message` (OpenSSL, ServerKeyExchange dropped); an encrypted record dropped: the next one fails with `bad_record_mac` (sequence-number gap) |
//! | [`ProxyMode::TruncateServerRecord`] | record `n`'s header is delivered with the first half of its fragment (rounded down; a record with an empty fragment loses the last two header bytes), then both TCP connections are closed | end of stream inside a record (OpenSSL: `unexpected eof while reading`) |
//! | [`ProxyMode::DropHelloWithExtension`] | a ClientHello carrying that extension is answered by closing the connection (FIN, no alert); the server never sees it | end of stream right after the ClientHello (extension intolerance) |
//! | [`ProxyMode::DropHelloSized`] | likewise when the ClientHello's **handshake message length including its 4-byte header** (= the record length when it travels in one record) is in the range: `256..=511` is the F5 bug behind the padding extension (RFC 7685 §1; OpenSSL and NSS measure the same length for their padding) | end of stream right after the ClientHello |
//! | [`ProxyMode::DropHelloVersionAbove`] | likewise when `ClientHello.client_version` (the body's version, not the record's) is above the given one (version intolerance, RFC 5246 Appendix E.1, RFC 7507 §1) | end of stream right after the ClientHello |
//! | [`ProxyMode::RewriteHelloVersion`] | `ClientHello.client_version` is rewritten on the way to the server (a version rollback) | the server answers the rewritten hello |
//! | [`ProxyMode::AlertHelloWithExtension`], [`ProxyMode::AlertHelloSized`], [`ProxyMode::AlertHelloVersionAbove`] | the same ClientHellos are answered with one fatal alert record of the given description (`handshake_failure`, `decode_error`, `protocol_version`...), then the connection is closed; the server never sees them | the alert, before any ServerHello |
//! | [`ProxyMode::RoundRobin`] | connection `k` goes to `[upstream, others...][k % (1 + others.len())]`: a load balancer with several backends | depends on the backend (one bad backend behind a good one fails every other connection) |
//!
//! What the proxy did is in [`Proxy::events`]; the records of each
//! direction (their headers and first 1024 fragment bytes) are in
//! [`Proxy::server_records`] and [`Proxy::client_records`].
//!
//! ```no_run
//! use tlslab_peers::proxy::{Proxy, ProxyMode};
//! # let server_addr: std::net::SocketAddr = "127.0.0.1:4433".parse().unwrap();
//! let proxy = Proxy::start(server_addr, ProxyMode::DropServerRecord(3))?;
//! // connect the client to proxy.addr() instead of the server
//! println!("{}", proxy.addr());
//! # Ok::<(), tlslab::Error>(())
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tlslab::wire::{AlertDescription, ContentType, ExtensionType, ProtocolVersion};
use tlslab::Error;

/// How long the proxy waits for a TCP connection to the upstream server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A ClientHello (or what the client sends before its end) longer than this
/// is passed on without a look.
const MAX_HELLO: usize = 1 << 17;
/// How many bytes of each record's fragment [`RecordSeen::prefix`] keeps:
/// enough for a whole ServerHello, an encrypted Finished, or a
/// ClientKeyExchange with a 4096-bit RSA key.
const PREFIX_LEN: usize = 1024;

/// What the proxy does to the connections it relays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyMode {
    /// A transparent relay.
    Pass,
    /// Server → client records `first` and `first + 1` are delivered in the
    /// opposite order. Records are counted from 0 per connection, every
    /// record (ChangeCipherSpec and alerts too) counting. If the connection
    /// ends before record `first + 1`, record `first` is delivered last.
    ReorderServerRecords {
        /// The index of the first of the two records.
        first: usize,
    },
    /// Server → client record `n` (counted as above) is not delivered.
    DropServerRecord(usize),
    /// Server → client record `n` (counted as above) is cut short: its
    /// header and the first half of its fragment (rounded down) are
    /// delivered, then both TCP connections are closed. (An empty fragment:
    /// only the first 3 header bytes.)
    TruncateServerRecord(usize),
    /// A connection whose ClientHello carries this extension is closed (no
    /// alert) before anything reaches the server.
    DropHelloWithExtension(ExtensionType),
    /// A connection is closed (no alert) when the ClientHello handshake
    /// message, its 4-byte header included, is this many bytes long
    /// (`256..=511` for the F5 bug, RFC 7685).
    DropHelloSized(RangeInclusive<usize>),
    /// A connection is closed (no alert) when `ClientHello.client_version`
    /// is above this version (e.g. [`ProtocolVersion::TLS10`]).
    DropHelloVersionAbove(ProtocolVersion),
    /// Connections go to `upstream` and these backends in turn: connection
    /// `k` (from 0) to `[upstream, backends...][k % (1 + backends.len())]`.
    RoundRobin(Vec<SocketAddr>),
    /// A connection whose ClientHello carries this extension is answered
    /// with a fatal alert record of this description (what an intolerant
    /// server or an inspecting middlebox sends instead of a ServerHello),
    /// then closed; nothing reaches the server.
    AlertHelloWithExtension(ExtensionType, AlertDescription),
    /// As [`ProxyMode::DropHelloSized`], answered with a fatal alert.
    AlertHelloSized(RangeInclusive<usize>, AlertDescription),
    /// As [`ProxyMode::DropHelloVersionAbove`], answered with a fatal alert
    /// (typically `protocol_version`, RFC 5246 §7.2.2).
    AlertHelloVersionAbove(ProtocolVersion, AlertDescription),
    /// `ClientHello.client_version` is overwritten with this version on its
    /// way to the server (when the hello's first record holds the start of
    /// the message), everything else relayed as is: the version rollback an
    /// active attacker makes, which RFC 8446 §4.1.3's downgrade sentinel in
    /// `ServerHello.random` reveals.
    RewriteHelloVersion(ProtocolVersion),
}

/// What the proxy saw of a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloSeen {
    /// The handshake message length including its 4-byte header.
    pub message_len: usize,
    /// The record header's length field of the first record (equal to
    /// `message_len` when the ClientHello travels alone in one record).
    pub first_record_len: usize,
    /// `ClientHello.client_version`.
    pub client_version: ProtocolVersion,
    /// The extension types in the order sent.
    pub extensions: Vec<ExtensionType>,
}

/// What happened to one server → client record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordFate {
    /// Delivered in place.
    Forwarded,
    /// Not delivered.
    Dropped,
    /// Held back and delivered after the next record.
    Delayed,
    /// Header and `sent` bytes of the fragment delivered, then the
    /// connection closed.
    Truncated {
        /// Fragment bytes delivered.
        sent: usize,
    },
}

/// One record as the proxy saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSeen {
    /// Its index in its direction of its connection (from 0).
    pub index: usize,
    /// `TLSPlaintext.type` (or the ciphertext's).
    pub content_type: ContentType,
    /// The record header's version.
    pub version: ProtocolVersion,
    /// The record header's length field (the fragment length).
    pub length: usize,
    /// The first bytes of the fragment (up to 1024): for an AES-GCM record
    /// the first 8 are the explicit nonce (RFC 5288 §3), for a CBC record
    /// the first 16 the IV (RFC 5246 §6.2.3.2).
    pub prefix: Vec<u8>,
    /// What the proxy did with it.
    pub fate: RecordFate,
}

impl RecordSeen {
    /// `record` is a whole record, header included.
    fn of(index: usize, record: &[u8], fate: RecordFate) -> RecordSeen {
        let length = record.len() - 5;
        RecordSeen {
            index,
            content_type: ContentType(record[0]),
            version: ProtocolVersion(u16::from_be_bytes([record[1], record[2]])),
            length,
            prefix: record[5..5 + length.min(PREFIX_LEN)].to_vec(),
            fate,
        }
    }
}

/// One thing the proxy did; `conn` numbers accepted connections from 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyEvent {
    /// A client connected.
    Accepted {
        /// The connection.
        conn: usize,
        /// The upstream server chosen for it.
        backend: SocketAddr,
    },
    /// The client's first handshake message was a ClientHello.
    Hello {
        /// The connection.
        conn: usize,
        /// What was in it.
        hello: HelloSeen,
    },
    /// The connection was closed because of its ClientHello.
    HelloDropped {
        /// The connection.
        conn: usize,
        /// Which rule matched, in words.
        why: String,
    },
    /// The proxy connected upstream.
    Connected {
        /// The connection.
        conn: usize,
        /// The upstream server.
        backend: SocketAddr,
    },
    /// The upstream server could not be reached; the client was closed.
    ConnectFailed {
        /// The connection.
        conn: usize,
        /// The upstream server.
        backend: SocketAddr,
        /// The error.
        error: String,
    },
    /// A server → client record.
    ServerRecord {
        /// The connection.
        conn: usize,
        /// The record and what happened to it.
        record: RecordSeen,
    },
    /// A client → server record (always forwarded, once the ClientHello
    /// passed; logged after it was passed on).
    ClientRecord {
        /// The connection.
        conn: usize,
        /// The record.
        record: RecordSeen,
    },
}

impl ProxyEvent {
    /// The connection this event belongs to.
    pub fn conn(&self) -> usize {
        match self {
            ProxyEvent::Accepted { conn, .. }
            | ProxyEvent::Hello { conn, .. }
            | ProxyEvent::HelloDropped { conn, .. }
            | ProxyEvent::Connected { conn, .. }
            | ProxyEvent::ConnectFailed { conn, .. }
            | ProxyEvent::ServerRecord { conn, .. }
            | ProxyEvent::ClientRecord { conn, .. } => *conn,
        }
    }
}

/// State shared by the proxy's threads.
struct Shared {
    mode: ProxyMode,
    backends: Vec<SocketAddr>,
    stop: AtomicBool,
    accepted: AtomicUsize,
    events: Mutex<Vec<ProxyEvent>>,
    /// Every socket of every connection, to shut down on drop.
    sockets: Mutex<Vec<TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn log(&self, e: ProxyEvent) {
        lock(&self.events).push(e);
    }

    fn keep(&self, s: &TcpStream) {
        if let Ok(c) = s.try_clone() {
            lock(&self.sockets).push(c);
        }
    }
}

/// A running proxy; dropping it closes every connection and stops it.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and relays every connection to
    /// `upstream` (for [`ProxyMode::RoundRobin`], to `upstream` and the
    /// mode's backends in turn) as `mode` says.
    ///
    /// Errors: [`ToolError::Io`](tlslab::error::ToolError::Io) when no port can be bound.
    pub fn start(upstream: SocketAddr, mode: ProxyMode) -> Result<Proxy, Error> {
        let io = |what: &str, e: std::io::Error| Error::io(format!("proxy: {what}: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| io("bind", e))?;
        let addr = listener.local_addr().map_err(|e| io("local_addr", e))?;
        let mut backends = vec![upstream];
        if let ProxyMode::RoundRobin(more) = &mode {
            backends.extend(more.iter().copied());
        }
        let shared = Arc::new(Shared {
            mode,
            backends,
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            events: Mutex::new(vec![]),
            sockets: Mutex::new(vec![]),
            threads: Mutex::new(vec![]),
        });
        let s = shared.clone();
        let acceptor = std::thread::Builder::new()
            .name("tlslab-proxy-accept".into())
            .spawn(move || accept_loop(listener, s))
            .map_err(|e| io("spawning a thread", e))?;
        Ok(Proxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// `127.0.0.1:port`, where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The mode the proxy was started with.
    pub fn mode(&self) -> &ProxyMode {
        &self.shared.mode
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Everything the proxy did so far, in order. An event is logged before
    /// its effect reaches the client, so once a client has seen a failure
    /// the event that caused it is here.
    pub fn events(&self) -> Vec<ProxyEvent> {
        lock(&self.shared.events).clone()
    }

    /// The server → client records of connection `conn` seen so far, in
    /// the order they were delivered (or dropped).
    pub fn server_records(&self, conn: usize) -> Vec<RecordSeen> {
        lock(&self.shared.events)
            .iter()
            .filter_map(|e| match e {
                ProxyEvent::ServerRecord { conn: c, record } if *c == conn => Some(record.clone()),
                _ => None,
            })
            .collect()
    }

    /// The client → server records of connection `conn` passed on so far
    /// (none when its ClientHello was dropped).
    pub fn client_records(&self, conn: usize) -> Vec<RecordSeen> {
        lock(&self.shared.events)
            .iter()
            .filter_map(|e| match e {
                ProxyEvent::ClientRecord { conn: c, record } if *c == conn => Some(record.clone()),
                _ => None,
            })
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        for s in lock(&self.shared.sockets).drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        let threads: Vec<JoinHandle<()>> = lock(&self.shared.threads).drain(..).collect();
        for t in threads {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = stream else { continue };
        let conn = shared.accepted.fetch_add(1, Ordering::SeqCst);
        let backend = shared.backends[conn % shared.backends.len()];
        shared.keep(&client);
        shared.log(ProxyEvent::Accepted { conn, backend });
        let s = shared.clone();
        let t = std::thread::Builder::new()
            .name(format!("tlslab-proxy-{conn}"))
            .spawn(move || serve(conn, client, backend, s));
        if let Ok(t) = t {
            lock(&shared.threads).push(t);
        }
    }
}

/// One connection: inspect the ClientHello, connect upstream, relay.
fn serve(conn: usize, mut client: TcpStream, backend: SocketAddr, shared: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let (mut first, hello) = read_first_handshake(&mut client);
    if let ProxyMode::RewriteHelloVersion(v) = shared.mode {
        // record header (5) ‖ handshake header (4) ‖ client_version (2).
        if first.len() >= 11 && first[0] == ContentType::HANDSHAKE.0 && first[5] == 1 {
            first[9..11].copy_from_slice(&v.0.to_be_bytes());
        }
    }
    if let Some(h) = &hello {
        shared.log(ProxyEvent::Hello {
            conn,
            hello: h.clone(),
        });
        if let Some(why) = drop_reason(&shared.mode, h) {
            if let Some(alert) = refusal_alert(&shared.mode) {
                // A fatal alert (RFC 5246 §7.2: level 2) in a plaintext
                // record of the version the refusing side speaks: the
                // hello's, at most TLS 1.2.
                let version = if h.client_version > ProtocolVersion::TLS12 {
                    ProtocolVersion::TLS12
                } else {
                    h.client_version
                };
                let v = version.0.to_be_bytes();
                let record = [ContentType::ALERT.0, v[0], v[1], 0, 2, 2, alert.0];
                let _ = client.write_all(&record);
                let _ = client.flush();
            }
            shared.log(ProxyEvent::HelloDropped { conn, why });
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    }
    if first.is_empty() {
        // The client closed before sending anything.
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let mut server = match TcpStream::connect_timeout(&backend, CONNECT_TIMEOUT) {
        Ok(s) => s,
        Err(e) => {
            shared.log(ProxyEvent::ConnectFailed {
                conn,
                backend,
                error: e.to_string(),
            });
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    };
    let _ = server.set_nodelay(true);
    shared.keep(&server);
    shared.log(ProxyEvent::Connected { conn, backend });
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let s = shared.clone();
    let down = std::thread::Builder::new()
        .name(format!("tlslab-proxy-{conn}-down"))
        .spawn(move || server_to_client(conn, server2, client2, s));
    // Client → server: what was read, then a plain copy; the records are
    // framed on the side, for the log only.
    let mut shadow = ClientRecords::default();
    shadow.feed(conn, &first, &shared);
    if server.write_all(&first).is_ok() {
        let mut buf = [0u8; 16384];
        loop {
            match client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if server.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    shadow.feed(conn, &buf[..n], &shared);
                }
            }
        }
    }
    let _ = server.shutdown(Shutdown::Write);
    if let Ok(d) = down {
        let _ = d.join();
    }
}

/// Frames the client → server bytes into records for [`ProxyEvent::ClientRecord`].
#[derive(Default)]
struct ClientRecords {
    pending: Vec<u8>,
    index: usize,
}

impl ClientRecords {
    fn feed(&mut self, conn: usize, bytes: &[u8], shared: &Shared) {
        self.pending.extend_from_slice(bytes);
        while self.pending.len() >= 5 {
            let len = usize::from(u16::from_be_bytes([self.pending[3], self.pending[4]]));
            if self.pending.len() < 5 + len {
                break;
            }
            let record: Vec<u8> = self.pending.drain(..5 + len).collect();
            shared.log(ProxyEvent::ClientRecord {
                conn,
                record: RecordSeen::of(self.index, &record, RecordFate::Forwarded),
            });
            self.index += 1;
        }
    }
}

/// Reads from the client until its first handshake message is complete.
/// Returns every byte read and, if that message is a ClientHello that
/// parses, what is in it. Non-TLS bytes, an SSL 2.0 hello or an end of
/// stream stop the reading early (and give no [`HelloSeen`]).
fn read_first_handshake(client: &mut TcpStream) -> (Vec<u8>, Option<HelloSeen>) {
    let mut raw = vec![];
    let mut buf = [0u8; 4096];
    loop {
        match parse_hello_records(&raw) {
            HelloParse::Done(h) => return (raw, h),
            HelloParse::NeedMore if raw.len() < MAX_HELLO => {}
            HelloParse::NeedMore => return (raw, None),
        }
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return (raw, None),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
}

enum HelloParse {
    NeedMore,
    /// The first handshake message is complete (or the bytes are not
    /// handshake records at all): `Some` if it is a ClientHello that parses.
    Done(Option<HelloSeen>),
}

/// Reassembles the first handshake message from the handshake records at
/// the start of `raw`.
fn parse_hello_records(raw: &[u8]) -> HelloParse {
    let mut message = vec![];
    let mut pos = 0;
    let mut first_record_len = None;
    loop {
        if message.len() >= 4 {
            let len = u24(&message[1..4]) + 4;
            if message.len() >= len {
                let h = (message[0] == 1)
                    .then(|| parse_client_hello(&message[..len], first_record_len.unwrap_or(0)))
                    .flatten();
                return HelloParse::Done(h);
            }
        }
        let Some(header) = raw.get(pos..pos + 5) else {
            return HelloParse::NeedMore;
        };
        if header[0] != ContentType::HANDSHAKE.0 {
            return HelloParse::Done(None);
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        first_record_len.get_or_insert(len);
        let Some(fragment) = raw.get(pos + 5..pos + 5 + len) else {
            return HelloParse::NeedMore;
        };
        message.extend_from_slice(fragment);
        pos += 5 + len;
    }
}

fn u24(b: &[u8]) -> usize {
    (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2])
}

/// Parses a whole ClientHello handshake message (RFC 5246 §7.4.1.2), header
/// included. `None` when it is malformed.
fn parse_client_hello(msg: &[u8], first_record_len: usize) -> Option<HelloSeen> {
    let body = msg.get(4..)?;
    let client_version = ProtocolVersion(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
    // version(2) random(32)
    let mut pos = 34;
    let sid_len = usize::from(*body.get(pos)?);
    pos += 1 + sid_len;
    let cs_len = usize::from(u16::from_be_bytes([*body.get(pos)?, *body.get(pos + 1)?]));
    pos += 2 + cs_len;
    let comp_len = usize::from(*body.get(pos)?);
    pos += 1 + comp_len;
    let mut extensions = vec![];
    if pos < body.len() {
        let ext_len = usize::from(u16::from_be_bytes([*body.get(pos)?, *body.get(pos + 1)?]));
        pos += 2;
        let end = pos + ext_len;
        if end > body.len() {
            return None;
        }
        while pos + 4 <= end {
            extensions.push(ExtensionType(u16::from_be_bytes([body[pos], body[pos + 1]])));
            let len = usize::from(u16::from_be_bytes([body[pos + 2], body[pos + 3]]));
            pos += 4 + len;
        }
        if pos != end {
            return None;
        }
    } else if pos > body.len() {
        return None;
    }
    Some(HelloSeen {
        message_len: msg.len(),
        first_record_len,
        client_version,
        extensions,
    })
}

/// Why `mode` drops a connection with this ClientHello, if it does.
fn drop_reason(mode: &ProxyMode, h: &HelloSeen) -> Option<String> {
    match mode {
        ProxyMode::DropHelloWithExtension(t) | ProxyMode::AlertHelloWithExtension(t, _)
            if h.extensions.contains(t) =>
        {
            Some(format!("ClientHello carries extension {t}"))
        }
        ProxyMode::DropHelloSized(r) | ProxyMode::AlertHelloSized(r, _) if r.contains(&h.message_len) => {
            Some(format!(
                "ClientHello handshake message is {} bytes (header included), within {}..={}",
                h.message_len,
                r.start(),
                r.end()
            ))
        }
        ProxyMode::DropHelloVersionAbove(v) | ProxyMode::AlertHelloVersionAbove(v, _)
            if h.client_version > *v =>
        {
            Some(format!(
                "ClientHello.client_version {} is above {}",
                h.client_version, v
            ))
        }
        _ => None,
    }
}

/// The alert a refusing mode answers with (`None`: the hello is dropped silently).
fn refusal_alert(mode: &ProxyMode) -> Option<AlertDescription> {
    match mode {
        ProxyMode::AlertHelloWithExtension(_, a)
        | ProxyMode::AlertHelloSized(_, a)
        | ProxyMode::AlertHelloVersionAbove(_, a) => Some(*a),
        _ => None,
    }
}

/// Server → client: frame records and apply the mode.
fn server_to_client(conn: usize, mut server: TcpStream, mut client: TcpStream, shared: Arc<Shared>) {
    let mut pending: Vec<u8> = vec![];
    let mut held: Option<(Vec<u8>, RecordSeen)> = None;
    let mut index = 0usize;
    let mut buf = [0u8; 16384];
    'outer: loop {
        let n = match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while pending.len() >= 5 {
            let len = usize::from(u16::from_be_bytes([pending[3], pending[4]]));
            if pending.len() < 5 + len {
                break;
            }
            let record: Vec<u8> = pending.drain(..5 + len).collect();
            let seen = RecordSeen::of(index, &record, RecordFate::Forwarded);
            index += 1;
            match act(&shared.mode, seen.index) {
                Act::Forward => {
                    shared.log(ProxyEvent::ServerRecord { conn, record: seen });
                    if client.write_all(&record).is_err() {
                        break 'outer;
                    }
                    if let Some((bytes, mut r)) = held.take() {
                        r.fate = RecordFate::Delayed;
                        shared.log(ProxyEvent::ServerRecord { conn, record: r });
                        if client.write_all(&bytes).is_err() {
                            break 'outer;
                        }
                    }
                }
                Act::Hold => held = Some((record, seen)),
                Act::Drop => shared.log(ProxyEvent::ServerRecord {
                    conn,
                    record: RecordSeen {
                        fate: RecordFate::Dropped,
                        ..seen
                    },
                }),
                Act::Truncate => {
                    let sent = len / 2;
                    shared.log(ProxyEvent::ServerRecord {
                        conn,
                        record: RecordSeen {
                            fate: RecordFate::Truncated { sent },
                            ..seen
                        },
                    });
                    // An empty fragment has nothing to cut: its header is.
                    let cut = if len == 0 { 3 } else { 5 + sent };
                    let _ = client.write_all(&record[..cut]);
                    let _ = client.flush();
                    let _ = client.shutdown(Shutdown::Both);
                    let _ = server.shutdown(Shutdown::Both);
                    return;
                }
            }
        }
    }
    // The server closed: deliver what is left as it is.
    if let Some((bytes, r)) = held.take() {
        shared.log(ProxyEvent::ServerRecord { conn, record: r });
        let _ = client.write_all(&bytes);
    }
    let _ = client.write_all(&pending);
    let _ = client.shutdown(Shutdown::Write);
}

enum Act {
    Forward,
    Hold,
    Drop,
    Truncate,
}

fn act(mode: &ProxyMode, index: usize) -> Act {
    match *mode {
        ProxyMode::ReorderServerRecords { first } if index == first => Act::Hold,
        ProxyMode::DropServerRecord(n) if index == n => Act::Drop,
        ProxyMode::TruncateServerRecord(n) if index == n => Act::Truncate,
        _ => Act::Forward,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello with the given extensions (type, body), built by hand
    /// from RFC 5246 §7.4.1.2.
    fn hello(version: u16, exts: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 2, 0xc0, 0x2f, 1, 0]);
        let mut e = vec![];
        for (t, b) in exts {
            e.extend_from_slice(&t.to_be_bytes());
            e.extend_from_slice(&(b.len() as u16).to_be_bytes());
            e.extend_from_slice(b);
        }
        body.extend_from_slice(&(e.len() as u16).to_be_bytes());
        body.extend_from_slice(&e);
        let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        msg
    }

    fn records(msg: &[u8], split: usize) -> Vec<u8> {
        let mut out = vec![];
        for part in msg.chunks(split) {
            out.extend_from_slice(&[22, 3, 1, (part.len() >> 8) as u8, part.len() as u8]);
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn a_hello_is_reassembled_across_records() {
        let msg = hello(0x0303, &[(0x0017, b""), (0x0015, &[0; 200])]);
        let raw = records(&msg, 100);
        let HelloParse::Done(Some(h)) = parse_hello_records(&raw) else {
            panic!("not parsed")
        };
        assert_eq!(h.message_len, msg.len());
        assert_eq!(h.first_record_len, 100);
        assert_eq!(h.client_version, ProtocolVersion::TLS12);
        assert_eq!(h.extensions, vec![ExtensionType(0x17), ExtensionType(0x15)]);
        assert!(matches!(
            parse_hello_records(&raw[..raw.len() - 1]),
            HelloParse::NeedMore
        ));
    }

    #[test]
    fn rules_match_as_documented() {
        let msg = hello(0x0302, &[(0x0017, b"")]);
        let HelloParse::Done(Some(h)) = parse_hello_records(&records(&msg, 1000)) else {
            panic!()
        };
        let ems = ExtensionType(0x0017);
        assert!(drop_reason(&ProxyMode::DropHelloWithExtension(ems), &h).is_some());
        assert!(drop_reason(&ProxyMode::DropHelloWithExtension(ExtensionType(0x16)), &h).is_none());
        let len = h.message_len;
        assert!(drop_reason(&ProxyMode::DropHelloSized(len..=len), &h).is_some());
        assert!(drop_reason(&ProxyMode::DropHelloSized(len + 1..=511), &h).is_none());
        assert!(drop_reason(&ProxyMode::DropHelloVersionAbove(ProtocolVersion::TLS10), &h).is_some());
        assert!(drop_reason(&ProxyMode::DropHelloVersionAbove(ProtocolVersion::TLS11), &h).is_none());
        assert!(drop_reason(&ProxyMode::Pass, &h).is_none());
    }

    /// Four server records, one of them empty.
    const SERVER_RECORDS: [&[u8]; 4] = [
        &[22, 3, 3, 0, 3, b'a', b'b', b'c'],
        &[20, 3, 3, 0, 1, 1],
        &[23, 3, 3, 0, 0],
        &[23, 3, 3, 0, 4, 1, 2, 3, 4],
    ];

    /// Runs one connection through a proxy in `mode` to an upstream that
    /// reads the ClientHello and answers with [`SERVER_RECORDS`] (in
    /// separate writes, then end of stream). Returns what the client got.
    fn through(mode: ProxyMode) -> (Vec<u8>, Proxy) {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let up_addr = upstream.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = upstream.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).unwrap();
            for r in SERVER_RECORDS {
                s.write_all(r).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let proxy = Proxy::start(up_addr, mode).unwrap();
        let mut c = TcpStream::connect(proxy.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(&records(&hello(0x0303, &[]), 1000)).unwrap();
        let mut got = vec![];
        let _ = c.read_to_end(&mut got);
        server.join().unwrap();
        (got, proxy)
    }

    #[test]
    fn server_records_are_passed_reordered_dropped_and_truncated() {
        let all = SERVER_RECORDS.concat();
        let (got, proxy) = through(ProxyMode::Pass);
        assert_eq!(got, all);
        assert_eq!(proxy.server_records(0).len(), 4);
        assert_eq!(proxy.client_records(0).len(), 1);

        let (got, _) = through(ProxyMode::ReorderServerRecords { first: 1 });
        let r = SERVER_RECORDS;
        assert_eq!(got, [r[0], r[2], r[1], r[3]].concat());

        let (got, proxy) = through(ProxyMode::ReorderServerRecords { first: 3 });
        assert_eq!(got, all, "the held record is delivered at the end");
        assert_eq!(proxy.server_records(0)[3].fate, RecordFate::Forwarded);

        let (got, _) = through(ProxyMode::DropServerRecord(1));
        assert_eq!(got, [r[0], r[2], r[3]].concat());

        let (got, proxy) = through(ProxyMode::TruncateServerRecord(3));
        assert_eq!(got, [r[0], r[1], r[2], &r[3][..7]].concat());
        assert_eq!(proxy.server_records(0)[3].fate, RecordFate::Truncated { sent: 2 });

        let (got, _) = through(ProxyMode::TruncateServerRecord(2));
        assert_eq!(got, [r[0], r[1], &r[2][..3]].concat());
    }

    #[test]
    fn a_dropped_hello_never_reaches_the_server() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = Proxy::start(
            upstream.local_addr().unwrap(),
            ProxyMode::DropHelloVersionAbove(ProtocolVersion::TLS10),
        )
        .unwrap();
        let mut c = TcpStream::connect(proxy.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(&records(&hello(0x0303, &[]), 1000)).unwrap();
        let mut got = vec![];
        let _ = c.read_to_end(&mut got);
        assert!(got.is_empty());
        upstream.set_nonblocking(true).unwrap();
        assert!(upstream.accept().is_err(), "no connection upstream");
        assert!(proxy
            .events()
            .iter()
            .any(|e| matches!(e, ProxyEvent::HelloDropped { conn: 0, .. })));
    }

    #[test]
    fn non_handshake_bytes_are_not_a_hello() {
        assert!(matches!(
            parse_hello_records(b"GET / HTTP/1.0\r\n"),
            HelloParse::Done(None)
        ));
    }
}
