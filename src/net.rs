//! A blocking helper over `std::net::TcpStream` for the command line and
//! tests. Every blocking read and write has a timeout, so a silent server
//! never hangs the caller.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use tlslab::error::{Error, ToolError};
use tlslab::replay::{Action, StepLog};
use tlslab::Client;

/// Timeouts for the blocking helper.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// TCP connect, per address tried.
    pub connect: Duration,
    /// Each read: no byte for this long is an error.
    pub read: Duration,
    /// Each write.
    pub write: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(10),
            write: Duration::from_secs(10),
        }
    }
}

/// Bytes read from the socket at a time: two full records.
const READ_CHUNK: usize = 32 * 1024;

/// A TLS connection over a TCP socket.
pub struct TlsStream<'o> {
    sock: TcpStream,
    client: Client<'o>,
    out: Vec<u8>,
    peer: SocketAddr,
    log: Option<StepLog>,
    /// Bytes the socket delivered, and whether the server closed TCP: with
    /// the records the client saw, they tell a truncated connection.
    bytes_read: u64,
    peer_closed: bool,
}

/// Opens a TCP connection to `addr` (`host:port`), then runs the handshake.
/// On failure the alert we owe the server is sent before the error returns.
pub fn connect<'o>(addr: &str, client: Client<'o>, timeouts: Timeouts) -> Result<TlsStream<'o>, Error> {
    let sock = tcp_connect(addr, timeouts)?;
    let mut stream = TlsStream::new(sock, client, timeouts)?;
    stream.handshake()?;
    Ok(stream)
}

/// Opens the TCP connection only; call [`TlsStream::handshake`] next. Unlike
/// [`connect`], a failed handshake leaves the stream (and its client) in the
/// caller's hands, so [`Client::explain_failure`] can say why it failed.
pub fn connect_tcp<'o>(addr: &str, client: Client<'o>, timeouts: Timeouts) -> Result<TlsStream<'o>, Error> {
    TlsStream::new(tcp_connect(addr, timeouts)?, client, timeouts)
}

/// Like [`connect`], and every step (the bytes read and written) is appended
/// to `log`, which the caller keeps even if the handshake fails: the raw
/// material of a replay bundle ([`tlslab::replay`]).
pub fn connect_logged<'o>(
    addr: &str,
    client: Client<'o>,
    timeouts: Timeouts,
    log: &StepLog,
) -> Result<TlsStream<'o>, Error> {
    let sock = tcp_connect(addr, timeouts)?;
    let mut stream = TlsStream::new(sock, client, timeouts)?;
    stream.log = Some(log.clone());
    stream.handshake()?;
    Ok(stream)
}

fn tcp_connect(addr: &str, timeouts: Timeouts) -> Result<TcpStream, Error> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| Error::io(format!("cannot resolve {addr}: {e}")))?
        .collect();
    let mut last = Error::io(format!("{addr} resolved to no address"));
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeouts.connect) {
            Ok(s) => return Ok(s),
            Err(e) => last = Error::io(format!("cannot connect to {a}: {e}")),
        }
    }
    Err(last)
}

impl<'o> TlsStream<'o> {
    /// Wraps a connected socket; nothing is sent until [`TlsStream::handshake`].
    pub fn new(sock: TcpStream, client: Client<'o>, timeouts: Timeouts) -> Result<TlsStream<'o>, Error> {
        sock.set_read_timeout(Some(timeouts.read))?;
        sock.set_write_timeout(Some(timeouts.write))?;
        sock.set_nodelay(true)?;
        let peer = sock.peer_addr()?;
        Ok(TlsStream {
            sock,
            client,
            out: Vec::new(),
            peer,
            log: None,
            bytes_read: 0,
            peer_closed: false,
        })
    }

    /// Sends the ClientHello and runs the handshake to completion.
    pub fn handshake(&mut self) -> Result<(), Error> {
        let started = self.client.start(&mut self.out);
        self.note(Action::Start);
        self.flush()?;
        started?;
        while !self.client.is_established() {
            self.read_once()?;
        }
        Ok(())
    }

    /// Sends application data.
    pub fn write_all(&mut self, data: &[u8]) -> Result<(), Error> {
        let sent = self.client.send(data, &mut self.out);
        self.note(Action::Send(data.to_vec()));
        self.flush()?;
        sent
    }

    /// Reads until some application data arrives, and returns it; an empty
    /// vector means the server closed the connection (close_notify or TCP close).
    pub fn read(&mut self) -> Result<Vec<u8>, Error> {
        loop {
            let got = self.client.take_received();
            if !got.is_empty() || self.client.is_closed() {
                return Ok(got);
            }
            if !self.read_once()? {
                return Ok(vec![]);
            }
        }
    }

    /// Reads application data until the server closes or `quiet` passes with
    /// nothing new (servers that keep the connection open), at most `limit` in all.
    pub fn read_until_quiet(&mut self, quiet: Duration, limit: Duration) -> Result<Vec<u8>, Error> {
        self.read_reply(quiet, quiet, limit)
    }

    /// Reads the answer to a request: waits up to `first` for its first
    /// bytes (a slow server is not a silent one), then reads until the
    /// server is quiet for `quiet`, the connection ends, or `limit` has
    /// passed since the start.
    pub fn read_reply(
        &mut self,
        first: Duration,
        quiet: Duration,
        limit: Duration,
    ) -> Result<Vec<u8>, Error> {
        let start = Instant::now();
        let mut all = vec![];
        self.sock.set_read_timeout(Some(first.max(quiet)))?;
        let result = loop {
            if start.elapsed() > limit {
                break Ok(());
            }
            match self.read() {
                Ok(got) if got.is_empty() => break Ok(()),
                Ok(got) => {
                    if all.is_empty() {
                        self.sock.set_read_timeout(Some(quiet))?;
                    }
                    all.extend_from_slice(&got);
                }
                Err(Error::Tool(ToolError::Timeout(_))) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        all.extend_from_slice(&self.client.take_received());
        result.map(|()| all)
    }

    /// Sends close_notify.
    pub fn close(&mut self) -> Result<(), Error> {
        let closed = self.client.close(&mut self.out);
        self.note(Action::Close);
        let _ = self.flush();
        closed
    }

    /// Keeps a log of every step (see [`tlslab::replay`]).
    pub fn set_step_log(&mut self, log: &StepLog) {
        self.log = Some(log.clone());
    }

    /// The protocol state.
    pub fn client(&self) -> &Client<'o> {
        &self.client
    }

    /// How many bytes the server sent (as the socket delivered them).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Whether the server closed the TCP connection (a read returned 0 bytes).
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// One socket read fed to the client. `Ok(false)` on TCP close.
    fn read_once(&mut self) -> Result<bool, Error> {
        // On the stack: a connection keeps no read buffer between reads.
        let mut buf = [0u8; READ_CHUNK];
        let n = match self.sock.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Error::timeout(format!(
                    "no data from {} in state {}",
                    self.peer,
                    self.client.state_name()
                )))
            }
            Err(e) => return Err(Error::io(format!("reading from {}: {e}", self.peer))),
        };
        self.bytes_read += n as u64;
        if n == 0 {
            self.peer_closed = true;
            if self.client.is_established() || self.client.is_closed() {
                return Ok(false);
            }
            return Err(Error::connection_closed(format!(
                "{} closed the TCP connection in state {} without an alert",
                self.peer,
                self.client.state_name()
            )));
        }
        let result = self.client.receive(&buf[..n], &mut self.out);
        if self.log.is_some() {
            self.note(Action::Receive(buf[..n].to_vec()));
        }
        // Whatever the outcome, send what the client produced (our next flight,
        // or the alert that explains a failure to the server).
        let flushed = self.flush();
        result?;
        flushed?;
        Ok(true)
    }

    fn note(&self, action: Action) {
        if let Some(log) = &self.log {
            log.push(action, &self.out);
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.out.is_empty() {
            return Ok(());
        }
        let r = self.sock.write_all(&self.out).and_then(|()| self.sock.flush());
        self.out.clear();
        r.map_err(|e| Error::io(format!("writing to {}: {e}", self.peer)))
    }
}

/// Lets a test peer run its application-data round trip over this stream.
impl tlslab_peers::AppData for TlsStream<'_> {
    type Error = Error;
    fn write_app(&mut self, data: &[u8]) -> Result<(), Error> {
        self.write_all(data)
    }
    fn read_app(&mut self) -> Result<Vec<u8>, Error> {
        self.read()
    }
}
