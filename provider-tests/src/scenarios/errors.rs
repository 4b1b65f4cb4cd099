//! Error scenarios: malformed and unknown ids, unknown field keys and bad credentials each
//! answer the documented error kind.

use walletpass_core::{Capabilities, ErrorKind};

use super::support::{dummy_ref, expect_kind, text};
use super::{ADDRESS, BAD_CREDENTIALS, MALFORMED_ID, Scenario, TEMPLATE, can_address};
use crate::context::Fixture;

fn error_malformed_id() -> Scenario {
    Scenario {
        name: "error_malformed_id",
        needs: needs![
            ADDRESS => can_address,
            "get" => |c, _| c.get,
            MALFORMED_ID => |_, f| f.malformed_id.is_some(),
        ],
        run: |ctx| {
            Box::pin(async move {
                let pass = dummy_ref(ctx, ctx.fixture.malformed_id.as_ref());
                expect_kind(
                    &format!("get of malformed id '{}'", pass.id),
                    ctx.provider.get(&pass).await,
                    &[ErrorKind::InvalidInput],
                )
                .await?;
                Ok(Vec::new())
            })
        },
    }
}

fn error_unknown_id() -> Scenario {
    Scenario {
        name: "error_unknown_id",
        needs: needs![
            ADDRESS => can_address,
            "get" => |c, _| c.get,
        ],
        run: |ctx| {
            Box::pin(async move {
                let pass = dummy_ref(ctx, ctx.fixture.unknown_id.as_ref());
                expect_kind(
                    &format!("get of unknown id '{}'", pass.id),
                    ctx.provider.get(&pass).await,
                    &[ErrorKind::NotFound],
                )
                .await?;
                Ok(Vec::new())
            })
        },
    }
}

fn error_unknown_field_key() -> Scenario {
    Scenario {
        name: "error_unknown_field_key",
        needs: needs![
            "create" => |c, _| c.create,
            "fixed_field_keys" => |c, _| c.fixed_field_keys,
            TEMPLATE => |_, f| f.template.is_some(),
        ],
        run: |ctx| {
            Box::pin(async move {
                let mut content = ctx.base_content()?;
                content
                    .fields
                    .upsert(text("no_such_field", "Nope", "x")?)
                    .map_err(|e| e.to_string())?;
                let result = ctx.provider.create(ctx.new_pass(content)).await;
                if let Ok(p) = &result {
                    ctx.track(p.pass_ref.clone());
                }
                expect_kind(
                    "create with an unknown field key",
                    result,
                    &[ErrorKind::InvalidInput],
                )
                .await?;
                Ok(Vec::new())
            })
        },
    }
}

fn error_bad_credentials() -> Scenario {
    Scenario {
        name: "error_bad_credentials",
        needs: needs![
            ADDRESS => can_address,
            "get" => |c, _| c.get,
            BAD_CREDENTIALS => |_, f| f.bad_credentials.is_some(),
        ],
        run: |ctx| {
            Box::pin(async move {
                let Some(bad) = &ctx.fixture.bad_credentials else {
                    return Err("no bad-credentials provider in the fixture".into());
                };
                let pass = dummy_ref(ctx, ctx.fixture.unknown_id.as_ref());
                expect_kind(
                    "get with bad credentials",
                    bad.get(&pass).await,
                    &[ErrorKind::Unauthorized, ErrorKind::Forbidden],
                )
                .await?;
                Ok(Vec::new())
            })
        },
    }
}

/// The errors scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        error_malformed_id(),
        error_unknown_id(),
        error_unknown_field_key(),
        error_bad_credentials(),
    ]
}
