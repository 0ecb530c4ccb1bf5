//! The NSS key log format, as Wireshark, curl and OpenSSL's `-keylogfile` use
//! it: one `CLIENT_RANDOM <client_random> <master_secret>` line per
//! connection, both in lowercase hex. With it, Wireshark decrypts a capture of
//! the connection.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::{Event, Observer};
use crate::bytes::Hex;

/// Writes a key log line on every [`Event::MasterSecret`] and ignores every
/// other event.
///
/// Write errors are ignored: an observer must never make a handshake fail. The
/// first error is kept and can be read with [`KeyLogWriter::take_error`].
pub struct KeyLogWriter<W: Write = File> {
    out: W,
    error: Option<io::Error>,
}

impl KeyLogWriter<File> {
    /// Opens `path` for appending, creating it if needed. On Unix a new file is
    /// created with mode 0600, because the file holds every connection's
    /// master secret; an existing file keeps its mode.
    pub fn create(path: impl AsRef<Path>) -> io::Result<KeyLogWriter<File>> {
        let mut opts = OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        Ok(KeyLogWriter::new(opts.open(path)?))
    }

    /// The file named by `SSLKEYLOGFILE`, the variable curl, Firefox and
    /// Chrome honour: `None` when it is unset or empty, `Some(Err(..))` when
    /// the file cannot be opened.
    pub fn from_env() -> Option<io::Result<KeyLogWriter<File>>> {
        let path = std::env::var_os("SSLKEYLOGFILE")?;
        if path.is_empty() {
            return None;
        }
        Some(KeyLogWriter::create(path))
    }
}

impl<W: Write> KeyLogWriter<W> {
    /// Writes key log lines to `out` (a `Vec<u8>` in tests).
    pub fn new(out: W) -> KeyLogWriter<W> {
        KeyLogWriter { out, error: None }
    }

    /// The key log line for one connection, with its newline.
    #[doc(hidden)]
    pub fn line(client_random: &[u8; 32], master_secret: &[u8; 48]) -> String {
        format!("CLIENT_RANDOM {} {}\n", Hex(client_random), Hex(master_secret))
    }

    /// The first write error, if any, leaving `None` behind.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// The writer.
    #[doc(hidden)]
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Gives the writer back.
    #[doc(hidden)]
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Observer for KeyLogWriter<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        if let Event::MasterSecret {
            client_random,
            master_secret,
            ..
        } = event
        {
            // One write of the whole line, then a flush: Wireshark may be
            // reading the file live, and other processes may append to it.
            let line = Self::line(client_random, master_secret);
            let r = self
                .out
                .write_all(line.as_bytes())
                .and_then(|()| self.out.flush());
            if let Err(e) = r {
                self.error.get_or_insert(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Alert, AlertDescription};

    fn master_secret_event<'a>(cr: &'a [u8; 32], sr: &'a [u8; 32], ms: &'a [u8; 48]) -> Event<'a> {
        Event::MasterSecret {
            client_random: cr,
            server_random: sr,
            master_secret: ms,
        }
    }

    #[test]
    fn writes_nss_line_on_master_secret_only() {
        let mut cr = [0u8; 32];
        cr[0] = 0xab;
        cr[31] = 0x01;
        let ms = [0xcd; 48];
        let mut w = KeyLogWriter::new(Vec::new());
        w.on_event(&Event::AlertSent(Alert::fatal(AlertDescription::BAD_RECORD_MAC)));
        w.on_event(&master_secret_event(&cr, &[9; 32], &ms));
        let text = String::from_utf8(w.into_inner()).unwrap();
        let expected = format!("CLIENT_RANDOM ab{}01 {}\n", "00".repeat(30), "cd".repeat(48));
        assert_eq!(text, expected);
        let fields: Vec<&str> = text.trim_end().split(' ').collect();
        assert_eq!((fields.len(), fields[1].len(), fields[2].len()), (3, 64, 96));
    }

    #[test]
    fn file_is_created_0600_and_appended() {
        let dir = std::env::temp_dir().join(format!("tlslab-keylog-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.txt");
        let _ = std::fs::remove_file(&path);
        for i in 0..2u8 {
            let mut w = KeyLogWriter::create(&path).unwrap();
            w.on_event(&master_secret_event(&[i; 32], &[0; 32], &[i; 48]));
            assert!(w.take_error().is_none());
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with(&format!("CLIENT_RANDOM {} ", "00".repeat(32))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
