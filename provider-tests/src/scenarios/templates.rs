//! Template scenarios: the create, get, list and delete lifecycle of a template.

use futures::TryStreamExt;
use walletpass_core::{Capabilities, ErrorKind, NewTemplate, WalletProviderExt};

use super::Scenario;
use super::support::ensure;
use crate::context::Fixture;

fn templates_lifecycle() -> Scenario {
    Scenario {
        name: "templates_lifecycle",
        needs: needs![
            "templates_create" => |c, _| c.templates_create,
            "templates_get" => |c, _| c.templates_get,
            "templates_list" => |c, _| c.templates_list,
            "templates_delete" => |c, _| c.templates_delete,
        ],
        run: |ctx| {
            Box::pin(async move {
                let name = ctx.unique("template");
                let mut new = NewTemplate::new(name.clone()).map_err(|e| e.to_string())?;
                new.platform = Some(walletpass_core::Platform::Apple);
                new.style = Some("storeCard".into());
                let created = ctx
                    .provider
                    .create_template(new)
                    .await
                    .map_err(|e| format!("create_template failed: {e}"))?;
                ctx.track_template(created.id.clone());
                ensure(created.name == name, || {
                    format!("created template is named '{}', not '{name}'", created.name)
                })?;
                let read = ctx
                    .provider
                    .get_template(&created.id)
                    .await
                    .map_err(|e| format!("get_template failed: {e}"))?;
                ensure(read.id == created.id && read.name == name, || {
                    "get_template returned another template".into()
                })?;
                let all: Vec<_> = ctx
                    .provider
                    .list_all_templates()
                    .try_collect()
                    .await
                    .map_err(|e| format!("list_templates failed: {e}"))?;
                ensure(all.iter().any(|t| t.id == created.id), || {
                    "the new template is not listed".into()
                })?;
                ctx.provider
                    .delete_template(&created.id)
                    .await
                    .map_err(|e| format!("delete_template failed: {e}"))?;
                match ctx.provider.get_template(&created.id).await {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
                    Err(e) => Err(format!(
                        "get_template after delete: expected not_found, got {e}"
                    )),
                    Ok(_) => Err("a deleted template still answers".into()),
                }
            })
        },
    }
}

/// The templates scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![templates_lifecycle()]
}
