//! `bogo-shim`: tlslab's client under BoringSSL's TLS test runner (BoGo).
//!
//! The runner plays a (often deliberately broken) server; for each test it
//! starts this binary as
//!
//! ```text
//! bogo-shim -port N -shim-id K [-ipv6] [-trust-cert ROOT.pem] [flags...]
//! ```
//!
//! The shim connects to the loopback address on port `N`, writes `K` as 8
//! bytes little-endian, then speaks TLS (1.2 unless the version flags say
//! otherwise) as a client with
//! [`tlslab::Client`] over a blocking socket. After the handshake it echoes:
//! every byte of application data it receives goes back XORed with `0xff`,
//! in writes of at most 512 bytes, until close_notify (answered with our own)
//! or the end of the TCP stream. `-resume-count N` makes `N` more
//! connections, each resuming the session of the one before.
//!
//! Exit codes: 0 success (stderr empty); 89 a flag this shim does not
//! implement (the runner skips the test); 1 any failure, with BoringSSL's
//! name for the error (`:DECRYPTION_FAILED_OR_BAD_RECORD_MAC:`) and our own
//! message on stderr. `-is-handshaker-supported` prints `No`.
//!
//! # Flags understood
//!
//! Connection: `-port`, `-shim-id`, `-ipv6`, `-resume-count`,
//! `-implicit-handshake`, `-async`, `-handshaker-path` (ignored).
//! Verification: `-trust-cert`, `-verify-peer`, `-verify-fail`,
//! `-use-custom-verify-callback`, `-expect-verify-result`,
//! `-reverify-on-resume`, `-enforce-rsa-key-usage` (always so). Offer:
//! `-host-name`, `-advertise-alpn`, `-cipher` (suite names, or a cipher
//! rule: see `cipher_rule`), `-curves`, `-verify-prefs`,
//! `-no-ticket`, `-fallback-scsv`, `-max-cert-list`, `-min-version`,
//! `-max-version`, `-no-tls1`, `-no-tls11`, `-no-tls12` (a range within
//! TLS 1.0 to 1.2, by default all three, as BoringSSL), `-no-tls13`, `-no-ssl3`. Checks:
//! `-expect-alpn`, `-expect-extended-master-secret`, `-expect-session-miss`,
//! `-expect-ticket-renewal`, `-expect-no-session`, `-expect-curve-id`,
//! `-expect-version`, `-expect-peer-signature-algorithm`, `-expect-certificate-types`,
//! `-expect-no-hrr`, `-expect-no-ech-name-override`. After the handshake:
//! `-export-keying-material` (with `-export-label`, `-export-context`,
//! `-use-export-context`), `-tls-unique`, `-shim-writes-first`,
//! `-check-close-notify`, `-shim-shuts-down`, `-send-alert`. Each per-connection flag also with the `-on-initial-` and
//! `-on-resume-` prefixes.
//!
//! Everything else answers 89, in particular: `-server`, `-dtls`, `-quic`,
//! client certificates (`-cert-file`, `-key-file`, credentials), `-false-start`,
//! NPN (`-advertise-npn`, `-select-next-proto`), renegotiation
//! (`-renegotiate-*`), OCSP and SCT (`-enable-ocsp-stapling`,
//! `-enable-signed-cert-timestamps`), `-expect-peer-cert-file`, ECH and PAKE
//! configuration, channel ID, `-export-traffic-secrets`, `-on-retry-*`,
//! `-allow-unknown-alpn-protos` and `-ignore-rsa-key-usage` (tlslab has no
//! switch that turns those checks off), a `-cipher` rule with `[a|b]` or
//! `@STRENGTH`, and any group or signature scheme tlslab does not implement.

mod cipher_rule;
mod errors;
mod flags;
mod trust;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tlslab::error::{CertificateError, CertificateKind};
use tlslab::session::StoredSession;
use tlslab::wire::{AlertDescription, NamedGroup, ProtocolVersion, SignatureScheme};
use tlslab::{Client, ClientConfig, Error, ServerNameIndication, Verification};

use flags::{Flags, PerConnection, Unsupported};
use trust::Trust;

/// The name on the runner's certificate.
const RUNNER_SERVER_NAME: &str = "test";
/// Exit code for a flag this shim does not implement.
const EXIT_UNIMPLEMENTED: u8 = 89;
/// The largest piece of application data echoed in one write.
const ECHO_CHUNK: usize = 512;
/// What `-shim-writes-first` sends.
const FIRST_WRITE: &[u8] = b"hello";
/// Groups defined only for TLS 1.3 key shares (ML-KEM hybrids and the
/// earlier Kyber draft): a TLS 1.2 client must not offer them (RFC 8422
/// defines ECDHE on curves only), so they are dropped from `-curves`.
const TLS13_ONLY_GROUPS: &[u16] = &[0x6399, 0x11ec, 0x0200, 0x0201, 0x0202];

/// Why a run ended without success.
enum Failure {
    /// A flag or value the shim does not implement (exit 89).
    Unsupported(Unsupported),
    /// The connection failed or an expectation did not hold (exit 1).
    Failed(String),
}

impl From<Unsupported> for Failure {
    fn from(u: Unsupported) -> Failure {
        Failure::Unsupported(u)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Failed(errors::describe(&e))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["-is-handshaker-supported"] {
        println!("No");
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Unsupported(u)) => {
            eprintln!("unimplemented: {u}");
            ExitCode::from(EXIT_UNIMPLEMENTED)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let flags = Flags::parse(args)?;
    // Check both connections' settings before anything is sent: an
    // unsupported value must skip the test, not fail it halfway.
    let scratch = Verdict::default();
    build_config(&flags, &flags.initial, None, &scratch)?;
    if flags.resume_count > 0 {
        build_config(&flags, &flags.resume, None, &scratch)?;
    }
    let mut memory = SessionMemory::default();
    for i in 0..=flags.resume_count {
        let per = if i == 0 { &flags.initial } else { &flags.resume };
        let verdict = Verdict::default();
        let config = build_config(&flags, per, memory.stored.take(), &verdict)?;
        // A resumption connection must resume (unless -expect-session-miss),
        // including when the previous connection left no session to offer.
        memory = connection(&flags, per, config, i > 0, &verdict, memory)?;
    }
    Ok(())
}

/// The verifier's verdict on the chain of one connection (`None`: it was
/// not called, as on a resumed connection).
type Verdict = Arc<Mutex<Option<bool>>>;

/// What BoringSSL keeps in a session besides the keys, and the runner asks
/// about on a resumption: the chain, the verifier's verdict and the scheme of
/// the ServerKeyExchange signature of the handshake that made the session.
#[derive(Default)]
struct SessionMemory {
    /// The session to offer next.
    stored: Option<StoredSession>,
    /// The server's chain, leaf first.
    chain: Vec<Vec<u8>>,
    /// The verifier's verdict on it.
    verified: Option<bool>,
    /// The scheme the server signed its key exchange with.
    peer_signature: Option<SignatureScheme>,
    /// The ECDHE group of the key exchange.
    group: Option<NamedGroup>,
}

/// The alert a refusal by the verifier sends: BoringSSL's legacy callback
/// answers `X509_V_ERR_APPLICATION_VERIFICATION` with handshake_failure, its
/// custom callback with certificate_unknown.
fn refusal_alert(per: &PerConnection) -> AlertDescription {
    if per.custom_verify_callback {
        AlertDescription::CERTIFICATE_UNKNOWN
    } else {
        AlertDescription::HANDSHAKE_FAILURE
    }
}

/// The shim's verifier: `-verify-fail` refuses every chain; otherwise the
/// chain must be trusted by `-trust-cert` (see [`Trust`]; without
/// `-trust-cert` nothing is checked).
fn check_chain(root: Option<&Trust>, per: &PerConnection, chain: &[&[u8]]) -> Result<(), Error> {
    if per.verify_fail {
        return Err(Error::Certificate(CertificateError {
            kind: CertificateKind::RefusedByVerifier(refusal_alert(per)),
            reason: "the verifier was told to refuse (-verify-fail)".into(),
        }));
    }
    match root {
        Some(t) => t.verify(chain, RUNNER_SERVER_NAME),
        None => Ok(()),
    }
}

/// The client configuration for one connection.
fn build_config(
    flags: &Flags,
    per: &PerConnection,
    resume: Option<StoredSession>,
    verdict: &Verdict,
) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(RUNNER_SERVER_NAME);
    config.sni = match &per.host_name {
        Some(name) => ServerNameIndication::Other(name.clone()),
        None => ServerNameIndication::Omit,
    };
    // BoringSSL does not implement encrypt_then_mac, and the runner's CBC
    // tests are about MAC-then-encrypt records.
    config.offer_encrypt_then_mac = false;
    config.offer_session_ticket = !per.no_ticket;
    config.fallback_scsv = per.fallback_scsv;
    // BoringSSL sends its first records as TLS 1.0, and the runner checks it
    // (VersionNegotiation-Client-*: ExpectInitialRecordVersion).
    config.hello_record_version = Some(ProtocolVersion::TLS10);
    // With no version left the handshake fails once connected (see
    // `connection`); the range is then irrelevant.
    if let Some((min, max)) = per.version_range()? {
        config.min_version = ProtocolVersion(min);
        config.max_version = ProtocolVersion(max);
    }
    if let Some(n) = per.max_cert_list {
        config.max_certificate_message = n;
    }
    // With tickets off (BoringSSL's SSL_OP_NO_TICKET) a session is not
    // offered by its ticket either; what is left is its session ID.
    config.resume = resume.map(|mut s| {
        if per.no_ticket {
            s.ticket = None;
        }
        s
    });
    if let Some(alpn) = &per.advertise_alpn {
        config.alpn_protocols = alpn.clone();
    }
    if let Some(rule) = &per.cipher {
        config.suites = cipher_rule::suites(rule)?;
    }
    if !per.curves.is_empty() {
        let mut groups = Vec::new();
        for &id in &per.curves {
            if TLS13_ONLY_GROUPS.contains(&id) {
                continue;
            }
            let g = NamedGroup(id);
            if !implemented_groups().contains(&g) {
                return Err(Unsupported(format!("-curves {id}: group {g} is not implemented")).into());
            }
            groups.push(g);
        }
        if groups.is_empty() {
            return Err(Unsupported("-curves: no group usable in TLS 1.2".into()).into());
        }
        config.groups = groups;
    }
    if !per.verify_prefs.is_empty() {
        config.signature_schemes = per
            .verify_prefs
            .iter()
            .map(|&id| {
                let s = SignatureScheme(id);
                if implemented_schemes().contains(&s) {
                    Ok(s)
                } else {
                    Err(Unsupported(format!(
                        "-verify-prefs {id}: scheme {s} is not implemented"
                    )))
                }
            })
            .collect::<Result<_, _>>()?;
    }
    let root = match &flags.trust_cert {
        Some(path) => Some(Trust::from_file(Path::new(path))?),
        None if per.verify_peer && !per.verify_fail => {
            return Err(Unsupported("-verify-peer without -trust-cert".into()).into())
        }
        None => None,
    };
    // BoringSSL's client defaults to SSL_VERIFY_NONE ("soft fail"): the
    // verifier runs and its verdict is kept for -expect-verify-result, but a
    // refusal does not end the handshake. -verify-peer makes it fatal. Either
    // way the key still has to fit the suite and sign the key exchange.
    let per_v = per.clone();
    let record = Arc::clone(verdict);
    let fatal = per.verify_peer;
    config.verification = Verification::Custom(Box::new(move |chain, _name| {
        let result = check_chain(root.as_ref(), &per_v, chain);
        *record.lock().unwrap_or_else(|p| p.into_inner()) = Some(result.is_ok());
        if fatal {
            result
        } else {
            Ok(())
        }
    }));
    Ok(config)
}

/// Groups tlslab implements (offered or not by default).
fn implemented_groups() -> &'static [NamedGroup] {
    tlslab::internal::kx::supported_groups()
}

/// Signature schemes tlslab can verify (offered or not by default).
fn implemented_schemes() -> &'static [SignatureScheme] {
    tlslab::internal::signature::implemented_schemes()
}

/// One TCP connection: handshake, checks, then echo (or shutdown, or an
/// alert). Returns what the next connection resumes.
fn connection(
    flags: &Flags,
    per: &PerConnection,
    config: ClientConfig,
    resuming: bool,
    verdict: &Verdict,
    previous: SessionMemory,
) -> Result<SessionMemory, Failure> {
    let ip = if flags.ipv6 {
        Ipv6Addr::LOCALHOST.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    let addr = SocketAddr::new(ip, flags.port);
    let io = |what: &str, e: std::io::Error| Failure::Failed(format!(":SYSCALL: {what}: {e}"));
    let mut sock = TcpStream::connect(addr).map_err(|e| io("connect", e))?;
    // The runner gives up after 15 s; a read that outlives it helps nobody.
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| io("set_read_timeout", e))?;
    let _ = sock.set_nodelay(true);
    sock.write_all(&flags.shim_id.to_le_bytes())
        .map_err(|e| io("write shim id", e))?;
    if per.version_range()?.is_none() {
        // As BoringSSL's SSL_do_handshake: nothing to offer, nothing sent.
        return Err(Failure::Failed(
            ":NO_SUPPORTED_VERSIONS_ENABLED: the version flags leave none of TLS 1.0, 1.1 and 1.2".into(),
        ));
    }

    let mut conn = Conn {
        sock,
        client: Client::new(config),
        out: Vec::new(),
        read_size: if per.async_io { 1 } else { 16 * 1024 },
        eof: false,
    };
    conn.client.start(&mut conn.out).map_err(Failure::from)?;
    conn.flush()?;
    // Not `is_established`: the runner's Finished, application data and
    // close_notify can come in one read, and the connection is then already
    // closed (application data before our close_notify is the shutdown
    // tests' business, below).
    while !conn.client.handshake_completed() {
        if conn.client.is_closed() {
            return Err(Failure::Failed(
                ":UNEXPECTED_EOF: close_notify before the handshake completed".into(),
            ));
        }
        conn.read_once()?;
        if conn.eof {
            return Err(Failure::Failed(
                ":UNEXPECTED_EOF: the runner closed the connection during the handshake".into(),
            ));
        }
    }
    // What this connection knows of its session: its own handshake's, or on
    // a resumption the original handshake's.
    let s = conn.client.session();
    let memory = if s.resumed {
        SessionMemory {
            stored: None,
            ..previous
        }
    } else {
        SessionMemory {
            stored: None,
            chain: s.peer_certificates.iter().map(|c| c.to_vec()).collect(),
            verified: *verdict.lock().unwrap_or_else(|p| p.into_inner()),
            // BoringSSL's SSL_get_peer_signature_algorithm: 0 before TLS 1.2,
            // which negotiates no signature algorithm (tlslab still names the
            // fixed MD5 ‖ SHA-1 or SHA-1 signature it checked).
            peer_signature: s
                .peer_signature_scheme
                .filter(|_| s.version.is_some_and(|v| v.0 >= 0x0303)),
            group: s.group,
        }
    };
    if s.resumed && per.reverify_on_resume {
        reverify(flags, per, &mut conn, &memory)?;
    }
    check_expectations(per, &conn.client, resuming, &memory)?;
    // What BoringSSL's shim writes first after the handshake, in the order
    // the runner reads it.
    if let Some(len) = per.export_keying_material {
        let context = per.use_export_context.then_some(per.export_context.as_bytes());
        let material = conn
            .client
            .export_keying_material(per.export_label.as_bytes(), context, len)?;
        conn.client.send(&material, &mut conn.out)?;
        conn.flush()?;
    }
    if per.tls_unique {
        let Some(value) = conn.client.session().tls_unique.clone() else {
            // BoringSSL's SSL_get_tls_unique refuses the same cases.
            return Err(Failure::Failed(
                "failed to get tls-unique (a resumption without extended master secret, RFC 7627 §1)".into(),
            ));
        };
        conn.client.send(&value, &mut conn.out)?;
        conn.flush()?;
    }
    if per.send_alert {
        conn.client
            .abort(AlertDescription::DECOMPRESSION_FAILURE, &mut conn.out)?;
        conn.flush()?;
        return Err(Failure::Failed(
            ":SSLV3_ALERT_DECOMPRESSION_FAILURE: sent a fatal decompression_failure alert (-send-alert)"
                .into(),
        ));
    }
    if per.shim_writes_first {
        conn.client.send(FIRST_WRITE, &mut conn.out)?;
        conn.flush()?;
    }
    if per.shim_shuts_down {
        conn.shut_down(per.check_close_notify)?;
    } else {
        conn.echo(per.check_close_notify)?;
    }
    let session = conn.client.session_to_resume();
    if per.expect_no_session && session.is_some() {
        return Err(Failure::Failed(
            "the connection left a session to resume (-expect-no-session)".into(),
        ));
    }
    Ok(SessionMemory {
        stored: session,
        ..memory
    })
}

/// `-reverify-on-resume`: the verifier judges the resumed session's chain
/// again; a refusal ends the connection with the verifier's alert.
fn reverify(
    flags: &Flags,
    per: &PerConnection,
    conn: &mut Conn,
    memory: &SessionMemory,
) -> Result<(), Failure> {
    let root = match &flags.trust_cert {
        Some(path) => Some(Trust::from_file(Path::new(path))?),
        None => None,
    };
    let chain: Vec<&[u8]> = memory.chain.iter().map(|c| c.as_slice()).collect();
    match check_chain(root.as_ref(), per, &chain) {
        Err(e) if per.verify_peer => {
            let alert = e.alert().unwrap_or(refusal_alert(per));
            conn.client.abort(alert, &mut conn.out)?;
            conn.flush()?;
            Err(Failure::from(e))
        }
        _ => Ok(()),
    }
}

/// The checks the runner asks for after the handshake.
fn check_expectations(
    per: &PerConnection,
    client: &Client<'_>,
    resuming: bool,
    memory: &SessionMemory,
) -> Result<(), Failure> {
    let s = client.session();
    let fail = |m: String| Err(Failure::Failed(m));
    if resuming && s.resumed == per.expect_session_miss {
        return fail(if s.resumed {
            "the session was resumed although -expect-session-miss".into()
        } else {
            "the session was not resumed".into()
        });
    }
    if let Some(want) = &per.expect_alpn {
        let got = s.alpn_protocol.as_ref().map(|p| p.to_vec()).unwrap_or_default();
        if got != want.as_bytes() {
            return fail(format!(
                "ALPN: expected '{want}', got '{}'",
                String::from_utf8_lossy(&got)
            ));
        }
    }
    if per.expect_ems && !s.extended_master_secret {
        return fail("extended master secret not negotiated".into());
    }
    if let Some(id) = per.expect_curve_id {
        if memory.group != Some(NamedGroup(id)) {
            return fail(format!(
                "group: expected {}, got {:?}",
                NamedGroup(id),
                memory.group
            ));
        }
    }
    if per.expect_ticket_renewal && s.new_ticket.is_none() {
        return fail("no new ticket although -expect-ticket-renewal".into());
    }
    if per.expect_verify_result {
        let want = !per.verify_fail;
        if memory.verified != Some(want) {
            return fail(format!(
                "certificate verification result: expected {}, got {:?} (-expect-verify-result)",
                if want { "success" } else { "failure" },
                memory.verified
            ));
        }
    }
    if let Some(v) = per.expect_version {
        if s.version != Some(ProtocolVersion(v)) {
            return fail(format!(
                "version: expected {}, got {:?}",
                ProtocolVersion(v),
                s.version
            ));
        }
    }
    if let Some(want) = &per.expect_certificate_types {
        let got = s.requested_certificate_types.as_deref().map(|t| t.to_vec());
        if got.as_ref() != Some(want) {
            return fail(format!(
                "CertificateRequest.certificate_types: expected {want:?}, got {got:?}"
            ));
        }
    }
    if let Some(id) = per.expect_peer_signature_algorithm {
        if memory.peer_signature.map_or(0, |s| s.0) != id {
            return fail(format!(
                "peer signature algorithm: expected {}, got {:?}",
                SignatureScheme(id),
                memory.peer_signature
            ));
        }
    }
    Ok(())
}

/// A socket and the sans-IO client over it.
struct Conn {
    sock: TcpStream,
    client: Client<'static>,
    /// Bytes the client produced, not yet written.
    out: Vec<u8>,
    /// Bytes read per `read` call (1 with `-async`).
    read_size: usize,
    /// The runner closed its side.
    eof: bool,
}

impl Conn {
    fn flush(&mut self) -> Result<(), Failure> {
        if !self.out.is_empty() {
            // A write can fail when the runner already closed; the error the
            // client found (if any) is the one worth reporting.
            let _ = self.sock.write_all(&self.out);
            self.out.clear();
        }
        Ok(())
    }

    /// One read from the socket, fed to the client; whatever the client
    /// answers (our flight, an alert) is written before an error is returned.
    fn read_once(&mut self) -> Result<(), Failure> {
        let mut buf = vec![0u8; self.read_size];
        let n = match self.sock.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
            Err(e) => return Err(Failure::Failed(format!(":SYSCALL: read: {e}"))),
        };
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        let r = self.client.receive(&buf[..n], &mut self.out);
        self.flush()?;
        r.map_err(|e| Failure::Failed(errors::describe_in(&e, self.client.failed_in())))
    }

    /// Echoes application data XORed with 0xff until close_notify or EOF.
    fn echo(&mut self, check_close_notify: bool) -> Result<(), Failure> {
        loop {
            let data = self.client.take_received();
            for chunk in data.chunks(ECHO_CHUNK) {
                let flipped: Vec<u8> = chunk.iter().map(|b| b ^ 0xff).collect();
                self.client.send(&flipped, &mut self.out)?;
            }
            self.flush()?;
            if self.client.is_closed() {
                return Ok(());
            }
            if self.eof {
                if check_close_notify {
                    return Err(Failure::Failed(
                        ":UNEXPECTED_EOF: the runner closed without close_notify".into(),
                    ));
                }
                return Ok(());
            }
            self.read_once()?;
        }
    }

    /// `-shim-shuts-down`: our close_notify first; with `-check-close-notify`
    /// the runner's must follow (empty records and warning alerts before it
    /// are read past; application data is refused by the client).
    fn shut_down(&mut self, check_close_notify: bool) -> Result<(), Failure> {
        // Application data that came in the reads that finished the
        // handshake and was never read: BoringSSL's SSL_shutdown meets it
        // while it reads towards the runner's close_notify.
        let unread = self.client.take_received();
        self.client.close(&mut self.out)?;
        self.flush()?;
        if !check_close_notify {
            return Ok(());
        }
        if !unread.is_empty() {
            return Err(Failure::Failed(format!(
                ":APPLICATION_DATA_ON_SHUTDOWN: {} bytes of application data arrived before the runner's close_notify",
                unread.len()
            )));
        }
        while !self.client.close_notify_received() {
            if self.eof {
                // BoringSSL's shim reports this as SSL_shutdown returning -1
                // where 1 (both close_notify alerts) was required, and the
                // runner looks for those words.
                return Err(Failure::Failed(
                    ":UNEXPECTED_EOF: the runner closed the TCP connection without close_notify \
                     after ours (Unexpected SSL_shutdown result: -1 != 1)"
                        .into(),
                ));
            }
            self.read_once()?;
        }
        Ok(())
    }
}
