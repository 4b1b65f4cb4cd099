//! Listing scenarios: walking every page once at several page sizes, listings that carry a
//! pass's full content, and search by serial number.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use walletpass_core::{
    BarcodeFormat, Capabilities, ListQuery, Pass, PassContent, PassId, WalletProviderExt,
};

use super::support::{ensure, get, qr};
use super::{Scenario, TEMPLATE, has_template};
use crate::context::{Ctx, Fixture};

async fn walk(ctx: &Ctx, page_size: Option<u32>) -> Result<Vec<PassId>, String> {
    let mut query = ListQuery::new();
    query.template = ctx.fixture.template.clone();
    query.page_size = page_size;
    let passes: Vec<Pass> = ctx
        .provider
        .list_all(query)
        .try_collect()
        .await
        .map_err(|e| format!("list failed: {e}"))?;
    Ok(passes.into_iter().map(|p| p.pass_ref.id).collect())
}

fn list_walks_every_page_once() -> Scenario {
    Scenario {
        name: "list_walks_every_page_once",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "list" => |c, _| c.list,
        ],
        run: |ctx| {
            Box::pin(async move {
                let mut ours = Vec::new();
                for _ in 0..5 {
                    ours.push(ctx.create(ctx.base_content()?).await?.pass_ref.id);
                }
                let mut walks: Vec<(Option<u32>, Vec<PassId>)> = Vec::new();
                for page_size in [Some(2), Some(3), Some(20), None] {
                    let seen = walk(ctx, page_size).await?;
                    let mut counts: BTreeMap<&PassId, usize> = BTreeMap::new();
                    for id in &seen {
                        *counts.entry(id).or_default() += 1;
                    }
                    if let Some((id, n)) = counts.iter().find(|(_, n)| **n > 1) {
                        return Err(format!(
                            "page size {page_size:?}: pass {id} was listed {n} times"
                        ));
                    }
                    if let Some(missing) = ours.iter().find(|id| !counts.contains_key(id)) {
                        return Err(format!(
                            "page size {page_size:?}: pass {missing} was never listed ({} listed)",
                            seen.len()
                        ));
                    }
                    walks.push((page_size, seen));
                }
                // Nothing changes between the walks, so every page size must see the same passes.
                let (first_size, first) = &walks[0];
                let first: std::collections::BTreeSet<&PassId> = first.iter().collect();
                for (size, seen) in &walks[1..] {
                    let set: std::collections::BTreeSet<&PassId> = seen.iter().collect();
                    if let Some(id) = set.symmetric_difference(&first).next() {
                        return Err(format!(
                            "walks with page sizes {first_size:?} and {size:?} disagree: pass {id} is in one only"
                        ));
                    }
                }
                Ok(Vec::new())
            })
        },
    }
}

/// The richest content `caps` says a pass holds, from the parts every such vendor stores the
/// same way: the base fields, a QR barcode with alt text, colors, texts and dates.
fn rich_content(ctx: &Ctx) -> Result<PassContent, String> {
    let caps = ctx.provider.capabilities();
    let mut content = ctx.base_content()?;
    if caps.barcode_formats.contains(&BarcodeFormat::Qr) {
        let mut barcode = qr("WPT-RICH-1");
        if caps.barcode_alt_text {
            barcode.alt_text = Some("WPT rich".into());
        }
        content.barcode = Some(barcode);
    }
    if caps.colors {
        content.appearance.background_color = Some(walletpass_core::Color::rgb(17, 34, 51));
        content.appearance.foreground_color = Some(walletpass_core::Color::rgb(250, 250, 250));
    }
    if caps.label_color {
        content.appearance.label_color = Some(walletpass_core::Color::rgb(160, 160, 160));
    }
    if caps.appearance_texts {
        content.appearance.organization_name = Some("walletpass conformance".into());
        content.appearance.description = Some("A pass with every part".into());
    }
    // Whole seconds, in the future (2100-01-01 and 2099-06-01).
    let date =
        |unix: i64| time::OffsetDateTime::from_unix_timestamp(unix).map_err(|e| e.to_string());
    if caps.expiration_date {
        content.expiration_date = Some(date(4_102_444_800)?);
    }
    if caps.relevant_date {
        content.relevant_date = Some(date(4_084_387_200)?);
    }
    Ok(content)
}

/// A provider that declares `list_full_content` lists each pass as `get` answers it (ref,
/// status and content), so a migration may take passes from the listing instead of reading
/// every one.
fn list_carries_full_content() -> Scenario {
    Scenario {
        name: "list_carries_full_content",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "get" => |c, _| c.get,
            "list" => |c, _| c.list,
            "list_full_content" => |c, _| c.list_full_content,
        ],
        run: |ctx| {
            Box::pin(async move {
                let content = rich_content(ctx)?;
                let created = ctx.create(content).await?;
                let read = get(ctx, &created.pass_ref).await?;
                let mut query = ListQuery::new();
                query.template = ctx.fixture.template.clone();
                let listed: Vec<Pass> = ctx
                    .provider
                    .list_all(query)
                    .try_filter(|p| futures::future::ready(p.pass_ref.id == created.pass_ref.id))
                    .try_collect()
                    .await
                    .map_err(|e| format!("list failed: {e}"))?;
                let [listed] = listed.as_slice() else {
                    return Err(format!(
                        "pass {} was listed {} times, expected once",
                        created.pass_ref,
                        listed.len()
                    ));
                };
                let view = |p: &Pass| {
                    serde_json::to_value((&p.pass_ref, &p.status, &p.content))
                        .map_err(|e| e.to_string())
                };
                let (from_list, from_get) = (view(listed)?, view(&read)?);
                ensure(from_list == from_get, || {
                    format!(
                        "list_full_content is declared, but the listed pass {} differs from get: listed [ref, status, content] {from_list}, get {from_get}",
                        created.pass_ref
                    )
                })?;
                Ok(Vec::new())
            })
        },
    }
}

fn search_finds_by_serial() -> Scenario {
    Scenario {
        name: "search_finds_by_serial",
        needs: needs![
            TEMPLATE => has_template,
            "list" => |c, _| c.list,
            "search" => |c, _| c.search,
        ],
        run: |ctx| {
            Box::pin(async move {
                let target = ctx.create(ctx.base_content()?).await?;
                let other = ctx.create(ctx.base_content()?).await?;
                let needle = target.serial_number.clone();
                let mut query = ListQuery::new().search(needle.to_uppercase());
                query.template = ctx.fixture.template.clone();
                let found: Vec<Pass> = ctx
                    .provider
                    .list_all(query)
                    .try_collect()
                    .await
                    .map_err(|e| format!("search failed: {e}"))?;
                ensure(
                    found.iter().any(|p| p.pass_ref.id == target.pass_ref.id),
                    || format!("searching for serial '{needle}' (any case) did not find its pass"),
                )?;
                ensure(
                    !found.iter().any(|p| p.pass_ref.id == other.pass_ref.id),
                    || format!("searching for serial '{needle}' also returned another pass"),
                )?;
                Ok(Vec::new())
            })
        },
    }
}

/// The listing scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        list_walks_every_page_once(),
        list_carries_full_content(),
        search_finds_by_serial(),
    ]
}
