//! The rustls client configuration for TLS endpoints.
//!
//! rustls with TLS 1.2 and 1.3, on the crypto provider of [`crate::crypto`].
//! The daemon is verified
//! against the endpoint's CA file when it has one (as the docker CLI does:
//! the CA replaces the system roots), else against the platform's roots. A
//! client certificate is presented when both `cert.pem` and `key.pem` are
//! set.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::endpoint::Tls;
use crate::error::{Error, Result};

/// Builds the rustls configuration for `tls`, reading its files.
pub(crate) fn client_config(tls: &Tls) -> Result<ClientConfig> {
    let provider = crate::crypto::provider()?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| tls_error(tls, "cannot set up TLS", e))?;

    let builder = if !tls.verify() {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
    } else if let Some(ca) = tls.ca() {
        let mut roots = RootCertStore::empty();
        let certs = read_certs(tls, ca, "CA certificate")?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(Error::config(format!(
                "{} holds no usable CA certificate ({}); it should be the PEM file of the CA that \
                 signed the daemon's certificate",
                ca.display(),
                tls.origin()
            )));
        }
        builder.with_root_certificates(roots)
    } else {
        let verifier = rustls_platform_verifier::Verifier::new(provider)
            .map_err(|e| tls_error(tls, "cannot load the system's root certificates", e))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    };

    match (tls.cert(), tls.key()) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(tls, cert, "client certificate")?;
            if chain.is_empty() {
                return Err(Error::config(format!(
                    "{} holds no PEM certificate ({})",
                    cert.display(),
                    tls.origin()
                )));
            }
            let key = read_key(tls, key)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                tls_error(
                    tls,
                    &format!(
                        "the client certificate {} and key do not fit together",
                        cert.display()
                    ),
                    e,
                )
            })
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(cert), None) | (None, Some(cert)) => Err(Error::config(format!(
            "{} has no matching {} ({}); a client certificate needs both files",
            cert.display(),
            if tls.key().is_none() {
                "key.pem"
            } else {
                "cert.pem"
            },
            tls.origin()
        ))),
    }
}

fn tls_error(tls: &Tls, what: &str, e: rustls::Error) -> Error {
    Error::config(format!("{what} ({}): {e}", tls.origin())).with_source(e)
}

fn read_file(tls: &Tls, path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "; put it there, or point DOCKER_CERT_PATH at the directory holding ca.pem, \
                 cert.pem and key.pem"
            }
            std::io::ErrorKind::PermissionDenied => "; make it readable by this user",
            _ => "",
        };
        Error::config(format!(
            "cannot read the {what} {} ({}): {e}{hint}",
            path.display(),
            tls.origin()
        ))
        .with_source(e)
    })
}

fn read_certs(tls: &Tls, path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read_file(tls, path, what)?;
    CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::config(format!(
                "the {what} {} is not valid PEM ({}): {e}",
                path.display(),
                tls.origin()
            ))
        })
}

fn read_key(tls: &Tls, path: &Path) -> Result<PrivateKeyDer<'static>> {
    let pem = read_file(tls, path, "client key")?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        // The CLI dropped encrypted keys too; say so rather than "no key".
        let encrypted = String::from_utf8_lossy(&pem).contains("ENCRYPTED");
        Error::config(format!(
            "the client key {} is not a usable PEM private key ({}): {}",
            path.display(),
            tls.origin(),
            if encrypted {
                "it is encrypted; decrypt it (`openssl pkey -in key.pem -out key.pem`)".to_owned()
            } else {
                e.to_string()
            }
        ))
    })
}

/// Why the daemon refused this client's TLS connection, when a TLS alert it
/// sent says so: the client certificate is missing or not one it trusts.
///
/// With TLS 1.3 the client finishes its side of the handshake before the
/// server checks the client certificate (RFC 8446, section 4.4.2), so the
/// daemon's `certificate_required` alert arrives on the first read of the
/// answer, not while connecting: both places are looked at.
pub(crate) fn refusal(tls: &Tls, err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::AlertDescription as Alert;
    let alert = rustls_errors(err).find_map(|e| match e {
        rustls::Error::AlertReceived(alert) => Some(*alert),
        _ => None,
    })?;
    let hint = "set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem (or \
                give them with Tls::with_client_cert)";
    match (alert, tls.cert()) {
        (Alert::CertificateRequired | Alert::HandshakeFailure, None) => Some(format!(
            "the daemon requires a client certificate and none is configured (TLS alert \
             {alert:?}); {hint}"
        )),
        (
            Alert::CertificateRequired
            | Alert::HandshakeFailure
            | Alert::BadCertificate
            | Alert::UnknownCA
            | Alert::CertificateUnknown
            // what a rustls 0.23 server answers a client certificate of a CA
            // it does not know (seen in the fault suite's TLS cases)
            | Alert::DecryptError
            | Alert::CertificateExpired
            | Alert::CertificateRevoked
            | Alert::UnsupportedCertificate
            | Alert::AccessDenied,
            Some(cert),
        ) => Some(format!(
            "the daemon refused the client certificate {} (TLS alert {alert:?}); it must be \
             signed by a CA the daemon trusts (its --tlscacert); {hint}",
            cert.display()
        )),
        (alert, _) => Some(format!("the daemon ended the TLS session (alert {alert:?})")),
    }
}

/// The rustls errors in `err`'s chain, also those an `io::Error` wraps
/// (whose `source` skips the error it holds).
fn rustls_errors<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a rustls::Error> {
    std::iter::successors(Some(err), |e| {
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static))
            .or_else(|| e.source())
    })
    .filter_map(|e| e.downcast_ref::<rustls::Error>())
}

/// Accepts any server certificate but still checks handshake signatures:
/// the `with_verify(false)` / `SkipTLSVerify` mode.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn missing_ca_names_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let tls = Tls::from_dir(dir.path());
        let e = client_config(&tls).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let text = e.to_string();
        assert!(text.contains("ca.pem"), "{text}");
        assert!(text.contains("DOCKER_CERT_PATH"), "{text}");
    }

    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn garbage_ca_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), "not a certificate").unwrap();
        let e = client_config(&Tls::from_dir(dir.path())).unwrap_err();
        assert!(e.to_string().contains("no usable CA certificate"), "{e}");
    }

    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn lone_cert_or_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let tls = Tls::new()
            .with_verify(false)
            .with_client_cert(dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(dir.path().join("cert.pem"), "").unwrap();
        let e = client_config(&tls).unwrap_err();
        assert!(e.to_string().contains("cert.pem"), "{e}");
    }

    /// The features choose the provider: aws-lc-rs offers the post-quantum
    /// key exchange first, ring has none.
    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn the_feature_chooses_the_provider() {
        let provider = crate::crypto::provider().unwrap();
        let groups: Vec<_> = provider.kx_groups.iter().map(|g| g.name()).collect();
        let pq = rustls::NamedGroup::X25519MLKEM768;
        if cfg!(feature = "aws-lc-rs") {
            assert_eq!(groups.first(), Some(&pq), "{groups:?}");
        } else {
            assert!(!groups.contains(&pq), "{groups:?}");
            assert!(groups.contains(&rustls::NamedGroup::X25519), "{groups:?}");
        }
        let config = client_config(&Tls::new().with_verify(false)).unwrap();
        let used: Vec<_> = config
            .crypto_provider()
            .kx_groups
            .iter()
            .map(|g| g.name())
            .collect();
        assert_eq!(used, groups);
    }

    #[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
    #[test]
    fn no_provider_is_a_config_error() {
        let e = client_config(&Tls::new().with_verify(false)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("`aws-lc-rs` or `ring`"), "{e}");
    }

    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn no_verification_needs_no_files() {
        assert!(client_config(&Tls::new().with_verify(false)).is_ok());
    }

    #[cfg(all(unix, any(feature = "aws-lc-rs", feature = "ring")))]
    #[test]
    fn unreadable_file_says_so() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "x").unwrap();
        std::fs::set_permissions(&ca, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&ca).is_ok() {
            return; // running as root: permissions do not apply
        }
        let e = client_config(&Tls::from_dir(dir.path())).unwrap_err();
        assert!(e.to_string().contains("readable"), "{e}");
    }
}
