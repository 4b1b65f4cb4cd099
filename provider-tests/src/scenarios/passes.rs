//! Pass scenarios: create, patch, put, delete and void one pass, each read back and compared
//! with what was written.

use walletpass_core::{Capabilities, ErrorKind, PassPatch, PassStatus};

use super::support::{ensure, get, observe};
use super::{Scenario, TEMPLATE, has_template};
use crate::context::{Fixture, Role};
use crate::view::{canonical_view, content_view};

fn create_then_get() -> Scenario {
    Scenario {
        name: "create_then_get",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "get" => |c, _| c.get,
        ],
        run: |ctx| {
            Box::pin(async move {
                let written = ctx.base_content()?;
                let created = ctx.create(written.clone()).await?;
                let want = content_view(&written, &PassStatus::Active);
                ensure(canonical_view(&created) == want, || {
                    format!(
                        "create answered other content than was written: wrote {want}, answered {}",
                        canonical_view(&created)
                    )
                })?;
                let read = get(ctx, &created.pass_ref).await?;
                ensure(canonical_view(&read) == want, || {
                    format!(
                        "get returned other content than was written: wrote {want}, read {}",
                        canonical_view(&read)
                    )
                })?;
                Ok(vec![observe("create_then_get", canonical_view(&read))])
            })
        },
    }
}

fn patch_changes_only_given_fields() -> Scenario {
    Scenario {
        name: "patch_changes_only_given_fields",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "patch" => |c, _| c.patch,
        ],
        run: |ctx| {
            Box::pin(async move {
                let written = ctx.base_content()?;
                let created = ctx.create(written.clone()).await?;
                let points = ctx.key(Role::Points)?;
                let patch = PassPatch::builder()
                    .set_value(points, "1500")
                    .build()
                    .map_err(|e| e.to_string())?;
                ctx.provider
                    .patch(&created.pass_ref, &patch)
                    .await
                    .map_err(|e| format!("patch failed: {e}"))?;
                let read = get(ctx, &created.pass_ref).await?;
                let expected = written.apply_patch(&patch).map_err(|e| e.to_string())?;
                let want = content_view(&expected, &PassStatus::Active);
                ensure(canonical_view(&read) == want, || {
                    format!(
                        "after patching only '{points}', expected {want}, read {}",
                        canonical_view(&read)
                    )
                })?;
                Ok(vec![observe(
                    "patch_changes_only_given_fields",
                    canonical_view(&read),
                )])
            })
        },
    }
}

fn put_replaces() -> Scenario {
    Scenario {
        name: "put_replaces",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "put" => |c, _| c.put,
        ],
        run: |ctx| {
            Box::pin(async move {
                let created = ctx.create(ctx.base_content()?).await?;
                let replacement = ctx.fixture.fields.content(["Jane Q. Doe", "0", "Silver"])?;
                ctx.provider
                    .put(&created.pass_ref, replacement.clone())
                    .await
                    .map_err(|e| format!("put failed: {e}"))?;
                let read = get(ctx, &created.pass_ref).await?;
                let want = content_view(&replacement, &PassStatus::Active);
                ensure(canonical_view(&read) == want, || {
                    format!("after put, expected {want}, read {}", canonical_view(&read))
                })?;
                Ok(vec![observe("put_replaces", canonical_view(&read))])
            })
        },
    }
}

fn delete_then_get_is_not_found() -> Scenario {
    Scenario {
        name: "delete_then_get_is_not_found",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "delete" => |c, _| c.delete,
        ],
        run: |ctx| {
            Box::pin(async move {
                let created = ctx.create(ctx.base_content()?).await?;
                ctx.provider
                    .delete(&created.pass_ref)
                    .await
                    .map_err(|e| format!("delete failed: {e}"))?;
                match ctx.provider.get(&created.pass_ref).await {
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("get after delete: expected not_found, got {e}")),
                    Ok(p) => {
                        return Err(format!(
                            "get after delete still answers the pass (status {})",
                            p.status
                        ));
                    }
                }
                match ctx.provider.delete(&created.pass_ref).await {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
                    Err(e) => Err(format!("second delete: expected not_found, got {e}")),
                    Ok(()) => Err("a second delete of the same pass succeeded".into()),
                }
            })
        },
    }
}

fn void_keeps_the_pass() -> Scenario {
    Scenario {
        name: "void_keeps_the_pass",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "void" => |c, _| c.void,
        ],
        run: |ctx| {
            Box::pin(async move {
                let created = ctx.create(ctx.base_content()?).await?;
                let voided = ctx
                    .provider
                    .void(&created.pass_ref)
                    .await
                    .map_err(|e| format!("void failed: {e}"))?;
                ensure(voided.status == PassStatus::Voided, || {
                    format!("void answered status {}", voided.status)
                })?;
                let read = get(ctx, &created.pass_ref).await?;
                let want = content_view(&ctx.base_content()?, &PassStatus::Voided);
                ensure(canonical_view(&read) == want, || {
                    format!(
                        "after void, expected {want}, read {}",
                        canonical_view(&read)
                    )
                })?;
                Ok(vec![observe("void_keeps_the_pass", canonical_view(&read))])
            })
        },
    }
}

/// The passes scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        create_then_get(),
        patch_changes_only_given_fields(),
        put_replaces(),
        delete_then_get_is_not_found(),
        void_keeps_the_pass(),
    ]
}
