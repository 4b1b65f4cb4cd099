//! Read phase: list every source pass (in full where the listing is only a summary), map it and
//! check that it fits the target before anything is written (the pre-flight check).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use futures::{TryStreamExt, stream};
use walletpass_core::{
    Error, ErrorKind, ListQuery, Pass, PassContent, PassId, PassStatus, WalletProvider,
};

use super::{Item, MigrateError, Offending, Run, Strategy, link_of};
use crate::checkpoint::Row;
use crate::compare::content_hash;
use crate::mapping::MapFailure;
use crate::progress::Phase;

impl Run<'_> {
    /// Read every source pass and map it; stop before any write when one does not fit.
    pub(super) async fn read_source(
        &self,
        before: &HashMap<String, Row>,
    ) -> Result<(Vec<Item>, usize), MigrateError> {
        let m = self.m;
        m.progress.start(Phase::Read, 0);
        let mut first = ListQuery::new().page_size(m.options.page_size);
        first.template = m.source_template.clone();
        // Pages are walked while the passes of earlier pages are read, so the listing does not
        // leave the source's budget idle.
        let pages = stream::try_unfold(Some(first), move |state| async move {
            let Some(query) = state else {
                return Ok(None);
            };
            let source = Arc::clone(&m.source);
            let page = self
                .retrying(&self.source_pace, || {
                    let source = Arc::clone(&source);
                    let query = query.clone();
                    async move { source.list(&query).await }
                })
                .await?;
            let next = match page.next {
                Some(next) if Some(&next) != query.cursor.as_ref() => Some(ListQuery {
                    cursor: Some(next),
                    ..query
                }),
                Some(next) => {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!("the source returned cursor '{next}' for itself"),
                    ));
                }
                None => None,
            };
            let items = stream::iter(page.items.into_iter().map(Ok::<Pass, Error>));
            Ok(Some((items, next)))
        });
        // A listed pass is taken as it is when the source lists full content
        // (`list_full_content`) and the pass has a link for the report. Otherwise (PassNinja
        // lists summaries; ubpass may list without links) every pass is read in full before it
        // is mapped, so nothing is migrated from a partial picture.
        let passes: Vec<Option<Pass>> = pages
            .try_flatten()
            .map_ok(|p| async move {
                let got = self.full_pass(&m.source, &self.source_pace, p).await;
                m.progress.item(got.is_ok());
                got
            })
            .try_buffered(m.options.concurrency.max(1))
            .try_collect()
            .await
            .map_err(MigrateError::Source)?;
        let passes: Vec<Pass> = passes.into_iter().flatten().collect();
        m.progress.finish();

        let caps = m.target.capabilities();
        let mut items = Vec::new();
        let mut offending = Vec::new();
        let mut inactive = 0;
        let mut seen = BTreeSet::new();
        for pass in passes {
            let source_ref = pass.pass_ref.to_string();
            if !seen.insert(source_ref.clone()) {
                return Err(MigrateError::Source(Error::new(
                    ErrorKind::Decode,
                    format!("the source listed pass '{source_ref}' twice"),
                )));
            }
            let live = matches!(
                pass.status,
                PassStatus::Active | PassStatus::Draft | PassStatus::Other(_)
            );
            if !live && !m.options.include_inactive && !before.contains_key(&source_ref) {
                inactive += 1;
                continue;
            }
            let expected = match self.mapped(&pass.content, &source_ref) {
                Ok(c) => c,
                Err(failure) => {
                    offending.push(Offending {
                        source_ref,
                        reasons: failure.reasons,
                    });
                    continue;
                }
            };
            let identity = match self.strategy {
                Strategy::CallerSerial => {
                    format!("{}{}", m.mapping.identity.serial_prefix, pass.pass_ref.id)
                }
                Strategy::Marker => source_ref.clone(),
                Strategy::Content => content_hash(&expected),
            };
            let mut reasons: Vec<String> = caps
                .misfits(&expected)
                .iter()
                .map(ToString::to_string)
                .collect();
            reasons.extend(crate::fit::reasons(
                &expected,
                caps,
                self.target_template.as_ref(),
                &m.mapping,
                m.target.name(),
            ));
            if let Some(t) = &self.target_template
                && !t.fields.is_empty()
            {
                for f in &expected.fields {
                    let Some(spec) = t.field_spec(f.key.as_str()) else {
                        reasons.push(format!(
                            "fields[{}]: not a field of target template '{}'",
                            f.key, t.id
                        ));
                        continue;
                    };
                    // Labels and placements that belong to the template: a pass may repeat them
                    // but not differ (map the template's, or drop labels / placements).
                    if caps.fixed_layout
                        && f.label.is_some()
                        && spec.label.is_some()
                        && f.label != spec.label
                    {
                        reasons.push(format!(
                            "fields[{}].label: target template '{}' fixes it to {:?}, the pass has {:?}",
                            f.key, t.id, spec.label, f.label
                        ));
                    }
                    if caps.fixed_layout
                        && f.placement.is_some()
                        && spec.placement.is_some()
                        && f.placement != spec.placement
                    {
                        reasons.push(format!(
                            "fields[{}].placement: target template '{}' fixes it to {:?}, the pass has {:?}",
                            f.key, t.id, spec.placement, f.placement
                        ));
                    }
                }
                for spec in t
                    .fields
                    .iter()
                    .filter(|s| s.required && s.default.is_none())
                {
                    if expected.field(spec.key.as_str()).is_none() {
                        reasons.push(format!(
                            "fields[{}]: required by target template '{}' but not mapped",
                            spec.key, t.id
                        ));
                    }
                }
            }
            let mut serial = None;
            if self.strategy == Strategy::CallerSerial {
                match PassId::new(identity.clone()) {
                    Ok(id) => serial = Some(id),
                    Err(e) => reasons.push(format!("serial_number: {e}")),
                }
            }
            if !reasons.is_empty() {
                offending.push(Offending {
                    source_ref,
                    reasons,
                });
                continue;
            }
            items.push(Item {
                source_link: link_of(&pass),
                source_pass: pass.pass_ref,
                source_ref,
                identity,
                expected,
                serial,
            });
        }
        if !offending.is_empty() {
            return Err(MigrateError::Preflight(offending));
        }
        if self.strategy == Strategy::Content {
            tracing::warn!(
                "the target has no caller-chosen serials and the mapping names no identity.marker_field: uncertain creates are resolved by matching content"
            );
        }
        Ok((items, inactive))
    }

    /// A source pass's content as it goes to the target: mapped, with the marker of
    /// `source_ref` when the strategy uses one.
    pub(super) fn mapped(
        &self,
        content: &PassContent,
        source_ref: &str,
    ) -> Result<PassContent, MapFailure> {
        let m = self.m;
        let same_provider = m.source.name() == m.target.name();
        let mapped = m.mapping.apply(content, same_provider)?;
        Ok(if self.strategy == Strategy::Marker {
            m.mapping.with_marker(mapped, source_ref)
        } else {
            mapped
        })
    }
}
