//! Sessions to resume: by session ID (RFC 5246 §7.4.1.2) or by ticket
//! (RFC 5077), saved to and loaded from a small text file.
//!
//! The file holds the master secret: anyone who reads it can decrypt every
//! connection that resumes the session. It is written with mode 0600.

use std::fmt::Write as _;
use std::path::Path;

use crate::bytes::Bytes;
use crate::error::Error;
use crate::wire::{CipherSuite, ProtocolVersion};

/// Everything needed to resume a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// The server name the session was made with (resuming under another
    /// name would skip that name's certificate check).
    pub server_name: String,
    /// The protocol version of the original handshake. A server that resumes
    /// the session must resume it in this version (RFC 5246 §7.4.1.3: the
    /// session state is reused as it was; Appendix E.1).
    pub version: ProtocolVersion,
    /// The suite of the original handshake; a resumed handshake must use it.
    pub cipher_suite: CipherSuite,
    /// The session ID the server assigned (may be empty with tickets).
    pub session_id: Bytes,
    /// The master secret of the original handshake.
    pub master_secret: [u8; 48],
    /// Whether the original handshake used the extended master secret (RFC
    /// 7627 §5.3: a resumption must then use it too).
    pub extended_master_secret: bool,
    /// Whether the original handshake negotiated encrypt_then_mac.
    pub encrypt_then_mac: bool,
    /// The ticket from NewSessionTicket (RFC 5077 §3.3), if any.
    pub ticket: Option<Bytes>,
    /// `ticket_lifetime_hint` in seconds (0: unspecified).
    pub ticket_lifetime_hint: u32,
}

impl StoredSession {
    /// The text form: one `key=value` line each, byte values in hex.
    #[doc(hidden)]
    pub fn to_text(&self) -> String {
        let mut s = String::from("# tlslab session: contains the master secret; keep it private\n");
        let _ = writeln!(s, "server_name={}", self.server_name);
        let _ = writeln!(s, "version={:04x}", self.version.0);
        let _ = writeln!(s, "cipher_suite={:04x}", self.cipher_suite.0);
        let _ = writeln!(s, "session_id={}", self.session_id.to_hex());
        let _ = writeln!(s, "master_secret={}", hex::encode(self.master_secret));
        let _ = writeln!(s, "extended_master_secret={}", self.extended_master_secret as u8);
        let _ = writeln!(s, "encrypt_then_mac={}", self.encrypt_then_mac as u8);
        if let Some(t) = &self.ticket {
            let _ = writeln!(s, "ticket={}", t.to_hex());
            let _ = writeln!(s, "ticket_lifetime_hint={}", self.ticket_lifetime_hint);
        }
        s
    }

    /// Parses the text form, naming the line that is wrong.
    #[doc(hidden)]
    pub fn from_text(text: &str) -> Result<StoredSession, Error> {
        let bad = |what: &str| Error::config(format!("session file: {what}"));
        let mut server_name = None;
        let mut cipher_suite = None;
        // Files written before the version was stored hold TLS 1.2 sessions:
        // that was the only version the client spoke.
        let mut version = ProtocolVersion::TLS12;
        let mut session_id = Bytes::default();
        let mut master_secret = None;
        let mut extended_master_secret = false;
        let mut encrypt_then_mac = false;
        let mut ticket = None;
        let mut ticket_lifetime_hint = 0;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| bad(&format!("line {}: no '='", n + 1)))?;
            let hexv = || hex::decode(v).map_err(|e| bad(&format!("line {}: {k}: {e}", n + 1)));
            match k {
                "server_name" => server_name = Some(v.to_string()),
                "cipher_suite" => {
                    cipher_suite = Some(CipherSuite(
                        u16::from_str_radix(v, 16).map_err(|e| bad(&format!("cipher_suite: {e}")))?,
                    ))
                }
                "version" => {
                    version = match u16::from_str_radix(v, 16) {
                        Ok(v @ 0x0300..=0x0303) => ProtocolVersion(v),
                        _ => return Err(bad(&format!("line {}: version '{v}' is not 0300 to 0303", n + 1))),
                    }
                }
                "session_id" => session_id = Bytes(hexv()?),
                "master_secret" => {
                    let ms: [u8; 48] = hexv()?
                        .try_into()
                        .map_err(|_| bad("master_secret must be 48 bytes"))?;
                    master_secret = Some(ms)
                }
                "extended_master_secret" => extended_master_secret = v == "1",
                "encrypt_then_mac" => encrypt_then_mac = v == "1",
                "ticket" => ticket = Some(Bytes(hexv()?)),
                "ticket_lifetime_hint" => {
                    ticket_lifetime_hint = v.parse().map_err(|_| bad("ticket_lifetime_hint"))?
                }
                other => return Err(bad(&format!("line {}: unknown key '{other}'", n + 1))),
            }
        }
        let session = StoredSession {
            server_name: server_name.ok_or_else(|| bad("no server_name"))?,
            version,
            cipher_suite: cipher_suite.ok_or_else(|| bad("no cipher_suite"))?,
            session_id,
            master_secret: master_secret.ok_or_else(|| bad("no master_secret"))?,
            extended_master_secret,
            encrypt_then_mac,
            ticket,
            ticket_lifetime_hint,
        };
        if session.session_id.len() > 32 {
            return Err(bad("session_id longer than 32 bytes"));
        }
        if session.session_id.is_empty() && session.ticket.is_none() {
            return Err(bad("neither a session_id nor a ticket: nothing to resume with"));
        }
        Ok(session)
    }

    /// Writes the session to `path` with mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(path)
            .map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))?;
        f.write_all(self.to_text().as_bytes())
            .map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads a session from `path`.
    pub fn load(path: &Path) -> Result<StoredSession, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read session file {}: {e}", path.display())))?;
        StoredSession::from_text(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_errors() {
        let s = StoredSession {
            server_name: "localhost".into(),
            version: ProtocolVersion::TLS10,
            cipher_suite: CipherSuite(0xc02f),
            session_id: Bytes(vec![1; 32]),
            master_secret: [7; 48],
            extended_master_secret: true,
            encrypt_then_mac: false,
            ticket: Some(Bytes(vec![9; 100])),
            ticket_lifetime_hint: 7200,
        };
        assert_eq!(StoredSession::from_text(&s.to_text()).unwrap(), s);
        let broken = s.to_text().replace("master_secret=07", "master_secret=");
        assert!(StoredSession::from_text(&broken)
            .unwrap_err()
            .to_string()
            .contains("48 bytes"));
        assert!(StoredSession::from_text("server_name=x\n").is_err());
        // A file without a version line was written when sessions were TLS 1.2 only.
        let old = s.to_text().replace("version=0301\n", "");
        assert_eq!(
            StoredSession::from_text(&old).unwrap().version,
            ProtocolVersion::TLS12
        );
        let odd = s.to_text().replace("version=0301", "version=0304");
        assert!(StoredSession::from_text(&odd)
            .unwrap_err()
            .to_string()
            .contains("version"));
    }
}
