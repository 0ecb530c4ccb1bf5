//! `tlslab lab list | start NAME | check NAME --answer CAUSE`: graded labs
//! against a local `openssl s_server` (see [`tlslab_cli::lab`]).

use std::path::PathBuf;

use tlslab_cli::lab::{self, Lab, CAUSES, LABS_DIR_ENV};

use super::CliError;

/// The seed when `--seed` is absent: every run of a lab is the same run.
const DEFAULT_SEED: u64 = 1;

struct LabOptions {
    name: Option<String>,
    seed: u64,
    answer: Option<String>,
    labs_dirs: Vec<PathBuf>,
    out: Option<PathBuf>,
}

impl LabOptions {
    fn parse(args: &[String]) -> Result<LabOptions, CliError> {
        let mut o = LabOptions {
            name: None,
            seed: DEFAULT_SEED,
            answer: None,
            labs_dirs: std::env::var_os(LABS_DIR_ENV)
                .map(PathBuf::from)
                .into_iter()
                .collect(),
            out: None,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| CliError::Usage(format!("{name} needs a value")))
            };
            match a.as_str() {
                "--seed" => {
                    let v = value(a)?;
                    o.seed = v
                        .parse()
                        .map_err(|_| CliError::Usage(format!("--seed: '{v}' is not a number")))?;
                }
                "--answer" => o.answer = Some(value(a)?),
                "--labs-dir" => o.labs_dirs.push(value(a)?.into()),
                "--dir" => o.out = Some(value(a)?.into()),
                s if s.starts_with('-') => return Err(CliError::Usage(format!("unknown option '{s}'"))),
                s if o.name.is_none() => o.name = Some(s.to_owned()),
                s => return Err(CliError::Usage(format!("unexpected argument '{s}'"))),
            }
        }
        Ok(o)
    }

    fn labs(&self) -> Result<Vec<Lab>, CliError> {
        lab::load(&self.labs_dirs).map_err(|e| CliError::Other(e.to_string()))
    }

    fn name(&self, cmd: &str) -> Result<&str, CliError> {
        self.name
            .as_deref()
            .ok_or_else(|| CliError::Usage(format!("lab {cmd} needs a lab name (see `tlslab lab list`)")))
    }
}

/// `tlslab lab ...`.
pub fn run(args: &[String]) -> Result<(), CliError> {
    let Some((cmd, rest)) = args.split_first() else {
        return Err(CliError::Usage("lab needs list, start or check".into()));
    };
    let o = LabOptions::parse(rest)?;
    match cmd.as_str() {
        "list" => list(&o),
        "start" => start(&o),
        "check" => check(&o),
        other => Err(CliError::Usage(format!(
            "unknown lab command '{other}' (list, start, check)"
        ))),
    }
}

fn list(o: &LabOptions) -> Result<(), CliError> {
    let labs = o.labs()?;
    println!("{:<20} {:<40} brief", "lab", "title");
    for l in &labs {
        println!("{:<20} {:<40} {}", l.name, l.title, l.brief);
    }
    println!("\nStart one with `tlslab lab start NAME`; grade your diagnosis with");
    println!("`tlslab lab check NAME --answer CAUSE`, where CAUSE is one of:");
    for c in CAUSES {
        println!("  {:<24} {}", c.id, c.title);
    }
    Ok(())
}

fn start(o: &LabOptions) -> Result<(), CliError> {
    let labs = o.labs()?;
    let name = o.name("start")?;
    let l = lab::find(&labs, name).map_err(|e| CliError::Usage(e.to_string()))?;
    let dir = o
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("tlslab-lab-{}", l.name)));
    println!("== lab {}: {}\n", l.name, l.title);
    for line in &l.text {
        println!("{line}");
    }
    println!("\n== running the scenario (seed {})", o.seed);
    let r = lab::run(l, o.seed, Some(&dir)).map_err(CliError::Tls)?;
    println!("server: {}", r.server_command);
    println!("\n== the client's trace\n{}", r.trace.trim_end());
    println!("\n== result");
    match &r.result {
        Ok(()) => println!("the connection worked"),
        Err(e) => {
            println!("error: {e}");
            if let Some(a) = e.alert() {
                println!("(the client sent the fatal alert {a} to the server)");
            }
        }
    }
    let log: Vec<&str> = r.server_log.lines().filter(|l| !l.trim().is_empty()).collect();
    println!("\n== the server's log (last lines)");
    for line in &log[log.len().saturating_sub(8)..] {
        println!("{line}");
    }
    println!("\n== files for your investigation in {}", dir.display());
    for f in &r.files {
        println!("  {}", f.display());
    }
    println!(
        "\nWhen you have a diagnosis: tlslab lab check {} --answer CAUSE{}",
        l.name,
        if o.seed == DEFAULT_SEED {
            String::new()
        } else {
            format!(" --seed {}", o.seed)
        }
    );
    println!(
        "causes: {}",
        CAUSES.iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

fn check(o: &LabOptions) -> Result<(), CliError> {
    let labs = o.labs()?;
    let name = o.name("check")?;
    let l = lab::find(&labs, name).map_err(|e| CliError::Usage(e.to_string()))?;
    let answer = o
        .answer
        .as_deref()
        .ok_or_else(|| CliError::Usage("lab check needs --answer CAUSE (see `tlslab lab list`)".into()))?;
    if lab::cause(answer).is_none() {
        return Err(CliError::Usage(format!(
            "unknown cause '{answer}' (causes: {})",
            CAUSES.iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
        )));
    }
    // The grade reruns the scenario with the same seed and reads its evidence.
    let r = lab::run(l, o.seed, None).map_err(CliError::Tls)?;
    let g = lab::grade(l, &r, answer).map_err(|e| CliError::Usage(e.to_string()))?;
    print!("{}", g.text);
    if g.correct {
        Ok(())
    } else {
        Err(CliError::Other(format!(
            "{answer} is not the cause in lab {}",
            l.name
        )))
    }
}
