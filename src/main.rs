//! The `tlslab` command line.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{self, ALL_SUITES};
use tlslab::local_server::{LocalServer, ServerMode, ServerOptions};
use tlslab::net::{self, Timeouts};
use tlslab::observer::{JsonLog, KeyLogWriter, Observer, Tee, TextLog};
use tlslab::wire::NamedGroup;
use tlslab::{Client, ClientConfig, Error, Verification};

const USAGE: &str = "\
tlslab: a glass-box TLS 1.2 client

USAGE:
    tlslab connect HOST:PORT [OPTIONS]   handshake with a server, send data, print what comes back
    tlslab demo [OPTIONS]                start a local `openssl s_server -tls1_2`, run a traced
                                         handshake and an HTTP exchange against it, stop it
    tlslab suites                        list the cipher suites this client implements
    tlslab help                          this text

OPTIONS (connect and demo):
    --servername NAME      name for SNI and the certificate check (default: HOST)
    --cipher LIST          offer only these suites, comma-separated, by IANA or OpenSSL name
                           (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or ECDHE-RSA-AES128-GCM-SHA256)
    --groups LIST          offer only these groups: x25519, P-256 (secp256r1), P-384 (secp384r1)
    --no-ems               do not offer extended_master_secret (RFC 7627)
    --ca FILE              trust the PEM certificates in FILE instead of the built-in roots
    --insecure             do NOT verify the server's certificate (prints a warning every time)
    --trace text|json      print every handshake and record event (text: readable; json: JSON Lines)
    --trace-file FILE      write the trace to FILE instead of standard output
    --redact               hide secret values (pre-master, master, keys) in the trace
    --keylog FILE          append the NSS key log line (CLIENT_RANDOM ...) to FILE (mode 0600);
                           SSLKEYLOGFILE is honoured when --keylog is absent
    --send TEXT            send TEXT after the handshake (\\r and \\n escapes allowed);
                           without it, standard input is sent when it is not a terminal
    --timeout SECS         connect/read timeout in seconds (default 10)

EXIT STATUS:
    0 success; 1 the connection failed (the alert name is printed); 2 usage error
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match cmd.as_str() {
        "connect" => Options::parse(&args[1..], true).and_then(|o| run_connect(&o)),
        "demo" => Options::parse(&args[1..], false).and_then(|o| run_demo(&o)),
        "suites" => {
            list_suites();
            Ok(())
        }
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(CliError::Usage(format!("unknown command '{other}'"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(msg)) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(CliError::Tls(e)) => {
            eprintln!("error: {e}");
            if let Some(alert) = e.alert() {
                eprintln!("(we sent the fatal alert {alert} to the server)");
            }
            ExitCode::from(1)
        }
        Err(CliError::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

enum CliError {
    Usage(String),
    Tls(Error),
    Other(String),
}

impl From<Error> for CliError {
    fn from(e: Error) -> CliError {
        CliError::Tls(e)
    }
}

#[derive(Default)]
struct Options {
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
}

impl Options {
    fn parse(args: &[String], needs_addr: bool) -> Result<Options, CliError> {
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

    fn timeouts(&self) -> Timeouts {
        let t = Duration::from_secs(self.timeout.unwrap_or(10));
        Timeouts {
            connect: t,
            read: t,
            write: t,
        }
    }

    /// The client configuration the options describe.
    fn config(&self, default_name: &str) -> Result<ClientConfig, CliError> {
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
    fn observers(&self) -> Result<Tee, CliError> {
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
        Ok(tee)
    }

    /// What to send after the handshake: --send, else standard input if it is not a terminal.
    fn payload(&self) -> Result<Vec<u8>, CliError> {
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

fn unescape(s: &str) -> String {
    s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
}

fn list_suites() {
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

fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr)
}

fn print_session(client: &Client<'_>) {
    let s = client.session();
    let suite = s
        .suite
        .map(|s| format!("{} ({})", s.name(), s.openssl_name))
        .unwrap_or_default();
    println!("negotiated: TLSv1.2 {suite}");
    if let Some(g) = s.group {
        println!("key exchange group: {g}");
    }
    println!(
        "extended_master_secret: {}; secure renegotiation: {}",
        if s.extended_master_secret { "yes" } else { "no" },
        if s.secure_renegotiation { "yes" } else { "no" }
    );
}

fn run_connect(o: &Options) -> Result<(), CliError> {
    let config = o.config(host_of(&o.addr))?;
    let payload = o.payload()?;
    let mut observers = o.observers()?;
    let client = Client::with_observer(config, &mut observers);
    let mut stream = net::connect(&o.addr, client, o.timeouts())?;
    print_session(stream.client());
    if !payload.is_empty() {
        stream.write_all(&payload)?;
    }
    let got = stream.read_until_quiet(Duration::from_millis(1500), o.timeouts().read)?;
    println!("received {} bytes of application data:", got.len());
    std::io::stdout().write_all(&got).ok();
    if !got.ends_with(b"\n") && !got.is_empty() {
        println!();
    }
    stream.close()?;
    Ok(())
}

fn run_demo(o: &Options) -> Result<(), CliError> {
    println!("== starting a local `openssl s_server -tls1_2 -www` with a throwaway CA and certificate");
    let server = LocalServer::start(&ServerOptions {
        mode: ServerMode::Www,
        ..ServerOptions::default()
    })
    .map_err(|e| CliError::Other(format!("cannot start openssl s_server: {e}")))?;
    println!(
        "   listening on {} (CA: {})",
        server.addr(),
        server.ca_pem_path().display()
    );
    let mut config = o.config("localhost")?;
    if o.ca.is_none() && !o.insecure {
        config.verification = Verification::Verify(CertVerifier::from_ca_file(&server.ca_pem_path())?);
    }
    let mut observers = o.observers()?;
    if o.trace.is_none() {
        observers
            .observers
            .insert(0, Box::new(TextLog::new(std::io::stdout())));
    }
    println!("== handshake (every event of the client, in order)");
    let addr = server.addr().to_string();
    let client = Client::with_observer(config, &mut observers);
    let mut stream = net::connect(&addr, client, o.timeouts())?;
    let master_secret = stream.client().master_secret();
    let client_random = stream.client().session().client_random;
    println!("== handshake complete");
    print_session(stream.client());
    let request = o
        .send
        .as_deref()
        .map(unescape)
        .unwrap_or_else(|| "GET / HTTP/1.0\r\n\r\n".into());
    println!("== sending {:?}", request);
    stream.write_all(request.as_bytes())?;
    let got = stream.read_until_quiet(Duration::from_millis(1500), o.timeouts().read)?;
    stream.close()?;
    println!("== received {} bytes; the first lines:", got.len());
    for line in String::from_utf8_lossy(&got).lines().take(12) {
        println!("   {line}");
    }
    if let (Some(ms), Some(cr)) = (master_secret, client_random) {
        match server.keylog_master_secret(&cr) {
            Some(theirs) if theirs == ms => {
                println!(
                    "== OpenSSL's own key log has the same master secret for this client_random: keys agree"
                )
            }
            Some(theirs) => println!("== OpenSSL's key log DIFFERS: {}", hex::encode(theirs)),
            None => println!("== OpenSSL's key log has no line for this connection"),
        }
    }
    println!("== stopping the server");
    drop(server);
    Ok(())
}
