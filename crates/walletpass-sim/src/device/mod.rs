//! A simulated iPhone Wallet, written from apple-wallet.md §3 "Call order" alone:
//! - **add** a pass from its download link: the `.pkpass` is checked as Wallet checks it
//!   ([`verify`]: manifest, SHA-1s, signature, certificate chain to a trusted WWDR);
//! - **register** with the pass's `authenticationToken` at its `webServiceURL`
//!   (`POST .../v1/devices/<dli>/registrations/<ptid>/<serial>` with `{"pushToken"}`);
//! - on each **push** for a pass type, ask for the serials updated since its last tag
//!   (`passesUpdatedSince`, omitted the first time; `lastUpdated` must be a string), then
//!   fetch each changed pass with `If-Modified-Since` (the `Last-Modified` it got) and
//!   install the new version (200) or keep its own (304);
//! - **unregister** (`DELETE`) when the pass is removed, and send its errors to `/v1/log`.
//!
//! `http://` web service URLs are followed only to loopback hosts (development devices).

pub mod verify;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use rand::Rng;
use tokio::sync::{mpsc, watch};

pub use verify::{CheckedPass, check_pkpass};

/// A pass in the device's Wallet.
#[derive(Clone, Debug)]
pub struct InstalledPass {
    /// The checked bundle.
    pub pass: CheckedPass,
    /// The `Last-Modified` it came with.
    pub last_modified: Option<String>,
    /// How many versions were installed (1 on add).
    pub versions: u32,
}

impl InstalledPass {
    fn str(&self, key: &str) -> String {
        self.pass.pass_json[key]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// What happened on the device, for tests to wait on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceEvents {
    /// Pushes received.
    pub pushes: u32,
    /// List calls answered 200.
    pub lists: u32,
    /// Pass fetches answered 200 (a new version installed).
    pub fetched: u32,
    /// Pass fetches answered 304.
    pub not_modified: u32,
    /// Errors (each also POSTed to the web service's log).
    pub errors: Vec<String>,
}

/// A simulated device.
#[derive(Debug)]
pub struct Device {
    /// The `deviceLibraryIdentifier` (a secret of the device).
    pub library_id: String,
    /// Its APNs push token (64 hex characters).
    pub push_token: String,
    http: reqwest::Client,
    trusted_der: Vec<Vec<u8>>,
    state: Mutex<State>,
    events: watch::Sender<DeviceEvents>,
}

#[derive(Debug, Default)]
struct State {
    passes: HashMap<(String, String), InstalledPass>,
    tags: HashMap<String, String>,
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// A web service URL the device follows: https, or http to a loopback host.
fn allowed(url: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(url).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!("'{url}' is not https")),
    }
}

impl Device {
    /// The HTTP client a device uses on its own: it follows no redirects (a web service
    /// answers its calls directly). Build one and give it to many devices with
    /// [`with_client`](Self::with_client) so they share its connections.
    pub fn client() -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())
    }

    /// A device trusting the WWDR (or test CA) certificates `trusted_pem`, with a client of
    /// its own.
    pub fn new(trusted_pem: &[&str]) -> Result<Arc<Self>, String> {
        Self::with_client(trusted_pem, Self::client()?)
    }

    /// A device trusting `trusted_pem` that makes its calls with `http` (shared by many
    /// simulated devices, their connections are shared and bounded by that client's use).
    pub fn with_client(trusted_pem: &[&str], http: reqwest::Client) -> Result<Arc<Self>, String> {
        use der::{DecodePem, Encode};
        let mut trusted_der = Vec::new();
        for pem in trusted_pem {
            let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| format!("a trusted certificate: {e}"))?;
            trusted_der.push(cert.to_der().map_err(|e| e.to_string())?);
        }
        Ok(Arc::new(Self {
            library_id: random_hex(16),
            push_token: random_hex(32),
            http,
            trusted_der,
            state: Mutex::new(State::default()),
            events: watch::Sender::new(DeviceEvents::default()),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a test panicked; the state is still readable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What happened so far; `subscribe` to wait for changes.
    pub fn events(&self) -> watch::Receiver<DeviceEvents> {
        self.events.subscribe()
    }

    fn error(&self, message: String) -> String {
        self.events.send_modify(|e| e.errors.push(message.clone()));
        message
    }

    /// The installed pass `serial` of pass type `pass_type_id`.
    pub fn pass(&self, pass_type_id: &str, serial: &str) -> Option<InstalledPass> {
        self.lock()
            .passes
            .get(&(pass_type_id.to_owned(), serial.to_owned()))
            .cloned()
    }

    /// The last `lastUpdated` tag the device holds for `pass_type_id`.
    pub fn tag(&self, pass_type_id: &str) -> Option<String> {
        self.lock().tags.get(pass_type_id).cloned()
    }

    /// Add a pass from its download link; the installed pass.
    pub async fn add_from_link(&self, link: &str) -> Result<InstalledPass, String> {
        let response = self
            .http
            .get(link)
            .send()
            .await
            .map_err(|e| format!("download failed: {e}"))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("the download link answered {}", response.status()));
        }
        let last_modified = header(&response, "last-modified");
        let mime = header(&response, "content-type").unwrap_or_default();
        if mime != "application/vnd.apple.pkpass" {
            return Err(format!(
                "the download is '{mime}', not application/vnd.apple.pkpass"
            ));
        }
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        let pass = check_pkpass(&bytes, &self.trusted_der)?;
        let installed = InstalledPass {
            pass,
            last_modified,
            versions: 1,
        };
        let key = (
            installed.str("passTypeIdentifier"),
            installed.str("serialNumber"),
        );
        self.lock().passes.insert(key, installed.clone());
        Ok(installed)
    }

    fn registration_url(&self, pass: &InstalledPass) -> Result<(url::Url, String), String> {
        let base = pass.str("webServiceURL");
        let token = pass.str("authenticationToken");
        if base.is_empty() || token.len() < 16 {
            return Err("the pass has no webServiceURL or authenticationToken (>= 16)".into());
        }
        let url = allowed(&format!(
            "{}/v1/devices/{}/registrations/{}/{}",
            base.trim_end_matches('/'),
            self.library_id,
            pass.str("passTypeIdentifier"),
            pass.str("serialNumber")
        ))?;
        Ok((url, token))
    }

    /// Register for the pass's updates as Wallet does after adding it; the status answered.
    pub async fn register(&self, pass_type_id: &str, serial: &str) -> Result<u16, String> {
        self.register_with_token(pass_type_id, serial, None).await
    }

    /// Register with `token` instead of the pass's own (tests of wrong tokens).
    pub async fn register_with_token(
        &self,
        pass_type_id: &str,
        serial: &str,
        token: Option<&str>,
    ) -> Result<u16, String> {
        let pass = self
            .pass(pass_type_id, serial)
            .ok_or("the pass is not on the device")?;
        let (url, own) = self.registration_url(&pass)?;
        let response = self
            .http
            .post(url)
            .header(
                "authorization",
                format!("ApplePass {}", token.unwrap_or(&own)),
            )
            .json(&serde_json::json!({ "pushToken": self.push_token }))
            .send()
            .await
            .map_err(|e| format!("register failed: {e}"))?;
        Ok(response.status().as_u16())
    }

    /// Remove the pass from the device and unregister; the status answered.
    pub async fn remove(&self, pass_type_id: &str, serial: &str) -> Result<u16, String> {
        let pass = self
            .lock()
            .passes
            .remove(&(pass_type_id.to_owned(), serial.to_owned()))
            .ok_or("the pass is not on the device")?;
        let (url, token) = self.registration_url(&pass)?;
        let response = self
            .http
            .delete(url)
            .header("authorization", format!("ApplePass {token}"))
            .send()
            .await
            .map_err(|e| format!("unregister failed: {e}"))?;
        Ok(response.status().as_u16())
    }

    /// A web service URL of the device's passes of `pass_type_id`.
    fn web_service(&self, pass_type_id: &str) -> Option<String> {
        self.lock()
            .passes
            .iter()
            .find(|((t, _), _)| t == pass_type_id)
            .map(|(_, p)| p.str("webServiceURL").trim_end_matches('/').to_owned())
    }

    /// What Wallet does on a push for `pass_type_id`: list the serials updated since the
    /// last tag, fetch each with `If-Modified-Since`. Errors are logged to the web service.
    pub async fn on_push(&self, pass_type_id: &str) -> Result<(), String> {
        self.events.send_modify(|e| e.pushes += 1);
        let result = self.update(pass_type_id).await;
        if let Err(message) = &result {
            let message = self.error(message.clone());
            if let Some(base) = self.web_service(pass_type_id)
                && let Ok(url) = allowed(&format!("{base}/v1/log"))
            {
                let _ = self
                    .http
                    .post(url)
                    .json(&serde_json::json!({ "logs": [message] }))
                    .send()
                    .await;
            }
        }
        result
    }

    async fn update(&self, pass_type_id: &str) -> Result<(), String> {
        let base = self
            .web_service(pass_type_id)
            .ok_or("a push for a pass type with no pass on the device")?;
        let mut url = allowed(&format!(
            "{base}/v1/devices/{}/registrations/{pass_type_id}",
            self.library_id
        ))?;
        if let Some(tag) = self.tag(pass_type_id) {
            url.query_pairs_mut()
                .append_pair("passesUpdatedSince", &tag);
        }
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("list failed: {e}"))?;
        match response.status().as_u16() {
            204 => return Ok(()),
            200 => {}
            other => return Err(format!("the list call answered {other}")),
        }
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| format!("the list answer is not JSON: {e}"))?;
        let Some(tag) = body["lastUpdated"].as_str() else {
            return Err("lastUpdated is not a string: updates stop".into());
        };
        let serials: Vec<String> = body["serialNumbers"]
            .as_array()
            .ok_or("serialNumbers is not an array")?
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        if self.tag(pass_type_id).as_deref() == Some(tag) {
            return Err(format!("lastUpdated tag {tag} remained the same"));
        }
        self.lock()
            .tags
            .insert(pass_type_id.to_owned(), tag.to_owned());
        self.events.send_modify(|e| e.lists += 1);
        for serial in serials {
            self.fetch(pass_type_id, &serial).await?;
        }
        Ok(())
    }

    /// Fetch the latest version of a pass (pull to refresh, or after a list call): 200
    /// installs it, 304 keeps the one held. The status answered.
    pub async fn fetch(&self, pass_type_id: &str, serial: &str) -> Result<u16, String> {
        let pass = self
            .pass(pass_type_id, serial)
            .ok_or_else(|| format!("{serial} is listed but not on the device"))?;
        let url = allowed(&format!(
            "{}/v1/passes/{pass_type_id}/{serial}",
            pass.str("webServiceURL").trim_end_matches('/')
        ))?;
        let mut request = self.http.get(url).header(
            "authorization",
            format!("ApplePass {}", pass.str("authenticationToken")),
        );
        if let Some(since) = &pass.last_modified {
            request = request.header("if-modified-since", since);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("fetch failed: {e}"))?;
        let status = response.status().as_u16();
        match status {
            304 => {
                self.events.send_modify(|e| e.not_modified += 1);
                return Ok(status);
            }
            200 => {}
            other => return Err(format!("the pass fetch answered {other}")),
        }
        let Some(last_modified) = header(&response, "last-modified") else {
            return Err("did not provide a 'last-modified' header".into());
        };
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        let checked = check_pkpass(&bytes, &self.trusted_der)?;
        if checked.pass_json["serialNumber"] != serial
            || checked.pass_json["authenticationToken"]
                != pass.pass.pass_json["authenticationToken"]
        {
            return Err("the new version changed serialNumber or authenticationToken".into());
        }
        let installed = InstalledPass {
            pass: checked,
            last_modified: Some(last_modified),
            versions: pass.versions + 1,
        };
        self.lock()
            .passes
            .insert((pass_type_id.to_owned(), serial.to_owned()), installed);
        self.events.send_modify(|e| e.fetched += 1);
        Ok(status)
    }

    /// Handle every push from `pushes` (the APNs simulator's channel for this device) until
    /// it closes.
    pub fn listen(
        self: &Arc<Self>,
        mut pushes: mpsc::UnboundedReceiver<String>,
    ) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(topic) = pushes.recv().await {
                let _ = this.on_push(&topic).await;
            }
        })
    }
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
