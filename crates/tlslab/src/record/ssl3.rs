//! SSL 3.0 block-cipher records ([RFC 6101 §5.2.3.2]), for replaying
//! captured SSL 3.0 connections:
//!
//! ```text
//! MAC     = hash(MAC_write_secret + pad_2 + hash(MAC_write_secret + pad_1 + seq_num + type + length + content))
//! on wire = CBC-Encrypt(write_key, IV, content ‖ MAC ‖ padding ‖ padding_length)
//! IV      = client/server_write_IV for the first record, then the last ciphertext block of the previous record
//! ```
//!
//! Three differences from TLS 1.2 CBC ([`super::cbc`]): the MAC is the
//! keyed hash of [`crate::crypto::ssl3::record_mac`], not HMAC, and has no
//! version in it; the IV is not sent but chained; and only the last padding
//! byte is defined ([`crate::crypto::ssl3::padding_length`]), so the
//! padding bytes are not covered by anything (POODLE).
//!
//! This path opens records of connections that already happened; nothing
//! answers a peer from it, so it makes no attempt at constant time.
//!
//! [RFC 6101 §5.2.3.2]: https://www.rfc-editor.org/rfc/rfc6101#section-5.2.3.2

use super::cbc::{cbc_decrypt, cbc_encrypt, AesKey, BLOCK};
use super::verify::compare_macs;
use crate::crypto::ssl3::{self, Ssl3Hash};
use crate::crypto::suites::{BulkCipher, MacAlgorithm};
use crate::error::Error;
use crate::observer::{Event, Hooks, PaddingView};
use crate::wire::{ContentType, Direction, RecordHeader};

/// One direction's SSL 3.0 CBC state: keys, and the IV chain.
pub struct Ssl3CbcState {
    direction: Direction,
    hash: Ssl3Hash,
    mac_write_secret: Vec<u8>,
    /// Boxed: an expanded AES-256 key is ~1 KB.
    aes: Box<AesKey>,
    /// The IV of the next record: the key block's write IV, then the last
    /// ciphertext block of the previous record.
    iv: [u8; BLOCK],
}

impl std::fmt::Debug for Ssl3CbcState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ssl3CbcState")
            .field("direction", &self.direction)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl Ssl3CbcState {
    /// Expands the keys. `cipher` must be an AES-CBC cipher, `mac` HMAC-SHA1
    /// (which names SHA-1 for SSL 3.0's MAC), and `iv` one block.
    pub fn new(
        direction: Direction,
        cipher: BulkCipher,
        mac: MacAlgorithm,
        mac_write_secret: &[u8],
        write_key: &[u8],
        write_iv: &[u8],
    ) -> Result<Ssl3CbcState, Error> {
        let hash = match mac {
            MacAlgorithm::HmacSha1 => Ssl3Hash::Sha1,
            other => {
                return Err(Error::Internal(format!(
                    "SSL 3.0 has no {other:?} record MAC (only MD5 and SHA-1)"
                )))
            }
        };
        if mac_write_secret.len() != hash.len() {
            return Err(Error::Internal(format!(
                "SSL 3.0 MAC secret of {} bytes, want {}",
                mac_write_secret.len(),
                hash.len()
            )));
        }
        let iv: [u8; BLOCK] = write_iv.try_into().map_err(|_| {
            Error::Internal(format!(
                "SSL 3.0 write IV of {} bytes, want {BLOCK}",
                write_iv.len()
            ))
        })?;
        Ok(Ssl3CbcState {
            direction,
            hash,
            mac_write_secret: mac_write_secret.to_vec(),
            aes: Box::new(AesKey::new(cipher, write_key)?),
            iv,
        })
    }

    /// The MAC length: 20 bytes (SHA-1).
    pub fn mac_len(&self) -> usize {
        self.hash.len()
    }

    /// The IV the next record will be encrypted under.
    pub fn next_iv(&self) -> [u8; BLOCK] {
        self.iv
    }

    /// Appends the encrypted `fragment ‖ MAC ‖ padding ‖ padding_length` to
    /// `out`, with the fewest padding bytes (RFC 6101 §5.2.3.2 asks for the
    /// minimum), all zero: their values are not defined. Emits the MAC's
    /// `Ssl3Hash` and `CbcIvChain`.
    pub(super) fn seal(
        &mut self,
        seq: u64,
        typ: ContentType,
        fragment: &[u8],
        out: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) {
        let mac = ssl3::record_mac(self.hash, &self.mac_write_secret, seq, typ, fragment, hooks);
        let start = out.len();
        out.extend_from_slice(&self.iv);
        out.extend_from_slice(fragment);
        out.extend_from_slice(&mac);
        let used = fragment.len() + mac.len() + 1;
        let pad = (BLOCK - used % BLOCK) % BLOCK;
        out.resize(out.len() + pad, 0);
        out.push(pad as u8);
        cbc_encrypt(&self.aes, &mut out[start..]);
        // The IV is not sent: drop it, keep the last block for the next record.
        out.drain(start..start + BLOCK);
        self.chain(seq, &out[start..], hooks);
    }

    /// The next IV is the last ciphertext block of `payload`; the observer
    /// sees both (`CbcIvChain`).
    fn chain(&mut self, seq: u64, payload: &[u8], hooks: &mut Hooks<'_>) {
        if let Some(last) = payload.last_chunk::<BLOCK>() {
            hooks.emit(&Event::CbcIvChain {
                direction: self.direction,
                seq,
                iv: &self.iv,
                next_iv: last,
            });
            self.iv = *last;
        }
    }

    /// Decrypts and verifies `payload` in place; on success truncates it to
    /// the content and returns true. Emits `CbcIvChain`, `CbcPadding` (whose
    /// `well_formed` only says the length byte fits: the padding bytes have no
    /// defined value to check), the MAC's `Ssl3Hash` and `MacCompared`.
    ///
    /// The chain advances whatever the verdict: the next record's IV is this
    /// record's last ciphertext block, which the sender used whether or not
    /// the record survived the trip.
    pub(super) fn open(
        &mut self,
        seq: u64,
        header: &RecordHeader,
        payload: &mut Vec<u8>,
        hooks: &mut Hooks<'_>,
    ) -> bool {
        let mac_len = self.hash.len();
        let len = payload.len();
        if len == 0 || !len.is_multiple_of(BLOCK) || len < mac_len + 1 {
            return false;
        }
        let mut buf = Vec::with_capacity(BLOCK + len);
        buf.extend_from_slice(&self.iv);
        buf.extend_from_slice(payload);
        self.chain(seq, payload, hooks);
        cbc_decrypt(&self.aes, &mut buf);
        let fragment = &buf[BLOCK..];
        let padding_length = fragment[len - 1];
        let padding = ssl3::padding_length(fragment, BLOCK).filter(|n| n + mac_len <= len);
        hooks.emit(&Event::CbcPadding(PaddingView {
            direction: self.direction,
            seq,
            padding_length,
            padding: match padding {
                Some(n) => &fragment[len - n..len - 1],
                None => &[],
            },
            well_formed: padding.is_some(),
            first_bad: None,
        }));
        let Some(n) = padding else {
            return false;
        };
        let content_end = len - n - mac_len;
        let (content, rest) = fragment.split_at(content_end);
        let received = &rest[..mac_len];
        let computed = ssl3::record_mac(
            self.hash,
            &self.mac_write_secret,
            seq,
            header.content_type,
            content,
            hooks,
        );
        let equal = compare_macs(&computed, received);
        hooks.emit(&Event::MacCompared {
            direction: self.direction,
            seq,
            computed: &computed,
            received,
            equal,
        });
        if equal {
            payload.clear();
            payload.extend_from_slice(content);
        }
        equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_SECRET: [u8; 20] = [0x11; 20];
    const KEY: [u8; 16] = [0x22; 16];

    fn state(direction: Direction, iv: &[u8; BLOCK]) -> Ssl3CbcState {
        Ssl3CbcState::new(
            direction,
            BulkCipher::Aes128Cbc,
            MacAlgorithm::HmacSha1,
            &MAC_SECRET,
            &KEY,
            iv,
        )
        .unwrap()
    }

    fn header(len: usize) -> RecordHeader {
        RecordHeader {
            content_type: ContentType::APPLICATION_DATA,
            version: crate::wire::ProtocolVersion::SSL3,
            length: len as u16,
        }
    }

    #[test]
    fn sealed_records_open_in_order_and_the_chain_matters() {
        let iv = [7u8; BLOCK];
        let (mut tx, mut rx) = (
            state(Direction::ClientToServer, &iv),
            state(Direction::ClientToServer, &iv),
        );
        let mut records = vec![];
        for (seq, text) in [&b"first"[..], b"second record, longer than a block"]
            .iter()
            .enumerate()
        {
            let mut out = vec![];
            tx.seal(
                seq as u64,
                ContentType::APPLICATION_DATA,
                text,
                &mut out,
                &mut Hooks::none(),
            );
            assert_eq!(out.len() % BLOCK, 0);
            records.push((seq as u64, text.to_vec(), out));
        }
        for (seq, text, wire) in &records {
            let mut p = wire.clone();
            assert!(rx.open(*seq, &header(p.len()), &mut p, &mut Hooks::none()));
            assert_eq!(&p, text);
        }
        // The second record under the key block's IV (a chain restarted): its
        // first block is garbage, the MAC fails.
        let (seq, _, wire) = &records[1];
        let mut p = wire.clone();
        assert!(!state(Direction::ClientToServer, &iv).open(
            *seq,
            &header(p.len()),
            &mut p,
            &mut Hooks::none()
        ));
    }

    /// POODLE (Möller, Duong, Kotowicz 2014) against this record layer: a
    /// record whose last block is all padding (12 bytes of content, 20 of
    /// MAC, 15 padding bytes and the length byte: 3 blocks) has its last
    /// block replaced by its first. The SSL 3.0 padding rule reads only the
    /// last byte, so the record is accepted exactly when `D(C_1)[15] ⊕
    /// C_2[15] = 15`, i.e. `P_1[15] ⊕ IV[15] ⊕ C_2[15] = 15`: the expected
    /// verdict is computed here from those three known bytes, not by the
    /// record layer. Every accepted record reveals `P_1[15]`, the secret byte.
    #[test]
    fn poodle_a_moved_block_is_accepted_exactly_when_its_last_byte_decrypts_to_15() {
        // 12 bytes of content: the first block is the content and the MAC's
        // first 4 bytes, so P_1[15] is MAC byte 3. A real attack aligns a
        // cookie byte there; any byte the attacker cannot see will do.
        let mut content = b"cookie=SECRE".to_vec();
        let mut accepted = 0;
        let mut sender = state(Direction::ClientToServer, &[0u8; BLOCK]);
        for seq in 0..2048u64 {
            content[0] = seq as u8; // vary the plaintext a little, as requests do
            let iv = sender.next_iv();
            let mut wire = vec![];
            sender.seal(
                seq,
                ContentType::APPLICATION_DATA,
                &content,
                &mut wire,
                &mut Hooks::none(),
            );
            assert_eq!(wire.len(), 3 * BLOCK, "a whole block of padding");
            // The plaintext's first block, known to the test (not to the attacker).
            let mac = ssl3::record_mac(
                Ssl3Hash::Sha1,
                &MAC_SECRET,
                seq,
                ContentType::APPLICATION_DATA,
                &content,
                &mut Hooks::none(),
            );
            let p1_15 = mac[3];
            let c2_15 = wire[2 * BLOCK - 1];
            let expected = p1_15 ^ iv[15] ^ c2_15 == 15;
            // The attack: C_3 := C_1.
            let mut forged = wire.clone();
            forged.copy_within(0..BLOCK, 2 * BLOCK);
            let mut receiver = state(Direction::ClientToServer, &iv);
            let ok = receiver.open(seq, &header(forged.len()), &mut forged, &mut Hooks::none());
            assert_eq!(ok, expected, "record {seq}");
            if ok {
                accepted += 1;
                // What the attacker computes from public bytes only.
                assert_eq!(15 ^ c2_15 ^ iv[15], p1_15, "record {seq}: the byte revealed");
                assert_eq!(forged, content, "the MAC still covers the content");
            }
        }
        // About one in 256.
        assert!((1..=40).contains(&accepted), "{accepted} of 2048 accepted");
    }
}
