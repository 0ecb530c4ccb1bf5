//! Reading an NSS key log file, the format `SSLKEYLOGFILE` writes and
//! Wireshark reads
//! (<https://datatracker.ietf.org/doc/draft-ietf-tls-keylogfile/>, and NSS's
//! "NSS Key Log Format" page).
//!
//! TLS 1.2 lines are looked up by the connection's `ClientHello.random`:
//!
//! ```text
//! CLIENT_RANDOM     <64 hex: client_random> <96 hex: master_secret>
//! PMS_CLIENT_RANDOM <64 hex: client_random> <hex: pre_master_secret>
//! ```
//!
//! TLS 1.3 lines (`CLIENT_HANDSHAKE_TRAFFIC_SECRET` and friends) are noted, so
//! that a TLS 1.3 connection can be named as such; `RSA` lines (indexed by the
//! first 8 bytes of the encrypted pre-master secret) are kept for RSA key
//! transport.
//!
//! Wireshark's own form for resumable sessions is read too, and the capture
//! analysis adds the sessions it learns as it goes, so that an abbreviated
//! handshake later in the same capture finds its master secret:
//!
//! ```text
//! RSA Session-ID:<hex: session_id> Master-Key:<96 hex: master_secret>
//! ```

use std::collections::{HashMap, HashSet};

/// The secrets of a key log, by client random.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    master_secrets: HashMap<[u8; 32], [u8; 48]>,
    pre_master_secrets: HashMap<[u8; 32], Vec<u8>>,
    rsa_pre_master_secrets: HashMap<[u8; 8], Vec<u8>>,
    /// Master secrets by session_id or session ticket.
    sessions: HashMap<Vec<u8>, [u8; 48]>,
    tls13: HashSet<[u8; 32]>,
    /// Lines that were not understood: (line number from 1, why).
    pub ignored: Vec<(usize, String)>,
}

impl KeyLog {
    /// Parses the text of a key log. Comments (`#`) and blank lines are
    /// skipped; malformed lines are listed in [`KeyLog::ignored`].
    pub fn parse(text: &str) -> KeyLog {
        let mut log = KeyLog::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [label, index, secret] = fields[..] else {
                log.ignored.push((i + 1, "not three fields".into()));
                continue;
            };
            if let (Some(id), Some(ms)) = (
                index.strip_prefix("Session-ID:"),
                secret.strip_prefix("Master-Key:"),
            ) {
                match (
                    hex::decode(id),
                    hex::decode(ms).ok().and_then(|m| <[u8; 48]>::try_from(m).ok()),
                ) {
                    (Ok(id), Some(ms)) if label == "RSA" && !id.is_empty() => {
                        log.sessions.insert(id, ms);
                    }
                    _ => log.ignored.push((
                        i + 1,
                        "Session-ID line without a hex id and a 48-byte Master-Key".into(),
                    )),
                }
                continue;
            }
            let (Ok(index), Ok(secret)) = (hex::decode(index), hex::decode(secret)) else {
                log.ignored.push((i + 1, "a field is not hex".into()));
                continue;
            };
            let random: Option<[u8; 32]> = index.as_slice().try_into().ok();
            match (label, random) {
                ("CLIENT_RANDOM", Some(cr)) => match <[u8; 48]>::try_from(secret.as_slice()) {
                    Ok(ms) => {
                        log.master_secrets.insert(cr, ms);
                    }
                    Err(_) => log
                        .ignored
                        .push((i + 1, format!("master secret of {} bytes, not 48", secret.len()))),
                },
                ("PMS_CLIENT_RANDOM", Some(cr)) => {
                    log.pre_master_secrets.insert(cr, secret);
                }
                ("RSA", _) => match <[u8; 8]>::try_from(index.as_slice()) {
                    Ok(prefix) => {
                        log.rsa_pre_master_secrets.insert(prefix, secret);
                    }
                    Err(_) => log.ignored.push((i + 1, "RSA line index is not 8 bytes".into())),
                },
                (
                    "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
                    | "SERVER_HANDSHAKE_TRAFFIC_SECRET"
                    | "CLIENT_TRAFFIC_SECRET_0"
                    | "SERVER_TRAFFIC_SECRET_0"
                    | "EXPORTER_SECRET"
                    | "CLIENT_EARLY_TRAFFIC_SECRET"
                    | "EARLY_EXPORTER_SECRET",
                    Some(cr),
                ) => {
                    log.tls13.insert(cr);
                }
                (_, None) => log.ignored.push((i + 1, "client random is not 32 bytes".into())),
                (other, _) => log.ignored.push((i + 1, format!("unknown label {other}"))),
            }
        }
        log
    }

    /// The master secret logged for `client_random` (a `CLIENT_RANDOM` line).
    pub fn master_secret(&self, client_random: &[u8; 32]) -> Option<&[u8; 48]> {
        self.master_secrets.get(client_random)
    }

    /// The pre-master secret logged for `client_random` (a `PMS_CLIENT_RANDOM` line).
    pub fn pre_master_secret(&self, client_random: &[u8; 32]) -> Option<&[u8]> {
        self.pre_master_secrets.get(client_random).map(Vec::as_slice)
    }

    /// The pre-master secret of an RSA key exchange, by the first 8 bytes of
    /// the encrypted pre-master secret (an `RSA` line).
    pub fn rsa_pre_master_secret(&self, encrypted_prefix: &[u8; 8]) -> Option<&[u8]> {
        self.rsa_pre_master_secrets
            .get(encrypted_prefix)
            .map(Vec::as_slice)
    }

    /// The master secret of a session, by its session_id or session ticket
    /// (an `RSA Session-ID:` line, or a session an earlier connection of the
    /// same capture established).
    pub fn session_master_secret(&self, id_or_ticket: &[u8]) -> Option<&[u8; 48]> {
        self.sessions.get(id_or_ticket)
    }

    /// Remembers a session's master secret under its session_id or ticket.
    #[doc(hidden)]
    pub fn remember_session(&mut self, id_or_ticket: Vec<u8>, master_secret: [u8; 48]) {
        if !id_or_ticket.is_empty() {
            self.sessions.insert(id_or_ticket, master_secret);
        }
    }

    /// Whether TLS 1.3 secrets are logged for `client_random`.
    #[doc(hidden)]
    pub fn has_tls13_secrets(&self, client_random: &[u8; 32]) -> bool {
        self.tls13.contains(client_random)
    }

    /// Number of TLS 1.2 connections with a usable line.
    #[doc(hidden)]
    pub fn len(&self) -> usize {
        self.master_secrets.len()
            + self.pre_master_secrets.len()
            + self.rsa_pre_master_secrets.len()
            + self.sessions.len()
    }

    /// Whether no TLS 1.2 secret was found.
    #[doc(hidden)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_line() {
        let cr = "00".repeat(32);
        let text = format!(
            "# comment\n\nCLIENT_RANDOM {cr} {}\nPMS_CLIENT_RANDOM {} {}\nRSA 0102030405060708 {}\n\
             CLIENT_TRAFFIC_SECRET_0 {} {}\nCLIENT_RANDOM {cr} abcd\nnonsense\nCLIENT_RANDOM zz {}\n",
            "11".repeat(48),
            "22".repeat(32),
            "33".repeat(48),
            "44".repeat(48),
            "55".repeat(32),
            "66".repeat(32),
            "11".repeat(48),
        );
        let log = KeyLog::parse(&text);
        assert_eq!(log.master_secret(&[0; 32]), Some(&[0x11; 48]));
        assert_eq!(log.pre_master_secret(&[0x22; 32]), Some(&[0x33; 48][..]));
        assert_eq!(
            log.rsa_pre_master_secret(&[1, 2, 3, 4, 5, 6, 7, 8]),
            Some(&[0x44; 48][..])
        );
        assert!(log.has_tls13_secrets(&[0x55; 32]));
        // Wireshark's session form.
        let wireshark = KeyLog::parse(&format!("RSA Session-ID:0a0b Master-Key:{}\n", "77".repeat(48)));
        assert_eq!(wireshark.session_master_secret(&[10, 11]), Some(&[0x77; 48]));
        assert!(wireshark.ignored.is_empty());
        assert_eq!(
            log.ignored.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![7, 8, 9]
        );
    }
}
