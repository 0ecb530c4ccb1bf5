//! A record that did not verify: recompute it under every assumption of the
//! catalogue and see which one makes the MAC (or the AEAD tag) verify.

use ring::hmac;

use super::cause::{BitPosition, Cause};
use super::report::{Certainty, Evidence, Explanation, Finding};
use super::{master_secret_findings, other_hash, FailedRecord, Secrets};
use crate::crypto::key_block::KeyBlock;
use crate::crypto::suites::{BulkCipher, MacAlgorithm, SuiteInfo};
use crate::observer::{Event, Hooks, Observer};
use crate::record::aead::{GCM_EXPLICIT_LEN, TAG_LEN};
use crate::record::cbc::BLOCK;
use crate::record::{pseudo_header, Protection, RecordLayerState};
use crate::wire::{ContentType, Direction, ProtocolVersion, RecordHeader};

/// The largest AEAD payload for which every single flipped bit is tried (8 ×
/// this many recomputations, about 6–13 ms in a release build). Larger
/// records skip the search, and the report says so.
pub const FLIP_SEARCH_MAX_AEAD: usize = 1024;

/// The same bound for CBC records, lower because each CBC recomputation
/// decrypts the whole record and runs the constant-time verifier (about
/// 20 ms at this size in a release build).
pub const FLIP_SEARCH_MAX_CBC: usize = 512;

/// The single-bit search bound for `suite`.
pub fn flip_search_limit(suite: &SuiteInfo) -> usize {
    if suite.is_aead() {
        FLIP_SEARCH_MAX_AEAD
    } else {
        FLIP_SEARCH_MAX_CBC
    }
}

/// How far ahead of the expected `seq_num` the search for a counter that was
/// not reset at ChangeCipherSpec goes.
pub const SEQ_SEARCH_LIMIT: u64 = 64;

/// The `seq_num` window tried around the expected value.
const SEQ_WINDOW: i64 = 3;

/// How a CBC record is protected: RFC 5246 §6.2.3.2 or RFC 7366.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MacMode {
    MacThenEncrypt,
    EncryptThenMac,
}

/// Where a CBC record's IV comes from, and whose record format it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// TLS 1.1 and 1.2: explicit IV in the record (or AEAD).
    Explicit,
    /// TLS 1.0 (RFC 2246 §6.2.3.2): no IV in the record; this one.
    Chained([u8; BLOCK]),
    /// SSL 3.0 (RFC 6101 §5.2.3.2): its MAC, its padding rule, this IV.
    Ssl3([u8; BLOCK]),
}

/// One recomputation: which keys, whose direction, which `seq_num`, which
/// version bytes in the MAC input, which MAC mode, which IV.
#[derive(Clone, Copy, Debug)]
struct Trial<'k> {
    key_block: &'k KeyBlock,
    keys: Direction,
    seq: u64,
    version: ProtocolVersion,
    mode: MacMode,
    layout: Layout,
    /// RC4: the key stream bytes the sender used before this record.
    stream_position: u64,
}

/// The key block with `keys`' write IV replaced by `iv`: how a chained
/// layout hands the record layer the IV to start from.
fn with_write_iv(kb: &KeyBlock, keys: Direction, iv: &[u8; BLOCK]) -> KeyBlock {
    let mut kb = kb.clone();
    match keys {
        Direction::ClientToServer => kb.client_write_iv = crate::bytes::Bytes::from_slice(iv),
        Direction::ServerToClient => kb.server_write_iv = crate::bytes::Bytes::from_slice(iv),
    }
    kb
}

/// The record layer's protection for trial `t`, built by the record layer
/// itself (`Protection::from_key_block_with`, `Protection::ssl3_from_key_block`).
fn protection(
    suite: &SuiteInfo,
    t: &Trial<'_>,
    encrypt_then_mac: bool,
) -> Result<Protection, crate::error::Error> {
    let options = |chained_iv| crate::record::RecordOptions {
        encrypt_then_mac,
        chained_iv,
    };
    let mut p = match t.layout {
        // SSL 3.0 with RC4 or NULL: no IV, but SSL 3.0's MAC.
        Layout::Explicit if t.version == ProtocolVersion::SSL3 && suite.cipher.is_analysis_only() => {
            Protection::ssl3_from_key_block(suite, t.key_block, t.keys)
        }
        Layout::Explicit => Protection::from_key_block_with(suite, t.key_block, t.keys, options(false)),
        Layout::Chained(iv) => {
            let kb = with_write_iv(t.key_block, t.keys, &iv);
            Protection::from_key_block_with(suite, &kb, t.keys, options(true))
        }
        Layout::Ssl3(iv) => {
            Protection::ssl3_from_key_block(suite, &with_write_iv(t.key_block, t.keys, &iv), t.keys)
        }
    }?;
    // RC4: the key stream continues from where the sender's previous record left it.
    if let Protection::Legacy(l) = &mut p {
        l.skip_key_stream(t.stream_position);
    }
    Ok(p)
}

/// The write IV of `keys` in `kb`, if it is one cipher block (TLS 1.0 and
/// SSL 3.0 key blocks carry them). An 8-byte (3DES, DES) IV comes back in
/// the last 8 of the 16 bytes, zeros before it: the chain's links are the
/// last 16 bytes of each record, whose tail is an 8-byte cipher's last
/// block, and that record layer reads its IV from the tail.
fn write_iv(kb: &KeyBlock, keys: Direction) -> Option<[u8; BLOCK]> {
    let iv = match keys {
        Direction::ClientToServer => &kb.client_write_iv,
        Direction::ServerToClient => &kb.server_write_iv,
    };
    match iv.0.len() {
        BLOCK => iv.0.as_slice().try_into().ok(),
        8 => {
            let mut out = [0u8; BLOCK];
            out[8..].copy_from_slice(&iv.0);
            Some(out)
        }
        _ => None,
    }
}

/// The IV as the cipher uses it: the last block-size bytes.
fn iv_hex(suite: &SuiteInfo, iv: &[u8; BLOCK]) -> String {
    let block = suite.cipher.block_len().clamp(1, BLOCK);
    hex::encode(&iv[BLOCK - block..])
}

/// The layout a record of `version` has under `kb` and `keys`: the chained
/// IV is the sender's previous last block, or for its first record the
/// key block's write IV.
fn layout_for(
    version: ProtocolVersion,
    suite: &SuiteInfo,
    kb: &KeyBlock,
    keys: Direction,
    previous_last_block: Option<[u8; BLOCK]>,
) -> Layout {
    if suite.is_aead() {
        return Layout::Explicit;
    }
    let iv = previous_last_block.or_else(|| write_iv(kb, keys));
    match (version, iv) {
        (ProtocolVersion::SSL3, Some(iv)) => Layout::Ssl3(iv),
        (ProtocolVersion::TLS10, Some(iv)) => Layout::Chained(iv),
        _ => Layout::Explicit,
    }
}

/// The result of one recomputation.
#[derive(Debug, Default)]
struct Outcome {
    ok: bool,
    computed: Vec<u8>,
    received: Vec<u8>,
    detail: String,
    /// CBC MAC-then-encrypt only: (well formed, padding_length).
    padding: Option<(bool, u8)>,
    /// CBC MAC-then-encrypt only: the decrypted bytes the MAC was computed
    /// over (as the record layer framed them).
    mac_fragment: Vec<u8>,
}

/// Collects the record layer's own evidence events for one `open`.
#[derive(Default)]
struct Capture {
    mac: Option<(Vec<u8>, Vec<u8>)>,
    padding: Option<(bool, u8)>,
    nonce: Vec<u8>,
    aad: Vec<u8>,
    mac_fragment: Vec<u8>,
}

impl Observer for Capture {
    fn on_event(&mut self, event: &Event<'_>) {
        match event {
            Event::MacCompared {
                computed, received, ..
            } => {
                self.mac = Some((computed.to_vec(), received.to_vec()));
            }
            Event::CbcPadding(p) => self.padding = Some((p.well_formed, p.padding_length)),
            Event::MacInput(m) => self.mac_fragment = m.fragment.to_vec(),
            Event::AeadNonce(n) => self.nonce = n.nonce.to_vec(),
            Event::AeadAad { aad, .. } => self.aad = aad.to_vec(),
            _ => {}
        }
    }
}

/// The encrypt-then-MAC tag of a CBC record (RFC 7366 §3):
///
/// ```text
/// MAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ IV ‖ ENC(content ‖ padding ‖ padding_length))
/// ```
///
/// where `length` is the length of `IV ‖ ciphertext` (the MAC covers the
/// ciphertext, so a receiver can reject a forged record before decrypting:
/// no padding oracle, no Lucky13). `body` is `IV ‖ ciphertext`, without the
/// MAC. Returns `None` for an AEAD suite.
///
/// The explainer computes the tag itself so that it can show the computed
/// and received tags side by side under every hypothesis; when the tag
/// verifies, the record layer (`RecordOptions::encrypt_then_mac`) decrypts
/// the record and checks its padding.
pub fn encrypt_then_mac_tag(
    mac: MacAlgorithm,
    mac_key: &[u8],
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    body: &[u8],
) -> Option<Vec<u8>> {
    let key = hmac::Key::new(mac.hmac()?, mac_key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(&pseudo_header(seq, typ, version, body.len()));
    ctx.update(body);
    Some(ctx.sign().as_ref().to_vec())
}

/// Recomputes the record under `t`. `evidence` attaches an observer to the
/// record layer to collect the computed and received MAC (costs an extra
/// plain-text verification pass, so only the reported trials ask for it).
fn run(suite: &SuiteInfo, t: &Trial<'_>, header: &RecordHeader, payload: &[u8], evidence: bool) -> Outcome {
    if t.mode == MacMode::EncryptThenMac && !suite.is_aead() {
        let mac_key = match t.keys {
            Direction::ClientToServer => &t.key_block.client_write_mac_key,
            Direction::ServerToClient => &t.key_block.server_write_mac_key,
        };
        let mac_len = suite.mac.len();
        let Some(split) = payload.len().checked_sub(mac_len) else {
            return Outcome {
                detail: "encrypt-then-MAC: too short for a MAC".into(),
                ..Outcome::default()
            };
        };
        let (body, received) = payload.split_at(split);
        let computed = encrypt_then_mac_tag(suite.mac, mac_key, t.seq, header.content_type, t.version, body)
            .unwrap_or_default();
        let mac_ok = computed == received;
        // The MAC verifies: only then is the record decrypted and its padding
        // checked (RFC 7366 §3), by the record layer itself.
        let (mut ok, mut padding) = (mac_ok, None);
        if mac_ok {
            if let Ok(protection) = protection(suite, t, true) {
                let mut state = RecordLayerState {
                    direction: t.keys,
                    protection,
                    seq: t.seq,
                };
                let h = RecordHeader {
                    version: t.version,
                    ..*header
                };
                let mut cap = Capture::default();
                let mut buf = payload.to_vec();
                ok = state.open(&h, &mut buf, &mut Hooks::new(&mut cap)).is_ok();
                padding = cap.padding;
            }
        }
        let pad_text = match padding {
            Some((false, n)) => format!("; padding broken (padding_length {n})"),
            _ => String::new(),
        };
        return Outcome {
            ok,
            computed,
            received: received.to_vec(),
            detail: format!("encrypt-then-MAC tag over IV ‖ ciphertext (RFC 7366 §3){pad_text}"),
            padding,
            mac_fragment: Vec::new(),
        };
    }

    let protection = match protection(suite, t, false) {
        Ok(p) => p,
        Err(e) => {
            return Outcome {
                detail: format!("keys unusable: {e}"),
                ..Outcome::default()
            }
        }
    };
    let mut state = RecordLayerState {
        direction: t.keys,
        protection,
        seq: t.seq,
    };
    // The record layer takes the MAC's version bytes from the header it is given.
    let h = RecordHeader {
        version: t.version,
        ..*header
    };
    let mut buf = payload.to_vec();
    if !evidence {
        let ok = state.open(&h, &mut buf, &mut Hooks::none()).is_ok();
        return Outcome {
            ok,
            ..Outcome::default()
        };
    }
    let mut cap = Capture::default();
    let ok = state.open(&h, &mut buf, &mut Hooks::new(&mut cap)).is_ok();
    if suite.is_aead() {
        let tag = payload
            .get(payload.len().saturating_sub(TAG_LEN)..)
            .unwrap_or_default();
        Outcome {
            ok,
            // ring does not reveal the tag it expected; when the tag verifies it is the received one.
            computed: if ok { tag.to_vec() } else { Vec::new() },
            received: tag.to_vec(),
            detail: format!(
                "AEAD tag with nonce {} and additional data {}",
                hex::encode(&cap.nonce),
                hex::encode(&cap.aad)
            ),
            padding: None,
            mac_fragment: Vec::new(),
        }
    } else {
        let (computed, received) = cap.mac.unwrap_or_default();
        let padding = cap.padding;
        let pad_text = match padding {
            Some((true, n)) => format!("padding intact (padding_length {n})"),
            Some((false, n)) => format!("padding broken (last byte {n})"),
            None => "no room for a MAC".into(),
        };
        Outcome {
            ok,
            computed,
            received,
            detail: format!("MAC-then-encrypt record MAC; {pad_text}"),
            padding,
            mac_fragment: cap.mac_fragment,
        }
    }
}

/// One trial's keys, set up once and reused over many candidate payloads
/// (the single-bit search): the AES and HMAC key schedules run once, and the
/// scratch buffer is allocated once.
struct Opener<'k> {
    state: RecordLayerState,
    seq: u64,
    version: ProtocolVersion,
    scratch: Vec<u8>,
    /// A chained IV advances with every record opened: the protection is
    /// rebuilt from the trial before each candidate.
    rebuild: Option<(&'k SuiteInfo, Trial<'k>)>,
}

impl<'k> Opener<'k> {
    /// `None` for encrypt-then-MAC trials (they need no decryption: [`run`]
    /// checks them directly) or if the keys do not fit the suite.
    fn new(suite: &'k SuiteInfo, t: &Trial<'k>) -> Option<Opener<'k>> {
        if t.mode == MacMode::EncryptThenMac && !suite.is_aead() {
            return None;
        }
        let protection = protection(suite, t, false).ok()?;
        Some(Opener {
            state: RecordLayerState {
                direction: t.keys,
                protection,
                seq: t.seq,
            },
            seq: t.seq,
            version: t.version,
            scratch: Vec::new(),
            // A chained IV and an RC4 key stream both advance per record.
            rebuild: (t.layout != Layout::Explicit || suite.cipher == BulkCipher::Rc4_128)
                .then_some((suite, *t)),
        })
    }

    fn verifies(&mut self, header: &RecordHeader, payload: &[u8]) -> bool {
        if let Some((suite, t)) = &self.rebuild {
            match protection(suite, t, false) {
                Ok(p) => self.state.protection = p,
                Err(_) => return false,
            }
        }
        self.state.seq = self.seq;
        self.scratch.clear();
        self.scratch.extend_from_slice(payload);
        let h = RecordHeader {
            version: self.version,
            ..*header
        };
        self.state.open(&h, &mut self.scratch, &mut Hooks::none()).is_ok()
    }
}

/// Whether the payload length is possible for the suite and mode, and if not why.
fn impossible_length(suite: &SuiteInfo, mode: MacMode, layout: Layout, len: usize) -> Option<&'static str> {
    if suite.is_aead() {
        let explicit = if suite.record_iv_len() == 0 {
            0
        } else {
            GCM_EXPLICIT_LEN
        };
        return (len < explicit + TAG_LEN).then_some("shorter than the explicit nonce and the 16-byte tag");
    }
    let mac = suite.mac.len();
    let block = suite.cipher.block_len();
    if block == 0 {
        // RC4 and NULL: content ‖ MAC, nothing else (RFC 2246 §6.2.3.1).
        return (len < mac).then_some("shorter than the MAC");
    }
    // Chained IVs (TLS 1.0, SSL 3.0) are not in the record.
    let iv = if layout == Layout::Explicit { block } else { 0 };
    match mode {
        MacMode::MacThenEncrypt => {
            if !len.is_multiple_of(block) {
                Some(if block == BLOCK {
                    "not a whole number of 16-byte cipher blocks"
                } else {
                    "not a whole number of 8-byte cipher blocks"
                })
            } else if len < iv + (mac + 1).div_ceil(block) * block {
                Some("too short for an IV, a MAC and the padding_length byte")
            } else {
                None
            }
        }
        MacMode::EncryptThenMac => {
            let body = len.checked_sub(mac)?;
            if !body.is_multiple_of(block) || body < iv + block {
                Some("IV ‖ ciphertext before the MAC is not whole cipher blocks")
            } else {
                None
            }
        }
    }
}

fn keys_name(d: Direction) -> &'static str {
    match d {
        Direction::ClientToServer => "client_write",
        Direction::ServerToClient => "server_write",
    }
}

fn other(d: Direction) -> Direction {
    match d {
        Direction::ClientToServer => Direction::ServerToClient,
        Direction::ServerToClient => Direction::ClientToServer,
    }
}

/// Explains why `record` did not verify. See the [module](super) doc for
/// the catalogue; the result is proven only when a recomputation verifies.
pub fn explain_record(secrets: &Secrets, record: &FailedRecord) -> Explanation {
    // Every cause cites the RFC of the connection's version.
    explain_record_findings(secrets, record).in_version(secrets.version)
}

fn explain_record_findings(secrets: &Secrets, record: &FailedRecord) -> Explanation {
    let header = RecordHeader::decode(&record.header);
    let suite = secrets.suite;
    let subject = format!(
        "record seq {} {} ({}, {} bytes)",
        record.seq,
        record.direction,
        header.content_type,
        record.payload.len()
    );
    let mut n = 0usize; // recomputations
    let Some(ms) = secrets.master_secret() else {
        return Explanation::new(
            subject,
            None,
            vec![],
            vec![],
            0,
            "neither the master secret nor the pre-master secret was given: nothing can be recomputed",
        );
    };
    let base_mode = if secrets.encrypt_then_mac && !suite.is_aead() {
        MacMode::EncryptThenMac
    } else {
        MacMode::MacThenEncrypt
    };
    let version = secrets.version;
    let ssl3 = version == ProtocolVersion::SSL3;
    let kb = secrets.key_block(&ms, secrets.prf());
    let payload = &record.payload;
    let layout = layout_for(version, suite, &kb, record.direction, record.previous_last_block);
    let baseline = Trial {
        key_block: &kb,
        keys: record.direction,
        seq: record.seq,
        version: header.version,
        mode: base_mode,
        layout,
        stream_position: record.stream_position,
    };
    let expected_outcome = run(suite, &baseline, &header, payload, true);
    n += 1;
    let iv_text = match layout {
        Layout::Explicit => String::new(),
        Layout::Chained(iv) | Layout::Ssl3(iv) => format!(
            ", chained IV {} ({})",
            iv_hex(suite, &iv),
            if record.previous_last_block.is_some() {
                "the previous record's last ciphertext block"
            } else {
                "the key block's write IV"
            }
        ),
    };
    let expected = Evidence::bytes(
        format!(
            "{} keys, seq_num {}, version {:04x}{iv_text}: {}",
            keys_name(record.direction),
            record.seq,
            header.version.0,
            expected_outcome.detail
        ),
        &expected_outcome.computed,
        &expected_outcome.received,
    );
    if expected_outcome.ok {
        let f = Finding::proven(Cause::NotReproduced, expected.clone());
        return Explanation::new(subject, Some(expected), vec![], vec![f], n, "");
    }

    let mut findings = master_secret_findings(secrets, &ms, &mut n);
    let mut facts = vec![];
    // SSL 3.0 records are already read by SSL 3.0's padding rule.
    if let Some(f) = sslv3_padding(suite, &kb, record, &header, &expected_outcome, base_mode)
        .filter(|_| !ssl3 && !padding_in_chained_first_block(suite, layout, base_mode, payload.len()))
    {
        n += 1;
        findings.push(f);
    }

    // Fewer bytes than the header announces: nothing can verify, and no
    // recomputation is needed to see it.
    if record.payload.len() < usize::from(header.length) {
        findings.push(Finding::proven(
            Cause::TruncatedRecord {
                declared: usize::from(header.length),
                received: record.payload.len(),
            },
            Evidence::reason(format!(
                "header length {} against {} payload bytes",
                header.length,
                record.payload.len()
            )),
        ));
    }

    // Alternative key blocks: each a different derivation from our secrets.
    let mut key_sets: Vec<(KeyBlock, Cause, String)> = vec![];
    let prf = secrets.prf();
    let alt = other_hash(prf);
    // SSL 3.0 has one key derivation (RFC 6101 §6.2.2): nothing to vary.
    if !ssl3 {
        key_sets.push((
            secrets.key_block(&ms, alt),
            Cause::PrfHash {
                expected: prf,
                used: alt,
            },
            format!(
                "key block expanded with P_{} from the same master secret",
                alt.name()
            ),
        ));
        if let Some(ms_alt) = secrets.master_secret_under(secrets.extended_master_secret, alt) {
            if ms_alt != ms {
                key_sets.push((
                    secrets.key_block(&ms_alt, alt),
                    Cause::PrfHash {
                        expected: prf,
                        used: alt,
                    },
                    format!("master secret and key block both with P_{}", alt.name()),
                ));
            }
        }
    }
    let ems = secrets.extended_master_secret;
    let ems_testable = match secrets.master_secret_under(!ems, prf).filter(|_| !ssl3) {
        Some(ms_alt) => {
            key_sets.push((
                secrets.key_block(&ms_alt, prf),
                Cause::ExtendedMasterSecret {
                    expected: ems,
                    used: !ems,
                },
                format!(
                    "master secret {} the extended master secret",
                    if ems { "without" } else { "with" }
                ),
            ));
            true
        }
        None => false,
    };

    // Each hypothesis changes exactly one assumption of the baseline.
    let mut trials: Vec<(Trial<'_>, Cause, String)> = vec![];
    let od = other(record.direction);
    // A chain's first IV is the key block's: the other side's, for its keys.
    let od_layout = match record.previous_last_block {
        Some(_) => layout,
        None => layout_for(version, suite, &kb, od, None),
    };
    trials.push((
        Trial {
            keys: od,
            layout: od_layout,
            ..baseline
        },
        Cause::OtherDirectionKeys,
        format!(
            "{} keys instead of {}",
            keys_name(od),
            keys_name(record.direction)
        ),
    ));
    for d in -SEQ_WINDOW..=SEQ_WINDOW {
        let Some(seq) = record.seq.checked_add_signed(d) else {
            continue;
        };
        if d == 0 {
            continue;
        }
        trials.push((
            Trial { seq, ..baseline },
            Cause::SequenceNumber {
                expected: record.seq,
                used: seq,
            },
            format!("seq_num {seq}"),
        ));
    }
    for v in [
        ProtocolVersion::SSL3,
        ProtocolVersion::TLS10,
        ProtocolVersion::TLS11,
        ProtocolVersion::TLS12,
    ] {
        // SSL 3.0's MAC has no version bytes (RFC 6101 §5.2.3.1).
        if v != header.version && !ssl3 {
            trials.push((
                Trial {
                    version: v,
                    ..baseline
                },
                Cause::MacVersion {
                    header: header.version,
                    used: v,
                },
                format!("version {:04x} in the MAC input", v.0),
            ));
        }
    }
    if !suite.is_aead() && !ssl3 {
        let (mode, name) = match base_mode {
            MacMode::MacThenEncrypt => (MacMode::EncryptThenMac, "encrypt-then-MAC"),
            MacMode::EncryptThenMac => (MacMode::MacThenEncrypt, "MAC-then-encrypt"),
        };
        trials.push((
            Trial { mode, ..baseline },
            Cause::EncryptThenMacMismatch {
                negotiated: secrets.encrypt_then_mac,
            },
            name.to_string(),
        ));
    }
    for (kb_alt, cause, what) in &key_sets {
        trials.push((
            Trial {
                key_block: kb_alt,
                layout: match record.previous_last_block {
                    Some(_) => layout,
                    None => layout_for(version, suite, kb_alt, record.direction, None),
                },
                ..baseline
            },
            cause.clone(),
            what.clone(),
        ));
    }
    trials.extend(iv_chain_trials(suite, &baseline, record));

    for (trial, cause, what) in &trials {
        n += 1;
        if run(suite, trial, &header, payload, false).ok {
            let o = run(suite, trial, &header, payload, true);
            findings.push(Finding::proven(
                cause.clone(),
                Evidence::bytes(format!("{what}: {} verifies", o.detail), &o.computed, &o.received),
            ));
        } else {
            findings.push(Finding::ruled_out(
                cause.clone(),
                Evidence::reason(format!("{what}: does not verify")),
            ));
        }
    }

    // A sender that kept counting across ChangeCipherSpec: seq_num + k.
    let mut seq_found = None;
    let hint = record.records_before_change_cipher_spec;
    let mut ks: Vec<u64> = hint.into_iter().collect();
    ks.extend((SEQ_WINDOW as u64 + 1..=SEQ_SEARCH_LIMIT).filter(|k| Some(*k) != hint));
    for k in ks {
        let Some(seq) = record.seq.checked_add(k) else {
            continue;
        };
        n += 1;
        let t = Trial { seq, ..baseline };
        if run(suite, &t, &header, payload, false).ok {
            let o = run(suite, &t, &header, payload, true);
            seq_found = Some((seq, o));
            break;
        }
    }
    match seq_found {
        Some((seq, o)) => {
            let cause = if hint.is_none_or(|h| record.seq + h == seq) {
                Cause::SequenceNotResetAtChangeCipherSpec {
                    expected: record.seq,
                    used: Some(seq),
                }
            } else {
                Cause::SequenceNumber {
                    expected: record.seq,
                    used: seq,
                }
            };
            findings.push(Finding::proven(
                cause,
                Evidence::bytes(
                    format!("seq_num {seq}: {} verifies", o.detail),
                    &o.computed,
                    &o.received,
                ),
            ));
        }
        None => findings.push(Finding::ruled_out(
            Cause::SequenceNotResetAtChangeCipherSpec {
                expected: record.seq,
                used: None,
            },
            Evidence::reason(format!(
                "seq_num {} … {}: none verifies",
                record.seq.saturating_add(SEQ_WINDOW as u64 + 1),
                record.seq.saturating_add(SEQ_SEARCH_LIMIT)
            )),
        )),
    }

    let proven = findings.iter().any(|f| f.certainty == Certainty::Proven);

    // RC4 and NULL: record bit i is plaintext bit i, whatever the key
    // stream; the search below needs one decryption, not one per candidate.
    let stream = !suite.is_aead() && suite.cipher.block_len() == 0;
    let mut flip_searched = false;
    if stream {
        facts.push(format!(
            "{} a bit flipped in transit flips exactly the same plaintext bit and nothing else: no padding breaks, \
             no other byte changes, only the MAC notices",
            if suite.cipher == BulkCipher::Null {
                "NULL encryption sends the plaintext as it is:"
            } else {
                "RC4 is a stream cipher (ciphertext = plaintext ⊕ key stream):"
            }
        ));
        if !proven && payload.len() <= flip_search_limit(suite) {
            flip_searched = true;
            if let Some(f) = stream_flip_search(suite, &baseline, &header, payload, &mut n) {
                findings.push(f);
            }
        }
    }
    let proven = findings.iter().any(|f| f.certainty == Certainty::Proven);

    // Every single flipped bit, restored, under the baseline: proof of corruption.
    if !proven && !stream && payload.len() <= flip_search_limit(suite) {
        flip_searched = true;
        let mut opener = Opener::new(suite, &baseline);
        let mut verifies = |candidate: &[u8]| match opener.as_mut() {
            Some(o) => o.verifies(&header, candidate),
            None => run(suite, &baseline, &header, candidate, false).ok,
        };
        {
            let mut candidate = payload.clone();
            'search: for byte in 0..candidate.len() {
                for bit in 0..8u8 {
                    candidate[byte] ^= 1 << bit;
                    n += 1;
                    if verifies(&candidate) {
                        findings.push(Finding::proven(
                            Cause::CorruptedInTransit {
                                bit: Some(BitPosition { byte, bit }),
                            },
                            Evidence::bytes(
                                format!(
                                    "payload byte {byte}: this value verifies (computed) where this one arrived (received)"
                                ),
                                &[candidate[byte]],
                                &[payload[byte]],
                            ),
                        ));
                        break 'search;
                    }
                    candidate[byte] ^= 1 << bit;
                }
            }
        }
    }

    let proven = findings.iter().any(|f| f.certainty == Certainty::Proven);
    if !proven {
        if let Some(why) = impossible_length(suite, base_mode, layout, payload.len()) {
            findings.push(Finding::proven(
                Cause::ImpossibleLength {
                    length: payload.len(),
                    why,
                },
                Evidence::reason(format!(
                    "{} {}: {} bytes",
                    suite.name(),
                    if base_mode == MacMode::EncryptThenMac {
                        "with encrypt-then-MAC"
                    } else {
                        ""
                    },
                    payload.len()
                )),
            ));
        }
    }
    let proven = findings.iter().any(|f| f.certainty == Certainty::Proven);
    if !proven {
        findings.extend(rank_unproven(
            secrets,
            record,
            &expected_outcome,
            flip_searched,
            ems_testable,
            &mut facts,
        ));
    }
    // Nothing verifies, and under our own keys the padding is malformed: a
    // sender that padded wrongly (or padding altered in transit) is the
    // most direct reading of the record layer's own evidence.
    if let Some((false, padding_length)) = expected_outcome.padding {
        if !findings.iter().any(|f| f.certainty == Certainty::Proven) {
            // With earlier records verified under the same keys, damage in
            // transit is the likelier reading; the corruption finding ranks first.
            let score = if record.previous_records_ok > 0 { 40 } else { 90 };
            findings.push(Finding::plausible(
                Cause::PaddingMalformed { padding_length },
                score,
                Evidence::reason(format!(
                    "decrypted with the expected keys, the padding bytes do not all equal padding_length {padding_length}"
                )),
                "a capture of the same record from the sender's side (or its own trace) shows whether it left the sender like this",
            ));
        }
    }
    Explanation::new(
        subject,
        Some(expected),
        facts,
        findings,
        n,
        "no assumption in the catalogue verifies and nothing ranks the rest",
    )
}

/// RC4 or NULL: the single-bit search without re-encrypting. A stream
/// cipher maps record bit i onto plaintext bit i, so the record is decrypted
/// once under the baseline's key stream, and each candidate flips one bit of
/// the decrypted content (MAC recomputed) or of the received MAC (compared
/// as it is). A candidate that verifies is the bit changed in transit.
fn stream_flip_search(
    suite: &SuiteInfo,
    t: &Trial<'_>,
    header: &RecordHeader,
    payload: &[u8],
    n: &mut usize,
) -> Option<Finding> {
    let Ok(Protection::Legacy(mut state)) = protection(suite, t, false) else {
        return None;
    };
    let mut plain = payload.to_vec();
    state.decrypt_stream(&mut plain);
    let split = plain.len().checked_sub(state.mac_len())?;
    let (content, received) = plain.split_at(split);
    let mac = |c: &[u8]| state.mac_of(t.seq, header.content_type, t.version, c);
    // In the MAC: the computed MAC is one bit away from the received one.
    let computed = mac(content);
    *n += 1;
    let mut found = None;
    let diff: Vec<(usize, u8)> = computed
        .iter()
        .zip(received)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i, a ^ b))
        .collect();
    if let [(i, x)] = diff.as_slice() {
        if x.is_power_of_two() {
            found = Some((
                split + i,
                x.trailing_zeros() as u8,
                computed.clone(),
                received.to_vec(),
            ));
        }
    }
    // In the content: the MAC over the content with that bit restored is the received one.
    let mut candidate = content.to_vec();
    'search: for byte in 0..candidate.len() {
        if found.is_some() {
            break;
        }
        for bit in 0..8u8 {
            candidate[byte] ^= 1 << bit;
            *n += 1;
            if mac(&candidate) == received {
                found = Some((byte, bit, vec![candidate[byte]], vec![content[byte]]));
                break 'search;
            }
            candidate[byte] ^= 1 << bit;
        }
    }
    let (byte, bit, computed, received) = found?;
    Some(Finding::proven(
        // BitPosition counts bits from the least significant, as the search does.
        Cause::CorruptedInTransit {
            bit: Some(BitPosition { byte, bit }),
        },
        Evidence::bytes(
            format!(
                "stream cipher: record byte {byte} is plaintext byte {byte}; with bit {bit} restored the MAC \
                 verifies (computed: the value that verifies, received: what arrived, both decrypted)"
            ),
            &computed,
            &received,
        ),
    ))
}

/// Whether a chained IV (TLS 1.0) also decides the padding: with
/// encrypt-then-MAC the MAC does not cover the IV, and when the ciphertext
/// is a single block, the padding sits in the block a wrong IV garbles. A
/// verified tag then proves nothing about how the sender padded.
fn padding_in_chained_first_block(suite: &SuiteInfo, layout: Layout, mode: MacMode, len: usize) -> bool {
    layout != Layout::Explicit
        && mode == MacMode::EncryptThenMac
        && len.saturating_sub(suite.mac.len()) <= BLOCK
}

/// The "wrong IV chain" hypotheses (RFC 2246 §6.2.3.2, RFC 6101 §5.2.3.2),
/// each one IV other than the one the chain gives:
///
/// * TLS 1.0 and SSL 3.0: each direction's write IV from the key block (a
///   sender that restarted its chain, or never advanced it), every other IV
///   the caller names (an earlier record's last block, when the chain
///   skipped or repeated a record; the other direction's chain), and for TLS
///   1.0 the record read as if its first block were an explicit IV (a sender
///   speaking TLS 1.1's record format);
/// * TLS 1.1: the record read with TLS 1.0's chain (no IV in the record; the
///   previous record's last ciphertext block instead).
///
/// A wrong IV garbles only the first plaintext block, so the MAC fails while
/// the padding, at the end, stays intact: the recomputation under the right
/// IV is what proves it.
fn iv_chain_trials<'k>(
    suite: &SuiteInfo,
    baseline: &Trial<'k>,
    record: &FailedRecord,
) -> Vec<(Trial<'k>, Cause, String)> {
    let mut out = vec![];
    if suite.is_aead() {
        return out;
    }
    let chained = match baseline.layout {
        Layout::Chained(iv) | Layout::Ssl3(iv) => iv,
        Layout::Explicit => {
            // TLS 1.1 (explicit IVs) sent by a TLS 1.0-style chain.
            if let Some(prev) = record.previous_last_block {
                out.push((
                    Trial {
                        layout: Layout::Chained(prev),
                        ..*baseline
                    },
                    Cause::WrongIvChain {
                        used: "the previous record's last ciphertext block as an implicit IV (TLS 1.0's chain, no IV in the record)".into(),
                    },
                    "the previous record's last ciphertext block as the IV, none in the record".into(),
                ));
            }
            return out;
        }
    };
    let with_iv = |iv: [u8; BLOCK]| match baseline.layout {
        Layout::Ssl3(_) => Layout::Ssl3(iv),
        _ => Layout::Chained(iv),
    };
    let mut seen = vec![chained];
    // First the chain as it was before a bit flipped in the previous
    // record's last block: the one IV that makes this failure a
    // consequence of that flip rather than a fault of its own.
    if let Some(flip) = &record.previous_flip {
        let restored = flip.restored_last_block;
        if !seen.contains(&restored) {
            seen.push(restored);
            out.push((
                Trial {
                    layout: with_iv(restored),
                    ..*baseline
                },
                Cause::IvChangedByPreviousFlip {
                    record: flip.record.clone(),
                    previous: flip.previous.clone(),
                },
                format!(
                    "IV {} (the last block of {} with the flipped bit restored)",
                    iv_hex(suite, &restored),
                    flip.previous
                ),
            ));
        }
    }
    let mut candidates: Vec<(String, [u8; BLOCK])> = vec![];
    for d in [record.direction, other(record.direction)] {
        if let Some(iv) = write_iv(baseline.key_block, d) {
            candidates.push((format!("the key block's {}_IV", keys_name(d)), iv));
        }
    }
    candidates.extend(record.other_ivs.iter().cloned());
    for (what, iv) in candidates {
        if seen.contains(&iv) {
            continue;
        }
        seen.push(iv);
        out.push((
            Trial {
                layout: with_iv(iv),
                ..*baseline
            },
            Cause::WrongIvChain { used: what.clone() },
            format!("IV {} ({what})", iv_hex(suite, &iv)),
        ));
    }
    if matches!(baseline.layout, Layout::Chained(_)) {
        out.push((
            Trial {
                layout: Layout::Explicit,
                ..*baseline
            },
            Cause::WrongIvChain {
                used: format!(
                    "its first {} bytes as an explicit IV (TLS 1.1's record format)",
                    suite.cipher.block_len()
                ),
            },
            format!(
                "the first {} bytes of the record as an explicit IV",
                suite.cipher.block_len()
            ),
        ));
    }
    out
}

/// SSL 3.0 padding in a TLS record (RFC 6101 §5.2.3.2): only the final
/// padding_length byte is defined, the padding bytes are arbitrary. TLS
/// requires each padding byte to equal padding_length (RFC 5246 §6.2.3.2),
/// so a strict receiver rejects the record with bad_record_mac while a
/// lenient one (checking the length byte only) accepts it. Proven when the
/// MAC verifies once the padding bytes are skipped without being checked.
/// Accepting such padding is exactly what POODLE (2014) exploits.
fn sslv3_padding(
    suite: &SuiteInfo,
    kb: &KeyBlock,
    record: &FailedRecord,
    header: &RecordHeader,
    baseline: &Outcome,
    mode: MacMode,
) -> Option<Finding> {
    let Some((false, padding_length)) = baseline.padding else {
        return None;
    };
    // Encrypt-then-MAC: the tag over the ciphertext verified (the padding
    // is checked only then), so the record is exactly what the sender
    // sealed: the sender wrote padding bytes that are not padding_length.
    // Nothing authenticates where the content ends, so a wrong length byte
    // and SSL 3.0-style padding look alike here: the proof is "malformed".
    if mode == MacMode::EncryptThenMac {
        let tag_ok = !baseline.computed.is_empty() && baseline.computed == baseline.received;
        return tag_ok.then(|| {
            Finding::proven(
                Cause::PaddingMalformed { padding_length },
                Evidence::bytes(
                    "the encrypt-then-MAC tag verifies (the record is as the sender sealed it), yet its padding bytes do not all equal padding_length",
                    &baseline.computed,
                    &baseline.received,
                ),
            )
        });
    }
    let mac_len = suite.mac.len();
    // The record layer framed a bad-padding record as if padding_length
    // were 0: the decrypted record is mac_fragment ‖ MAC ‖ padding_length.
    let mut decrypted = baseline.mac_fragment.clone();
    decrypted.extend_from_slice(&baseline.received);
    decrypted.push(padding_length);
    let pad = usize::from(padding_length);
    let mac_end = decrypted.len().checked_sub(1 + pad)?;
    let plaintext_end = mac_end.checked_sub(mac_len)?;
    let mac_key = match record.direction {
        Direction::ClientToServer => &kb.client_write_mac_key,
        Direction::ServerToClient => &kb.server_write_mac_key,
    };
    let plaintext = &decrypted[..plaintext_end];
    let computed = encrypt_then_mac_tag(
        suite.mac,
        mac_key,
        record.seq,
        header.content_type,
        header.version,
        plaintext,
    )?;
    let received = &decrypted[plaintext_end..mac_end];
    (computed == received).then(|| {
        Finding::proven(
            Cause::Sslv3Padding { padding_length },
            Evidence::bytes(
                format!(
                    "MAC over the {} plaintext bytes before a MAC and {pad} padding bytes taken as padding without checking them (SSL 3.0 rules): verifies",
                    plaintext.len()
                ),
                &computed,
                received,
            ),
        )
    })
}

/// When nothing verifies: rank corruption against different keys by what
/// the record and its neighbours show.
fn rank_unproven(
    secrets: &Secrets,
    record: &FailedRecord,
    baseline: &Outcome,
    flip_searched: bool,
    ems_testable: bool,
    facts: &mut Vec<String>,
) -> Vec<Finding> {
    let keys_known_good = record.previous_records_ok > 0;
    let peer_ms_equal = secrets
        .peer_master_secret
        .is_some_and(|p| Some(p) == secrets.master_secret());
    // A wrong CBC key decrypts the last byte to a random value; an intact
    // padding of n+1 bytes then happens with probability 256^-(n+1). With
    // n >= 1 that is evidence the encryption key is right.
    let padding_vouches = matches!(baseline.padding, Some((true, n)) if n >= 1);

    let mut why = vec![];
    if keys_known_good {
        why.push(format!(
            "{} earlier record(s) from this sender verified under the same keys",
            record.previous_records_ok
        ));
    }
    if let Some((ok, n)) = baseline.padding {
        why.push(if ok {
            format!("the CBC padding decrypts intact (padding_length {n})")
        } else {
            format!("the CBC padding decrypts broken (last byte {n})")
        });
    }
    if secrets.suite.is_aead() && !keys_known_good {
        why.push(
            "an AEAD tag failure looks the same whether the key is wrong or the bytes changed: this record alone cannot tell them apart"
                .into(),
        );
    }
    if flip_searched {
        why.push(format!(
            "no single flipped bit explains it ({} candidates tried)",
            record.payload.len() * 8
        ));
    } else {
        why.push(format!(
            "the single-bit search was skipped: {} bytes exceed {}",
            record.payload.len(),
            flip_search_limit(secrets.suite)
        ));
    }
    facts.extend(why.iter().cloned());
    let why = why.join("; ");

    let (corrupt, keys, mac_key) = if keys_known_good || peer_ms_equal {
        (80, 10, 0)
    } else if padding_vouches {
        (60, 10, 35)
    } else if secrets.suite.is_aead() {
        (40, 50, 0)
    } else {
        // CBC with broken padding on a first record: a wrong key garbles the
        // whole record; corruption garbles it only if it hit the last blocks.
        (30, 55, 0)
    };
    let later = "A later record from the same sender under the same keys decides it: if one verifies, the keys are right and these bytes were altered; a capture taken at the sender, compared byte for byte with what arrived, shows where";
    let mut keys_decide = String::from(
        "The peer's master secret for this client_random decides it (its key log: `openssl s_server -keylogfile`, SSLKEYLOGFILE): a different value proves different keys and is then traced to EMS, the PRF hash or the pre-master secret",
    );
    if !ems_testable {
        keys_decide.push_str(
            "; giving the pre-master secret (and the handshake messages) also tests EMS and PRF-hash variants of the master secret",
        );
    }
    let mut out = vec![Finding::plausible(
        Cause::CorruptedInTransit { bit: None },
        corrupt,
        Evidence::reason(why.clone()),
        later,
    )];
    if peer_ms_equal {
        out.push(Finding::ruled_out(
            Cause::KeysDiffer,
            Evidence::reason(
                "the peer logged the same master secret; the key-block variants were tested above",
            ),
        ));
    } else {
        out.push(Finding::plausible(
            Cause::KeysDiffer,
            keys,
            Evidence::reason(why.clone()),
            keys_decide,
        ));
    }
    if mac_key > 0 {
        out.push(Finding::plausible(
            Cause::MacKeyDiffers,
            mac_key,
            Evidence::reason(why),
            "Decrypt the plaintext (it is readable if the encryption key is right) and compare the MAC keys of both sides' key blocks",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::find_by_name;
    use crate::record::RecordOptions;
    use crate::rng::SeededRng;

    /// A TLS 1.0 connection's secrets and key block (AES128-SHA).
    fn tls10() -> (Secrets, KeyBlock) {
        let mut s = Secrets::new(find_by_name("AES128-SHA").unwrap(), [1; 32], [2; 32]);
        s.version = ProtocolVersion::TLS10;
        s.master_secret = Some([7; 48]);
        let kb = s.key_block(&[7; 48], s.prf());
        (s, kb)
    }

    /// One record sealed by the record layer at `seq`, under `kb` with a
    /// chained IV (the key block's write IV, i.e. `iv` when given) or an
    /// explicit one.
    fn seal(kb: &KeyBlock, seq: u64, iv: Option<[u8; BLOCK]>, chained: bool, text: &[u8]) -> Vec<u8> {
        let suite = find_by_name("AES128-SHA").unwrap();
        let kb = match iv {
            Some(iv) => with_write_iv(kb, Direction::ClientToServer, &iv),
            None => kb.clone(),
        };
        let options = RecordOptions {
            encrypt_then_mac: false,
            chained_iv: chained,
        };
        let mut state = RecordLayerState {
            direction: Direction::ClientToServer,
            protection: Protection::from_key_block_with(suite, &kb, Direction::ClientToServer, options)
                .unwrap(),
            seq,
        };
        let mut out = vec![];
        state
            .seal(
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLS10,
                text,
                &mut out,
                &mut SeededRng::new(seq, 0),
                &mut Hooks::none(),
            )
            .unwrap();
        out
    }

    fn last_block(record: &[u8]) -> [u8; BLOCK] {
        *record.last_chunk::<BLOCK>().unwrap()
    }

    #[test]
    fn a_tls10_record_with_the_chained_iv_is_not_reproduced() {
        let (s, kb) = tls10();
        let r0 = seal(&kb, 0, None, true, b"first record");
        let r1 = seal(&kb, 1, Some(last_block(&r0)), true, b"second record");
        let mut failed = FailedRecord::from_wire(Direction::ClientToServer, 1, &r1).unwrap();
        failed.previous_last_block = Some(last_block(&r0));
        let e = explain_record(&s, &failed);
        assert_eq!(e.top().unwrap().cause, Cause::NotReproduced);
    }

    /// Built here: the second record sealed TLS 1.1-style, its IV in front
    /// of it. Read as TLS 1.0 it fails; the explainer proves the format.
    #[test]
    fn a_tls10_record_with_an_explicit_iv_is_named() {
        let (s, kb) = tls10();
        let r0 = seal(&kb, 0, None, true, b"first record");
        let r1 = seal(&kb, 1, None, false, b"second record, TLS 1.1 style");
        let mut failed = FailedRecord::from_wire(Direction::ClientToServer, 1, &r1).unwrap();
        failed.previous_last_block = Some(last_block(&r0));
        let e = explain_record(&s, &failed);
        assert!(e.is_certain(), "{e:?}");
        match &e.top().unwrap().cause {
            Cause::WrongIvChain { used } => assert!(used.contains("explicit IV"), "{used}"),
            other => panic!("{other:?}"),
        }
    }

    /// Built here: the third record encrypted under the first record's last
    /// block (a chain one record behind). The caller names that block; the
    /// explainer proves it is the one.
    #[test]
    fn a_tls10_record_under_an_older_link_of_the_chain_is_named() {
        let (s, kb) = tls10();
        let r0 = seal(&kb, 0, None, true, b"first record");
        let r1 = seal(&kb, 1, Some(last_block(&r0)), true, b"second record");
        let r2 = seal(
            &kb,
            2,
            Some(last_block(&r0)),
            true,
            b"third record, chained from the first",
        );
        let mut failed = FailedRecord::from_wire(Direction::ClientToServer, 2, &r2).unwrap();
        failed.previous_last_block = Some(last_block(&r1));
        failed.other_ivs = vec![("record #1's last block".into(), last_block(&r0))];
        let e = explain_record(&s, &failed);
        assert!(e.is_certain(), "{e:?}");
        assert_eq!(
            e.top().unwrap().cause,
            Cause::WrongIvChain {
                used: "record #1's last block".into()
            }
        );
        // Every other IV was tried and ruled out, among them the key block's.
        assert!(e.ranked.iter().any(|f| f.certainty == Certainty::RuledOut
            && matches!(&f.cause, Cause::WrongIvChain { used } if used.contains("client_write_IV"))));
    }

    /// A TLS 1.0 record whose IV, the previous record's last block, arrived
    /// with one bit flipped: it verifies under the restored block, and the
    /// cause says so citing RFC 2246 (the chain is TLS 1.0's rule).
    #[test]
    fn a_tls10_record_after_a_flip_in_the_previous_last_block_is_a_consequence() {
        let (s, kb) = tls10();
        let r0 = seal(&kb, 0, None, true, b"first record");
        let r1 = seal(&kb, 1, Some(last_block(&r0)), true, b"second record");
        let mut flipped = last_block(&r0);
        flipped[5] ^= 0x10;
        let mut failed = FailedRecord::from_wire(Direction::ClientToServer, 1, &r1).unwrap();
        failed.previous_last_block = Some(flipped);
        failed.previous_flip = Some(crate::explain::PreviousFlip {
            record: "record #2".into(),
            previous: "record #1".into(),
            restored_last_block: last_block(&r0),
        });
        let e = explain_record(&s, &failed);
        assert!(e.is_certain(), "{e}");
        let top = e.top().unwrap();
        assert_eq!(top.cause.id(), "iv_changed_by_previous_flip");
        assert!(e.to_string().contains(
            "record #2 fails only because its IV, the last block of record #1, was changed by the flip found in record #1"
        ));
        assert_eq!(e.rfc_of(top), "RFC 2246 §6.2.3.2");
    }
}
