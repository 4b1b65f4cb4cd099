//! Finding a template the suite can create passes in, on an account it knows nothing about but
//! the credentials: list the account's templates, read each one's keys (from its field
//! definitions, or else from a pass issued from it, since some vendors' APIs return a
//! template's keys only on its passes), and take the first with at least two text keys.

use futures::{StreamExt, TryStreamExt};
use walletpass_core::{
    ErrorKind, FieldKey, FieldSpec, FieldValue, ListQuery, Pass, Template, TemplateId,
    WalletProvider, WalletProviderExt,
};

use crate::context::{FixtureFields, FixtureKey, Role};

/// The most templates looked at before giving up.
const MAX_TEMPLATES: usize = 50;

/// A template the suite can use, the keys it writes there, and why it was chosen.
#[derive(Clone, Debug)]
pub struct TemplateChoice {
    /// The template.
    pub template: TemplateId,
    /// The keys the scenarios write.
    pub fields: FixtureFields,
    /// Which template was chosen and why, for the report.
    pub why: String,
}

/// Why a template cannot be used: the one the user named, or any of the account's.
#[derive(Debug)]
pub enum TemplateProblem {
    /// The account has no such template, or the vendor has no templates.
    NotFound(String),
    /// It exists (or the account has templates), but the suite cannot write two text keys in
    /// it; the reason names the flag to pass.
    Unusable(String),
    /// The vendor failed while the templates were read (refused credentials, a server error,
    /// an answer that does not decode): a vendor or configuration failure with its own kind,
    /// never a reason to pass `--template`.
    Vendor(walletpass_core::Error),
}

impl std::fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateProblem::NotFound(m) | TemplateProblem::Unusable(m) => f.write_str(m),
            TemplateProblem::Vendor(e) => write!(f, "{e}"),
        }
    }
}

/// What the flag text says where a template's keys cannot be read through the API.
const KEYS_HINT: &str = "where the vendor's API returns no template keys (PassNinja, for a template with no passes), also declare them with --field-specs FILE";

/// Whether the provider's passes live in templates, so that pass scenarios need one.
pub fn needs_template(provider: &dyn WalletProvider) -> bool {
    let c = provider.capabilities();
    c.pass_ref_requires_template || c.list_requires_template || c.templates_list
}

/// Look through the account's templates and choose one (three text keys preferred over two).
/// [`TemplateProblem::Unusable`] says why none fits and which flag to pass (a skip reason);
/// [`TemplateProblem::Vendor`] is the vendor failing (or refusing the credentials) while the
/// templates were read, when no template could be chosen.
pub async fn choose_template(
    provider: &dyn WalletProvider,
) -> Result<TemplateChoice, TemplateProblem> {
    if !provider.capabilities().templates_list {
        return Err(TemplateProblem::Unusable(
            "the provider cannot list templates; pass --template ID".into(),
        ));
    }
    let templates: Vec<Template> = provider
        .list_all_templates()
        .take(MAX_TEMPLATES)
        .try_collect()
        .await
        .map_err(TemplateProblem::Vendor)?;
    let mut two_keys: Option<TemplateChoice> = None;
    let mut looked = Vec::new();
    let mut failed: Option<walletpass_core::Error> = None;
    for template in &templates {
        match keys_of(provider, template).await {
            Ok((fields, source)) => {
                let choice = TemplateChoice {
                    template: template.id.clone(),
                    why: format!(
                        "template {} '{}' chosen: the first of the account's {} templates with {} text keys the suite can write ({}, read from {source})",
                        template.id,
                        template.name,
                        templates.len(),
                        fields.roles.len(),
                        fields.describe()
                    ),
                    fields,
                };
                if choice.fields.roles.len() >= 3 {
                    return Ok(choice);
                }
                two_keys.get_or_insert(choice);
            }
            Err(KeysProblem::Unfit(why)) => looked.push(format!("{}: {why}", template.id)),
            Err(KeysProblem::Vendor(e)) => {
                failed.get_or_insert(e);
            }
        }
    }
    if let Some(choice) = two_keys {
        return Ok(choice);
    }
    if let Some(e) = failed {
        return Err(TemplateProblem::Vendor(e));
    }
    Err(TemplateProblem::Unusable({
        let found = if looked.is_empty() {
            "the account has no templates".to_owned()
        } else {
            format!(
                "no template has two text keys the suite can write ({})",
                looked.join("; ")
            )
        };
        format!(
            "{found}; pass --template ID naming a template with at least two text keys ({KEYS_HINT})"
        )
    }))
}

/// Check a template the user named and read its keys.
pub async fn inspect_template(
    provider: &dyn WalletProvider,
    id: &TemplateId,
) -> Result<TemplateChoice, TemplateProblem> {
    let caps = provider.capabilities();
    if !caps.templates_get && !caps.templates_list {
        return Err(TemplateProblem::NotFound(format!(
            "--template {id}: {} has no templates; drop --template",
            provider.name()
        )));
    }
    let template = if caps.templates_get {
        match provider.get_template(id).await {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(TemplateProblem::NotFound(format!(
                    "--template {id}: the account has no such template ({e})"
                )));
            }
            Err(e) if e.kind() == ErrorKind::InvalidInput => {
                return Err(TemplateProblem::NotFound(format!(
                    "--template {id}: not a template id of {} ({e})",
                    provider.name()
                )));
            }
            Err(e) => return Err(TemplateProblem::Vendor(e)),
        }
    } else {
        let all: Vec<Template> = provider
            .list_all_templates()
            .try_collect()
            .await
            .map_err(TemplateProblem::Vendor)?;
        all.into_iter().find(|t| &t.id == id).ok_or_else(|| {
            TemplateProblem::NotFound(format!("--template {id}: the account has no such template"))
        })?
    };
    let (fields, source) = keys_of(provider, &template)
        .await
        .map_err(|problem| match problem {
            KeysProblem::Unfit(why) => TemplateProblem::Unusable(format!(
                "--template {id}: {why}; name a template with at least two text keys ({KEYS_HINT})"
            )),
            KeysProblem::Vendor(e) => TemplateProblem::Vendor(e),
        })?;
    Ok(TemplateChoice {
        template: template.id.clone(),
        why: format!(
            "template {} '{}' (from --template): keys {} read from {source}",
            template.id,
            template.name,
            fields.describe()
        ),
        fields,
    })
}

/// Why the keys of one template could not be read.
enum KeysProblem {
    /// The template has fewer than two text keys the suite can write, or none readable.
    Unfit(String),
    /// The vendor failed while they were read.
    Vendor(walletpass_core::Error),
}

impl From<&str> for KeysProblem {
    fn from(why: &str) -> Self {
        KeysProblem::Unfit(why.to_owned())
    }
}

/// The keys the suite writes in `template`, and where they were read from.
async fn keys_of(
    provider: &dyn WalletProvider,
    template: &Template,
) -> Result<(FixtureFields, String), KeysProblem> {
    let caps = provider.capabilities();
    let mut specs = template.fields.clone();
    if specs.is_empty() && caps.templates_get {
        match provider.get_template(&template.id).await {
            Ok(full) => specs = full.fields,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err("it no longer exists".into());
            }
            Err(e) => return Err(KeysProblem::Vendor(e)),
        }
    }
    if !specs.is_empty() {
        return from_specs(&specs, caps.labels)
            .map(|f| (f, "its field definitions".to_owned()))
            .ok_or_else(|| "fewer than two text keys in its field definitions".into());
    }
    if !caps.list || !caps.get {
        return Err("no field definitions, and the provider cannot list its passes".into());
    }
    let mut query = ListQuery::new();
    query.template = Some(template.id.clone());
    query.page_size = Some(5);
    let page = provider.list(&query).await.map_err(KeysProblem::Vendor)?;
    let Some(listed) = page.items.first() else {
        return Err("no field definitions, and no pass issued from it to read keys from".into());
    };
    let pass: Pass = provider
        .get(&listed.pass_ref)
        .await
        .map_err(KeysProblem::Vendor)?;
    from_pass(&pass)
        .map(|f| (f, format!("its pass {}", pass.pass_ref.id)))
        .ok_or_else(|| {
            KeysProblem::Unfit(format!(
                "fewer than two text keys on its pass {}",
                pass.pass_ref.id
            ))
        })
}

/// Order keys so that `member`, `points` and `tier` take their own roles, then the rest in the
/// template's order; `None` with fewer than two.
fn assign_roles(text_keys: Vec<FixtureKey>) -> Option<(Vec<FixtureKey>, Vec<FixtureKey>)> {
    if text_keys.len() < 2 {
        return None;
    }
    let mut rest = text_keys;
    let mut roles = Vec::new();
    for role in Role::ALL {
        if let Some(i) = rest
            .iter()
            .position(|k| k.key.as_str() == role.snapshot_key())
        {
            roles.push((role, rest.remove(i)));
        }
    }
    for role in Role::ALL {
        if !roles.iter().any(|(r, _)| *r == role) && !rest.is_empty() {
            roles.push((role, rest.remove(0)));
        }
    }
    roles.sort_by_key(|(r, _)| Role::ALL.iter().position(|x| x == r));
    // Roles fill in order: with two keys, member and points.
    let roles: Vec<FixtureKey> = roles.into_iter().map(|(_, k)| k).collect();
    Some((roles, rest))
}

fn from_specs(specs: &[FieldSpec], labels: bool) -> Option<FixtureFields> {
    let is_text = |s: &FieldSpec| matches!(s.default, None | Some(FieldValue::Text(_)));
    let text: Vec<FixtureKey> = specs
        .iter()
        .filter(|s| is_text(s))
        .map(|s| FixtureKey {
            key: s.key.clone(),
            label: if labels { s.label.clone() } else { None },
        })
        .collect();
    let (roles, rest) = assign_roles(text)?;
    let mut others: Vec<(FieldKey, FieldValue)> = Vec::new();
    let rest_keys: Vec<&FieldKey> = rest.iter().map(|k| &k.key).collect();
    for spec in specs {
        if roles.iter().any(|k| k.key == spec.key) {
            continue;
        }
        let value = match &spec.default {
            Some(v) if !v.is_empty() => v.clone(),
            _ if spec.required || rest_keys.contains(&&spec.key) => FieldValue::from("wpt"),
            _ => continue,
        };
        others.push((spec.key.clone(), value));
    }
    Some(FixtureFields {
        labels_compared: labels && roles.iter().all(|k| k.label.is_some()),
        roles,
        others,
    })
}

fn from_pass(pass: &Pass) -> Option<FixtureFields> {
    let text: Vec<FixtureKey> = pass
        .content
        .fields
        .iter()
        .filter(|f| matches!(f.value, FieldValue::Text(_)))
        .map(|f| FixtureKey {
            key: f.key.clone(),
            label: f.label.clone(),
        })
        .collect();
    let (roles, rest) = assign_roles(text)?;
    let mut others: Vec<(FieldKey, FieldValue)> = Vec::new();
    for field in pass.content.fields.iter() {
        if roles.iter().any(|k| k.key == field.key) {
            continue;
        }
        let value = if rest.iter().any(|k| k.key == field.key) {
            FieldValue::from("wpt")
        } else {
            field.value.clone()
        };
        others.push((field.key.clone(), value));
    }
    Some(FixtureFields {
        labels_compared: roles.iter().all(|k| k.label.is_some()),
        roles,
        others,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> FixtureKey {
        FixtureKey {
            key: FieldKey::new(k).unwrap(),
            label: None,
        }
    }

    #[test]
    fn the_suite_keys_take_their_roles_and_others_fill_in_template_order() {
        let (roles, rest) =
            assign_roles(vec![key("tier"), key("x"), key("member"), key("points")]).unwrap();
        let names: Vec<&str> = roles.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["member", "points", "tier"]);
        assert_eq!(rest, [key("x")]);
        let (roles, rest) = assign_roles(vec![
            key("member.name"),
            key("member.level"),
            key("discount"),
        ])
        .unwrap();
        let names: Vec<&str> = roles.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["member.name", "member.level", "discount"]);
        assert!(rest.is_empty());
        assert!(assign_roles(vec![key("only")]).is_none());
    }

    #[test]
    fn specs_with_number_defaults_are_not_text_keys_but_are_written() {
        let specs = vec![
            FieldSpec::new("name").unwrap().with_label("Name"),
            FieldSpec::new("count")
                .unwrap()
                .with_default(FieldValue::from(3_i64)),
            FieldSpec::new("level").unwrap().with_label("Level"),
        ];
        let fields = from_specs(&specs, true).unwrap();
        let names: Vec<&str> = fields.roles.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["name", "level"]);
        assert!(fields.labels_compared);
        assert_eq!(fields.others.len(), 1);
        assert_eq!(fields.others[0].0.as_str(), "count");
    }
}
