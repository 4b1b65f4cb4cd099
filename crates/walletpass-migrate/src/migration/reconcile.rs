//! Reconcile phase: look up on the target every pass the checkpoint does not record there, the
//! same way in a dry run and a real run, and adopt or record what is found.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use walletpass_core::{
    Error, ErrorKind, FieldValue, ListQuery, Pass, PassId, PassRef, WalletProvider,
};

use super::{Item, MigrateError, Run, Strategy, describe, link_of};
use crate::checkpoint::{CheckpointError, Row, State};
use crate::compare::differences;
use crate::progress::Phase;

impl Run<'_> {
    /// Every target pass of the target template (one listing, retried page by page).
    pub(super) async fn list_target(&self) -> Result<Vec<Pass>, MigrateError> {
        let m = self.m;
        let mut out = Vec::new();
        let mut query = ListQuery::new().page_size(m.options.page_size);
        query.template = m.target_template.clone();
        loop {
            let target = Arc::clone(&m.target);
            let page = self
                .retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let query = query.clone();
                    async move { target.list(&query).await }
                })
                .await
                .map_err(MigrateError::Target)?;
            out.extend(page.items);
            match page.next {
                Some(next) if Some(&next) != query.cursor.as_ref() => query.cursor = Some(next),
                Some(next) => {
                    return Err(MigrateError::Target(Error::new(
                        ErrorKind::Decode,
                        format!("the target returned cursor '{next}' for itself"),
                    )));
                }
                None => return Ok(out),
            }
        }
    }

    /// Every target pass (of the target template) not yet recorded for a source pass, with its
    /// full content: when the target's listings carry only a summary (no `list_full_content`),
    /// or a listed pass has no link, each such pass is read one by one.
    pub(super) async fn unclaimed_target_passes(
        &self,
        claimed: &BTreeSet<String>,
    ) -> Result<Vec<Pass>, MigrateError> {
        let m = self.m;
        let listed: Vec<Pass> = self
            .list_target()
            .await?
            .into_iter()
            .filter(|p| !claimed.contains(&p.pass_ref.to_string()))
            .collect();
        let full: Vec<Option<Pass>> = stream::iter(listed)
            .map(|p| self.full_pass(&m.target, &self.target_pace, p))
            .buffered(m.options.concurrency.max(1))
            .try_collect()
            .await
            .map_err(MigrateError::Target)?;
        Ok(full.into_iter().flatten().collect())
    }

    /// Look up on the target every pass the checkpoint does not record there (`pending`, or
    /// `creating`: a create whose outcome is unknown), the same way in a dry run and a real
    /// run. Found, the row records the target pass (adopted when this checkpoint had sent no
    /// create for it); not found, it is `pending`. Returns the source refs found absent: only
    /// those may be created (a pass whose lookup failed waits for the next round).
    pub(super) async fn reconcile(
        &self,
        items: &BTreeMap<String, Item>,
    ) -> Result<BTreeSet<String>, MigrateError> {
        let rows = self.cp.rows_in(&[State::Pending, State::Creating])?;
        let open: Vec<&Row> = rows
            .iter()
            .filter(|r| items.contains_key(&r.source_ref))
            .collect();
        let mut absent = BTreeSet::new();
        if open.is_empty() {
            return Ok(absent);
        }
        let m = self.m;
        let caps = m.target.capabilities();
        m.progress.start(Phase::Reconcile, open.len() as u64);
        match self.strategy {
            Strategy::CallerSerial => {
                let found = self.find_by_serial(&open, items).await?;
                for (row, item, got) in found {
                    let adopted = row.state == State::Pending;
                    match got {
                        Ok(Some(pass)) => {
                            let diffs = differences(
                                &item.expected,
                                &pass.content,
                                caps,
                                self.target_template.as_ref(),
                            );
                            if diffs.is_empty() {
                                self.found(row, &pass, adopted, None)?;
                            } else {
                                self.cp.set_state(
                                    &item.source_ref,
                                    State::Failed,
                                    Some(&format!(
                                        "serial '{}' is taken on the target by a pass with other content (left untouched): {}",
                                        item.identity,
                                        diffs.join("; ")
                                    )),
                                )?;
                            }
                        }
                        Ok(None) => {
                            absent.insert(item.source_ref.clone());
                            self.cp.set_state(&item.source_ref, State::Pending, None)?;
                        }
                        Err(e) => self.cp.set_error(&item.source_ref, &describe(&e))?,
                    }
                }
            }
            Strategy::Marker | Strategy::Content => {
                let mut claimed = self.cp.target_refs()?;
                let mut listed = self.unclaimed_target_passes(&claimed).await?;
                // The oldest first: of several candidates, the one made first is kept.
                listed.sort_by_key(|p| (p.created_at.is_none(), p.created_at));
                let marker = m.mapping.identity.marker_field.clone();
                let mut by_marker: HashMap<String, Vec<&Pass>> = HashMap::new();
                if let Some(key) = &marker {
                    for p in &listed {
                        if let Some(f) = p.content.field(key.as_str())
                            && let FieldValue::Text(token) = &f.value
                        {
                            by_marker.entry(token.clone()).or_default().push(p);
                        }
                    }
                }
                for row in open {
                    let Some(item) = items.get(&row.source_ref) else {
                        continue;
                    };
                    let candidates: Vec<&Pass> = match self.strategy {
                        Strategy::Marker => {
                            by_marker.get(&item.identity).cloned().unwrap_or_default()
                        }
                        _ => listed.iter().collect(),
                    };
                    let diffs_of = |p: &Pass| {
                        differences(
                            &item.expected,
                            &p.content,
                            caps,
                            self.target_template.as_ref(),
                        )
                    };
                    let free: Vec<&Pass> = candidates
                        .into_iter()
                        .filter(|p| !claimed.contains(&p.pass_ref.to_string()))
                        .collect();
                    // Equal content first; with a marker, a copy of this very source pass whose
                    // content differs (the source changed since) is adopted as a mismatch
                    // rather than created again.
                    let hit = match free.iter().find(|p| diffs_of(p).is_empty()) {
                        Some(p) => Some((*p, None)),
                        None if self.strategy == Strategy::Marker => {
                            free.first().map(|p| (*p, Some(diffs_of(p).join("; "))))
                        }
                        None => None,
                    };
                    m.progress.item(true);
                    match hit {
                        Some((p, stale)) => {
                            claimed.insert(p.pass_ref.to_string());
                            self.found(row, p, row.state == State::Pending, stale.as_deref())?;
                        }
                        None => {
                            absent.insert(item.source_ref.clone());
                            self.cp.set_state(
                                &item.source_ref,
                                State::Pending,
                                row.last_error.as_deref(),
                            )?;
                        }
                    }
                }
            }
        }
        m.progress.finish();
        Ok(absent)
    }

    /// Record that `row`'s copy is `pass` on the target.
    pub(super) fn found(
        &self,
        row: &Row,
        pass: &Pass,
        adopted: bool,
        stale: Option<&str>,
    ) -> Result<(), CheckpointError> {
        let target_ref = pass.pass_ref.to_string();
        let link = link_of(pass);
        if adopted || stale.is_some() {
            let stale = stale.map(|d| format!("on the target with other content: {d}"));
            self.cp.mark_found(
                &row.source_ref,
                &target_ref,
                link.as_deref(),
                adopted,
                stale.as_deref(),
            )
        } else {
            self.cp
                .mark_created(&row.source_ref, &target_ref, link.as_deref())
        }
    }

    /// Each open row's pass on the target by its caller-chosen serial: from one listing of the
    /// target template when the target can list, else one read per pass.
    pub(super) async fn find_by_serial<'r, 'i>(
        &self,
        open: &[&'r Row],
        items: &'i BTreeMap<String, Item>,
    ) -> Result<Vec<(&'r Row, &'i Item, Result<Option<Pass>, Error>)>, MigrateError> {
        let m = self.m;
        let with_items: Vec<(&Row, &Item, &PassId)> = open
            .iter()
            .filter_map(|r| {
                let item = items.get(&r.source_ref)?;
                Some((*r, item, item.serial.as_ref()?))
            })
            .collect();
        let caps = m.target.capabilities();
        // One listing costs at least a page per `page_size` passes already recorded on the
        // target; when fewer rows are open than that (a resume), reading them by serial is the
        // smaller bulk. Both are the same proof.
        let recorded = self.cp.target_refs()?.len();
        let listing = caps.list
            && !(caps.list_requires_template && m.target_template.is_none())
            && with_items.len() * m.options.page_size.max(1) as usize >= recorded;
        let mut listed: HashMap<String, Pass> = HashMap::new();
        if listing {
            // A pass's serial is its `serial_number` (Passinstance gives each pass its own id
            // beside the serial chosen by the caller); the id where a target names it so.
            for p in self.list_target().await? {
                let serial = if p.serial_number.is_empty() {
                    p.pass_ref.id.to_string()
                } else {
                    p.serial_number.clone()
                };
                listed.insert(serial, p);
            }
        }
        let listed = &listed;
        Ok(stream::iter(with_items)
            .map(|(row, item, serial)| async move {
                let got = if listing {
                    match listed.get(serial.as_str()) {
                        Some(p) => {
                            self.full_pass(&m.target, &self.target_pace, p.clone())
                                .await
                        }
                        None => Ok(None),
                    }
                } else {
                    let pass_ref = PassRef {
                        template: m.target_template.clone(),
                        id: serial.clone(),
                    };
                    self.read(&m.target, &self.target_pace, &pass_ref).await
                };
                m.progress.item(got.is_ok());
                (row, item, got)
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await)
    }
}
