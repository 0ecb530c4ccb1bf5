//! The explainer against failures made on purpose, with independent ground truth.
//!
//! Wrong records are sealed by the real record layer with keys taken from the
//! published Illustrated TLS 1.2 Connection (`vectors/illustrated-tls12`, not
//! derived by us), or with key blocks and master secrets computed by OpenSSL's
//! own TLS1-PRF (`openssl kdf … TLS1-PRF`), or hand-built with the `aes` and
//! `ring` primitives (encrypt-then-MAC). Wrong Finished values are computed by
//! OpenSSL's TLS1-PRF. Live cases use a real `openssl s_server` and the master
//! secret from OpenSSL's own key log. So every "proven" cause below is checked
//! against a failure whose cause we know from how it was made.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tlslab::bytes::Bytes;
use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites::{self, BulkCipher, KeyExchange, MacAlgorithm, PrfHash, SuiteInfo};
use tlslab::explain::{
    explain_finished, explain_peer_complaint, explain_record, BitPosition, Cause, Certainty, ComplaintPoint,
    FailedFinished, FailedRecord, FinishedLabel, KeyPairCheck, PeerComplaint, Secrets, Verdict,
};
use tlslab::internal::key_block::KeyBlock;
use tlslab::internal::record::{Protection, RecordLayerState};
use tlslab::observer::Hooks;
use tlslab::rng::OsRng;
use tlslab::wire::{
    AlertDescription, CipherSuite, ContentType, Direction, HandshakeType, NamedGroup, ProtocolVersion,
};
use tlslab::{Client, ClientConfig, Verification};
use tlslab_peers::testkit::rev_server;

// ---------------------------------------------------------------------------
// The published vector
// ---------------------------------------------------------------------------

fn vector() -> &'static serde_json::Value {
    static V: OnceLock<serde_json::Value> = OnceLock::new();
    V.get_or_init(|| serde_json::from_str(include_str!("../vectors/illustrated-tls12/vector.json")).unwrap())
}

fn vhex(key: &str) -> Vec<u8> {
    hex::decode(vector()[key].as_str().unwrap()).unwrap()
}

fn vrec(i: usize, field: &str) -> Vec<u8> {
    hex::decode(vector()["records"][i][field].as_str().unwrap()).unwrap()
}

fn arr<const N: usize>(v: Vec<u8>) -> [u8; N] {
    v.try_into().unwrap()
}

/// The published key block (tls12.xargs.org), not derived by us.
fn published_key_block() -> KeyBlock {
    let k = |name: &str| Bytes(hex::decode(vector()["key_block"][name].as_str().unwrap()).unwrap());
    KeyBlock {
        client_write_mac_key: k("client_write_mac_key"),
        server_write_mac_key: k("server_write_mac_key"),
        client_write_key: k("client_write_key"),
        server_write_key: k("server_write_key"),
        client_write_iv: Bytes::default(),
        server_write_iv: Bytes::default(),
    }
}

fn c013() -> &'static SuiteInfo {
    suites::lookup(CipherSuite(0xc013)).unwrap()
}

/// ClientHello … ClientKeyExchange of the walkthrough (records 0–5, one message each).
fn client_transcript() -> Vec<(HandshakeType, Vec<u8>)> {
    (0..=5)
        .map(|i| {
            let body = vrec(i, "record")[5..].to_vec();
            (HandshakeType(body[0]), body)
        })
        .collect()
}

/// … plus the client's Finished (decrypted, published): what the server's Finished covers.
fn server_transcript() -> Vec<(HandshakeType, Vec<u8>)> {
    let mut t = client_transcript();
    t.push((HandshakeType::FINISHED, vrec(7, "plaintext")));
    t
}

fn vector_secrets() -> Secrets {
    let mut s = Secrets::new(c013(), arr(vhex("client_random")), arr(vhex("server_random")));
    s.master_secret = Some(arr(vhex("master_secret")));
    s.pre_master_secret = Some(vhex("premaster"));
    s.handshake_messages = client_transcript();
    s
}

/// Seals `fragment` as one record with the real record layer.
fn seal(
    suite: &SuiteInfo,
    kb: &KeyBlock,
    keys: Direction,
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    fragment: &[u8],
) -> Vec<u8> {
    let mut state = RecordLayerState {
        direction: keys,
        protection: Protection::from_key_block(suite, kb, keys).unwrap(),
        seq,
    };
    let mut out = vec![];
    state
        .seal(
            typ,
            version,
            fragment,
            &mut out,
            &mut OsRng::new(),
            &mut Hooks::none(),
        )
        .unwrap();
    out
}

/// The server's Finished (published plaintext) re-sealed under some wrong assumption.
fn server_finished_record(
    kb: &KeyBlock,
    keys: Direction,
    seq: u64,
    version: ProtocolVersion,
) -> FailedRecord {
    let mut rec = seal(
        c013(),
        kb,
        keys,
        seq,
        ContentType::HANDSHAKE,
        version,
        &vrec(9, "plaintext"),
    );
    rec[1..3].copy_from_slice(&[3, 3]); // the header always says TLS 1.2
    FailedRecord::from_wire(Direction::ServerToClient, 0, &rec).unwrap()
}

fn certain(e: &tlslab::explain::Explanation) -> &Cause {
    match &e.verdict {
        Verdict::Certain(c) => c,
        other => panic!("expected a certain verdict, got {other:?}\n{e}"),
    }
}

// ---------------------------------------------------------------------------
// OpenSSL as the independent PRF
// ---------------------------------------------------------------------------

/// `openssl kdf -keylen LEN -kdfopt digest:D -kdfopt hexsecret:S -kdfopt hexseed:L‖SEED TLS1-PRF`.
fn openssl_prf(digest: &str, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let out = std::process::Command::new("openssl")
        .args([
            "kdf",
            "-keylen",
            &len.to_string(),
            "-kdfopt",
            &format!("digest:{digest}"),
            "-kdfopt",
            &format!("hexsecret:{}", hex::encode(secret)),
            "-kdfopt",
            &format!("hexseed:{}{}", hex::encode(label), hex::encode(seed)),
            "TLS1-PRF",
        ])
        .output()
        .expect("run openssl kdf");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    hex::decode(
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .replace(':', "")
            .to_lowercase(),
    )
    .unwrap()
}

/// SHA-256 of the messages, by OpenSSL (`openssl dgst -sha256 -binary`).
fn openssl_sha(alg: &str, messages: &[&[u8]]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("openssl")
        .args(["dgst", &format!("-{alg}"), "-binary"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for m in messages {
        stdin.write_all(m).unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap().stdout
}

/// A key block of suite 0xc013 (MAC 20, key 16) from OpenSSL's PRF stream.
fn openssl_key_block(digest: &str, master_secret: &[u8]) -> KeyBlock {
    let seed = [vhex("server_random"), vhex("client_random")].concat();
    let s = openssl_prf(digest, master_secret, "key expansion", &seed, 72);
    KeyBlock {
        client_write_mac_key: Bytes(s[..20].to_vec()),
        server_write_mac_key: Bytes(s[20..40].to_vec()),
        client_write_key: Bytes(s[40..56].to_vec()),
        server_write_key: Bytes(s[56..72].to_vec()),
        client_write_iv: Bytes::default(),
        server_write_iv: Bytes::default(),
    }
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

#[test]
fn the_published_server_finished_is_not_a_failure() {
    let rec = FailedRecord::from_wire(Direction::ServerToClient, 0, &vrec(9, "record")).unwrap();
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(certain(&e), &Cause::NotReproduced, "{e}");
}

#[test]
fn sequence_number_off_by_one_is_proven() {
    let rec = server_finished_record(
        &published_key_block(),
        Direction::ServerToClient,
        1,
        ProtocolVersion::TLS12,
    );
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::SequenceNumber { expected: 0, used: 1 },
        "{e}"
    );
    // The failure itself is shown: computed and received MAC differ.
    let expected = e.expected.as_ref().unwrap();
    assert_eq!(expected.computed.len(), 20);
    assert_ne!(expected.computed, expected.received);
    let text = e.to_string();
    assert!(text.starts_with("CERTAIN: record seq 0 server->client"), "{text}");
    assert!(
        text.contains("computed  ") && text.contains("received  "),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["verdict"]["kind"], "certain");
    assert_eq!(json["verdict"]["causes"][0], "sequence_number");
    assert_eq!(json["ranked"][0]["certainty"], "proven");
}

#[test]
fn keys_of_the_other_direction_are_proven() {
    let rec = server_finished_record(
        &published_key_block(),
        Direction::ClientToServer,
        0,
        ProtocolVersion::TLS12,
    );
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(certain(&e), &Cause::OtherDirectionKeys, "{e}");
}

#[test]
fn other_version_bytes_in_the_mac_are_proven() {
    let rec = server_finished_record(
        &published_key_block(),
        Direction::ServerToClient,
        0,
        ProtocolVersion::TLS10,
    );
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::MacVersion {
            header: ProtocolVersion::TLS12,
            used: ProtocolVersion::TLS10
        },
        "{e}"
    );
}

#[test]
fn sequence_number_not_reset_at_change_cipher_spec_is_proven() {
    // The server sent ServerHello, Certificate, ServerKeyExchange,
    // ServerHelloDone and ChangeCipherSpec: five records before its Finished.
    let mut rec = server_finished_record(
        &published_key_block(),
        Direction::ServerToClient,
        5,
        ProtocolVersion::TLS12,
    );
    rec.records_before_change_cipher_spec = Some(5);
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::SequenceNotResetAtChangeCipherSpec {
            expected: 0,
            used: Some(5)
        },
        "{e}"
    );
    // Found by the search when the count is not given.
    rec.records_before_change_cipher_spec = None;
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        e.top().unwrap().cause.id(),
        "sequence_not_reset_at_change_cipher_spec",
        "{e}"
    );
}

#[test]
fn key_block_expanded_with_sha384_is_proven() {
    let kb = openssl_key_block("SHA384", &vhex("master_secret"));
    let rec = server_finished_record(&kb, Direction::ServerToClient, 0, ProtocolVersion::TLS12);
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::PrfHash {
            expected: PrfHash::Sha256,
            used: PrfHash::Sha384
        },
        "{e}"
    );
}

/// RFC 7627 §4 master secret by OpenSSL: PRF(pms, "extended master secret", SHA-256(ClientHello…ClientKeyExchange)).
fn openssl_extended_master_secret() -> Vec<u8> {
    let t = client_transcript();
    let msgs: Vec<&[u8]> = t.iter().map(|(_, m)| m.as_slice()).collect();
    let session_hash = openssl_sha("sha256", &msgs);
    openssl_prf(
        "SHA256",
        &vhex("premaster"),
        "extended master secret",
        &session_hash,
        48,
    )
}

#[test]
fn extended_master_secret_disagreement_is_proven() {
    let kb = openssl_key_block("SHA256", &openssl_extended_master_secret());
    let rec = server_finished_record(&kb, Direction::ServerToClient, 0, ProtocolVersion::TLS12);
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::ExtendedMasterSecret {
            expected: false,
            used: true
        },
        "{e}"
    );
}

#[test]
fn encrypt_then_mac_when_it_was_not_negotiated_is_proven() {
    use aes::cipher::generic_array::GenericArray;
    use aes::cipher::{BlockEncrypt, KeyInit};
    // RFC 7366 §3 by hand: IV ‖ AES-128-CBC(plaintext ‖ padding) ‖ HMAC-SHA1 over
    // seq ‖ type ‖ version ‖ len(IV ‖ ciphertext) ‖ IV ‖ ciphertext.
    let kb = published_key_block();
    let aes = aes::Aes128::new_from_slice(&kb.server_write_key.0).unwrap();
    let mut plain = vrec(9, "plaintext"); // 16 bytes
    plain.extend([15u8; 16]);
    let iv = [0x42u8; 16];
    let mut body = iv.to_vec();
    let mut prev = iv;
    for chunk in plain.chunks(16) {
        let mut block = [0u8; 16];
        for i in 0..16 {
            block[i] = chunk[i] ^ prev[i];
        }
        aes.encrypt_block(GenericArray::from_mut_slice(&mut block));
        body.extend_from_slice(&block);
        prev = block;
    }
    let key = ring::hmac::Key::new(
        ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        &kb.server_write_mac_key.0,
    );
    let mut mac_input = vec![0u8; 8];
    mac_input.extend([22, 3, 3]);
    mac_input.extend((body.len() as u16).to_be_bytes());
    mac_input.extend_from_slice(&body);
    let mac = ring::hmac::sign(&key, &mac_input);
    let mut payload = body;
    payload.extend_from_slice(mac.as_ref());
    let mut wire = vec![22, 3, 3];
    wire.extend((payload.len() as u16).to_be_bytes());
    wire.extend_from_slice(&payload);

    let rec = FailedRecord::from_wire(Direction::ServerToClient, 0, &wire).unwrap();
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::EncryptThenMacMismatch { negotiated: false },
        "{e}"
    );
    // And when encrypt_then_mac was negotiated, the same record is fine.
    let mut s = vector_secrets();
    s.encrypt_then_mac = true;
    assert_eq!(certain(&explain_record(&s, &rec)), &Cause::NotReproduced);
}

#[test]
fn one_flipped_bit_is_found_and_proven() {
    let mut wire = vrec(9, "record");
    // Payload byte 20: inside the first ciphertext block after the IV.
    wire[5 + 20] ^= 0x08;
    let rec = FailedRecord::from_wire(Direction::ServerToClient, 0, &wire).unwrap();
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::CorruptedInTransit {
            bit: Some(BitPosition { byte: 20, bit: 3 })
        },
        "{e}"
    );
}

#[test]
fn two_flipped_bits_rank_corruption_first_without_certainty() {
    let mut wire = vrec(11, "record"); // the server's "pong", its second record under these keys
    wire[5 + 20] ^= 0x08;
    wire[5 + 40] ^= 0x01;
    let mut rec = FailedRecord::from_wire(Direction::ServerToClient, 1, &wire).unwrap();
    rec.previous_records_ok = 1; // its Finished verified
    let e = explain_record(&vector_secrets(), &rec);
    assert!(!e.is_certain(), "{e}");
    let top = e.top().unwrap();
    assert_eq!(top.cause, Cause::CorruptedInTransit { bit: None }, "{e}");
    assert!(matches!(top.certainty, Certainty::Plausible(_)));
    assert!(top.decide_by.as_deref().unwrap().contains("later record"), "{e}");
    // Every catalogued assumption was tested and none verifies.
    for id in [
        "other_direction_keys",
        "sequence_number",
        "mac_version",
        "prf_hash",
        "extended_master_secret",
    ] {
        assert_eq!(e.finding(id).unwrap().certainty, Certainty::RuledOut, "{id}\n{e}");
    }
    assert!(e.to_string().starts_with("NOT PROVEN:"), "{e}");
    println!("{e}");
}

#[test]
fn truncated_record_is_proven_from_its_header() {
    let wire = vrec(9, "record");
    let rec = FailedRecord::from_wire(Direction::ServerToClient, 0, &wire[..wire.len() - 16]).unwrap();
    let e = explain_record(&vector_secrets(), &rec);
    assert_eq!(
        certain(&e),
        &Cause::TruncatedRecord {
            declared: 64,
            received: 48
        },
        "{e}"
    );
}

/// AES-128-GCM, first record under new keys, nothing verifies: a wrong key and
/// corrupted bytes look the same. The explainer must rank, not assert.
#[test]
fn aead_first_record_wrong_key_and_corruption_are_not_told_apart() {
    let suite = suites::lookup(CipherSuite(0xc02f)).unwrap();
    let mut secrets = Secrets::new(suite, [1; 32], [2; 32]);
    secrets.master_secret = Some([7; 48]);
    let kb_of = |ms: &[u8]| {
        let seed = [[2u8; 32], [1u8; 32]].concat();
        let s = openssl_prf("SHA256", ms, "key expansion", &seed, 40);
        KeyBlock {
            client_write_key: Bytes(s[..16].to_vec()),
            server_write_key: Bytes(s[16..32].to_vec()),
            client_write_iv: Bytes(s[32..36].to_vec()),
            server_write_iv: Bytes(s[36..40].to_vec()),
            ..KeyBlock::default()
        }
    };
    let finished = [20u8, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    // (a) the server used another master secret.
    let wrong = seal(
        suite,
        &kb_of(&[8; 48]),
        Direction::ServerToClient,
        0,
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        &finished,
    );
    // (b) right keys, two bytes changed in transit.
    let mut corrupt = seal(
        suite,
        &kb_of(&[7; 48]),
        Direction::ServerToClient,
        0,
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        &finished,
    );
    // Sanity: unaltered, it verifies.
    let ok = FailedRecord::from_wire(Direction::ServerToClient, 0, &corrupt).unwrap();
    assert_eq!(certain(&explain_record(&secrets, &ok)), &Cause::NotReproduced);
    corrupt[5 + 10] ^= 0x40;
    corrupt[5 + 30] ^= 0x02;
    for wire in [wrong, corrupt] {
        let rec = FailedRecord::from_wire(Direction::ServerToClient, 0, &wire).unwrap();
        let e = explain_record(&secrets, &rec);
        let Verdict::Plausible(causes) = &e.verdict else {
            panic!("must not be certain:\n{e}")
        };
        let ids: Vec<&str> = causes.iter().take(2).map(Cause::id).collect();
        assert!(
            ids.contains(&"keys_differ") && ids.contains(&"corrupted_in_transit"),
            "{e}"
        );
        for f in e.ranked.iter().filter(|f| f.certainty != Certainty::RuledOut) {
            assert!(f.decide_by.is_some(), "{e}");
        }
        assert!(
            e.facts.iter().any(|f| f.contains("cannot tell them apart")),
            "{e}"
        );
    }
}

// ---------------------------------------------------------------------------
// Finished
// ---------------------------------------------------------------------------

fn finished(
    label: FinishedLabel,
    transcript: Vec<(HandshakeType, Vec<u8>)>,
    received: Vec<u8>,
) -> FailedFinished {
    FailedFinished {
        label,
        transcript,
        received_verify_data: received,
        record_verified: true,
        unhashed_messages: vec![],
    }
}

/// verify_data by OpenSSL's PRF over SHA-256(messages).
fn openssl_verify_data(ms: &[u8], label: &str, messages: &[&[u8]]) -> Vec<u8> {
    openssl_prf("SHA256", ms, label, &openssl_sha("sha256", messages), 12)
}

#[test]
fn the_published_finished_values_are_not_failures() {
    let s = vector_secrets();
    let e = explain_finished(
        &s,
        &finished(
            FinishedLabel::Server,
            server_transcript(),
            vhex("server_verify_data"),
        ),
    );
    assert_eq!(certain(&e), &Cause::NotReproduced, "{e}");
    let e = explain_finished(
        &s,
        &finished(
            FinishedLabel::Client,
            client_transcript(),
            vhex("client_verify_data"),
        ),
    );
    assert_eq!(certain(&e), &Cause::NotReproduced, "{e}");
}

#[test]
fn transcript_missing_server_key_exchange_is_proven() {
    let t = server_transcript();
    let without: Vec<&[u8]> = t
        .iter()
        .filter(|(typ, _)| *typ != HandshakeType::SERVER_KEY_EXCHANGE)
        .map(|(_, m)| m.as_slice())
        .collect();
    let wrong = openssl_verify_data(&vhex("master_secret"), "server finished", &without);
    let e = explain_finished(&vector_secrets(), &finished(FinishedLabel::Server, t, wrong));
    assert_eq!(
        certain(&e),
        &Cause::TranscriptMissing {
            index: 3,
            typ: HandshakeType::SERVER_KEY_EXCHANGE
        },
        "{e}"
    );
}

#[test]
fn swapped_label_and_extended_master_secret_are_proven() {
    let t = client_transcript();
    let msgs: Vec<&[u8]> = t.iter().map(|(_, m)| m.as_slice()).collect();
    let swapped = openssl_verify_data(&vhex("master_secret"), "server finished", &msgs);
    let e = explain_finished(
        &vector_secrets(),
        &finished(FinishedLabel::Client, t.clone(), swapped),
    );
    assert_eq!(
        certain(&e),
        &Cause::FinishedLabelSwapped {
            expected: FinishedLabel::Client,
            used: FinishedLabel::Server
        },
        "{e}"
    );
    let with_ems = openssl_verify_data(&openssl_extended_master_secret(), "client finished", &msgs);
    let e = explain_finished(&vector_secrets(), &finished(FinishedLabel::Client, t, with_ems));
    assert_eq!(
        certain(&e),
        &Cause::ExtendedMasterSecret {
            expected: false,
            used: true
        },
        "{e}"
    );
}

#[test]
fn hello_request_hashed_by_the_sender_is_proven() {
    let t = client_transcript();
    let mut msgs: Vec<&[u8]> = t.iter().map(|(_, m)| m.as_slice()).collect();
    msgs.insert(0, &[0, 0, 0, 0]);
    let wrong = openssl_verify_data(&vhex("master_secret"), "client finished", &msgs);
    let e = explain_finished(&vector_secrets(), &finished(FinishedLabel::Client, t, wrong));
    assert_eq!(
        certain(&e),
        &Cause::TranscriptExtra {
            index: 0,
            typ: HandshakeType::HELLO_REQUEST
        },
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// The server's complaint
// ---------------------------------------------------------------------------

/// TLS_RSA_WITH_AES_128_CBC_SHA: same key-block shape and PRF as 0xc013, so the
/// walkthrough's keys serve; only the key exchange differs.
fn rsa_suite() -> &'static SuiteInfo {
    Box::leak(Box::new(SuiteInfo {
        id: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        openssl_name: "AES128-SHA",
        kx: KeyExchange::EcdheRsa, // the table has no RSA row; the explainer reads the suite name
        cipher: BulkCipher::Aes128Cbc,
        mac: MacAlgorithm::HmacSha1,
        prf: PrfHash::Sha256,
    }))
}

fn complaint(alert: AlertDescription, verify_data: Vec<u8>) -> PeerComplaint {
    PeerComplaint {
        alert,
        after: ComplaintPoint::AfterOurFinished,
        record_sent: FailedRecord::from_wire(Direction::ClientToServer, 0, &vrec(7, "record")),
        finished_sent: Some(finished(FinishedLabel::Client, client_transcript(), verify_data)),
        server_key: None,
    }
}

#[test]
fn bad_record_mac_after_a_correct_rsa_finished_ranks_the_random_pre_master_secret() {
    let mut s = vector_secrets();
    s.suite = rsa_suite();
    s.pre_master_secret = None; // only the master secret is known
    let c = complaint(AlertDescription::BAD_RECORD_MAC, vhex("client_verify_data"));
    let e = explain_peer_complaint(&s, &c);
    assert!(!e.is_certain(), "{e}");
    let top = e.top().unwrap();
    assert_eq!(top.cause, Cause::PreMasterSecretDiffers, "{e}");
    assert!(top.decide_by.as_deref().unwrap().contains("--server-key"), "{e}");
    assert!(
        e.facts.iter().any(|f| f.contains("verifies under our own")),
        "{e}"
    );

    // With the operator's key checked against the certificate: proven.
    let mut c = c;
    c.server_key = Some(KeyPairCheck {
        certificate_public_key: vec![1, 2, 3],
        server_key_public_key: vec![1, 2, 4],
    });
    assert_eq!(
        certain(&explain_peer_complaint(&s, &c)),
        &Cause::ServerKeyMismatch
    );

    // A pre-master secret whose version is not ClientHello.client_version (0303).
    let mut pms = vhex("premaster");
    pms.extend([0u8; 16]);
    pms[..2].copy_from_slice(&[3, 1]);
    s.pre_master_secret = Some(pms);
    c.server_key = None;
    assert_eq!(
        certain(&explain_peer_complaint(&s, &c)),
        &Cause::RsaPreMasterVersion {
            client_hello: ProtocolVersion::TLS12,
            in_pre_master: ProtocolVersion::TLS10
        }
    );
}

#[test]
fn decrypt_error_after_a_correct_finished_points_at_the_transcript() {
    let c = complaint(AlertDescription::DECRYPT_ERROR, vhex("client_verify_data"));
    let e = explain_peer_complaint(&vector_secrets(), &c);
    assert!(!e.is_certain(), "{e}");
    assert_eq!(e.top().unwrap().cause, Cause::TranscriptDiffers, "{e}");
    assert_eq!(
        e.finding("pre_master_secret_differs").unwrap().certainty,
        Certainty::RuledOut
    );
}

#[test]
fn our_own_wrong_finished_is_proven_before_blaming_the_server() {
    // verify_data over a transcript without ServerKeyExchange, by OpenSSL.
    let t = client_transcript();
    let without: Vec<&[u8]> = t
        .iter()
        .filter(|(typ, _)| *typ != HandshakeType::SERVER_KEY_EXCHANGE)
        .map(|(_, m)| m.as_slice())
        .collect();
    let wrong = openssl_verify_data(&vhex("master_secret"), "client finished", &without);
    let e = explain_peer_complaint(
        &vector_secrets(),
        &complaint(AlertDescription::DECRYPT_ERROR, wrong),
    );
    assert_eq!(
        certain(&e),
        &Cause::TranscriptMissing {
            index: 3,
            typ: HandshakeType::SERVER_KEY_EXCHANGE
        },
        "{e}"
    );
    // A verify_data nothing explains is still proven wrong.
    let mut junk = vhex("client_verify_data");
    junk[0] ^= 1;
    let e = explain_peer_complaint(
        &vector_secrets(),
        &complaint(AlertDescription::DECRYPT_ERROR, junk),
    );
    assert_eq!(certain(&e), &Cause::WrongVerifyData, "{e}");
    // Our record sealed with seq 1: proven from the server's side.
    let mut c = complaint(AlertDescription::BAD_RECORD_MAC, vhex("client_verify_data"));
    let wire = seal(
        c013(),
        &published_key_block(),
        Direction::ClientToServer,
        1,
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        &vrec(7, "plaintext"),
    );
    c.record_sent = FailedRecord::from_wire(Direction::ClientToServer, 0, &wire);
    let e = explain_peer_complaint(&vector_secrets(), &c);
    assert_eq!(
        certain(&e),
        &Cause::SequenceNumber { expected: 0, used: 1 },
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// A real OpenSSL server
// ---------------------------------------------------------------------------

/// A real handshake; returns the secrets (master secret from OpenSSL's key
/// log) and the server's answer to "ping\n" as a raw record (its seq 1).
fn live_reply(suite: &str) -> (Secrets, Vec<u8>) {
    use std::io::{Read, Write};
    let mut c = ClientConfig::new("localhost");
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c.groups = vec![NamedGroup::X25519];
    c.verification = Verification::Verify(CertVerifier::from_ca_file(&rev_server().ca_pem_path()).unwrap());
    let mut client = Client::new(c);
    let mut sock = std::net::TcpStream::connect(rev_server().addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = vec![];
    let mut buf = vec![0; 65536];
    client.start(&mut out).unwrap();
    while !client.is_established() {
        sock.write_all(&out).unwrap();
        out.clear();
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "server closed during handshake");
        client.receive(&buf[..n], &mut out).unwrap();
    }
    client.send(b"ping\n", &mut out).unwrap();
    sock.write_all(&out).unwrap();
    let mut record = vec![];
    while record.len() < 5 || record.len() < 5 + u16::from_be_bytes([record[3], record[4]]) as usize {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0);
        record.extend_from_slice(&buf[..n]);
    }
    let session = client.session();
    let client_random = session.client_random.unwrap();
    let ms = rev_server()
        .wait_master_secret(&client_random, Duration::from_secs(2))
        .expect("OpenSSL key log line");
    let mut s = Secrets::new(
        session.suite.unwrap(),
        client_random,
        session.server_random.unwrap(),
    );
    s.master_secret = Some(ms.try_into().unwrap());
    s.extended_master_secret = session.extended_master_secret;
    s.encrypt_then_mac = session.encrypt_then_mac;
    (s, record)
}

#[test]
fn real_openssl_records_under_wrong_assumptions() {
    for suite in [
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ] {
        let (secrets, wire) = live_reply(suite);
        let at = |dir, seq| {
            let mut r = FailedRecord::from_wire(dir, seq, &wire).unwrap();
            r.previous_records_ok = 1;
            r
        };
        let e = explain_record(&secrets, &at(Direction::ServerToClient, 1));
        assert_eq!(certain(&e), &Cause::NotReproduced, "{suite}\n{e}");
        // We expected seq 2 (we lost count): the server used 1.
        let e = explain_record(&secrets, &at(Direction::ServerToClient, 2));
        assert_eq!(
            certain(&e),
            &Cause::SequenceNumber { expected: 2, used: 1 },
            "{suite}\n{e}"
        );
        // Checked with the client keys: the record is the server's.
        let e = explain_record(&secrets, &at(Direction::ClientToServer, 1));
        assert_eq!(certain(&e), &Cause::OtherDirectionKeys, "{suite}\n{e}");
        // One bit flipped in the middle.
        let mut flipped = at(Direction::ServerToClient, 1);
        let mid = flipped.payload.len() / 2;
        flipped.payload[mid] ^= 0x10;
        let t = Instant::now();
        let e = explain_record(&secrets, &flipped);
        let one_bit = t.elapsed();
        assert_eq!(
            certain(&e),
            &Cause::CorruptedInTransit {
                bit: Some(BitPosition { byte: mid, bit: 4 })
            },
            "{suite}\n{e}"
        );
        // Two bits: nothing verifies, every hypothesis and the whole bit search run.
        flipped.payload[1] ^= 0x01;
        let t = Instant::now();
        let e = explain_record(&secrets, &flipped);
        let worst = t.elapsed();
        assert!(!e.is_certain(), "{suite}\n{e}");
        assert_eq!(
            e.top().unwrap().cause.id(),
            "corrupted_in_transit",
            "{suite}\n{e}"
        );
        println!(
            "{suite}: {} payload bytes, one-bit case {one_bit:?}, nothing-verifies case {worst:?} ({} recomputations)",
            flipped.payload.len(),
            e.recomputations
        );
    }
}

/// Not an assertion: prints the worst-case time (a record near the largest size
/// the single-bit search accepts, where nothing verifies) for each cipher.
#[test]
fn worst_case_time_report() {
    for id in [0xc013u16, 0xc02f, 0xcca8, 0xc028] {
        let suite = suites::lookup(CipherSuite(id)).unwrap();
        // The largest plaintext whose record the search still accepts.
        let plain = vec![0x61u8; tlslab::explain::flip_search_limit(suite) - 80];
        let mut secrets = Secrets::new(suite, [1; 32], [2; 32]);
        secrets.master_secret = Some([3; 48]);
        secrets.pre_master_secret = Some(vec![4; 32]);
        secrets.session_hash = Some(vec![5; suite.prf.len()]);
        let kb = tlslab::internal::key_block::compute_key_block(
            suite,
            tlslab::wire::ProtocolVersion::TLS12,
            &[3; 48],
            &[1; 32],
            &[2; 32],
            &mut Hooks::none(),
        );
        let mut wire = seal(
            suite,
            &kb,
            Direction::ServerToClient,
            0,
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS12,
            &plain,
        );
        wire[10] ^= 1;
        wire[40] ^= 1;
        let rec = FailedRecord::from_wire(Direction::ServerToClient, 0, &wire).unwrap();
        let t = Instant::now();
        let e = explain_record(&secrets, &rec);
        println!(
            "{}: {} payload bytes, nothing verifies: {:?}, {} recomputations",
            suite.name(),
            rec.payload.len(),
            t.elapsed(),
            e.recomputations
        );
        assert!(!e.is_certain());
    }
}
