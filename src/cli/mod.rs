//! Shared pieces of the command line: the dispatch, the client
//! configuration and observers the options describe, and writing to
//! standard output.

/// `println!` that survives a closed standard output: see [`write_out`].
macro_rules! outln {
    () => {
        $crate::cli::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that survives a closed standard output: see [`write_out`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

pub mod args;
pub mod connect;
pub mod demo;
pub mod diagnose;
pub mod explain;
pub mod lab;

use std::cell::RefCell;
use std::io::{IsTerminal, Read, Stdout, Write};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{self, SuiteInfo, ALL_SUITES};
use tlslab::faults::Faults;
use tlslab::observer::{JsonLog, KeyLogWriter, LadderLog, Observer, Tee, TextLog, TraceLevel};
use tlslab::session::StoredSession;
use tlslab::wire::{NamedGroup, ProtocolVersion, SignatureScheme};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::Timeouts;

pub use args::{Cli, Command, Options, RecordSplit, TraceFormat};

/// Set when standard output failed for a reason other than a reader that
/// went away: the command's exit status then says it failed.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes to standard output. A reader that went away (`tlslab ... | head`)
/// is not an error: the rest of the output is dropped quietly and the
/// command runs to its own end, its exit status telling how the connection
/// went. Any other write error (a full disk) is reported once on standard
/// error and makes the exit status 1.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let r = out.write_fmt(args).and_then(|()| out.flush());
    note_out_error(r);
}

/// Raw bytes to standard output, like [`write_out`].
pub fn write_out_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let r = out.write_all(bytes).and_then(|()| out.flush());
    note_out_error(r);
}

fn note_out_error(r: std::io::Result<()>) {
    if let Err(e) = r {
        if e.kind() != std::io::ErrorKind::BrokenPipe && !STDOUT_FAILED.swap(true, Ordering::SeqCst) {
            eprintln!("error: writing standard output: {e}");
        }
    }
}

/// The longest line the readable output of `connect`, `demo` and
/// `explain` writes.
pub const WIDTH: usize = 120;

/// `text` with every line longer than [`WIDTH`] wrapped at spaces, the
/// continuation lines indented four more than the line they continue (a
/// word longer than a line, such as a long hex value, is cut).
pub fn wrap(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body.chars().count() <= WIDTH {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        let more = " ".repeat((indent + 4).min(WIDTH / 2));
        let mut current = body[..indent].to_string();
        let mut fresh = true;
        for word in body[indent..].split(' ') {
            let room = WIDTH - current.chars().count();
            let need = word.chars().count() + usize::from(!fresh);
            if need > room && !fresh {
                out.push_str(current.trim_end());
                out.push('\n');
                current = more.clone();
                fresh = true;
            }
            if !fresh {
                current.push(' ');
            }
            let mut rest: Vec<char> = word.chars().collect();
            // A word longer than a whole line: cut it.
            while current.chars().count() + rest.len() > WIDTH {
                let take = WIDTH - current.chars().count();
                current.extend(rest.drain(..take));
                out.push_str(&current);
                out.push('\n');
                current = more.clone();
            }
            current.extend(rest);
            fresh = false;
        }
        out.push_str(current.trim_end());
        out.push_str(newline);
    }
    out
}

/// Whether writing standard output failed (other than a closed pipe).
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::SeqCst)
}

/// Runs the command the user gave. `argv` is the raw command line, from
/// which `diagnose` repeats the user's flags in its reproducing commands.
pub fn run(command: Command, argv: &[String]) -> Result<(), CliError> {
    match command {
        Command::Connect(a) => connect::run(&a),
        Command::Diagnose(a) => diagnose::run(&a, &flags_after_command(argv, &a.addr)),
        Command::Explain(a) => explain::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Replay(a) => connect::replay(&a),
        Command::View(a) => connect::view(&a),
        Command::Lab(c) => lab::run(c),
        Command::Suites(a) => {
            list_suites(a.all);
            Ok(())
        }
        Command::Faults => {
            list_faults();
            Ok(())
        }
        Command::Completions(a) => {
            use clap::CommandFactory;
            // Into memory first: the generator panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "tlslab", &mut script);
            write_out_bytes(&script);
            Ok(())
        }
    }
}

/// The arguments after the command name, without the first one equal to
/// `addr` (HOST:PORT): the user's flags as typed.
fn flags_after_command(argv: &[String], addr: &str) -> Vec<String> {
    let mut addr_seen = false;
    argv.iter()
        .skip(2)
        .filter(|a| {
            let is_addr = !addr_seen && *a == addr;
            addr_seen |= is_addr;
            !is_addr
        })
        .cloned()
        .collect()
}

/// What can end a command.
pub enum CliError {
    /// Bad arguments: exit status 2.
    Usage(String),
    /// The connection failed: exit status 1.
    Tls(Error),
    /// Anything else: exit status 1.
    Other(String),
}

/// Errors of the protocol.
impl From<Error> for CliError {
    fn from(e: Error) -> CliError {
        CliError::Tls(e)
    }
}

impl Options {
    pub fn timeouts(&self) -> Timeouts {
        let t = Duration::from_secs(self.timeout.unwrap_or(10));
        Timeouts {
            connect: t,
            read: t,
            write: t,
        }
    }

    /// The client configuration the options describe.
    pub fn config(&self, default_name: &str) -> Result<ClientConfig, CliError> {
        let name = self
            .servername
            .clone()
            .unwrap_or_else(|| default_name.to_string());
        let mut config = ClientConfig::new(&name);
        if let Some(list) = &self.ciphers {
            config.suites = list
                .split([',', ':'])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    suites::find_by_name(s).ok_or_else(|| {
                        CliError::Usage(format!(
                            "unknown or unsupported cipher suite '{s}' (see `tlslab suites`)"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(list) = &self.groups {
            config.groups = list
                .split([',', ':'])
                .filter(|s| !s.is_empty())
                .map(parse_group)
                .collect::<Result<_, _>>()?;
        }
        config.offer_extended_master_secret = !self.no_ems;
        config.offer_session_ticket = !self.no_tickets;
        if let Some(path) = &self.server_key {
            config.server_key = Some(
                std::fs::read(path)
                    .map_err(|e| CliError::Other(format!("--server-key {}: {e}", path.display())))?,
            );
        }
        config.offer_encrypt_then_mac = !self.no_etm;
        config.min_version = self.min_version.protocol_version();
        config.max_version = self.max_version.protocol_version();
        if config.min_version.0 > config.max_version.0 {
            return Err(CliError::Usage(format!(
                "--min-version {} is above --max-version {}",
                config.min_version, config.max_version
            )));
        }
        config.split_one_n_minus_one = self.split_records == Some(RecordSplit::OneNMinusOne);
        config.faults = Faults(self.faults.clone());
        for f in &self.faults {
            eprintln!("FAULT: {f}: this connection makes a deliberate mistake");
        }
        if let Some(list) = &self.alpn {
            config.alpn_protocols = list
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec())
                .collect();
        }
        if let Some(list) = &self.sigalgs {
            config.signature_schemes = list
                .split([',', ':'])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    SignatureScheme::from_name(s).ok_or_else(|| {
                        CliError::Usage(format!(
                            "unknown signature scheme '{s}' (e.g. rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_secp256r1_sha256)"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(path) = &self.sess_in {
            config.resume = Some(StoredSession::load(path)?);
        }
        if self.insecure {
            eprintln!(
                "WARNING: --insecure: the server's certificate is NOT verified; anyone on the path can impersonate it"
            );
            config.verification = Verification::Insecure;
        } else if let Some(ca) = &self.ca {
            config.verification = Verification::Verify(CertVerifier::from_ca_file(ca)?);
        }
        Ok(config)
    }

    /// The observers the options ask for (trace, key log), and a pcap
    /// writer for `pcap`: (the file, the server's HOST:PORT).
    pub fn observers(&self, pcap: Option<(&Path, &str)>) -> Result<Tee, CliError> {
        let mut tee = Tee::default();
        if let Some(kind) = self.trace {
            let sink: Box<dyn Write> = match &self.trace_file {
                Some(p) => Box::new(
                    std::fs::File::create(p)
                        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", p.display())))?,
                ),
                None => Box::new(std::io::stdout()),
            };
            let obs: Box<dyn Observer> = match (kind, self.redact) {
                (TraceFormat::Json, _) => Box::new(JsonLog::new(sink).with_messages()),
                (TraceFormat::Summary, r) => ladder(sink, TraceLevel::Summary, r),
                (TraceFormat::Messages, r) => ladder(sink, TraceLevel::Messages, r),
                (TraceFormat::Values, r) => ladder(sink, TraceLevel::Values, r),
                (TraceFormat::Bytes, r) => ladder(sink, TraceLevel::Bytes, r),
                (TraceFormat::Text, true) => Box::new(TextLog::redacted(sink)),
                (TraceFormat::Text, false) => Box::new(TextLog::new(sink)),
            };
            tee.observers.push(obs);
        }
        let keylog = match &self.keylog {
            Some(p) => Some(
                KeyLogWriter::create(p)
                    .map_err(|e| CliError::Other(format!("cannot open key log {}: {e}", p.display())))?,
            ),
            None => KeyLogWriter::from_env()
                .transpose()
                .map_err(|e| CliError::Other(format!("cannot open SSLKEYLOGFILE: {e}")))?,
        };
        if let Some(k) = keylog {
            tee.observers.push(Box::new(k));
        }
        if let Some((path, addr)) = pcap {
            tee.observers.push(Box::new(pcap_writer(path, addr)?));
        }
        Ok(tee)
    }

    /// The readable default trace of `connect` and `demo` (the ladder, then
    /// the derived values) when no `--trace` is asked for.
    pub fn readable(&self) -> Option<Readable> {
        if self.trace.is_some() {
            return None;
        }
        Some(Readable(Rc::new(RefCell::new(LadderLog::readable(
            std::io::stdout(),
            self.redact,
        )))))
    }

    /// What to send after the handshake: --send, else standard input if it is not a terminal.
    pub fn payload(&self) -> Result<Vec<u8>, CliError> {
        if let Some(s) = &self.send {
            return Ok(unescape(s).into_bytes());
        }
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Ok(vec![]);
        }
        let mut v = vec![];
        stdin
            .lock()
            .read_to_end(&mut v)
            .map_err(|e| CliError::Other(format!("reading standard input: {e}")))?;
        Ok(v)
    }
}

/// The `--pcap` writer. The server address is `addr` resolved (its first
/// address, the one connected to first); the client's own address and port
/// are not known before the connection exists, so a placeholder stands in
/// (see [`tlslab::capture::placeholder_client_addr`]).
fn pcap_writer(path: &Path, addr: &str) -> Result<tlslab::capture::PcapWriter, CliError> {
    use std::net::ToSocketAddrs;
    let server = addr
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| CliError::Other(format!("--pcap: cannot resolve {addr}")))?;
    let client = tlslab::capture::placeholder_client_addr(server);
    tlslab::capture::PcapWriter::create(path, client, server)
        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", path.display())))
}

fn parse_group(s: &str) -> Result<NamedGroup, CliError> {
    match s.to_ascii_lowercase().as_str() {
        "x25519" => Ok(NamedGroup::X25519),
        "p-256" | "p256" | "secp256r1" | "prime256v1" => Ok(NamedGroup::SECP256R1),
        "p-384" | "p384" | "secp384r1" => Ok(NamedGroup::SECP384R1),
        "p-521" | "p521" | "secp521r1" => Ok(NamedGroup::SECP521R1),
        _ => Err(CliError::Usage(format!(
            "unknown or unsupported group '{s}' (x25519, P-256, P-384, P-521)"
        ))),
    }
}

pub fn unescape(s: &str) -> String {
    s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
}

/// `tlslab faults`: the fault catalogue.
pub fn list_faults() {
    outln!("{:<26} {:<16} what it does", "fault", "argument");
    for (name, arg, what) in tlslab::faults::CATALOGUE {
        outln!("{name:<26} {arg:<16} {what}");
    }
    outln!(
        "\nRecord numbers count our protected records from 0 (0 = our Finished, 1 = first application data)."
    );
}

/// The warning every run that may use TLS 1.0 or 1.1 prints on stderr,
/// once per command (the commands call it before their first connection).
pub fn legacy_version_warning(min_version: ProtocolVersion) {
    if min_version.0 < ProtocolVersion::TLS12.0 {
        eprintln!(
            "WARNING: {min_version} allowed: TLS 1.0 and TLS 1.1 are deprecated (RFC 8996); use them only to study or reach old systems"
        );
    }
}

/// `tlslab suites`: the suite table.
/// The client's suites, in the order it offers them; with `all`, then the
/// suites only `tlslab explain` opens (in captures), under their own heading.
pub fn list_suites(all: bool) {
    outln!("{:<8} {:<48} {:<32} PRF", "code", "IANA name", "OpenSSL name");
    let row = |s: &SuiteInfo| {
        outln!(
            "0x{:04x}   {:<48} {:<32} {}",
            s.id.0,
            s.name(),
            s.openssl_name,
            s.prf.name()
        );
    };
    ALL_SUITES.iter().for_each(row);
    if all {
        outln!();
        outln!("analysis only: `tlslab explain` decrypts these in captures; the client never offers them and --cipher refuses them");
        suites::ANALYSIS_ONLY_SUITES.iter().for_each(row);
    }
}

pub fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr)
}

pub fn print_session(client: &Client<'_>) {
    let s = client.session();
    let suite = s
        .suite
        .map(|s| format!("{} ({})", s.name(), s.openssl_name))
        .unwrap_or_default();
    let version = s
        .version
        .map(|v| v.to_string())
        .unwrap_or_else(|| "TLSv1.2".into());
    outln!("negotiated: {version} {suite}");
    if let Some(g) = s.group {
        outln!("key exchange group: {g}");
    }
    match s.server_key_matches {
        Some(true) => outln!("server key: matches the certificate"),
        Some(false) => {
            outln!("server key: DOES NOT match the certificate (see the explanation if the handshake fails)")
        }
        None => {}
    }
    if let Some(p) = &s.alpn_protocol {
        outln!("ALPN: {}", String::from_utf8_lossy(p));
    }
    outln!(
        "session: {}",
        if s.resumed {
            "resumed (abbreviated handshake)"
        } else {
            "new (full handshake)"
        }
    );
    if s.suite.is_some_and(|s| !s.is_aead()) {
        outln!(
            "encrypt_then_mac: {}",
            if s.encrypt_then_mac {
                "yes"
            } else {
                "no (MAC-then-encrypt)"
            }
        );
    }
    outln!(
        "extended_master_secret: {}; secure renegotiation: {}",
        if s.extended_master_secret { "yes" } else { "no" },
        if s.secure_renegotiation { "yes" } else { "no" }
    );
}

/// The readable default trace ([`LadderLog::readable`]) on standard output,
/// shared: the command writes the values collected so far before it
/// explains a failure that ended the handshake without an alert.
#[derive(Clone)]
pub struct Readable(Rc<RefCell<LadderLog<Stdout>>>);

impl Readable {
    /// Writes the derived values not written yet.
    pub fn flush_values(&self) {
        self.0.borrow_mut().flush_values();
    }
}

impl Observer for Readable {
    fn on_event(&mut self, event: &tlslab::observer::Event<'_>) {
        self.0.borrow_mut().on_event(event);
    }
}

/// The readable ladder at `level` (see [`LadderLog`]), redacted on request.
pub(crate) fn ladder(sink: Box<dyn Write>, level: TraceLevel, redact: bool) -> Box<dyn Observer> {
    if redact {
        Box::new(LadderLog::redacted(sink, level))
    } else {
        Box::new(LadderLog::new(sink, level))
    }
}
