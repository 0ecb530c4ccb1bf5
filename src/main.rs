//! The `tlslab` command line.

mod cli;

use std::process::ExitCode;

use cli::{CliError, Options};

const USAGE: &str = "\
tlslab: a glass-box TLS 1.2 client

USAGE:
    tlslab connect HOST:PORT [OPTIONS]   handshake with a server, send data, print what comes back
    tlslab diagnose HOST:PORT [OPTIONS]  run a matrix of handshakes (suites, groups, EMS/EtM, record
                                         sizes, fragmentation, resumption) and report which work, which
                                         fail and why, with a command reproducing each (--json)
    tlslab demo [OPTIONS]                start a local `openssl s_server -tls1_2`, run a traced
                                         handshake and an HTTP exchange against it, stop it
    tlslab explain CAPTURE [--keylog FILE] [--server-key FILE] [--json]
                                         read a pcap/pcapng capture, find its TLS 1.2 connections,
                                         decrypt and verify every record and both Finished messages,
                                         and name the first record that fails and why
    tlslab suites                        list the cipher suites this client implements
    tlslab faults                        list the named faults --fault can inject
    tlslab replay DIR                    replay a bundle written by --bundle, offline, and check
                                         that every client byte and event matches
    tlslab lab list                      the course labs, and the causes a diagnosis can name
    tlslab lab start NAME [--seed N] [--dir DIR]
                                         run a lab's broken scenario against a local openssl s_server
                                         and print the trace to investigate (files in ./tlslab-lab-NAME)
    tlslab lab check NAME --answer CAUSE [--seed N]
                                         grade a diagnosis: exit 0 and the evidence when right,
                                         exit 1 and why the cause does not fit when wrong
                                         (labs: --labs-dir DIR or TLSLAB_LABS_DIR add *.lab files)
    tlslab help                          this text

OPTIONS (connect and demo):
    --servername NAME      name for SNI and the certificate check (default: HOST)
    --cipher LIST          offer only these suites, comma-separated, by IANA or OpenSSL name
                           (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or ECDHE-RSA-AES128-GCM-SHA256)
    --groups LIST          offer only these groups: x25519, P-256 (secp256r1), P-384 (secp384r1)
    --no-ems               do not offer extended_master_secret (RFC 7627)
    --no-etm               do not offer encrypt_then_mac (RFC 7366)
    --sigalgs LIST         offer only these signature schemes (rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ...)
    --alpn LIST            offer these ALPN protocols, comma-separated (h2,http/1.1)
    --no-tickets           do not offer session_ticket (RFC 5077)
    --sess-out FILE        save the session (ID or ticket, and master secret) to FILE (mode 0600)
    --sess-in FILE         resume the session saved in FILE (abbreviated handshake)
    --reconnect            after the first handshake, connect again resuming its session
    --fault NAME[:ARG]     make a deliberate mistake (see `tlslab faults`); may be repeated
    --seed N               derive client_random, keys and IVs from N (reproducible runs)
        --bundle DIR           write a replay bundle (seed, flights, events, key log) to DIR
    --server-key FILE      the RSA private key the server should be using: checked against
                           its certificate before the handshake goes on
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
    --pcap FILE            (connect) write the connection to FILE as a pcap capture (synthetic
                           TCP/IP framing around the exact TLS bytes; open it in Wireshark with
                           the --keylog file to decrypt it)

OPTIONS (explain):
    --keylog FILE          NSS key log (CLIENT_RANDOM / PMS_CLIENT_RANDOM lines) to find the secrets
    --server-key FILE      the server's PEM private key (only RSA key transport can use it)
    --json                 JSON Lines instead of text (the trace events plus connection_summary
                           and capture_summary objects)

EXIT STATUS:
    0 success; 1 the connection failed (the alert name is printed); 2 usage error
";

extern "C" {
    fn signal(signum: i32, handler: usize) -> usize;
}

fn main() -> ExitCode {
    // Like other command-line tools, end quietly when the reader of our output
    // goes away (`tlslab connect ... | head`) instead of panicking on EPIPE.
    // SAFETY: SIGPIPE (13) back to its default action (SIG_DFL = 0) before any
    // thread exists.
    unsafe {
        signal(13, 0);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match cmd.as_str() {
        "connect" => Options::parse(&args[1..], true).and_then(|o| cli::connect::run(&o)),
        "demo" => Options::parse(&args[1..], false).and_then(|o| cli::demo::run(&o)),
        "replay" => cli::connect::replay(&args[1..]),
        "diagnose" => Options::parse(&args[1..], true).and_then(|o| cli::diagnose::run(&o)),
        "faults" => {
            cli::list_faults();
            Ok(())
        }
        "explain" => cli::explain::ExplainOptions::parse(&args[1..]).and_then(|o| cli::explain::run(&o)),
        "lab" => cli::lab::run(&args[1..]),
        "suites" => {
            cli::list_suites();
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
