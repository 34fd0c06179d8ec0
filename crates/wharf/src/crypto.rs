//! The crypto provider: rustls' for TLS endpoints, and the SHA-256 that
//! names docker context directories.
//!
//! Chosen as reqwest and hyper-rustls choose it: the process default when
//! the application installed one (`CryptoProvider::install_default`), else
//! the one named by the Cargo features `aws-lc-rs` (the default) or `ring`.
//! The context directories' SHA-256 comes from the same provider, so that
//! the client carries one implementation of it.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

use crate::error::{Error, Result};

/// The crypto provider of every TLS connection: the process default if the
/// application installed one, else the one the Cargo features chose
/// (`aws-lc-rs` when both are on, as rustls itself prefers it).
pub(crate) fn provider() -> Result<Arc<CryptoProvider>> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Ok(installed.clone());
    }
    #[cfg(feature = "aws-lc-rs")]
    return Ok(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    return Ok(Arc::new(ring::provider()));
    #[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
    Err(Error::config(
        "no TLS crypto provider: enable the wharf feature `aws-lc-rs` or `ring`, or install \
         one for the process with rustls::crypto::CryptoProvider::install_default",
    ))
}

/// The *ring* provider, built from rustls' public *ring* parts.
///
/// rustls 0.23.48 deprecated `rustls::crypto::ring::default_provider()`
/// ("no support for post-quantum algorithms") without a replacement in
/// 0.23; the feature `ring` is for builds that cannot compile aws-lc
/// (cross-compiling without its toolchain). It offers what that function
/// offered: the same cipher suites, key exchanges (no post-quantum one) and
/// signature algorithms (rustls' `SUPPORTED_SIG_ALGS` table for *ring*).
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
mod ring {
    use rustls::crypto::ring::{sign, DEFAULT_CIPHER_SUITES, DEFAULT_KX_GROUPS};
    use rustls::crypto::{
        CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms,
    };
    use rustls::pki_types::PrivateKeyDer;
    use rustls::sign::SigningKey;
    use rustls::SignatureScheme;
    use std::sync::Arc;
    use webpki::ring as alg;

    pub(super) fn provider() -> CryptoProvider {
        CryptoProvider {
            cipher_suites: DEFAULT_CIPHER_SUITES.to_vec(),
            kx_groups: DEFAULT_KX_GROUPS.to_vec(),
            signature_verification_algorithms: SIGNATURE_ALGORITHMS,
            secure_random: &Ring,
            key_provider: &Ring,
        }
    }

    #[derive(Debug)]
    struct Ring;

    impl SecureRandom for Ring {
        fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
            use ::ring::rand::SecureRandom as _;
            ::ring::rand::SystemRandom::new()
                .fill(buf)
                .map_err(|_| GetRandomFailed)
        }
    }

    impl KeyProvider for Ring {
        fn load_private_key(
            &self,
            key: PrivateKeyDer<'static>,
        ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
            sign::any_supported_type(&key)
        }
    }

    static SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
        all: &[
            alg::ECDSA_P256_SHA256,
            alg::ECDSA_P256_SHA384,
            alg::ECDSA_P384_SHA256,
            alg::ECDSA_P384_SHA384,
            alg::ED25519,
            alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
            alg::RSA_PKCS1_2048_8192_SHA256,
            alg::RSA_PKCS1_2048_8192_SHA384,
            alg::RSA_PKCS1_2048_8192_SHA512,
            alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
            alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
            alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
        ],
        // For TLS 1.2 the curve is not fixed by the scheme; for TLS 1.3 it is.
        mapping: &[
            (
                SignatureScheme::ECDSA_NISTP384_SHA384,
                &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
            ),
            (
                SignatureScheme::ECDSA_NISTP256_SHA256,
                &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
            ),
            (SignatureScheme::ED25519, &[alg::ED25519]),
            (
                SignatureScheme::RSA_PSS_SHA512,
                &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PSS_SHA384,
                &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PSS_SHA256,
                &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA512,
                &[alg::RSA_PKCS1_2048_8192_SHA512],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA384,
                &[alg::RSA_PKCS1_2048_8192_SHA384],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA256,
                &[alg::RSA_PKCS1_2048_8192_SHA256],
            ),
        ],
    };
}

/// The lowercase hex SHA-256 of `data`, from the provider's TLS 1.3 suite
/// that uses it.
pub(crate) fn sha256_hex(data: &[u8]) -> Result<String> {
    let provider = provider()?;
    let hash = provider
        .cipher_suites
        .iter()
        .filter_map(|suite| suite.tls13())
        .map(|suite| suite.common.hash_provider)
        .find(|hash| hash.algorithm() == rustls::crypto::hash::HashAlgorithm::SHA256)
        .ok_or_else(|| Error::config("the TLS crypto provider has no SHA-256"))?;
    Ok(hash
        .hash(data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn sha256_is_sha256() {
        // `printf default | sha256sum`
        assert_eq!(
            sha256_hex(b"default").unwrap(),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }
}
