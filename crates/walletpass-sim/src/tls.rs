//! Test certificates for https webhook receivers on loopback: [`TestTls`] makes a CA and a
//! server certificate for `127.0.0.1` at run time (rcgen), and [`TlsIdentity::serve`] serves an
//! axum app over rustls with it. Give the CA to a simulator
//! ([`PassNinjaOptions::trust_ca_pem`](crate::passninja::PassNinjaOptions::trust_ca_pem)) so
//! that it delivers to the receiver, since it refuses `http://` receivers as its vendor does.
//!
//! rcgen and tokio-rustls were chosen because rustls (with the aws-lc-rs provider) is already
//! the TLS stack of reqwest here, so no second TLS library or OpenSSL comes in.

use std::sync::Arc;

/// Why a `trust_ca_pem` setting (the CA a simulator's webhook deliveries trust) was refused.
/// The simulators' start functions return it inside an [`std::io::Error`] of kind
/// `InvalidInput`; `error.get_ref()` and `downcast_ref::<TrustCaError>()` give it back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustCaError {
    /// The text holds no `-----BEGIN CERTIFICATE-----` block: empty, only a key, or not PEM.
    /// Left as it was, deliveries would trust nothing more and an https receiver with a test
    /// certificate would fail every delivery without a word about why.
    #[error(
        "trust_ca_pem holds no certificate: give the PEM text of the CA that signed the https \
         receiver's certificate (a -----BEGIN CERTIFICATE----- block), or leave trust_ca_pem unset"
    )]
    NoCertificate,
    /// A certificate block that cannot be read.
    #[error("trust_ca_pem is not a readable PEM certificate: {0}")]
    Unreadable(#[source] reqwest::Error),
}

/// The client a simulator sends webhook deliveries with: the usual web roots, plus every CA
/// certificate in `trust_ca_pem` when it is set. A setting with no certificate in it is refused
/// ([`TrustCaError`]), never ignored.
pub(crate) fn delivery_client(trust_ca_pem: Option<&str>) -> std::io::Result<reqwest::Client> {
    let invalid = |e: TrustCaError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let mut builder = reqwest::Client::builder();
    if let Some(pem) = trust_ca_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| invalid(TrustCaError::Unreadable(e)))?;
        if certificates.is_empty() {
            return Err(invalid(TrustCaError::NoCertificate));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(std::io::Error::other)
}

async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    app: axum::Router,
) {
    while let Ok((tcp, _)) = listener.accept().await {
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

/// A server certificate and its key (DER), for the https loopback receiver.
#[derive(Clone)]
pub struct TlsIdentity {
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl TlsIdentity {
    /// Serve `app` over https on `listener` with this certificate, until the task is aborted.
    pub fn serve(
        &self,
        listener: tokio::net::TcpListener,
        app: axum::Router,
    ) -> Result<tokio::task::JoinHandle<()>, String> {
        let acceptor = self.acceptor()?;
        Ok(tokio::spawn(serve_tls(listener, acceptor, app)))
    }

    /// Bind a loopback port and serve `app` over https there: the base URL
    /// (`https://127.0.0.1:<port>`) and the server's task.
    pub async fn serve_loopback(
        &self,
        app: axum::Router,
    ) -> Result<(String, tokio::task::JoinHandle<()>), String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("could not bind an https receiver: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        Ok((format!("https://{addr}"), self.serve(listener, app)?))
    }

    /// The certificate and key, DER (for servers built here with other TLS settings).
    pub(crate) fn der_parts(&self) -> (&[u8], &[u8]) {
        (&self.cert_der, &self.key_der)
    }

    fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, String> {
        use tokio_rustls::rustls;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let cert = rustls::pki_types::CertificateDer::from(self.cert_der.clone());
        let key = rustls::pki_types::PrivateKeyDer::try_from(self.key_der.clone())
            .map_err(|e| format!("the receiver's key: {e}"))?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(|e| format!("the receiver's certificate: {e}"))?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

/// A certificate authority made at run time and a server certificate it signed for
/// `127.0.0.1` and `localhost`: give [`TestTls::ca_pem`] to the simulator as the CA it trusts
/// for deliveries, and [`TestTls::identity`] to the fixture.
pub struct TestTls {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    identity: TlsIdentity,
}

impl TestTls {
    /// Make a CA and a server certificate valid for a day either side of now.
    pub fn generate() -> Result<Self, String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let err = |e: rcgen::Error| format!("could not make a test certificate: {e}");
        let day = time::Duration::days(1);
        let now = time::OffsetDateTime::now_utc();
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "walletpass conformance test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = now - day;
        ca.not_after = now + day;
        let ca_key = KeyPair::generate().map_err(err)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
        let issuer = Issuer::new(ca, ca_key);
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(err)?;
        leaf.distinguished_name
            .push(DnType::CommonName, "walletpass conformance receiver");
        leaf.use_authority_key_identifier_extension = true;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.not_before = now - day;
        leaf.not_after = now + day;
        let leaf_key = KeyPair::generate().map_err(err)?;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(err)?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            identity: TlsIdentity {
                cert_der: leaf_cert.der().to_vec(),
                key_der: leaf_key.serialize_der(),
            },
        })
    }

    /// The server certificate and key, to serve with [`TlsIdentity::serve`].
    pub fn identity(&self) -> TlsIdentity {
        self.identity.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

    use super::*;
    use crate::{SimConfig, passinstance, passninja};

    /// The refusal an `io::Error` from a start function carries.
    fn refusal(e: &std::io::Error) -> &TrustCaError {
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<TrustCaError>())
            .unwrap_or_else(|| panic!("not a TrustCaError: {e}"))
    }

    /// Settings that hold no certificate: empty, blank, a key alone, prose.
    const NO_CERTIFICATE: [&str; 4] = [
        "",
        "  \n",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
        "the CA is in ca.pem",
    ];

    #[test]
    fn a_setting_with_no_certificate_is_refused_naming_the_setting() {
        for pem in NO_CERTIFICATE {
            let e = delivery_client(Some(pem)).unwrap_err();
            assert!(
                matches!(refusal(&e), TrustCaError::NoCertificate),
                "{pem:?}: {e}"
            );
            let shown = e.to_string();
            assert!(
                shown.contains("trust_ca_pem holds no certificate"),
                "{shown}"
            );
            assert!(shown.contains("BEGIN CERTIFICATE"), "{shown}");
        }
    }

    #[test]
    fn a_broken_certificate_block_is_refused() {
        let pem = "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n";
        let e = delivery_client(Some(pem)).unwrap_err();
        assert!(matches!(refusal(&e), TrustCaError::Unreadable(_)), "{e}");
        assert!(e.to_string().starts_with("trust_ca_pem "), "{e}");
    }

    #[test]
    fn a_real_ca_and_no_setting_both_build_a_client() {
        let tls = TestTls::generate().unwrap();
        delivery_client(Some(&tls.ca_pem)).unwrap();
        delivery_client(None).unwrap();
    }

    #[tokio::test]
    async fn both_simulators_refuse_to_start_with_no_certificate_to_trust() {
        let options = passninja::PassNinjaOptions {
            trust_ca_pem: Some(String::new()),
            ..passninja::PassNinjaOptions::default()
        };
        let e = passninja::launch(SimConfig::default(), options)
            .await
            .unwrap_err();
        assert!(matches!(refusal(&e), TrustCaError::NoCertificate), "{e}");
        let e = passinstance::start_trusting(SimConfig::default(), Some(""))
            .await
            .unwrap_err();
        assert!(matches!(refusal(&e), TrustCaError::NoCertificate), "{e}");
    }
}
