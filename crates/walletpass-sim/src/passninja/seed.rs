//! The data the simulator starts with: the documented demo account and the doc examples'
//! template `ptk_0x14` (API fields `member.name`, `member.level`, `discount`) with the pass of
//! the "Get a pass" example, a second account to provoke `UA2`, and loading more from a file.

use std::path::Path;

use serde::Deserialize;
use serde_json::json;
use time::macros::datetime;

use super::state::{Account, FieldPlacement, Pass, Store, Template, TemplateField};

/// The demo account id (the doc's `<YOUR_ACCOUNT_ID>` example).
pub const DEMO_ACCOUNT_ID: &str = "aid_0xa01";
/// The demo API key (the doc's `<YOUR_API_KEY>` example).
pub const DEMO_API_KEY: &str = "91dbb1e7af9c80aba6ed3f95a1545b4e";
/// A second account, owner of [`OTHER_TEMPLATE_ID`], for provoking `UA2`.
pub const OTHER_ACCOUNT_ID: &str = "aid_0xb02";
/// The second account's API key.
pub const OTHER_API_KEY: &str = "0c6b0d3c1a5e4f2a9b8c7d6e5f4a3b2c";
/// The doc examples' template.
pub const DEMO_TEMPLATE_ID: &str = "ptk_0x14";
/// The pass of the doc's "Get a pass" example (the `<SERIAL_NUMBER>` placeholder's example).
pub const DEMO_SERIAL: &str = "838b8cf60dac2bfad9";
/// A template of [`OTHER_ACCOUNT_ID`].
pub const OTHER_TEMPLATE_ID: &str = "ptk_0x2a";
/// A pass of [`OTHER_TEMPLATE_ID`].
pub const OTHER_SERIAL: &str = "0b0b0b0b0b0b0b0b0b";
/// The id the first template created through the API gets (the doc's create example answers
/// `ptk_0x216`).
pub const FIRST_CREATED_TEMPLATE: u64 = 0x216;

/// The template of [`conformance_seed`].
pub const CONFORMANCE_TEMPLATE_ID: &str = "ptk_0xc0";

/// A seed adding, to the demo account, the template the conformance suite expects: keys
/// `member`, `points` and `tier` (labels `Member`, `Points`, `Tier`), empty defaults.
pub fn conformance_seed() -> SeedFile {
    let now = time::OffsetDateTime::now_utc();
    SeedFile {
        templates: vec![Template {
            id: CONFORMANCE_TEMPLATE_ID.into(),
            account: DEMO_ACCOUNT_ID.into(),
            name: "Conformance".into(),
            platform: "apple".into(),
            style: "storeCard".into(),
            fields: vec![
                field("member", "Member", FieldPlacement::Primary, ""),
                field("points", "Points", FieldPlacement::Secondary, ""),
                field("tier", "Tier", FieldPlacement::Auxiliary, ""),
            ],
            created_at: now,
            updated_at: now,
        }],
        ..SeedFile::default()
    }
}

/// Extra accounts, templates and passes, read from a JSON file:
/// `{"accounts": [{"id", "api_key"}], "templates": [{"id", "account", "name", "platform",
/// "style", "fields": [{"key", "label", "placement", "default"}]}], "passes": [{"serial",
/// "template", "values": {..}, "status", "issued_date", "installed_date"}]}`; every list optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    /// Accounts to add.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Templates to add (replacing one with the same id).
    #[serde(default)]
    pub templates: Vec<Template>,
    /// Passes to add.
    #[serde(default)]
    pub passes: Vec<Pass>,
}

impl SeedFile {
    /// Read and parse a seed file.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("seed file {}: {e}", path.display()),
            )
        })
    }
}

fn field(key: &str, label: &str, placement: FieldPlacement, default: &str) -> TemplateField {
    TemplateField {
        key: key.into(),
        label: label.into(),
        placement,
        default: default.into(),
    }
}

/// The store every simulator starts with.
pub(crate) fn default_store() -> Store {
    let created = datetime!(2024-01-15 10:30:00 UTC);
    let updated = datetime!(2024-03-20 14:45:00 UTC);
    let demo = Template {
        id: DEMO_TEMPLATE_ID.into(),
        account: DEMO_ACCOUNT_ID.into(),
        name: "Loyalty Card".into(),
        platform: "apple".into(),
        style: "storeCard".into(),
        fields: vec![
            field("member.name", "Member", FieldPlacement::Primary, ""),
            field("member.level", "Level", FieldPlacement::Secondary, "silver"),
            field("discount", "Discount", FieldPlacement::Auxiliary, "0%"),
        ],
        created_at: created,
        updated_at: updated,
    };
    let other = Template {
        id: OTHER_TEMPLATE_ID.into(),
        account: OTHER_ACCOUNT_ID.into(),
        name: "Other account's card".into(),
        platform: "google".into(),
        style: "generic".into(),
        fields: vec![field("title", "Title", FieldPlacement::Primary, "")],
        created_at: created,
        updated_at: updated,
    };
    let demo_pass = Pass {
        serial: DEMO_SERIAL.into(),
        template: DEMO_TEMPLATE_ID.into(),
        values: json!({"member.level": "gold", "discount": "100%", "member.name": "John"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        status: "Active".into(),
        issued_date: datetime!(2024-04-23 10:15:00 UTC),
        installed_date: Some(datetime!(2024-04-23 14:30:00 UTC)),
        recipient: None,
        deleted: false,
    };
    let other_pass = Pass {
        serial: OTHER_SERIAL.into(),
        template: OTHER_TEMPLATE_ID.into(),
        values: json!({"title": "not yours"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        status: "Active".into(),
        issued_date: created,
        installed_date: None,
        recipient: None,
        deleted: false,
    };
    let mut store = Store {
        accounts: vec![
            Account {
                id: DEMO_ACCOUNT_ID.into(),
                api_key: DEMO_API_KEY.into(),
            },
            Account {
                id: OTHER_ACCOUNT_ID.into(),
                api_key: OTHER_API_KEY.into(),
            },
        ],
        passes: vec![demo_pass, other_pass],
        next_template: FIRST_CREATED_TEMPLATE,
        next_webhook: 47,
        next_result: 1820,
        ..Store::default()
    };
    store.templates.insert(demo.id.clone(), demo);
    store.templates.insert(other.id.clone(), other);
    store.reindex();
    store
}

/// Add a seed file's contents to a store.
pub(crate) fn apply(store: &mut Store, seed: &SeedFile) {
    for account in seed.accounts.iter().cloned() {
        store.accounts.retain(|a| a.id != account.id);
        store.accounts.push(account);
    }
    for template in seed.templates.iter().cloned() {
        store.templates.insert(template.id.clone(), template);
    }
    for pass in seed.passes.iter().cloned() {
        store
            .passes
            .retain(|p| !(p.serial == pass.serial && p.template == pass.template));
        store.passes.push(pass);
    }
    store.reindex();
}
