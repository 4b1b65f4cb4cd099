//! TLS to the database server with rustls: the system's root certificates plus, for a
//! private CA, the PEM file of [`PostgresConfig::with_ca_file`]. The certificate chain and
//! the host name are always verified (there is no "encrypt but trust anything" mode).

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use walletpass_core::{Result, config_error};

use super::PostgresConfig;
use super::config::ENV_DATABASE_CA;
use crate::PROVIDER;

/// The rustls client configuration for `config`.
pub(crate) fn client_config(config: &PostgresConfig) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable system certificates are skipped: a private CA may be all there is.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = &config.ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<std::result::Result<_, _>>())
            .map_err(|e| {
                config_error(
                    PROVIDER,
                    format!(
                        "{ENV_DATABASE_CA}: cannot read PEM certificates from {}: {e}",
                        path.display()
                    ),
                )
            })?;
        if certs.is_empty() {
            return Err(config_error(
                PROVIDER,
                format!(
                    "{ENV_DATABASE_CA}: {} holds no PEM certificate",
                    path.display()
                ),
            ));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| {
                config_error(
                    PROVIDER,
                    format!(
                        "{ENV_DATABASE_CA}: a certificate in {} is not usable: {e}",
                        path.display()
                    ),
                )
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(PROVIDER, format!("postgres TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
