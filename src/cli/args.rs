//! The command line, declared once (clap derive): every command, option,
//! default and help text. `tlslab CMD --help` prints the long help of a
//! command; `tlslab completions SHELL` prints a completion script.
//!
//! The commands' work is in the sibling modules; these structs only carry
//! what the user typed. A new option is one field here, with its doc
//! comment as its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tlslab::faults::Fault;

/// The whole command line.
#[derive(Parser, Debug)]
#[command(
    name = "tlslab",
    version,
    about = "tlslab: a glass-box TLS 1.2 client",
    long_about = "tlslab: a glass-box TLS 1.2 client (TLS 1.0 and 1.1 on request with \
        --min-version, deprecated by RFC 8996; captures of SSL 3.0 to TLS 1.2 read by `explain`).\n\n\
        Every value RFC 5246 names (pre-master and master secret, each PRF step, the key block, \
        MAC input, padding, AEAD nonce, transcript hash, verify_data) can be traced; when a \
        connection fails, tlslab recomputes the failed record or Finished under alternative \
        assumptions and names the cause.",
    after_help = "Run `tlslab COMMAND --help` for the options of a command.\n\n\
        EXIT STATUS: 0 success; 1 the connection failed (the alert name is printed); 2 usage error",
    arg_required_else_help = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Handshake with a server, send data, print what comes back (and why it failed)
    Connect(ConnectArgs),
    /// Run a matrix of handshakes against a server and report which work, which fail and why
    #[command(
        long_about = "Run a matrix of handshakes (suites, groups, EMS/EtM, record sizes, \
        fragmentation, resumption) against a server and report which work, which fail and why, \
        with a command reproducing each.\n\n\
        The options of `tlslab connect` set the base offer every probe starts from. \
        The exit status is 1 when the report finds the server or the path at fault (the \
        default offer fails, an experiment proves a fault, or a working connection shows one), \
        0 when every experiment found it healthy."
    )]
    Diagnose(DiagnoseArgs),
    /// Explain a pcap/pcapng capture: decrypt and verify every record and Finished (SSL 3.0 to TLS 1.2)
    #[command(
        long_about = "Read a pcap/pcapng capture, find its SSL 3.0, TLS 1.0, 1.1 and 1.2 \
        connections, decrypt and \
        verify every record and both Finished messages, and name the first record that fails \
        and why.\n\n\
        Prints the capture's summary, then each connection's (the failing ones first, each \
        with its evidence); --trace LEVEL adds each connection's trace after them."
    )]
    Explain(ExplainArgs),
    /// Start a local server, run a fully traced handshake against it, compare master secrets
    #[command(
        long_about = "Start a local TLS 1.2 server with a throwaway CA and certificate \
        (by default a rustls server inside this process: nothing to install), run a fully \
        traced handshake and an exchange of application data against it, compare our master \
        secret with the one in the server's own key log, and stop the server.\n\n\
        Takes the options of `tlslab connect` (without HOST:PORT)."
    )]
    Demo(DemoArgs),
    /// Replay a bundle written by --bundle, offline, and check every client byte and event
    Replay(ReplayArgs),
    /// Draw a saved JSON trace or a replay bundle as one self-contained HTML page
    View(ViewArgs),
    /// Course labs: list them, start one, grade a diagnosis
    #[command(subcommand)]
    Lab(LabCommand),
    /// List the cipher suites this client implements (--all: also those
    /// explain reads in captures but the client never offers)
    Suites(SuitesArgs),
    /// List the named faults --fault can inject
    Faults,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(long_about = "Print a shell completion script on standard output.\n\n\
        bash: `tlslab completions bash > ~/.local/share/bash-completion/completions/tlslab`\n\
        zsh:  `tlslab completions zsh > ~/.zfunc/_tlslab` (with ~/.zfunc in $fpath)\n\
        fish: `tlslab completions fish > ~/.config/fish/completions/tlslab.fish`")]
    Completions(CompletionsArgs),
}

/// `tlslab connect`.
#[derive(Args, Debug)]
pub struct ConnectArgs {
    /// The server, as HOST:PORT (IPv6 in brackets: `[::1]:443`)
    #[arg(value_name = "HOST:PORT")]
    pub addr: String,
    /// The handshake, trace and payload options.
    #[command(flatten)]
    pub options: Options,
    /// Write the connection to FILE as a pcap capture
    ///
    /// Synthetic TCP/IP framing around the exact TLS bytes; open it in
    /// Wireshark with the --keylog file to decrypt it.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub pcap: Option<PathBuf>,
    /// After a failure, make at most N more handshakes (default 6), each
    /// varying one respect of the offer, and say which cause they prove
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "6", help_heading = "Diagnosis")]
    pub probe: Option<usize>,
    /// Write the connection as one self-contained HTML page
    ///
    /// The verdict, the ladder of records with their annotated bytes and the
    /// key schedule; --redact replaces every secret.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,
}

/// `tlslab diagnose`.
#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    /// The server, as HOST:PORT (IPv6 in brackets: `[::1]:443`)
    #[arg(value_name = "HOST:PORT")]
    pub addr: String,
    /// The base offer of every probe.
    #[command(flatten)]
    pub options: Options,
    /// Print the report as JSON instead of text
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Make the default offer N times (default 3): differing outcomes
    /// mean an intermittent failure, often one bad server behind a load
    /// balancer
    #[arg(long, value_name = "N", help_heading = "Diagnosis")]
    pub repeat: Option<usize>,
}

/// `tlslab demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Which local server to run against
    #[arg(long, value_enum, default_value_t = DemoServer::Rustls, value_name = "KIND")]
    pub server: DemoServer,
    /// The handshake, trace and payload options.
    #[command(flatten)]
    pub options: Options,
    /// Write the connection as one self-contained HTML page
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<std::path::PathBuf>,
}

/// The servers `tlslab demo` can start.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoServer {
    /// rustls, inside this process (nothing to install)
    Rustls,
    /// `openssl s_server -tls1_2 -www` (Debian package openssl)
    Openssl,
    /// `gnutls-serv --echo` (Debian package gnutls-bin)
    Gnutls,
    /// tlslite-ng's `tls.py server --echo` (pip package tlslite-ng)
    #[value(alias = "tlslite-ng")]
    Tlslite,
    /// mbedTLS inside lighttpd (Debian packages lighttpd, lighttpd-mod-mbedtls)
    Mbedtls,
}

/// `tlslab explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The capture file (pcap or pcapng)
    #[arg(value_name = "CAPTURE")]
    pub capture: PathBuf,
    /// NSS key log (CLIENT_RANDOM / PMS_CLIENT_RANDOM lines) to find the secrets
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// The server's PEM private key (only RSA key transport can use it)
    #[arg(long, value_name = "FILE")]
    pub server_key: Option<PathBuf>,
    /// JSON Lines instead of text
    ///
    /// The trace events plus connection_summary and capture_summary objects.
    #[arg(long)]
    pub json: bool,
    /// After the summaries, print each connection's trace: summary, messages,
    /// values or bytes (the readable ladder, each level adding detail), text
    /// (one line per event) or json (JSON Lines)
    #[arg(long, value_enum, value_name = "LEVEL", conflicts_with = "json")]
    pub trace: Option<TraceFormat>,
    /// Also write every connection as one self-contained HTML page, one section each
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace every secret in the trace and the HTML page
    #[arg(long)]
    pub redact: bool,
}

/// `tlslab replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The bundle directory (written by `tlslab connect --bundle DIR`)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Also write the replayed connection as one self-contained HTML page
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// In the HTML page, replace every secret
    #[arg(long)]
    pub redact: bool,
}

/// `tlslab view`.
#[derive(Args, Debug)]
pub struct ViewArgs {
    /// A saved JSON trace (`--trace json` output) or a replay bundle directory
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
    /// The HTML file to write (default: TRACE.html)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace every secret
    #[arg(long)]
    pub redact: bool,
}

/// `tlslab suites`.
#[derive(Args, Debug)]
pub struct SuitesArgs {
    /// Also list the suites `tlslab explain` reads in captures but the client
    /// never offers (RC4, single and triple DES, NULL encryption), under
    /// their own heading
    #[arg(long)]
    pub all: bool,
}

/// `tlslab completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `tlslab lab ...`.
#[derive(Subcommand, Debug)]
pub enum LabCommand {
    /// The course labs, and the causes a diagnosis can name
    List(LabDirs),
    /// Run a lab's broken scenario against a local openssl s_server and print the evidence
    #[command(
        long_about = "Run a lab's broken scenario against a local openssl s_server and \
        print the trace to investigate; the files (trace, key log, capture) go to \
        ./tlslab-lab-NAME unless --dir says otherwise."
    )]
    Start(LabStartArgs),
    /// Grade a diagnosis: exit 0 and the evidence when right, exit 1 and why when wrong
    Check(LabCheckArgs),
}

/// Where labs are found, besides the built-in ones.
#[derive(Args, Debug)]
pub struct LabDirs {
    /// Also load the *.lab files in DIR (may be repeated; TLSLAB_LABS_DIR does the same)
    #[arg(long = "labs-dir", value_name = "DIR")]
    pub labs_dirs: Vec<PathBuf>,
}

/// `tlslab lab start`.
#[derive(Args, Debug)]
pub struct LabStartArgs {
    /// The lab (see `tlslab lab list`)
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Derive the scenario's randoms and keys from N (the same N, the same run)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = number)]
    pub seed: u64,
    /// Write the files for the investigation to DIR (default: ./tlslab-lab-NAME)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also write the connection as one self-contained HTML page to FILE
    /// (DIR/report.html is always written; neither holds the answer)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// In the HTML pages, replace every secret
    #[arg(long)]
    pub redact: bool,
    /// Where labs are found.
    #[command(flatten)]
    pub labs: LabDirs,
}

/// `tlslab lab check`.
#[derive(Args, Debug)]
pub struct LabCheckArgs {
    /// The lab (see `tlslab lab list`)
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The cause you diagnosed (one of those `tlslab lab list` prints)
    #[arg(long, value_name = "CAUSE", required = true)]
    pub answer: String,
    /// The seed the lab was started with
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = number)]
    pub seed: u64,
    /// The lab's directory (default: ./tlslab-lab-NAME): a right answer
    /// writes the explained page there as report-explained.html, if it exists
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Write the connection as one HTML page to FILE: explained (every
    /// event and the explainer's verdict) for a right answer, as `lab start`
    /// draws it for a wrong one
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// In the HTML page, replace every secret
    #[arg(long)]
    pub redact: bool,
    /// Where labs are found.
    #[command(flatten)]
    pub labs: LabDirs,
}

/// A protocol version for --min-version and --max-version.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.0 (RFC 2246), deprecated by RFC 8996
    #[value(name = "tls1.0")]
    Tls10,
    /// TLS 1.1 (RFC 4346), deprecated by RFC 8996
    #[value(name = "tls1.1")]
    Tls11,
    /// TLS 1.2 (RFC 5246)
    #[value(name = "tls1.2")]
    Tls12,
}

impl TlsVersion {
    /// The wire value.
    pub fn protocol_version(self) -> tlslab::wire::ProtocolVersion {
        use tlslab::wire::ProtocolVersion;
        match self {
            TlsVersion::Tls10 => ProtocolVersion::TLS10,
            TlsVersion::Tls11 => ProtocolVersion::TLS11,
            TlsVersion::Tls12 => ProtocolVersion::TLS12,
        }
    }
}

/// How application data is cut into records (--split-records).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordSplit {
    /// The first byte alone, then the rest (BEAST countermeasure)
    #[value(name = "1/n-1")]
    OneNMinusOne,
}

/// How the trace is printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    /// One line per event, byte strings in full hex (for grep and scripts)
    Text,
    /// JSON Lines: one object per event, and a `message` object with the
    /// dissected fields after every handshake message
    Json,
    /// A ladder: one line per message with its key fields
    Summary,
    /// The ladder and every field of every message (name, byte range, value)
    Messages,
    /// Those and every derived value (PRF, keys, MAC inputs, nonces), wrapped and labelled
    Values,
    /// Everything: the above plus the annotated hex dump of every message
    Bytes,
}

/// The options of `connect`, `diagnose` and `demo`: what the client offers,
/// how it checks the server, what it traces and what it sends.
#[derive(Args, Debug, Clone)]
pub struct Options {
    /// Name for SNI and the certificate check (default: HOST)
    #[arg(long, value_name = "NAME", help_heading = "Handshake")]
    pub servername: Option<String>,
    /// Offer only these suites, comma-separated, by IANA or OpenSSL name
    ///
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or ECDHE-RSA-AES128-GCM-SHA256;
    /// `tlslab suites` lists them.
    #[arg(long = "cipher", value_name = "LIST", help_heading = "Handshake")]
    pub ciphers: Option<String>,
    /// Offer only these groups: x25519, P-256 (secp256r1), P-384 (secp384r1),
    /// P-521 (secp521r1, not offered by default)
    #[arg(long, value_name = "LIST", help_heading = "Handshake")]
    pub groups: Option<String>,
    /// Offer only these signature schemes (rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ...)
    #[arg(long, value_name = "LIST", help_heading = "Handshake")]
    pub sigalgs: Option<String>,
    /// Offer these ALPN protocols, comma-separated (h2,http/1.1)
    #[arg(long, value_name = "LIST", help_heading = "Handshake")]
    pub alpn: Option<String>,
    /// Do not offer extended_master_secret (RFC 7627)
    #[arg(long, help_heading = "Handshake")]
    pub no_ems: bool,
    /// Do not offer encrypt_then_mac (RFC 7366)
    #[arg(long, help_heading = "Handshake")]
    pub no_etm: bool,
    /// Do not offer session_ticket (RFC 5077)
    #[arg(long, help_heading = "Handshake")]
    pub no_tickets: bool,
    /// The highest protocol version to offer (ClientHello.client_version)
    ///
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996): a warning is printed on
    /// every run that allows them.
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = TlsVersion::Tls12, help_heading = "Handshake")]
    pub max_version: TlsVersion,
    /// The lowest protocol version to accept in ServerHello
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = TlsVersion::Tls12, help_heading = "Handshake")]
    pub min_version: TlsVersion,
    /// Split application data records: 1/n-1 sends the first byte of each
    /// write in a record of its own (the BEAST countermeasure for TLS 1.0 CBC)
    #[arg(long, value_enum, value_name = "HOW", help_heading = "Handshake")]
    pub split_records: Option<RecordSplit>,
    /// Save the session (ID or ticket, and master secret) to FILE (mode 0600)
    #[arg(long, value_name = "FILE", help_heading = "Resumption")]
    pub sess_out: Option<PathBuf>,
    /// Resume the session saved in FILE (abbreviated handshake)
    #[arg(long, value_name = "FILE", help_heading = "Resumption")]
    pub sess_in: Option<PathBuf>,
    /// After the first handshake, connect again resuming its session
    #[arg(long, help_heading = "Resumption")]
    pub reconnect: bool,
    /// Make a deliberate mistake (see `tlslab faults`); may be repeated
    #[arg(long = "fault", value_name = "NAME[:ARG]", value_parser = fault, help_heading = "Experiments")]
    pub faults: Vec<Fault>,
    /// Derive client_random, keys and IVs from N (reproducible runs)
    #[arg(long, value_name = "N", value_parser = number, help_heading = "Experiments")]
    pub seed: Option<u64>,
    /// Write a replay bundle (seed, flights, events, key log) to DIR
    ///
    /// Replay it offline with `tlslab replay DIR`.
    #[arg(long, value_name = "DIR", help_heading = "Experiments")]
    pub bundle: Option<PathBuf>,
    /// The RSA private key the server should be using: checked against its certificate
    ///
    /// The check happens before the handshake goes on; with RSA key exchange
    /// a mismatch is explained before the server's alert.
    #[arg(long, value_name = "FILE", help_heading = "Server certificate")]
    pub server_key: Option<PathBuf>,
    /// Trust the PEM certificates in FILE instead of the built-in roots
    #[arg(long, value_name = "FILE", help_heading = "Server certificate")]
    pub ca: Option<PathBuf>,
    /// Do NOT verify the server's certificate (prints a warning every time)
    #[arg(long, help_heading = "Server certificate")]
    pub insecure: bool,
    /// Print the handshake: summary, messages, values or bytes (a readable ladder, each
    /// level adding detail), text (one line per event) or json (JSON Lines)
    #[arg(long, value_enum, value_name = "LEVEL", help_heading = "Output")]
    pub trace: Option<TraceFormat>,
    /// Write the trace to FILE instead of standard output
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub trace_file: Option<PathBuf>,
    /// Hide secret values (pre-master, master, keys) in the trace
    #[arg(long, help_heading = "Output")]
    pub redact: bool,
    /// Append the NSS key log line (CLIENT_RANDOM ...) to FILE (mode 0600)
    ///
    /// Without it, the file named by SSLKEYLOGFILE is used when that is set.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub keylog: Option<PathBuf>,
    /// Send TEXT after the handshake (\r, \n and \t escapes allowed)
    ///
    /// Without it, standard input is sent when it is not a terminal.
    #[arg(long, value_name = "TEXT", help_heading = "Payload")]
    pub send: Option<String>,
    /// Connect/read timeout in seconds (default 10)
    #[arg(long, value_name = "SECS", value_parser = number, help_heading = "Payload")]
    pub timeout: Option<u64>,
}

/// A decimal number, for --seed and --timeout.
fn number(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("'{s}' is not a number"))
}

/// `NAME[:ARG[,ARG]]` of `tlslab faults`.
fn fault(s: &str) -> Result<Fault, String> {
    Fault::parse(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
