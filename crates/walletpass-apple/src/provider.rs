//! [`Apple`]: the [`WalletProvider`] trait over the local store, the `pass.json` renderer and
//! the signer, plus the inherent methods only this backend has ([`Apple::pkpass`],
//! [`Apple::put_image`], [`Apple::pass_json`]).

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;
use time::OffsetDateTime;
use walletpass_core::paging;
use walletpass_core::{
    BarcodeFormat, Capabilities, CreatedWebhookSubscription, Cursor, ErrorKind, Field, Fields,
    ListQuery, NewPass, NewTemplate, NewWebhookSubscription, Operation, Page, Pass, PassContent,
    PassId, PassLinks, PassPatch, PassRef, PassStatus, Platform, Result, ResultExt, Template,
    TemplateId, WalletProvider, WebhookDelivery, WebhookEventKind, WebhookId, WebhookSubscription,
    WebhookVerifier,
};

use crate::PROVIDER;
use crate::certs::Identity;
use crate::config::AppleConfig;
use crate::convert::{self, ImageSource, Input, Issuer};
use crate::error::{error, invalid, not_found};
use crate::pkpass;
use crate::store::{PassChange, PassFilter, PassRow, SqliteStore, Storage};
use crate::template::AppleTemplate;
use crate::webhook::{AppleWebhookVerifier, Deliverer};

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;
/// The store file in the data directory.
pub const STORE_FILE: &str = "walletpass-apple.sqlite3";

/// What this backend supports: everything but the bulk path.
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::none();
    c.create = true;
    c.get = true;
    c.patch = true;
    c.put = true;
    c.delete = true;
    c.void = true;
    c.list = true;
    c.list_full_content = true;
    c.search = true;
    c.list_filter_status = true;
    c.caller_serial = true;
    c.templates_list = true;
    c.templates_get = true;
    c.templates_create = true;
    c.templates_delete = true;
    c.webhooks_create = true;
    c.webhooks_list = true;
    c.webhooks_get = true;
    c.webhooks_delete = true;
    c.webhooks_deliveries = true;
    c.webhooks_verify = true;
    c.labels = true;
    c.placements = true;
    c.link_values = true;
    c.typed_values = true;
    c.change_messages = true;
    c.colors = true;
    c.label_color = true;
    c.appearance_texts = true;
    c.barcode_formats = BarcodeFormat::ALL.into_iter().collect();
    c.barcode_alt_text = true;
    c.relevant_date = true;
    c.expiration_date = true;
    c.images = true;
    c.locations = true;
    c.extra = true;
    c.fixed_field_keys = true;
    c.max_fields_per_placement = vec![(walletpass_core::Placement::Header, 3)];
    c
}

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

/// Serials: 1 to 128 characters from `A-Z a-z 0-9 _ . : -` (they go into web service paths).
fn check_serial(op: Operation, field: &str, id: &str) -> Result<()> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_.:-".contains(&b);
    if (1..=128).contains(&id.len()) && id.bytes().all(allowed) {
        return Ok(());
    }
    Err(invalid(
        op,
        field,
        format!("'{id}' is malformed: expected 1 to 128 characters from A-Z a-z 0-9 _ . : -"),
    )
    .with_resource(id))
}

/// One page from up to `size + 1` rows in position order: the cursor is the position of the
/// last row returned when there is more.
fn page_of<T>(mut rows: Vec<(u64, T)>, size: usize) -> Page<T> {
    let more = rows.len() > size;
    rows.truncate(size);
    let next = more
        .then(|| rows.last().map(|(seq, _)| Cursor::new(seq.to_string())))
        .flatten();
    Page {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}

fn page_bounds(query: &ListQuery, op: Operation) -> Result<(u64, usize)> {
    let after = paging::offset(query.cursor.as_ref(), "Apple").at(PROVIDER, op)?;
    let size = paging::page_size(query.page_size, u32::try_from(MAX_PAGE).ok())
        .at(PROVIDER, op)?
        .map_or(DEFAULT_PAGE, |n| n as usize);
    Ok((after, size))
}

fn when(nanos: i128) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// A random `authenticationToken`: 32 hex characters (128 random bits).
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    hex::encode(bytes)
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
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(invalid(
                Operation::Vendor("put_image"),
                "image",
                "not a PNG file (Wallet images are PNG)",
            ));
        }
        use rsa::sha2::Digest;
        let key = format!("img_{}", &hex::encode(rsa::sha2::Sha256::digest(png))[..32]);
        self.store().put_image(&key, png)?;
        Ok(key)
    }

    fn issuer(&self) -> Issuer<'_> {
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

    fn download_link(&self, serial: &str) -> Option<String> {
        self.inner.config.public_url.as_ref().map(|u| {
            format!(
                "{}/passes/{}/{serial}.pkpass",
                u.as_str().trim_end_matches('/'),
                self.inner.identity.pass_type_id
            )
        })
    }

    fn template(&self, id: &str, op: Operation) -> Result<(Template, AppleTemplate)> {
        let template = self
            .store()
            .get_template(id)?
            .ok_or_else(|| not_found(op, "template", id))?;
        let apple = AppleTemplate::from_template(&template, op)?;
        Ok((template, apple))
    }

    fn row_template(
        &self,
        row: &PassRow,
        op: Operation,
    ) -> Result<Option<(Template, AppleTemplate)>> {
        row.template
            .as_deref()
            .map(|t| self.template(t, op))
            .transpose()
    }

    /// Hold `content` to its template: only its keys, the required ones present, defaults for
    /// the omitted ones, labels and placements from the specs where the field has none.
    fn conform(template: &Template, content: PassContent, op: Operation) -> Result<PassContent> {
        if template.fields.is_empty() {
            return Ok(content);
        }
        let known = || {
            template
                .fields
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out: Vec<Field> = Vec::with_capacity(template.fields.len());
        for field in content.fields.iter() {
            let spec = template.field_spec(field.key.as_str()).ok_or_else(|| {
                invalid(
                    op,
                    format!("fields[{}]", field.key),
                    format!(
                        "template '{}' has no field '{}' (it has: {})",
                        template.id,
                        field.key,
                        known()
                    ),
                )
            })?;
            let mut field = field.clone();
            field.label = field.label.or_else(|| spec.label.clone());
            field.placement = field.placement.or(spec.placement);
            out.push(field);
        }
        for spec in template
            .fields
            .iter()
            .filter(|s| content.field(s.key.as_str()).is_none())
        {
            if let Some(default) = &spec.default {
                out.push(Field {
                    key: spec.key.clone(),
                    label: spec.label.clone(),
                    value: default.clone(),
                    placement: spec.placement,
                    change_message: None,
                });
            } else if spec.required {
                return Err(invalid(
                    op,
                    format!("fields[{}]", spec.key),
                    format!("template '{}' requires field '{}'", template.id, spec.key),
                ));
            }
        }
        Ok(PassContent {
            fields: Fields::try_from_vec(out)?,
            ..content
        })
    }

    /// Check that `row` renders (every Apple limit, every image present).
    fn check_renders(
        &self,
        row_serial: &str,
        status: &PassStatus,
        content: &PassContent,
        template: Option<&(Template, AppleTemplate)>,
        op: Operation,
    ) -> Result<convert::Rendered> {
        let rendered = convert::render(
            &self.issuer(),
            &Input {
                serial: row_serial,
                status,
                content,
                template: template.map(|(t, a)| (t, a)),
                auth_token: "0000000000000000",
            },
            op,
        )?;
        for (name, source) in &rendered.images {
            if let ImageSource::Stored(key) = source
                && self.store().get_image(key)?.is_none()
            {
                return Err(invalid(
                    op,
                    format!("images.{name}"),
                    format!("no image '{key}' is stored: upload it with put_image first"),
                ));
            }
        }
        Ok(rendered)
    }

    pub(crate) fn to_pass(&self, row: PassRow) -> Pass {
        let id = PassId::new(row.serial.clone());
        let template = row.template.and_then(|t| TemplateId::new(t).ok());
        let pass_ref = match id {
            Ok(id) => PassRef { template, id },
            Err(_) => unreachable_ref(&row.serial),
        };
        Pass {
            serial_number: row.serial.clone(),
            pass_ref,
            status: row.status,
            content: row.content,
            links: PassLinks {
                download: self.download_link(&row.serial),
                ..PassLinks::default()
            },
            installs: self.installs(&row.serial),
            created_at: when(row.created_at),
            updated_at: when(row.updated_at),
        }
    }

    fn find(&self, pass: &PassRef, op: Operation) -> Result<PassRow> {
        check_serial(op, "pass_id", pass.id.as_str())?;
        let row = self
            .store()
            .get_pass(pass.id.as_str())?
            .ok_or_else(|| not_found(op, "pass", pass.id.as_str()))?;
        if let Some(t) = &pass.template
            && row.template.as_deref() != Some(t.as_str())
        {
            return Err(not_found(op, "pass", &pass.to_string()));
        }
        Ok(row)
    }

    fn change(
        &self,
        pass: &PassRef,
        op: Operation,
        mut f: impl FnMut(&PassRow, Option<&(Template, AppleTemplate)>) -> Result<Option<PassChange>>,
    ) -> Result<Pass> {
        let row = self.find(pass, op)?;
        let template = self.row_template(&row, op)?;
        let mut changed = false;
        let updated = self
            .store()
            .update_pass(pass.id.as_str(), &mut |current| {
                let Some(next) = f(current, template.as_ref())? else {
                    return Ok(None);
                };
                changed = true;
                self.check_renders(
                    &current.serial,
                    &next.status,
                    &next.content,
                    template.as_ref(),
                    op,
                )?;
                Ok(Some(next))
            })?
            .ok_or_else(|| not_found(op, "pass", pass.id.as_str()))?;
        let pass = self.to_pass(updated);
        if changed {
            let kind = match op {
                Operation::Void => WebhookEventKind::PassVoided,
                _ => WebhookEventKind::PassUpdated,
            };
            self.emit(kind, &pass);
        }
        Ok(pass)
    }

    /// The update tag of a pass: it increases by one with every change (the web service's
    /// `lastUpdated`).
    pub fn update_tag(&self, pass: &PassRef) -> Result<u64> {
        Ok(self.find(pass, Operation::Get)?.update_tag)
    }

    /// The `pass.json` of a pass, as it goes into its `.pkpass`.
    pub fn pass_json(&self, pass: &PassRef) -> Result<serde_json::Value> {
        Ok(self.render(pass, Operation::Vendor("pass_json"))?.pass_json)
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
        let rendered = self.render(pass, op)?;
        let mut files = pkpass::Files::new();
        let json = serde_json::to_vec(&rendered.pass_json)
            .map_err(|e| error(ErrorKind::Decode, op, format!("pass.json: {e}")))?;
        files.insert("pass.json".into(), json);
        for (name, source) in rendered.images {
            let bytes = match source {
                ImageSource::Placeholder(b) => b.to_vec(),
                ImageSource::Stored(key) => self.store().get_image(&key)?.ok_or_else(|| {
                    error(
                        ErrorKind::Server,
                        op,
                        format!("images.{name}: the stored image '{key}' is missing"),
                    )
                })?,
            };
            files.insert(name, bytes);
        }
        Ok(pkpass::package(&self.inner.identity, &files)?)
    }
}

/// A stored serial always passed [`check_serial`]; a row that does not is reported as such.
fn unreachable_ref(serial: &str) -> PassRef {
    PassRef {
        template: None,
        id: PassId::new(format!("invalid-stored-serial-{}", serial.len()))
            .unwrap_or_else(|_| unreachable!("a fixed well-formed id")),
    }
}

#[async_trait]
impl WalletProvider for Apple {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.inner.capabilities
    }

    async fn create(&self, new: NewPass) -> Result<Pass> {
        let op = Operation::Create;
        new.content.validate()?;
        let template = match &new.template {
            Some(t) => Some(self.template(t.as_str(), op)?),
            None => None,
        };
        let content = match &template {
            Some((t, _)) => Self::conform(t, new.content, op)?,
            None => new.content,
        };
        let serial = match &new.serial_number {
            Some(s) => {
                check_serial(op, "serial_number", s.as_str())?;
                s.to_string()
            }
            None => uuid::Uuid::new_v4().simple().to_string(),
        };
        self.check_renders(
            &serial,
            &PassStatus::Active,
            &content,
            template.as_ref(),
            op,
        )?;
        let now = OffsetDateTime::now_utc().unix_timestamp_nanos();
        let row = PassRow {
            seq: 0,
            serial: serial.clone(),
            template: new.template.as_ref().map(|t| t.to_string()),
            status: PassStatus::Active,
            content,
            auth_token: new_token(),
            update_tag: 1,
            created_at: now,
            updated_at: now,
        };
        match self.store().insert_pass(&row)? {
            Ok(stored) => {
                let pass = self.to_pass(stored);
                self.emit(WebhookEventKind::PassCreated, &pass);
                Ok(pass)
            }
            Err(existing)
                if existing.content == row.content && existing.template == row.template =>
            {
                Ok(self.to_pass(existing))
            }
            Err(_) => Err(error(
                ErrorKind::Conflict,
                op,
                format!("a pass with serial '{serial}' already exists with other content"),
            )
            .with_resource(serial)),
        }
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        Ok(self.to_pass(self.find(pass, Operation::Get)?))
    }

    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        let op = Operation::Patch;
        self.change(pass, op, |current, template| {
            let content = current.content.apply_patch(patch)?;
            let content = match template {
                Some((t, _)) => Self::conform(t, content, op)?,
                None => content,
            };
            Ok(Some(PassChange {
                status: current.status.clone(),
                content,
            }))
        })
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        let op = Operation::Put;
        content.validate()?;
        self.change(pass, op, |current, template| {
            let content = match template {
                Some((t, _)) => Self::conform(t, content.clone(), op)?,
                None => content.clone(),
            };
            Ok(Some(PassChange {
                status: current.status.clone(),
                content,
            }))
        })
    }

    async fn delete(&self, pass: &PassRef) -> Result<()> {
        let op = Operation::Delete;
        self.find(pass, op)?;
        if self.store().delete_pass(pass.id.as_str())? {
            Ok(())
        } else {
            Err(not_found(op, "pass", pass.id.as_str()))
        }
    }

    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        self.change(pass, Operation::Void, |current, _| {
            Ok((current.status != PassStatus::Voided).then(|| PassChange {
                status: PassStatus::Voided,
                content: current.content.clone(),
            }))
        })
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        let op = Operation::List;
        let (after, size) = page_bounds(query, op)?;
        let filter = PassFilter {
            template: query.template.as_ref().map(|t| t.to_string()),
            status: query.status.as_ref().map(|s| s.as_str().to_owned()),
            search: query.search.clone(),
        };
        let rows = self.store().list_passes(&filter, after, size + 1)?;
        let rows = rows.into_iter().map(|r| (r.seq, self.to_pass(r))).collect();
        Ok(page_of(rows, size))
    }

    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        let (after, size) = page_bounds(query, Operation::ListTemplates)?;
        Ok(page_of(self.store().list_templates(after, size + 1)?, size))
    }

    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        let op = Operation::GetTemplate;
        check_serial(op, "template_id", id.as_str())?;
        Ok(self.template(id.as_str(), op)?.0)
    }

    async fn create_template(&self, new: NewTemplate) -> Result<Template> {
        let op = Operation::CreateTemplate;
        new.validate()?;
        let apple = AppleTemplate::from_new(&new, op)?;
        for (name, key) in &apple.images {
            if self.store().get_image(key)?.is_none() {
                return Err(invalid(
                    op,
                    format!("extra.images.{name}"),
                    format!("no image '{key}' is stored: upload it with put_image first"),
                ));
            }
        }
        for key in apple.change_messages.keys() {
            if !new.fields.iter().any(|s| s.key.as_str() == key) && !new.fields.is_empty() {
                return Err(invalid(
                    op,
                    format!("extra.changeMessages.{key}"),
                    "the template has no such field",
                ));
            }
        }
        if matches!(new.platform, Some(Platform::Google)) {
            return Err(invalid(
                op,
                "platform",
                "this backend issues Apple Wallet passes only",
            ));
        }
        let template = Template {
            id: TemplateId::new(format!("tpl_{}", uuid::Uuid::new_v4().simple()))?,
            name: new.name,
            platform: Some(Platform::Apple),
            style: Some(apple.style().key().to_owned()),
            fields: new.fields,
            appearance: new.appearance,
            issued_count: None,
            installed_count: None,
            created_at: Some(OffsetDateTime::now_utc()),
            extra: new.extra,
        };
        self.store().insert_template(&template)?;
        Ok(template)
    }

    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        let op = Operation::DeleteTemplate;
        check_serial(op, "template_id", id.as_str())?;
        match self.store().delete_template(id.as_str())? {
            None => Err(not_found(op, "template", id.as_str())),
            Some(Ok(())) => Ok(()),
            Some(Err(count)) => Err(error(
                ErrorKind::Conflict,
                op,
                format!(
                    "template '{id}' still has {count} pass(es): delete or move them first (a template with passes is never deleted, so no pass goes with it)"
                ),
            )
            .with_resource(id.as_str())),
        }
    }

    async fn create_webhook(
        &self,
        new: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        let op = Operation::CreateWebhook;
        if let Some(t) = &new.template {
            self.template(t.as_str(), op)?;
        }
        let sent = [
            WebhookEventKind::PassCreated,
            WebhookEventKind::PassUpdated,
            WebhookEventKind::PassVoided,
            WebhookEventKind::PassInstalled,
            WebhookEventKind::PassUninstalled,
        ];
        if let Some(kind) = new.events.iter().find(|k| !sent.contains(k)) {
            tracing::warn!(
                provider = PROVIDER,
                event = %kind,
                "webhook subscription kept, but this backend never sends this kind"
            );
        }
        let secret = match new.secret {
            Some(s) if secrecy::ExposeSecret::expose_secret(&s).is_empty() => {
                return Err(invalid(op, "secret", "an empty secret is no secret"));
            }
            Some(s) => s,
            None => SecretString::from(format!("whsec_{}", new_token())),
        };
        let subscription = WebhookSubscription {
            id: WebhookId::new(format!("wh_{}", uuid::Uuid::new_v4().simple()))?,
            url: new.url.to_string(),
            events: new.events,
            template: new.template,
            active: true,
            created_at: Some(OffsetDateTime::now_utc()),
        };
        self.store().insert_webhook(&subscription, &secret)?;
        Ok(CreatedWebhookSubscription {
            subscription,
            secret,
        })
    }

    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        let (after, size) = page_bounds(query, Operation::ListWebhooks)?;
        let template = query.template.as_ref().map(TemplateId::as_str);
        Ok(page_of(
            self.store().list_webhooks(template, after, size + 1)?,
            size,
        ))
    }

    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        self.store()
            .get_webhook(id.as_str())?
            .ok_or_else(|| not_found(Operation::GetWebhook, "webhook subscription", id.as_str()))
    }

    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        if self.store().delete_webhook(id.as_str())? {
            Ok(())
        } else {
            Err(not_found(
                Operation::DeleteWebhook,
                "webhook subscription",
                id.as_str(),
            ))
        }
    }

    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        let op = Operation::WebhookDeliveries;
        let (after, size) = page_bounds(query, op)?;
        if self.store().get_webhook(id.as_str())?.is_none() {
            return Err(not_found(op, "webhook subscription", id.as_str()));
        }
        Ok(page_of(
            self.store().list_deliveries(id.as_str(), after, size + 1)?,
            size,
        ))
    }

    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        if secrecy::ExposeSecret::expose_secret(&secret).is_empty() {
            return Err(invalid(
                Operation::VerifyWebhook,
                "secret",
                "an empty secret is no secret",
            ));
        }
        Ok(Box::new(AppleWebhookVerifier::new(secret)))
    }

    fn batch(&self) -> Option<&dyn walletpass_core::BatchProvider> {
        None
    }
}
