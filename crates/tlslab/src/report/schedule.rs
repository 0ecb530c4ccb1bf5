//! The key schedule as a chain: pre-master secret → master secret (PRF label
//! and seed) → key block in its six parts → for each protected record the
//! MAC input or the nonce and additional data → MAC or tag → verdict.
//!
//! Before TLS 1.2 the same chain with each version's own steps: TLS 1.0 and
//! 1.1 draw the PRF as its two halves, P_MD5 and P_SHA1, and their XOR
//! (RFC 2246 §5); TLS 1.0 and SSL 3.0 draw the IV each record was encrypted
//! under (the previous record's last ciphertext block, RFC 2246 §6.2.3.2);
//! SSL 3.0 draws its own keyed-hash rounds for the master secret, the key
//! block and the 36-byte Finished (RFC 6101 §6.1, §6.2.2, §5.6.9).

use std::fmt::Write as _;

use super::html::{self, esc, Field, Redactor};
use super::ladder::{shown, Records};
use super::{HtmlOptions, Section};
use crate::crypto::suites::SuiteInfo;
use crate::observer::{OwnedEvent, OwnedPrfCall};
use crate::wire::{Direction, HandshakeType, ProtocolVersion};

fn step(out: &mut String, bad: bool, label: &str, rfc: &str, body: &str) {
    let _ = write!(
        out,
        "<div class=\"step{}\"><span class=\"lbl\">{}</span> <small>{}</small><div>{}</div></div>",
        if bad { " bad" } else { "" },
        esc(label),
        esc(rfc),
        body
    );
}

/// A two-column table of named values: each label (plain text, escaped
/// here) beside its value (HTML the caller has already escaped).
fn kv(rows: &[(&str, String)]) -> String {
    let mut s = String::from("<table class=\"kv\">");
    for (label, value) in rows {
        let _ = write!(s, "<tr><th>{}</th><td>{value}</td></tr>", esc(label));
    }
    s.push_str("</table>");
    s
}

fn down(out: &mut String, text: &str) {
    let _ = write!(out, "<div class=\"down\">↓ {}</div>", esc(text));
}

/// The negotiated version: from the capture's analysis, else the
/// ServerHello this trace recorded; TLS 1.2 when neither says.
fn version_of(s: &Section<'_>) -> ProtocolVersion {
    if let Some(v) = s.connection.and_then(|c| c.version) {
        return v;
    }
    s.events
        .iter()
        .find_map(|e| match e {
            OwnedEvent::VersionNegotiated { server_version, .. } => Some(*server_version),
            OwnedEvent::HandshakeIn { typ, raw } if *typ == HandshakeType::SERVER_HELLO => {
                // msg_type(1) length(3) server_version(2)
                raw.get(4..6)
                    .map(|v| ProtocolVersion(u16::from_be_bytes([v[0], v[1]])))
            }
            _ => None,
        })
        .unwrap_or(ProtocolVersion::TLS12)
}

/// The section of the RFC that defines `what` in `version`: SSL 3.0 (RFC
/// 6101), TLS 1.0 (RFC 2246), TLS 1.1 (RFC 4346), TLS 1.2 (RFC 5246).
fn rfc(version: ProtocolVersion, what: &str) -> String {
    let (ssl3, tls10, tls11, tls12) = match what {
        "master_secret" => ("RFC 6101 §6.1", "RFC 2246 §8.1", "RFC 4346 §8.1", "RFC 5246 §8.1"),
        "key_block" => (
            "RFC 6101 §6.2.2",
            "RFC 2246 §6.3",
            "RFC 4346 §6.3",
            "RFC 5246 §6.3",
        ),
        "record" => (
            "RFC 6101 §5.2.3",
            "RFC 2246 §6.2.3",
            "RFC 4346 §6.2.3",
            "RFC 5246 §6.2.3",
        ),
        "finished" => (
            "RFC 6101 §5.6.9",
            "RFC 2246 §7.4.9",
            "RFC 4346 §7.4.9",
            "RFC 5246 §7.4.9",
        ),
        _ => ("RFC 6101", "RFC 2246", "RFC 4346", "RFC 5246"),
    };
    match version {
        ProtocolVersion::SSL3 => ssl3,
        ProtocolVersion::TLS10 => tls10,
        ProtocolVersion::TLS11 => tls11,
        _ => tls12,
    }
    .to_string()
}

/// The key block split into its six parts, from the `key_block` event.
fn key_block_parts(ev: &[OwnedEvent], red: &Redactor, version: ProtocolVersion) -> String {
    let mut body = String::new();
    if let Some(OwnedEvent::KeyBlock(kb)) = ev.iter().find(|e| matches!(e, OwnedEvent::KeyBlock(_))) {
        let parts = [
            ("client_write_MAC_key", &kb.client_write_mac_key),
            ("server_write_MAC_key", &kb.server_write_mac_key),
            ("client_write_key", &kb.client_write_key),
            ("server_write_key", &kb.server_write_key),
            ("client_write_IV", &kb.client_write_iv),
            ("server_write_IV", &kb.server_write_iv),
        ];
        let _ = write!(
            body,
            "<p>The key block, split into its six parts ({}):</p><table class=\"kv\">",
            esc(&rfc(version, "key_block"))
        );
        let mut pos = 0;
        for (name, v) in parts {
            let _ = write!(
                body,
                "<tr><th>{name} <small>[{pos}..{}]</small></th><td>{}</td></tr>",
                pos + v.len(),
                if v.is_empty() {
                    "<span class=\"more\">(empty for this suite)</span>".to_owned()
                } else {
                    html::value(v, red, true)
                }
            );
            pos += v.len();
        }
        body.push_str("</table>");
    }
    body
}

/// One SSL 3.0 expansion (RFC 6101 §6.1, §6.2.2): round i is
/// `MD5(secret + SHA(letters(i) + secret + randoms))`, letters 'A', 'BB',
/// 'CCC'…; the rounds' MD5 outputs, concatenated, are the result.
fn ssl3_rounds_body(
    inner: &[crate::bytes::Bytes],
    outer: &[crate::bytes::Bytes],
    output: &[u8],
    secret: &str,
    randoms: &str,
    red: &Redactor,
) -> String {
    let mut s = String::from("<table class=\"kv\">");
    for (i, (sha, md5)) in inner.iter().zip(outer).enumerate() {
        let letters: String = std::iter::repeat_n(char::from(b'A' + i as u8), i + 1).collect();
        let _ = write!(
            s,
            "<tr><th>round {n}</th><td><div>SHA('{letters}' + {secret} + {randoms}) = {}</div><div>MD5({secret} + SHA(…)) = {}</div></td></tr>",
            html::value(sha, red, true),
            html::value(md5, red, true),
            n = i + 1
        );
    }
    let _ = write!(
        s,
        "<tr><th>output = round 1 ‖ round 2 ‖ … ({} bytes)</th><td>{}</td></tr></table>",
        output.len(),
        html::value(output, red, true)
    );
    s
}

fn prf_body(p: &OwnedPrfCall, red: &Redactor, seed_parts: &[(&str, usize)]) -> String {
    let mut s = String::from("<table class=\"kv\">");
    let _ = write!(
        s,
        "<tr><th>PRF</th><td>{}</td></tr><tr><th>label</th><td><code>\"{}\"</code></td></tr><tr><th>secret</th><td>{}</td></tr>",
        esc(p.hash.prf_name()),
        esc(&String::from_utf8_lossy(&p.label)),
        html::value(&p.secret, red, true)
    );
    let mut fields = vec![];
    let mut pos = 0;
    for (name, n) in seed_parts {
        fields.push(Field::new(*name, pos, pos + n));
        pos += n;
    }
    let _ = write!(
        s,
        "<tr><th>seed</th><td>{}</td></tr>",
        html::annotated(&p.seed, &fields, red)
    );
    if p.halves.is_empty() {
        let _ = write!(
            s,
            "<tr><th>A(i), HMAC outputs</th><td>{} iterations</td></tr>",
            p.a.len()
        );
    }
    // TLS 1.0/1.1 (RFC 2246 §5): S1 and S2, each half's stream, then the XOR.
    for (half, name) in p.halves.iter().zip(["S1", "S2"]) {
        let steps: String = half
            .a
            .iter()
            .zip(&half.hmac_outputs)
            .enumerate()
            .map(|(i, (a, h))| {
                format!(
                    "<div>A({n}) = {}<br>HMAC(A({n}) + label + seed) = {}</div>",
                    html::value(a, red, true),
                    html::value(h, red, true),
                    n = i + 1
                )
            })
            .collect();
        let _ = write!(
            s,
            "<tr><th>{name}</th><td>{}</td></tr><tr><th>{}({name}, label + seed)</th><td>{steps}{}</td></tr>",
            html::value(&half.secret, red, true),
            esc(half.hash),
            html::value(&half.output, red, true)
        );
    }
    let _ = write!(
        s,
        "<tr><th>{}</th><td>{}</td></tr></table>",
        if p.halves.is_empty() {
            "output"
        } else {
            "output = P_MD5 XOR P_SHA1"
        },
        html::value(&p.output, red, true)
    );
    s
}

/// Draws the chain.
pub(super) fn draw(
    out: &mut String,
    s: &Section<'_>,
    records: &Records<'_>,
    failing: Option<usize>,
    suite: Option<&SuiteInfo>,
    options: &HtmlOptions,
    red: &Redactor,
) {
    out.push_str("<h3>The key schedule</h3><div class=\"chain\">");
    let ev = s.events;
    let version = version_of(s);
    let mut any = false;
    // Key exchange.
    for e in ev {
        match e {
            OwnedEvent::KeyShare {
                group,
                client_public,
                server_public,
            } => {
                any = true;
                step(
                    out,
                    false,
                    &format!("ECDHE key shares ({group})"),
                    "RFC 8422 §5.4, §5.7",
                    &kv(&[
                        ("client public", html::value(client_public, red, false)),
                        ("server public", html::value(server_public, red, false)),
                    ]),
                );
            }
            OwnedEvent::DhKeyShare {
                p_bits,
                client_public,
                server_public,
                ..
            } => {
                any = true;
                step(
                    out,
                    false,
                    &format!("DHE key shares ({p_bits}-bit p)"),
                    "RFC 5246 §7.4.3",
                    &kv(&[
                        ("dh_Yc", html::value(client_public, red, false)),
                        ("dh_Ys", html::value(server_public, red, false)),
                    ]),
                );
            }
            OwnedEvent::RsaEncrypted {
                modulus_bits,
                ciphertext,
            } => {
                any = true;
                step(
                    out,
                    false,
                    &format!("RSA key transport ({modulus_bits}-bit modulus)"),
                    "RFC 5246 §7.4.7.1",
                    &format!(
                        "EncryptedPreMasterSecret: {}",
                        html::value(ciphertext, red, false)
                    ),
                );
            }
            OwnedEvent::CertificateChecked {
                server_name,
                chain_len,
                verified,
                detail,
            } => step(
                out,
                false,
                "server certificate",
                "RFC 5246 §7.4.2",
                &kv(&[
                    ("server name", esc(server_name)),
                    ("chain", format!("{chain_len} certificates")),
                    ("verified", if *verified { "yes" } else { "no" }.to_string()),
                    ("detail", esc(&red.text(detail))),
                ]),
            ),
            OwnedEvent::SignatureChecked { scheme, valid, .. } => step(
                out,
                !valid,
                &format!("ServerKeyExchange signature ({scheme})"),
                "RFC 5246 §7.4.3",
                if *valid { "verified" } else { "does not verify" },
            ),
            OwnedEvent::ServerKeyChecked { matches, detail } => step(
                out,
                !matches,
                "the operator's server key against the certificate",
                "",
                &esc(&red.text(detail)),
            ),
            OwnedEvent::FaultApplied {
                fault,
                what,
                before,
                after,
            } => {
                step(
                    out,
                    true,
                    &format!("fault applied: {fault}"),
                    what,
                    &html::side_by_side("before / after", before, after, red),
                );
            }
            _ => {}
        }
    }
    if let Some(OwnedEvent::PreMasterSecret(pms)) =
        ev.iter().find(|e| matches!(e, OwnedEvent::PreMasterSecret(_)))
    {
        any = true;
        down(out, "key exchange");
        step(
            out,
            false,
            &format!("pre_master_secret ({} bytes)", pms.len()),
            "RFC 5246 §8.1.2",
            &html::value(pms, red, true),
        );
    }
    let ems = ev.iter().find_map(|e| match e {
        OwnedEvent::SessionHash { session_hash } => Some(session_hash),
        _ => None,
    });
    for e in ev {
        let OwnedEvent::Prf(p) = e else { continue };
        match p.purpose {
            "master_secret" | "extended_master_secret" => {
                let extended = p.label.as_slice() == b"extended master secret";
                down(
                    out,
                    if extended {
                        "PRF(pre_master_secret, \"extended master secret\", session_hash)[0..47]"
                    } else {
                        "PRF(pre_master_secret, \"master secret\", ClientHello.random + ServerHello.random)[0..47]"
                    },
                );
                let parts: Vec<(&str, usize)> = if extended {
                    vec![(
                        "session_hash = Hash(handshake_messages up to ClientKeyExchange)",
                        p.seed.len(),
                    )]
                } else {
                    vec![("ClientHello.random", 32), ("ServerHello.random", 32)]
                };
                let mut body = prf_body(p, red, &parts);
                if extended {
                    body.push_str("<p class=\"note\">Extended master secret (RFC 7627): the seed is the session hash, which binds the master secret to this handshake.</p>");
                } else if ems.is_none() {
                    body.push_str("<p class=\"note\">Without the extended master secret extension: the seed is the two randoms only (RFC 5246 §8.1).</p>");
                }
                if !p.halves.is_empty() {
                    body.push_str("<p class=\"note\">TLS 1.0 and 1.1 (RFC 2246 §5): the secret is split into halves S1 and S2; P_MD5 runs on S1, P_SHA1 on S2, and their outputs are XORed.</p>");
                }
                step(
                    out,
                    false,
                    "master_secret",
                    &if extended {
                        "RFC 7627 §4".to_string()
                    } else {
                        rfc(version, "master_secret")
                    },
                    &body,
                );
            }
            "key_block" => {
                down(
                    out,
                    "PRF(master_secret, \"key expansion\", ServerHello.random + ClientHello.random)",
                );
                let mut body = prf_body(p, red, &[("ServerHello.random", 32), ("ClientHello.random", 32)]);
                body.push_str(&key_block_parts(ev, red, version));
                step(out, false, "key_block", &rfc(version, "key_block"), &body);
            }
            _ => {}
        }
    }
    // SSL 3.0: its own expansion of MD5 over SHA-1 rounds stands for the PRF.
    for e in ev {
        let OwnedEvent::Ssl3Hash {
            purpose,
            inner,
            outer,
            output,
        } = e
        else {
            continue;
        };
        match *purpose {
            "master_secret" => {
                any = true;
                down(
                    out,
                    "MD5(pre_master_secret + SHA('A' + pre_master_secret + ClientHello.random + ServerHello.random)) ‖ … 'BB' … 'CCC'",
                );
                let mut body = ssl3_rounds_body(
                    inner,
                    outer,
                    output,
                    "pre_master_secret",
                    "ClientHello.random + ServerHello.random",
                    red,
                );
                body.push_str("<p class=\"note\">SSL 3.0 has no PRF: three rounds of MD5 over SHA-1, each salted with one more letter, make the 48 bytes.</p>");
                step(
                    out,
                    false,
                    "master_secret (SSL 3.0)",
                    &rfc(version, "master_secret"),
                    &body,
                );
            }
            "key_block" => {
                any = true;
                down(
                    out,
                    "MD5(master_secret + SHA('A' + master_secret + ServerHello.random + ClientHello.random)) ‖ …",
                );
                let mut body = ssl3_rounds_body(
                    inner,
                    outer,
                    output,
                    "master_secret",
                    "ServerHello.random + ClientHello.random",
                    red,
                );
                body.push_str(&key_block_parts(ev, red, version));
                step(
                    out,
                    false,
                    "key_block (SSL 3.0)",
                    &rfc(version, "key_block"),
                    &body,
                );
            }
            _ => {}
        }
    }
    // A master secret from a key log (a capture): no PRF call derives it here.
    let derived = ev.iter().any(|e| {
        matches!(e, OwnedEvent::Prf(p) if p.purpose.ends_with("master_secret"))
            || matches!(e, OwnedEvent::Ssl3Hash { purpose, .. } if *purpose == "master_secret")
    });
    if !derived {
        if let Some(OwnedEvent::MasterSecret {
            client_random,
            master_secret,
            ..
        }) = ev.iter().find(|e| matches!(e, OwnedEvent::MasterSecret { .. }))
        {
            any = true;
            let source = s
                .connection
                .and_then(|c| c.master_secret_source.clone())
                .unwrap_or_else(|| "not derived in this trace".into());
            step(
                out,
                false,
                "master_secret",
                &rfc(version, "master_secret"),
                &kv(&[
                    ("source", esc(&red.text(&source))),
                    ("ClientHello.random", html::value(client_random, red, false)),
                    ("master_secret", html::value(master_secret, red, true)),
                ]),
            );
        }
    }
    // A resumed session reuses a master secret: no PRF call derives it here.
    for e in ev {
        if let OwnedEvent::SessionResumed {
            session_id,
            master_secret,
        } = e
        {
            any = true;
            step(
                out,
                false,
                "master_secret (resumed session)",
                "RFC 5246 §7.3",
                &format!(
                    "session_id {} · master_secret {}",
                    html::value(session_id, red, false),
                    html::value(master_secret, red, true)
                ),
            );
        }
    }
    if !any && !ev.iter().any(|e| matches!(e, OwnedEvent::Prf(_))) {
        out.push_str("<p class=\"note\">No key schedule in this trace (no key exchange was recorded, or the keys were not available).</p>");
    }
    records_chain(out, s, records, failing, suite, options, red, version);
    finished(out, s, red, version);
    out.push_str("</div>");
}

/// For each protected record: MAC input or nonce and AAD, the MAC or tag, the verdict.
/// SSL 3.0 and TLS 1.0: the IV the record was encrypted under and the one it
/// hands to the next record.
#[allow(clippy::too_many_arguments)]
fn records_chain(
    out: &mut String,
    s: &Section<'_>,
    records: &Records<'_>,
    failing: Option<usize>,
    suite: Option<&SuiteInfo>,
    options: &HtmlOptions,
    red: &Redactor,
    version: ProtocolVersion,
) {
    let protected: Vec<usize> = (0..records.list.len())
        .filter(|&i| records.list[i].view.protected)
        .collect();
    if protected.is_empty() {
        return;
    }
    down(out, "each protected record");
    let mut hidden = 0u64;
    for i in protected {
        let r = &records.list[i];
        if !shown(i, r, failing, options.record_limit) {
            hidden += 1;
            continue;
        }
        if hidden > 0 {
            let _ = write!(
                out,
                "<div class=\"summary-row\">… {hidden} more protected records summarised</div>"
            );
            hidden = 0;
        }
        let bad = failing == Some(i);
        let (d, seq) = (r.dir, r.view.seq);
        let mut body = String::from("<table class=\"kv\">");
        let mut verdict: Option<(bool, String)> = None;
        for e in s.events {
            match e {
                OwnedEvent::MacInput(m) if m.direction == d && m.seq == seq => {
                    let f = [
                        Field::new("seq_num", 0, 8),
                        Field::new("type", 8, 9),
                        Field::new("version", 9, 11),
                        Field::new("length", 11, 13),
                    ];
                    let _ = write!(
                        body,
                        "<tr><th>MAC input</th><td>{}<br>fragment ({} bytes): <code class=\"hex\">{}</code></td></tr><tr><th>MAC = HMAC(MAC_write_key, …)</th><td>{}</td></tr>",
                        html::annotated(&m.pseudo_header, &f, red),
                        m.fragment.len(),
                        html::hex_span(&m.fragment, red, None, 64),
                        html::value(&m.mac, red, false)
                    );
                    if d == Direction::ClientToServer && verdict.is_none() {
                        verdict = Some((
                            !bad,
                            if bad {
                                "the server rejected this record".into()
                            } else {
                                "sent".into()
                            },
                        ));
                    }
                }
                OwnedEvent::CbcIvChain {
                    direction,
                    seq: q,
                    iv,
                    next_iv,
                } if *direction == d && *q == seq => {
                    let key_block_iv = match d {
                        Direction::ClientToServer => "client_write_IV",
                        Direction::ServerToClient => "server_write_IV",
                    };
                    let _ = write!(
                        body,
                        "<tr><th>IV (implicit, not on the wire)</th><td>{} <small>{}</small></td></tr><tr><th>next IV = this record's last ciphertext block</th><td>{} <small>seen by anyone on the path before the next record is written (BEAST)</small></td></tr>",
                        html::value(iv, red, seq == 0),
                        if seq == 0 {
                            format!("the key block's {key_block_iv}: the first record after ChangeCipherSpec")
                        } else {
                            format!("the last ciphertext block of this direction's record seq_num {}", seq - 1)
                        },
                        html::value(next_iv, red, false)
                    );
                }
                OwnedEvent::CbcPadding(p) if p.direction == d && p.seq == seq => {
                    let _ = write!(
                        body,
                        "<tr><th>padding</th><td>padding_length {} · {}</td></tr>",
                        p.padding_length,
                        if p.well_formed {
                            "well formed".to_owned()
                        } else {
                            format!("malformed (first bad byte {:?})", p.first_bad)
                        }
                    );
                }
                OwnedEvent::MacCompared {
                    direction,
                    seq: q,
                    computed,
                    received,
                    equal,
                } if *direction == d && *q == seq => {
                    body.push_str("<tr><th>MAC check</th><td>");
                    body.push_str(&html::side_by_side("record MAC", computed, received, red));
                    body.push_str("</td></tr>");
                    verdict = Some((
                        *equal,
                        if *equal {
                            "MAC verified".into()
                        } else {
                            "bad_record_mac: the MAC differs".into()
                        },
                    ));
                }
                OwnedEvent::AeadNonce(n) if n.direction == d && n.seq == seq => {
                    let _ = write!(
                        body,
                        "<tr><th>nonce = fixed IV ‖ explicit</th><td>{} ‖ {} = {}</td></tr>",
                        html::value(&n.fixed_iv, red, true),
                        html::value(&n.explicit, red, false),
                        html::value(&n.nonce, red, true)
                    );
                }
                OwnedEvent::AeadAad {
                    direction,
                    seq: q,
                    aad,
                } if *direction == d && *q == seq => {
                    let f = [
                        Field::new("seq_num", 0, 8),
                        Field::new("type", 8, 9),
                        Field::new("version", 9, 11),
                        Field::new("length", 11, 13),
                    ];
                    let _ = write!(
                        body,
                        "<tr><th>additional data</th><td>{}</td></tr>",
                        html::annotated(aad, &f, red)
                    );
                    if verdict.is_none() {
                        verdict = Some(if d == Direction::ServerToClient {
                            (true, "tag verified".into())
                        } else if bad {
                            (false, "the server rejected this record".into())
                        } else {
                            (true, "sent".into())
                        });
                    }
                }
                OwnedEvent::AeadOpenFailed {
                    direction,
                    seq: q,
                    tag,
                } if *direction == d && *q == seq => {
                    let _ = write!(
                        body,
                        "<tr><th>tag received</th><td>{}</td></tr>",
                        html::value(tag, red, false)
                    );
                    verdict = Some((false, "bad_record_mac: the tag does not verify".into()));
                }
                _ => {}
            }
        }
        if d == Direction::ClientToServer {
            if let Some((computed, carried)) = super::sent_mac(s, seq, &r.view.payload) {
                body.push_str("<tr><th>MAC in the record</th><td>");
                body.push_str(&html::side_by_side(
                    "MAC computed (MAC input) against the MAC the record carried (encrypt_then_mac)",
                    &computed,
                    &carried,
                    red,
                ));
                body.push_str("</td></tr>");
            }
        }
        if suite.is_some_and(|s| s.is_aead()) && r.view.payload.len() >= 16 {
            let tag = &r.view.payload[r.view.payload.len() - 16..];
            let _ = write!(
                body,
                "<tr><th>tag (16 bytes)</th><td>{}</td></tr>",
                html::value(tag, red, false)
            );
        }
        let (ok, text) = verdict.unwrap_or((
            !bad,
            if bad {
                "failed".into()
            } else {
                "not checked here".into()
            },
        ));
        let ok = ok && !bad;
        let _ = write!(
            body,
            "<tr><th>verdict</th><td class=\"recverdict {}\">{}</td></tr></table>",
            if ok { "ok" } else { "bad" },
            esc(&text)
        );
        step(
            out,
            bad,
            &format!(
                "record #{} · {} · seq_num {seq} · {}",
                i + 1,
                super::lane(d),
                r.view.content_type
            ),
            &rfc(version, "record"),
            &body,
        );
    }
    if hidden > 0 {
        let _ = write!(
            out,
            "<div class=\"summary-row\">… {hidden} more protected records summarised</div>"
        );
    }
}

/// The Finished messages: PRF(master_secret, label, Hash(handshake_messages));
/// before TLS 1.2 the hash is MD5 ‖ SHA-1 (36 bytes); SSL 3.0's Finished is
/// its own pair of keyed hashes (RFC 6101 §5.6.9).
fn finished(out: &mut String, s: &Section<'_>, red: &Redactor, version: ProtocolVersion) {
    let mut ssl3_hashes: Option<(&[crate::bytes::Bytes], &[crate::bytes::Bytes])> = None;
    for e in s.events {
        match e {
            OwnedEvent::Ssl3Hash {
                purpose,
                inner,
                outer,
                ..
            } if purpose.ends_with("_finished") => ssl3_hashes = Some((inner, outer)),
            OwnedEvent::FinishedVerify {
                label,
                handshake_hash,
                computed,
                received,
            } => {
                let bad = computed != received;
                if version == ProtocolVersion::SSL3 {
                    let sender = if label.starts_with("client") {
                        "CLNT"
                    } else {
                        "SRVR"
                    };
                    let mut body = String::from("<table class=\"kv\">");
                    if let Some((inner, outer)) = ssl3_hashes.take() {
                        for ((hash, i), o) in ["MD5", "SHA"].iter().zip(inner).zip(outer) {
                            let _ = write!(
                                body,
                                "<tr><th>{hash}(handshake_messages + \"{sender}\" + master_secret + pad1)</th><td>{}</td></tr><tr><th>{hash}(master_secret + pad2 + inner {hash})</th><td>{}</td></tr>",
                                html::value(i, red, true),
                                html::value(o, red, false)
                            );
                        }
                    }
                    body.push_str("</table>");
                    body.push_str(&html::side_by_side(
                        "Finished = md5_hash ‖ sha_hash (36 bytes)",
                        computed,
                        received,
                        red,
                    ));
                    step(
                        out,
                        bad,
                        &format!("Finished ({label}, SSL 3.0): md5_hash ‖ sha_hash, Sender \"{sender}\""),
                        &rfc(version, "finished"),
                        &body,
                    );
                    continue;
                }
                let hash_name = if version.0 < ProtocolVersion::TLS12.0 {
                    "MD5(handshake_messages) ‖ SHA-1(handshake_messages)"
                } else {
                    "Hash(handshake_messages)"
                };
                let body = format!(
                    "<table class=\"kv\"><tr><th>{hash_name}</th><td>{}</td></tr></table>{}",
                    html::value(handshake_hash, red, false),
                    html::side_by_side("verify_data", computed, received, red)
                );
                step(
                    out,
                    bad,
                    &format!("Finished: verify_data = PRF(master_secret, \"{label}\", {hash_name})[0..11]"),
                    &rfc(version, "finished"),
                    &body,
                );
            }
            _ => {}
        }
    }
}
