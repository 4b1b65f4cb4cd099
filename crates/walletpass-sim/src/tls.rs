//! Test certificates for https webhook receivers on loopback: [`TestTls`] makes a CA and a
//! server certificate for `127.0.0.1` at run time (rcgen), and [`TlsIdentity::serve`] serves an
//! axum app over rustls with it. Give the CA to a simulator
//! ([`PassNinjaOptions::trust_ca_pem`](crate::passninja::PassNinjaOptions::trust_ca_pem)) so
//! that it delivers to the receiver, since it refuses `http://` receivers as its vendor does.
//!
//! rcgen and tokio-rustls were chosen because rustls (with the aws-lc-rs provider) is already
//! the TLS stack of reqwest here, so no second TLS library or OpenSSL comes in.

use std::sync::Arc;

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
/// for deliveries, and [`TestTls::receiver`] to the fixture.
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
