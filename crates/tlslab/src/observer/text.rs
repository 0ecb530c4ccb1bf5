//! One readable line per event: [`TextLog`], [`format_event`].

use std::fmt::{self, Write as _};
use std::io::{self, Stdout, Write};

use super::{Event, Observer};
use crate::bytes::Hex;
use crate::types::PrfHash;

/// Writes one line per event.
///
/// Each line is the event's name, two spaces, then its values: enums by their
/// RFC names, byte strings as lowercase hex **in full** (this is a glass box;
/// a shortened hex string cannot be checked against a capture or an RFC
/// example). For example:
///
/// ```text
/// record_out  handshake TLSv1.2 len=5 seq=0 protected=false header=1603030005 payload=0100000100
/// prf  master_secret P_SHA256 secret=.. label="master secret" seed=.. A(1)=.. hmac(1)=.. out=..
/// mac_compared  server->client seq=1 computed=.. received=.. equal=false
/// ```
///
/// [`TextLog::redacted`] replaces secret values (the pre-master secret, the
/// master secret, every key-block part, PRF secrets, intermediate values and
/// outputs, the AEAD fixed IV and nonce) with `<redacted N bytes>`, for logs
/// that are shared. Everything that crosses the wire stays visible.
///
/// `Event` also implements [`std::fmt::Display`] with this format (unredacted).
///
/// Write errors are ignored: an observer must never make a handshake fail. The
/// first error is kept and can be read with [`TextLog::take_error`].
pub struct TextLog<W: Write = Stdout> {
    out: W,
    redact: bool,
    error: Option<io::Error>,
    /// The line being written, kept for its allocation (a record's line holds
    /// its payload in hex: growing a new string to 32 KiB per event cost as
    /// much as encoding it).
    line: String,
}

impl<W: Write> TextLog<W> {
    /// Logs every value in full.
    pub fn new(out: W) -> TextLog<W> {
        TextLog {
            out,
            redact: false,
            error: None,
            line: String::new(),
        }
    }

    /// Logs with secret values replaced by `<redacted N bytes>`.
    pub fn redacted(out: W) -> TextLog<W> {
        TextLog {
            redact: true,
            ..TextLog::new(out)
        }
    }

    /// Whether secrets are redacted.
    #[doc(hidden)]
    pub fn is_redacted(&self) -> bool {
        self.redact
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

impl TextLog<Stdout> {
    /// Logs every value in full to standard output.
    pub fn stdout() -> TextLog<Stdout> {
        TextLog::new(io::stdout())
    }

    /// The line [`TextLog`] writes for `event`, without the newline (the same
    /// as the crate-internal `format_event`, reachable from outside this module).
    #[doc(hidden)]
    pub fn format_event(event: &Event<'_>, redact: bool) -> String {
        format_event(event, redact)
    }
}

impl<W: Write> Observer for TextLog<W> {
    fn on_event(&mut self, event: &Event<'_>) {
        self.line.clear();
        // Writing to a String cannot fail.
        let _ = write_event(&mut self.line, event, self.redact);
        self.line.push('\n');
        // Flushed per line so that the log is complete up to the step where a
        // handshake stopped, even if the process dies right after.
        let r = self
            .out
            .write_all(self.line.as_bytes())
            .and_then(|()| self.out.flush());
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }
}

impl fmt::Display for Event<'_> {
    /// The [`TextLog`] line of this event, unredacted, without a newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_event(self, false))
    }
}

/// The text line of one event, without a trailing newline. With `redact`,
/// secret byte strings become `<redacted N bytes>`.
#[doc(hidden)]
pub fn format_event(event: &Event<'_>, redact: bool) -> String {
    let mut s = String::with_capacity(128);
    // Writing to a String cannot fail.
    let _ = write_event(&mut s, event, redact);
    s
}

/// The PRF's name as RFC 5246 §5 (RFC 2246 §5) writes it.
pub(crate) fn prf_hash_name(h: PrfHash) -> &'static str {
    h.prf_name()
}

/// A P_hash's steps interleaved as it computes them: A(i), then
/// HMAC(secret, A(i) + seed).
/// `prefix` names the half of a TLS 1.0/1.1 PRF (`P_MD5.`), empty for TLS 1.2.
fn p_hash_steps(
    s: &mut String,
    prefix: &str,
    a: &[Vec<u8>],
    hmac_outputs: &[Vec<u8>],
    redact: bool,
) -> fmt::Result {
    for i in 0..a.len().max(hmac_outputs.len()) {
        if let Some(a) = a.get(i) {
            write!(s, " {prefix}A({})={}", i + 1, Secret(a, redact))?;
        }
        if let Some(h) = hmac_outputs.get(i) {
            write!(s, " {prefix}hmac({})={}", i + 1, Secret(h, redact))?;
        }
    }
    Ok(())
}

/// Hex of a secret, or its length only.
struct Secret<'a>(&'a [u8], bool);

impl fmt::Display for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 {
            write!(f, "<redacted {} bytes>", self.0.len())
        } else {
            write!(f, "{}", Hex(self.0))
        }
    }
}

/// Bytes as a double-quoted string: printable ASCII as is, everything else
/// escaped, so that a label with a stray byte is visible as such.
pub(crate) struct Quoted<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        f.write_char('"')?;
        // Escaped into a stack buffer, written a kilobyte at a time:
        // application data can be megabytes, and one formatting call per
        // byte was most of a trace's time.
        let mut buf = [0u8; 1024];
        let mut n = 0;
        for &b in self.0 {
            if n > buf.len() - 4 {
                f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)?;
                n = 0;
            }
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x20..=0x7e => {
                    buf[n] = b;
                    n += 1;
                    continue;
                }
                _ => &[b'\\', b'x', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]],
            };
            buf[n..n + esc.len()].copy_from_slice(esc);
            n += esc.len();
        }
        f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)?;
        f.write_char('"')
    }
}

fn write_event(s: &mut String, event: &Event<'_>, redact: bool) -> fmt::Result {
    write!(s, "{}  ", event.name())?;
    match *event {
        Event::StateChanged { from, to } => write!(s, "{from} -> {to}"),
        Event::RecordOut(r) | Event::RecordIn(r) => write!(
            s,
            "{} {} len={} seq={} protected={} header={} payload={}",
            r.content_type,
            r.version,
            r.payload.len(),
            r.seq,
            r.protected,
            Hex(r.header),
            Hex(r.payload)
        ),
        Event::HandshakeOut { typ, raw } | Event::HandshakeIn { typ, raw } => {
            write!(s, "{typ} len={} raw={}", raw.len(), Hex(raw))
        }
        Event::TranscriptAppended {
            typ,
            raw,
            running_hash,
        } => write!(
            s,
            "{typ} len={} running_hash={} raw={}",
            raw.len(),
            Hex(running_hash),
            Hex(raw)
        ),
        Event::CertificateChecked {
            server_name,
            chain_len,
            verified,
            detail,
        } => write!(
            s,
            "server_name={} chain_len={chain_len} verified={verified} detail={}",
            Quoted(server_name.as_bytes()),
            Quoted(detail.as_bytes())
        ),
        Event::SignatureChecked {
            scheme,
            signed,
            signature,
            valid,
        } => write!(
            s,
            "{scheme} valid={valid} signed={} signature={}",
            Hex(signed),
            Hex(signature)
        ),
        Event::KeyShare {
            group,
            client_public,
            server_public,
        } => write!(
            s,
            "{group} client_public={} server_public={}",
            Hex(client_public),
            Hex(server_public)
        ),
        Event::PreMasterSecret(pms) => write!(s, "len={} value={}", pms.len(), Secret(pms, redact)),
        Event::Prf(p) => {
            write!(
                s,
                "{} {} secret={} label={} seed={}",
                p.purpose,
                prf_hash_name(p.hash),
                Secret(p.secret, redact),
                Quoted(p.label),
                Hex(p.seed)
            )?;
            p_hash_steps(s, "", p.a, p.hmac_outputs, redact)?;
            // TLS 1.0/1.1: each half over its part of the secret (S1, S2),
            // then `out` is their XOR.
            for (half, name) in p.halves.iter().zip(["S1", "S2"]) {
                let prefix = format!("{}.", half.hash);
                write!(s, " {prefix}{name}={}", Secret(half.secret, redact))?;
                p_hash_steps(s, &prefix, half.a, half.hmac_outputs, redact)?;
                write!(s, " {prefix}out={}", Secret(half.output, redact))?;
            }
            write!(s, " out={}", Secret(p.output, redact))
        }
        Event::MasterSecret {
            client_random,
            server_random,
            master_secret,
        } => write!(
            s,
            "client_random={} server_random={} master_secret={}",
            Hex(client_random),
            Hex(server_random),
            Secret(master_secret, redact)
        ),
        Event::KeyBlock(kb) => write!(
            s,
            "client_write_MAC_key={} server_write_MAC_key={} client_write_key={} server_write_key={} \
             client_write_IV={} server_write_IV={}",
            Secret(&kb.client_write_mac_key, redact),
            Secret(&kb.server_write_mac_key, redact),
            Secret(&kb.client_write_key, redact),
            Secret(&kb.server_write_key, redact),
            Secret(&kb.client_write_iv, redact),
            Secret(&kb.server_write_iv, redact)
        ),
        Event::MacInput(m) => write!(
            s,
            "{} seq={} pseudo_header={} fragment={} mac={}",
            m.direction,
            m.seq,
            Hex(m.pseudo_header),
            Hex(m.fragment),
            Hex(m.mac)
        ),
        Event::CbcPadding(p) => {
            write!(
                s,
                "{} seq={} padding_length={} well_formed={} first_bad=",
                p.direction, p.seq, p.padding_length, p.well_formed
            )?;
            match p.first_bad {
                Some(i) => write!(s, "{i}")?,
                None => s.push_str("none"),
            }
            write!(s, " padding={}", Hex(p.padding))
        }
        Event::VersionNegotiated {
            min_version,
            max_version,
            server_version,
            downgrade_sentinel,
        } => {
            write!(
                s,
                "offered {min_version}..{max_version} server_version={server_version}"
            )?;
            if downgrade_sentinel {
                s.push_str(" downgrade_sentinel=DOWNGRD\\x00");
            }
            Ok(())
        }
        Event::CbcIvChain {
            direction,
            seq,
            iv,
            next_iv,
        } => write!(
            s,
            "{direction} seq={seq} iv={} next_iv={}",
            Secret(iv, redact),
            Hex(next_iv)
        ),
        Event::MacCompared {
            direction,
            seq,
            computed,
            received,
            equal,
        } => write!(
            s,
            "{direction} seq={seq} computed={} received={} equal={equal}",
            Hex(computed),
            Hex(received)
        ),
        Event::AeadNonce(n) => write!(
            s,
            "{} seq={} fixed_iv={} explicit={} nonce={}",
            n.direction,
            n.seq,
            Secret(n.fixed_iv, redact),
            Hex(n.explicit),
            // The nonce contains (GCM) or is derived from (ChaCha20) the fixed IV.
            Secret(n.nonce, redact)
        ),
        Event::AeadAad { direction, seq, aad } => write!(s, "{direction} seq={seq} aad={}", Hex(aad)),
        Event::AeadOpenFailed { direction, seq, tag } => write!(s, "{direction} seq={seq} tag={}", Hex(tag)),
        Event::FinishedVerify {
            label,
            handshake_hash,
            computed,
            received,
        } => write!(
            s,
            "{} handshake_hash={} computed={} received={} equal={}",
            Quoted(label.as_bytes()),
            Hex(handshake_hash),
            Hex(computed),
            Hex(received),
            computed == received
        ),
        Event::ApplicationData { direction, data } => write!(
            s,
            "{direction} len={} data={} text={}",
            data.len(),
            Hex(data),
            Quoted(data)
        ),
        Event::AlertSent(a) | Event::AlertReceived(a) => write!(s, "{a}"),
        Event::ResumptionOffered {
            session_id,
            ticket,
            master_secret,
        } => write!(
            s,
            "session_id={} ticket={} master_secret={}",
            Hex(session_id),
            ticket.map_or_else(|| "none".to_string(), |t| Hex(t).to_string()),
            Secret(master_secret, redact)
        ),
        Event::Intercepted { point, before, after } => {
            write!(s, "{point} edited: before={} after={}", Hex(before), Hex(after))
        }
        Event::SessionHash { session_hash } => write!(s, "session_hash={}", Hex(session_hash)),
        Event::ServerKeyChecked { matches, detail } => write!(s, "matches={matches} {detail}"),
        Event::FaultApplied {
            fault,
            what,
            before,
            after,
        } => {
            write!(
                s,
                "{fault} changed {what}: before={} after={}",
                Hex(before),
                Hex(after)
            )
        }
        Event::SessionResumed {
            session_id,
            master_secret,
        } => write!(
            s,
            "session_id={} master_secret={} (reused: no key exchange)",
            Hex(session_id),
            Secret(master_secret, redact)
        ),
        Event::RsaPadding {
            padding_string,
            encoded_block,
        } => write!(
            s,
            "padding_string_len={} padding_string={} encoded_block={}",
            padding_string.len(),
            Secret(padding_string, redact),
            Secret(encoded_block, redact)
        ),
        Event::RsaEncrypted {
            modulus_bits,
            ciphertext,
        } => write!(s, "modulus_bits={modulus_bits} ciphertext={}", Hex(ciphertext)),
        Event::DhKeyShare {
            p_bits,
            p,
            g,
            client_public,
            server_public,
        } => write!(
            s,
            "p_bits={p_bits} p={} g={} client_public={} server_public={}",
            Hex(p),
            Hex(g),
            Hex(client_public),
            Hex(server_public)
        ),
        Event::DhSharedSecret {
            z,
            leading_zeros_stripped,
        } => write!(
            s,
            "len={} leading_zeros_stripped={leading_zeros_stripped} z={}",
            z.len(),
            Secret(z, redact)
        ),
        Event::Ssl3Hash {
            purpose,
            inner,
            outer,
            output,
        } => {
            write!(s, "{purpose}")?;
            // Interleaved as computed: each inner digest, then the outer one over it.
            for i in 0..inner.len().max(outer.len()) {
                if let Some(x) = inner.get(i) {
                    write!(s, " inner({})={}", i + 1, Secret(x, redact))?;
                }
                if let Some(x) = outer.get(i) {
                    write!(s, " outer({})={}", i + 1, Secret(x, redact))?;
                }
            }
            write!(s, " out={}", Secret(output, redact))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bytes::Bytes;
    use crate::observer::{PaddingView, PrfCall, PrfHalf, RecordView};
    use crate::types::KeyBlock;
    use crate::wire::{Alert, AlertDescription, AlertLevel, ContentType, Direction, ProtocolVersion};

    /// Every byte but `'` is escaped as the standard library's
    /// `ascii::escape_default` escapes it (which also escapes `'`), in runs
    /// and alone.
    #[test]
    fn quoted_escapes_as_escape_default() {
        let bytes: Vec<u8> = (0..=255u8)
            .filter(|&b| b != b'\'')
            .chain(*b"plain text ")
            .collect();
        // Long enough to cross the formatter's buffer several times.
        let long = bytes.repeat(20);
        let expected: String = long
            .iter()
            .flat_map(|&b| std::ascii::escape_default(b))
            .map(char::from)
            .collect();
        assert_eq!(Quoted(&long).to_string(), format!("\"{expected}\""));
        for &b in &bytes {
            let one: String = std::ascii::escape_default(b).map(char::from).collect();
            assert_eq!(Quoted(&[b]).to_string(), format!("\"{one}\""));
        }
    }

    pub(crate) fn sample_key_block() -> KeyBlock {
        KeyBlock {
            client_write_mac_key: Bytes(vec![0x01; 20]),
            server_write_mac_key: Bytes(vec![0x02; 20]),
            client_write_key: Bytes(vec![0x03; 16]),
            server_write_key: Bytes(vec![0x04; 16]),
            client_write_iv: Bytes(vec![]),
            server_write_iv: Bytes(vec![]),
        }
    }

    /// The two halves of a TLS 1.0/1.1 PRF call (RFC 2246 §5), one A(1)
    /// and one HMAC output each, with the given secrets S1 and S2.
    pub(crate) fn legacy_prf_halves<'a>(
        a: &'a [Vec<u8>],
        hmac_outputs: &'a [Vec<u8>],
        [s1, s2]: [&'a [u8]; 2],
    ) -> [PrfHalf<'a>; 2] {
        [
            PrfHalf {
                hash: "P_MD5",
                secret: s1,
                a,
                hmac_outputs,
                output: &[0x0f],
            },
            PrfHalf {
                hash: "P_SHA1",
                secret: s2,
                a,
                hmac_outputs,
                output: &[0xf0],
            },
        ]
    }

    #[test]
    fn record_line() {
        let header = [0x16, 0x03, 0x03, 0x00, 0x02];
        let e = Event::RecordOut(RecordView {
            content_type: ContentType::HANDSHAKE,
            version: ProtocolVersion::TLS12,
            header: &header,
            payload: &[0xab, 0xcd],
            seq: 0,
            protected: false,
        });
        assert_eq!(
            format_event(&e, false),
            "record_out  handshake TLSv1.2 len=2 seq=0 protected=false header=1603030002 payload=abcd"
        );
        assert_eq!(
            e.to_string(),
            format_event(&e, true),
            "nothing secret in a record"
        );
    }

    #[test]
    fn prf_line_full_and_redacted() {
        let a = [vec![0xa1, 0xa1], vec![0xa2]];
        let h = [vec![0xb1], vec![0xb2, 0xb2]];
        let e = Event::Prf(PrfCall {
            purpose: "master_secret",
            hash: PrfHash::Sha256,
            secret: &[0x5e, 0xc7],
            label: b"master secret",
            seed: &[0x00, 0x01],
            a: &a,
            hmac_outputs: &h,
            output: &[0xb1, 0xb2],
            halves: &[],
        });
        assert_eq!(
            format_event(&e, false),
            "prf  master_secret P_SHA256 secret=5ec7 label=\"master secret\" seed=0001 \
             A(1)=a1a1 hmac(1)=b1 A(2)=a2 hmac(2)=b2b2 out=b1b2"
        );
        assert_eq!(
            format_event(&e, true),
            "prf  master_secret P_SHA256 secret=<redacted 2 bytes> label=\"master secret\" seed=0001 \
             A(1)=<redacted 2 bytes> hmac(1)=<redacted 1 bytes> A(2)=<redacted 1 bytes> \
             hmac(2)=<redacted 2 bytes> out=<redacted 2 bytes>"
        );
    }

    /// TLS 1.0/1.1: each half's values under its own name, then the XOR.
    #[test]
    fn legacy_prf_line_names_both_halves() {
        let (a, h) = ([vec![0xa1]], [vec![0xb1]]);
        let halves = legacy_prf_halves(&a, &h, [&[0x01], &[0x02]]);
        let e = Event::Prf(PrfCall {
            purpose: "verify_data",
            hash: PrfHash::Md5Sha1,
            secret: &[0x01, 0x02],
            label: b"client finished",
            seed: &[0x00],
            a: &[],
            hmac_outputs: &[],
            output: &[0xff],
            halves: &halves,
        });
        assert_eq!(
            format_event(&e, false),
            "prf  verify_data P_MD5 XOR P_SHA1 secret=0102 label=\"client finished\" seed=00 \
             P_MD5.S1=01 P_MD5.A(1)=a1 P_MD5.hmac(1)=b1 P_MD5.out=0f \
             P_SHA1.S2=02 P_SHA1.A(1)=a1 P_SHA1.hmac(1)=b1 P_SHA1.out=f0 out=ff"
        );
    }

    #[test]
    fn key_block_uses_rfc_names_and_redacts() {
        let kb = sample_key_block();
        let e = Event::KeyBlock(&kb);
        assert_eq!(
            format_event(&e, false),
            format!(
                "key_block  client_write_MAC_key={} server_write_MAC_key={} client_write_key={} \
                 server_write_key={} client_write_IV= server_write_IV=",
                "01".repeat(20),
                "02".repeat(20),
                "03".repeat(16),
                "04".repeat(16)
            )
        );
        assert_eq!(
            format_event(&e, true),
            "key_block  client_write_MAC_key=<redacted 20 bytes> server_write_MAC_key=<redacted 20 bytes> \
             client_write_key=<redacted 16 bytes> server_write_key=<redacted 16 bytes> \
             client_write_IV=<redacted 0 bytes> server_write_IV=<redacted 0 bytes>"
        );
    }

    #[test]
    fn mac_padding_finished_alert_lines() {
        let e = Event::MacCompared {
            direction: Direction::ServerToClient,
            seq: 1,
            computed: &[0x11, 0x22],
            received: &[0x11, 0x23],
            equal: false,
        };
        assert_eq!(
            format_event(&e, true),
            "mac_compared  server->client seq=1 computed=1122 received=1123 equal=false"
        );
        let pad = [0x0b; 11];
        let e = Event::CbcPadding(PaddingView {
            direction: Direction::ServerToClient,
            seq: 1,
            padding_length: 11,
            padding: &pad,
            well_formed: true,
            first_bad: None,
        });
        assert_eq!(
            format_event(&e, false),
            format!(
                "cbc_padding  server->client seq=1 padding_length=11 well_formed=true first_bad=none padding={}",
                "0b".repeat(11)
            )
        );
        let e = Event::FinishedVerify {
            label: "server finished",
            handshake_hash: &[0xaa],
            computed: &[0x01, 0x02],
            received: &[0x01, 0x03],
        };
        assert_eq!(
            format_event(&e, false),
            "finished_verify  \"server finished\" handshake_hash=aa computed=0102 received=0103 equal=false"
        );
        let e = Event::AlertReceived(Alert {
            level: AlertLevel::FATAL,
            description: AlertDescription(0xee),
        });
        assert_eq!(format_event(&e, false), "alert_received  fatal 0xee");
        let e = Event::ApplicationData {
            direction: Direction::ServerToClient,
            data: b"ok\r\n\x00",
        };
        assert_eq!(
            format_event(&e, false),
            "application_data  server->client len=5 data=6f6b0d0a00 text=\"ok\\r\\n\\x00\""
        );
    }

    #[test]
    fn secrets_redacted() {
        let pms = [7u8; 32];
        assert_eq!(
            format_event(&Event::PreMasterSecret(&pms), true),
            "pre_master_secret  len=32 value=<redacted 32 bytes>"
        );
        let (cr, sr, ms) = ([1u8; 32], [2u8; 32], [3u8; 48]);
        let e = Event::MasterSecret {
            client_random: &cr,
            server_random: &sr,
            master_secret: &ms,
        };
        let line = format_event(&e, true);
        assert!(line.starts_with(&format!("master_secret  client_random={} ", "01".repeat(32))));
        assert!(line.ends_with("master_secret=<redacted 48 bytes>"));
        assert!(format_event(&e, false).ends_with(&"03".repeat(48)));
    }

    #[test]
    fn write_errors_are_swallowed_and_kept() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut log = TextLog::new(Broken);
        log.on_event(&Event::AlertSent(Alert::fatal(AlertDescription::BAD_RECORD_MAC)));
        assert_eq!(log.take_error().unwrap().to_string(), "disk full");

        let mut log = TextLog::new(Vec::new());
        log.on_event(&Event::AlertSent(Alert::fatal(AlertDescription::BAD_RECORD_MAC)));
        assert_eq!(
            String::from_utf8(log.into_inner()).unwrap(),
            "alert_sent  fatal bad_record_mac\n"
        );
    }
}
