//! A real `openssl s_server` on 127.0.0.1, for the demo, the tests and the
//! labs: a throwaway CA and leaf certificate, a free port, a key log file, and
//! a process that is killed when the [`LocalServer`] is dropped.
//!
//! How `s_server` (OpenSSL 3.0) serves connections, as checked on this
//! project's machines:
//!
//! - It serves **one connection at a time**, one after the other, for as long
//!   as it runs (no `-naccept`). A second client that connects while a first
//!   one is still open waits in the listen queue until the first closes; so a
//!   test must close (or drop) its connection before the next one can
//!   complete a handshake on the same server.
//! - Default mode (echo): what the client sends is printed on the server's
//!   stdout (see [`LocalServer::stdout_log`]) and nothing is sent back unless
//!   written to the server's stdin ([`LocalServer::send_stdin`]). The server
//!   keeps the connection open until the client closes it.
//! - [`ServerMode::Rev`] (`-rev`): every line the client sends comes back
//!   reversed (`"hello\n"` gives `"olleh\n"`); a line starting with `CLOSE`
//!   makes the server close the connection.
//! - [`ServerMode::Www`] (`-www`): a `GET / HTTP/1.0\r\n\r\n` is answered with
//!   an HTML status page that names the protocol and cipher
//!   (`New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384`), then the server
//!   closes the connection.
//! - In echo mode `s_server` reads its stdin while a connection is open, and
//!   end of file there shuts the whole server down (with `</dev/null` the
//!   first connection ends it). That is why stdin stays an open pipe for the
//!   server's lifetime. `-rev` and `-www` do not read stdin.
//! - A failed handshake (a client that connects and closes) is logged and the
//!   server goes on accepting.
//!
//! Set `TLSLAB_OPENSSL` to use another `openssl` binary, and
//! `TLSLAB_KEEP_SERVER_DIR=1` to keep the temporary directory (certificates,
//! key log, server output) after the server is dropped.

use std::fs::{self, File};
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub use crate::certs::KeyType;
use crate::certs::{free_port, fresh_dir, make_material, openssl_bin, shared_material};
use tlslab::Error;

/// How long [`LocalServer::start`] waits for the server to listen.
const START_DEADLINE: Duration = Duration::from_secs(10);
/// How many ports are tried when another process takes the one we picked.
const PORT_ATTEMPTS: usize = 5;

/// What `s_server` does with application data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerMode {
    /// Prints what it receives, sends what is written to its stdin.
    #[default]
    Echo,
    /// `-rev`: sends every line back reversed; `CLOSE` closes the connection.
    Rev,
    /// `-www`: answers `GET /` with a status page, then closes.
    Www,
}

/// How to start the server. `ServerOptions::default()` is an RSA server in
/// echo mode with OpenSSL's default TLS 1.2 ciphers and groups.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// `-cipher`: an OpenSSL cipher string such as `"ECDHE-RSA-AES128-SHA"`.
    pub cipher: Option<String>,
    /// `-groups`: a colon-separated list such as `"X25519"` or `"P-256"`.
    pub groups: Option<String>,
    /// The certificate key type.
    pub key_type: KeyType,
    /// What the server does with application data (echo, `-rev`, `-www`).
    pub mode: ServerMode,
    /// More `s_server` arguments, appended last (e.g. `"-no_etm"`, `"-serverpref"`).
    pub extra_args: Vec<String>,
    /// Make a new CA and leaf for this server. By default every server of the
    /// process with the same key type shares one throwaway CA and leaf, since
    /// making them costs about 0.4 s with RSA; set this when a test needs a CA
    /// that no other server uses (an unknown-CA test, say).
    pub fresh_certificates: bool,
}

impl ServerOptions {
    /// An RSA server in echo mode with the given `-cipher` string.
    pub fn with_cipher(cipher: &str) -> ServerOptions {
        ServerOptions {
            cipher: Some(cipher.to_owned()),
            ..ServerOptions::default()
        }
    }
}

/// A running `openssl s_server -tls1_2`; dropping it kills the process and
/// removes its directory.
pub struct LocalServer {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// Temporary directory with `ca.pem`, `ca.der`, `cert.pem`, `key.pem`,
    /// `keylog.txt`, `stdout.txt` and `stderr.txt`.
    pub dir: PathBuf,
    /// The command line that started the server, for error messages.
    pub command: Vec<String>,
    child: Child,
    // Held open: s_server shuts down on end of file on stdin.
    stdin: Option<ChildStdin>,
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::io(format!("local server: {what}: {e}"))
}

fn tail(text: &str, lines: usize) -> String {
    let v: Vec<&str> = text.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// Why one attempt to start s_server failed: its stderr and command line.
struct SpawnFailure {
    stderr: String,
    command: Vec<String>,
}

impl LocalServer {
    /// Makes (or reuses, see [`ServerOptions::fresh_certificates`]) a
    /// throwaway CA and leaf certificate (subjectAltName `DNS:localhost`,
    /// `IP:127.0.0.1`) in a fresh temporary directory, starts
    /// `openssl s_server -tls1_2 -accept 127.0.0.1:PORT -cert cert.pem -key key.pem
    /// -keylogfile keylog.txt [-cipher ..] [-groups ..] [-rev | -www] [extra_args]`
    /// on a free port, and returns once the server listens (it prints
    /// `ACCEPT`). Fails with the server's stderr if it exits first, or after
    /// 10 s.
    pub fn start(opts: &ServerOptions) -> Result<LocalServer, Error> {
        let dir = fresh_dir("tlslab-server")?;
        let r = Self::start_in(opts, &dir);
        if r.is_err() && std::env::var_os("TLSLAB_KEEP_SERVER_DIR").is_none() {
            let _ = fs::remove_dir_all(&dir);
        }
        r
    }

    fn start_in(opts: &ServerOptions, dir: &Path) -> Result<LocalServer, Error> {
        let m = if opts.fresh_certificates {
            make_material(dir, opts.key_type)?
        } else {
            shared_material(dir, opts.key_type)?
        };
        m.write_to(dir)?;
        let mut last_err = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            match Self::spawn(opts, dir, port)? {
                Ok(server) => return Ok(server),
                Err(f) => {
                    let collided = f.stderr.contains("Address already in use");
                    last_err = Some(io_err(
                        "openssl s_server did not start",
                        format!("{}\n{}", f.command.join(" "), tail(&f.stderr, 20)),
                    ));
                    if !collided {
                        break;
                    }
                }
            }
        }
        Err(last_err.unwrap_or_else(|| io_err("openssl s_server", "did not start")))
    }

    /// Starts s_server on `port`: the outer error is a setup failure (no
    /// point retrying), the inner one a server that gave up or did not listen
    /// in time.
    fn spawn(
        opts: &ServerOptions,
        dir: &Path,
        port: u16,
    ) -> Result<Result<LocalServer, SpawnFailure>, Error> {
        let mut args: Vec<String> = vec![
            "s_server".into(),
            "-tls1_2".into(),
            "-accept".into(),
            format!("127.0.0.1:{port}"),
            "-cert".into(),
            "cert.pem".into(),
            "-key".into(),
            "key.pem".into(),
            "-keylogfile".into(),
            "keylog.txt".into(),
        ];
        if let Some(c) = &opts.cipher {
            args.extend(["-cipher".into(), c.clone()]);
        }
        if let Some(g) = &opts.groups {
            args.extend(["-groups".into(), g.clone()]);
        }
        match opts.mode {
            ServerMode::Echo => {}
            ServerMode::Rev => args.push("-rev".into()),
            ServerMode::Www => args.push("-www".into()),
        }
        args.extend(opts.extra_args.iter().cloned());
        let stdout = File::create(dir.join("stdout.txt")).map_err(|e| io_err("creating stdout.txt", e))?;
        let stderr = File::create(dir.join("stderr.txt")).map_err(|e| io_err("creating stderr.txt", e))?;
        let child = Command::new(openssl_bin())
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| io_err(&format!("running {} (is OpenSSL installed?)", openssl_bin()), e))?;
        crate::reaper::register(child.id());
        let mut command = vec![openssl_bin()];
        command.extend(args);
        let mut server = LocalServer {
            port,
            dir: dir.to_path_buf(),
            command,
            child,
            stdin: None,
        };
        server.stdin = server.child.stdin.take();

        let started = Instant::now();
        loop {
            if server.stdout_log().lines().any(|l| l == "ACCEPT") {
                return Ok(Ok(server));
            }
            // With -quiet in extra_args there is no ACCEPT line: fall back to
            // probing the port once s_server had time to bind.
            if started.elapsed() > Duration::from_millis(500)
                && TcpStream::connect_timeout(&server.addr(), Duration::from_millis(200)).is_ok()
            {
                return Ok(Ok(server));
            }
            let exited = matches!(server.child.try_wait(), Ok(Some(_)));
            if exited || started.elapsed() > START_DEADLINE {
                let mut stderr = server.stderr_log();
                if !exited {
                    stderr = format!("not listening after {START_DEADLINE:?}\n{stderr}");
                }
                let command = std::mem::take(&mut server.command);
                // The directory still belongs to `start`, which may retry in
                // it: Drop must only stop the process.
                server.dir = PathBuf::new();
                return Ok(Err(SpawnFailure { stderr, command }));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    /// The CA certificate (PEM) that signed the server's leaf.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The CA certificate (DER), for trust stores that take DER.
    pub fn ca_der_path(&self) -> PathBuf {
        self.dir.join("ca.der")
    }

    /// The CA certificate's DER bytes (empty if the file is gone).
    pub fn ca_der(&self) -> Vec<u8> {
        fs::read(self.ca_der_path()).unwrap_or_default()
    }

    /// The server's leaf certificate (PEM).
    pub fn cert_pem_path(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    /// The server's private key (PEM).
    pub fn key_pem_path(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    /// The key log `s_server -keylogfile` writes.
    pub fn keylog_path(&self) -> PathBuf {
        self.dir.join("keylog.txt")
    }

    /// Every `CLIENT_RANDOM <client_random> <master_secret>` line of the
    /// server's key log, as lowercase hex pairs, in order.
    pub fn keylog_entries(&self) -> Vec<(String, String)> {
        let text = fs::read_to_string(self.keylog_path()).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                match (f.next(), f.next(), f.next()) {
                    (Some("CLIENT_RANDOM"), Some(cr), Some(ms)) => {
                        Some((cr.to_ascii_lowercase(), ms.to_ascii_lowercase()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// The master secret OpenSSL logged for the connection whose
    /// `ClientHello.random` is `client_random`, if it is in the key log now.
    pub fn keylog_master_secret(&self, client_random: &[u8]) -> Option<Vec<u8>> {
        let cr = hex::encode(client_random);
        // The last line wins: a client that repeats its random (a replayed
        // seeded test) gets the latest connection.
        self.keylog_entries()
            .into_iter()
            .rev()
            .find(|(c, _)| *c == cr)
            .and_then(|(_, ms)| hex::decode(ms).ok())
    }

    /// Like [`LocalServer::keylog_master_secret`], polling for up to `timeout`:
    /// the server writes the line during its side of the handshake, which may
    /// finish a moment after the client's.
    pub fn wait_master_secret(&self, client_random: &[u8], timeout: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ms) = self.keylog_master_secret(client_random) {
                return Some(ms);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything s_server printed on stdout so far (connection summaries and,
    /// in echo mode, the data it received).
    pub fn stdout_log(&self) -> String {
        fs::read_to_string(self.dir.join("stdout.txt")).unwrap_or_default()
    }

    /// Everything s_server printed on stderr so far (errors, and the
    /// connection log in `-rev` mode).
    pub fn stderr_log(&self) -> String {
        fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
    }

    /// The command line and the last `lines` lines of stdout and stderr, for
    /// a failing test's message.
    pub fn output_tail(&self, lines: usize) -> String {
        format!(
            "--- {} ---\nstdout:\n{}\nstderr:\n{}",
            self.command.join(" "),
            tail(&self.stdout_log(), lines),
            tail(&self.stderr_log(), lines)
        )
    }

    /// Writes to s_server's stdin; in echo mode it sends these bytes to the
    /// connected client (the next one, if none is connected yet). A line that
    /// starts with `Q` or `q` is a command to s_server (quit, close), not data.
    pub fn send_stdin(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self.stdin.as_mut() {
            Some(s) => s.write_all(data).and_then(|()| s.flush()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "stdin closed",
            )),
        }
    }

    /// Whether the s_server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        crate::reaper::unregister(self.child.id());
        self.stdin = None;
        if self.dir.as_os_str().is_empty() {
            return;
        }
        if std::env::var_os("TLSLAB_KEEP_SERVER_DIR").is_some() {
            eprintln!("local server: kept {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Runs `openssl s_client` against `server`, feeding `input`, and returns
    /// (success, stdout + stderr). Killed after 20 s so a test cannot hang.
    fn s_client(server: &LocalServer, input: &[u8], extra: &[&str]) -> (bool, String) {
        let mut cmd = Command::new(openssl_bin());
        cmd.args([
            "s_client",
            "-connect",
            &server.addr().to_string(),
            "-tls1_2",
            "-servername",
            "localhost",
        ])
        .arg("-CAfile")
        .arg(server.ca_pem_path())
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("openssl s_client");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).unwrap();
        drop(stdin);
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                break child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        child.stderr.take().unwrap().read_to_string(&mut out).unwrap();
        (status.success(), out)
    }

    #[test]
    fn handshake_with_s_client_is_in_the_server_key_log() {
        let server = LocalServer::start(&ServerOptions::default()).unwrap();
        let client_log = server.dir.join("client-keylog.txt");
        let (ok, out) = s_client(&server, b"", &["-keylogfile", client_log.to_str().unwrap()]);
        assert!(ok, "{out}\n{}", server.output_tail(20));
        assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
        assert!(server.keylog_path().exists());
        // The client's own key log is an independent record of the same secret.
        let client_text = fs::read_to_string(&client_log).unwrap();
        let line = client_text
            .lines()
            .find(|l| l.starts_with("CLIENT_RANDOM "))
            .unwrap();
        let f: Vec<&str> = line.split(' ').collect();
        let cr = hex::decode(f[1]).unwrap();
        let ms = server
            .wait_master_secret(&cr, Duration::from_secs(5))
            .expect("line in server key log");
        assert_eq!(hex::encode(ms), f[2].to_ascii_lowercase());
        assert_eq!(server.keylog_master_secret(&[0u8; 32]), None);

        // The same server takes a second connection after the first closed.
        let (ok, out) = s_client(&server, b"", &[]);
        assert!(ok, "{out}");
        assert_eq!(server.keylog_entries().len(), 2);
    }

    #[test]
    fn rev_mode_reverses_lines_and_serves_many_connections() {
        let server = LocalServer::start(&ServerOptions {
            mode: ServerMode::Rev,
            ..Default::default()
        })
        .unwrap();
        for i in 0..2 {
            let (_, out) = s_client(&server, format!("abc{i}\nCLOSE\n").as_bytes(), &["-quiet"]);
            assert!(
                out.contains(&format!("{i}cba")),
                "{out}\n{}",
                server.output_tail(20)
            );
        }
    }

    #[test]
    fn www_mode_with_ecdsa_key_and_cipher() {
        let opts = ServerOptions {
            cipher: Some("ECDHE-ECDSA-AES128-GCM-SHA256".into()),
            groups: Some("P-256".into()),
            key_type: KeyType::EcdsaP256,
            mode: ServerMode::Www,
            ..Default::default()
        };
        let server = LocalServer::start(&opts).unwrap();
        let (_, out) = s_client(&server, b"GET / HTTP/1.0\r\n\r\n", &["-quiet"]);
        assert!(
            out.contains("HTTP/1.0 200 ok"),
            "{out}\n{}",
            server.output_tail(20)
        );
        assert!(out.contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"), "{out}");
    }

    #[test]
    fn echo_mode_sends_stdin_to_the_client() {
        let mut server = LocalServer::start(&ServerOptions::default()).unwrap();
        server.send_stdin(b"from server\n").unwrap();
        // -quiet keeps s_client connected after its stdin ends, so read its
        // output as it comes and stop it once the server's line is there.
        let mut child = Command::new(openssl_bin())
            .args([
                "s_client",
                "-connect",
                &server.addr().to_string(),
                "-tls1_2",
                "-quiet",
            ])
            .arg("-CAfile")
            .arg(server.ca_pem_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.as_mut().unwrap().write_all(b"from client\n").unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        while !String::from_utf8_lossy(&got).contains("from server") && Instant::now() < deadline {
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                got.extend(chunk);
            }
        }
        while !server.stdout_log().contains("from client") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            String::from_utf8_lossy(&got).contains("from server"),
            "{}",
            server.output_tail(20)
        );
        assert!(
            server.stdout_log().contains("from client"),
            "{}",
            server.output_tail(20)
        );
        assert!(server.is_running());
    }

    #[test]
    fn parallel_servers_get_their_own_ports_and_drop_kills() {
        let a = std::thread::spawn(|| LocalServer::start(&ServerOptions::default()).unwrap());
        let b = std::thread::spawn(|| {
            LocalServer::start(&ServerOptions {
                fresh_certificates: true,
                ..Default::default()
            })
            .unwrap()
        });
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        assert_ne!(a.port, b.port);
        assert_ne!(a.dir, b.dir);
        assert_ne!(a.ca_der(), b.ca_der(), "fresh_certificates makes a new CA");
        for s in [&a, &b] {
            TcpStream::connect(s.addr()).unwrap();
        }
        let (addr, dir) = (a.addr(), a.dir.clone());
        drop(a);
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
            "port still open"
        );
        assert!(!dir.exists(), "temp dir left behind");
        drop(b);
    }

    #[test]
    fn bad_option_reports_stderr() {
        let opts = ServerOptions {
            cipher: Some("NO-SUCH-CIPHER".into()),
            ..Default::default()
        };
        let err = LocalServer::start(&opts).err().expect("must fail").to_string();
        assert!(err.contains("no cipher match"), "{err}");
    }
}
