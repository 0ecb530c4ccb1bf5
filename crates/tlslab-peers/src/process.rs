//! Starting a server process and waiting until it listens: the part every
//! peer shares. A [`Plan`] says what to run; [`ServerProcess::start`] tries
//! free ports until the server prints its ready line.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::certs::free_port;
use tlslab::Error;

/// How long a server may take to print its ready line.
const START_DEADLINE: Duration = Duration::from_secs(20);
/// How many ports are tried when another process takes the one we picked.
const PORT_ATTEMPTS: usize = 5;
/// Replaced by the chosen port in a [`Plan`]'s arguments and files.
pub(crate) const PORT: &str = "{PORT}";

/// What to run, with [`PORT`] standing for the port wherever it appears.
pub(crate) struct Plan {
    /// The program (looked up in `PATH`).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Files to write into the directory before each start (name, contents).
    pub files: Vec<(String, String)>,
    /// A substring of stdout or stderr that means "listening now"
    /// ([`PORT`] replaced).
    pub ready_line: String,
    /// What to tell the user when `program` is missing.
    pub install_hint: &'static str,
}

/// A running server process; dropping it kills the process.
pub(crate) struct ServerProcess {
    pub child: Child,
    pub port: u16,
    pub command: Vec<String>,
    pub dir: PathBuf,
    // Held open for the server's lifetime: `openssl s_server` shuts down on
    // end of file on stdin.
    _stdin: Option<ChildStdin>,
}

pub(crate) fn tail(text: &str, lines: usize) -> String {
    let v: Vec<&str> = text.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::io(format!("peer: {what}: {e}"))
}

impl ServerProcess {
    /// Starts `plan` in `dir` on a free port and waits for its ready line.
    /// A server that exits saying its address is in use is retried on
    /// another port; any other early exit fails with its output.
    pub fn start(plan: &Plan, dir: &Path) -> Result<ServerProcess, Error> {
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            match Self::spawn(plan, dir, port)? {
                Ok(p) => return Ok(p),
                Err(output) => {
                    let collided = output.contains("in use");
                    last = output;
                    if !collided {
                        break;
                    }
                }
            }
        }
        Err(io_err(&format!("{} did not start", plan.program), last))
    }

    pub fn stdout(&self) -> String {
        fs::read_to_string(self.dir.join("stdout.txt")).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
    }

    fn spawn(plan: &Plan, dir: &Path, port: u16) -> Result<Result<ServerProcess, String>, Error> {
        let port_s = port.to_string();
        for (name, contents) in &plan.files {
            fs::write(dir.join(name), contents.replace(PORT, &port_s))
                .map_err(|e| io_err(&format!("writing {name}"), e))?;
        }
        let args: Vec<String> = plan.args.iter().map(|a| a.replace(PORT, &port_s)).collect();
        let stdout = File::create(dir.join("stdout.txt")).map_err(|e| io_err("creating stdout.txt", e))?;
        let stderr = File::create(dir.join("stderr.txt")).map_err(|e| io_err("creating stderr.txt", e))?;
        let mut command = vec![plan.program.clone()];
        command.extend(args.iter().cloned());
        let mut child = Command::new(&plan.program)
            .args(&args)
            .envs(plan.env.iter().map(|(k, v)| (k, v)))
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::io(format!(
                        "peer: `{}` not found: {}",
                        plan.program, plan.install_hint
                    ))
                } else {
                    io_err(&format!("running {}", plan.program), e)
                }
            })?;
        super::reaper::register(child.id());
        let stdin = child.stdin.take();
        let mut p = ServerProcess {
            child,
            port,
            command,
            dir: dir.to_path_buf(),
            _stdin: stdin,
        };
        let ready_line = plan.ready_line.replace(PORT, &port_s);
        let started = Instant::now();
        loop {
            let (out, err) = (p.stdout(), p.stderr());
            // gnutls-serv reports a failed bind and goes on running without
            // a socket, so this is checked before the ready line and does not
            // wait for an exit.
            if out.contains("already in use") || err.contains("already in use") {
                return Ok(Err(format!(
                    "address in use\n{}\nstdout:\n{}\nstderr:\n{}",
                    p.command.join(" "),
                    tail(&out, 20),
                    tail(&err, 20)
                )));
            }
            if out.contains(&ready_line) || err.contains(&ready_line) {
                // A server that picks its own port says which.
                if let Some(n) = out
                    .lines()
                    .find_map(|l| l.strip_prefix("LISTENING "))
                    .and_then(|n| n.trim().parse().ok())
                {
                    p.port = n;
                }
                return Ok(Ok(p));
            }
            let exited = matches!(p.child.try_wait(), Ok(Some(_)));
            if exited || started.elapsed() > START_DEADLINE {
                let why = if exited {
                    format!("exited ({:?})", p.child.try_wait().ok().flatten())
                } else {
                    format!("no `{ready_line}` after {START_DEADLINE:?}")
                };
                return Ok(Err(format!(
                    "{why}\n{}\nstdout:\n{}\nstderr:\n{}",
                    p.command.join(" "),
                    tail(&out, 20),
                    tail(&err, 20)
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        super::reaper::unregister(self.child.id());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_named_with_its_package() {
        let dir = crate::certs::fresh_dir("tlslab-process-test").unwrap();
        let plan = Plan {
            program: "tlslab-no-such-server".into(),
            args: vec![],
            env: vec![],
            files: vec![],
            ready_line: "never".into(),
            install_hint: "install the Debian package no-such-package",
        };
        let err = ServerProcess::start(&plan, &dir).err().unwrap().to_string();
        let _ = fs::remove_dir_all(&dir);
        assert!(
            err.contains("tlslab-no-such-server") && err.contains("no-such-package"),
            "{err}"
        );
    }

    #[test]
    fn an_early_exit_reports_the_output() {
        let dir = crate::certs::fresh_dir("tlslab-process-test").unwrap();
        let plan = Plan {
            program: "sh".into(),
            args: vec!["-c".into(), format!("echo port {PORT} is wrong >&2; exit 3")],
            env: vec![],
            files: vec![],
            ready_line: "never".into(),
            install_hint: "",
        };
        let err = ServerProcess::start(&plan, &dir).err().unwrap().to_string();
        let _ = fs::remove_dir_all(&dir);
        assert!(err.contains("is wrong") && err.contains("exited"), "{err}");
    }

    #[test]
    fn a_port_in_use_is_retried_on_another_port() {
        let dir = crate::certs::fresh_dir("tlslab-process-test").unwrap();
        // Says "in use" (and keeps running) unless started on a second port:
        // the first attempt's port is remembered in a file.
        let script = format!(
            "if [ -e first ]; then echo ready {PORT}; else echo {PORT} > first; \
             echo bind: Address already in use; fi; exec sleep 30"
        );
        let plan = Plan {
            program: "sh".into(),
            args: vec!["-c".into(), script],
            env: vec![],
            files: vec![],
            ready_line: format!("ready {PORT}"),
            install_hint: "",
        };
        let p = ServerProcess::start(&plan, &dir).unwrap();
        let first: u16 = fs::read_to_string(dir.join("first"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_ne!(p.port, first);
        drop(p);
        let _ = fs::remove_dir_all(&dir);
    }
}
