//! What a scenario runs with: the provider, the backend's [`Fixture`], a random prefix for
//! everything the run creates, and a record of what to delete afterwards (passes, webhook
//! subscriptions and templates), deleted at the end whether the scenarios passed or not.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use walletpass_core::{
    ErrorKind, Field, FieldKey, FieldValue, Fields, NewPass, PassContent, PassId, PassRef,
    TemplateId, WalletProvider, WebhookId,
};

use crate::receiver::Receiver;

/// The part a key plays in the scenarios: the base content has a member name, a points value
/// (the one `patch` changes) and a tier, whatever the template calls them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The member's name (`Jane Doe`).
    Member,
    /// The points (`1200`), the field a patch changes.
    Points,
    /// The tier (`Gold`); absent when the template has only two text keys.
    Tier,
}

impl Role {
    /// The roles in the order a fixture lists their keys.
    pub const ALL: [Role; 3] = [Role::Member, Role::Points, Role::Tier];

    /// The key the shared snapshots use for this role.
    pub fn snapshot_key(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Points => "points",
            Role::Tier => "tier",
        }
    }

    /// The label the shared snapshots use for this role.
    pub fn snapshot_label(self) -> &'static str {
        match self {
            Role::Member => "Member",
            Role::Points => "Points",
            Role::Tier => "Tier",
        }
    }
}

/// One key the scenarios write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureKey {
    /// The template's key.
    pub key: FieldKey,
    /// The template's label for it, written with every value (`None`: written without one).
    pub label: Option<String>,
}

/// The field keys the scenarios write, taken from the chosen template.
#[derive(Clone, Debug, PartialEq)]
pub struct FixtureFields {
    /// The keys of [`Role::ALL`], in that order: two or three.
    pub roles: Vec<FixtureKey>,
    /// The template's other keys, written with these values on every pass so that no template
    /// default shows up in what is read back.
    pub others: Vec<(FieldKey, FieldValue)>,
    /// Whether labels are compared: `false` where they live on the template and the vendor's
    /// API does not return them (the keys are then written without labels).
    pub labels_compared: bool,
}

impl Default for FixtureFields {
    /// `member`, `points` and `tier`, labelled `Member`, `Points` and `Tier`.
    fn default() -> Self {
        Self {
            roles: Role::ALL
                .iter()
                .map(|r| FixtureKey {
                    key: FieldKey::new(r.snapshot_key())
                        .unwrap_or_else(|_| unreachable!("static key")),
                    label: Some(r.snapshot_label().to_owned()),
                })
                .collect(),
            others: Vec::new(),
            labels_compared: true,
        }
    }
}

impl FixtureFields {
    /// The key of a role, when the template has one for it.
    pub fn key(&self, role: Role) -> Option<&FixtureKey> {
        let index = Role::ALL.iter().position(|r| *r == role)?;
        self.roles.get(index)
    }

    /// The role a key plays, if any.
    pub fn role_of(&self, key: &str) -> Option<Role> {
        self.roles
            .iter()
            .position(|k| k.key.as_str() == key)
            .and_then(|i| Role::ALL.get(i).copied())
    }

    /// Whether `key` is one of the template's other keys.
    pub fn is_other(&self, key: &str) -> bool {
        self.others.iter().any(|(k, _)| k.as_str() == key)
    }

    /// A text field for a role, with the template's label where labels are compared.
    pub fn field(&self, role: Role, value: &str) -> Result<Field, String> {
        let key = self
            .key(role)
            .ok_or_else(|| format!("the fixture has no key for {role:?}"))?;
        Ok(Field {
            key: key.key.clone(),
            label: key.label.clone(),
            value: value.into(),
            placement: None,
            change_message: None,
        })
    }

    /// Content with one value per role (in [`Role::ALL`] order, extra values ignored) and the
    /// template's other keys.
    pub fn content(&self, values: [&str; 3]) -> Result<PassContent, String> {
        let mut fields = Vec::new();
        for (role, value) in Role::ALL.iter().zip(values).take(self.roles.len()) {
            fields.push(self.field(*role, value)?);
        }
        for (key, value) in &self.others {
            fields.push(Field {
                key: key.clone(),
                label: None,
                value: value.clone(),
                placement: None,
                change_message: None,
            });
        }
        Ok(PassContent {
            fields: Fields::try_from_vec(fields).map_err(|e| e.to_string())?,
            ..PassContent::default()
        })
    }

    /// Every key, comma-separated, for reports.
    pub fn describe(&self) -> String {
        let roles: Vec<String> = self.roles.iter().map(|k| k.key.to_string()).collect();
        let mut out = roles.join(", ");
        if !self.others.is_empty() {
            let others: Vec<String> = self.others.iter().map(|(k, _)| k.to_string()).collect();
            out.push_str(&format!(
                " (and {}, written with fixed values)",
                others.join(", ")
            ));
        }
        out
    }
}

/// What a backend needs for the scenarios, beyond the provider itself.
#[derive(Clone, Default)]
pub struct Fixture {
    /// The template passes are created in (`None` for vendors without templates, or when no
    /// template of the account fits: see [`Fixture::template_missing`]).
    pub template: Option<TemplateId>,
    /// Why there is no template, when the vendor needs one: the skip reason of every scenario
    /// that creates a pass (it names the flag to pass).
    pub template_missing: Option<String>,
    /// A template id to address passes that do not exist by, where the vendor addresses passes
    /// through their template and no usable template was found (any template of the account).
    pub address_template: Option<TemplateId>,
    /// The keys the scenarios write (by default `member`, `points`, `tier`).
    pub fields: FixtureFields,
    /// A well-formed id that does not exist.
    pub unknown_id: Option<PassId>,
    /// An id the backend must refuse as malformed (before sending anything); `None` when every
    /// string is a valid id for it.
    pub malformed_id: Option<PassId>,
    /// A delivery body in the vendor's webhook format, for the verification scenario.
    pub webhook_sample: Option<Vec<u8>>,
    /// The same backend with wrong credentials.
    pub bad_credentials: Option<Arc<dyn WalletProvider>>,
    /// Where the vendor's webhook deliveries can reach the suite (or why they cannot).
    pub receiver: Receiver,
    /// Whether scenarios may create what the provider cannot delete (a webhook subscription
    /// on a vendor without a delete endpoint): only for a throwaway simulator, never for an
    /// account someone uses. What is created this way is listed as left behind.
    pub allow_undeletable: bool,
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("template", &self.template)
            .field("template_missing", &self.template_missing)
            .field("address_template", &self.address_template)
            .field("fields", &self.fields)
            .field("unknown_id", &self.unknown_id)
            .field("malformed_id", &self.malformed_id)
            .field(
                "webhook_sample",
                &self.webhook_sample.as_ref().map(Vec::len),
            )
            .field("bad_credentials", &self.bad_credentials.is_some())
            .field("receiver", &self.receiver)
            .field("allow_undeletable", &self.allow_undeletable)
            .finish()
    }
}

/// Something a run created, to delete at the end.
#[derive(Clone, Debug)]
enum Created {
    Pass(PassRef),
    Webhook(WebhookId),
    Template(TemplateId),
}

/// The context of one suite run.
pub struct Ctx {
    /// The provider under test.
    pub provider: Arc<dyn WalletProvider>,
    /// The backend's fixture.
    pub fixture: Fixture,
    /// A random prefix (`wpt<8 hex>`) for serials and names this run creates.
    pub prefix: String,
    counter: AtomicU32,
    created: Mutex<Vec<Created>>,
}

impl Ctx {
    pub(crate) fn new(provider: Arc<dyn WalletProvider>, fixture: Fixture) -> Self {
        let random = uuid::Uuid::new_v4().simple().to_string();
        Self {
            provider,
            fixture,
            prefix: format!("wpt{}", &random[..8]),
            counter: AtomicU32::new(0),
            created: Mutex::new(Vec::new()),
        }
    }

    /// A unique name under the run's prefix.
    pub fn unique(&self, what: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        format!("{}-{what}-{n}", self.prefix)
    }

    /// The base content: one value per role (`Jane Doe`, `1200`, `Gold`) under the fixture's
    /// keys.
    pub fn base_content(&self) -> Result<PassContent, String> {
        self.fixture.fields.content(["Jane Doe", "1200", "Gold"])
    }

    /// The key of a role (the fixture always has [`Role::Member`] and [`Role::Points`]).
    pub fn key(&self, role: Role) -> Result<&str, String> {
        self.fixture
            .fields
            .key(role)
            .map(|k| k.key.as_str())
            .ok_or_else(|| format!("the fixture has no key for {role:?}"))
    }

    /// A new pass of the fixture's template, with a caller-chosen serial where the backend
    /// takes one.
    pub fn new_pass(&self, content: PassContent) -> NewPass {
        let mut new = NewPass::new(content);
        new.template = self.fixture.template.clone();
        if self.provider.capabilities().caller_serial {
            new.serial_number = PassId::new(self.unique("pass")).ok();
        }
        new
    }

    /// Create a pass and remember it for cleanup.
    pub async fn create(&self, content: PassContent) -> Result<walletpass_core::Pass, String> {
        let pass = self
            .provider
            .create(self.new_pass(content))
            .await
            .map_err(|e| format!("create failed: {e}"))?;
        self.track(pass.pass_ref.clone());
        Ok(pass)
    }

    fn remember(&self, what: Created) {
        self.created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(what);
    }

    /// Remember a pass to delete after the run.
    pub fn track(&self, pass: PassRef) {
        self.remember(Created::Pass(pass));
    }

    /// Remember a webhook subscription to delete after the run.
    pub fn track_webhook(&self, id: WebhookId) {
        self.remember(Created::Webhook(id));
    }

    /// Remember a template to delete after the run.
    pub fn track_template(&self, id: TemplateId) {
        self.remember(Created::Template(id));
    }

    /// Delete everything the run created that still exists; what could not be deleted is
    /// returned, one line each. Passes go first, then subscriptions, then templates (a
    /// template may not be deletable while it has passes).
    pub(crate) async fn cleanup(&self) -> Vec<String> {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|p| p.into_inner()));
        let caps = self.provider.capabilities();
        let mut left = Vec::new();
        let gone = |r: walletpass_core::Result<()>| match r {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.to_string()),
        };
        let (mut passes, mut hooks, mut templates) = (Vec::new(), Vec::new(), Vec::new());
        for what in created {
            match what {
                Created::Pass(p) if !passes.contains(&p) => passes.push(p),
                Created::Webhook(w) if !hooks.contains(&w) => hooks.push(w),
                Created::Template(t) if !templates.contains(&t) => templates.push(t),
                _ => {}
            }
        }
        for pass in passes {
            if !caps.delete {
                left.push(format!("pass {pass}: the provider cannot delete passes"));
            } else if let Err(e) = gone(self.provider.delete(&pass).await) {
                left.push(format!("pass {pass}: {e}"));
            }
        }
        for hook in hooks {
            if !caps.webhooks_delete {
                left.push(format!(
                    "webhook subscription {hook}: the provider cannot delete subscriptions"
                ));
            } else if let Err(e) = gone(self.provider.delete_webhook(&hook).await) {
                left.push(format!("webhook subscription {hook}: {e}"));
            }
        }
        for template in templates {
            if !caps.templates_delete {
                left.push(format!(
                    "template {template}: the provider cannot delete templates"
                ));
            } else if let Err(e) = gone(self.provider.delete_template(&template).await) {
                left.push(format!("template {template}: {e}"));
            }
        }
        left
    }
}
