//! Content scenarios: parts only some vendors hold (links, label colors, header fields,
//! barcodes) round-trip where declared and are refused where not.

use serde_json::json;
use walletpass_core::{
    Barcode, BarcodeFormat, Capabilities, ErrorKind, Field, Link, PassContent, PassStatus,
    Placement,
};

use super::support::{ensure, expect_kind, get, observe, qr};
use super::{Observation, Scenario, TEMPLATE, has_template};
use crate::context::{Ctx, Fixture, Role};
use crate::view::{canonical_view, content_view, placements_view};

/// Create content only some vendors hold, read it back, and observe it. Placements are part of
/// the observation only where the scenario is about them: a vendor may give unplaced fields a
/// default placement (ubpass shows them as secondary).
async fn round_trip(
    ctx: &Ctx,
    name: &str,
    content: PassContent,
    with_placements: bool,
) -> Result<Vec<Observation>, String> {
    let created = ctx.create(content.clone()).await?;
    let read = get(ctx, &created.pass_ref).await?;
    let want = content_view(&content, &PassStatus::Active);
    ensure(canonical_view(&read) == want, || {
        format!("{name}: wrote {want}, read {}", canonical_view(&read))
    })?;
    let mut view = json!({
        "pass": canonical_view(&read),
        "appearance": read.content.appearance,
    });
    if with_placements {
        view["placements"] = placements_view(&read);
        let wanted: Vec<_> = content
            .fields
            .iter()
            .map(|f| (f.key.clone(), f.placement))
            .collect();
        let got: Vec<_> = wanted
            .iter()
            .map(|(k, _)| {
                (
                    k.clone(),
                    read.content.field(k.as_str()).and_then(|f| f.placement),
                )
            })
            .collect();
        ensure(wanted == got, || {
            format!("{name}: placements written {wanted:?}, read {got:?}")
        })?;
    }
    Ok(vec![observe(name, view)])
}

fn link_field(ctx: &Ctx) -> Result<Field, String> {
    let url = url::Url::parse("https://example.com/terms").map_err(|e| e.to_string())?;
    let tier = ctx.fixture.fields.field(Role::Tier, "")?;
    Ok(Field {
        key: tier.key,
        label: tier.label,
        value: vec![Link {
            label: Some("Terms".into()),
            url,
        }]
        .into(),
        placement: Some(Placement::Back),
        change_message: None,
    })
}

/// Give the fields of `roles` a placement.
fn place(
    ctx: &Ctx,
    content: &mut PassContent,
    roles: &[Role],
    placement: Placement,
) -> Result<(), String> {
    for role in roles {
        let mut field = content
            .field(ctx.key(*role)?)
            .cloned()
            .ok_or("missing base field")?;
        field.placement = Some(placement);
        content.fields.upsert(field).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn content_link_values() -> Scenario {
    Scenario {
        name: "content_link_values",
        needs: needs![
            "three text keys in the template" => |_, f| f.fields.roles.len() >= 3,
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "link_values" => |c, _| c.link_values,
            "placements" => |c, _| c.placements,
        ],
        run: |ctx| {
            Box::pin(async move {
                let mut content = ctx.base_content()?;
                place(
                    ctx,
                    &mut content,
                    &[Role::Member, Role::Points],
                    Placement::Secondary,
                )?;
                content
                    .fields
                    .upsert(link_field(ctx)?)
                    .map_err(|e| e.to_string())?;
                round_trip(ctx, "content_link_values", content, true).await
            })
        },
    }
}

fn content_label_color() -> Scenario {
    Scenario {
        name: "content_label_color",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "label_color" => |c, _| c.label_color,
            "colors" => |c, _| c.colors,
        ],
        run: |ctx| {
            Box::pin(async move {
                let mut content = ctx.base_content()?;
                content.appearance.label_color = Some(walletpass_core::Color::rgb(156, 163, 175));
                content.appearance.background_color = Some(walletpass_core::Color::rgb(31, 41, 55));
                content.appearance.foreground_color =
                    Some(walletpass_core::Color::rgb(255, 255, 255));
                round_trip(ctx, "content_label_color", content, false).await
            })
        },
    }
}

fn two_headers(ctx: &Ctx) -> Result<PassContent, String> {
    let mut content = ctx.base_content()?;
    place(
        ctx,
        &mut content,
        &[Role::Member, Role::Points],
        Placement::Header,
    )?;
    place(ctx, &mut content, &[Role::Tier], Placement::Secondary)?;
    Ok(content)
}

fn content_two_header_fields() -> Scenario {
    Scenario {
        name: "content_two_header_fields",
        needs: needs![
            "three text keys in the template" => |_, f| f.fields.roles.len() >= 3,
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "placements" => |c, _| c.placements,
            "placements per pass" => |c, _| !c.fixed_layout,
            "two header fields" => |c, _| c.max_fields(Placement::Header).is_none_or(|n| n >= 2),
        ],
        run: |ctx| {
            Box::pin(async move {
                round_trip(ctx, "content_two_header_fields", two_headers(ctx)?, true).await
            })
        },
    }
}

fn content_qr_barcode() -> Scenario {
    Scenario {
        name: "content_qr_barcode",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "barcode qr" => |c, _| c.barcode_formats.contains(&BarcodeFormat::Qr),
        ],
        run: |ctx| {
            Box::pin(async move {
                let mut content = ctx.base_content()?;
                content.barcode = Some(qr("MEMBER-0001"));
                round_trip(ctx, "content_qr_barcode", content, false).await
            })
        },
    }
}

fn content_pdf417() -> Scenario {
    Scenario {
        name: "content_pdf417",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "barcode pdf417" => |c, _| c.barcode_formats.contains(&BarcodeFormat::Pdf417),
        ],
        run: |ctx| {
            Box::pin(async move {
                let mut content = ctx.base_content()?;
                content.barcode = Some(Barcode {
                    format: BarcodeFormat::Pdf417,
                    message: "MEMBER-0001".into(),
                    alt_text: None,
                });
                round_trip(ctx, "content_pdf417", content, false).await
            })
        },
    }
}

/// Content the provider declares it cannot hold must be refused, never stored or dropped.
fn unsupported_content_is_refused() -> Scenario {
    Scenario {
        name: "unsupported_content_is_refused",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
        ],
        run: |ctx| {
            Box::pin(async move {
                let caps = ctx.provider.capabilities().clone();
                let mut cases: Vec<(&str, PassContent)> = Vec::new();
                if !caps.link_values && ctx.fixture.fields.key(Role::Tier).is_some() {
                    let mut c = ctx.base_content()?;
                    c.fields
                        .upsert(link_field(ctx)?)
                        .map_err(|e| e.to_string())?;
                    cases.push(("a link value", c));
                }
                if !caps.label_color {
                    let mut c = ctx.base_content()?;
                    c.appearance.label_color = Some(walletpass_core::Color::rgb(1, 2, 3));
                    cases.push(("a label color", c));
                }
                if !caps.barcode_formats.contains(&BarcodeFormat::Pdf417) {
                    let mut c = ctx.base_content()?;
                    c.barcode = Some(Barcode {
                        format: BarcodeFormat::Pdf417,
                        message: "X".into(),
                        alt_text: None,
                    });
                    cases.push(("a PDF417 barcode", c));
                }
                if caps.max_fields(Placement::Header).is_some_and(|n| n < 2)
                    && ctx.fixture.fields.key(Role::Tier).is_some()
                {
                    cases.push(("a second header field", two_headers(ctx)?));
                }
                for (what, content) in cases {
                    let result = ctx.provider.create(ctx.new_pass(content)).await;
                    if let Ok(p) = &result {
                        ctx.track(p.pass_ref.clone());
                    }
                    expect_kind(
                        &format!("create with {what}"),
                        result,
                        &[ErrorKind::InvalidInput, ErrorKind::Unsupported],
                    )
                    .await?;
                }
                Ok(Vec::new())
            })
        },
    }
}

/// The content scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        unsupported_content_is_refused(),
        content_link_values(),
        content_label_color(),
        content_two_header_fields(),
        content_qr_barcode(),
        content_pdf417(),
    ]
}
