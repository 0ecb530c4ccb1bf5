//! The `tlslab` command line. The commands and options are declared in
//! `cli/args.rs` (clap); `tlslab help` and `tlslab COMMAND --help` print them.

mod cli;

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

use cli::{Cli, CliError};

fn main() -> ExitCode {
    // The words as typed, for messages and for the flags `diagnose` repeats;
    // the parse itself keeps file names that are not UTF-8 intact.
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e, &argv),
    };
    match cli::run(cli.command, &argv) {
        // Output that could not be written is a failure too.
        Ok(()) if cli::stdout_failed() => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(msg)) => {
            eprintln!("error: {msg}");
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

/// Help and version go to standard output (exit 0); a bare `tlslab` prints
/// the help on standard error (exit 2); any other mistake is one line on
/// standard error, naming the command's `--help` (exit 2).
fn clap_error(e: &clap::Error, argv: &[String]) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A reader that went away (`tlslab connect --help | head`) is no error.
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand if argv.len() <= 1 => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            eprintln!(
                "error: {} (try '{} --help')",
                one_line_reason(e, argv),
                command_path(argv)
            );
            ExitCode::from(2)
        }
    }
}

/// `tlslab`, `tlslab connect`, `tlslab lab check`, ...: as far as `argv`
/// names known commands.
fn command_path(argv: &[String]) -> String {
    let mut path = vec!["tlslab".to_owned()];
    let mut cmd = Cli::command();
    for word in argv.iter().skip(1) {
        let Some(sub) = cmd.find_subcommand(word).cloned() else {
            break;
        };
        path.push(sub.get_name().to_owned());
        cmd = sub;
    }
    path.join(" ")
}

/// The reason of a parse error in one line, in the words tlslab has always
/// used (`unknown option '--bogus'`, `--seed: 'x' is not a number`).
fn one_line_reason(e: &clap::Error, argv: &[String]) -> String {
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    // The option's name without its value placeholder (`--seed <N>` ->
    // `--seed`), or a positional argument's name without brackets (`SHELL`).
    let arg = context(ContextKind::InvalidArg).map(|a| {
        let name = a.split([' ', '=']).next().unwrap_or_default();
        name.trim_start_matches('<').trim_end_matches('>').to_owned()
    });
    let value = context(ContextKind::InvalidValue);
    match e.kind() {
        ErrorKind::UnknownArgument => {
            let a = context(ContextKind::InvalidArg).unwrap_or_default();
            if a.starts_with('-') {
                format!("unknown option '{a}'")
            } else {
                format!("unexpected argument '{a}'")
            }
        }
        ErrorKind::InvalidSubcommand => {
            let sub = context(ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("unknown command '{sub}'")
        }
        ErrorKind::InvalidValue => {
            let valid = match e.get(ContextKind::ValidValue) {
                Some(ContextValue::Strings(v)) => v.join(", "),
                _ => String::new(),
            };
            match value.as_deref() {
                Some("") | None => format!("{} needs a value", arg.unwrap_or_default()),
                Some(v) => format!("{}: '{v}' is not one of: {valid}", arg.unwrap_or_default()),
            }
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| s.to_string())
                .or(value.map(|v| format!("'{v}' is not valid")))
                .unwrap_or_default();
            format!("{}: {why}", arg.unwrap_or_default())
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = context(ContextKind::InvalidArg).unwrap_or_default();
            format!("{} needs {missing}", command_path(argv))
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            let path = command_path(argv);
            let mut cmd = Cli::command();
            for word in path.split(' ').skip(1) {
                cmd = cmd.find_subcommand(word).cloned().unwrap_or(cmd);
            }
            let names: Vec<&str> = cmd
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|n| *n != "help")
                .collect();
            format!("{path} needs a command: {}", names.join(", "))
        }
        _ => {
            // Any other kind: clap's own first line, without its "error: ".
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            first.strip_prefix("error: ").unwrap_or(first).trim().to_owned()
        }
    }
}
