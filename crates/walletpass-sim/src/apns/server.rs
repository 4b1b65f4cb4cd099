//! The APNs simulator's HTTP/2-over-TLS server (hyper's HTTP/2 server on tokio-rustls, ALPN
//! `h2`) and its request handler. Client certificates are requested but not required (token
//! authentication has none); any certificate whose handshake signature verifies is
//! accepted at the TLS layer, and the handler checks it against the accepted list.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use http::{Request, Response, StatusCode};
use tokio_rustls::rustls;

use super::auth::{certificate_uid, check_token};
use super::{ApnsOptions, ApnsState, PushAuth, RecordedPush};
use crate::tls::TestTls;

/// A running APNs simulator.
pub struct RunningApns {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// The CA to trust for it (PEM).
    pub ca_pem: String,
    /// Its state: recorded pushes, fault knobs, device channels.
    pub state: Arc<ApnsState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RunningApns {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct AnyClientCert {
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::server::danger::ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        // Checked by the handler against the accepted certificates.
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

pub(super) async fn start(
    options: ApnsOptions,
    state: Arc<ApnsState>,
) -> Result<RunningApns, String> {
    let tls = TestTls::generate()?;
    let identity = tls.identity();
    let (cert, key) = identity.der_parts();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(AnyClientCert {
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(cert.to_vec())],
            rustls::pki_types::PrivateKeyDer::try_from(key.to_vec())
                .map_err(|e| format!("the APNs simulator's key: {e}"))?,
        )
        .map_err(|e| format!("the APNs simulator's certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("could not bind the APNs simulator: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let options = Arc::new(options);
    let shared = Arc::clone(&state);
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, options, state) =
                (acceptor.clone(), Arc::clone(&options), Arc::clone(&shared));
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let peer = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.to_vec());
                let service = hyper::service::service_fn(move |req| {
                    let (options, state, peer) =
                        (Arc::clone(&options), Arc::clone(&state), peer.clone());
                    async move { Ok::<_, Infallible>(handle(&options, &state, peer, req).await) }
                });
                let _ =
                    hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
            });
        }
    });
    Ok(RunningApns {
        url: format!("https://{addr}"),
        ca_pem: tls.ca_pem.clone(),
        state,
        task,
    })
}

fn answer(
    state: &ApnsState,
    status: u16,
    reason: Option<&str>,
    timestamp: Option<i64>,
) -> Response<Body> {
    state.lock().answered.push(status);
    let mut body = serde_json::Map::new();
    if let Some(reason) = reason {
        body.insert("reason".into(), reason.into());
    }
    if let Some(t) = timestamp {
        body.insert("timestamp".into(), t.into());
    }
    let body = if body.is_empty() {
        Body::empty()
    } else {
        Body::from(serde_json::Value::Object(body).to_string())
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("apns-id", uuid::Uuid::new_v4().to_string().to_uppercase())
        .body(body)
        .unwrap_or_default()
}

/// Most bytes of a payload (APNs' limit for notifications).
const MAX_PAYLOAD: usize = 4096;

async fn handle(
    options: &ApnsOptions,
    state: &ApnsState,
    peer: Option<Vec<u8>>,
    req: Request<hyper::body::Incoming>,
) -> Response<Body> {
    let Some(device_token) = req
        .uri()
        .path()
        .strip_prefix("/3/device/")
        .map(str::to_owned)
    else {
        return answer(state, 404, Some("BadPath"), None);
    };
    if req.method() != http::Method::POST {
        return answer(state, 405, Some("MethodNotAllowed"), None);
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (auth, allowed_topics) = match header("authorization") {
        Some(value) => {
            let Some(token) = value.strip_prefix("bearer ") else {
                return answer(state, 403, Some("InvalidProviderToken"), None);
            };
            match check_token(token, &options.token_keys) {
                Ok(key) => (PushAuth::Token(key.key_id.clone()), key.topics.clone()),
                Err(reason) => return answer(state, 403, Some(reason), None),
            }
        }
        None => match &peer {
            None => return answer(state, 403, Some("MissingProviderToken"), None),
            Some(der) if !options.client_certificates.contains(der) => {
                return answer(state, 403, Some("BadCertificate"), None);
            }
            Some(der) => {
                let uid = certificate_uid(der).unwrap_or_default();
                (PushAuth::Certificate(uid.clone()), vec![uid])
            }
        },
    };
    let Some(topic) = header("apns-topic") else {
        return answer(state, 400, Some("MissingTopic"), None);
    };
    if !allowed_topics.contains(&topic) {
        return answer(state, 400, Some("TopicDisallowed"), None);
    }
    if device_token.len() != 64 || !device_token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return answer(state, 400, Some("BadDeviceToken"), None);
    }
    let Ok(body) = axum::body::to_bytes(Body::new(req.into_body()), MAX_PAYLOAD + 1).await else {
        return answer(state, 413, Some("PayloadTooLarge"), None);
    };
    if body.len() > MAX_PAYLOAD {
        return answer(state, 413, Some("PayloadTooLarge"), None);
    }
    let Ok(body @ serde_json::Value::Object(_)) = serde_json::from_slice(&body) else {
        return answer(state, 400, Some("BadPayload"), None);
    };
    state.wait_while_held().await;
    let (status, reason, timestamp, deliver) = {
        let mut inner = state.lock();
        if let Some(t) = inner.unregistered.get(&device_token) {
            (410, Some("Unregistered"), Some(*t), None)
        } else if inner.bad.contains(&device_token) {
            (400, Some("BadDeviceToken"), None, None)
        } else if let Some((status, reason)) = inner.faults.pop_front() {
            (status, Some(reason), None, None)
        } else {
            inner.pushes.push(RecordedPush {
                device_token: device_token.clone(),
                topic: topic.clone(),
                auth,
                body,
            });
            (200, None, None, inner.devices.get(&device_token).cloned())
        }
    };
    if let Some(device) = deliver {
        let _ = device.send(topic);
    }
    answer(state, status, reason, timestamp)
}
