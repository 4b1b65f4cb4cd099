//! [`Apple`], the backend's handle: building it from configuration (certificates and store),
//! the parts the other modules share (identity, store, webhook deliverer, the issuer of
//! `pass.json`), and the inherent methods only this backend has ([`Apple::pkpass`],
//! [`Apple::pass_json`], [`Apple::put_image`], [`Apple::update_tag`]). The
//! [`WalletProvider`](walletpass_core::WalletProvider) impl is in `provider`; turning stored
//! rows into passes in `passes`; holding content to its template in `conform`.

use std::sync::Arc;

use walletpass_core::{
    Capabilities, Error, ErrorKind, Operation, Pass, PassRef, Result, ResultExt, WebhookEventKind,
};

use crate::PROVIDER;
use crate::certs::Identity;
use crate::config::AppleConfig;
use crate::convert::{self, ImageSource, Input, Issuer};
use crate::error::invalid;
use crate::outbound_webhooks::Deliverer;
use crate::pkpass;
use crate::provider::capabilities;
use crate::store::{SqliteStore, Storage};

/// The store file in the data directory.
pub const STORE_FILE: &str = "walletpass-apple.sqlite3";

/// The Apple Wallet backend: passes signed here, stored in SQLite.
#[derive(Debug, Clone)]
pub struct Apple {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    identity: Identity,
    store: Arc<dyn Storage>,
    config: AppleConfig,
    capabilities: Capabilities,
    deliverer: Deliverer,
}

impl Apple {
    /// Build from configuration: load and check the certificates (or make the embedded test
    /// certificate), open the store.
    pub fn new(config: AppleConfig) -> Result<Self> {
        let identity = crate::certs::load(&config)?;
        let store: Arc<dyn Storage> = if let Some(postgres) = &config.postgres {
            Arc::new(crate::postgres::PostgresStore::connect(postgres.clone())?)
        } else if config.in_memory {
            Arc::new(SqliteStore::in_memory()?)
        } else {
            Arc::new(SqliteStore::open(&config.data_dir.join(STORE_FILE))?)
        };
        Self::with_store(config, identity, store)
    }

    /// Build from the environment ([`AppleConfig::from_env`]).
    pub fn from_env() -> Result<Self> {
        Self::new(AppleConfig::from_env()?)
    }

    fn with_store(
        config: AppleConfig,
        identity: Identity,
        store: Arc<dyn Storage>,
    ) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(Inner {
                identity,
                store,
                config,
                capabilities: capabilities(),
                deliverer: Deliverer::new()?,
            }),
        })
    }

    /// What this backend supports (the [`capabilities`] of every instance).
    pub(crate) fn declared_capabilities(&self) -> &Capabilities {
        &self.inner.capabilities
    }

    pub(crate) fn emit(&self, kind: WebhookEventKind, pass: &Pass) {
        self.inner.deliverer.emit(&self.inner.store, kind, pass);
    }

    /// The signing identity (pass type id, team id, certificates).
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    pub(crate) fn store(&self) -> &dyn Storage {
        self.inner.store.as_ref()
    }

    /// The store, shared (the push worker holds it).
    pub(crate) fn shared_store(&self) -> Arc<dyn Storage> {
        Arc::clone(&self.inner.store)
    }

    /// Store a PNG image and return its key, for `PassContent::images` and a template's
    /// `extra.images`. The same bytes give the same key.
    pub fn put_image(&self, png: &[u8]) -> Result<String> {
        let op = Operation::Vendor("put_image");
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(invalid(
                op,
                "image",
                "not a PNG file (Wallet images are PNG)",
            ));
        }
        use rsa::sha2::Digest;
        let key = format!("img_{}", &hex::encode(rsa::sha2::Sha256::digest(png))[..32]);
        self.store().put_image(&key, png).at(PROVIDER, op)?;
        Ok(key)
    }

    pub(crate) fn issuer(&self) -> Issuer<'_> {
        let web_service_url = self
            .inner
            .config
            .public_url
            .as_ref()
            .map(|u| format!("{}/passkit", u.as_str().trim_end_matches('/')));
        Issuer {
            pass_type_id: &self.inner.identity.pass_type_id,
            team_id: &self.inner.identity.team_id,
            web_service_url,
            organization_name: &self.inner.config.organization_name,
        }
    }

    pub(crate) fn download_link(&self, serial: &str) -> Option<String> {
        self.inner.config.public_url.as_ref().map(|u| {
            format!(
                "{}/passes/{}/{serial}.pkpass",
                u.as_str().trim_end_matches('/'),
                self.inner.identity.pass_type_id
            )
        })
    }

    /// The update tag of a pass: it increases by one with every change (the web service's
    /// `lastUpdated`).
    pub fn update_tag(&self, pass: &PassRef) -> Result<u64> {
        let op = Operation::Get;
        Ok(self.find(pass, op).at(PROVIDER, op)?.update_tag)
    }

    /// The `pass.json` of a pass, as it goes into its `.pkpass`.
    pub fn pass_json(&self, pass: &PassRef) -> Result<serde_json::Value> {
        let op = Operation::Vendor("pass_json");
        Ok(self.render(pass, op).at(PROVIDER, op)?.pass_json)
    }

    /// Render the stored pass as it is now.
    fn render(&self, pass: &PassRef, op: Operation) -> Result<convert::Rendered> {
        let row = self.find(pass, op)?;
        let template = self.row_template(&row, op)?;
        convert::render(
            &self.issuer(),
            &Input {
                serial: &row.serial,
                status: &row.status,
                content: &row.content,
                template: template.as_ref().map(|(t, a)| (t, a)),
                auth_token: &row.auth_token,
            },
            op,
        )
    }

    /// The signed `.pkpass` of a pass (`application/vnd.apple.pkpass`).
    pub fn pkpass(&self, pass: &PassRef) -> Result<Vec<u8>> {
        let op = Operation::Vendor("pkpass");
        self.package(pass, op).at(PROVIDER, op)
    }

    fn package(&self, pass: &PassRef, op: Operation) -> Result<Vec<u8>> {
        let rendered = self.render(pass, op)?;
        let mut files = pkpass::Files::new();
        let json = serde_json::to_vec(&rendered.pass_json).map_err(|e| {
            Error::new(ErrorKind::Decode, format!("pass.json: {e}")).at(PROVIDER, op)
        })?;
        files.insert("pass.json".into(), json);
        for (name, source) in rendered.images {
            let bytes = match source {
                ImageSource::Placeholder(b) => b.to_vec(),
                ImageSource::Stored(key) => self.store().get_image(&key)?.ok_or_else(|| {
                    Error::new(
                        ErrorKind::Server,
                        format!("images.{name}: the stored image '{key}' is missing"),
                    )
                    .at(PROVIDER, op)
                })?,
            };
            files.insert(name, bytes);
        }
        Ok(pkpass::package(&self.inner.identity, &files)?)
    }
}
