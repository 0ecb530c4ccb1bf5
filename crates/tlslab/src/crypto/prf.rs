//! The PRF of TLS 1.2 and of TLS 1.0/1.1, and the secrets derived with it
//! directly: the master secret ([RFC 5246 §8.1]), the extended master secret
//! ([RFC 7627 §4]) and Finished `verify_data` ([RFC 5246 §7.4.9]). The key
//! block lives in [`key_block`](super::key_block).
//!
//! P_hash is written out here over ring's HMAC (RustCrypto's for the MD5 and
//! SHA-1 of TLS 1.0/1.1), rather than taken from a library, so that a
//! debugger stepping through [`prf`] sees every `A(i)` and every HMAC output
//! the RFC names, and so an observer can be shown them.
//!
//! TLS 1.0 and 1.1 share one PRF ([RFC 2246 §5], [RFC 4346 §5]): the secret
//! is cut into two halves, `P_MD5` runs over the first and `P_SHA1` over the
//! second, and the two streams are XORed, so that the PRF stays secure if
//! either hash is broken. The functions below take
//! [`PrfHash::Md5Sha1`] for it; [`SuiteInfo::prf_for`] picks the PRF of a
//! suite under a negotiated version.
//!
//! [`SuiteInfo::prf_for`]: crate::crypto::suites::SuiteInfo::prf_for
//!
//! [RFC 2246 §5]: https://www.rfc-editor.org/rfc/rfc2246#section-5
//! [RFC 4346 §5]: https://www.rfc-editor.org/rfc/rfc4346#section-5
//!
//! [RFC 5246 §5]: https://www.rfc-editor.org/rfc/rfc5246#section-5
//! [RFC 5246 §8.1]: https://www.rfc-editor.org/rfc/rfc5246#section-8.1
//! [RFC 5246 §7.4.9]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.9
//! [RFC 7627 §4]: https://www.rfc-editor.org/rfc/rfc7627#section-4

use ring::hmac;

use crate::crypto::suites::PrfHash;
use crate::observer::{Event, Hooks, PrfCall, PrfHalf};

/// `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`, truncated to
/// `out.len()` bytes ([RFC 5246 §5]):
///
/// ```text
/// P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
///                        HMAC_hash(secret, A(2) + seed) + ...
/// A(0) = seed
/// A(i) = HMAC_hash(secret, A(i-1))
/// ```
///
/// where the RFC's `seed` inside P_hash is `label + seed` here.
///
/// When `hooks.active()`, every `A(i)` and every `HMAC_hash(secret, A(i) +
/// label + seed)` is kept and one [`Event::Prf`] is emitted after the output is
/// complete, tagged with `purpose`. With no observer nothing is allocated: the
/// intermediate values live in ring's fixed-size tags on the stack.
///
/// [RFC 5246 §5]: https://www.rfc-editor.org/rfc/rfc5246#section-5
// ANCHOR: prf
///
/// With [`PrfHash::Md5Sha1`] this is the TLS 1.0/1.1 PRF instead, see
/// [`legacy_prf`].
#[inline(never)]
pub fn prf(
    hash: PrfHash,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
    purpose: &'static str,
    hooks: &mut Hooks<'_>,
) {
    let algorithm = match hash {
        PrfHash::Sha256 => hmac::HMAC_SHA256,
        PrfHash::Sha384 => hmac::HMAC_SHA384,
        PrfHash::Md5Sha1 => return legacy_prf(secret, label, seed, out, purpose, hooks),
    };
    let key = hmac::Key::new(algorithm, secret);
    let collect = hooks.active();
    // Vec::new() does not allocate; these only grow when someone listens.
    let mut a_values: Vec<Vec<u8>> = Vec::new();
    let mut hmac_outputs: Vec<Vec<u8>> = Vec::new();

    // A(1) = HMAC_hash(secret, A(0)), A(0) = label + seed. The label and seed
    // are fed as two updates so that they are never concatenated in memory.
    let mut a_i: hmac::Tag = {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(label);
        ctx.update(seed);
        ctx.sign()
    };

    let mut chunks = out.chunks_mut(hash.len()).peekable();
    while let Some(chunk) = chunks.next() {
        // HMAC_hash(secret, A(i) + label + seed): one block of P_hash output.
        let p_i: hmac::Tag = {
            let mut ctx = hmac::Context::with_key(&key);
            ctx.update(a_i.as_ref());
            ctx.update(label);
            ctx.update(seed);
            ctx.sign()
        };
        // The last block is truncated to what the caller asked for.
        chunk.copy_from_slice(&p_i.as_ref()[..chunk.len()]);
        if collect {
            a_values.push(a_i.as_ref().to_vec());
            hmac_outputs.push(p_i.as_ref().to_vec());
        }
        // A(i+1) = HMAC_hash(secret, A(i)), only if another block is needed.
        if chunks.peek().is_some() {
            a_i = hmac::sign(&key, a_i.as_ref());
        }
    }

    if collect {
        hooks.emit(&Event::Prf(PrfCall {
            purpose,
            hash,
            secret,
            label,
            seed,
            a: &a_values,
            hmac_outputs: &hmac_outputs,
            output: out,
            halves: &[],
        }));
    }
}
// ANCHOR_END: prf

/// The two halves of a TLS 1.0/1.1 PRF secret ([RFC 2246 §5]): `S1` is the
/// first `ceil(len / 2)` bytes, `S2` the last `ceil(len / 2)`. When the
/// length is odd the middle byte is the last of `S1` and the first of `S2`.
///
/// [RFC 2246 §5]: https://www.rfc-editor.org/rfc/rfc2246#section-5
// ANCHOR: split_secret
pub fn split_secret(secret: &[u8]) -> (&[u8], &[u8]) {
    let half = secret.len().div_ceil(2);
    (&secret[..half], &secret[secret.len() - half..])
}
// ANCHOR_END: split_secret

/// The intermediate values of one P_hash, kept only when someone listens.
#[derive(Default)]
struct PHashTrace {
    a: Vec<Vec<u8>>,
    hmac_outputs: Vec<Vec<u8>>,
}

/// `P_hash(secret, label + seed)` over a RustCrypto HMAC (`Hmac<Md5>` or
/// `Hmac<Sha1>`), writing `out.len()` bytes: the same expansion as in
/// [`prf`] (`A(0) = label + seed`, `A(i) = HMAC(secret, A(i-1))`, output
/// blocks `HMAC(secret, A(i) + label + seed)`).
fn p_hash_legacy<M>(
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
    mut trace: Option<&mut PHashTrace>,
) where
    M: ::hmac::Mac + ::hmac::digest::KeyInit + Clone,
{
    // HMAC takes a key of any length (RFC 2104 §2): this cannot fail.
    let key = <M as ::hmac::digest::KeyInit>::new_from_slice(secret).expect("HMAC accepts any key length");

    // A(1) = HMAC_hash(secret, label + seed).
    let mut a_i = {
        let mut mac = key.clone();
        mac.update(label);
        mac.update(seed);
        mac.finalize().into_bytes()
    };
    let block = a_i.len();
    let mut chunks = out.chunks_mut(block).peekable();
    while let Some(chunk) = chunks.next() {
        // HMAC_hash(secret, A(i) + label + seed).
        let p_i = {
            let mut mac = key.clone();
            mac.update(&a_i);
            mac.update(label);
            mac.update(seed);
            mac.finalize().into_bytes()
        };
        chunk.copy_from_slice(&p_i[..chunk.len()]);
        if let Some(t) = trace.as_deref_mut() {
            t.a.push(a_i.to_vec());
            t.hmac_outputs.push(p_i.to_vec());
        }
        // A(i+1) = HMAC_hash(secret, A(i)).
        if chunks.peek().is_some() {
            let mut mac = key.clone();
            mac.update(&a_i);
            a_i = mac.finalize().into_bytes();
        }
    }
}

/// The TLS 1.0/1.1 PRF ([RFC 2246 §5], unchanged in [RFC 4346 §5]):
///
/// ```text
/// L_S = length in bytes of secret;
/// L_S1 = L_S2 = ceil(L_S / 2);
/// PRF(secret, label, seed) = P_MD5(S1, label + seed) XOR
///                            P_SHA-1(S2, label + seed);
/// ```
///
/// MD5 produces 16-byte blocks and SHA-1 20-byte blocks, so the two streams
/// run a different number of iterations for the same output length.
///
/// When `hooks.active()`, one [`Event::Prf`] with `hash` =
/// [`PrfHash::Md5Sha1`] is emitted, carrying both halves in `halves`: S1 and
/// S2, each half's A(i) and HMAC outputs and its output before the XOR.
///
/// [RFC 2246 §5]: https://www.rfc-editor.org/rfc/rfc2246#section-5
/// [RFC 4346 §5]: https://www.rfc-editor.org/rfc/rfc4346#section-5
// ANCHOR: legacy_prf
#[inline(never)]
pub fn legacy_prf(
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
    purpose: &'static str,
    hooks: &mut Hooks<'_>,
) {
    let (s1, s2) = split_secret(secret);
    let collect = hooks.active();
    let (mut md5_trace, mut sha1_trace) = (PHashTrace::default(), PHashTrace::default());

    // P_MD5(S1, label + seed) straight into `out`, P_SHA1(S2, label + seed)
    // beside it, then out = P_MD5 XOR P_SHA1.
    p_hash_legacy::<::hmac::Hmac<md5::Md5>>(s1, label, seed, out, collect.then_some(&mut md5_trace));
    let md5_output = if collect { out.to_vec() } else { Vec::new() };
    let mut sha1_output = vec![0u8; out.len()];
    p_hash_legacy::<::hmac::Hmac<sha1::Sha1>>(
        s2,
        label,
        seed,
        &mut sha1_output,
        collect.then_some(&mut sha1_trace),
    );
    for (o, s) in out.iter_mut().zip(&sha1_output) {
        *o ^= s;
    }

    if collect {
        let halves = [
            PrfHalf {
                hash: "P_MD5",
                secret: s1,
                a: &md5_trace.a,
                hmac_outputs: &md5_trace.hmac_outputs,
                output: &md5_output,
            },
            PrfHalf {
                hash: "P_SHA1",
                secret: s2,
                a: &sha1_trace.a,
                hmac_outputs: &sha1_trace.hmac_outputs,
                output: &sha1_output,
            },
        ];
        hooks.emit(&Event::Prf(PrfCall {
            purpose,
            hash: PrfHash::Md5Sha1,
            secret,
            label,
            seed,
            a: &[],
            hmac_outputs: &[],
            output: out,
            halves: &halves,
        }));
    }
}
// ANCHOR_END: legacy_prf

/// `master_secret = PRF(pre_master_secret, "master secret", ClientHello.random
/// + ServerHello.random)[0..47]` ([RFC 5246 §8.1]).
///
/// Emits the [`Event::Prf`] of the derivation (purpose `master_secret`). The
/// caller emits [`Event::MasterSecret`], since only it knows whether this or
/// the extended master secret is in use.
///
/// [RFC 5246 §8.1]: https://www.rfc-editor.org/rfc/rfc5246#section-8.1
// ANCHOR: compute_master_secret
#[inline(never)]
pub fn compute_master_secret(
    hash: PrfHash,
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    hooks: &mut Hooks<'_>,
) -> [u8; 48] {
    // The seed is ClientHello.random + ServerHello.random: client first here
    // (the key block's seed has them the other way round, RFC 5246 §6.3).
    let mut seed = [0u8; 64];
    seed[..32].copy_from_slice(client_random);
    seed[32..].copy_from_slice(server_random);

    let mut master_secret = [0u8; 48];
    prf(
        hash,
        pre_master_secret,
        b"master secret",
        &seed,
        &mut master_secret,
        "master_secret",
        hooks,
    );
    master_secret
}
// ANCHOR_END: compute_master_secret

/// `master_secret = PRF(pre_master_secret, "extended master secret",
/// session_hash)[0..47]` ([RFC 7627 §4]), where `session_hash` is the hash of
/// the handshake messages up to and including ClientKeyExchange.
///
/// Emits the [`Event::Prf`] of the derivation (purpose `extended_master_secret`).
///
/// [RFC 7627 §4]: https://www.rfc-editor.org/rfc/rfc7627#section-4
// ANCHOR: compute_extended_master_secret
#[inline(never)]
pub fn compute_extended_master_secret(
    hash: PrfHash,
    pre_master_secret: &[u8],
    session_hash: &[u8],
    hooks: &mut Hooks<'_>,
) -> [u8; 48] {
    let mut master_secret = [0u8; 48];
    prf(
        hash,
        pre_master_secret,
        b"extended master secret",
        session_hash,
        &mut master_secret,
        "extended_master_secret",
        hooks,
    );
    master_secret
}
// ANCHOR_END: compute_extended_master_secret

/// `verify_data = PRF(master_secret, finished_label,
/// Hash(handshake_messages))[0..verify_data_length-1]`, with
/// `verify_data_length` = 12 for every TLS 1.2 suite we implement
/// ([RFC 5246 §7.4.9]). For TLS 1.0/1.1 (`hash` = [`PrfHash::Md5Sha1`])
/// `handshake_hash` is `MD5(handshake_messages) + SHA-1(handshake_messages)`,
/// 36 bytes, and the PRF is P_MD5 XOR P_SHA1; the output is 12 bytes as well
/// ([RFC 2246 §7.4.9]).
///
/// [RFC 2246 §7.4.9]: https://www.rfc-editor.org/rfc/rfc2246#section-7.4.9
///
/// `label` is `"client finished"` or `"server finished"`. Emits the
/// [`Event::Prf`] (purpose `verify_data`); the caller emits
/// [`Event::FinishedVerify`], which also needs the received value.
///
/// [RFC 5246 §7.4.9]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.9
// ANCHOR: compute_verify_data
#[inline(never)]
pub fn compute_verify_data(
    hash: PrfHash,
    master_secret: &[u8; 48],
    label: &'static str,
    handshake_hash: &[u8],
    hooks: &mut Hooks<'_>,
) -> [u8; 12] {
    let mut verify_data = [0u8; 12];
    prf(
        hash,
        master_secret,
        label.as_bytes(),
        handshake_hash,
        &mut verify_data,
        "verify_data",
        hooks,
    );
    verify_data
}
// ANCHOR_END: compute_verify_data

/// Keying material for another protocol, from the TLS session ([RFC 5705
/// §4]):
///
/// ```text
/// PRF(master_secret, label, client_random + server_random)[length]
/// PRF(master_secret, label, client_random + server_random
///                           + context_value_length + context_value)[length]
/// ```
///
/// the second when the application gives a context (even an empty one: its
/// two-byte length is then in the seed, so "no context" and "empty context"
/// give different keys). The PRF is the connection's: the suite's hash in
/// TLS 1.2, MD5 ⊕ SHA-1 before. Emits [`Event::Prf`] with purpose
/// `exporter`.
///
/// [RFC 5705 §4]: https://www.rfc-editor.org/rfc/rfc5705#section-4
#[allow(clippy::too_many_arguments)]
pub fn export_keying_material(
    hash: PrfHash,
    master_secret: &[u8; 48],
    label: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    context: Option<&[u8]>,
    out: &mut [u8],
    hooks: &mut Hooks<'_>,
) {
    let mut seed = Vec::with_capacity(64 + context.map_or(0, |c| 2 + c.len()));
    seed.extend_from_slice(client_random);
    seed.extend_from_slice(server_random);
    if let Some(c) = context {
        // The caller checked that the context fits its two-byte length.
        seed.extend_from_slice(&(c.len() as u16).to_be_bytes());
        seed.extend_from_slice(c);
    }
    prf(hash, master_secret, label, &seed, out, "exporter", hooks);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{unhex, vector_field, PrfRecorder};

    /// The TLS 1.2 PRF test vectors posted to the IETF TLS WG list,
    /// <https://www.ietf.org/mail-archive/web/tls/current/msg03416.html>, as
    /// carried by BearSSL (`test/test_crypto.c`, `test_TLS_PRF`) and GnuTLS
    /// (`tests/tls12-prf.c`). Re-checked with OpenSSL 3.0's own implementation:
    /// `openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:9bbe…
    /// -kdfopt hexseed:<hex("test label")>a0ba… TLS1-PRF` (and the SHA384 one).
    #[test]
    fn p_sha256_ietf_mailing_list_vector() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let expected = unhex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
             87347b66",
        );
        let mut out = [0u8; 100];
        prf(
            PrfHash::Sha256,
            &secret,
            b"test label",
            &seed,
            &mut out,
            "test",
            &mut Hooks::none(),
        );
        assert_eq!(out.to_vec(), expected);

        // A shorter request is a prefix of the longer one (P_hash is a stream).
        let mut short = [0u8; 33];
        prf(
            PrfHash::Sha256,
            &secret,
            b"test label",
            &seed,
            &mut short,
            "test",
            &mut Hooks::none(),
        );
        assert_eq!(short[..], expected[..33]);
    }

    /// Same source as above: the P_SHA384 vector of the same post, 148 bytes.
    #[test]
    fn p_sha384_ietf_mailing_list_vector() {
        let secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
        let seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
        let expected = unhex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f",
        );
        let mut out = [0u8; 148];
        prf(
            PrfHash::Sha384,
            &secret,
            b"test label",
            &seed,
            &mut out,
            "test",
            &mut Hooks::none(),
        );
        assert_eq!(out.to_vec(), expected);
    }

    /// Master secret and both verify_data of The Illustrated TLS 1.2
    /// Connection (`vectors/illustrated-tls12/vector.json`, values copied from
    /// https://tls12.xargs.org/ and the syncsynchalt/illustrated-tls12 repo).
    #[test]
    fn illustrated_tls12_master_secret_and_verify_data() {
        let premaster = unhex(vector_field("premaster"));
        let client_random: [u8; 32] = unhex(vector_field("client_random")).try_into().unwrap();
        let server_random: [u8; 32] = unhex(vector_field("server_random")).try_into().unwrap();
        let master_secret = compute_master_secret(
            PrfHash::Sha256,
            &premaster,
            &client_random,
            &server_random,
            &mut Hooks::none(),
        );
        assert_eq!(master_secret.to_vec(), unhex(vector_field("master_secret")));

        for (label, hash_field, vd_field) in [
            (
                "client finished",
                "client_finished_handshake_hash",
                "client_verify_data",
            ),
            (
                "server finished",
                "server_finished_handshake_hash",
                "server_verify_data",
            ),
        ] {
            let handshake_hash = unhex(vector_field(hash_field));
            let verify_data = compute_verify_data(
                PrfHash::Sha256,
                &master_secret,
                label,
                &handshake_hash,
                &mut Hooks::none(),
            );
            assert_eq!(verify_data.to_vec(), unhex(vector_field(vd_field)), "{label}");
        }
    }

    /// The Prf event of the master secret derivation: A(1) is recomputed here
    /// with ring's HMAC directly (not through `prf`), A(2) likewise from A(1),
    /// and the output is the master secret published by the Illustrated TLS
    /// 1.2 Connection.
    #[test]
    fn prf_event_exposes_a_i_and_hmac_outputs() {
        let premaster = unhex(vector_field("premaster"));
        let client_random: [u8; 32] = unhex(vector_field("client_random")).try_into().unwrap();
        let server_random: [u8; 32] = unhex(vector_field("server_random")).try_into().unwrap();
        let mut rec = PrfRecorder::default();
        let master_secret = {
            let mut hooks = Hooks::new(&mut rec);
            compute_master_secret(
                PrfHash::Sha256,
                &premaster,
                &client_random,
                &server_random,
                &mut hooks,
            )
        };
        assert_eq!(rec.calls.len(), 1);
        let call = &rec.calls[0];
        assert_eq!(call.purpose, "master_secret");
        assert_eq!(call.hash, PrfHash::Sha256);
        assert_eq!(call.secret, premaster);
        assert_eq!(call.label, b"master secret");
        assert_eq!(call.seed, [client_random, server_random].concat());
        assert_eq!(call.output, unhex(vector_field("master_secret")));
        assert_eq!(call.output, master_secret);

        // 48 bytes of P_SHA256 take two blocks: A(1), A(2) and two HMAC outputs.
        assert_eq!(call.a.len(), 2);
        assert_eq!(call.hmac_outputs.len(), 2);
        let key = hmac::Key::new(hmac::HMAC_SHA256, &premaster);
        let label_and_seed = [&b"master secret"[..], &client_random, &server_random].concat();
        let a1 = hmac::sign(&key, &label_and_seed);
        assert_eq!(call.a[0], a1.as_ref());
        let a2 = hmac::sign(&key, a1.as_ref());
        assert_eq!(call.a[1], a2.as_ref());
        let p1 = hmac::sign(&key, &[a1.as_ref(), &label_and_seed].concat());
        assert_eq!(call.hmac_outputs[0], p1.as_ref());
        let p2 = hmac::sign(&key, &[a2.as_ref(), &label_and_seed].concat());
        assert_eq!(call.hmac_outputs[1], p2.as_ref());
        assert_eq!([p1.as_ref(), &p2.as_ref()[..16]].concat(), master_secret);
    }

    /// RFC 7627 §4 has no published vector; the expected value is computed at
    /// test time by OpenSSL's own TLS1-PRF (`openssl kdf … TLS1-PRF`) over the
    /// label and session hash, so the composition is checked by another
    /// implementation.
    #[test]
    fn extended_master_secret_uses_its_label_and_session_hash() {
        let pms = [0u8; 48];
        let session_hash = [1u8; 32];
        let ems = compute_extended_master_secret(PrfHash::Sha256, &pms, &session_hash, &mut Hooks::none());
        let label_and_seed = [&b"extended master secret"[..], &session_hash].concat();
        let expected = crate::crypto::test_util::openssl_tls1_prf("SHA256", &pms, &label_and_seed, 48);
        assert_eq!(ems.to_vec(), expected);
    }

    /// Go's `crypto/tls` `testSplitPreMasterSecretTests` (prf_test.go): the
    /// halves of an odd-length secret share the middle byte.
    #[test]
    fn split_secret_go_vectors() {
        for (secret, s1, s2) in [
            ("", "", ""),
            ("00", "00", "00"),
            ("0011", "00", "11"),
            ("001122", "0011", "1122"),
            ("00112233", "0011", "2233"),
        ] {
            let secret = unhex(secret);
            let (a, b) = split_secret(&secret);
            assert_eq!((a.to_vec(), b.to_vec()), (unhex(s1), unhex(s2)));
        }
    }

    /// Go's `crypto/tls` `testKeysFromTests` (prf_test.go), the three
    /// `VersionTLS10` rows, which Go generated from GnuTLS (`gnutls-cli -d 9`):
    /// pre-master secret, randoms, master secret, and the MAC and cipher keys
    /// of a suite with 20-byte MAC keys and 16-byte keys
    /// (TLS_RSA_WITH_AES_128_CBC_SHA here). The third pre-master secret is
    /// 128 bytes, not 48.
    #[test]
    fn tls10_master_secret_and_keys_go_vectors() {
        use crate::crypto::key_block::compute_key_block;
        use crate::crypto::suites::lookup;
        use crate::wire::{CipherSuite, ProtocolVersion};
        let rows = [
            (
                "0302cac83ad4b1db3b9ab49ad05957de2a504a634a386fc600889321e1a971f57479466830ac3e6f468e87f5385fa0c5",
                "4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558",
                "4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db",
                "3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb",
                "805aaa19b3d2c0a0759a4b6c9959890e08480119",
                "2d22f9fe519c075c16448305ceee209fc24ad109",
                "d50b5771244f850cd8117a9ccafe2cf1",
                "e076e33206b30507a85c32855acd0919",
            ),
            (
                "03023f7527316bc12cbcd69e4b9e8275d62c028f27e65c745cfcddc7ce01bd3570a111378b63848127f1c36e5f9e4890",
                "4ae66364b5ea56b20ce4e25555aed2d7e67f42788dd03f3fee4adae0459ab106",
                "4ae66363ab815cbf6a248b87d6b556184e945e9b97fbdf247858b0bdafacfa1c",
                "7d64be7c80c59b740200b4b9c26d0baaa1c5ae56705acbcf2307fe62beb4728c19392c83f20483801cce022c77645460",
                "97742ed60a0554ca13f04f97ee193177b971e3b0",
                "37068751700400e03a8477a5c7eec0813ab9e0dc",
                "207cddbc600d2a200abac6502053ee5c",
                "df3f94f6e1eacc753b815fe16055cd43",
            ),
            (
                "832d515f1d61eebb2be56ba0ef79879efb9b527504abb386fb4310ed5d0e3b1f220d3bb6b455033a2773e6d8bdf951d2\
                 78a187482b400d45deb88a5d5a6bb7d6a7a1decc04eb9ef0642876cd4a82d374d3b6ff35f0351dc5d411104de4313753\
                 55addc39bfb1f6329fb163b0bc298d658338930d07d313cd980a7e3d9196cac1",
                "4ae663b2ee389c0de147c509d8f18f5052afc4aaf9699efe8cb05ece883d3a5e",
                "4ae664d503fd4cff50cfc1fb8fc606580f87b0fcdac9554ba0e01d785bdf278e",
                "1aff2e7a2c4279d0126f57a65a77a8d9d0087cf2733366699bec27eb53d5740705a8574bb1acc2abbe90e44f0dd28d6c",
                "3c7647c93c1379a31a609542aa44e7f117a70085",
                "0d73102994be74a575a3ead8532590ca32a526d4",
                "ac7581b0b6c10d85bbd905ffbf36c65e",
                "ff07edde49682b45466bd2e39464b306",
            ),
        ];
        let suite = lookup(CipherSuite(0x002f)).unwrap();
        for (pms, cr, sr, ms, client_mac, server_mac, client_key, server_key) in rows {
            let pms = unhex(pms);
            let cr: [u8; 32] = unhex(cr).try_into().unwrap();
            let sr: [u8; 32] = unhex(sr).try_into().unwrap();
            let master_secret = compute_master_secret(PrfHash::Md5Sha1, &pms, &cr, &sr, &mut Hooks::none());
            assert_eq!(master_secret.to_vec(), unhex(ms));
            for version in [ProtocolVersion::TLS10, ProtocolVersion::TLS11] {
                let kb = compute_key_block(suite, version, &master_secret, &cr, &sr, &mut Hooks::none());
                assert_eq!(kb.client_write_mac_key.0, unhex(client_mac));
                assert_eq!(kb.server_write_mac_key.0, unhex(server_mac));
                assert_eq!(kb.client_write_key.0, unhex(client_key));
                assert_eq!(kb.server_write_key.0, unhex(server_key));
                // TLS 1.0 takes one AES block of IV per direction from the
                // rest of the same stream (RFC 2246 §6.3); TLS 1.1 none.
                let ivs = if version == ProtocolVersion::TLS10 { 16 } else { 0 };
                assert_eq!((kb.client_write_iv.len(), kb.server_write_iv.len()), (ivs, ivs));
            }
        }
    }

    /// The same PRF computed by OpenSSL 3.0's TLS1-PRF with its `MD5-SHA1`
    /// digest (which runs the RFC 2246 split), at test time, for secrets of
    /// odd and even length (an odd one shares its middle byte between S1 and
    /// S2) and output lengths that end inside an MD5 and a SHA-1 block.
    #[test]
    fn legacy_prf_matches_openssl() {
        for (secret_len, out_len) in [(47usize, 104usize), (48, 12), (5, 37), (1, 20)] {
            let secret: Vec<u8> = (0..secret_len).map(|i| (i * 7 + 3) as u8).collect();
            let seed = [0x5au8; 64];
            let mut out = vec![0u8; out_len];
            prf(
                PrfHash::Md5Sha1,
                &secret,
                b"key expansion",
                &seed,
                &mut out,
                "test",
                &mut Hooks::none(),
            );
            let label_and_seed = [&b"key expansion"[..], &seed].concat();
            let expected =
                crate::crypto::test_util::openssl_tls1_prf("MD5-SHA1", &secret, &label_and_seed, out_len);
            assert_eq!(out, expected, "secret {secret_len} bytes, output {out_len}");
        }
    }

    /// The event of a TLS 1.0/1.1 PRF call shows both halves; each A(i) and
    /// HMAC output is recomputed here with RustCrypto's HMAC directly (not
    /// through `prf`), the halves' secrets are the RFC 2246 §5 split, and the
    /// output is their XOR and Go's published master secret.
    #[test]
    fn legacy_prf_event_exposes_both_halves() {
        use ::hmac::{Hmac, Mac};
        let pms = unhex(
            "0302cac83ad4b1db3b9ab49ad05957de2a504a634a386fc600889321e1a971f57479466830ac3e6f468e87f5385fa0c5",
        );
        let cr: [u8; 32] = unhex("4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558")
            .try_into()
            .unwrap();
        let sr: [u8; 32] = unhex("4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db")
            .try_into()
            .unwrap();
        let mut rec = crate::observer::Recorder::new();
        let ms = compute_master_secret(PrfHash::Md5Sha1, &pms, &cr, &sr, &mut Hooks::new(&mut rec));
        let [crate::observer::OwnedEvent::Prf(call)] = &rec.events[..] else {
            panic!("one prf event expected: {:?}", rec.events);
        };
        assert_eq!(call.hash, PrfHash::Md5Sha1);
        assert!(call.a.is_empty() && call.hmac_outputs.is_empty());
        assert_eq!(call.output.0, ms);
        // Go's prf_test.go, first VersionTLS10 row.
        assert_eq!(
            ms.to_vec(),
            unhex("3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb")
        );
        assert_eq!(call.halves.len(), 2);
        let (md5, sha1) = (&call.halves[0], &call.halves[1]);
        assert_eq!((md5.hash, sha1.hash), ("P_MD5", "P_SHA1"));
        assert_eq!(
            (md5.secret.0.as_slice(), sha1.secret.0.as_slice()),
            (&pms[..24], &pms[24..])
        );
        // 48 bytes: three MD5 blocks (16 bytes), three SHA-1 blocks (20 bytes).
        assert_eq!((md5.a.len(), sha1.a.len()), (3, 3));
        let label_seed = [&b"master secret"[..], &cr, &sr].concat();

        fn hmac_md5(k: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let mut m = Hmac::<md5::Md5>::new_from_slice(k).unwrap();
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        fn hmac_sha1(k: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(k).unwrap();
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        type H = fn(&[u8], &[&[u8]]) -> Vec<u8>;
        for (half, h) in [(md5, hmac_md5 as H), (sha1, hmac_sha1 as H)] {
            let mut a = h(&half.secret, &[&label_seed]);
            let mut stream = vec![];
            for i in 0..half.a.len() {
                assert_eq!(half.a[i].0, a, "{} A({})", half.hash, i + 1);
                let p = h(&half.secret, &[&a, &label_seed]);
                assert_eq!(half.hmac_outputs[i].0, p, "{} HMAC({})", half.hash, i + 1);
                stream.extend_from_slice(&p);
                a = h(&half.secret, &[&a]);
            }
            assert_eq!(half.output.0, stream[..48]);
        }
        let xor: Vec<u8> = md5
            .output
            .iter()
            .zip(sha1.output.iter())
            .map(|(x, y)| x ^ y)
            .collect();
        assert_eq!(xor, ms);
    }

    /// The TLS 1.0/1.1 transcript hash is MD5 ‖ SHA-1: the "abc" test values
    /// of RFC 1321 Appendix A.5 and FIPS 180-2 Appendix A.1.
    #[test]
    fn md5_sha1_transcript_hash() {
        let h = PrfHash::Md5Sha1.hash(b"abc");
        assert_eq!(h.len(), 36);
        assert_eq!(
            h,
            unhex("900150983cd24fb0d6963f7d28e17f72a9993e364706816aba3e25717850c26c9cd0d89d")
        );
    }
}
