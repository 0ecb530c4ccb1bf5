//! The key block and its named split (RFC 5246 §6.3).

use crate::bytes::Bytes;
use crate::crypto::prf::prf;
use crate::crypto::suites::SuiteInfo;
use crate::observer::{Event, Hooks};
pub use crate::types::KeyBlock;
use crate::wire::ProtocolVersion;

/// `key_block = PRF(SecurityParameters.master_secret, "key expansion",
/// SecurityParameters.server_random + SecurityParameters.client_random)`,
/// split in the order of [RFC 5246 §6.3] by the suite's `mac_key_length`,
/// `enc_key_length` and `fixed_iv_length`.
///
/// `version` is the negotiated one: TLS 1.0 and 1.1 expand with P_MD5 XOR
/// P_SHA1, and TLS 1.0 CBC suites also take `client_write_IV` and
/// `server_write_IV` (one cipher block each) from the block, the first IV of
/// each direction's chain ([RFC 2246 §6.3]). TLS 1.1 drops them again: its
/// IVs are explicit ([RFC 4346 §6.3]).
///
/// Emits the [`Event::Prf`] of the expansion (purpose `key_block`), then
/// [`Event::KeyBlock`] with the named parts.
///
/// [RFC 5246 §6.3]: https://www.rfc-editor.org/rfc/rfc5246#section-6.3
/// [RFC 2246 §6.3]: https://www.rfc-editor.org/rfc/rfc2246#section-6.3
/// [RFC 4346 §6.3]: https://www.rfc-editor.org/rfc/rfc4346#section-6.3
// ANCHOR: compute_key_block
#[inline(never)]
pub fn compute_key_block(
    suite: &SuiteInfo,
    version: ProtocolVersion,
    master_secret: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    hooks: &mut Hooks<'_>,
) -> KeyBlock {
    // Note the order: server_random first, unlike the master secret's seed
    // (RFC 5246 §6.3 versus §8.1). Swapping them is a classic bug.
    let mut seed = [0u8; 64];
    seed[..32].copy_from_slice(server_random);
    seed[32..].copy_from_slice(client_random);

    let mac_key_length = suite.mac.len();
    let enc_key_length = suite.enc_key_len();
    let fixed_iv_length = suite.fixed_iv_len_for(version);

    let mut key_block = vec![0u8; suite.key_block_len_for(version)];
    prf(
        suite.prf_for(version),
        master_secret,
        b"key expansion",
        &seed,
        &mut key_block,
        "key_block",
        hooks,
    );

    // `key_block_len_for()` is exactly the sum of the six parts' lengths, so
    // the split cannot run short.
    split_key_block(&key_block, mac_key_length, enc_key_length, fixed_iv_length, hooks)
}

/// Cuts a key block into its six parts, in the order the RFC lists them
/// (the same for SSL 3.0, [RFC 6101 §6.2.2]), and emits [`Event::KeyBlock`]
/// with them. `key_block` is exactly `2 * (mac_key_length + enc_key_length
/// + fixed_iv_length)` bytes long.
///
/// [RFC 6101 §6.2.2]: https://www.rfc-editor.org/rfc/rfc6101#section-6.2.2
pub(crate) fn split_key_block(
    key_block: &[u8],
    mac_key_length: usize,
    enc_key_length: usize,
    fixed_iv_length: usize,
    hooks: &mut Hooks<'_>,
) -> KeyBlock {
    let rest = key_block;
    let (client_write_mac_key, rest) = rest.split_at(mac_key_length);
    let (server_write_mac_key, rest) = rest.split_at(mac_key_length);
    let (client_write_key, rest) = rest.split_at(enc_key_length);
    let (server_write_key, rest) = rest.split_at(enc_key_length);
    let (client_write_iv, rest) = rest.split_at(fixed_iv_length);
    let (server_write_iv, rest) = rest.split_at(fixed_iv_length);
    debug_assert!(rest.is_empty(), "the key block is longer than its six parts");

    let split = KeyBlock {
        client_write_mac_key: Bytes::from_slice(client_write_mac_key),
        server_write_mac_key: Bytes::from_slice(server_write_mac_key),
        client_write_key: Bytes::from_slice(client_write_key),
        server_write_key: Bytes::from_slice(server_write_key),
        client_write_iv: Bytes::from_slice(client_write_iv),
        server_write_iv: Bytes::from_slice(server_write_iv),
    };
    hooks.emit(&Event::KeyBlock(&split));
    split
}
// ANCHOR_END: compute_key_block

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::{lookup, PrfHash};
    use crate::crypto::test_util::{unhex, vector_field, PrfRecorder};
    use crate::wire::CipherSuite;

    /// The key block of The Illustrated TLS 1.2 Connection (suite 0xc013,
    /// `vectors/illustrated-tls12/vector.json`, from https://tls12.xargs.org/).
    /// The walkthrough prints 104 bytes, including two 16-byte "IVs" that a
    /// TLS 1.2 CBC suite never uses; our split stops at 72 bytes, and the 32
    /// bytes after it must be the printed IVs.
    #[test]
    fn illustrated_tls12_key_block() {
        let suite = lookup(CipherSuite(0xc013)).unwrap();
        let master_secret: [u8; 48] = unhex(vector_field("master_secret")).try_into().unwrap();
        let client_random: [u8; 32] = unhex(vector_field("client_random")).try_into().unwrap();
        let server_random: [u8; 32] = unhex(vector_field("server_random")).try_into().unwrap();

        let mut rec = PrfRecorder::default();
        let kb = {
            let mut hooks = Hooks::new(&mut rec);
            compute_key_block(
                suite,
                ProtocolVersion::TLS12,
                &master_secret,
                &client_random,
                &server_random,
                &mut hooks,
            )
        };
        assert_eq!(
            kb.client_write_mac_key.0,
            unhex(vector_field("client_write_mac_key"))
        );
        assert_eq!(
            kb.server_write_mac_key.0,
            unhex(vector_field("server_write_mac_key"))
        );
        assert_eq!(kb.client_write_key.0, unhex(vector_field("client_write_key")));
        assert_eq!(kb.server_write_key.0, unhex(vector_field("server_write_key")));
        assert!(kb.client_write_iv.is_empty() && kb.server_write_iv.is_empty());

        // Events: one Prf (72 bytes, seed = server_random + client_random), then the KeyBlock.
        assert_eq!(rec.names, ["prf", "key_block"]);
        assert_eq!(rec.calls[0].purpose, "key_block");
        assert_eq!(rec.calls[0].output.len(), 72);
        assert_eq!(rec.calls[0].seed, [server_random, client_random].concat());
        assert_eq!(rec.key_blocks, std::slice::from_ref(&kb));

        let mut stream = [0u8; 104];
        let seed = [server_random, client_random].concat();
        prf(
            PrfHash::Sha256,
            &master_secret,
            b"key expansion",
            &seed,
            &mut stream,
            "t",
            &mut Hooks::none(),
        );
        assert_eq!(stream[72..88], unhex(vector_field("client_write_iv"))[..]);
        assert_eq!(stream[88..], unhex(vector_field("server_write_iv"))[..]);
    }

    /// An AEAD suite takes no MAC keys and a 4-byte salt each (RFC 5288 §3);
    /// the expected bytes are the same PRF stream computed by OpenSSL's
    /// TLS1-PRF at test time.
    #[test]
    fn gcm_split_matches_openssl_prf_stream() {
        let suite = lookup(CipherSuite(0xc030)).unwrap(); // AES-256-GCM, SHA-384 PRF
        let master_secret = [7u8; 48];
        let client_random = [1u8; 32];
        let server_random = [2u8; 32];
        let kb = compute_key_block(
            suite,
            ProtocolVersion::TLS12,
            &master_secret,
            &client_random,
            &server_random,
            &mut Hooks::none(),
        );
        let label_and_seed = [&b"key expansion"[..], &server_random, &client_random].concat();
        let stream =
            crate::crypto::test_util::openssl_tls1_prf("SHA384", &master_secret, &label_and_seed, 72);
        assert!(kb.client_write_mac_key.is_empty() && kb.server_write_mac_key.is_empty());
        assert_eq!(kb.client_write_key.0, stream[..32]);
        assert_eq!(kb.server_write_key.0, stream[32..64]);
        assert_eq!(kb.client_write_iv.0, stream[64..68]);
        assert_eq!(kb.server_write_iv.0, stream[68..72]);
    }
}
