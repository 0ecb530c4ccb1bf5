//! Ephemeral elliptic-curve Diffie-Hellman for ECDHE suites ([RFC 8422]),
//! through `ring::agreement` (x25519, P-256, P-384) and RustCrypto's `p521`
//! (P-521, which ring lacks).
//!
//! The private scalar comes from *our* [`Rng`], not ring's: a seeded run
//! reproduces the same key, and a published handshake (such as The
//! Illustrated TLS 1.2 Connection) can be replayed with its published private
//! key. We hand the drawn bytes to ring through its fixed-bytes test RNG, so
//! ring still does the range checks, the clamping and the point arithmetic.
//!
//! [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422

use std::fmt;

use ring::agreement;

use crate::error::{Error, HandshakeFailure, IllegalParameter};
use crate::rng::Rng;
use crate::wire::NamedGroup;

/// How many scalars to draw before giving up. For P-256 and P-384 a random
/// candidate is out of range with probability below 2^-32, so a second draw
/// is already rare; more than a few means the generator is broken (or a
/// script feeds a bad scalar on purpose).
const MAX_DRAWS: usize = 8;

/// The ring algorithm and scalar length for a group we implement.
fn algorithm(group: NamedGroup) -> Option<(&'static agreement::Algorithm, usize)> {
    match group {
        // RFC 7748 §5: the private key is 32 random bytes, clamped by X25519.
        NamedGroup::X25519 => Some((&agreement::X25519, 32)),
        // ring draws a candidate of the field size and rejects it unless it
        // is in [1, n) (NIST SP 800-56A "testing candidates").
        NamedGroup::SECP256R1 => Some((&agreement::ECDH_P256, 32)),
        NamedGroup::SECP384R1 => Some((&agreement::ECDH_P384, 48)),
        _ => None,
    }
}

/// The groups [`EcdheKeyPair::generate`] accepts, in our preference order
/// (for the `supported_groups` extension, [RFC 8422 §5.1.1]). secp521r1 is
/// implemented but not in `ClientConfig`'s default offer (as in BoringSSL's
/// and browsers' defaults: slower, and no server needs it).
///
/// [RFC 8422 §5.1.1]: https://www.rfc-editor.org/rfc/rfc8422#section-5.1.1
pub fn supported_groups() -> &'static [NamedGroup] {
    &[
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
        NamedGroup::SECP521R1,
    ]
}

/// secp521r1 scalars and field elements are 66 bytes (521 bits, SEC 1 §2.3.7).
const P521_LEN: usize = 66;

/// The private half of an ephemeral key.
enum PrivateKey {
    /// x25519, P-256, P-384.
    Ring(agreement::EphemeralPrivateKey),
    /// P-521.
    P521(p521::SecretKey),
}

/// Our ephemeral ECDHE key pair: the private scalar (kept by ring, plus a copy
/// of the bytes we drew, for the glass box) and the public value we send in
/// ClientKeyExchange ([RFC 8422 §5.7]).
///
/// [RFC 8422 §5.7]: https://www.rfc-editor.org/rfc/rfc8422#section-5.7
pub struct EcdheKeyPair {
    group: NamedGroup,
    private_key: PrivateKey,
    /// The scalar bytes as drawn from our Rng (for x25519, before clamping).
    private_bytes: Vec<u8>,
    /// x25519: the 32-byte u-coordinate; NIST curves: 0x04 ‖ X ‖ Y.
    public_key: Vec<u8>,
}

impl fmt::Debug for EcdheKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets are the product of this crate, so the private bytes print too.
        f.debug_struct("EcdheKeyPair")
            .field("group", &self.group)
            .field("private_key", &hex::encode(&self.private_bytes))
            .field("public_key", &hex::encode(&self.public_key))
            .finish()
    }
}

impl EcdheKeyPair {
    /// Draws a private key for `group` from `rng` and computes its public key.
    ///
    /// Implemented groups: x25519, secp256r1, secp384r1, secp521r1. Any other group is
    /// [`HandshakeFailure::GroupNotImplemented`] (the handshake code should already have
    /// refused a group we did not offer with `illegal_parameter`).
    ///
    /// For P-256/P-384 a candidate outside `[1, n)` is rejected by ring and a
    /// new one is drawn from `rng`, at most a few times.
    #[inline(never)]
    pub fn generate(group: NamedGroup, rng: &mut dyn Rng) -> Result<EcdheKeyPair, Error> {
        if group == NamedGroup::SECP521R1 {
            return EcdheKeyPair::generate_p521(rng);
        }
        let (alg, scalar_len) =
            algorithm(group).ok_or_else(|| Error::from(HandshakeFailure::GroupNotImplemented(group)))?;
        for _ in 0..MAX_DRAWS {
            let mut private_bytes = vec![0u8; scalar_len];
            rng.fill(&mut private_bytes);
            // ring's own generator reads exactly `scalar_len` bytes once per
            // attempt; this RNG answers every read with our bytes. (It would
            // panic on a read of another length; `algorithm` pins the lengths
            // ring 0.17 uses, and the tests exercise each group.)
            #[allow(deprecated)]
            let fixed = ring::test::rand::FixedSliceRandom {
                bytes: &private_bytes,
            };
            let Ok(private_key) = agreement::EphemeralPrivateKey::generate(alg, &fixed) else {
                // Out of range for the curve order: draw again.
                continue;
            };
            let public_key = private_key
                .compute_public_key()
                .map_err(|_| Error::Internal(format!("ring could not compute the {group} public key")))?
                .as_ref()
                .to_vec();
            return Ok(EcdheKeyPair {
                group,
                private_key: PrivateKey::Ring(private_key),
                private_bytes,
                public_key,
            });
        }
        Err(Error::Internal(format!(
            "no valid {group} private key in {MAX_DRAWS} draws from the random number generator"
        )))
    }

    /// P-521: a candidate of n's bit length (the top 7 of 528 drawn bits
    /// cleared), kept if it is in `[1, n)` (FIPS 186-4 B.4.2, "testing
    /// candidates"; n is so close to 2^521 that a redraw is rare).
    fn generate_p521(rng: &mut dyn Rng) -> Result<EcdheKeyPair, Error> {
        for _ in 0..MAX_DRAWS {
            let mut private_bytes = vec![0u8; P521_LEN];
            rng.fill(&mut private_bytes);
            private_bytes[0] &= 0x01;
            let Ok(secret) = p521::SecretKey::from_slice(&private_bytes) else {
                continue;
            };
            use p521::elliptic_curve::sec1::ToEncodedPoint;
            let public_key = secret.public_key().to_encoded_point(false).as_bytes().to_vec();
            return Ok(EcdheKeyPair {
                group: NamedGroup::SECP521R1,
                private_key: PrivateKey::P521(secret),
                private_bytes,
                public_key,
            });
        }
        Err(Error::Internal(format!(
            "no valid secp521r1 private key in {MAX_DRAWS} draws from the random number generator"
        )))
    }

    /// The group of this key.
    pub fn group(&self) -> NamedGroup {
        self.group
    }

    /// Our public value: x25519, 32 bytes; secp256r1/secp384r1, the
    /// uncompressed point `0x04 ‖ X ‖ Y` ([RFC 8422 §5.4.1]).
    ///
    /// [RFC 8422 §5.4.1]: https://www.rfc-editor.org/rfc/rfc8422#section-5.4.1
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The private scalar bytes as drawn from the Rng (for x25519, before the
    /// clamping of RFC 7748 §5). Secret: shown because this is a glass box.
    pub fn private_key(&self) -> &[u8] {
        &self.private_bytes
    }

    /// Computes the ECDH shared secret with the server's public value and
    /// returns it as the `pre_master_secret` ([RFC 8422 §5.10]): the
    /// x-coordinate of the shared point for NIST curves, the X25519 output for
    /// x25519. Consumes the key: an ephemeral key is used once.
    ///
    /// The peer value is validated (length and encoding here, point validity
    /// in ring, which also rejects an all-zero X25519 result from a
    /// small-order point); any failure is an [`IllegalParameter`] naming the
    /// group.
    ///
    /// [RFC 8422 §5.10]: https://www.rfc-editor.org/rfc/rfc8422#section-5.10
    #[inline(never)]
    pub fn agree(self, peer_public: &[u8]) -> Result<Vec<u8>, Error> {
        let group = self.group;
        // Name the shape problem before the curve code gives its one
        // undifferentiated error.
        let expected_len = match group {
            NamedGroup::X25519 => 32,
            NamedGroup::SECP256R1 => 65,
            NamedGroup::SECP384R1 => 97,
            _ => 1 + 2 * P521_LEN,
        };
        if peer_public.len() != expected_len {
            return Err(IllegalParameter::EcPublicKeyLength {
                group,
                len: peer_public.len(),
                expected: expected_len,
            }
            .into());
        }
        if group != NamedGroup::X25519 && peer_public[0] != 0x04 {
            // RFC 8422 §5.1.2: only the uncompressed point format is allowed.
            return Err(IllegalParameter::EcPointNotUncompressed {
                group,
                first_byte: peer_public[0],
            }
            .into());
        }
        let invalid = || {
            Error::from(IllegalParameter::EcPointInvalid {
                group,
                public: peer_public.to_vec(),
            })
        };
        match self.private_key {
            PrivateKey::Ring(private_key) => {
                let (alg, _) = algorithm(group)
                    .ok_or_else(|| Error::Internal(format!("key pair for unimplemented group {group}")))?;
                let peer = agreement::UnparsedPublicKey::new(alg, peer_public);
                agreement::agree_ephemeral(private_key, &peer, |shared| shared.to_vec())
                    .map_err(|_| invalid())
            }
            // SEC 1 §2.3.4 decoding checks that the point is on the curve
            // (invalid-curve attacks); the premaster is the shared point's
            // x-coordinate, all 66 bytes (RFC 8422 §5.10).
            PrivateKey::P521(secret) => {
                let peer = p521::PublicKey::from_sec1_bytes(peer_public).map_err(|_| invalid())?;
                let shared = p521::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
                Ok(shared.raw_secret_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{unhex, vector_field};
    use crate::error::HandshakeError;
    use crate::rng::{OsRng, ScriptedRng, SeededRng};

    /// The client's x25519 key of The Illustrated TLS 1.2 Connection
    /// (`vectors/illustrated-tls12/vector.json`, from https://tls12.xargs.org/
    /// and `site/files/client-ephemeral-*.key` of syncsynchalt/illustrated-tls12):
    /// private → public as published, and the shared secret with the server's
    /// published public key is the published premaster.
    #[test]
    fn illustrated_tls12_x25519() {
        let client_private = unhex(vector_field("client_x25519_private"));
        let mut rng = ScriptedRng::new(vec![client_private.clone()], OsRng::new());
        let kp = EcdheKeyPair::generate(NamedGroup::X25519, &mut rng).unwrap();
        assert_eq!(kp.group(), NamedGroup::X25519);
        assert_eq!(kp.private_key(), client_private);
        assert_eq!(kp.public_key(), unhex(vector_field("client_x25519_public")));
        let pms = kp.agree(&unhex(vector_field("server_x25519_public"))).unwrap();
        assert_eq!(pms, unhex(vector_field("premaster")));
    }

    /// Both sides of P-256 and P-384 agree, the public values have the RFC 8422
    /// shape, and a seeded rng reproduces the key.
    #[test]
    fn nist_groups_agree_and_are_reproducible() {
        for (group, pub_len, pms_len) in [
            (NamedGroup::SECP256R1, 65, 32),
            (NamedGroup::SECP384R1, 97, 48),
            (NamedGroup::SECP521R1, 133, 66),
        ] {
            let a = EcdheKeyPair::generate(group, &mut SeededRng::new(1, 0)).unwrap();
            let a_again = EcdheKeyPair::generate(group, &mut SeededRng::new(1, 0)).unwrap();
            let b = EcdheKeyPair::generate(group, &mut SeededRng::new(2, 0)).unwrap();
            assert_eq!(a.public_key(), a_again.public_key());
            assert_eq!(a.public_key().len(), pub_len);
            assert_eq!(a.public_key()[0], 0x04);
            let a_pub = a.public_key().to_vec();
            let b_pub = b.public_key().to_vec();
            let s1 = a.agree(&b_pub).unwrap();
            let s2 = b.agree(&a_pub).unwrap();
            assert_eq!(s1, s2);
            assert_eq!(s1.len(), pms_len);
        }
    }

    /// P-521 against OpenSSL: with the private scalar of a key `openssl
    /// genpkey` made, our public value is the one OpenSSL derived, and our
    /// shared secret with a second OpenSSL key is what `openssl pkeyutl
    /// -derive` computes (66 bytes, RFC 8422 §5.10).
    #[test]
    fn p521_agrees_with_openssl() {
        use crate::crypto::test_util::{openssl, openssl_ec_key};
        let dir = std::env::temp_dir().join(format!("tlslab-kx-p521-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["ours", "peer"] {
            openssl_ec_key(&dir, "P-521", &format!("{name}.pem"));
            openssl(
                &dir,
                &[
                    "pkey",
                    "-in",
                    &format!("{name}.pem"),
                    "-pubout",
                    "-out",
                    &format!("{name}.pub"),
                ],
            );
        }
        // SEC 1 ECPrivateKey { version 1, privateKey OCTET STRING (66), ... }:
        // 30 81 xx | 02 01 01 | 04 42 <66 bytes>.
        let der = openssl(&dir, &["ec", "-in", "ours.pem", "-outform", "DER"]);
        let start = der
            .windows(5)
            .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x42])
            .unwrap()
            + 5;
        let scalar = der[start..start + 66].to_vec();
        // SubjectPublicKeyInfo: the point is the last 133 bytes.
        let spki = |name: &str| {
            let d = openssl(
                &dir,
                &["pkey", "-pubin", "-in", &format!("{name}.pub"), "-outform", "DER"],
            );
            d[d.len() - 133..].to_vec()
        };
        let (our_public, peer_public) = (spki("ours"), spki("peer"));
        let expected = openssl(
            &dir,
            &["pkeyutl", "-derive", "-inkey", "ours.pem", "-peerkey", "peer.pub"],
        );
        std::fs::remove_dir_all(&dir).unwrap();

        let mut rng = ScriptedRng::new(vec![scalar], OsRng::new());
        let kp = EcdheKeyPair::generate(NamedGroup::SECP521R1, &mut rng).unwrap();
        assert_eq!(kp.public_key(), our_public);
        let pms = kp.agree(&peer_public).unwrap();
        assert_eq!(pms.len(), 66);
        assert_eq!(pms, expected);

        // The peer checks of the other curves hold on P-521 too.
        let kp = EcdheKeyPair::generate(NamedGroup::SECP521R1, &mut SeededRng::new(5, 0)).unwrap();
        let mut compressed = peer_public.clone();
        compressed[0] = 0x02;
        assert!(matches!(
            kp.agree(&compressed).unwrap_err(),
            Error::Handshake(HandshakeError::IllegalParameter(
                IllegalParameter::EcPointNotUncompressed { .. }
            ))
        ));
        let kp = EcdheKeyPair::generate(NamedGroup::SECP521R1, &mut SeededRng::new(6, 0)).unwrap();
        let mut off_curve = peer_public.clone();
        off_curve[132] ^= 1;
        assert!(matches!(
            kp.agree(&off_curve).unwrap_err(),
            Error::Handshake(HandshakeError::IllegalParameter(
                IllegalParameter::EcPointInvalid { .. }
            ))
        ));
        let kp = EcdheKeyPair::generate(NamedGroup::SECP521R1, &mut SeededRng::new(7, 0)).unwrap();
        assert!(matches!(
            kp.agree(&peer_public[..132]).unwrap_err(),
            Error::Handshake(HandshakeError::IllegalParameter(
                IllegalParameter::EcPublicKeyLength { expected: 133, .. }
            ))
        ));
    }

    /// An out-of-range P-256 scalar (all 0xff > n) is rejected by ring and a
    /// fresh one is drawn; all-zero scalars forever end in a named error.
    #[test]
    fn out_of_range_scalars_are_redrawn() {
        let mut rng = ScriptedRng::new(vec![vec![0xff; 32]], SeededRng::new(3, 0));
        let kp = EcdheKeyPair::generate(NamedGroup::SECP256R1, &mut rng).unwrap();
        assert_ne!(kp.private_key(), [0xff; 32]);

        struct Zeros;
        impl Rng for Zeros {
            fn fill(&mut self, dest: &mut [u8]) {
                dest.fill(0);
            }
        }
        let err = EcdheKeyPair::generate(NamedGroup::SECP384R1, &mut Zeros).unwrap_err();
        assert!(
            matches!(err, Error::Internal(ref m) if m.contains("secp384r1")),
            "{err}"
        );
    }

    #[test]
    fn bad_peer_keys_are_illegal_parameter() {
        let mut rng = SeededRng::new(4, 0);
        let kp = EcdheKeyPair::generate(NamedGroup::SECP256R1, &mut rng).unwrap();
        let err = kp.agree(&[0x04; 10]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Handshake(HandshakeError::IllegalParameter(
                    IllegalParameter::EcPublicKeyLength {
                        group: NamedGroup::SECP256R1,
                        len: 10,
                        expected: 65
                    }
                ))
            ),
            "{err}"
        );

        // A compressed-looking point of the right length.
        let kp = EcdheKeyPair::generate(NamedGroup::SECP256R1, &mut rng).unwrap();
        let err = kp.agree(&[0x02; 65]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Handshake(HandshakeError::IllegalParameter(
                    IllegalParameter::EcPointNotUncompressed { first_byte: 0x02, .. }
                ))
            ),
            "{err}"
        );

        // Right shape, not on the curve.
        let kp = EcdheKeyPair::generate(NamedGroup::SECP256R1, &mut rng).unwrap();
        let mut not_on_curve = [1u8; 65];
        not_on_curve[0] = 0x04;
        let err = kp.agree(&not_on_curve).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Handshake(HandshakeError::IllegalParameter(
                    IllegalParameter::EcPointInvalid { .. }
                ))
            ),
            "{err}"
        );

        // x25519 small-order point (u = 0) gives an all-zero secret, which ring refuses.
        let kp = EcdheKeyPair::generate(NamedGroup::X25519, &mut rng).unwrap();
        let err = kp.agree(&[0u8; 32]).unwrap_err();
        assert_eq!(
            err.alert(),
            Some(crate::wire::AlertDescription::ILLEGAL_PARAMETER),
            "{err}"
        );

        let err = EcdheKeyPair::generate(NamedGroup::X448, &mut rng).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Handshake(HandshakeError::HandshakeFailure(
                    HandshakeFailure::GroupNotImplemented(NamedGroup::X448)
                ))
            ),
            "{err}"
        );
    }
}
