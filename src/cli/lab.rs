//! `tlslab lab list | start NAME | check NAME --answer CAUSE`: graded labs
//! against a local `openssl s_server` (see [`tlslab_cli::lab`]).

use std::path::PathBuf;

use tlslab_cli::lab::{self, Lab, CAUSES, LABS_DIR_ENV};

use super::args::{LabCheckArgs, LabCommand, LabDirs, LabStartArgs};
use super::CliError;

/// The seed lab commands use when `--seed` is absent: every run of a lab is
/// the same run (it must match `default_value_t` in [`super::args`]).
const DEFAULT_SEED: u64 = 1;

/// The built-in labs plus those in TLSLAB_LABS_DIR and each `--labs-dir`.
fn labs(dirs: &LabDirs) -> Result<Vec<Lab>, CliError> {
    let dirs: Vec<PathBuf> = std::env::var_os(LABS_DIR_ENV)
        .map(PathBuf::from)
        .into_iter()
        .chain(dirs.labs_dirs.iter().cloned())
        .collect();
    lab::load(&dirs).map_err(|e| CliError::Other(e.to_string()))
}

/// `tlslab lab ...`.
pub fn run(command: LabCommand) -> Result<(), CliError> {
    match command {
        LabCommand::List(dirs) => list(&dirs),
        LabCommand::Start(a) => start(&a),
        LabCommand::Check(a) => check(&a),
    }
}

fn list(dirs: &LabDirs) -> Result<(), CliError> {
    let labs = labs(dirs)?;
    outln!("{:<20} {:<40} brief", "lab", "title");
    for l in &labs {
        outln!("{:<20} {:<40} {}", l.name, l.title, l.brief);
    }
    outln!("\nStart one with `tlslab lab start NAME`; grade your diagnosis with");
    outln!("`tlslab lab check NAME --answer CAUSE`, where CAUSE is one of:");
    for c in CAUSES {
        outln!("  {:<24} {}", c.id, c.title);
    }
    Ok(())
}

fn start(o: &LabStartArgs) -> Result<(), CliError> {
    let labs = labs(&o.labs)?;
    let l = lab::find(&labs, &o.name).map_err(|e| CliError::Usage(e.to_string()))?;
    let dir = o
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("tlslab-lab-{}", l.name)));
    outln!("== lab {}: {}\n", l.name, l.title);
    for line in &l.text {
        out!("{}", super::wrap(&format!("{line}\n")));
    }
    outln!("\n== running the scenario (seed {})", o.seed);
    let r = lab::run(l, o.seed, Some(&dir)).map_err(CliError::Tls)?;
    if o.redact {
        write_page(&dir.join("report.html"), &r.html(l, false, true))?;
    }
    out!(
        "{}",
        super::wrap(&format!("server: {} (in server-command.txt)\n", r.server_command))
    );
    outln!(
        "\n== the connection: one line per message, then the values the handshake derived \
         (trace.txt has every event)\n{}",
        r.ladder.trim_end()
    );
    outln!("\n== result");
    match &r.result {
        Ok(()) => outln!("the connection worked"),
        Err(e) => {
            outln!("error: {e}");
            if let Some(a) = e.alert() {
                outln!("(the client sent the fatal alert {a} to the server)");
            }
        }
    }
    let log: Vec<&str> = r.server_log.lines().filter(|l| !l.trim().is_empty()).collect();
    outln!("\n== the server's log (last lines)");
    for line in &log[log.len().saturating_sub(8)..] {
        out!("{}", super::wrap(&format!("{line}\n")));
    }
    outln!("\n== files for your investigation in {}", dir.display());
    for f in &r.files {
        outln!("  {}", f.display());
    }
    outln!("  (open report.html in a browser: the ladder, every record's bytes and the key schedule)");
    if let Some(path) = &o.html {
        write_page(path, &r.html(l, false, o.redact))?;
        outln!("HTML report written to {}", path.display());
    }
    outln!(
        "\nWhen you have a diagnosis: tlslab lab check {} --answer CAUSE{}",
        l.name,
        if o.seed == DEFAULT_SEED {
            String::new()
        } else {
            format!(" --seed {}", o.seed)
        }
    );
    out!(
        "{}",
        super::wrap(&format!(
            "causes: {}\n",
            CAUSES.iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
        ))
    );
    Ok(())
}

fn write_page(path: &std::path::Path, page: &str) -> Result<(), CliError> {
    std::fs::write(path, page).map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))
}

fn check(o: &LabCheckArgs) -> Result<(), CliError> {
    let labs = labs(&o.labs)?;
    let l = lab::find(&labs, &o.name).map_err(|e| CliError::Usage(e.to_string()))?;
    let answer = o.answer.as_str();
    if lab::cause(answer).is_none() {
        return Err(CliError::Usage(format!(
            "unknown cause '{answer}' (causes: {})",
            CAUSES.iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
        )));
    }
    // The grade reruns the scenario with the same seed and reads its evidence.
    let r = lab::run(l, o.seed, None).map_err(CliError::Tls)?;
    let g = lab::grade(l, &r, answer).map_err(|e| CliError::Usage(e.to_string()))?;
    out!("{}", g.text);
    // The page: explained only for a right answer.
    let dir = o
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("tlslab-lab-{}", l.name)));
    let path = match &o.html {
        Some(p) => Some(p.clone()),
        None if g.correct && dir.is_dir() => Some(dir.join("report-explained.html")),
        None => None,
    };
    if let Some(path) = path {
        write_page(&path, &r.html(l, g.correct, o.redact))?;
        outln!(
            "HTML report{} written to {}",
            if g.correct { " (explained)" } else { "" },
            path.display()
        );
    }
    if g.correct {
        Ok(())
    } else {
        Err(CliError::Other(format!(
            "{answer} is not the cause in lab {}",
            l.name
        )))
    }
}
