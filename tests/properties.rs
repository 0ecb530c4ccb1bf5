//! Property tests, with the strategies of `tlslab::strategies`.
//!
//! 1. Codec round trips: decode then encode gives the same bytes, encode then
//!    decode gives the same value.
//! 2. Any fragmentation of the published server flight (TCP-style cuts, and
//!    handshake messages re-cut into records of any size) gives the same
//!    client output and the same events.
//! 3. The CBC verifier twins agree on every input.
//! 4. An RFC 5246 expected-alert model predicts the alert for each mutation
//!    of the published server flight, and shrinking finds the smallest
//!    mutation that changes the outcome.
//!
//! The server flight is "The Illustrated TLS 1.2 Connection"
//! (https://tls12.xargs.org/, vectors/illustrated-tls12): records 1-4
//! (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone), 8
//! (ChangeCipherSpec) and 9 (encrypted Finished), fed to a client that sends
//! the published ClientHello. Expected client bytes are the published records
//! 5-7; expected alerts come from the model below, written from the RFC text.

use proptest::prelude::*;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use ring::hmac;
use tlslab::crypto::suites::MacAlgorithm;
use tlslab::internal::messages::{
    split_handshake, Certificate, ClientHello, ServerHello, ServerKeyExchangeEcdhe,
};
use tlslab::internal::record::hmac::MacKey;
use tlslab::internal::record::verify::{explain, verify_constant_time};
use tlslab::internal::record::{pseudo_header, MAX_CIPHERTEXT, MAX_HANDSHAKE_MESSAGE, MAX_PLAINTEXT};
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::rng::{OsRng, ScriptedRng};
use tlslab::strategies::{self, CbcLayout, FlightMutation};
use tlslab::wire::{Alert, AlertDescription, ContentType, ProtocolVersion, RecordHeader, SignatureScheme};
use tlslab::CustomClientHello;
use tlslab::{Client, ClientConfig, Verification};

// ---------------------------------------------------------------------------
// The published connection
// ---------------------------------------------------------------------------

struct Vector(serde_json::Value);

impl Vector {
    fn load() -> Vector {
        Vector(serde_json::from_str(include_str!("../vectors/illustrated-tls12/vector.json")).unwrap())
    }
    fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.0[key].as_str().unwrap()).unwrap()
    }
    fn record(&self, i: usize) -> Vec<u8> {
        hex::decode(self.0["records"][i]["record"].as_str().unwrap()).unwrap()
    }
    fn explicit_iv(&self, i: usize) -> Vec<u8> {
        hex::decode(self.0["records"][i]["explicit_iv"].as_str().unwrap()).unwrap()
    }
    /// The server's records up to its Finished: 1, 2, 3, 4, 8, 9.
    fn server_flight(&self) -> Vec<Vec<u8>> {
        [1, 2, 3, 4, 8, 9].iter().map(|&i| self.record(i)).collect()
    }
}

/// The client of the walkthrough: its ClientHello, x25519 key and CBC IV.
fn walkthrough_client<'o>(v: &Vector, recorder: &'o mut Recorder) -> Client<'o> {
    let hello_record = v.record(0);
    let (_, body) = split_handshake(&hello_record[5..]).unwrap();
    let mut config = ClientConfig::new("example.ulfheim.net");
    // The walkthrough's certificate expired in 2019 and its CA is not published.
    config.verification = Verification::Insecure;
    config.custom_client_hello = Some(CustomClientHello {
        hello: ClientHello::decode(body).unwrap(),
        keep_random: true,
        record_version: ProtocolVersion::TLS10,
    });
    config.rng = Box::new(ScriptedRng::new(
        vec![v.hex("client_x25519_private"), v.explicit_iv(7)],
        OsRng::new(),
    ));
    Client::with_observer(config, recorder)
}

/// Starts a client, feeds `reads` one after the other, and returns what it
/// wrote after the ClientHello, the first error's alert (`Err(None)`: an
/// error without an alert), and the events.
fn run(v: &Vector, reads: &[&[u8]]) -> (Vec<u8>, Result<(), Option<AlertDescription>>, Vec<OwnedEvent>) {
    let mut recorder = Recorder::new();
    let mut client = walkthrough_client(v, &mut recorder);
    let mut out = vec![];
    client.start(&mut out).unwrap();
    out.clear();
    let mut result = Ok(());
    for r in reads {
        if let Err(e) = client.receive(r, &mut out) {
            result = Err(e.alert());
            break;
        }
    }
    drop(client);
    (out, result, recorder.events)
}

// ---------------------------------------------------------------------------
// 1. Codec round trips
// ---------------------------------------------------------------------------

/// Decoding `bytes` and, if that succeeds, encoding the value again must give
/// `bytes` back: the transcript hashes what was received (RFC 5246 §7.4.9).
fn decode_encode<T>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, tlslab::error::DecodeError>,
    encode: impl Fn(&T, &mut Vec<u8>),
) -> Result<(), TestCaseError> {
    if let Ok(value) = decode(bytes) {
        let mut again = vec![];
        encode(&value, &mut again);
        prop_assert_eq!(hex::encode(again), hex::encode(bytes));
    }
    Ok(())
}

/// Encodes `value`, decodes it (must equal), then checks every one-byte
/// corruption that still decodes re-encodes to itself.
fn round_trip<T: PartialEq + std::fmt::Debug>(
    value: &T,
    corrupt: (usize, u8),
    decode: impl Fn(&[u8]) -> Result<T, tlslab::error::DecodeError>,
    encode: impl Fn(&T, &mut Vec<u8>),
) -> Result<(), TestCaseError> {
    let mut bytes = vec![];
    encode(value, &mut bytes);
    prop_assert_eq!(&decode(&bytes).unwrap(), value);
    decode_encode(&bytes, &decode, &encode)?;
    if !bytes.is_empty() {
        let i = corrupt.0 % bytes.len();
        bytes[i] ^= corrupt.1;
        decode_encode(&bytes, &decode, &encode)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn client_hello_round_trips(v in strategies::client_hello(), c in any::<(usize, u8)>()) {
        round_trip(&v, c, ClientHello::decode, ClientHello::encode)?;
    }

    #[test]
    fn server_hello_round_trips(v in strategies::server_hello(), c in any::<(usize, u8)>()) {
        round_trip(&v, c, ServerHello::decode, ServerHello::encode)?;
    }

    #[test]
    fn certificate_round_trips(v in strategies::certificate(), c in any::<(usize, u8)>()) {
        round_trip(&v, c, Certificate::decode, Certificate::encode)?;
    }

    #[test]
    fn server_key_exchange_round_trips(v in strategies::server_key_exchange(), c in any::<(usize, u8)>()) {
        round_trip(&v, c, ServerKeyExchangeEcdhe::decode, ServerKeyExchangeEcdhe::encode)?;
    }

    #[test]
    fn alert_and_record_header_round_trip(a in strategies::alert(), h in strategies::record_header(), bytes in any::<[u8; 5]>()) {
        prop_assert_eq!(Alert::decode(&a.encode()).unwrap(), a);
        prop_assert_eq!(RecordHeader::decode(&h.encode()), h);
        prop_assert_eq!(RecordHeader::decode(&bytes).encode(), bytes);
        prop_assert_eq!(Alert::decode(&bytes[..2]).unwrap().encode(), [bytes[0], bytes[1]]);
    }

    #[test]
    fn arbitrary_records_frame_back(records in proptest::collection::vec(strategies::record(), 1..4), cuts in strategies::cuts(64)) {
        // Records within the limit come out of the deframer exactly as they went in,
        // whatever the read boundaries; the first oversized one is record_overflow.
        let stream: Vec<u8> = records.iter().flat_map(|r| r.encode()).collect();
        let mut deframer = tlslab::internal::record::Deframer::new();
        let mut payload = vec![];
        let mut got = vec![];
        let mut overflow = false;
        for piece in strategies::split_at_cuts(&stream, &cuts) {
            deframer.push(piece);
            loop {
                match deframer.next_record(&mut payload) {
                    Ok(Some(h)) => got.push((h, payload.clone())),
                    Ok(None) => break,
                    Err(e) => { prop_assert_eq!(e.alert(), Some(AlertDescription::RECORD_OVERFLOW)); overflow = true; break; }
                }
            }
            if overflow { break; }
        }
        let within: Vec<_> = records.iter().take_while(|r| r.payload.len() <= MAX_CIPHERTEXT).collect();
        prop_assert_eq!(overflow, within.len() < records.len());
        prop_assert_eq!(got.len(), within.len());
        for ((h, p), r) in got.iter().zip(within) {
            prop_assert_eq!(*h, r.header());
            prop_assert!(p == &r.payload);
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Fragmentation of a valid flight
// ---------------------------------------------------------------------------

/// The events that do not depend on how the bytes were framed: everything
/// except `record_in` (one per record, so re-framing changes them).
fn framing_independent(events: &[OwnedEvent]) -> Vec<&OwnedEvent> {
    events.iter().filter(|e| e.name() != "record_in").collect()
}

/// Bytes of the published server records 1-4, 8, 9 and 11.
const FLIGHT_AND_PONG: usize = 1316;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// TCP may cut the server's bytes anywhere: the client must write the
    /// published records 5-7 and see exactly the same events (including the
    /// record events) whatever the cuts.
    #[test]
    fn any_split_of_the_server_flight_gives_the_same_output_and_events(cuts in strategies::cuts(FLIGHT_AND_PONG)) {
        let v = Vector::load();
        let mut stream: Vec<u8> = v.server_flight().concat();
        stream.extend(v.record(11)); // "pong", to check application data too
        prop_assert_eq!(stream.len(), FLIGHT_AND_PONG);
        let (out_whole, result_whole, events_whole) = run(&v, &[&stream]);
        prop_assert_eq!(result_whole, Ok(()));
        let expected: Vec<u8> = (5..=7).flat_map(|i| v.record(i)).collect();
        prop_assert_eq!(hex::encode(&out_whole), hex::encode(&expected));
        let pieces = strategies::split_at_cuts(&stream, &cuts);
        let (out, result, events) = run(&v, &pieces);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(hex::encode(out), hex::encode(expected));
        prop_assert_eq!(events, events_whole);
    }

    /// The handshake messages re-cut into records of arbitrary sizes (a message
    /// over several records, several messages in one record), then read
    /// through arbitrary TCP cuts: same client records, same events except
    /// the per-record ones.
    #[test]
    fn any_reframing_of_the_handshake_gives_the_same_output_and_events(sizes in strategies::record_sizes(), cuts in strategies::cuts(1300)) {
        let v = Vector::load();
        let flight = v.server_flight();
        let messages: Vec<&[u8]> = flight[..4].iter().map(|r| &r[5..]).collect();
        let mut stream = strategies::reframe_handshake(&messages, &sizes, ProtocolVersion::TLS12);
        stream.extend_from_slice(&flight[4]);
        stream.extend_from_slice(&flight[5]);
        let whole: Vec<u8> = flight.concat();
        let (_, result_whole, events_whole) = run(&v, &[&whole]);
        prop_assert_eq!(result_whole, Ok(()));
        let pieces = strategies::split_at_cuts(&stream, &cuts);
        let (out, result, events) = run(&v, &pieces);
        prop_assert_eq!(result, Ok(()));
        let expected: Vec<u8> = (5..=7).flat_map(|i| v.record(i)).collect();
        prop_assert_eq!(hex::encode(out), hex::encode(expected));
        prop_assert_eq!(framing_independent(&events), framing_independent(&events_whole));
    }
}

// ---------------------------------------------------------------------------
// 3. The verifier twins
// ---------------------------------------------------------------------------

/// ring's HMAC key (builds the fragments) and tlslab's (verifies them).
type Keys = (hmac::Key, MacKey);

fn mac_key(which: u8, key: &[u8; 48]) -> Keys {
    let alg = match which % 3 {
        0 => MacAlgorithm::HmacSha1,
        1 => MacAlgorithm::HmacSha256,
        _ => MacAlgorithm::HmacSha384,
    };
    let key = &key[..alg.len()];
    (
        hmac::Key::new(alg.hmac().unwrap(), key),
        MacKey::new(alg, key).unwrap(),
    )
}

const TYP: ContentType = ContentType::APPLICATION_DATA;
const VER: ProtocolVersion = ProtocolVersion::TLS12;

/// plaintext ‖ HMAC(seq ‖ type ‖ version ‖ length ‖ plaintext) ‖ padding,
/// built from RFC 5246 §6.2.3.1-2 directly with ring's HMAC, not by tlslab's sealing.
fn cbc_fragment(key: &Keys, seq: u64, plaintext: &[u8], pad: u8) -> Vec<u8> {
    let mut mac_input = pseudo_header(seq, TYP, VER, plaintext.len()).to_vec();
    mac_input.extend_from_slice(plaintext);
    let mut f = plaintext.to_vec();
    f.extend_from_slice(hmac::sign(&key.0, &mac_input).as_ref());
    f.extend(std::iter::repeat_n(pad, usize::from(pad) + 1));
    f
}

/// Both twins on one fragment: same verdict, same plaintext length.
fn twins_agree(key: &Keys, seq: u64, fragment: &[u8]) -> Result<Result<usize, ()>, TestCaseError> {
    let ct = verify_constant_time(&key.1, seq, TYP, VER, fragment);
    let ex = explain(&key.1, seq, TYP, VER, fragment);
    prop_assert_eq!(
        ct.is_ok(),
        ex.ok,
        "twins disagree on {}: {:?}",
        hex::encode(fragment),
        ex
    );
    if let Ok(n) = ct {
        prop_assert_eq!(ex.plaintext, 0..n);
    }
    Ok(ct.map_err(|_| ()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary decrypted fragments: almost never a valid MAC, so this covers
    /// the padding shapes (too short, padding longer than the record, ...).
    #[test]
    fn twins_agree_on_arbitrary_fragments(which in any::<u8>(), key in any::<[u8; 48]>(), seq in any::<u64>(),
                                          fragment in proptest::collection::vec(any::<u8>(), 0..320)) {
        let _verdict = twins_agree(&mac_key(which, &key), seq, &fragment)?;
    }

    /// Fragments that end in a run of equal bytes whose value is (about) the
    /// run's length: padding that fits, fits exactly, or overhangs the MAC by
    /// a byte or two. Random bytes almost never look like this.
    #[test]
    fn twins_agree_on_padding_shaped_fragments(which in any::<u8>(), key in any::<[u8; 48]>(), seq in any::<u64>(),
                                              prefix in proptest::collection::vec(any::<u8>(), 0..64),
                                              pad in any::<u8>(), shorter in 0usize..3) {
        let mut fragment = prefix;
        let run = (usize::from(pad) + 1).saturating_sub(shorter);
        fragment.extend(std::iter::repeat_n(pad, run));
        let _verdict = twins_agree(&mac_key(which, &key), seq, &fragment)?;
    }

    /// Valid fragments, then one bit flipped in the plaintext, MAC, padding or
    /// padding-length byte: the valid one is accepted with the right length,
    /// every flipped one rejected, and the twins agree throughout.
    #[test]
    fn twins_agree_on_valid_and_flipped_fragments(which in any::<u8>(), key in any::<[u8; 48]>(), seq in any::<u64>(),
                                                  plaintext in proptest::collection::vec(any::<u8>(), 0..100),
                                                  pad in any::<u8>(), flip in strategies::cbc_flip(), wrong_seq in any::<bool>()) {
        let key = mac_key(which, &key);
        let mac_len = key.1.mac_len();
        let mut f = cbc_fragment(&key, seq, &plaintext, pad);
        prop_assert_eq!(twins_agree(&key, seq, &f)?, Ok(plaintext.len()));
        if wrong_seq {
            // A replayed or reordered record: the MAC binds seq_num (RFC 5246 §6.2.3.1).
            prop_assert_eq!(twins_agree(&key, seq.wrapping_add(1), &f)?, Err(()));
        }
        let layout = CbcLayout { plaintext_len: plaintext.len(), mac_len, padding_len: usize::from(pad) };
        if flip.apply_to_fragment(&mut f, &layout) {
            prop_assert_eq!(twins_agree(&key, seq, &f)?, Err(()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A sealed CBC record with one bit flipped, by CBC malleability, in its
    /// IV, plaintext, MAC, padding or padding-length byte: the record layer
    /// says bad_record_mac whatever was hit (one alert for all, or it is a
    /// padding oracle), and the untouched record opens to its plaintext.
    #[test]
    fn any_bit_flip_in_a_cbc_record_is_bad_record_mac(which in any::<u8>(), key in any::<[u8; 48]>(), iv in any::<[u8; 16]>(),
                                                       seq in any::<u64>(), plaintext in proptest::collection::vec(any::<u8>(), 0..80),
                                                       flip in strategies::cbc_flip()) {
        use tlslab::crypto::suites::{BulkCipher, MacAlgorithm};
        use tlslab::observer::Hooks;
        use tlslab::internal::record::{CbcState, Protection, RecordLayerState};
        use tlslab::wire::Direction;
        let mac = [MacAlgorithm::HmacSha1, MacAlgorithm::HmacSha256, MacAlgorithm::HmacSha384][usize::from(which % 3)];
        let state = || {
            let mut s = RecordLayerState::new(Direction::ServerToClient);
            s.change_protection(Protection::Cbc(CbcState::new(Direction::ServerToClient, BulkCipher::Aes128Cbc, mac, &key[..mac.len()], &key[..16]).unwrap()));
            s.seq = seq.min(u64::MAX - 1);
            s
        };
        let mut record = vec![];
        let mut rng = ScriptedRng::new(vec![iv.to_vec()], OsRng::new());
        state().seal(TYP, VER, &plaintext, &mut record, &mut rng, &mut Hooks::none()).unwrap();
        let header = RecordHeader::decode(record[..5].try_into().unwrap());
        let mut payload = record[5..].to_vec();
        state().open(&header, &mut payload, &mut Hooks::none()).unwrap();
        prop_assert_eq!(&payload, &plaintext);
        // The decrypted fragment's layout (RFC 5246 §6.2.3.2), from the record's length alone.
        let fragment_len = record.len() - 5 - 16;
        let layout = CbcLayout { plaintext_len: plaintext.len(), mac_len: mac.len(), padding_len: fragment_len - plaintext.len() - mac.len() - 1 };
        let mut payload = record[5..].to_vec();
        if flip.apply_to_record(&mut payload, &layout) {
            let err = state().open(&header, &mut payload, &mut Hooks::none()).unwrap_err();
            prop_assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
        }
    }
}

// ---------------------------------------------------------------------------
// 4. The expected-alert model
// ---------------------------------------------------------------------------

type Outcome = Result<(), Option<AlertDescription>>;

/// What the model expects of a mutated flight.
#[derive(Debug)]
enum Prediction {
    /// One of these outcomes (more than one where RFC 5246 allows several
    /// alerts or leaves the order of checks open: each such place says why).
    OneOf(Vec<Outcome>),
    /// The mutation re-frames the stream so that the next "record header"
    /// is read from inside data: what follows depends on bytes the model does
    /// not interpret. Framing has its own property (2.).
    Unpredicted,
}

use AlertDescription as A;

fn alert(a: AlertDescription) -> Outcome {
    Err(Some(a))
}

fn one_of(v: &[Outcome]) -> Prediction {
    Prediction::OneOf(v.to_vec())
}

/// The published flight's layout, found by walking the published bytes with
/// the RFC's structure definitions (not with tlslab's decoders).
struct Layout {
    /// Record index in the flight → what it is.
    records: Vec<Vec<u8>>,
    /// Offered by the published ClientHello (RFC 5246 §7.4.1.2, §7.4.1.4.1).
    offered_suites: Vec<u16>,
    offered_schemes: Vec<u16>,
}

const SH: usize = 0;
const CERT: usize = 1;
const SKE: usize = 2;
const SHD: usize = 3;
const CCS: usize = 4;
const FIN: usize = 5;

impl Layout {
    fn new(v: &Vector) -> Layout {
        let hello = v.record(0);
        // ClientHello body at 9: version(2) random(32) session_id(1+0) suites(2+n) ...
        let b = &hello[9..];
        let sid = usize::from(b[34]);
        let at = 35 + sid;
        let n = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
        let offered_suites = b[at + 2..at + 2 + n]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        // signature_algorithms (type 13): find its data in the extension list.
        let comp = at + 2 + n;
        let mut e = comp + 1 + usize::from(b[comp]) + 2;
        let mut offered_schemes = vec![];
        while e + 4 <= b.len() {
            let typ = u16::from_be_bytes([b[e], b[e + 1]]);
            let len = usize::from(u16::from_be_bytes([b[e + 2], b[e + 3]]));
            if typ == 13 {
                offered_schemes = b[e + 6..e + 4 + len]
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
            }
            e += 4 + len;
        }
        Layout {
            records: v.server_flight(),
            offered_suites,
            offered_schemes,
        }
    }

    /// Bytes of the stream after record `r`'s header.
    fn after_header(&self, r: usize) -> usize {
        self.records[r..].iter().map(Vec::len).sum::<usize>() - 5
    }

    /// Handshake bytes from record `r`'s message body to the end of the
    /// plaintext handshake records.
    fn handshake_after_message_header(&self, r: usize) -> usize {
        self.records[r..=SHD].iter().map(|x| x.len() - 5).sum::<usize>() - 4
    }
}

fn u24(b: &[u8]) -> usize {
    usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2])
}

/// What happens when the encrypted Finished (or any record) is read while
/// the client still expects plaintext handshake records: its payload goes to
/// the handshake reassembly (RFC 5246 §6.2.1) and its first 4 bytes are read
/// as a handshake header.
fn garbage_handshake(payload: &[u8], bytes_before: &[u8]) -> Outcome {
    let mut joined = bytes_before.to_vec();
    joined.extend_from_slice(payload);
    let len = u24(&joined[1..4]);
    if len > MAX_HANDSHAKE_MESSAGE {
        // The documented cap (RFC 5246 allows 2^24 - 1 but sets no receiver
        // limit; refusing early is what stops a memory exhaustion).
        alert(A::DECODE_ERROR)
    } else if len > joined.len() - 4 {
        // The message is incomplete: the client waits for more bytes.
        Ok(())
    } else {
        // A whole message of a type the state does not expect (the flight
        // holds no HelloRequest, the only one accepted anywhere).
        alert(A::UNEXPECTED_MESSAGE)
    }
}

/// The model: the alert RFC 5246 (and RFC 8422, RFC 5746) calls for, for one
/// mutation of the published server flight.
fn predict(l: &Layout, m: &FlightMutation) -> Prediction {
    let n = l.records.len();
    match *m {
        FlightMutation::FlipBit { record, offset, bit } => {
            let r = record % n;
            let i = offset % l.records[r].len();
            let old = l.records[r][i];
            let new = old ^ (1 << (bit % 8));
            match i {
                0 => predict_content_type(l, r, new),
                1 => {
                    // Record version major byte: not TLS 1.x at all. RFC 5246
                    // names no alert for it: decode_error or protocol_version
                    // (and for the encrypted record the MAC covers the version).
                    if r == FIN {
                        one_of(&[
                            alert(A::DECODE_ERROR),
                            alert(A::PROTOCOL_VERSION),
                            alert(A::BAD_RECORD_MAC),
                        ])
                    } else {
                        one_of(&[alert(A::DECODE_ERROR), alert(A::PROTOCOL_VERSION)])
                    }
                }
                2 => {
                    if r == FIN {
                        // The MAC covers TLSCompressed.version (RFC 5246 §6.2.3.1).
                        one_of(&[alert(A::BAD_RECORD_MAC), alert(A::PROTOCOL_VERSION)])
                    } else {
                        // Appendix E.1: a client may accept any {03,XX} record
                        // version, or refuse with protocol_version.
                        one_of(&[Ok(()), alert(A::PROTOCOL_VERSION)])
                    }
                }
                3 | 4 => {
                    let mut len = [l.records[r][3], l.records[r][4]];
                    len[i - 3] = new;
                    predict_record_length(l, r, u16::from_be_bytes(len))
                }
                _ => predict_payload_flip(l, r, i - 5, new),
            }
        }
        FlightMutation::SetLength { record, length } => predict_record_length(l, record % n, length),
        FlightMutation::SetContentType { record, content_type } => {
            let r = record % n;
            if content_type.0 == l.records[r][0] {
                one_of(&[Ok(())])
            } else {
                predict_content_type(l, r, content_type.0)
            }
        }
        FlightMutation::Swap { a, b } => {
            let (p, q) = ((a % n).min(b % n), (a % n).max(b % n));
            if p == q {
                return one_of(&[Ok(())]);
            }
            // Record q arrives where p was expected.
            out_of_order(l, q, p)
        }
        FlightMutation::Drop { record } => {
            let r = record % n;
            if r == FIN {
                // The client waits for the server's Finished: nothing is wrong yet.
                one_of(&[Ok(())])
            } else {
                out_of_order(l, r + 1, r)
            }
        }
    }
}

/// Record `q` of the flight arrives where record `p` (< q) was expected.
fn out_of_order(l: &Layout, q: usize, _p: usize) -> Prediction {
    match q {
        // A handshake message or a ChangeCipherSpec the state does not expect
        // (RFC 5246 §7.4: the order is fixed; §7.4.3: ECDHE needs a
        // ServerKeyExchange; §7.1: ChangeCipherSpec only after ServerHelloDone).
        SH..=CCS => one_of(&[alert(A::UNEXPECTED_MESSAGE)]),
        // The encrypted Finished read before ChangeCipherSpec took effect: its
        // ciphertext is read as plaintext handshake bytes.
        _ => Prediction::OneOf(vec![garbage_handshake(&l.records[q][5..], &[])]),
    }
}

/// Record `r`'s content type changed to `t`.
fn predict_content_type(l: &Layout, r: usize, t: u8) -> Prediction {
    let payload = &l.records[r][5..];
    if r == FIN {
        // The MAC covers the type (RFC 5246 §6.2.3.1), so opening fails; an
        // implementation may also refuse an unknown type before decrypting.
        return one_of(&[alert(A::BAD_RECORD_MAC), alert(A::UNEXPECTED_MESSAGE)]);
    }
    match t {
        21 => {
            // An alert is exactly two bytes (RFC 5246 §7.2).
            if payload.len() == 2 {
                one_of(&[Err(None)])
            } else {
                one_of(&[alert(A::DECODE_ERROR)])
            }
        }
        // ChangeCipherSpec before ServerHelloDone is out of order; its body
        // is also not the byte 1, and the RFC does not order the two checks.
        20 => one_of(&[alert(A::UNEXPECTED_MESSAGE), alert(A::DECODE_ERROR)]),
        22 if r == CCS => {
            // The CCS byte becomes a handshake fragment; the encrypted
            // Finished then follows as plaintext handshake bytes.
            Prediction::OneOf(vec![garbage_handshake(&l.records[FIN][5..], payload)])
        }
        // Application data before the handshake completes (RFC 5246 §6.2.1
        // forbids it: it would be unauthenticated); any unknown type (§6:
        // "MUST send an unexpected_message alert").
        _ => {
            if r == SH && !(20..=24).contains(&t) {
                // The very first byte of the connection is not a TLS content
                // type: the client reports "not a TLS server" without an
                // alert, since such a peer would not understand one. RFC 5246
                // §6 asks for unexpected_message; both are accepted here.
                one_of(&[alert(A::UNEXPECTED_MESSAGE), Err(None)])
            } else {
                one_of(&[alert(A::UNEXPECTED_MESSAGE)])
            }
        }
    }
}

/// Record `r`'s length field set to `length`.
fn predict_record_length(l: &Layout, r: usize, length: u16) -> Prediction {
    let actual = l.records[r].len() - 5;
    let length = usize::from(length);
    let after = l.after_header(r);
    if length == actual {
        one_of(&[Ok(())])
    } else if length > MAX_CIPHERTEXT {
        // RFC 5246 §6.2.3: "The length MUST NOT exceed 2^14 + 2048."
        one_of(&[alert(A::RECORD_OVERFLOW)])
    } else if length > after {
        if r != FIN && length > MAX_PLAINTEXT {
            // §6.2.1: a plaintext record is at most 2^14; a receiver may say
            // so as soon as it reads the header, or wait for the body.
            one_of(&[Ok(()), alert(A::RECORD_OVERFLOW)])
        } else {
            // The record is incomplete: the client waits for the rest.
            one_of(&[Ok(())])
        }
    } else if r == FIN {
        // Shorter: the encrypted Finished is cut (not whole blocks, or the
        // MAC and padding are looked for in the wrong place).
        one_of(&[alert(A::BAD_RECORD_MAC)])
    } else if r == CCS {
        // The ChangeCipherSpec body is no longer the single byte 1 (RFC 5246
        // §7.1); no alert is named for that: decode_error or illegal_parameter.
        one_of(&[alert(A::DECODE_ERROR), alert(A::ILLEGAL_PARAMETER)])
    } else {
        Prediction::Unpredicted
    }
}

/// A bit flipped at `i` of record `r`'s payload, giving `new`.
fn predict_payload_flip(l: &Layout, r: usize, i: usize, new: u8) -> Prediction {
    match r {
        // Any flip in the IV or ciphertext changes the decrypted plaintext, MAC
        // or padding: bad_record_mac (RFC 5246 §6.2.3.2, §7.2.2).
        FIN => one_of(&[alert(A::BAD_RECORD_MAC)]),
        // The ChangeCipherSpec byte is not 1 (see predict_record_length).
        CCS => one_of(&[alert(A::DECODE_ERROR), alert(A::ILLEGAL_PARAMETER)]),
        _ => predict_handshake_flip(l, r, i, new),
    }
}

/// A handshake message: `i` is the offset in `msg_type ‖ length(3) ‖ body`.
fn predict_handshake_flip(l: &Layout, r: usize, i: usize, new: u8) -> Prediction {
    let msg = &l.records[r][5..];
    if i == 0 {
        // RFC 5246 §7.4.1.1: a HelloRequest (type 0) is ignored during a
        // handshake, but its body must be empty.
        return if new == 0 {
            if msg.len() > 4 {
                one_of(&[alert(A::DECODE_ERROR)])
            } else {
                one_of(&[Ok(())])
            }
        } else {
            // Any other type is out of order here (RFC 5246 §7.4).
            one_of(&[alert(A::UNEXPECTED_MESSAGE)])
        };
    }
    if i < 4 {
        let mut len = msg[1..4].to_vec();
        len[i - 1] = new;
        let new_len = u24(&len);
        let actual = msg.len() - 4;
        let available = l.handshake_after_message_header(r);
        return if new_len > MAX_HANDSHAKE_MESSAGE {
            one_of(&[alert(A::DECODE_ERROR)])
        } else if new_len > available {
            // The message never completes; ChangeCipherSpec then arrives in the
            // middle of it, which must end the handshake (RFC 5246 §7.1: CCS
            // comes between whole messages).
            one_of(&[alert(A::UNEXPECTED_MESSAGE)])
        } else if r == SH && new_len + 7 == actual {
            // ServerHello ending before its extensions (7 bytes) decodes; the
            // next "message" starts inside the extension. A client may also
            // refuse the missing renegotiation_info (RFC 5746 §3.4).
            one_of(&[alert(A::UNEXPECTED_MESSAGE), alert(A::HANDSHAKE_FAILURE)])
        } else {
            // Every message here is self-delimiting: a body cut short or with
            // bytes of the next message appended does not decode.
            one_of(&[alert(A::DECODE_ERROR)])
        };
    }
    let b = i - 4; // offset in the body
    let body = &msg[4..];
    match r {
        SH => {
            // version(2) random(32) session_id(1+0) cipher_suite(2)
            // compression(1) extensions_length(2) ff01 0001 00
            match b {
                // RFC 5246 Appendix E.1: the client offered only TLS 1.2.
                0 | 1 => one_of(&[alert(A::PROTOCOL_VERSION), alert(A::ILLEGAL_PARAMETER)]),
                // server_random is signed in ServerKeyExchange (§7.4.3).
                2..=33 => one_of(&[alert(A::DECRYPT_ERROR)]),
                // session_id length: the fields after it shift and no longer fit.
                34 => one_of(&[alert(A::DECODE_ERROR)]),
                35 | 36 => {
                    let mut s = [body[35], body[36]];
                    s[b - 35] = new;
                    let suite = u16::from_be_bytes(s);
                    if l.offered_suites.contains(&suite) {
                        // Offered but not one this client implements (the
                        // published ClientHello offers 3DES and others): the
                        // client cannot continue.
                        one_of(&[alert(A::ILLEGAL_PARAMETER), alert(A::HANDSHAKE_FAILURE)])
                    } else {
                        // §7.4.1.3: the suite must come from the ClientHello's list.
                        one_of(&[alert(A::ILLEGAL_PARAMETER)])
                    }
                }
                // Only null compression was offered.
                37 => one_of(&[alert(A::ILLEGAL_PARAMETER)]),
                // Extension block and extension_data lengths.
                38 | 39 | 42 | 43 => one_of(&[alert(A::DECODE_ERROR)]),
                // renegotiation_info became a type we did not offer (§7.4.1.4).
                40 | 41 => one_of(&[alert(A::UNSUPPORTED_EXTENSION)]),
                // renegotiated_connection length: no longer 0. RFC 5746 §3.4
                // says handshake_failure for a non-empty one; here the bytes
                // are also missing, which is a decode_error.
                _ => one_of(&[alert(A::DECODE_ERROR), alert(A::HANDSHAKE_FAILURE)]),
            }
        }
        CERT => {
            // certificate_list length(3), ASN.1Cert length(3), DER.
            if b < 6 {
                return one_of(&[alert(A::DECODE_ERROR)]);
            }
            let der_len = body.len() - 6;
            let d = b - 6;
            if d >= der_len - 256 {
                // The CA's signature (the last 256 bytes, an RSA-2048
                // signatureValue): not checked without verification, so the
                // handshake goes on until the transcripts differ and the
                // server's Finished fails (§7.4.9: decrypt_error).
                one_of(&[alert(A::DECRYPT_ERROR)])
            } else {
                // Inside tbsCertificate: the certificate may no longer parse
                // (bad_certificate, or decode_error), its key may change type
                // (unsupported_certificate), change value (the ServerKeyExchange
                // signature fails: decrypt_error), or the change is in a field
                // not used here (the transcript differs: decrypt_error at Finished).
                one_of(&[
                    alert(A::BAD_CERTIFICATE),
                    alert(A::DECODE_ERROR),
                    alert(A::UNSUPPORTED_CERTIFICATE),
                    alert(A::DECRYPT_ERROR),
                ])
            }
        }
        SKE => {
            // curve_type(1) named_curve(2) public(1+32) scheme(2) signature(2+256)
            match b {
                // Only named_curve (3) exists (RFC 8422 §5.4); the RFC names no alert.
                0 => one_of(&[
                    alert(A::DECODE_ERROR),
                    alert(A::ILLEGAL_PARAMETER),
                    alert(A::HANDSHAKE_FAILURE),
                ]),
                // A group we did not offer (illegal_parameter), and the
                // signature over it no longer verifies (decrypt_error): the
                // RFC does not say which check comes first.
                1 | 2 => one_of(&[alert(A::ILLEGAL_PARAMETER), alert(A::DECRYPT_ERROR)]),
                // public length: the structure no longer fits.
                3 => one_of(&[alert(A::DECODE_ERROR)]),
                // The signature covers the params (RFC 5246 §7.4.3).
                4..=35 => one_of(&[alert(A::DECRYPT_ERROR)]),
                36 | 37 => {
                    let mut s = [body[36], body[37]];
                    s[b - 36] = new;
                    let scheme = SignatureScheme(u16::from_be_bytes(s));
                    let rsa = scheme.0 & 0xff == 1;
                    if l.offered_schemes.contains(&scheme.0) && rsa {
                        // An offered RSA scheme with another hash: the
                        // signature does not verify.
                        one_of(&[alert(A::DECRYPT_ERROR)])
                    } else {
                        // Not offered (§7.4.1.4.1), or not usable with the
                        // certificate's RSA key: RFC 5246 names no alert.
                        one_of(&[
                            alert(A::ILLEGAL_PARAMETER),
                            alert(A::DECRYPT_ERROR),
                            alert(A::HANDSHAKE_FAILURE),
                        ])
                    }
                }
                38 | 39 => one_of(&[alert(A::DECODE_ERROR)]),
                _ => one_of(&[alert(A::DECRYPT_ERROR)]),
            }
        }
        _ => unreachable!("ServerHelloDone has no body"),
    }
}

fn outcome_of(v: &Vector, flight: &[Vec<u8>]) -> Outcome {
    run(v, &[&flight.concat()]).1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// For each mutation of the server flight, the client's error carries an
    /// alert the model allows.
    #[test]
    fn the_alert_model_predicts_every_mutation(m in strategies::flight_mutation(6)) {
        let v = Vector::load();
        let layout = Layout::new(&v);
        let Prediction::OneOf(allowed) = predict(&layout, &m) else {
            return Err(TestCaseError::reject("re-framed stream: not predicted"));
        };
        let got = outcome_of(&v, &m.apply(&layout.records));
        prop_assert!(allowed.contains(&got), "{:?}: got {:?}, the model allows {:?}", m, got, allowed);
    }
}

/// Byte edits anywhere in `range` of the flight's concatenation.
fn byte_edits(range: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(usize, u8)>> {
    proptest::collection::vec((range, 1u8..=255), 1..6)
}

fn apply_edits(flight: &[Vec<u8>], edits: &[(usize, u8)]) -> Vec<u8> {
    let mut s = flight.concat();
    for &(i, x) in edits {
        s[i] ^= x;
    }
    s
}

/// Runs proptest on "these edits do not change the outcome" (false: every
/// edit here does) and returns the shrunk counterexample.
fn shrink_to_minimal(range: std::ops::Range<usize>) -> Vec<(usize, u8)> {
    let v = Vector::load();
    let flight = v.server_flight();
    let baseline = outcome_of(&v, &flight);
    assert_eq!(baseline, Ok(()));
    // A fixed seed: the shrunk case is then the same on every run.
    let config = RunnerConfig {
        cases: 64,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let result = runner.run(&byte_edits(range), |edits| {
        let got = run(&v, &[&apply_edits(&flight, &edits)]).1;
        prop_assert_eq!(got, baseline);
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, minimal)) => minimal,
        other => panic!("expected a failing mutation, got {other:?}"),
    }
}

/// Asserts `minimal` is one byte edit and that no smaller XOR at the same
/// offset changes the outcome: the shrinker's claim, checked exhaustively.
fn assert_locally_minimal(v: &Vector, flight: &[Vec<u8>], minimal: &[(usize, u8)]) {
    assert_eq!(minimal.len(), 1, "more than one byte edited: {minimal:?}");
    let (offset, xor) = minimal[0];
    for smaller in 1..xor {
        let got = run(v, &[&apply_edits(flight, &[(offset, smaller)])]).1;
        assert_eq!(
            got,
            Ok(()),
            "XOR {smaller:#04x} at {offset} already changes the outcome"
        );
    }
}

#[test]
fn shrinking_finds_a_one_byte_mutation_anywhere_in_the_flight() {
    // Anywhere in the flight, from up to 5 byte edits: the shrunk case is one
    // byte, with the smallest XOR that changes the outcome at that offset.
    // With this seed it ends on the very first bit of the flight: ServerHello's
    // content type 0x16 -> 0x17, application data before the handshake
    // completed (unexpected_message). (Other seeds end elsewhere, e.g. on the
    // record length's high byte 0x00 -> 0x48, the smallest XOR that pushes
    // 0x0031 past 2^14 + 2048: still one byte, still locally minimal.)
    let v = Vector::load();
    let flight = v.server_flight();
    let total = flight.iter().map(Vec::len).sum();
    let minimal = shrink_to_minimal(0..total);
    assert_locally_minimal(&v, &flight, &minimal);
    assert_eq!(minimal, vec![(0, 1)]);
    let got = run(&v, &[&apply_edits(&flight, &minimal)]).1;
    assert_eq!(got, alert(A::UNEXPECTED_MESSAGE));
    let layout = Layout::new(&v);
    let m = FlightMutation::FlipBit {
        record: SH,
        offset: 0,
        bit: 0,
    };
    assert!(matches!(predict(&layout, &m), Prediction::OneOf(p) if p == vec![alert(A::UNEXPECTED_MESSAGE)]));
    // And the record-overflow edge the model states: 0x4831 overflows, 0x4731 waits.
    let overflow = FlightMutation::SetLength {
        record: SH,
        length: 0x4831,
    };
    assert_eq!(
        outcome_of(&v, &overflow.apply(&layout.records)),
        alert(A::RECORD_OVERFLOW)
    );
    let waits = FlightMutation::SetLength {
        record: SH,
        length: 0x4731,
    };
    assert_eq!(outcome_of(&v, &waits.apply(&layout.records)), Ok(()));
}

#[test]
fn shrinking_inside_the_encrypted_finished_ends_on_one_iv_bit() {
    // Restricted to the encrypted Finished's payload (IV and ciphertext):
    // one bit of the IV's first byte, which flips one bit of the decrypted
    // handshake type, and the MAC catches it: bad_record_mac.
    let v = Vector::load();
    let flight = v.server_flight();
    let start = flight[..FIN].iter().map(Vec::len).sum::<usize>() + 5;
    let end = start + flight[FIN].len() - 5;
    let minimal = shrink_to_minimal(start..end);
    assert_locally_minimal(&v, &flight, &minimal);
    assert_eq!(minimal, vec![(start, 1)]);
    let got = run(&v, &[&apply_edits(&flight, &minimal)]).1;
    assert_eq!(got, alert(A::BAD_RECORD_MAC));
    let layout = Layout::new(&v);
    let m = FlightMutation::FlipBit {
        record: FIN,
        offset: 5,
        bit: 0,
    };
    assert!(matches!(predict(&layout, &m), Prediction::OneOf(p) if p == vec![alert(A::BAD_RECORD_MAC)]));
}

#[test]
fn the_unmutated_flight_completes() {
    let v = Vector::load();
    let (out, result, _) = run(&v, &[&v.server_flight().concat()]);
    assert_eq!(result, Ok(()));
    let expected: Vec<u8> = (5..=7).flat_map(|i| v.record(i)).collect();
    assert_eq!(out, expected);
}
