//! Offline analysis of one connection out of a capture, with the client's
//! own record layer, key schedule and verifier twins, dispatched by the
//! negotiated version: TLS 1.2 (RFC 5246), TLS 1.1 (RFC 4346: the MD5 ‖
//! SHA-1 PRF, explicit IVs), TLS 1.0 (RFC 2246: the same PRF, chained IVs)
//! and SSL 3.0 (RFC 6101: its own key derivation, record MAC, 36-byte
//! Finished and padding rule, [`crate::crypto::ssl3`]). SSLv2-format
//! ClientHellos are read too (RFC 5246 Appendix E.2), and a resumed session
//! finds the master secret of the full handshake earlier in the capture.
//!
//! The analyser is a passive twin of both peers. It cuts each direction's
//! reassembled bytes into records ([`RecordHeader`], RFC 5246 §6.2.1), puts
//! the records of both directions in capture order (the frame in which each
//! record became complete), and replays them:
//!
//! 1. every record goes through [`RecordLayerState::open`] for its direction,
//!    so the same events as in a live connection come out (`record_out` for
//!    client records, `record_in` for server records, then `mac_input`,
//!    `cbc_padding`, `mac_compared` or `aead_nonce`, `aead_aad`);
//! 2. handshake records go through a [`HandshakeJoiner`] per direction, and
//!    every message into the one [`Transcript`] (RFC 5246 §7.4.9);
//! 3. at ClientKeyExchange (or at ServerHello for a resumed session) the
//!    master secret is taken from the key log by `ClientHello.random` (or
//!    decrypted with the server key, or a resumed session's), the key block
//!    derived with [`compute_key_block`] (SSL 3.0:
//!    [`ssl3::compute_key_block`]), and each direction's [`Protection`]
//!    built with [`Protection::from_key_block_with`] (TLS 1.0: the chained
//!    IV; SSL 3.0: [`Protection::ssl3_from_key_block`]); each
//!    ChangeCipherSpec switches its direction to it, from `seq_num` 0;
//! 4. each Finished is checked with [`prf::compute_verify_data`] over the
//!    transcript hash up to it (SSL 3.0: [`ssl3::compute_finished`]);
//! 5. a record or Finished that fails goes to the explainer
//!    ([`explain::explain_record`], [`explain::explain_finished`]), the same
//!    cause catalogue the live client uses, and the replay goes on with the
//!    next sequence number, so one damaged record does not hide the state of
//!    the rest.

use std::net::SocketAddr;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;

use super::keylog::KeyLog;
use super::tcp::{Stream, TcpConnection};
use crate::crypto::key_block::compute_key_block;
use crate::crypto::prf;
use crate::crypto::rsa_kx;
use crate::crypto::ssl3;
use crate::crypto::suites::{self, KeyExchange, MacAlgorithm, PrfHash, SuiteInfo};
use crate::explain::{self, Cause, Explanation, FailedFinished, FailedRecord, FinishedLabel};
use crate::handshake::transcript::Transcript;
use crate::observer::{Event, Hooks, Observer, RecordView};
use crate::record::{HandshakeJoiner, Protection, RecordLayerState, RecordOptions, MAX_CIPHERTEXT};
use crate::wire::kx_messages::EncryptedPreMasterSecret;
use crate::wire::messages::{find_extension, split_handshake, ClientHello, Finished, ServerHello};
use crate::wire::{
    Alert, CipherSuite, CompressionMethod, ContentType, Direction, ExtensionType, HandshakeType,
    ProtocolVersion, RecordHeader,
};

/// Where the analysis may find a connection's keys: the key log, and the
/// server's private key for RSA key transport.
#[derive(Clone, Debug, Default)]
pub struct KeySources {
    /// The NSS key log (`--keylog`).
    pub keylog: KeyLog,
    /// The server's private key (`--server-key`), for RSA key transport.
    pub server_key: Option<ServerKey>,
}

/// A server private key, as given with `--server-key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKey {
    /// The PEM label: `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY`.
    pub label: String,
    /// The DER bytes.
    pub der: Vec<u8>,
}

impl ServerKey {
    /// Reads the first private key of a PEM file (PKCS#1, PKCS#8 or SEC 1).
    pub fn from_pem(text: &str) -> Result<ServerKey, String> {
        let key = PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| match e {
            rustls_pki_types::pem::Error::NoItemsFound => {
                "no '-----BEGIN ... PRIVATE KEY-----' section: not a PEM private key".to_string()
            }
            e => format!("not a readable PEM private key: {e}"),
        })?;
        let label = match &key {
            PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
            PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
            _ => "PRIVATE KEY",
        };
        Ok(ServerKey {
            label: label.into(),
            der: key.secret_der().to_vec(),
        })
    }
}

/// Where a record sits in the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRef {
    /// Position in the connection, from 1, in capture order over both directions.
    pub index: usize,
    /// Its direction.
    pub direction: Direction,
    /// The frame in which it became complete.
    pub packet: u64,
    /// Stream offset of its header.
    pub stream_offset: u64,
}

/// The first (or any) failure of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The record, if the failure belongs to one.
    pub record: Option<RecordRef>,
    /// Its sequence number, if it was protected.
    pub seq: Option<u64>,
    /// The cause, from the explainer's catalogue.
    pub cause: Cause,
    /// Whether a recomputation (or the bytes themselves) proved the cause.
    pub proven: bool,
    /// Supporting facts.
    pub evidence: Vec<String>,
    /// The explainer's whole report, for a record or Finished that failed.
    pub explanation: Option<Explanation>,
    /// The connection's version: the cause cites its RFC.
    pub version: ProtocolVersion,
}

impl Failure {
    /// A failure the bytes themselves prove (a gap, a malformed message).
    fn proven(record: RecordRef, seq: Option<u64>, cause: Cause, version: ProtocolVersion) -> Failure {
        Failure {
            record: Some(record),
            seq,
            cause,
            proven: true,
            evidence: vec![],
            explanation: None,
            version,
        }
    }

    /// The cause in words, with the section of the connection's RFC it
    /// violates.
    pub fn message(&self) -> String {
        format!(
            "{} ({})",
            self.cause.description(),
            self.cause.rfc_in(self.version)
        )
    }

    /// A failure the explainer explained: its top finding, its facts. `symptom`
    /// names it when the explainer ranks nothing (it then stays unproven).
    fn explained(
        record: RecordRef,
        seq: Option<u64>,
        e: Explanation,
        symptom: Cause,
        mut context: Vec<String>,
    ) -> Failure {
        let top = e.top().cloned();
        let mut evidence = vec![];
        if let Some(top) = &top {
            evidence.push(format!(
                "{}: {}",
                if e.is_certain() {
                    "proven"
                } else {
                    "most plausible"
                },
                top.evidence.what
            ));
        }
        evidence.extend(e.facts.iter().cloned());
        evidence.append(&mut context);
        Failure {
            record: Some(record),
            seq,
            cause: top.map_or(symptom, |f| f.cause),
            proven: e.is_certain(),
            evidence,
            version: e.version,
            explanation: Some(e),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.record, self.seq) {
            (Some(r), Some(seq)) => write!(
                f,
                "record #{} ({}, seq {seq}, frame {}): {}",
                r.index,
                r.direction,
                r.packet,
                self.message()
            ),
            (Some(r), None) => write!(
                f,
                "record #{} ({}, frame {}): {}",
                r.index,
                r.direction,
                r.packet,
                self.message()
            ),
            (None, _) => f.write_str(&self.message()),
        }
    }
}

/// Everything found about one TCP connection.
#[derive(Clone, Debug)]
pub struct ConnectionReport {
    /// The client (the side that sent ClientHello).
    pub client: SocketAddr,
    /// The server.
    pub server: SocketAddr,
    /// The first frame of the connection.
    pub first_packet: u64,
    /// Why the connection was not analysed (not TLS, another TLS version, an
    /// unsupported suite), if it was not.
    pub skipped: Option<String>,
    /// `ClientHello.client_version`.
    pub client_version: Option<ProtocolVersion>,
    /// The negotiated version (ServerHello, or its supported_versions extension).
    pub version: Option<ProtocolVersion>,
    /// The suite the server picked.
    pub suite: Option<CipherSuite>,
    /// `ClientHello.random`.
    pub client_random: Option<[u8; 32]>,
    /// `ServerHello.random`.
    pub server_random: Option<[u8; 32]>,
    /// The extensions of the ServerHello, i.e. those negotiated.
    pub extensions: Vec<ExtensionType>,
    /// extended_master_secret negotiated (RFC 7627).
    pub extended_master_secret: bool,
    /// encrypt_then_mac negotiated (RFC 7366).
    pub encrypt_then_mac: bool,
    /// A resumed session (abbreviated handshake).
    pub resumed: bool,
    /// Where the master secret came from.
    pub master_secret_source: Option<String>,
    /// Records, per direction `[client->server, server->client]`.
    pub records: [u64; 2],
    /// Protected records, per direction.
    pub protected: [u64; 2],
    /// Protected records whose MAC or tag verified, per direction.
    pub verified: [u64; 2],
    /// Protected records that could not be opened for want of keys.
    pub undecrypted: [u64; 2],
    /// The verdict on each Finished: `None` if not checked.
    pub finished_ok: [Option<bool>; 2],
    /// Application data bytes decrypted, per direction.
    pub application_data: [u64; 2],
    /// Every failure, in capture order.
    pub failures: Vec<Failure>,
    /// Everything else worth knowing, one sentence each.
    pub notes: Vec<String>,
    /// Sessions this connection established whose master secret is known,
    /// by session_id and by session ticket: later connections of the capture
    /// that resume them find their keys here.
    pub sessions: Vec<(Vec<u8>, [u8; 48])>,
}

impl ConnectionReport {
    fn new(conn: &TcpConnection) -> ConnectionReport {
        ConnectionReport {
            client: conn.client,
            server: conn.server,
            first_packet: conn.first_packet,
            skipped: None,
            client_version: None,
            version: None,
            suite: None,
            client_random: None,
            server_random: None,
            extensions: vec![],
            extended_master_secret: false,
            encrypt_then_mac: false,
            resumed: false,
            master_secret_source: None,
            records: [0; 2],
            protected: [0; 2],
            verified: [0; 2],
            undecrypted: [0; 2],
            finished_ok: [None; 2],
            application_data: [0; 2],
            failures: vec![],
            notes: vec![],
            sessions: vec![],
        }
    }

    /// The failures after the first that are proven to be only a
    /// consequence of an earlier one (a bit flipped in the last block of a
    /// record, which is the next record's IV under SSL 3.0 and TLS 1.0).
    pub fn follow_on_failures(&self) -> impl Iterator<Item = &Failure> {
        self.failures
            .iter()
            .skip(1)
            .filter(|f| f.proven && matches!(f.cause, Cause::IvChangedByPreviousFlip { .. }))
    }

    /// The first failure, if any.
    pub fn first_failure(&self) -> Option<&Failure> {
        self.failures.first()
    }

    /// Whether the connection was analysed and every protected record and
    /// both Finished messages verified.
    pub fn all_verified(&self) -> bool {
        self.skipped.is_none()
            && self.failures.is_empty()
            && self.undecrypted == [0, 0]
            && self.finished_ok.iter().all(|f| *f != Some(false))
    }
}

/// Index of a direction in the `[client->server, server->client]` arrays.
fn idx(d: Direction) -> usize {
    match d {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

const DIRECTIONS: [Direction; 2] = [Direction::ClientToServer, Direction::ServerToClient];

/// Whether `data` starts with a TLS record carrying a ClientHello.
fn starts_with_client_hello(data: &[u8]) -> bool {
    matches!(data, [22, 3, _, _, _, 1, ..])
}

/// An SSLv2-format ClientHello (RFC 5246 Appendix E.2): a 2-byte length with
/// the top bit set, message type 1, then the highest version offered.
fn sslv2_client_hello(data: &[u8]) -> Option<ProtocolVersion> {
    match data {
        [h, _, 1, major, minor, ..] if h & 0x80 != 0 => {
            Some(ProtocolVersion(u16::from_be_bytes([*major, *minor])))
        }
        _ => None,
    }
}

/// A whole SSLv2-format ClientHello, as old clients sent to reach SSL 3.0
/// and TLS 1.0 servers (RFC 2246 Appendix E.1, RFC 5246 Appendix E.2):
///
/// ```text
/// msg_length(2, top bit set) msg_type(1) = 1  version(2)
/// cipher_spec_length(2) session_id_length(2) challenge_length(2)
/// cipher_specs(3 each) session_id challenge(16..32)
/// ```
///
/// Returns the hello as a TLS ClientHello (the challenge, left-padded with
/// zeros to 32 bytes, is `ClientHello.random`; only the 3-byte cipher specs
/// whose first byte is 0 name TLS suites), the message bytes the transcript
/// hashes (from `msg_type` on, without the 2-byte length), and the length
/// of the whole record.
fn parse_sslv2_client_hello(data: &[u8]) -> Option<(ClientHello, Vec<u8>, usize)> {
    let [h0, h1, rest @ ..] = data else {
        return None;
    };
    if h0 & 0x80 == 0 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([h0 & 0x7f, *h1]));
    let msg = rest.get(..len)?;
    let u16_at = |i: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([*msg.get(i)?, *msg.get(i + 1)?])))
    };
    if msg.first() != Some(&1) {
        return None;
    }
    let version = ProtocolVersion(u16::try_from(u16_at(1)?).ok()?);
    let (specs_len, sid_len, challenge_len) = (u16_at(3)?, u16_at(5)?, u16_at(7)?);
    if !specs_len.is_multiple_of(3) || !(16..=32).contains(&challenge_len) {
        return None;
    }
    let specs = msg.get(9..9 + specs_len)?;
    let session_id = msg.get(9 + specs_len..9 + specs_len + sid_len)?.to_vec();
    let challenge = msg.get(9 + specs_len + sid_len..9 + specs_len + sid_len + challenge_len)?;
    if 9 + specs_len + sid_len + challenge_len != len {
        return None;
    }
    let mut random = [0u8; 32];
    random[32 - challenge_len..].copy_from_slice(challenge);
    let cipher_suites = specs
        .chunks_exact(3)
        .filter(|c| c[0] == 0)
        .map(|c| CipherSuite(u16::from_be_bytes([c[1], c[2]])))
        .collect();
    let hello = ClientHello {
        client_version: version,
        random,
        session_id,
        cipher_suites,
        compression_methods: vec![CompressionMethod(0)],
        extensions: None,
    };
    Some((hello, msg.to_vec(), 2 + len))
}

fn version_name(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::SSL3 => "SSLv3 (0x0300)".into(),
        ProtocolVersion::TLS10 => "TLS 1.0 (0x0301)".into(),
        ProtocolVersion::TLS11 => "TLS 1.1 (0x0302)".into(),
        ProtocolVersion::TLS12 => "TLS 1.2 (0x0303)".into(),
        ProtocolVersion::TLS13 => "TLS 1.3 (0x0304)".into(),
        other => format!("unknown version {other}"),
    }
}

/// An IV a broken chain may have used, named by where it comes from.
type NamedIv = (String, [u8; 16]);

/// One record cut from a stream.
struct Cut {
    dir: Direction,
    offset: u64,
    header: RecordHeader,
    packet: u64,
}

/// Something that happens at a point of the capture.
enum Step {
    Record(Cut),
    /// The stream of `dir` cannot be read past here.
    Stop {
        dir: Direction,
        cause: Cause,
        packet: u64,
        offset: u64,
    },
}

impl Step {
    fn packet(&self) -> u64 {
        match self {
            Step::Record(c) => c.packet,
            Step::Stop { packet, .. } => *packet,
        }
    }
}

/// Cuts one direction into records; a gap or bytes that are not a record end it.
fn cut_records(dir: Direction, s: &Stream, from: usize, steps: &mut Vec<Step>, notes: &mut Vec<String>) {
    let data = &s.data;
    let mut at = from;
    while at < data.len() {
        let packet = s.completed_by(at as u64, at as u64 + 1);
        let Some(head) = data.get(at..at + 5) else {
            if s.gaps.is_empty() {
                notes.push(format!(
                    "{dir} stream ends inside a record header at offset {at} ({} bytes)",
                    data.len() - at
                ));
            }
            break;
        };
        let header = RecordHeader::decode(&[head[0], head[1], head[2], head[3], head[4]]);
        if !(20..=24).contains(&header.content_type.0) || head[1] != 3 {
            steps.push(Step::Stop {
                dir,
                cause: Cause::Malformed {
                    what: format!(
                        "{dir} bytes at stream offset {at} are not a TLS record header: {}",
                        hex::encode(head)
                    ),
                },
                packet,
                offset: at as u64,
            });
            return;
        }
        let len = usize::from(header.length);
        if len > MAX_CIPHERTEXT {
            steps.push(Step::Stop {
                dir,
                cause: Cause::Malformed {
                    what: format!(
                        "{dir} record at stream offset {at} announces {len} bytes, more than 2^14 + 2048 (RFC 5246 §6.2.3)"
                    ),
                },
                packet,
                offset: at as u64,
            });
            return;
        }
        let end = at + 5 + len;
        if end > data.len() {
            if s.gaps.is_empty() {
                notes.push(format!(
                    "{dir} stream ends inside a record: {} of its {} bytes were captured",
                    data.len() - at,
                    5 + len
                ));
            }
            break;
        }
        steps.push(Step::Record(Cut {
            dir,
            offset: at as u64,
            header,
            packet: s.completed_by(at as u64, end as u64),
        }));
        at = end;
    }
    if let Some(g) = s.gaps.first() {
        steps.push(Step::Stop {
            dir,
            cause: Cause::TcpGap {
                offset: g.offset,
                len: g.len,
            },
            packet: g.next_packet,
            offset: g.offset,
        });
    }
}

/// Maps the record layer's `record_in` to `record_out` for client records, so
/// the stream reads as the client's own trace (`out` = client to server).
struct AsClientTrace<'a> {
    tap: &'a mut dyn Observer,
    dir: Direction,
}

impl Observer for AsClientTrace<'_> {
    fn on_event(&mut self, event: &Event<'_>) {
        match (event, self.dir) {
            (Event::RecordIn(v), Direction::ClientToServer) => self.tap.on_event(&Event::RecordOut(*v)),
            _ => self.tap.on_event(event),
        }
    }
}

#[derive(Default)]
struct Side {
    layer: Option<RecordLayerState>,
    joiner: HandshakeJoiner,
    /// The protection the next ChangeCipherSpec installs.
    pending: Option<Protection>,
    /// A ChangeCipherSpec was seen but no keys are known: records stay opaque.
    opaque: bool,
    /// The stream cannot be read further.
    stopped: bool,
    /// Protected records verified since the last ChangeCipherSpec.
    verified_since_ccs: u64,
    /// CBC below TLS 1.2: the last ciphertext block of each protected record
    /// since ChangeCipherSpec, with its record number: the links of the IV
    /// chain (RFC 2246 §6.2.3.2), for the explainer's "wrong IV chain".
    last_blocks: Vec<(usize, [u8; 16])>,
    /// SSL 3.0 / TLS 1.0: the previous record's index and its last 16
    /// ciphertext bytes with the bit the explainer found flipped restored,
    /// when that bit lies in its last block (the next record's IV).
    flip_in_last_block: Option<(usize, [u8; 16])>,
    /// The plaintext length of the previous record when it was application
    /// data (`None` after any other record): a split shows as a 1-byte or
    /// empty record followed at once by more data.
    last_application_data: Option<usize>,
    /// Writes split 1/n-1: a 1-byte application data record, then more.
    split_one_n_minus_one: u64,
    /// Writes preceded by an empty application data record (0/n split).
    split_empty_first: u64,
}

struct Analyzer<'s, 'o> {
    secrets: &'s KeySources,
    tap: &'o mut dyn Observer,
    sides: [Side; 2],
    transcript: Transcript,
    client_hello: Option<ClientHello>,
    server_hello: Option<ServerHello>,
    suite: Option<&'static SuiteInfo>,
    /// The negotiated version: it decides the key schedule, the record
    /// protection and the Finished computation.
    version: ProtocolVersion,
    master_secret: Option<[u8; 48]>,
    /// Why records cannot be decrypted, when keys are missing.
    no_keys_reason: Option<String>,
    /// Handshake messages seen but not hashed (HelloRequest, RFC 5246 §7.4.1.1).
    unhashed: Vec<(HandshakeType, Vec<u8>)>,
    record_index: usize,
    done: bool,
    report: ConnectionReport,
}

/// Analyses one TCP connection. Events go to `observer` as the replay
/// produces them; the report sums them up.
pub fn analyze_connection(
    conn: &TcpConnection,
    secrets: &KeySources,
    observer: &mut dyn Observer,
) -> ConnectionReport {
    // The client is whoever sent the ClientHello, whatever the SYN said
    // (copied only then: the streams may be the whole capture).
    let hello = |d: &[u8]| starts_with_client_hello(d) || parse_sslv2_client_hello(d).is_some();
    let swapped;
    let conn = if !hello(&conn.streams[0].data) && hello(&conn.streams[1].data) {
        let mut c = conn.clone();
        c.swap_roles();
        swapped = c;
        &swapped
    } else {
        conn
    };
    let mut report = ConnectionReport::new(conn);
    for (d, s) in DIRECTIONS.iter().zip(&conn.streams) {
        for c in s.conflicts.iter().take(3) {
            report.notes.push(format!(
                "{d}: frame {} retransmits stream offset {} with different bytes (the first copy is used)",
                c.packet, c.offset
            ));
        }
    }
    let c2s = &conn.streams[0].data;
    let s2c = &conn.streams[1].data;
    // An SSLv2-format ClientHello answered by an SSL 3.0 or TLS server.
    let v2_hello = parse_sslv2_client_hello(c2s).filter(|_| matches!(s2c.as_slice(), [22, 3, ..] | []));
    if !starts_with_client_hello(c2s) && v2_hello.is_none() {
        report.skipped = Some(
            if let Some(v) = sslv2_client_hello(c2s).or(sslv2_client_hello(s2c)) {
                format!(
                    "SSLv2-format ClientHello offering up to {}: not analysed",
                    version_name(v)
                )
            } else if c2s.is_empty() && s2c.is_empty() {
                "no payload in either direction".into()
            } else if matches!(c2s.as_slice(), [20..=23, 3, ..]) || matches!(s2c.as_slice(), [20..=23, 3, ..])
            {
                "TLS records, but the capture starts after the handshake (no ClientHello): without it there is no client random to find keys by"
                .into()
            } else {
                let first = if c2s.is_empty() { s2c } else { c2s };
                format!(
                    "not TLS: no ClientHello; first bytes {:?}",
                    String::from_utf8_lossy(&first[..first.len().min(16)])
                )
            },
        );
        return report;
    }
    let mut steps = vec![];
    let c2s_from = v2_hello.as_ref().map_or(0, |(_, _, len)| *len);
    for ((d, s), from) in DIRECTIONS.iter().zip(&conn.streams).zip([c2s_from, 0]) {
        cut_records(*d, s, from, &mut steps, &mut report.notes);
    }
    // Capture order: by the frame that completed each record; within a frame
    // (and direction), stream order. The sort is stable.
    steps.sort_by_key(|s| s.packet());
    let mut a = Analyzer {
        secrets,
        tap: observer,
        sides: [Side::default(), Side::default()],
        transcript: Transcript::new(),
        client_hello: None,
        server_hello: None,
        suite: None,
        version: ProtocolVersion::TLS12,
        master_secret: None,
        no_keys_reason: None,
        unhashed: vec![],
        record_index: 0,
        done: false,
        report,
    };
    a.sides[0].layer = Some(RecordLayerState::new(Direction::ClientToServer));
    a.sides[1].layer = Some(RecordLayerState::new(Direction::ServerToClient));
    if let Some((hello, raw, len)) = v2_hello {
        let packet = conn.streams[0].completed_by(0, len as u64);
        a.sslv2_client_hello(hello, &raw, packet);
    }
    for step in steps {
        if a.done {
            break;
        }
        match step {
            Step::Record(cut) => {
                let s = &conn.streams[idx(cut.dir)];
                let start = cut.offset as usize + 5;
                let payload = &s.data[start..start + usize::from(cut.header.length)];
                a.record(&cut, payload);
            }
            Step::Stop {
                dir,
                cause,
                packet,
                offset,
            } => {
                let side = &mut a.sides[idx(dir)];
                if side.stopped {
                    continue;
                }
                side.stopped = true;
                a.record_index += 1;
                let seq = side.layer.as_ref().filter(|l| l.is_protected()).map(|l| l.seq);
                let record = RecordRef {
                    index: a.record_index,
                    direction: dir,
                    packet,
                    stream_offset: offset,
                };
                a.report
                    .failures
                    .push(Failure::proven(record, seq, cause, a.version));
            }
        }
    }
    a.finish()
}

impl Analyzer<'_, '_> {
    /// An SSLv2-format ClientHello (RFC 5246 Appendix E.2): not a TLS
    /// record, but a ClientHello all the same. Its message bytes, from
    /// msg_type on, are what both sides hash into the Finished transcript.
    fn sslv2_client_hello(&mut self, hello: ClientHello, raw: &[u8], packet: u64) {
        self.record_index += 1;
        self.report.records[0] += 1;
        self.tap.on_event(&Event::HandshakeOut {
            typ: HandshakeType::CLIENT_HELLO,
            raw,
        });
        self.report.notes.push(format!(
            "the ClientHello (frame {packet}) is in SSLv2 format (RFC 5246 Appendix E.2), offering up to {}: its challenge, left-padded with zeros, is the client random",
            version_name(hello.client_version)
        ));
        self.report.client_version = Some(hello.client_version);
        self.report.client_random = Some(hello.random);
        self.client_hello = Some(hello);
        self.append(HandshakeType::CLIENT_HELLO, raw);
    }

    /// The explainer's view of the connection's secrets, as far as known.
    fn explain_secrets(&self) -> Option<explain::Secrets> {
        let mut secrets = explain::Secrets::new(
            self.suite?,
            self.report.client_random?,
            self.report.server_random?,
        );
        secrets.master_secret = self.master_secret;
        secrets.version = self.version;
        secrets.extended_master_secret = self.report.extended_master_secret;
        secrets.encrypt_then_mac = self.report.encrypt_then_mac;
        secrets.handshake_messages = self.handshake_messages();
        Some(secrets)
    }

    fn handshake_messages(&self) -> Vec<(HandshakeType, Vec<u8>)> {
        self.transcript
            .message_list()
            .into_iter()
            .map(|(t, m)| (t, m.to_vec()))
            .collect()
    }

    /// Whether records of this connection may carry (or be expected to
    /// carry) a chained IV: CBC under SSL 3.0, TLS 1.0, and TLS 1.1 (whose
    /// records a TLS 1.0-style sender may chain by mistake).
    fn chains_ivs(&self) -> bool {
        matches!(
            self.version,
            ProtocolVersion::SSL3 | ProtocolVersion::TLS10 | ProtocolVersion::TLS11
        ) && self.suite.is_some_and(|s| s.cipher.block_len() > 0)
    }

    /// For record `index` from `dir`: the last ciphertext block of the
    /// sender's previous protected record (the IV the chain gives), and the
    /// other links a broken chain may have used instead, named: earlier
    /// records' last blocks and the other direction's chain.
    fn iv_chain_context(&self, dir: Direction, index: usize) -> (Option<[u8; 16]>, Vec<NamedIv>) {
        if !self.chains_ivs() {
            return (None, vec![]);
        }
        let own = &self.sides[idx(dir)].last_blocks;
        let previous = own.last().map(|(_, b)| *b);
        let mut others = vec![];
        // Up to eight records further back: a sender whose chain lags.
        for (i, (n, block)) in own.iter().rev().enumerate().skip(1).take(8) {
            others.push((
                format!(
                    "the last ciphertext block of record #{n}, {} {dir} records before this one (#{index})",
                    i + 1
                ),
                *block,
            ));
        }
        let od = match dir {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        };
        if let Some((n, block)) = self.sides[idx(od)].last_blocks.last() {
            others.push((
                format!("the {od} chain (the last ciphertext block of record #{n})"),
                *block,
            ));
        }
        (previous, others)
    }

    /// SSL 3.0 and TLS 1.0 chain each record's IV from the previous
    /// record's last ciphertext block: a bit proven flipped in that block
    /// (`payload` is the record as received) garbles the next record too.
    /// Returns the record's index and its last 16 ciphertext bytes with the
    /// bit restored, the IV the next record is tried under.
    fn flip_in_last_block(
        &self,
        explanation: &Explanation,
        payload: &[u8],
        index: usize,
    ) -> Option<(usize, [u8; 16])> {
        if !matches!(self.version, ProtocolVersion::SSL3 | ProtocolVersion::TLS10) {
            return None;
        }
        let suite = self.suite?;
        let explain::Verdict::Certain(Cause::CorruptedInTransit { bit: Some(p) }) = &explanation.verdict
        else {
            return None;
        };
        // Encrypt-then-MAC (RFC 7366 §3): the MAC follows the ciphertext.
        let mac_len = if self.report.encrypt_then_mac {
            suite.mac.len()
        } else {
            0
        };
        let ciphertext_len = payload.len().checked_sub(mac_len)?;
        let block = suite.cipher.block_len();
        if block == 0 || p.byte >= ciphertext_len || p.byte + block < ciphertext_len {
            return None;
        }
        let mut last: [u8; 16] = *payload[..ciphertext_len].last_chunk::<16>()?;
        last[p.byte + 16 - ciphertext_len] ^= 1 << p.bit;
        Some((index, last))
    }

    /// What the capture adds to the explainer's findings about a failed
    /// record: where it sits among the sender's records.
    fn record_context(&self, cut: &Cut, seq: u64, verified_before: u64) -> Vec<String> {
        let d = cut.dir;
        let mut context = vec![if verified_before > 0 {
            format!(
                "{verified_before} earlier {d} record(s) verified under the same keys, so the keys are right: the bytes of this record were changed (in transit, by a middlebox, or in the capture file)"
            )
        } else {
            format!(
                "this is the first protected {d} record: a wrong master secret (a key log line of another connection, or a sender that derived other keys) fails exactly here"
            )
        }];
        if cut.header.content_type == ContentType::HANDSHAKE && seq == 0 {
            context
                .push("the record is the encrypted Finished message, which cannot be checked either".into());
        }
        context
    }

    fn malformed(&mut self, record: RecordRef, what: String) {
        let failure = Failure::proven(record, None, Cause::Malformed { what }, self.version);
        self.report.failures.push(failure);
        self.sides[idx(record.direction)].stopped = true;
    }

    fn record(&mut self, cut: &Cut, wire_payload: &[u8]) {
        let di = idx(cut.dir);
        if self.sides[di].stopped {
            return;
        }
        self.record_index += 1;
        let rref = RecordRef {
            index: self.record_index,
            direction: cut.dir,
            packet: cut.packet,
            stream_offset: cut.offset,
        };
        self.report.records[di] += 1;
        let Some(mut layer) = self.sides[di].layer.take() else {
            return;
        };
        let protected = layer.is_protected() || self.sides[di].opaque;
        if protected {
            self.report.protected[di] += 1;
        }
        if self.sides[di].opaque {
            // Keys unknown: show the record as captured, count it, move on.
            let header = cut.header.encode();
            let view = RecordView {
                content_type: cut.header.content_type,
                version: cut.header.version,
                header: &header,
                payload: wire_payload,
                seq: layer.seq,
                protected: true,
            };
            let event = match cut.dir {
                Direction::ClientToServer => Event::RecordOut(view),
                Direction::ServerToClient => Event::RecordIn(view),
            };
            self.tap.on_event(&event);
            self.report.undecrypted[di] += 1;
            layer.seq += 1;
            self.sides[di].layer = Some(layer);
            return;
        }
        let seq = layer.seq;
        // RC4: where the sender's key stream stood before this record.
        let stream_position = match &layer.protection {
            Protection::Legacy(l) => l.stream_position(),
            _ => 0,
        };
        let mut payload = wire_payload.to_vec();
        let opened = {
            let mut trace = AsClientTrace {
                tap: &mut *self.tap,
                dir: cut.dir,
            };
            let mut hooks = Hooks::new(&mut trace);
            layer.open(&cut.header, &mut payload, &mut hooks)
        };
        let verified_before = self.sides[di].verified_since_ccs;
        self.sides[di].layer = Some(layer);
        let (previous_last_block, other_ivs) = self.iv_chain_context(cut.dir, rref.index);
        // A flip found in the previous record's last block: that record is
        // still the last link of the chain (nothing came between).
        let previous_flip = self.sides[di]
            .flip_in_last_block
            .take()
            .filter(|(n, _)| self.sides[di].last_blocks.last().is_some_and(|(m, _)| m == n))
            .map(|(n, restored_last_block)| explain::PreviousFlip {
                record: format!("{} record #{}", cut.dir, rref.index),
                previous: format!("record #{n}"),
                restored_last_block,
            });
        if protected && self.chains_ivs() {
            // With encrypt-then-MAC (RFC 7366 §3) the MAC follows the
            // ciphertext in the clear: the chain's link is the last
            // ciphertext block before it. (An 8-byte cipher's link is the
            // tail of these 16 bytes.)
            let mac_len = match self.suite {
                Some(s) if self.report.encrypt_then_mac => s.mac.len(),
                _ => 0,
            };
            let ciphertext = &wire_payload[..wire_payload.len().saturating_sub(mac_len)];
            if let Some(last) = ciphertext.last_chunk::<16>() {
                self.sides[di].last_blocks.push((rref.index, *last));
            }
        }
        if let Err(e) = opened {
            let secrets = self
                .explain_secrets()
                .filter(|_| protected && self.master_secret.is_some());
            let mut wire = cut.header.encode().to_vec();
            wire.extend_from_slice(wire_payload);
            let failed = FailedRecord::from_wire(cut.dir, seq, &wire);
            let (Some(secrets), Some(mut failed)) = (secrets, failed) else {
                self.malformed(rref, e.to_string());
                return;
            };
            // Hand-off point: a record that failed, with everything known
            // about it, goes to the cause catalogue (hypothesis testing).
            failed.previous_records_ok = verified_before;
            failed.previous_last_block = previous_last_block;
            failed.other_ivs = other_ivs;
            failed.stream_position = stream_position;
            failed.previous_flip = previous_flip;
            let explanation = explain::explain_record(&secrets, &failed);
            self.sides[di].flip_in_last_block =
                self.flip_in_last_block(&explanation, wire_payload, rref.index);
            let context = if explanation.is_certain() {
                vec![]
            } else {
                self.record_context(cut, seq, verified_before)
            };
            self.report.failures.push(Failure::explained(
                rref,
                Some(seq),
                explanation,
                Cause::KeysDiffer,
                context,
            ));
            // The sender used up this sequence number: carry on with the next.
            if let Some(l) = self.sides[di].layer.as_mut() {
                l.seq += 1;
            }
            if cut.header.content_type == ContentType::HANDSHAKE {
                self.report.notes.push(format!(
                    "{} handshake record #{} could not be decrypted: its messages are lost",
                    cut.dir, rref.index
                ));
            }
            return;
        }
        if let (Some(flip), Some(received)) = (&previous_flip, previous_last_block) {
            // Encrypt-then-MAC authenticates the ciphertext, not TLS 1.0's
            // chained IV: the record verifies, and the bit flipped in its IV
            // is flipped in its first plaintext block (CBC: P1 = D(C1) ⊕ IV).
            if let Some(j) = (0..16).find(|&j| flip.restored_last_block[j] != received[j]) {
                let block = self.suite.map_or(16, |s| s.cipher.block_len());
                let diff = flip.restored_last_block[j] ^ received[j];
                self.report.notes.push(format!(
                    "{} verifies, yet bit {} of its plaintext byte {} is flipped: its IV, the last block of {}, carries the bit flipped there, and encrypt-then-MAC authenticates the ciphertext, not the chained IV (RFC 7366 §3, RFC 2246 §6.2.3.2)",
                    flip.record,
                    diff.trailing_zeros(),
                    j + block - 16,
                    flip.previous
                ));
            }
        }
        if protected {
            self.report.verified[di] += 1;
            self.sides[di].verified_since_ccs += 1;
        }
        if cut.header.content_type != ContentType::APPLICATION_DATA {
            self.sides[di].last_application_data = None;
        }
        match cut.header.content_type {
            ContentType::CHANGE_CIPHER_SPEC => self.change_cipher_spec(rref, &payload),
            ContentType::ALERT => match Alert::decode(&payload) {
                Ok(alert) => {
                    self.tap.on_event(&match cut.dir {
                        Direction::ClientToServer => Event::AlertSent(alert),
                        Direction::ServerToClient => Event::AlertReceived(alert),
                    });
                    self.report.notes.push(format!("{} alert: {alert}", cut.dir));
                }
                Err(e) => self.malformed(rref, format!("alert: {e}")),
            },
            ContentType::HANDSHAKE => {
                self.sides[di].joiner.push(&payload);
                loop {
                    match self.sides[di].joiner.next_message() {
                        Ok(Some(raw)) => self.handshake_message(rref, &raw),
                        Ok(None) => break,
                        Err(e) => {
                            self.malformed(rref, e.to_string());
                            break;
                        }
                    }
                    if self.done || self.sides[di].stopped {
                        break;
                    }
                }
            }
            ContentType::APPLICATION_DATA => {
                let side = &mut self.sides[di];
                match (side.last_application_data, payload.is_empty()) {
                    (Some(1), false) => side.split_one_n_minus_one += 1,
                    (Some(0), false) => side.split_empty_first += 1,
                    _ => {}
                }
                side.last_application_data = Some(payload.len());
                self.report.application_data[di] += payload.len() as u64;
                self.tap.on_event(&Event::ApplicationData {
                    direction: cut.dir,
                    data: &payload,
                });
            }
            other => self.report.notes.push(format!(
                "{} record #{} of content type {other} ignored",
                cut.dir, rref.index
            )),
        }
    }

    /// ChangeCipherSpec (RFC 5246 §7.1): the sender's next records use the
    /// pending keys, from seq_num 0.
    fn change_cipher_spec(&mut self, rref: RecordRef, body: &[u8]) {
        let di = idx(rref.direction);
        if body != [1] {
            self.malformed(
                rref,
                format!(
                    "ChangeCipherSpec body {} (must be the single byte 01)",
                    hex::encode(body)
                ),
            );
            return;
        }
        if !self.sides[di].joiner.is_empty() {
            self.report.notes.push(format!(
                "{}: ChangeCipherSpec interrupts a fragmented handshake message (RFC 5246 §6.2.1 forbids this)",
                rref.direction
            ));
        }
        self.sides[di].verified_since_ccs = 0;
        self.sides[di].last_blocks.clear();
        match self.sides[di].pending.take() {
            Some(p) => {
                if let Some(l) = self.sides[di].layer.as_mut() {
                    l.change_protection(p);
                }
            }
            None => {
                self.sides[di].opaque = true;
                if let Some(l) = self.sides[di].layer.as_mut() {
                    l.seq = 0;
                }
                let why = self
                    .no_keys_reason
                    .clone()
                    .unwrap_or_else(|| "no keys were derived before it".into());
                self.report.notes.push(format!(
                    "{} records after ChangeCipherSpec (record #{}) are not decrypted: {why}",
                    rref.direction, rref.index
                ));
            }
        }
    }

    fn handshake_message(&mut self, rref: RecordRef, raw: &[u8]) {
        let dir = rref.direction;
        let (typ, body) = match split_handshake(raw) {
            Ok(x) => x,
            Err(e) => return self.malformed(rref, format!("handshake message: {e}")),
        };
        let raw_event = match dir {
            Direction::ClientToServer => Event::HandshakeOut { typ, raw },
            Direction::ServerToClient => Event::HandshakeIn { typ, raw },
        };
        self.tap.on_event(&raw_event);
        match typ {
            // RFC 5246 §7.4.1.1: HelloRequest is not part of the transcript.
            HandshakeType::HELLO_REQUEST => {
                self.unhashed.push((typ, raw.to_vec()));
                self.report
                    .notes
                    .push("the server asked for renegotiation (HelloRequest)".into());
                return;
            }
            HandshakeType::CLIENT_HELLO => {
                if self.client_hello.is_some() {
                    self.report.notes.push(format!(
                        "record #{}: a second ClientHello (renegotiation): the renegotiated handshake is not analysed",
                        rref.index
                    ));
                    self.done = true;
                    return;
                }
                let ch = match ClientHello::decode(body) {
                    Ok(ch) => ch,
                    Err(e) => return self.malformed(rref, format!("ClientHello: {e}")),
                };
                self.report.client_version = Some(ch.client_version);
                self.report.client_random = Some(ch.random);
                self.client_hello = Some(ch);
            }
            HandshakeType::SERVER_HELLO => {
                if self.server_hello.is_some() {
                    self.done = true;
                    return;
                }
                let sh = match ServerHello::decode(body) {
                    Ok(sh) => sh,
                    Err(e) => return self.malformed(rref, format!("ServerHello: {e}")),
                };
                if !self.server_hello(sh, raw) {
                    self.done = true;
                }
                return;
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                // The session hash of RFC 7627 §3 includes ClientKeyExchange.
                self.append(typ, raw);
                if self.master_secret.is_none() {
                    self.derive_keys(Some(body));
                }
                return;
            }
            // RFC 5077 §3.3: a ticket a later connection may resume with.
            HandshakeType::NEW_SESSION_TICKET => {
                let ticket = body
                    .get(4..6)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                    .and_then(|n| body.get(6..6 + n));
                if let (Some(t), Some(ms)) = (ticket, self.master_secret) {
                    self.report.sessions.push((t.to_vec(), ms));
                }
            }
            HandshakeType::FINISHED => {
                self.finished(rref, body);
                self.append(typ, raw);
                return;
            }
            _ => {}
        }
        self.append(typ, raw);
    }

    fn append(&mut self, typ: HandshakeType, raw: &[u8]) {
        let mut hooks = Hooks::new(&mut *self.tap);
        self.transcript.append(typ, raw, &mut hooks);
    }

    /// ServerHello: version, suite, extensions. `false` stops the analysis.
    fn server_hello(&mut self, sh: ServerHello, raw: &[u8]) -> bool {
        // TLS 1.3 keeps 0x0303 in server_version and names itself in
        // supported_versions (RFC 8446 §4.1.3, §4.2.1).
        let version = find_extension(&sh.extensions, ExtensionType::SUPPORTED_VERSIONS)
            .and_then(|e| <[u8; 2]>::try_from(e.data.as_slice()).ok())
            .map(|b| ProtocolVersion(u16::from_be_bytes(b)))
            .unwrap_or(sh.server_version);
        self.report.version = Some(version);
        self.report.server_random = Some(sh.random);
        self.report.suite = Some(sh.cipher_suite);
        self.report.extensions = sh.extensions.iter().flatten().map(|e| e.typ).collect();
        if !analysed(version) {
            let cr_has_13 = self
                .report
                .client_random
                .is_some_and(|cr| self.secrets.keylog.has_tls13_secrets(&cr));
            self.report.skipped = Some(match version {
                ProtocolVersion::TLS13 => format!(
                    "{} connection: only TLS 1.2 is analysed (TLS 1.3 derives its keys with HKDF from traffic secrets{})",
                    version_name(version),
                    if cr_has_13 { "; the key log has them, but this analyser does not use them" } else { "" }
                ),
                ProtocolVersion::TLS10 | ProtocolVersion::TLS11 => format!(
                    "{} connection: only TLS 1.2 is analysed (TLS 1.0/1.1 use an MD5+SHA-1 PRF and, in 1.0, implicit CBC IVs)",
                    version_name(version)
                ),
                _ => format!(
                    "{} connection: only SSL 3.0 to TLS 1.2 are analysed",
                    version_name(version)
                ),
            });
            return false;
        }
        // Old captures often carry RC4, DES, 3DES and NULL suites: the
        // analysis-only rows open them (the client never offers them).
        let Some(suite) = suites::lookup_for_analysis(sh.cipher_suite) else {
            let name = sh.cipher_suite.name().unwrap_or("an unknown suite");
            // What is left (export grades, IDEA, Camellia, SEED, PSK, anonymous
            // key exchange): named, not guessed.
            let why = format!(
                "{name} ({}) is not in this build's suite tables (`tlslab suites`: AES-CBC with SHA-1, SHA-256 \
                 or SHA-384, AES-GCM and ChaCha20-Poly1305; for captures also RC4, DES, 3DES and NULL with MD5 or SHA-1); \
                 its records cannot be opened",
                sh.cipher_suite
            );
            self.report.skipped = Some(why);
            return false;
        };
        if version == ProtocolVersion::SSL3
            && (suite.is_aead() || !matches!(suite.mac, MacAlgorithm::HmacSha1 | MacAlgorithm::HmacMd5))
        {
            self.report.skipped = Some(format!(
                "SSLv3 (0x0300) connection with {}, a suite SSL 3.0 cannot have (it has no AEAD ciphers and no SHA-256/SHA-384 MACs)",
                suite.name()
            ));
            return false;
        }
        // RFC 3749 DEFLATE (old OpenSSL peers negotiated it by default): the
        // MACs cover compressed fragments, the messages inside need inflating.
        if sh.compression_method != CompressionMethod(0) {
            self.report.skipped = Some(format!(
                "{} connection with compression method {} (1 is DEFLATE, RFC 3749): its records carry compressed data, which this analyser does not inflate",
                version_name(version),
                sh.compression_method.0
            ));
            return false;
        }
        if suites::is_legacy(version) && !suite.allowed_in(version) {
            self.report.skipped = Some(format!(
                "{} connection with {}, a suite that version cannot have (only the CBC and stream suites with MD5 or SHA-1 exist before TLS 1.2)",
                version_name(version),
                suite.name()
            ));
            return false;
        }
        self.version = version;
        self.suite = Some(suite);
        // SSL 3.0's Finished hashes the raw messages itself; its running
        // hash is shown as MD5 ‖ SHA-1, the two hashes it combines.
        self.transcript.set_hash(if version == ProtocolVersion::SSL3 {
            PrfHash::Md5Sha1
        } else {
            suite.prf_for(version)
        });
        self.report.extended_master_secret =
            find_extension(&sh.extensions, ExtensionType::EXTENDED_MASTER_SECRET).is_some();
        self.report.encrypt_then_mac =
            find_extension(&sh.extensions, ExtensionType::ENCRYPT_THEN_MAC).is_some();
        let resumed = self
            .client_hello
            .as_ref()
            .is_some_and(|ch| !sh.session_id.is_empty() && ch.session_id == sh.session_id);
        self.report.resumed = resumed;
        self.server_hello = Some(sh);
        self.append(HandshakeType::SERVER_HELLO, raw);
        if resumed {
            // Abbreviated handshake (RFC 5246 §7.3): the master secret is the
            // resumed session's; the key log line for this client_random has it.
            self.report.notes.push(
                "session resumed (abbreviated handshake): the master secret comes from the earlier session"
                    .into(),
            );
            self.derive_keys(None);
        }
        true
    }

    /// The master secret (key log, or the server key) and the key block.
    fn derive_keys(&mut self, client_key_exchange: Option<&[u8]>) {
        let (Some(suite), Some(ch), Some(sh)) = (self.suite, &self.client_hello, &self.server_hello) else {
            return;
        };
        let (cr, sr) = (ch.random, sh.random);
        let ems = self.report.extended_master_secret;
        let keylog = &self.secrets.keylog;
        let mut hooks = Hooks::new(&mut *self.tap);
        // An abbreviated handshake resumes by session_id (RFC 5246 §7.4.1.2)
        // or by the ticket in ClientHello (RFC 5077 §3.4).
        let ticket = find_extension(&ch.extensions, ExtensionType::SESSION_TICKET).map(|e| e.data.clone());
        let resumed_ms = (client_key_exchange.is_none())
            .then(|| {
                keylog
                    .session_master_secret(&sh.session_id)
                    .map(|ms| (ms, "session_id"))
                    .or_else(|| {
                        ticket
                            .as_deref()
                            .filter(|t| !t.is_empty())
                            .and_then(|t| keylog.session_master_secret(t))
                            .map(|ms| (ms, "session ticket"))
                    })
            })
            .flatten();
        let master_secret = if let Some(ms) = keylog.master_secret(&cr) {
            self.report.master_secret_source = Some("key log (CLIENT_RANDOM line)".into());
            *ms
        } else if let Some((ms, by)) = resumed_ms {
            self.report.master_secret_source = Some(format!(
                "the resumed session's, by its {by} (an earlier connection of the capture, or an RSA Session-ID line)"
            ));
            *ms
        } else if let Some((pms, line)) = keylog
            .pre_master_secret(&cr)
            .map(|p| (p, "PMS_CLIENT_RANDOM"))
            .or_else(|| {
                // RSA key transport: an `RSA` line, indexed by the first 8
                // bytes of the encrypted pre-master secret.
                let cke = client_key_exchange.filter(|_| suite.kx == KeyExchange::Rsa)?;
                let ciphertext = rsa_ciphertext(self.version, cke).ok()?;
                let prefix: [u8; 8] = ciphertext.get(..8)?.try_into().ok()?;
                keylog.rsa_pre_master_secret(&prefix).map(|p| (p, "RSA"))
            })
        {
            self.report.master_secret_source = Some(format!(
                "key log ({line} line), {}",
                match (ems, self.version) {
                    (true, _) => "extended master secret (RFC 7627)",
                    (false, ProtocolVersion::SSL3) => "RFC 6101 §6.1",
                    (false, ProtocolVersion::TLS10 | ProtocolVersion::TLS11) => "RFC 2246 §8.1",
                    (false, _) => "RFC 5246 §8.1",
                }
            ));
            let pms = pms.to_vec();
            hooks.emit(&Event::PreMasterSecret(&pms));
            master_secret_from_pre_master(
                self.version,
                suite.prf_for(self.version),
                &pms,
                ems,
                &cr,
                &sr,
                &self.transcript,
                &mut hooks,
            )
        } else {
            let why = match (&self.secrets.server_key, client_key_exchange) {
                (Some(key), Some(cke)) => {
                    match pre_master_secret_from_server_key(suite, self.version, cke, key) {
                        Ok(pms) => {
                            self.report.master_secret_source =
                                Some("pre-master secret decrypted with the server key".into());
                            hooks.emit(&Event::PreMasterSecret(&pms));
                            let ms = master_secret_from_pre_master(
                                self.version,
                                suite.prf_for(self.version),
                                &pms,
                                ems,
                                &cr,
                                &sr,
                                &self.transcript,
                                &mut hooks,
                            );
                            self.install_keys(suite, ms, cr, sr);
                            return;
                        }
                        Err(why) => why,
                    }
                }
                (Some(_), None) => "a resumed session's master secret comes from the key log, or from the full handshake of that session earlier in the capture, which is not there".into(),
                (None, _) if keylog.is_empty() => {
                    "no key log given (--keylog): the master secret is unknown".into()
                }
                (None, _) => format!("the key log has no line for client_random {}", hex::encode(cr)),
            };
            self.no_keys_reason = Some(why);
            return;
        };
        self.install_keys(suite, master_secret, cr, sr);
    }

    fn install_keys(
        &mut self,
        suite: &'static SuiteInfo,
        master_secret: [u8; 48],
        cr: [u8; 32],
        sr: [u8; 32],
    ) {
        let mut hooks = Hooks::new(&mut *self.tap);
        hooks.emit(&Event::MasterSecret {
            client_random: &cr,
            server_random: &sr,
            master_secret: &master_secret,
        });
        let ssl3 = self.version == ProtocolVersion::SSL3;
        if let Some(sh) = &self.server_hello {
            if !sh.session_id.is_empty() {
                self.report.sessions.push((sh.session_id.clone(), master_secret));
            }
        }
        let kb = if ssl3 {
            ssl3::compute_key_block(suite, &master_secret, &cr, &sr, &mut hooks)
        } else {
            compute_key_block(suite, self.version, &master_secret, &cr, &sr, &mut hooks)
        };
        self.master_secret = Some(master_secret);
        // RFC 7366: with encrypt_then_mac the MAC covers the CBC ciphertext.
        let options = RecordOptions {
            encrypt_then_mac: self.report.encrypt_then_mac,
            // TLS 1.0 (RFC 2246 §6.2.3.2): no IV in the record, the chain instead.
            chained_iv: self.version == ProtocolVersion::TLS10,
        };
        for d in DIRECTIONS {
            let protection = if ssl3 {
                Protection::ssl3_from_key_block(suite, &kb, d)
            } else {
                Protection::from_key_block_with(suite, &kb, d, options)
            };
            match protection {
                Ok(p) => self.sides[idx(d)].pending = Some(p),
                Err(e) => self.no_keys_reason = Some(e.to_string()),
            }
        }
    }

    /// Finished, by version: the 36-byte SSL 3.0 one or the TLS PRF one.
    fn finished(&mut self, rref: RecordRef, body: &[u8]) {
        if self.version == ProtocolVersion::SSL3 {
            self.finished_ssl3(rref, body);
        } else {
            self.finished_tls(rref, body);
        }
    }

    /// SSL 3.0 Finished (RFC 6101 §5.6.9): `md5_hash ‖ sha_hash`, 36 bytes,
    /// keyed hashes of every handshake message before it, the sender's
    /// constant and the master secret. No explainer hypothesis catalogue
    /// exists for it (it has no PRF hash or label to vary); a mismatch
    /// behind verified records is still a proof that the transcripts differ.
    fn finished_ssl3(&mut self, rref: RecordRef, body: &[u8]) {
        let Some(ms) = self.master_secret else {
            return;
        };
        let (sender, label) = match rref.direction {
            Direction::ClientToServer => (ssl3::Sender::Client, FinishedLabel::Client),
            Direction::ServerToClient => (ssl3::Sender::Server, FinishedLabel::Server),
        };
        if body.len() != 36 {
            return self.malformed(
                rref,
                format!("SSL 3.0 Finished of {} bytes (RFC 6101 §5.6.9: 36)", body.len()),
            );
        }
        let mut hooks = Hooks::new(&mut *self.tap);
        let computed = ssl3::compute_finished(&ms, sender, self.transcript.messages(), &mut hooks);
        hooks.emit(&Event::FinishedVerify {
            label: label.label(),
            handshake_hash: &[],
            computed: &computed,
            received: body,
        });
        let ok = computed[..] == body[..];
        self.report.finished_ok[idx(rref.direction)] = Some(ok);
        if ok {
            return;
        }
        let records_ok = self.report.failures.is_empty();
        self.report.failures.push(Failure {
            version: self.version,
            record: Some(rref),
            seq: Some(0),
            cause: if records_ok {
                Cause::TranscriptDiffers
            } else {
                Cause::WrongVerifyData
            },
            proven: false,
            evidence: vec![
                format!(
                    "Finished received {}, computed {} (RFC 6101 §5.6.9, sender {})",
                    hex::encode(body),
                    hex::encode(computed),
                    String::from_utf8_lossy(&sender.bytes())
                ),
                if records_ok {
                    "every protected record so far verified, so the master secret is right: the two sides \
                     hashed different handshake messages"
                        .into()
                } else {
                    "records failed before it: the keys may differ as well".into()
                },
            ],
            explanation: None,
        });
    }

    /// Finished (RFC 5246 §7.4.9): verify_data = PRF(master_secret,
    /// finished_label, Hash(handshake_messages))[0..11], the hash over every
    /// message before this one.
    fn finished_tls(&mut self, rref: RecordRef, body: &[u8]) {
        let (Some(suite), Some(ms)) = (self.suite, self.master_secret) else {
            return;
        };
        let finished = match Finished::decode(body) {
            Ok(f) => f,
            Err(e) => return self.malformed(rref, format!("Finished: {e}")),
        };
        let label = match rref.direction {
            Direction::ClientToServer => FinishedLabel::Client,
            Direction::ServerToClient => FinishedLabel::Server,
        };
        let handshake_hash = self.transcript.current_hash();
        let mut hooks = Hooks::new(&mut *self.tap);
        let computed = prf::compute_verify_data(
            suite.prf_for(self.version),
            &ms,
            label.label(),
            &handshake_hash,
            &mut hooks,
        );
        hooks.emit(&Event::FinishedVerify {
            label: label.label(),
            handshake_hash: &handshake_hash,
            computed: &computed,
            received: &finished.verify_data,
        });
        let ok = computed[..] == finished.verify_data[..];
        self.report.finished_ok[idx(rref.direction)] = Some(ok);
        if ok {
            return;
        }
        let Some(secrets) = self.explain_secrets() else {
            return;
        };
        // The record that carried it verified (it was opened to get here),
        // under keys from the same master secret.
        let failed = FailedFinished {
            label,
            transcript: self.handshake_messages(),
            received_verify_data: finished.verify_data.clone(),
            record_verified: true,
            unhashed_messages: self.unhashed.clone(),
        };
        let explanation = explain::explain_finished(&secrets, &failed);
        let mut context = vec![format!(
            "verify_data received {}, computed {}",
            hex::encode(&finished.verify_data),
            hex::encode(computed)
        )];
        if self.report.failures.is_empty() {
            context.push(
                "every protected record so far verified, so the key block (and the master secret) are right: \
                 the two sides hashed different handshake messages (one was altered, dropped or reordered, \
                 or a sender hashed other bytes than it sent)"
                    .into(),
            );
        }
        let mut failure = Failure::explained(rref, Some(0), explanation, Cause::WrongVerifyData, vec![]);
        // The capture's own argument first: it holds whatever the explainer ranks.
        context.append(&mut failure.evidence);
        failure.evidence = context;
        self.report.failures.push(failure);
    }

    fn finish(mut self) -> ConnectionReport {
        if self.report.skipped.is_none() {
            if self.client_hello.is_some() && self.server_hello.is_none() && !self.done {
                let v = self.report.client_version.map(version_name).unwrap_or_default();
                self.report.notes.push(format!(
                    "no ServerHello in the capture (the ClientHello offered up to {v})"
                ));
            }
            if let Some(why) = &self.no_keys_reason {
                if self.report.undecrypted == [0, 0] && self.suite.is_some() {
                    self.report.notes.push(format!("keys: {why}"));
                }
            }
            self.split_notes();
        }
        self.report
    }

    /// SSL 3.0 and TLS 1.0 with CBC: the IV of a record is the last block of
    /// the one before, on the wire before the sender chose the next
    /// plaintext, which BEAST exploited. Senders defend by making the first
    /// record of each write unpredictable: 1/n-1 (its first byte alone, as
    /// browsers did) or 0/n (an empty record first, as OpenSSL does).
    fn split_notes(&mut self) {
        let chained = matches!(self.version, ProtocolVersion::SSL3 | ProtocolVersion::TLS10)
            && self.suite.is_some_and(|s| !s.is_aead());
        if !chained {
            return;
        }
        for (side, dir) in self
            .sides
            .iter()
            .zip([Direction::ClientToServer, Direction::ServerToClient])
        {
            let times = |n: u64| {
                if n == 1 {
                    "1 write".to_string()
                } else {
                    format!("{n} writes")
                }
            };
            if side.split_one_n_minus_one > 0 {
                self.report.notes.push(format!(
                    "{dir}: {} split 1/n-1 (the first byte alone in a record): the BEAST countermeasure",
                    times(side.split_one_n_minus_one)
                ));
            }
            if side.split_empty_first > 0 {
                self.report.notes.push(format!(
                    "{dir}: {} after an empty application data record (0/n split): the BEAST countermeasure",
                    times(side.split_empty_first)
                ));
            }
        }
    }
}

/// `master_secret` from a pre-master secret: the extended master secret over
/// the session hash (RFC 7627 §4, the transcript through ClientKeyExchange)
/// when negotiated, else the RFC 5246 §8.1 derivation over both randoms; for
/// SSL 3.0, its MD5/SHA-1 expansion (RFC 6101 §6.1).
#[allow(clippy::too_many_arguments)]
fn master_secret_from_pre_master(
    version: ProtocolVersion,
    hash: PrfHash,
    pre_master_secret: &[u8],
    extended_master_secret: bool,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    transcript: &Transcript,
    hooks: &mut Hooks<'_>,
) -> [u8; 48] {
    if version == ProtocolVersion::SSL3 {
        ssl3::compute_master_secret(pre_master_secret, client_random, server_random, hooks)
    } else if extended_master_secret {
        let session_hash = transcript.current_hash();
        prf::compute_extended_master_secret(hash, pre_master_secret, &session_hash, hooks)
    } else {
        prf::compute_master_secret(hash, pre_master_secret, client_random, server_random, hooks)
    }
}

/// The pre-master secret recovered with the server's private key, from the
/// body of ClientKeyExchange.
///
/// Only RSA key transport (RFC 5246 §7.4.7.1) sends the pre-master secret at
/// all, encrypted to the server's certificate key. With (EC)DHE the
/// pre-master secret is the Diffie-Hellman result of two ephemeral keys that
/// never cross the wire; the certificate key only signs the server's
/// ephemeral public value. Holding it therefore decrypts nothing: that is
/// forward secrecy, and only a key log (or the ephemeral private key) helps.
fn pre_master_secret_from_server_key(
    suite: &SuiteInfo,
    version: ProtocolVersion,
    client_key_exchange: &[u8],
    server_key: &ServerKey,
) -> Result<Vec<u8>, String> {
    match suite.kx {
        KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa | KeyExchange::DheRsa => Err(format!(
            "{} uses an ephemeral (EC)DHE key exchange: the server's private key only signs it and cannot \
             recover the pre-master secret (forward secrecy); a key log (--keylog) is needed",
            suite.name()
        )),
        // RSA key transport: PKCS#1 v1.5-decrypt `EncryptedPreMasterSecret`
        // with the server key (RFC 5246 §7.4.7.1). Unlike a server, which must
        // not say why decryption failed (Bleichenbacher), we name the step.
        KeyExchange::Rsa => {
            let ciphertext = rsa_ciphertext(version, client_key_exchange)?;
            rsa_kx::decrypt_pre_master_secret(&server_key.der, &ciphertext).map_err(|e| {
                format!(
                    "the RSA ClientKeyExchange does not decrypt with --server-key ({e}): \
                     is it the key of the certificate this server sent?"
                )
            })
        }
    }
}

/// The versions this analyser replays: SSL 3.0 to TLS 1.2.
fn analysed(version: ProtocolVersion) -> bool {
    matches!(
        version,
        ProtocolVersion::SSL3 | ProtocolVersion::TLS10 | ProtocolVersion::TLS11 | ProtocolVersion::TLS12
    )
}

/// The RSA ciphertext in a ClientKeyExchange body. TLS (RFC 2246 §7.4.7.1,
/// RFC 5246 §7.4.7.1) puts a 2-byte length in front of it; SSL 3.0 (RFC
/// 6101 §5.6.7.1) sends it bare, and some TLS 1.0 stacks kept that form, so
/// a body whose length prefix does not fit is read bare too.
fn rsa_ciphertext(version: ProtocolVersion, body: &[u8]) -> Result<Vec<u8>, String> {
    if version == ProtocolVersion::SSL3 {
        if body.is_empty() {
            return Err("ClientKeyExchange: empty".into());
        }
        return Ok(body.to_vec());
    }
    match EncryptedPreMasterSecret::decode(body) {
        Ok(e) => Ok(e.ciphertext),
        // A modulus-sized body (at least 512 bits) without the prefix.
        Err(_) if body.len() >= 64 && body.len().is_multiple_of(2) => Ok(body.to_vec()),
        Err(e) => Err(format!("ClientKeyExchange: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_private_keys_are_read_and_other_files_refused() {
        let pem = "-----BEGIN PRIVATE KEY-----\nAAEC\nAwQF\n-----END PRIVATE KEY-----\n";
        // RFC 4648 §10 base64: "AAECAwQF" is the bytes 0..=5.
        let k = ServerKey::from_pem(pem).unwrap();
        assert_eq!(k.label, "PRIVATE KEY");
        assert_eq!(k.der, vec![0, 1, 2, 3, 4, 5]);
        assert!(
            ServerKey::from_pem("-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n").is_err()
        );
        assert!(ServerKey::from_pem(
            "-----BEGIN RSA PRIVATE KEY-----\n!!!!\n-----END RSA PRIVATE KEY-----\n"
        )
        .is_err());
    }

    #[test]
    fn rsa_pre_master_secret_is_recovered_with_the_server_key() {
        // The Illustrated TLS 1.2 server key, and a ClientKeyExchange made
        // here by encrypting a known pre-master secret to its certificate.
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../../vectors/illustrated-tls12/vector.json")).unwrap();
        let cert = hex::decode(v["server_certificate_der"].as_str().unwrap()).unwrap();
        let pem = v["server_rsa_private_key_pem"].as_str().unwrap();
        let pms = [
            3u8, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
            7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 9,
        ];
        let enc =
            rsa_kx::encrypt_pre_master_secret(&cert, &pms, &mut crate::rng::SeededRng::new(1, 0)).unwrap();
        let mut cke = vec![];
        EncryptedPreMasterSecret {
            ciphertext: enc.ciphertext,
        }
        .encode(&mut cke);
        let suite = suites::find_by_name("AES128-SHA").unwrap();
        let key = ServerKey::from_pem(pem).unwrap();
        assert_eq!(
            pre_master_secret_from_server_key(suite, ProtocolVersion::TLS12, &cke, &key).unwrap(),
            pms
        );
        let e = pre_master_secret_from_server_key(suite, ProtocolVersion::TLS12, &cke[..cke.len() - 1], &key)
            .unwrap_err();
        assert!(e.contains("ClientKeyExchange"), "{e}");
    }

    #[test]
    fn sslv2_client_hello_is_read_as_rfc_5246_appendix_e2_lays_it_out() {
        // Built field by field from RFC 5246 Appendix E.2: TLS 1.0 offered,
        // two cipher specs (an SSL 2.0 one, 0x010080, and
        // TLS_RSA_WITH_AES_128_CBC_SHA as 0x00002f), no session_id, a
        // 16-byte challenge.
        let mut msg = vec![1, 3, 1, 0, 6, 0, 0, 0, 16];
        msg.extend_from_slice(&[0x01, 0x00, 0x80, 0x00, 0x00, 0x2f]);
        msg.extend(1..=16u8);
        let mut data = vec![0x80 | (msg.len() >> 8) as u8, msg.len() as u8];
        data.extend_from_slice(&msg);
        data.extend_from_slice(&[22, 3, 1]); // whatever follows
        let (hello, raw, len) = parse_sslv2_client_hello(&data).unwrap();
        assert_eq!(hello.client_version, ProtocolVersion::TLS10);
        assert_eq!(hello.cipher_suites, vec![CipherSuite(0x002f)]);
        assert_eq!(&hello.random[..16], &[0; 16]);
        assert_eq!(hello.random[16..], (1..=16u8).collect::<Vec<_>>()[..]);
        assert_eq!(raw, msg, "the transcript hashes the message from msg_type on");
        assert_eq!(len, msg.len() + 2);
        // A challenge outside 16..=32 bytes, or a length that does not add up, is not one.
        let mut short = data.clone();
        short[10] = 15;
        assert!(parse_sslv2_client_hello(&short).is_none());
        assert!(parse_sslv2_client_hello(&data[..10]).is_none());
    }

    #[test]
    fn ecdhe_server_key_explains_forward_secrecy() {
        let suite = suites::find_by_name("ECDHE-RSA-AES128-GCM-SHA256").unwrap();
        let key = ServerKey {
            label: "PRIVATE KEY".into(),
            der: vec![],
        };
        let e = pre_master_secret_from_server_key(suite, ProtocolVersion::TLS12, &[], &key).unwrap_err();
        assert!(e.contains("forward secrecy"), "{e}");
    }
}
