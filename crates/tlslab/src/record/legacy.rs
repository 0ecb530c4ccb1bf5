//! Records of the old suites that captures carry and this client never
//! offers: RC4, single and triple DES, and NULL encryption, each with an
//! HMAC-MD5 or HMAC-SHA1 MAC (SSL 3.0: its own keyed-hash MAC).
//!
//! ```text
//! stream (RC4, NULL), RFC 2246 §6.2.3.1 GenericStreamCipher:
//!   on wire = RC4(content ‖ MAC)          the key stream runs on across records
//!   on wire = content ‖ MAC               NULL cipher: the MAC is all there is
//!
//! 8-byte-block CBC (3DES-EDE, DES), RFC 2246 §6.2.3.2 GenericBlockCipher:
//!   on wire = [IV] ‖ CBC(content ‖ MAC ‖ padding ‖ padding_length)
//!   IV      = SSL 3.0 and TLS 1.0: the key block's write IV, then the last
//!             ciphertext block of the previous record (not sent);
//!             TLS 1.1 and later: the first 8 bytes of the record
//!
//! MAC     = HMAC_hash(MAC_write_secret, seq_num ‖ type ‖ version ‖ length ‖ content)   (TLS)
//!         = SSL 3.0's hash(secret ‖ pad_2 ‖ hash(secret ‖ pad_1 ‖ seq_num ‖ type ‖ length ‖ content))
//! ```
//!
//! The block ciphers and RC4 are RustCrypto's (`des`, `rc4`); the record
//! framing, the chain, the padding rules and the MAC input are written out
//! here, and every value reaches the observer as on the AES path
//! (`MacInput` or `Ssl3Hash`, `CbcIvChain`, `CbcPadding`, `MacCompared`).
//! A separate module from [`super::cbc`], whose AES path is tuned for 16-byte
//! blocks: nothing here touches it.
//!
//! This path opens records of connections that already happened (it also
//! seals, for its own round-trip tests); nothing answers a peer from it, so
//! it makes no attempt at constant time.
//!
//! [RFC 2246 §6.2.3.1]: https://www.rfc-editor.org/rfc/rfc2246#section-6.2.3.1

use des::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use hmac::{Hmac, Mac};
use rc4::{consts::U16, Rc4, StreamCipher};

use super::verify::compare_macs;
use super::{pseudo_header, Plaintext, RecordOptions};
use crate::crypto::ssl3::{self, Ssl3Hash};
use crate::crypto::suites::{BulkCipher, MacAlgorithm};
use crate::error::Error;
use crate::observer::{Event, Hooks, MacInput, PaddingView};
use crate::rng::Rng;
use crate::wire::{ContentType, Direction, ProtocolVersion, RecordHeader};

/// The DES block size, which is also the IV length.
pub const DES_BLOCK: usize = 8;

/// The bulk cipher with its expanded key (and for RC4, its running state).
enum Cipher {
    Null,
    Rc4(Box<Rc4<U16>>),
    Des(Box<des::Des>),
    TripleDes(Box<des::TdesEde3>),
}

impl Cipher {
    fn new(cipher: BulkCipher, key: &[u8]) -> Result<Cipher, Error> {
        let bad = |_| Error::Internal(format!("{cipher:?}: key of {} bytes", key.len()));
        Ok(match cipher {
            BulkCipher::Null if key.is_empty() => Cipher::Null,
            BulkCipher::Rc4_128 => Cipher::Rc4(Box::new(Rc4::new_from_slice(key).map_err(bad)?)),
            BulkCipher::DesCbc => Cipher::Des(Box::new(des::Des::new_from_slice(key).map_err(bad)?)),
            BulkCipher::TripleDesEdeCbc => {
                Cipher::TripleDes(Box::new(des::TdesEde3::new_from_slice(key).map_err(bad)?))
            }
            other => {
                return Err(Error::Internal(format!(
                    "{other:?} with a {}-byte key is not an analysis-only cipher",
                    key.len()
                )))
            }
        })
    }

    fn is_block(&self) -> bool {
        matches!(self, Cipher::Des(_) | Cipher::TripleDes(_))
    }

    fn encrypt_block(&self, b: &mut [u8; DES_BLOCK]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            Cipher::Des(k) => k.encrypt_block(b),
            Cipher::TripleDes(k) => k.encrypt_block(b),
            Cipher::Null | Cipher::Rc4(_) => {}
        }
    }

    fn decrypt_block(&self, b: &mut [u8; DES_BLOCK]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            Cipher::Des(k) => k.decrypt_block(b),
            Cipher::TripleDes(k) => k.decrypt_block(b),
            Cipher::Null | Cipher::Rc4(_) => {}
        }
    }
}

/// The record MAC of these suites.
#[derive(Clone, Copy, Debug)]
enum RecordMac {
    /// TLS: HMAC over the 13-byte pseudo-header and the content (RFC 2246 §6.2.3.1).
    Hmac(MacAlgorithm),
    /// SSL 3.0's keyed hash (RFC 6101 §5.2.3.1), no version bytes.
    Ssl3(Ssl3Hash),
}

impl RecordMac {
    fn len(self) -> usize {
        match self {
            RecordMac::Hmac(m) => m.len(),
            RecordMac::Ssl3(h) => h.len(),
        }
    }
}

/// HMAC (RFC 2104) with MD5 or SHA-1 over `parts`.
fn hmac(alg: MacAlgorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        // HMAC takes keys of any length (RFC 2104 §2): this cannot fail.
        let Ok(mut m) = <M as Mac>::new_from_slice(key) else {
            return Vec::new();
        };
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        MacAlgorithm::HmacMd5 => run::<Hmac<md5::Md5>>(key, parts),
        MacAlgorithm::HmacSha1 => run::<Hmac<sha1::Sha1>>(key, parts),
        MacAlgorithm::HmacSha256 => run::<Hmac<sha2::Sha256>>(key, parts),
        MacAlgorithm::HmacSha384 => run::<Hmac<sha2::Sha384>>(key, parts),
        MacAlgorithm::Aead => Vec::new(),
    }
}

/// One direction's write secrets from the key block (RFC 2246 §6.3).
#[derive(Clone, Copy, Debug)]
pub struct WriteKeys<'a> {
    /// `client_write_MAC_secret` or `server_write_MAC_secret`.
    pub mac_write_secret: &'a [u8],
    /// `client_write_key` or `server_write_key`.
    pub write_key: &'a [u8],
    /// `client_write_IV` or `server_write_IV` (empty for RC4 and NULL, and
    /// for block ciphers with explicit IVs).
    pub write_iv: &'a [u8],
}

/// One direction's state for an analysis-only suite.
pub struct LegacyState {
    direction: Direction,
    cipher: Cipher,
    mac: RecordMac,
    mac_write_secret: Vec<u8>,
    /// RFC 7366 (block ciphers under TLS only): the MAC covers `IV ‖ ciphertext`.
    encrypt_then_mac: bool,
    /// The chained IV of the next record (SSL 3.0, TLS 1.0 block ciphers);
    /// `None` when each record carries its IV (TLS 1.1 on) or there is no IV.
    chain: Option<[u8; DES_BLOCK]>,
    /// RC4: how many key stream bytes this direction has used since
    /// ChangeCipherSpec (the stream never restarts between records).
    stream_position: u64,
}

impl std::fmt::Debug for LegacyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyState")
            .field("direction", &self.direction)
            .field("mac", &self.mac)
            .field("stream_position", &self.stream_position)
            .finish_non_exhaustive()
    }
}

impl LegacyState {
    /// Expands the keys of `cipher` (RC4, DES, 3DES or NULL). `ssl3` picks
    /// SSL 3.0's MAC (MD5 or SHA-1 by `mac`) and its chained IVs. A block
    /// cipher chains from `write_iv` when `ssl3` or `options.chained_iv`,
    /// and reads an explicit IV from each record otherwise. `write_iv` may
    /// be longer than a block: its last 8 bytes are the IV (the capture
    /// analysis keeps the last 16 bytes of every record, whose tail is an
    /// 8-byte cipher's last block).
    pub fn new(
        direction: Direction,
        cipher: BulkCipher,
        mac: MacAlgorithm,
        ssl3: bool,
        keys: WriteKeys<'_>,
        options: RecordOptions,
    ) -> Result<LegacyState, Error> {
        let WriteKeys {
            mac_write_secret,
            write_key,
            write_iv,
        } = keys;
        let record_mac = match (ssl3, mac) {
            (true, MacAlgorithm::HmacMd5) => RecordMac::Ssl3(Ssl3Hash::Md5),
            (true, MacAlgorithm::HmacSha1) => RecordMac::Ssl3(Ssl3Hash::Sha1),
            (false, MacAlgorithm::HmacMd5 | MacAlgorithm::HmacSha1) => RecordMac::Hmac(mac),
            (_, other) => {
                return Err(Error::Internal(format!(
                    "{cipher:?} with a {other:?} MAC is not a suite of SSL 3.0 to TLS 1.2"
                )))
            }
        };
        if mac_write_secret.len() != record_mac.len() {
            return Err(Error::Internal(format!(
                "MAC secret of {} bytes, want {}",
                mac_write_secret.len(),
                record_mac.len()
            )));
        }
        let cipher = Cipher::new(cipher, write_key)?;
        let chain = if cipher.is_block() && (ssl3 || options.chained_iv) {
            let iv = write_iv
                .last_chunk::<DES_BLOCK>()
                .ok_or_else(|| Error::Internal(format!("write IV of {} bytes, want 8", write_iv.len())))?;
            Some(*iv)
        } else {
            None
        };
        Ok(LegacyState {
            direction,
            encrypt_then_mac: options.encrypt_then_mac && cipher.is_block() && !ssl3,
            cipher,
            mac: record_mac,
            mac_write_secret: mac_write_secret.to_vec(),
            chain,
            stream_position: 0,
        })
    }

    /// The MAC length: 16 (MD5) or 20 (SHA-1).
    pub fn mac_len(&self) -> usize {
        self.mac.len()
    }

    /// Whether the cipher is a stream cipher (RC4) or none (NULL): no
    /// padding, no IV, and a changed ciphertext bit changes exactly one
    /// plaintext bit.
    pub fn is_stream(&self) -> bool {
        !self.cipher.is_block()
    }

    /// Whether a block cipher chains its IVs (SSL 3.0, TLS 1.0) rather
    /// than reading one from each record.
    pub fn chained(&self) -> bool {
        self.chain.is_some()
    }

    /// Whether the MAC covers the ciphertext (RFC 7366).
    pub fn encrypt_then_mac(&self) -> bool {
        self.encrypt_then_mac
    }

    /// RC4: the key stream bytes this direction used so far.
    pub fn stream_position(&self) -> u64 {
        self.stream_position
    }

    /// RC4: discards `n` key stream bytes, as if `n` bytes of records had
    /// been sealed or opened (the explainer recomputes a record in the
    /// middle of a stream this way). Nothing for the other ciphers.
    pub fn skip_key_stream(&mut self, n: u64) {
        if let Cipher::Rc4(k) = &mut self.cipher {
            let mut scratch = [0u8; 4096];
            let mut left = n;
            while left > 0 {
                let step = left.min(scratch.len() as u64) as usize;
                k.apply_keystream(&mut scratch[..step]);
                left -= step as u64;
            }
            self.stream_position += n;
        }
    }

    /// RC4 or NULL: removes the key stream from `data` in place (the
    /// position advances), without checking anything: for the explainer,
    /// which then recomputes MACs over variants of the content itself.
    pub fn decrypt_stream(&mut self, data: &mut [u8]) {
        self.apply_stream(data);
    }

    /// The record MAC over `content` under this state's MAC key, with no
    /// observer: for the explainer's searches.
    pub fn mac_of(&self, seq: u64, typ: ContentType, version: ProtocolVersion, content: &[u8]) -> Vec<u8> {
        self.record_mac(seq, typ, version, content, &mut Hooks::none())
    }

    /// The record MAC over `content` (the TLS MAC shows its input as a
    /// `MacInput` event, SSL 3.0's as an `Ssl3Hash`).
    fn record_mac(
        &self,
        seq: u64,
        typ: ContentType,
        version: ProtocolVersion,
        content: &[u8],
        hooks: &mut Hooks<'_>,
    ) -> Vec<u8> {
        match self.mac {
            RecordMac::Ssl3(h) => ssl3::record_mac(h, &self.mac_write_secret, seq, typ, content, hooks),
            RecordMac::Hmac(alg) => {
                let header = pseudo_header(seq, typ, version, content.len());
                let mac = hmac(alg, &self.mac_write_secret, &[&header, content]);
                if hooks.active() {
                    hooks.emit(&Event::MacInput(MacInput {
                        direction: self.direction,
                        seq,
                        pseudo_header: &header,
                        fragment: content,
                        mac: &mac,
                    }));
                }
                mac
            }
        }
    }

    /// RC4 over `data` in place; the key stream position advances.
    fn apply_stream(&mut self, data: &mut [u8]) {
        if let Cipher::Rc4(k) = &mut self.cipher {
            k.apply_keystream(data);
            self.stream_position += data.len() as u64;
        }
    }

    /// CBC over 8-byte blocks: `buf` is whole blocks, encrypted under `iv`.
    fn cbc_encrypt(&self, iv: [u8; DES_BLOCK], buf: &mut [u8]) {
        let mut prev = iv;
        for chunk in buf.chunks_exact_mut(DES_BLOCK) {
            let mut block = [0u8; DES_BLOCK];
            for ((o, p), c) in block.iter_mut().zip(chunk.iter()).zip(prev.iter()) {
                *o = p ^ c;
            }
            self.cipher.encrypt_block(&mut block);
            chunk.copy_from_slice(&block);
            prev = block;
        }
    }

    /// CBC decryption over 8-byte blocks: `Pi = D(Ci) ⊕ C(i-1)`, `C0 = iv`.
    fn cbc_decrypt(&self, iv: [u8; DES_BLOCK], buf: &mut [u8]) {
        let mut prev = iv;
        for chunk in buf.chunks_exact_mut(DES_BLOCK) {
            let mut block: [u8; DES_BLOCK] = chunk.try_into().unwrap_or([0; DES_BLOCK]);
            let c = block;
            self.cipher.decrypt_block(&mut block);
            for ((o, d), p) in chunk.iter_mut().zip(block.iter()).zip(prev.iter()) {
                *o = d ^ p;
            }
            prev = c;
        }
    }

    /// The chained IV moves on to `payload`'s last block; the observer
    /// sees both (`CbcIvChain`).
    fn advance_chain(&mut self, seq: u64, payload: &[u8], hooks: &mut Hooks<'_>) {
        let (Some(iv), Some(last)) = (self.chain, payload.last_chunk::<DES_BLOCK>()) else {
            return;
        };
        hooks.emit(&Event::CbcIvChain {
            direction: self.direction,
            seq,
            iv: &iv,
            next_iv: last,
        });
        self.chain = Some(*last);
    }

    /// Appends the protected `fragment` to `out`. Block ciphers get the
    /// fewest padding bytes, each equal to padding_length (RFC 2246
    /// §6.2.3.2; SSL 3.0 accepts that too), and under an explicit IV a
    /// fresh one from `rng`.
    pub(super) fn seal(
        &mut self,
        seq: u64,
        plaintext: Plaintext<'_>,
        out: &mut Vec<u8>,
        rng: &mut dyn Rng,
        hooks: &mut Hooks<'_>,
    ) {
        let Plaintext {
            typ,
            version,
            fragment,
        } = plaintext;
        let start = out.len();
        if !self.cipher.is_block() {
            let mac = self.record_mac(seq, typ, version, fragment, hooks);
            out.extend_from_slice(fragment);
            out.extend_from_slice(&mac);
            let (_, sealed) = out.split_at_mut(start);
            let mut data = sealed.to_vec();
            self.apply_stream(&mut data);
            out.truncate(start);
            out.extend_from_slice(&data);
            return;
        }
        let iv = match self.chain {
            Some(iv) => iv,
            None => {
                let mut iv = [0u8; DES_BLOCK];
                rng.fill(&mut iv);
                out.extend_from_slice(&iv);
                iv
            }
        };
        let body = out.len();
        out.extend_from_slice(fragment);
        if !self.encrypt_then_mac {
            let mac = self.record_mac(seq, typ, version, fragment, hooks);
            out.extend_from_slice(&mac);
        }
        let used = out.len() - body + 1;
        let pad = (DES_BLOCK - used % DES_BLOCK) % DES_BLOCK;
        out.resize(out.len() + pad + 1, pad as u8);
        self.cbc_encrypt(iv, &mut out[body..]);
        if self.encrypt_then_mac {
            let mac = self.record_mac(seq, typ, version, &out[start..], hooks);
            out.extend_from_slice(&mac);
        }
        let sealed = out[start..].to_vec();
        self.advance_chain(seq, &sealed, hooks);
    }

    /// Removes the protection of `payload` in place; on success truncates
    /// it to the content and returns true. The RC4 key stream and the CBC
    /// chain advance whatever the verdict: the sender used them.
    pub(super) fn open(
        &mut self,
        seq: u64,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> bool {
        if self.cipher.is_block() {
            return self.open_block(seq, header, payload, hooks);
        }
        // GenericStreamCipher: content ‖ MAC, no padding, no IV.
        self.apply_stream(payload);
        let mac_len = self.mac.len();
        let Some(split) = payload.len().checked_sub(mac_len) else {
            return false;
        };
        let (content, received) = payload.split_at(split);
        let computed = self.record_mac(seq, header.content_type, header.version, content, hooks);
        let equal = self.compared(seq, &computed, received, hooks);
        payload.truncate(split);
        equal
    }

    fn compared(&self, seq: u64, computed: &[u8], received: &[u8], hooks: &mut Hooks<'_>) -> bool {
        let equal = compare_macs(computed, received);
        hooks.emit(&Event::MacCompared {
            direction: self.direction,
            seq,
            computed,
            received,
            equal,
        });
        equal
    }

    /// GenericBlockCipher with 8-byte blocks (RFC 2246 §6.2.3.2, RFC 4346
    /// §6.2.3.2, RFC 6101 §5.2.3.2; RFC 7366 for encrypt-then-MAC).
    fn open_block(
        &mut self,
        seq: u64,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> bool {
        let mac_len = self.mac.len();
        let mut received_tag = None;
        if self.encrypt_then_mac {
            // The MAC covers IV ‖ ciphertext: checked before any decryption.
            let Some(split) = payload.len().checked_sub(mac_len) else {
                return false;
            };
            let computed =
                self.record_mac(seq, header.content_type, header.version, &payload[..split], hooks);
            if !self.compared(seq, &computed, &payload[split..], hooks) {
                self.advance_chain(seq, &payload[..split], hooks);
                return false;
            }
            received_tag = Some(payload.split_off(split));
        }
        let explicit = self.chain.is_none();
        let iv_len = if explicit { DES_BLOCK } else { 0 };
        let len = payload.len();
        if len < iv_len + DES_BLOCK || !len.is_multiple_of(DES_BLOCK) {
            return false;
        }
        let iv = match self.chain {
            Some(iv) => iv,
            None => payload[..DES_BLOCK].try_into().unwrap_or([0; DES_BLOCK]),
        };
        self.advance_chain(seq, payload, hooks);
        let mut buf = payload[iv_len..].to_vec();
        self.cbc_decrypt(iv, &mut buf);
        let n = buf.len();
        let padding_length = buf[n - 1];
        let ssl3 = matches!(self.mac, RecordMac::Ssl3(_));
        let tail = if received_tag.is_some() { 0 } else { mac_len };
        // SSL 3.0 defines only the length byte (less than a block); TLS
        // wants every padding byte equal to it.
        let (padding, well_formed, first_bad) = if ssl3 {
            match ssl3::padding_length(&buf, DES_BLOCK).filter(|p| p + tail <= n) {
                Some(p) => (p - 1, true, None),
                None => (0, false, None),
            }
        } else {
            let p = usize::from(padding_length);
            if p + 1 + tail <= n {
                let bytes = &buf[n - 1 - p..n - 1];
                let bad = bytes.iter().position(|b| *b != padding_length);
                (p, bad.is_none(), bad)
            } else {
                (0, false, None)
            }
        };
        hooks.emit(&Event::CbcPadding(PaddingView {
            direction: self.direction,
            seq,
            padding_length,
            padding: if well_formed || first_bad.is_some() {
                &buf[n - 1 - padding..n - 1]
            } else {
                &[]
            },
            well_formed,
            first_bad,
        }));
        // A malformed padding: the MAC is still computed, over the record
        // framed as if padding_length were 0 (as the AES path does), so the
        // observer sees a MAC either way.
        let strip = if well_formed { padding + 1 } else { 1 };
        let Some(content_end) = n.checked_sub(strip + tail) else {
            return false;
        };
        if received_tag.is_some() {
            buf.truncate(content_end);
            *payload = buf;
            return well_formed;
        }
        let (content, rest) = buf.split_at(content_end);
        let received = &rest[..mac_len];
        let computed = self.record_mac(seq, header.content_type, header.version, content, hooks);
        let equal = self.compared(seq, &computed, received, hooks) && well_formed;
        buf.truncate(content_end);
        *payload = buf;
        equal
    }
}

#[cfg(test)]
mod tests;
