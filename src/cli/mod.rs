//! Shared pieces of the command line: options, configuration, observers.

pub mod connect;
pub mod demo;
pub mod diagnose;
pub mod explain;
pub mod lab;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{self, ALL_SUITES};
use tlslab::faults::{Fault, Faults};
use tlslab::observer::{JsonLog, KeyLogWriter, Observer, Tee, TextLog};
use tlslab::session::StoredSession;
use tlslab::wire::{NamedGroup, SignatureScheme};
use tlslab::{Client, ClientConfig, Error, Verification};
use tlslab_cli::net::Timeouts;

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

/// The options of `connect` and `demo`.
#[derive(Default)]
pub struct Options {
    addr: String,
    servername: Option<String>,
    ciphers: Option<String>,
    groups: Option<String>,
    no_ems: bool,
    ca: Option<PathBuf>,
    insecure: bool,
    trace: Option<String>,
    trace_file: Option<PathBuf>,
    redact: bool,
    keylog: Option<PathBuf>,
    send: Option<String>,
    timeout: Option<u64>,
    alpn: Option<String>,
    sigalgs: Option<String>,
    no_tickets: bool,
    no_etm: bool,
    sess_in: Option<PathBuf>,
    sess_out: Option<PathBuf>,
    reconnect: bool,
    faults: Vec<Fault>,
    seed: Option<u64>,
    server_key: Option<PathBuf>,
    json: bool,
    bundle: Option<PathBuf>,
    pcap: Option<PathBuf>,
    /// The flags as given (without HOST:PORT), to repeat in suggested commands.
    pub flags: Vec<String>,
}

impl Options {
    pub fn parse(args: &[String], needs_addr: bool) -> Result<Options, CliError> {
        let mut o = Options::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| CliError::Usage(format!("{name} needs a value")))
            };
            match a.as_str() {
                "--servername" => o.servername = Some(value(a)?),
                "--cipher" => o.ciphers = Some(value(a)?),
                "--groups" => o.groups = Some(value(a)?),
                "--no-ems" => o.no_ems = true,
                "--ca" => o.ca = Some(value(a)?.into()),
                "--insecure" => o.insecure = true,
                "--trace" => o.trace = Some(value(a)?),
                "--trace-file" => o.trace_file = Some(value(a)?.into()),
                "--redact" => o.redact = true,
                "--keylog" => o.keylog = Some(value(a)?.into()),
                "--send" => o.send = Some(value(a)?),
                "--alpn" => o.alpn = Some(value(a)?),
                "--sigalgs" => o.sigalgs = Some(value(a)?),
                "--no-tickets" => o.no_tickets = true,
                "--no-etm" => o.no_etm = true,
                "--sess-in" => o.sess_in = Some(value(a)?.into()),
                "--sess-out" => o.sess_out = Some(value(a)?.into()),
                "--reconnect" => o.reconnect = true,
                "--seed" => {
                    let v = value(a)?;
                    o.seed = Some(
                        v.parse()
                            .map_err(|_| CliError::Usage(format!("--seed: '{v}' is not a number")))?,
                    );
                }
                "--bundle" => o.bundle = Some(value(a)?.into()),
                "--server-key" => o.server_key = Some(value(a)?.into()),
                "--json" => o.json = true,
                "--fault" => o
                    .faults
                    .push(Fault::parse(&value(a)?).map_err(|e| CliError::Usage(e.to_string()))?),
                "--pcap" if needs_addr => o.pcap = Some(value(a)?.into()),
                "--timeout" => {
                    let v = value(a)?;
                    o.timeout = Some(
                        v.parse()
                            .map_err(|_| CliError::Usage(format!("--timeout: '{v}' is not a number")))?,
                    );
                }
                s if s.starts_with('-') => return Err(CliError::Usage(format!("unknown option '{s}'"))),
                s if needs_addr && o.addr.is_empty() => o.addr = s.to_string(),
                s => return Err(CliError::Usage(format!("unexpected argument '{s}'"))),
            }
        }
        let mut addr_seen = false;
        o.flags = args
            .iter()
            .filter(|a| {
                let is_addr = !addr_seen && **a == o.addr;
                addr_seen |= is_addr;
                !is_addr
            })
            .cloned()
            .collect();
        if needs_addr && o.addr.is_empty() {
            return Err(CliError::Usage("connect needs HOST:PORT".into()));
        }
        if let Some(t) = &o.trace {
            if t != "text" && t != "json" {
                return Err(CliError::Usage(format!(
                    "--trace must be text or json, not '{t}'"
                )));
            }
        }
        Ok(o)
    }

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

    /// The observers the options ask for (trace, key log).
    pub fn observers(&self) -> Result<Tee, CliError> {
        let mut tee = Tee::default();
        if let Some(kind) = &self.trace {
            let sink: Box<dyn Write> = match &self.trace_file {
                Some(p) => Box::new(
                    std::fs::File::create(p)
                        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", p.display())))?,
                ),
                None => Box::new(std::io::stdout()),
            };
            let obs: Box<dyn Observer> = match (kind.as_str(), self.redact) {
                ("json", _) => Box::new(JsonLog::new(sink)),
                (_, true) => Box::new(TextLog::redacted(sink)),
                _ => Box::new(TextLog::new(sink)),
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
        if let Some(p) = &self.pcap {
            tee.observers.push(Box::new(pcap_writer(p, &self.addr)?));
        }
        Ok(tee)
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
fn pcap_writer(path: &std::path::Path, addr: &str) -> Result<tlslab::capture::PcapWriter, CliError> {
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
        _ => Err(CliError::Usage(format!(
            "unknown or unsupported group '{s}' (x25519, P-256, P-384)"
        ))),
    }
}

pub fn unescape(s: &str) -> String {
    s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
}

/// `tlslab faults`: the fault catalogue.
pub fn list_faults() {
    println!("{:<26} {:<16} what it does", "fault", "argument");
    for (name, arg, what) in tlslab::faults::CATALOGUE {
        println!("{name:<26} {arg:<16} {what}");
    }
    println!(
        "\nRecord numbers count our protected records from 0 (0 = our Finished, 1 = first application data)."
    );
}

/// `tlslab suites`: the suite table.
pub fn list_suites() {
    println!("{:<8} {:<48} {:<32} PRF", "code", "IANA name", "OpenSSL name");
    for s in ALL_SUITES {
        println!(
            "0x{:04x}   {:<48} {:<32} {}",
            s.id.0,
            s.name(),
            s.openssl_name,
            s.prf.name()
        );
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
    println!("negotiated: TLSv1.2 {suite}");
    if let Some(g) = s.group {
        println!("key exchange group: {g}");
    }
    match s.server_key_matches {
        Some(true) => println!("server key: matches the certificate"),
        Some(false) => println!(
            "server key: DOES NOT match the certificate (see the explanation if the handshake fails)"
        ),
        None => {}
    }
    if let Some(p) = &s.alpn_protocol {
        println!("ALPN: {}", String::from_utf8_lossy(p));
    }
    println!(
        "session: {}",
        if s.resumed {
            "resumed (abbreviated handshake)"
        } else {
            "new (full handshake)"
        }
    );
    if s.suite.is_some_and(|s| !s.is_aead()) {
        println!(
            "encrypt_then_mac: {}",
            if s.encrypt_then_mac {
                "yes"
            } else {
                "no (MAC-then-encrypt)"
            }
        );
    }
    println!(
        "extended_master_secret: {}; secure renegotiation: {}",
        if s.extended_master_secret { "yes" } else { "no" },
        if s.secure_renegotiation { "yes" } else { "no" }
    );
}
