//! The dissection of every message against independent oracles.
//!
//! * The Illustrated TLS 1.2 Connection (vectors/illustrated-tls12, see its
//!   README for provenance): the bytes of every record. The expected field
//!   names and byte ranges below are worked out by hand from the structure
//!   definitions (each test names its RFC sections) and the lengths the
//!   walkthrough annotates at https://tls12.xargs.org/ (for example
//!   "00 20 - 0x20 (32) bytes of cipher suite data", "00 58 - the extensions
//!   will take 0x58 (88) bytes of data").
//! * Truncations of every message: a partial tree and a named error, never a
//!   panic.

use tlslab::wire::dissect::{
    dissect_alert, dissect_change_cipher_spec, dissect_handshake, dissect_handshake_message, dissect_record,
    DissectContext, Dissection, Field,
};
use tlslab::wire::{CipherSuite, HandshakeType};

fn vector() -> serde_json::Value {
    serde_json::from_str(include_str!("../vectors/illustrated-tls12/vector.json")).unwrap()
}

fn record(i: usize) -> Vec<u8> {
    hex::decode(vector()["records"][i]["record"].as_str().unwrap()).unwrap()
}

/// The suite and randoms of the walkthrough (vector.json, from its captures).
fn ctx() -> DissectContext {
    DissectContext {
        cipher_suite: Some(CipherSuite(0xc013)),
        client_random: Some(std::array::from_fn(|i| i as u8)),
        server_random: Some(std::array::from_fn(|i| 0x70 + i as u8)),
        ..Default::default()
    }
}

/// The handshake message inside record `i` (after the 5-byte record header).
fn message(i: usize) -> Dissection {
    let d = dissect_handshake_message(&record(i)[5..], &ctx());
    assert_eq!(d.error, None, "{}", d.to_lines(200).join("\n"));
    d
}

/// `(name, start, end)` of a list of fields.
fn shape(fields: &[Field]) -> Vec<(&str, usize, usize)> {
    fields
        .iter()
        .map(|f| (f.name.as_str(), f.range.start, f.range.end))
        .collect()
}

fn children<'a>(d: &'a Dissection, name: &str) -> &'a [Field] {
    &d.find(name).unwrap_or_else(|| panic!("no field {name}")).children
}

/// ClientHello: RFC 5246 §7.4 (msg_type, uint24 length), §7.4.1.2
/// (client_version, random[32], session_id<0..32>, cipher_suites<2..2^16-2>,
/// compression_methods<1..2^8-1>, extensions<0..2^16-1>), §7.4.1.4
/// (extension_type, extension_data<0..2^16-1>); RFC 6066 §3 (ServerNameList),
/// RFC 6066 §8 (status_request), RFC 8422 §5.1.1 (named_group_list),
/// §5.1.2 (ec_point_format_list), RFC 5246 §7.4.1.4.1
/// (supported_signature_algorithms), RFC 5746 §3.2 (renegotiated_connection),
/// RFC 6962 §3.3.1 (signed_certificate_timestamp, empty in a ClientHello).
#[test]
fn illustrated_client_hello_fields_and_ranges() {
    let d = message(0);
    assert_eq!(
        shape(&d.fields),
        [
            ("msg_type", 0, 1),
            ("length", 1, 4),
            ("client_version", 4, 6),
            ("random", 6, 38),
            ("session_id", 38, 39),
            ("cipher_suites", 39, 73),
            ("compression_methods", 73, 75),
            ("extensions", 75, 165),
        ]
    );
    assert_eq!(d.fields[1].value, "161");
    assert_eq!(
        d.fields[3].value,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    );
    let suites = children(&d, "cipher_suites");
    assert_eq!(suites.len(), 1 + 16, "length + 16 suites (0x20 bytes)");
    assert_eq!(
        shape(&suites[..2]),
        [("length", 39, 41), ("cipher_suite", 41, 43)]
    );
    assert_eq!(
        suites[1].value,
        "0xcca8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    );
    assert_eq!(suites[7].value, "0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    assert_eq!(
        shape(children(&d, "extensions")),
        [
            ("length", 75, 77),
            ("server_name", 77, 105),
            ("status_request", 105, 114),
            ("supported_groups", 114, 128),
            ("ec_point_formats", 128, 134),
            ("signature_algorithms", 134, 156),
            ("renegotiation_info", 156, 161),
            ("signed_certificate_timestamp", 161, 165),
        ]
    );
    let sni = d.find("host_name").unwrap();
    assert_eq!(
        (sni.range.clone(), sni.value.as_str()),
        (84..105, "example.ulfheim.net")
    );
    let groups: Vec<_> = d
        .find_all("named_group")
        .iter()
        .map(|f| f.value.clone())
        .collect();
    assert_eq!(
        groups,
        [
            "0x001d x25519",
            "0x0017 secp256r1",
            "0x0018 secp384r1",
            "0x0019 secp521r1"
        ]
    );
    let schemes = d.find_all("signature_scheme");
    assert_eq!(schemes.len(), 8);
    assert_eq!(
        (schemes[0].range.clone(), schemes[0].value.as_str()),
        (140..142, "0x0401 rsa_pkcs1_sha256")
    );
}

/// ServerHello: RFC 5246 §7.4.1.3 (server_version, random, session_id,
/// cipher_suite, compression_method, extensions), RFC 5746 §3.2.
#[test]
fn illustrated_server_hello_fields_and_ranges() {
    let d = message(1);
    assert_eq!(
        shape(&d.fields),
        [
            ("msg_type", 0, 1),
            ("length", 1, 4),
            ("server_version", 4, 6),
            ("random", 6, 38),
            ("session_id", 38, 39),
            ("cipher_suite", 39, 41),
            ("compression_method", 41, 42),
            ("extensions", 42, 49),
        ]
    );
    assert_eq!(d.fields[5].value, "0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    assert_eq!(d.fields[5].raw, [0xc0, 0x13]);
    let reneg = d.find("renegotiation_info").unwrap();
    assert_eq!(reneg.range, 44..49);
    assert_eq!(reneg.raw, [0xff, 0x01, 0x00, 0x01, 0x00]);
}

/// Certificate: RFC 5246 §7.4.2 (certificate_list<0..2^24-1>, ASN.1Cert<1..2^24-1>);
/// the values are those `openssl x509 -text` prints for the walkthrough's
/// server.crt (subject, issuer, validity and key size are also annotated on
/// the walkthrough's page).
#[test]
fn illustrated_certificate_fields() {
    let d = message(2);
    assert_eq!(d.find("certificate_list").unwrap().range, 4..815);
    assert_eq!(d.find("certificate").unwrap().range, 7..815);
    assert_eq!(d.find("subject").unwrap().value, "C=US, CN=example.ulfheim.net");
    assert_eq!(d.find("issuer").unwrap().value, "C=US, O=Example CA");
    assert_eq!(d.find("not_before").unwrap().value, "2018-10-05 01:38:17 UTC");
    assert_eq!(d.find("not_after").unwrap().value, "2019-10-05 01:38:17 UTC");
    assert_eq!(
        d.find("subject_public_key_info").unwrap().value,
        "RSA 2048 bits, e=65537"
    );
    // The certificate's SHA-256 as `openssl x509 -fingerprint -sha256` computes it
    // from vector.json's server_certificate_der: recomputed here from the DER.
    let der = hex::decode(vector()["server_certificate_der"].as_str().unwrap()).unwrap();
    assert_eq!(d.find("certificate_sha256").unwrap().raw, der);
}

/// ServerKeyExchange: RFC 8422 §5.4 (ServerECDHParams: ECParameters
/// curve_params {curve_type, namedcurve}, ECPoint public<1..2^8-1>;
/// Signature signed_params {SignatureAndHashAlgorithm, signature<0..2^16-1>}),
/// RFC 5246 §7.4.3 (what is signed: client_random + server_random + params).
#[test]
fn illustrated_server_key_exchange_fields_and_ranges() {
    let d = message(3);
    assert_eq!(
        shape(&d.fields),
        [
            ("msg_type", 0, 1),
            ("length", 1, 4),
            ("params", 4, 40),
            ("signed_params", 40, 300)
        ]
    );
    assert_eq!(
        shape(children(&d, "params")),
        [("curve_params", 4, 7), ("public", 7, 40)]
    );
    assert_eq!(
        shape(children(&d, "curve_params")),
        [("curve_type", 4, 5), ("named_curve", 5, 7)]
    );
    assert_eq!(d.find("named_curve").unwrap().value, "0x001d x25519");
    let v = vector();
    let server_pub = v["server_x25519_public"].as_str().unwrap();
    assert_eq!(hex::encode(&d.find("public").unwrap().raw[1..]), server_pub);
    assert_eq!(
        shape(children(&d, "signed_params")),
        [("algorithm", 40, 42), ("signature", 42, 300)]
    );
    assert_eq!(d.find("algorithm").unwrap().value, "0x0401 rsa_pkcs1_sha256");
    let signed = &d.derived[0];
    assert_eq!(signed.name, "signed_data");
    let expected = format!(
        "{}{}03001d20{server_pub}",
        v["client_random"].as_str().unwrap(),
        v["server_random"].as_str().unwrap()
    );
    assert_eq!(hex::encode(&signed.bytes), expected);
}

/// The same ServerKeyExchange as TLS 1.0 or 1.1 writes it: RFC 4492 §5.4
/// (with RFC 2246/4346 §7.4.3) signs with no SignatureAndHashAlgorithm in
/// front, `signature<0..2^16-1>` right after the params; RSA signs MD5 +
/// SHA-1. The walkthrough's message with its two algorithm bytes taken out,
/// read after a TLS 1.0 ServerHello, splits there.
#[test]
fn tls10_server_key_exchange_has_no_algorithm_field() {
    let mut raw = record(3)[5..].to_vec();
    raw.drain(40..42);
    let body_len = (raw.len() - 4) as u32;
    raw[1..4].copy_from_slice(&body_len.to_be_bytes()[1..]);
    let c = DissectContext {
        version: Some(tlslab::wire::ProtocolVersion::TLS10),
        ..ctx()
    };
    let d = dissect_handshake_message(&raw, &c);
    assert_eq!(d.error, None, "{}", d.to_lines(200).join("\n"));
    assert_eq!(
        shape(&d.fields),
        [
            ("msg_type", 0, 1),
            ("length", 1, 4),
            ("params", 4, 40),
            ("signed_params", 40, 298)
        ]
    );
    assert_eq!(shape(children(&d, "signed_params")), [("signature", 40, 298)]);
    assert!(d
        .find("signed_params")
        .unwrap()
        .value
        .starts_with("rsa_md5_sha1 over"));
    // Read as TLS 1.2 (no version known), the same bytes do not parse.
    assert!(dissect_handshake_message(&raw, &ctx()).error.is_some());
}

/// ServerHelloDone (RFC 5246 §7.4.5, empty) and ClientKeyExchange (RFC 8422
/// §5.7: ClientECDiffieHellmanPublic, ECPoint ecdh_Yc<1..2^8-1>).
#[test]
fn illustrated_client_key_exchange_fields_and_ranges() {
    assert_eq!(shape(&message(4).fields), [("msg_type", 0, 1), ("length", 1, 4)]);
    let d = message(5);
    assert_eq!(
        shape(&d.fields),
        [("msg_type", 0, 1), ("length", 1, 4), ("ecdh_Yc", 4, 37)]
    );
    let v = vector();
    assert_eq!(
        hex::encode(&d.fields[2].raw[1..]),
        v["client_x25519_public"].as_str().unwrap()
    );
}

/// ChangeCipherSpec (RFC 5246 §7.1) and a protected CBC record (§6.2.3.2:
/// IV[16], then the encrypted content, MAC[20] and padding); the split of the
/// decrypted block is the walkthrough's (vector.json: plaintext, mac,
/// padding_length).
#[test]
fn illustrated_records() {
    let d = dissect_record(&record(6), &ctx());
    assert_eq!(d.error, None);
    assert_eq!(
        shape(&d.fields),
        [
            ("type", 0, 1),
            ("version", 1, 3),
            ("length", 3, 5),
            ("fragment", 5, 6)
        ]
    );
    assert_eq!(d.find("type").unwrap().value, "20 change_cipher_spec");
    let v = vector();
    let r = &v["records"][7];
    let c = DissectContext {
        protected: true,
        decrypted: Some(hex::decode(r["decrypted_cbc"].as_str().unwrap()).unwrap()),
        ..ctx()
    };
    let d = dissect_record(&record(7), &c);
    assert_eq!(d.error, None);
    assert_eq!(
        shape(children(&d, "fragment")),
        [("IV", 5, 21), ("ciphertext", 21, 69)]
    );
    assert_eq!(
        hex::encode(&d.find("IV").unwrap().raw),
        r["explicit_iv"].as_str().unwrap()
    );
    assert_eq!(
        hex::encode(&d.find("content").unwrap().raw),
        r["plaintext"].as_str().unwrap()
    );
    assert_eq!(
        hex::encode(&d.find("mac").unwrap().raw),
        r["mac"].as_str().unwrap()
    );
    assert_eq!(
        d.find("padding_length").unwrap().value,
        r["padding_length"].to_string()
    );
    // Alerts (RFC 5246 §7.2): level, description.
    let a = dissect_alert(&[2, 40]);
    assert_eq!(shape(&a.fields), [("level", 0, 1), ("description", 1, 2)]);
    assert_eq!(a.fields[1].value, "40 handshake_failure");
    assert!(dissect_change_cipher_spec(&[2]).error.is_some());
}

/// Every prefix of every message of the walkthrough: a partial tree whose
/// fields lie inside the input, and a named error; never a panic.
#[test]
fn truncations_give_partial_trees_and_named_errors() {
    for i in 0..6 {
        let raw = record(i)[5..].to_vec();
        for n in 0..raw.len() {
            let d = dissect_handshake_message(&raw[..n], &ctx());
            let e = d
                .error
                .as_ref()
                .unwrap_or_else(|| panic!("record {i} cut at {n}: no error"));
            assert!(!e.what.is_empty());
            check_inside(&d.fields, n);
            // The body alone, too.
            // A hello that ends before its extensions is complete (RFC 5246
            // §7.4.1.2: the extensions block is optional).
            let ends_before_extensions = (i == 0 && n == 75) || (i == 1 && n == 42);
            if n > 4 && !ends_before_extensions {
                let b = dissect_handshake(HandshakeType(raw[0]), &raw[4..n], &ctx());
                assert!(b.error.is_some(), "record {i} body cut at {n}");
                check_inside(&b.fields, n - 4);
            }
        }
    }
    for i in 6..13 {
        let raw = record(i);
        for n in 0..raw.len() {
            let d = dissect_record(
                &raw[..n],
                &DissectContext {
                    protected: i != 6,
                    ..ctx()
                },
            );
            assert!(d.error.is_some(), "record {i} cut at {n}");
            check_inside(&d.fields, n);
        }
    }
}

fn check_inside(fields: &[Field], len: usize) {
    for f in fields {
        assert!(
            f.range.start <= f.range.end && f.range.end <= len,
            "{} {:?} beyond {len}",
            f.name,
            f.range
        );
        check_inside(&f.children, len);
    }
}

proptest::proptest! {
    /// Arbitrary bytes as any handshake type or record: never a panic, and
    /// every range inside the input.
    #[test]
    fn arbitrary_bytes_never_panic(typ in 0u8..30, bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300), suite in proptest::sample::select(vec![0xc013u16, 0xc02f, 0x009e, 0x002f, 0xcca8, 0x1234])) {
        let c = DissectContext { cipher_suite: Some(CipherSuite(suite)), protected: typ % 2 == 0, decrypted: Some(bytes.clone()), ..ctx() };
        check_inside(&dissect_handshake(HandshakeType(typ), &bytes, &c).fields, bytes.len());
        check_inside(&dissect_record(&bytes, &c).fields, bytes.len());
        let mut whole = vec![typ];
        whole.extend_from_slice(&bytes);
        check_inside(&dissect_handshake_message(&whole, &c).fields, whole.len());
    }
}

// ---------------------------------------------------------------------------
// Real handshakes: our dissection against tshark's, field for field.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tlslab::wire::dissect::Dissector;
use tlslab_peers::local_server::{LocalServer, ServerOptions};
use tlslab_peers::{Peer, PeerKind, PeerOptions};

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tlslab-dissect-{}-{name}", std::process::id()))
}

/// Connects with `tlslab connect --pcap --trace json` and returns the
/// dissections of every handshake message (from the trace's raw bytes) and
/// the capture with its key log.
fn connect(
    addr: &str,
    servername: &str,
    ca: &str,
    extra: &[&str],
    tag: &str,
) -> (Vec<(bool, Dissection)>, PathBuf, PathBuf) {
    let (pcap, keylog, trace) = (
        temp_path(&format!("{tag}.pcap")),
        temp_path(&format!("{tag}.keylog")),
        temp_path(&format!("{tag}.jsonl")),
    );
    let _ = std::fs::remove_file(&keylog);
    let mut args = vec![
        "connect",
        addr,
        "--servername",
        servername,
        "--ca",
        ca,
        "--keylog",
        keylog.to_str().unwrap(),
        "--pcap",
        pcap.to_str().unwrap(),
        "--trace",
        "json",
        "--trace-file",
        trace.to_str().unwrap(),
        "--send",
        "GET / HTTP/1.0\\r\\n\\r\\n",
    ];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut dissector = Dissector::new();
    let mut msgs = vec![];
    for line in std::fs::read_to_string(&trace).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let from_server = match v["event"].as_str() {
            Some("handshake_in") => true,
            Some("handshake_out") => false,
            _ => continue,
        };
        let raw = hex::decode(v["raw"].as_str().unwrap()).unwrap();
        let d = dissector.handshake(from_server, &raw);
        assert_eq!(d.error, None, "{}", d.to_lines(200).join("\n"));
        msgs.push((from_server, d));
    }
    let _ = std::fs::remove_file(&trace);
    (msgs, pcap, keylog)
}

/// `tshark -T fields` with every occurrence of each field, in capture order.
fn tshark(pcap: &Path, keylog: &Path, field: &str) -> Vec<String> {
    let out = Command::new("tshark")
        .args(["-r", pcap.to_str().unwrap(), "-o"])
        .arg(format!("tls.keylog_file:{}", keylog.display()))
        .args([
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-e",
            field,
        ])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The code of a `0xNNNN name` value, as a number.
fn code(f: &Field) -> u64 {
    let v = f.value.split(' ').next().unwrap();
    u64::from_str_radix(
        v.trim_start_matches("0x"),
        if v.starts_with("0x") { 16 } else { 10 },
    )
    .unwrap()
}

fn tshark_numbers(pcap: &Path, keylog: &Path, field: &str) -> Vec<u64> {
    tshark(pcap, keylog, field)
        .iter()
        .map(|s| {
            if let Some(h) = s.strip_prefix("0x") {
                u64::from_str_radix(h, 16).unwrap()
            } else {
                s.parse().unwrap()
            }
        })
        .collect()
}

fn all<'a>(msgs: &'a [(bool, Dissection)], name: &str) -> Vec<&'a Field> {
    msgs.iter().flat_map(|(_, d)| d.find_all(name)).collect()
}

/// Compares cipher suites, extensions, groups, signature algorithms, the
/// key exchange parameters and the certificates with tshark's decoding of
/// the same connection.
fn compare_with_tshark(msgs: &[(bool, Dissection)], pcap: &Path, keylog: &Path) {
    let ours = |name: &str| {
        let v = all(msgs, name).iter().map(|f| code(f)).collect::<Vec<_>>();
        assert!(!v.is_empty() || name == "algorithm", "no {name} to compare");
        v
    };
    assert_eq!(
        ours("cipher_suite"),
        tshark_numbers(pcap, keylog, "tls.handshake.ciphersuite"),
        "cipher suites"
    );
    assert_eq!(
        ours("extension_type"),
        tshark_numbers(pcap, keylog, "tls.handshake.extension.type"),
        "extension types"
    );
    assert_eq!(
        ours("named_group"),
        tshark_numbers(pcap, keylog, "tls.handshake.extensions_supported_group"),
        "groups"
    );
    let mut sig = ours("signature_scheme");
    sig.extend(ours("algorithm"));
    assert_eq!(
        sig,
        tshark_numbers(pcap, keylog, "tls.handshake.sig_hash_alg"),
        "signature algorithms"
    );
    let curve = all(msgs, "named_curve");
    if !curve.is_empty() {
        assert_eq!(
            vec![code(curve[0])],
            tshark_numbers(pcap, keylog, "tls.handshake.server_named_curve")
        );
        let point = all(msgs, "public")[0];
        assert_eq!(
            vec![hex::encode(&point.raw[1..])],
            tshark(pcap, keylog, "tls.handshake.server_point")
        );
        let yc = all(msgs, "ecdh_Yc")[0];
        assert_eq!(
            vec![hex::encode(&yc.raw[1..])],
            tshark(pcap, keylog, "tls.handshake.client_point")
        );
    }
    for name in ["dh_p", "dh_g", "dh_Ys"] {
        if let Some(f) = all(msgs, name).first() {
            let field = format!(
                "tls.handshake.{}",
                match name {
                    "dh_p" => "p",
                    "dh_g" => "g",
                    _ => "ys",
                }
            );
            assert_eq!(
                vec![hex::encode(&f.raw[2..])],
                tshark(pcap, keylog, &field),
                "{name}"
            );
        }
    }
    // Certificates: every subject and issuer string tshark decodes is in our
    // subject or issuer text, and the RSA modulus size matches.
    let mut strings = tshark(pcap, keylog, "x509sat.printableString");
    strings.extend(tshark(pcap, keylog, "x509sat.uTF8String"));
    assert!(!strings.is_empty());
    let names: String = all(msgs, "subject")
        .iter()
        .chain(all(msgs, "issuer").iter())
        .map(|f| f.value.clone() + "; ")
        .collect();
    for s in &strings {
        assert!(
            names.contains(s.as_str()),
            "tshark's {s:?} not in our names {names}"
        );
    }
    let moduli = tshark(pcap, keylog, "pkcs1.modulus");
    let keys = all(msgs, "subject_public_key_info");
    for (m, k) in moduli.iter().zip(&keys) {
        let bytes = hex::decode(m.replace(':', "")).unwrap();
        let bits = bytes.iter().skip_while(|&&b| b == 0).count() * 8
            - bytes.iter().find(|&&b| b != 0).unwrap().leading_zeros() as usize;
        assert!(
            k.value.starts_with(&format!("RSA {bits} bits")),
            "{} vs {bits}",
            k.value
        );
    }
    let sans = tshark(pcap, keylog, "x509ce.dNSName");
    let our_sans: String = all(msgs, "subject_alt_name")
        .iter()
        .map(|f| f.value.clone())
        .collect();
    for s in &sans {
        assert!(our_sans.contains(&format!("DNS:{s}")), "{s} not in {our_sans}");
    }
}

#[test]
fn openssl_s_server_handshakes_dissect_as_tshark_decodes_them() {
    let server = LocalServer::start(&ServerOptions::default()).expect("start openssl s_server");
    let addr = server.addr().to_string();
    let ca = server.ca_pem_path();
    for (tag, extra) in [
        ("ossl-ecdhe-gcm", vec!["--cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
        ("ossl-dhe", vec!["--cipher", "DHE-RSA-AES128-GCM-SHA256"]),
        (
            "ossl-cbc-p256",
            vec!["--cipher", "ECDHE-RSA-AES128-SHA", "--groups", "P-256"],
        ),
    ] {
        let (msgs, pcap, keylog) = connect(&addr, "localhost", ca.to_str().unwrap(), &extra, tag);
        assert!(
            msgs.iter().any(|(_, d)| d.message == "server_key_exchange"),
            "{tag}"
        );
        compare_with_tshark(&msgs, &pcap, &keylog);
        let _ = std::fs::remove_file(&pcap);
        let _ = std::fs::remove_file(&keylog);
    }
}

#[test]
fn gnutls_serv_handshakes_dissect_as_tshark_decodes_them() {
    let peer = Peer::start(PeerKind::GnuTls, &PeerOptions::default()).expect("start gnutls-serv");
    let (msgs, pcap, keylog) = connect(
        &peer.addr().to_string(),
        peer.server_name(),
        peer.ca_pem_path().to_str().unwrap(),
        &["--cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
        "gnutls",
    );
    compare_with_tshark(&msgs, &pcap, &keylog);
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(&keylog);
}

/// The default output of `demo` and `connect` against a real `openssl
/// s_server`, and `--trace summary`: a ladder, and no line longer than 120
/// characters.
#[test]
fn default_output_is_a_ladder_of_short_lines() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tlslab"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for l in text.lines() {
            assert!(l.chars().count() <= 120, "{} characters: {l}", l.chars().count());
        }
        text
    };
    let demo = run(&["demo", "--server", "openssl"]);
    assert!(demo.contains("→ ClientHello  TLSv1.2"), "{demo}");
    assert!(demo.contains("← ServerKeyExchange  ECDHE x25519"), "{demo}");
    assert!(demo.contains("master_secret"), "{demo}");
    let server = LocalServer::start(&ServerOptions::default()).expect("start openssl s_server");
    let addr = server.addr().to_string();
    let ca = server.ca_pem_path();
    let base = [
        "connect",
        &addr,
        "--servername",
        "localhost",
        "--ca",
        ca.to_str().unwrap(),
        "--send",
        "GET / HTTP/1.0\\r\\n\\r\\n",
    ];
    run(&base);
    let mut args = base.to_vec();
    args.extend(["--trace", "summary"]);
    let summary = run(&args);
    assert!(
        summary.contains("← Certificate  1 cert  CN=localhost"),
        "{summary}"
    );
    args.pop();
    args.push("bytes");
    let bytes = run(&args);
    assert!(
        bytes.contains("cipher_suite  0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{bytes}"
    );
}
