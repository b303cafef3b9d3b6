//! The `core.subtle*` ops behind `crypto.subtle`'s keyed algorithms (`js/subtle.js`), on
//! ring: AES-GCM, ECDSA (P-256, P-384), Ed25519, RSASSA-PKCS1-v1_5 and RSA-PSS,
//! PBKDF2 and HKDF; AES-CBC, AES-CTR and AES-KW on RustCrypto's AES; ECDH (P-256, P-384)
//! on RustCrypto's curves and X25519 on dalek's (ring agrees only ephemeral keys); and
//! the key formats (SPKI, PKCS#8, raw, JWK's parts), read and written with RustCrypto's
//! DER crates.
//!
//! A key crosses to JS as bytes in one normal form: a private key as PKCS#8 DER (what ring
//! loads), a public key as the bytes ring verifies with (an EC key's uncompressed point,
//! Ed25519's 32 bytes, RSA's PKCS#1 `RSAPublicKey` DER). Errors carry WebCrypto's names
//! (`DataError`, `OperationError`, `NotSupportedError`), which the JS turns into
//! `DOMException`s.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use crate::runtime::ops::uint8_array;
use crate::runtime::v8_util::{OpError, bytes_arg, guarded, v8_str};

type R = std::result::Result<(), OpError>;

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// PBKDF2's most iterations, as Cloudflare Workers allow: the derivation runs in one Rust
/// call, which a time limit cannot interrupt, so its length is bounded here.
const PBKDF2_MAX_ITERATIONS: u32 = 100_000;

fn data_error(message: impl Into<String>) -> OpError {
    OpError::named("DataError", message)
}

fn operation_error(message: impl Into<String>) -> OpError {
    OpError::named("OperationError", message)
}

fn not_supported(message: impl Into<String>) -> OpError {
    OpError::named("NotSupportedError", message)
}

/// The kinds of asymmetric key: a named curve for ECDSA or ECDH, Ed25519, X25519, or RSA
/// (either padding).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    P256,
    P384,
    Ed25519,
    X25519,
    Rsa,
}

impl Kind {
    fn parse(name: &str) -> Result<Kind, OpError> {
        Ok(match name {
            "P-256" => Kind::P256,
            "P-384" => Kind::P384,
            "Ed25519" => Kind::Ed25519,
            "X25519" => Kind::X25519,
            "RSA" => Kind::Rsa,
            other => return Err(not_supported(format!("key kind {other} is not supported"))),
        })
    }

    fn curve(self) -> Option<(ObjectIdentifier, usize)> {
        match self {
            Kind::P256 => Some((P256, 32)),
            Kind::P384 => Some((P384, 48)),
            _ => None,
        }
    }

    fn ecdsa_signing(self) -> &'static signature::EcdsaSigningAlgorithm {
        match self {
            Kind::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            _ => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        }
    }
}

/// What an imported or generated key is: its type, its material, and (for a private key)
/// its public key's material.
struct KeyData {
    private: bool,
    material: Vec<u8>,
    public: Vec<u8>,
}

/// The public key's material of a PKCS#8 private key, which ring checks whole.
fn public_of_pkcs8(kind: Kind, pkcs8: &[u8]) -> Result<Vec<u8>, OpError> {
    let rejected = |e: ring::error::KeyRejected| data_error(format!("invalid private key: {e}"));
    Ok(match kind {
        Kind::P256 | Kind::P384 => {
            let rng = SystemRandom::new();
            EcdsaKeyPair::from_pkcs8(kind.ecdsa_signing(), pkcs8, &rng)
                .map_err(rejected)?
                .public_key()
                .as_ref()
                .to_vec()
        }
        Kind::Ed25519 => Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(rejected)?
            .public_key()
            .as_ref()
            .to_vec(),
        Kind::X25519 => {
            let secret = x25519_secret(pkcs8)?;
            x25519_dalek::PublicKey::from(&secret).as_bytes().to_vec()
        }
        Kind::Rsa => {
            let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
            let parts: signature::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
            rsa_public_der(&parts.n, &parts.e)?
        }
    })
}

/// The secret of an X25519 PKCS#8 key (RFC 8410: the 32 bytes in an OCTET STRING).
fn x25519_secret(pkcs8: &[u8]) -> Result<x25519_dalek::StaticSecret, OpError> {
    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8)
        .map_err(|e| data_error(format!("invalid PKCS#8: {e}")))?;
    let bytes: [u8; 32] = OctetStringRef::from_der(info.private_key)
        .ok()
        .and_then(|o| o.as_bytes().try_into().ok())
        .ok_or_else(|| data_error("an X25519 private key is 32 bytes"))?;
    Ok(x25519_dalek::StaticSecret::from(bytes))
}

/// The PKCS#8 DER of an Ed25519 or X25519 (`oid`) private key: its bytes in an OCTET
/// STRING (RFC 8410).
fn okp_pkcs8(oid: ObjectIdentifier, secret: &[u8]) -> Result<Vec<u8>, OpError> {
    let der_error = |e: der::Error| data_error(e.to_string());
    let inner = OctetStringRef::new(secret)
        .map_err(der_error)?
        .to_der()
        .map_err(der_error)?;
    pkcs8::PrivateKeyInfo::new(
        AlgorithmIdentifierRef {
            oid,
            parameters: None,
        },
        &inner,
    )
    .to_der()
    .map_err(der_error)
}

fn rsa_public_der(n: &[u8], e: &[u8]) -> Result<Vec<u8>, OpError> {
    let key = pkcs1::RsaPublicKey {
        modulus: UintRef::new(n).map_err(|e| data_error(e.to_string()))?,
        public_exponent: UintRef::new(e).map_err(|e| data_error(e.to_string()))?,
    };
    key.to_der().map_err(|e| data_error(e.to_string()))
}

/// Checks a public key's material the way ring will read it.
fn check_public(kind: Kind, bytes: &[u8]) -> Result<(), OpError> {
    match kind {
        Kind::P256 | Kind::P384 => {
            let (_, size) = kind.curve().unwrap_or((P256, 32));
            if bytes.len() != 1 + 2 * size || bytes[0] != 4 {
                return Err(data_error(
                    "an EC public key is an uncompressed point (0x04, x, y)",
                ));
            }
        }
        Kind::Ed25519 | Kind::X25519 => {
            if bytes.len() != 32 {
                return Err(data_error("an Ed25519 or X25519 public key is 32 bytes"));
            }
        }
        Kind::Rsa => {
            let key = pkcs1::RsaPublicKey::from_der(bytes)
                .map_err(|e| data_error(format!("invalid RSA public key: {e}")))?;
            let bits = modulus_bits(key.modulus.as_bytes());
            if !(2048..=8192).contains(&bits) {
                return Err(not_supported(format!(
                    "an RSA modulus of {bits} bits is not supported (2048 to 8192)"
                )));
            }
        }
    }
    Ok(())
}

fn modulus_bits(n: &[u8]) -> usize {
    match n.iter().position(|&b| b != 0) {
        Some(i) => (n.len() - i) * 8 - n[i].leading_zeros() as usize,
        None => 0,
    }
}

/// The algorithm identifier of `kind`'s keys in SPKI and PKCS#8.
fn check_algorithm(kind: Kind, alg: &AlgorithmIdentifierRef) -> Result<(), OpError> {
    let ok = match kind {
        Kind::P256 | Kind::P384 => {
            let (curve, _) = kind.curve().unwrap_or((P256, 32));
            alg.oid == EC_PUBLIC_KEY
                && alg
                    .parameters
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                    == Some(curve)
        }
        Kind::Ed25519 => alg.oid == ED25519,
        Kind::X25519 => alg.oid == X25519,
        Kind::Rsa => alg.oid == RSA_ENCRYPTION,
    };
    if ok {
        Ok(())
    } else {
        Err(data_error(format!(
            "the key's algorithm ({}) is not the one asked for",
            alg.oid
        )))
    }
}

fn import(kind: Kind, format: &str, data: &[u8]) -> Result<KeyData, OpError> {
    match format {
        "spki" => {
            let info = SubjectPublicKeyInfoRef::from_der(data)
                .map_err(|e| data_error(format!("invalid SPKI: {e}")))?;
            check_algorithm(kind, &info.algorithm)?;
            let material = info
                .subject_public_key
                .as_bytes()
                .ok_or_else(|| data_error("invalid SPKI: the key has unused bits"))?
                .to_vec();
            check_public(kind, &material)?;
            Ok(KeyData {
                private: false,
                public: material.clone(),
                material,
            })
        }
        "pkcs8" => {
            let info = pkcs8::PrivateKeyInfo::from_der(data)
                .map_err(|e| data_error(format!("invalid PKCS#8: {e}")))?;
            check_algorithm(kind, &info.algorithm)?;
            let public = public_of_pkcs8(kind, data)?;
            if kind == Kind::Rsa {
                check_public(kind, &public)?;
            }
            Ok(KeyData {
                private: true,
                material: data.to_vec(),
                public,
            })
        }
        "raw" if kind != Kind::Rsa => {
            check_public(kind, data)?;
            Ok(KeyData {
                private: false,
                material: data.to_vec(),
                public: data.to_vec(),
            })
        }
        other => Err(not_supported(format!(
            "key format \"{other}\" is not supported for this key"
        ))),
    }
}

/// A key from JWK's parts, in this order: EC `x y d?`; Ed25519 `x d?`; RSA `n e` then
/// `d p q dp dq qi` for a private key. Each part is the bytes its base64url decodes to.
fn from_jwk(kind: Kind, parts: &[Option<Vec<u8>>]) -> Result<KeyData, OpError> {
    let part = |i: usize, name: &str| {
        parts
            .get(i)
            .and_then(|p| p.as_deref())
            .ok_or_else(|| data_error(format!("the JWK has no \"{name}\"")))
    };
    let present = |i: usize| parts.get(i).is_some_and(|p| p.is_some());
    let der_error = |e: der::Error| data_error(e.to_string());
    match kind {
        Kind::P256 | Kind::P384 => {
            let (curve, size) = kind.curve().unwrap_or((P256, 32));
            let (x, y) = (part(0, "x")?, part(1, "y")?);
            if x.len() != size || y.len() != size {
                return Err(data_error(format!(
                    "a JWK's x and y are {size} bytes on this curve"
                )));
            }
            let mut point = vec![4u8];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            if !present(2) {
                return import(kind, "raw", &point);
            }
            let d = part(2, "d")?;
            if d.len() != size {
                return Err(data_error(format!(
                    "a JWK's d is {size} bytes on this curve"
                )));
            }
            let ec = sec1::EcPrivateKey {
                private_key: d,
                parameters: None,
                public_key: Some(&point),
            }
            .to_der()
            .map_err(der_error)?;
            let any = AnyRef::from(&curve);
            let pkcs8 = pkcs8::PrivateKeyInfo::new(
                AlgorithmIdentifierRef {
                    oid: EC_PUBLIC_KEY,
                    parameters: Some(any),
                },
                &ec,
            )
            .to_der()
            .map_err(der_error)?;
            let public = public_of_pkcs8(kind, &pkcs8)?;
            if public != point {
                return Err(data_error("the JWK's d does not belong to its x and y"));
            }
            Ok(KeyData {
                private: true,
                material: pkcs8,
                public,
            })
        }
        Kind::Ed25519 | Kind::X25519 => {
            let x = part(0, "x")?;
            if !present(1) {
                return import(kind, "raw", x);
            }
            let d = part(1, "d")?;
            // ring checks an Ed25519 seed itself; dalek takes any 32 bytes.
            if kind == Kind::X25519 && d.len() != 32 {
                return Err(data_error("a JWK's d is 32 bytes for X25519"));
            }
            let oid = if kind == Kind::X25519 {
                X25519
            } else {
                ED25519
            };
            let pkcs8 = okp_pkcs8(oid, d)?;
            let public = public_of_pkcs8(kind, &pkcs8)?;
            if public != x {
                return Err(data_error("the JWK's d does not belong to its x"));
            }
            Ok(KeyData {
                private: true,
                material: pkcs8,
                public,
            })
        }
        Kind::Rsa => {
            let (n, e) = (part(0, "n")?, part(1, "e")?);
            if !present(2) {
                let der = rsa_public_der(n, e)?;
                check_public(kind, &der)?;
                return Ok(KeyData {
                    private: false,
                    public: der.clone(),
                    material: der,
                });
            }
            let names = ["d", "p", "q", "dp", "dq", "qi"];
            let mut uints = Vec::with_capacity(6);
            for (i, name) in names.iter().enumerate() {
                uints.push(UintRef::new(part(2 + i, name)?).map_err(der_error)?);
            }
            let key = pkcs1::RsaPrivateKey {
                modulus: UintRef::new(n).map_err(der_error)?,
                public_exponent: UintRef::new(e).map_err(der_error)?,
                private_exponent: uints[0],
                prime1: uints[1],
                prime2: uints[2],
                exponent1: uints[3],
                exponent2: uints[4],
                coefficient: uints[5],
                other_prime_infos: None,
            }
            .to_der()
            .map_err(der_error)?;
            let pkcs8 = pkcs8::PrivateKeyInfo::new(
                AlgorithmIdentifierRef {
                    oid: RSA_ENCRYPTION,
                    parameters: Some(AnyRef::NULL),
                },
                &key,
            )
            .to_der()
            .map_err(der_error)?;
            let public = public_of_pkcs8(kind, &pkcs8)?;
            check_public(kind, &public)?;
            Ok(KeyData {
                private: true,
                material: pkcs8,
                public,
            })
        }
    }
}

/// A key's bytes in `format` (`spki`, `pkcs8`, `raw`), or for `jwk` its parts in
/// [`from_jwk`]'s order.
fn export(
    kind: Kind,
    format: &str,
    private: bool,
    key: &[u8],
    public: &[u8],
) -> Result<Vec<Vec<u8>>, OpError> {
    let der_error = |e: der::Error| operation_error(e.to_string());
    let wrong = || {
        let t = if private { "private" } else { "public" };
        not_supported(format!("a {t} key cannot be exported as \"{format}\""))
    };
    match (format, private) {
        ("pkcs8", true) => Ok(vec![key.to_vec()]),
        ("raw", false) if kind != Kind::Rsa => Ok(vec![public.to_vec()]),
        ("spki", false) => {
            let curve;
            let algorithm = match kind {
                Kind::P256 | Kind::P384 => {
                    curve = kind.curve().unwrap_or((P256, 32)).0;
                    AlgorithmIdentifierRef {
                        oid: EC_PUBLIC_KEY,
                        parameters: Some(AnyRef::from(&curve)),
                    }
                }
                Kind::Ed25519 => AlgorithmIdentifierRef {
                    oid: ED25519,
                    parameters: None,
                },
                Kind::X25519 => AlgorithmIdentifierRef {
                    oid: X25519,
                    parameters: None,
                },
                Kind::Rsa => AlgorithmIdentifierRef {
                    oid: RSA_ENCRYPTION,
                    parameters: Some(AnyRef::NULL),
                },
            };
            let info = SubjectPublicKeyInfoRef {
                algorithm,
                subject_public_key: BitStringRef::from_bytes(public).map_err(der_error)?,
            };
            Ok(vec![info.to_der().map_err(der_error)?])
        }
        ("jwk", _) => {
            let mut parts = match kind {
                Kind::P256 | Kind::P384 => {
                    let size = (public.len() - 1) / 2;
                    vec![public[1..1 + size].to_vec(), public[1 + size..].to_vec()]
                }
                Kind::Ed25519 | Kind::X25519 => vec![public.to_vec()],
                Kind::Rsa => {
                    let k = pkcs1::RsaPublicKey::from_der(public).map_err(der_error)?;
                    vec![
                        k.modulus.as_bytes().to_vec(),
                        k.public_exponent.as_bytes().to_vec(),
                    ]
                }
            };
            if private {
                let info = pkcs8::PrivateKeyInfo::from_der(key).map_err(der_error)?;
                match kind {
                    Kind::P256 | Kind::P384 => {
                        let ec =
                            sec1::EcPrivateKey::from_der(info.private_key).map_err(der_error)?;
                        parts.push(ec.private_key.to_vec());
                    }
                    Kind::Ed25519 | Kind::X25519 => {
                        let seed = OctetStringRef::from_der(info.private_key).map_err(der_error)?;
                        parts.push(seed.as_bytes().to_vec());
                    }
                    Kind::Rsa => {
                        let k =
                            pkcs1::RsaPrivateKey::from_der(info.private_key).map_err(der_error)?;
                        for u in [
                            k.private_exponent,
                            k.prime1,
                            k.prime2,
                            k.exponent1,
                            k.exponent2,
                            k.coefficient,
                        ] {
                            parts.push(u.as_bytes().to_vec());
                        }
                    }
                }
            }
            Ok(parts)
        }
        _ => Err(wrong()),
    }
}

fn generate(kind: Kind) -> Result<KeyData, OpError> {
    let rng = SystemRandom::new();
    let failed = |_| operation_error("key generation failed");
    let pkcs8 = match kind {
        Kind::P256 | Kind::P384 => EcdsaKeyPair::generate_pkcs8(kind.ecdsa_signing(), &rng)
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        Kind::Ed25519 => Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        Kind::X25519 => {
            let mut secret = [0u8; 32];
            ring::rand::SecureRandom::fill(&rng, &mut secret).map_err(failed)?;
            okp_pkcs8(X25519, &secret)?
        }
        Kind::Rsa => {
            return Err(not_supported(
                "generating RSA keys is not supported: import one (spki, pkcs8 or jwk)",
            ));
        }
    };
    let public = public_of_pkcs8(kind, &pkcs8)?;
    Ok(KeyData {
        private: true,
        material: pkcs8,
        public,
    })
}

/// The signature algorithm of an RSA or ECDSA key for `hash` (`SHA-256`...).
fn rsa_padding(hash: &str, pss: bool) -> Result<&'static dyn signature::RsaEncoding, OpError> {
    Ok(match (hash, pss) {
        ("SHA-256", false) => &signature::RSA_PKCS1_SHA256,
        ("SHA-384", false) => &signature::RSA_PKCS1_SHA384,
        ("SHA-512", false) => &signature::RSA_PKCS1_SHA512,
        ("SHA-256", true) => &signature::RSA_PSS_SHA256,
        ("SHA-384", true) => &signature::RSA_PSS_SHA384,
        ("SHA-512", true) => &signature::RSA_PSS_SHA512,
        _ => return Err(not_supported(format!("RSA with {hash} is not supported"))),
    })
}

fn verification(
    kind: Kind,
    hash: &str,
    pss: bool,
) -> Result<&'static dyn signature::VerificationAlgorithm, OpError> {
    Ok(match (kind, hash, pss) {
        (Kind::P256, "SHA-256", _) => &signature::ECDSA_P256_SHA256_FIXED,
        (Kind::P384, "SHA-384", _) => &signature::ECDSA_P384_SHA384_FIXED,
        (Kind::P256 | Kind::P384, _, _) => {
            return Err(not_supported(format!(
                "ECDSA on this curve with {hash} is not supported (P-256 with SHA-256, P-384 with SHA-384)"
            )));
        }
        (Kind::Ed25519, _, _) => &signature::ED25519,
        (Kind::X25519, _, _) => return Err(not_supported("X25519 keys do not sign")),
        (Kind::Rsa, "SHA-256", false) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (Kind::Rsa, "SHA-512", false) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (Kind::Rsa, "SHA-384", false) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (Kind::Rsa, "SHA-256", true) => &signature::RSA_PSS_2048_8192_SHA256,
        (Kind::Rsa, "SHA-384", true) => &signature::RSA_PSS_2048_8192_SHA384,
        (Kind::Rsa, "SHA-512", true) => &signature::RSA_PSS_2048_8192_SHA512,
        (Kind::Rsa, _, _) => {
            return Err(not_supported(format!("RSA with {hash} is not supported")));
        }
    })
}

fn sign(kind: Kind, hash: &str, pss: bool, pkcs8: &[u8], data: &[u8]) -> Result<Vec<u8>, OpError> {
    let rng = SystemRandom::new();
    let rejected = |e: ring::error::KeyRejected| data_error(format!("invalid private key: {e}"));
    let failed = |_| operation_error("signing failed");
    match kind {
        Kind::P256 | Kind::P384 => {
            // The curve fixes the hash ring signs with.
            verification(kind, hash, pss)?;
            let pair =
                EcdsaKeyPair::from_pkcs8(kind.ecdsa_signing(), pkcs8, &rng).map_err(rejected)?;
            Ok(pair.sign(&rng, data).map_err(failed)?.as_ref().to_vec())
        }
        Kind::Ed25519 => {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(rejected)?;
            Ok(pair.sign(data).as_ref().to_vec())
        }
        Kind::X25519 => Err(not_supported("X25519 keys do not sign")),
        Kind::Rsa => {
            let padding = rsa_padding(hash, pss)?;
            let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
            let mut out = vec![0; pair.public().modulus_len()];
            pair.sign(padding, &rng, data, &mut out).map_err(failed)?;
            Ok(out)
        }
    }
}

fn verify(
    kind: Kind,
    hash: &str,
    pss: bool,
    public: &[u8],
    sig: &[u8],
    data: &[u8],
) -> Result<bool, OpError> {
    let alg = verification(kind, hash, pss)?;
    Ok(signature::UnparsedPublicKey::new(alg, public)
        .verify(data, sig)
        .is_ok())
}

fn aes_gcm(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, OpError> {
    use ring::aead;
    let alg = match key.len() {
        16 => &aead::AES_128_GCM,
        32 => &aead::AES_256_GCM,
        n => {
            return Err(not_supported(format!(
                "an AES-GCM key of {} bits is not supported (128 or 256)",
                n * 8
            )));
        }
    };
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(alg, key).map_err(|_| data_error("invalid AES key"))?,
    );
    let nonce = aead::Nonce::try_assume_unique_for_key(iv)
        .map_err(|_| not_supported("an AES-GCM iv of 12 bytes is supported, no other length"))?;
    let mut buf = data.to_vec();
    if encrypt {
        key.seal_in_place_append_tag(nonce, aead::Aad::from(aad), &mut buf)
            .map_err(|_| operation_error("encryption failed"))?;
        Ok(buf)
    } else {
        let n = key
            .open_in_place(nonce, aead::Aad::from(aad), &mut buf)
            .map_err(|_| operation_error("The operation failed for an operation-specific reason"))?
            .len();
        buf.truncate(n);
        Ok(buf)
    }
}

/// The shared secret of ECDH (the x-coordinate, as WebCrypto derives it) or X25519 between
/// the private key `pkcs8` and the peer's `public` (its [`check_public`] form).
fn agree(kind: Kind, pkcs8: &[u8], public: &[u8]) -> Result<Vec<u8>, OpError> {
    let bad_public = |_| data_error("the public key is not a point on the key's curve");
    let bad_private = |_| data_error("invalid private key");
    Ok(match kind {
        Kind::P256 => {
            use p256::pkcs8::DecodePrivateKey;
            let secret = p256::SecretKey::from_pkcs8_der(pkcs8).map_err(bad_private)?;
            let peer = p256::PublicKey::from_sec1_bytes(public).map_err(bad_public)?;
            p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine())
                .raw_secret_bytes()
                .to_vec()
        }
        Kind::P384 => {
            use p384::pkcs8::DecodePrivateKey;
            let secret = p384::SecretKey::from_pkcs8_der(pkcs8).map_err(bad_private)?;
            let peer = p384::PublicKey::from_sec1_bytes(public).map_err(bad_public)?;
            p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine())
                .raw_secret_bytes()
                .to_vec()
        }
        Kind::X25519 => {
            let peer: [u8; 32] = public
                .try_into()
                .map_err(|_| data_error("an X25519 public key is 32 bytes"))?;
            let shared = x25519_secret(pkcs8)?.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
            // A small-order peer key makes every secret zero (RFC 7748, 6.1).
            if !shared.was_contributory() {
                return Err(operation_error("the X25519 secret is all zeros"));
            }
            shared.as_bytes().to_vec()
        }
        Kind::Ed25519 | Kind::Rsa => {
            return Err(not_supported("only ECDH and X25519 keys agree secrets"));
        }
    })
}

/// AES-CBC (PKCS#7 padding, a 16-byte `iv`), AES-CTR (a 16-byte counter block whose
/// rightmost `length` bits count) or AES-KW (RFC 3394), with a key of 128, 192 or 256 bits.
fn aes_mode(
    mode: &str,
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    length: u32,
    data: &[u8],
) -> Result<Vec<u8>, OpError> {
    macro_rules! by_key {
        ($f:ident) => {
            match key.len() {
                16 => $f::<aes::Aes128>(encrypt, key, iv, length, data),
                24 => $f::<aes::Aes192>(encrypt, key, iv, length, data),
                32 => $f::<aes::Aes256>(encrypt, key, iv, length, data),
                n => Err(data_error(format!(
                    "an AES key of {} bits (128, 192 or 256)",
                    n * 8
                ))),
            }
        };
    }
    match mode {
        "AES-CBC" => by_key!(aes_cbc),
        "AES-CTR" => by_key!(aes_ctr),
        "AES-KW" => by_key!(aes_kw),
        other => Err(not_supported(format!("{other} is not supported"))),
    }
}

type AesFor<C> = aes::cipher::Key<C>;

fn aes_cbc<C>(encrypt: bool, key: &[u8], iv: &[u8], _: u32, data: &[u8]) -> Result<Vec<u8>, OpError>
where
    C: aes::cipher::BlockCipher
        + aes::cipher::BlockEncrypt
        + aes::cipher::BlockDecrypt
        + aes::cipher::KeyInit
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
{
    use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
    if iv.len() != 16 {
        return Err(operation_error("an AES-CBC iv is 16 bytes"));
    }
    let iv = aes::cipher::generic_array::GenericArray::from_slice(iv);
    let key = AesFor::<C>::from_slice(key);
    if encrypt {
        Ok(cbc::Encryptor::<C>::new(key, iv).encrypt_padded_vec_mut::<Pkcs7>(data))
    } else {
        cbc::Decryptor::<C>::new(key, iv)
            .decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|_| operation_error("The operation failed for an operation-specific reason"))
    }
}

/// By hand over the block cipher: WebCrypto's counter is the block's rightmost `length`
/// bits, any number from 1 to 128, where the `ctr` crate counts 32, 64 or 128. A message
/// long enough to bring the counter round to its start is refused, as browsers refuse it
/// (its keystream would repeat).
fn aes_ctr<C>(
    _: bool,
    key: &[u8],
    counter: &[u8],
    length: u32,
    data: &[u8],
) -> Result<Vec<u8>, OpError>
where
    C: aes::cipher::BlockEncrypt
        + aes::cipher::KeyInit
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
{
    let counter: [u8; 16] = counter
        .try_into()
        .map_err(|_| operation_error("an AES-CTR counter is 16 bytes"))?;
    if !(1..=128).contains(&length) {
        return Err(operation_error("an AES-CTR length is from 1 to 128 bits"));
    }
    let blocks = data.len().div_ceil(16) as u128;
    if length < 128 && blocks > 1u128 << length {
        return Err(operation_error(
            "the data is too long for the counter's length",
        ));
    }
    let mask = if length == 128 {
        u128::MAX
    } else {
        (1u128 << length) - 1
    };
    let start = u128::from_be_bytes(counter);
    let fixed = start & !mask;
    let mut count = start & mask;
    let cipher = C::new_from_slice(key).map_err(|_| data_error("invalid AES key"))?;
    let mut out = data.to_vec();
    for chunk in out.chunks_mut(16) {
        let mut block = aes::Block::from((fixed | count).to_be_bytes());
        cipher.encrypt_block(&mut block);
        for (b, k) in chunk.iter_mut().zip(block.iter()) {
            *b ^= k;
        }
        count = count.wrapping_add(1) & mask;
    }
    Ok(out)
}

fn aes_kw<C>(encrypt: bool, key: &[u8], _: &[u8], _: u32, data: &[u8]) -> Result<Vec<u8>, OpError>
where
    C: aes::cipher::KeyInit
        + aes::cipher::BlockCipher
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>
        + aes::cipher::BlockEncrypt
        + aes::cipher::BlockDecrypt,
{
    let kek = aes_kw::Kek::<C>::new(AesFor::<C>::from_slice(key));
    if encrypt {
        if !data.len().is_multiple_of(8) || data.len() < 16 {
            return Err(operation_error(
                "AES-KW wraps a key of 16 bytes or more, a multiple of 8",
            ));
        }
        kek.wrap_vec(data)
            .map_err(|_| operation_error("the key could not be wrapped"))
    } else {
        kek.unwrap_vec(data)
            .map_err(|_| operation_error("The operation failed for an operation-specific reason"))
    }
}

fn pbkdf2(
    hash: &str,
    secret: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Result<Vec<u8>, OpError> {
    let alg = match hash {
        "SHA-1" => ring::pbkdf2::PBKDF2_HMAC_SHA1,
        "SHA-256" => ring::pbkdf2::PBKDF2_HMAC_SHA256,
        "SHA-384" => ring::pbkdf2::PBKDF2_HMAC_SHA384,
        "SHA-512" => ring::pbkdf2::PBKDF2_HMAC_SHA512,
        other => {
            return Err(not_supported(format!(
                "PBKDF2 with {other} is not supported"
            )));
        }
    };
    let Some(rounds) = std::num::NonZeroU32::new(iterations) else {
        return Err(operation_error("PBKDF2 needs at least one iteration"));
    };
    if iterations > PBKDF2_MAX_ITERATIONS {
        return Err(not_supported(format!(
            "PBKDF2 with more than {PBKDF2_MAX_ITERATIONS} iterations is not supported (asked: {iterations})"
        )));
    }
    let mut out = vec![0; len];
    ring::pbkdf2::derive(alg, rounds, salt, secret, &mut out);
    Ok(out)
}

fn hkdf(
    hash: &str,
    secret: &[u8],
    salt: &[u8],
    info: &[u8],
    len: usize,
) -> Result<Vec<u8>, OpError> {
    use ring::hkdf;
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let alg = match hash {
        "SHA-1" => hkdf::HKDF_SHA1_FOR_LEGACY_USE_ONLY,
        "SHA-256" => hkdf::HKDF_SHA256,
        "SHA-384" => hkdf::HKDF_SHA384,
        "SHA-512" => hkdf::HKDF_SHA512,
        other => return Err(not_supported(format!("HKDF with {other} is not supported"))),
    };
    let prk = hkdf::Salt::new(alg, salt).extract(secret);
    let infos = [info];
    let okm = prk
        .expand(&infos, Len(len))
        .map_err(|_| operation_error(format!("HKDF cannot derive {len} bytes with {hash}")))?;
    let mut out = vec![0; len];
    okm.fill(&mut out)
        .map_err(|_| operation_error("HKDF failed"))?;
    Ok(out)
}

// ---- the ops ----

fn bytes(v: v8::Local<v8::Value>, what: &str) -> Result<Vec<u8>, OpError> {
    bytes_arg(v).ok_or_else(|| OpError::type_error(format!("{what} must be a BufferSource")))
}

fn string(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> String {
    v.to_rust_string_lossy(scope)
}

/// `[private, material, public]` as JS.
fn key_data<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    key: KeyData,
) -> Result<v8::Local<'s, v8::Value>, OpError> {
    let private = v8::Boolean::new(scope, key.private).into();
    let material = uint8_array(scope, key.material)?;
    let public = uint8_array(scope, key.public)?;
    Ok(v8::Array::new_with_elements(scope, &[private, material, public]).into())
}

fn parts_array<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    parts: Vec<Vec<u8>>,
) -> Result<v8::Local<'s, v8::Value>, OpError> {
    let mut items = Vec::with_capacity(parts.len());
    for p in parts {
        items.push(uint8_array(scope, p)?);
    }
    Ok(v8::Array::new_with_elements(scope, &items).into())
}

macro_rules! op {
    ($name:ident, |$scope:ident, $args:ident, $rv:ident| $body:block) => {
        fn $name<'s>(
            $scope: &mut v8::PinScope<'s, '_>,
            $args: v8::FunctionCallbackArguments<'s>,
            #[allow(unused_mut)] mut $rv: v8::ReturnValue<'s, v8::Value>,
        ) {
            guarded($scope, stringify!($name), |$scope| -> R { $body });
        }
    };
}

// `subtleImportKey(kind, format, bytes)` -> `[private, material, public]`.
op!(op_import_key, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let format = string(scope, args.get(1));
    let data = bytes(args.get(2), "keyData")?;
    let key = import(kind, &format, &data)?;
    rv.set(key_data(scope, key)?);
    Ok(())
});

// `subtleImportJwk(kind, parts)`: parts an array of Uint8Array or undefined.
op!(op_import_jwk, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let arr =
        v8::Local::<v8::Array>::try_from(args.get(1)).map_err(|_| "parts must be an array")?;
    let mut parts = Vec::with_capacity(arr.length() as usize);
    for i in 0..arr.length() {
        let item = arr.get_index(scope, i).ok_or("parts item")?;
        parts.push(bytes_arg(item));
    }
    let key = from_jwk(kind, &parts)?;
    rv.set(key_data(scope, key)?);
    Ok(())
});

// `subtleExportKey(kind, format, private, material, public)` -> an array of Uint8Arrays.
op!(op_export_key, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let format = string(scope, args.get(1));
    let private = args.get(2).is_true();
    let material = bytes(args.get(3), "key")?;
    let public = bytes(args.get(4), "public key")?;
    let parts = export(kind, &format, private, &material, &public)?;
    rv.set(parts_array(scope, parts)?);
    Ok(())
});

// `subtleGenerateKey(kind)` -> `[true, pkcs8, public]`.
op!(op_generate_key, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let key = generate(kind)?;
    rv.set(key_data(scope, key)?);
    Ok(())
});

// `subtleSign(kind, hash, pss, pkcs8, data)` -> signature bytes.
op!(op_sign, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let hash = string(scope, args.get(1));
    let pss = args.get(2).is_true();
    let key = bytes(args.get(3), "key")?;
    let data = bytes(args.get(4), "data")?;
    let sig = sign(kind, &hash, pss, &key, &data)?;
    rv.set(uint8_array(scope, sig)?);
    Ok(())
});

// `subtleVerify(kind, hash, pss, public, signature, data)` -> boolean.
op!(op_verify, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let hash = string(scope, args.get(1));
    let pss = args.get(2).is_true();
    let public = bytes(args.get(3), "key")?;
    let sig = bytes(args.get(4), "signature")?;
    let data = bytes(args.get(5), "data")?;
    let ok = verify(kind, &hash, pss, &public, &sig, &data)?;
    rv.set(v8::Boolean::new(scope, ok).into());
    Ok(())
});

// `subtleAesGcm(encrypt, key, iv, additionalData, data)` -> bytes.
op!(op_aes_gcm, |scope, args, rv| {
    let encrypt = args.get(0).is_true();
    let key = bytes(args.get(1), "key")?;
    let iv = bytes(args.get(2), "iv")?;
    let aad = bytes_arg(args.get(3)).unwrap_or_default();
    let data = bytes(args.get(4), "data")?;
    let out = aes_gcm(encrypt, &key, &iv, &aad, &data)?;
    rv.set(uint8_array(scope, out)?);
    Ok(())
});

// `subtleAes(mode, encrypt, key, ivOrCounter, length, data)` -> bytes: AES-CBC, AES-CTR
// (`length` its counter's bits) or AES-KW (no iv).
op!(op_aes, |scope, args, rv| {
    let mode = string(scope, args.get(0));
    let encrypt = args.get(1).is_true();
    let key = bytes(args.get(2), "key")?;
    let iv = bytes_arg(args.get(3)).unwrap_or_default();
    let length = args.get(4).uint32_value(scope).unwrap_or(0);
    let data = bytes(args.get(5), "data")?;
    let out = aes_mode(&mode, encrypt, &key, &iv, length, &data)?;
    rv.set(uint8_array(scope, out)?);
    Ok(())
});

// `subtleAgree(kind, pkcs8, peerPublic)` -> the shared secret's bytes.
op!(op_agree, |scope, args, rv| {
    let kind = Kind::parse(&string(scope, args.get(0)))?;
    let key = bytes(args.get(1), "key")?;
    let public = bytes(args.get(2), "public key")?;
    let out = agree(kind, &key, &public)?;
    rv.set(uint8_array(scope, out)?);
    Ok(())
});

// `subtleDerive(kdf, hash, secret, salt, iterationsOrInfo, length)` -> bytes; kdf is
// "PBKDF2" (a number of iterations) or "HKDF" (info bytes).
op!(op_derive, |scope, args, rv| {
    let kdf = string(scope, args.get(0));
    let hash = string(scope, args.get(1));
    let secret = bytes(args.get(2), "key")?;
    let salt = bytes(args.get(3), "salt")?;
    let len = args.get(5).uint32_value(scope).unwrap_or(0) as usize;
    let out = match kdf.as_str() {
        "PBKDF2" => {
            let iterations = args.get(4).uint32_value(scope).unwrap_or(0);
            pbkdf2(&hash, &secret, &salt, iterations, len)?
        }
        "HKDF" => {
            let info = bytes(args.get(4), "info")?;
            hkdf(&hash, &secret, &salt, &info, len)?
        }
        other => return Err(not_supported(format!("{other} is not supported"))),
    };
    rv.set(uint8_array(scope, out)?);
    Ok(())
});

pub(crate) fn install(scope: &mut v8::PinScope, core: v8::Local<v8::Object>) {
    macro_rules! add {
        ($($name:literal => $f:expr),*) => {$(
            if let Some(func) = v8::Function::builder($f).build(scope) {
                let key = v8_str(scope, $name);
                core.set(scope, key.into(), func.into());
            }
        )*};
    }
    add!(
        "subtleImportKey" => op_import_key,
        "subtleImportJwk" => op_import_jwk,
        "subtleExportKey" => op_export_key,
        "subtleGenerateKey" => op_generate_key,
        "subtleSign" => op_sign,
        "subtleVerify" => op_verify,
        "subtleAesGcm" => op_aes_gcm,
        "subtleAes" => op_aes,
        "subtleAgree" => op_agree,
        "subtleDerive" => op_derive
    );
}
