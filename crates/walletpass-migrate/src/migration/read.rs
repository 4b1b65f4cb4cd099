//! Read phase: list every source pass (in full where the listing is only a summary), map it and
//! check that it fits the target before anything is written (the pre-flight check).

use std::sync::Arc;

use futures::{TryStreamExt, stream};
use walletpass_core::{
    Error, ErrorKind, ListQuery, Pass, PassContent, PassId, PassStatus, WalletProvider,
};

use super::error::{Misfits, NAMED_PASSES, REASON_SEPARATOR};
use super::{Item, MigrateError, Run, Strategy, link_of};
use crate::compare::content_hash;
use crate::mapping::MapFailure;
use crate::progress::Phase;

/// How many misfits a pre-flight error holds in full (every misfit is counted and grouped in
/// its message; the checkpoint's scratch table holds them all while the run lasts).
const MISFITS_KEPT: usize = 1000;

/// What the pre-flight check made of one listed source pass.
enum Admitted {
    /// Voided, expired or removed, and not migrated.
    Inactive,
    /// It does not fit the target: its source ref and every reason.
    Misfit(String, Vec<String>),
    /// It fits.
    Item(Box<Item>),
}

impl Run<'_> {
    /// Read every source pass and map it, staging each page in the checkpoint's scratch tables
    /// as it comes (the passes that fit as items, the others as misfits), so that memory holds
    /// about one page at a time; stop before any write when one does not fit. Returns how many
    /// passes were left out as inactive.
    pub(super) async fn read_source(&self) -> Result<usize, MigrateError> {
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
        self.cp.begin_staging()?;
        let mut chunks = std::pin::pin!(
            pages
                .try_flatten()
                .map_ok(|p| async move {
                    let got = self.full_pass(&m.source, &self.source_pace, p).await;
                    m.progress.item(got.is_ok());
                    got
                })
                .try_buffered(m.options.concurrency.max(1))
                .try_chunks(self.batch())
        );
        let mut inactive = 0;
        let mut misfits = false;
        while let Some(chunk) = chunks
            .try_next()
            .await
            .map_err(|e| MigrateError::Source(e.1))?
        {
            let mut staged = Vec::with_capacity(chunk.len());
            for pass in chunk.into_iter().flatten() {
                match self.admit(pass)? {
                    Admitted::Inactive => inactive += 1,
                    Admitted::Misfit(source_ref, reasons) => {
                        misfits = true;
                        self.cp.stage_misfit(
                            &source_ref,
                            &reasons.join(&REASON_SEPARATOR.to_string()),
                        )?;
                    }
                    Admitted::Item(item) => staged.push(item.staged()?),
                }
            }
            if let Some(twice) = self.cp.stage(&staged)? {
                return Err(MigrateError::Source(Error::new(
                    ErrorKind::Decode,
                    format!("the source listed pass '{twice}' twice"),
                )));
            }
        }
        m.progress.finish();
        if misfits {
            let groups = self.cp.misfits(MISFITS_KEPT, NAMED_PASSES)?;
            return Err(MigrateError::Preflight(Misfits::from_groups(groups)));
        }
        if self.strategy == Strategy::Content {
            tracing::warn!(
                "the target has no caller-chosen serials and the mapping names no identity.marker_field: uncertain creates are resolved by matching content"
            );
        }
        Ok(inactive)
    }

    /// One listed source pass, mapped and checked against the target.
    fn admit(&self, pass: Pass) -> Result<Admitted, MigrateError> {
        let m = self.m;
        let caps = m.target.capabilities();
        let source_ref = pass.pass_ref.to_string();
        {
            let live = matches!(
                pass.status,
                PassStatus::Active | PassStatus::Draft | PassStatus::Other(_)
            );
            if !live && !m.options.include_inactive && !self.cp.is_recorded(&source_ref)? {
                return Ok(Admitted::Inactive);
            }
            let expected = match self.mapped(&pass.content, &source_ref) {
                Ok(c) => c,
                Err(failure) => return Ok(Admitted::Misfit(source_ref, failure.reasons)),
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
                return Ok(Admitted::Misfit(source_ref, reasons));
            }
            Ok(Admitted::Item(Box::new(Item {
                source_link: link_of(&pass),
                source_pass: pass.pass_ref,
                source_ref,
                identity,
                expected,
                serial,
            })))
        }
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
