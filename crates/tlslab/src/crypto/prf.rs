//! The TLS 1.2 PRF and the secrets derived with it directly: the master
//! secret ([RFC 5246 §8.1]), the extended master secret ([RFC 7627 §4]) and
//! Finished `verify_data` ([RFC 5246 §7.4.9]). The key block lives in
//! [`key_block`](super::key_block).
//!
//! P_hash is written out here over ring's HMAC, rather than taken from a
//! library, so that a debugger stepping through [`prf`] sees every `A(i)` and
//! every HMAC output the RFC names, and so an observer can be shown them.
//!
//! [RFC 5246 §5]: https://www.rfc-editor.org/rfc/rfc5246#section-5
//! [RFC 5246 §8.1]: https://www.rfc-editor.org/rfc/rfc5246#section-8.1
//! [RFC 5246 §7.4.9]: https://www.rfc-editor.org/rfc/rfc5246#section-7.4.9
//! [RFC 7627 §4]: https://www.rfc-editor.org/rfc/rfc7627#section-4

use ring::hmac;

use crate::crypto::suites::PrfHash;
use crate::observer::{Event, Hooks, PrfCall};

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
    let key = hmac::Key::new(hash.hmac(), secret);
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
        }));
    }
}
// ANCHOR_END: prf

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
/// ([RFC 5246 §7.4.9]).
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
}
