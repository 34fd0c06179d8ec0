//! Test certificates, made by the `openssl` command in a directory laid out
//! as a `DOCKER_CERT_PATH`: a CA (`ca.pem`, `ca-key.pem`), a server
//! certificate (`server.pem`, `server-key.pem`) and a client certificate
//! (`cert.pem`, `key.pem`), all P-256, valid for two days.
//!
//! ```no_run
//! let dir = tempfile::tempdir().unwrap();
//! if wharf_tests::certs::make(dir.path(), "IP:127.0.0.1,DNS:localhost").is_some() {
//!     let config = wharf_tests::certs::server_config(dir.path(), rustls::DEFAULT_VERSIONS, false);
//! }
//! ```

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Makes the CA and the two certificates in `dir`; the server's is for
/// `server_names` (an openssl `subjectAltName`, e.g. `DNS:daemon.test`).
/// `None` when there is no `openssl` command.
pub fn make(dir: &Path, server_names: &str) -> Option<()> {
    let openssl = |args: &[&str]| openssl(dir, args);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca = [
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=wharf test CA",
    ];
    openssl(&[&["req", "-x509"][..], &ec, &ca].concat())?;
    let server_ext = format!("subjectAltName={server_names}\nextendedKeyUsage=serverAuth\n");
    for (name, key, cn, ext) in [
        (
            "server.pem",
            "server-key.pem",
            "/CN=server",
            server_ext.as_str(),
        ),
        (
            "cert.pem",
            "key.pem",
            "/CN=client",
            "extendedKeyUsage=clientAuth\n",
        ),
    ] {
        std::fs::write(dir.join("ext.cnf"), ext).unwrap();
        let request = ["-keyout", key, "-out", "req.csr", "-subj", cn];
        openssl(&[&["req"][..], &ec, &request].concat())?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "req.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            name,
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ])?;
    }
    Some(())
}

/// Adds to `dir` (made by [`make`]) a server certificate signed by its CA for
/// `server_names` that expired in January 2020: `expired.pem`, `expired-key.pem`.
/// `None` when there is no `openssl` command.
pub fn make_expired(dir: &Path, server_names: &str) -> Option<()> {
    let openssl = |args: &[&str]| openssl(dir, args);
    openssl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "expired-key.pem",
        "-out",
        "expired.csr",
        "-subj",
        "/CN=expired",
    ])?;
    // `openssl x509 -days` takes no date in the past; `openssl ca` takes both dates
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "1000\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         default_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("expired.cnf"),
        format!("subjectAltName={server_names}\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl(&[
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        "ca.pem",
        "-keyfile",
        "ca-key.pem",
        "-startdate",
        "20200101000000Z",
        "-enddate",
        "20200102000000Z",
        "-notext",
        "-in",
        "expired.csr",
        "-out",
        "expired.pem",
        "-extfile",
        "expired.cnf",
    ])
}

/// Runs `openssl ARGS` in `dir`; `None` when there is no `openssl` command, a panic
/// when it fails.
fn openssl(dir: &Path, args: &[&str]) -> Option<()> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}

/// The certificates of a PEM file.
pub fn certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .unwrap()
        .map(|c| c.unwrap())
        .collect()
}

/// A server configuration with the server certificate of `dir`, speaking
/// `versions`; with `client_auth`, it requires a client certificate signed
/// by the test CA.
pub fn server_config(
    dir: &Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
    client_auth: bool,
) -> rustls::ServerConfig {
    server_config_with(dir, "server", versions, client_auth)
}

/// [`server_config`] with the certificate `NAME.pem` and key `NAME-key.pem` of `dir`
/// (`server`, or `expired` from [`make_expired`]).
pub fn server_config_with(
    dir: &Path,
    name: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
    client_auth: bool,
) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .unwrap();
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        for ca in certs(&dir.join("ca.pem")) {
            roots.add(ca).unwrap();
        }
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    builder
        .with_single_cert(
            certs(&dir.join(format!("{name}.pem"))),
            PrivateKeyDer::from_pem_file(dir.join(format!("{name}-key.pem"))).unwrap(),
        )
        .unwrap()
}
