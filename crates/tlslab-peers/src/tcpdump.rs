//! tcpdump on loopback, started and stopped by a test, for the tests that
//! compare tlslab's reading of a capture with tshark's.
//!
//! Two things make a loopback capture lose segments, and both are handled
//! here rather than retried in each test:
//!
//! * libpcap holds packets in its ring buffer until a block fills or times
//!   out; a capture stopped by SIGINT then loses the tail of a short
//!   connection. `--immediate-mode` and `-U` hand each packet over at once.
//! * On a loaded machine tcpdump may not have been scheduled since the last
//!   segments went out when the test asks it to stop. [`Tcpdump::stop`]
//!   therefore waits until the file has stopped growing before it sends
//!   SIGINT, and the kernel buffer is made large (`-B`) so a slow reader
//!   does not drop packets.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One capture at a time in a test process: two at once on loopback lose segments.
static CAPTURING: Mutex<()> = Mutex::new(());

/// A running `tcpdump -w FILE tcp port PORT`.
pub struct Tcpdump {
    child: Child,
    file: PathBuf,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl Tcpdump {
    /// Captures `tcp port PORT` on `lo` into `file`.
    pub fn start(port: u16, file: PathBuf) -> Tcpdump {
        Tcpdump::start_on(port, file, &["-i", "lo"])
    }

    /// Captures `tcp port PORT` into `file`; `interface` are tcpdump's
    /// interface and link-type options (e.g. `-i any -y LINUX_SLL2`).
    ///
    /// Returns once tcpdump says it is listening. Panics when tcpdump is
    /// missing or may not capture (it needs root or CAP_NET_RAW).
    pub fn start_on(port: u16, file: PathBuf, interface: &[&str]) -> Tcpdump {
        let one_at_a_time = CAPTURING.lock().unwrap_or_else(|e| e.into_inner());
        let mut child = Command::new("tcpdump")
            .args(interface)
            // 32 MiB of kernel buffer, each packet written as it arrives.
            .args(["--immediate-mode", "-U", "-B", "32768", "-n", "-s", "0", "-w"])
            .arg(&file)
            .args(["tcp", "port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tcpdump (Debian package tcpdump) must be installed");
        // tcpdump says "listening on IFACE" once the capture runs.
        let mut err = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 512];
            let mut seen = String::new();
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                if seen.contains("listening on") {
                    let _ = tx.send(Ok(()));
                }
            }
            let _ = tx.send(Err(seen));
        });
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => {}
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("tcpdump did not start (needs root or CAP_NET_RAW): {other:?}");
            }
        }
        Tcpdump {
            child,
            file,
            _one_at_a_time: one_at_a_time,
        }
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// Stops the capture and returns the file, which the caller owns from
    /// then on.
    ///
    /// Waits until the file has not grown for 300 ms (at most 5 s), so the
    /// last segments (FIN, ACK) are in it, then sends SIGINT, which lets
    /// tcpdump flush and close the file.
    pub fn stop(mut self) -> PathBuf {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = size(&self.file);
        let mut stable_since = Instant::now();
        while Instant::now() < deadline && stable_since.elapsed() < Duration::from_millis(300) {
            std::thread::sleep(Duration::from_millis(25));
            let now = size(&self.file);
            if now != last {
                last = now;
                stable_since = Instant::now();
            }
        }
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.file.clone()
    }
}

impl Drop for Tcpdump {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
