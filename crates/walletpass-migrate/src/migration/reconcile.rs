//! Reconcile phase: look up on the target every pass the checkpoint does not record there, the
//! same way in a dry run and a real run, and adopt or record what is found.
//!
//! The target's listing is staged in the checkpoint's scratch tables page by page (keyed by
//! serial or marker) and the open rows are matched against it a batch at a time by indexed
//! queries, so neither side is held in memory at once. The content strategy has no key: each
//! open row walks the unclaimed listed passes oldest first, a batch at a time, until one has
//! its content (time grows with open rows times unclaimed listed passes, memory does not).

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use walletpass_core::{Error, ErrorKind, FieldValue, ListQuery, Pass, PassRef, WalletProvider};

use super::{Item, MigrateError, Run, Strategy, decode, describe, encode, link_of};
use crate::checkpoint::{CheckpointError, LISTED, Listed, Row, State};
use crate::compare::differences;
use crate::progress::Phase;

/// The rows a lookup is for: the checkpoint does not record them on the target.
const OPEN: &[State] = &[State::Pending, State::Creating];

/// The key a listed target pass is found by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyBy {
    /// Its serial (`serial_number`, or the id where the target names it so).
    Serial,
    /// Its marker field's text.
    Marker,
    /// None (the content strategy).
    Nothing,
}

impl Run<'_> {
    /// Stage every target pass of the target template (one listing, retried page by page) in
    /// the checkpoint's scratch table, keyed by `key`. With `unclaimed`, passes a row records
    /// are left out and the others are read in full where the listing carries only a summary
    /// (no `list_full_content`, or no link), one by one.
    pub(super) async fn list_target(
        &self,
        key: KeyBy,
        unclaimed: bool,
    ) -> Result<(), MigrateError> {
        let m = self.m;
        self.cp.clear_listed()?;
        let marker = m.mapping.identity.marker_field.clone();
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
            let mut passes = Vec::with_capacity(page.items.len());
            for p in page.items {
                if !unclaimed || !self.cp.is_claimed(&p.pass_ref.to_string())? {
                    passes.push(p);
                }
            }
            let passes: Vec<Pass> = if unclaimed {
                let full: Vec<Option<Pass>> = stream::iter(passes)
                    .map(|p| self.full_pass(&m.target, &self.target_pace, p))
                    .buffered(m.options.concurrency.max(1))
                    .try_collect()
                    .await
                    .map_err(MigrateError::Target)?;
                full.into_iter().flatten().collect()
            } else {
                passes
            };
            let mut listed = Vec::with_capacity(passes.len());
            for p in &passes {
                let key = match key {
                    // Passinstance gives each pass its own id beside the serial chosen by the
                    // caller.
                    KeyBy::Serial if p.serial_number.is_empty() => Some(p.pass_ref.id.to_string()),
                    KeyBy::Serial => Some(p.serial_number.clone()),
                    KeyBy::Marker => marker
                        .as_ref()
                        .and_then(|k| p.content.field(k.as_str()))
                        .and_then(|f| match &f.value {
                            FieldValue::Text(token) => Some(token.clone()),
                            _ => None,
                        }),
                    KeyBy::Nothing => None,
                };
                listed.push(Listed {
                    target_ref: p.pass_ref.to_string(),
                    key,
                    created: p
                        .created_at
                        .and_then(|t| i64::try_from(t.unix_timestamp_nanos()).ok()),
                    pass: encode(p)?,
                });
            }
            self.cp.stage_listed(&listed)?;
            match page.next {
                Some(next) if Some(&next) != query.cursor.as_ref() => query.cursor = Some(next),
                Some(next) => {
                    return Err(MigrateError::Target(Error::new(
                        ErrorKind::Decode,
                        format!("the target returned cursor '{next}' for itself"),
                    )));
                }
                None => return Ok(()),
            }
        }
    }

    /// Call `each` with every staged listed target pass that no row records, in listing
    /// order, loading them a batch at a time.
    pub(super) fn each_listed(
        &self,
        mut each: impl FnMut(Pass) -> Result<(), MigrateError>,
    ) -> Result<(), MigrateError> {
        let mut after = 0;
        loop {
            let batch = self.cp.listed_batch(after, self.batch())?;
            let Some((last, _)) = batch.last() else {
                return Ok(());
            };
            after = *last;
            for (_, p) in &batch {
                each(decode(p)?)?;
            }
        }
    }

    /// Look up on the target every pass the checkpoint does not record there (`pending`, or
    /// `creating`: a create whose outcome is unknown), the same way in a dry run and a real
    /// run. Found, the row records the target pass (adopted when this checkpoint had sent no
    /// create for it); not found, it is `pending` and marked absent: only those may be
    /// created (a pass whose lookup failed waits for the next round).
    pub(super) async fn reconcile(&self) -> Result<(), MigrateError> {
        self.cp.clear_absent()?;
        let open = self.cp.staged_count(OPEN, "")?;
        if open == 0 {
            return Ok(());
        }
        let m = self.m;
        m.progress.start(Phase::Reconcile, open as u64);
        match self.strategy {
            Strategy::CallerSerial => self.reconcile_by_serial(open).await?,
            Strategy::Marker => {
                self.list_target(KeyBy::Marker, true).await?;
                let mut rows = std::pin::pin!(self.staged_rows(OPEN, ""));
                while let Some((row, item)) = rows.try_next().await? {
                    let free: Vec<Pass> = self
                        .cp
                        .listed_unclaimed(&item.identity)?
                        .iter()
                        .map(|p| decode(p))
                        .collect::<Result<_, _>>()?;
                    self.match_listed(&row, &item, &free)?;
                }
            }
            Strategy::Content => {
                self.list_target(KeyBy::Nothing, true).await?;
                let mut rows = std::pin::pin!(self.staged_rows(OPEN, ""));
                while let Some((row, item)) = rows.try_next().await? {
                    self.match_by_content(&row, &item)?;
                }
            }
        }
        m.progress.finish();
        Ok(())
    }

    /// How `pass` differs from what `item` maps to, on this target.
    fn diffs_of(&self, item: &Item, pass: &Pass) -> Vec<String> {
        differences(
            &item.expected,
            &pass.content,
            self.m.target.capabilities(),
            self.target_template.as_ref(),
        )
    }

    /// Match one open row against the unclaimed target passes that carry its marker, oldest
    /// first, and record the outcome.
    fn match_listed(&self, row: &Row, item: &Item, free: &[Pass]) -> Result<(), MigrateError> {
        // Equal content first; else a copy of this very source pass whose content differs
        // (the source changed since) is adopted as a mismatch rather than created again.
        let hit = match free.iter().find(|p| self.diffs_of(item, p).is_empty()) {
            Some(p) => Some((p, None)),
            None => free
                .first()
                .map(|p| (p, Some(self.diffs_of(item, p).join("; ")))),
        };
        self.record_match(row, item, hit)
    }

    /// Match one open row against every unclaimed listed target pass (the content strategy):
    /// the oldest one with its content is its copy (of several candidates, the one made first
    /// is kept). The listed passes are read a batch at a time; a pass claimed by an earlier
    /// row is recorded in the checkpoint (its scratch copy in a dry run) and so left out.
    fn match_by_content(&self, row: &Row, item: &Item) -> Result<(), MigrateError> {
        let mut after = None;
        loop {
            let batch = self.cp.listed_oldest(after, self.batch())?;
            let Some((last, _)) = batch.last() else {
                return self.record_match(row, item, None);
            };
            after = Some(*last);
            for (_, json) in &batch {
                let pass = decode(json)?;
                if self.diffs_of(item, &pass).is_empty() {
                    return self.record_match(row, item, Some((&pass, None)));
                }
            }
        }
    }

    /// Record what the lookup of one open row found: the target pass (with its differences
    /// when adopted as a mismatch), or nothing (the row may be created).
    fn record_match(
        &self,
        row: &Row,
        item: &Item,
        hit: Option<(&Pass, Option<String>)>,
    ) -> Result<(), MigrateError> {
        self.m.progress.item(true);
        match hit {
            Some((p, stale)) => {
                self.found(row, p, row.state == State::Pending, stale.as_deref())?;
                Ok(())
            }
            None => {
                if row.state != State::Pending {
                    self.cp.set_state(
                        &item.source_ref,
                        State::Pending,
                        row.last_error.as_deref(),
                    )?;
                }
                self.cp.mark_absent(&[item.source_ref.as_str()])?;
                Ok(())
            }
        }
    }

    /// Each open row's pass on the target by its caller-chosen serial: from one listing of the
    /// target template when the target can list, else one read per pass; a found pass is
    /// adopted when its content matches.
    async fn reconcile_by_serial(&self, open: usize) -> Result<(), MigrateError> {
        let m = self.m;
        let caps = m.target.capabilities();
        // One listing costs at least a page per `page_size` passes already recorded on the
        // target; when fewer rows are open than that (a resume), reading them by serial is the
        // smaller bulk. Both are the same proof.
        let recorded = self.cp.target_ref_count()?;
        let listing = caps.list
            && !(caps.list_requires_template && m.target_template.is_none())
            && open * m.options.page_size.max(1) as usize >= recorded;
        // With a listing, the rows whose serial it does not hold are found absent in one
        // statement (a first run: every row), and only the others are walked one by one.
        let filter = if listing {
            self.list_target(KeyBy::Serial, false).await?;
            for _ in 0..self.cp.mark_unlisted_absent(OPEN)? {
                m.progress.item(true);
            }
            LISTED
        } else {
            ""
        };
        let results = self
            .staged_rows(OPEN, filter)
            .try_filter_map(|(row, item)| async move {
                Ok(item.serial.clone().map(|serial| (row, item, serial)))
            })
            .map_ok(|(row, item, serial)| async move {
                let got = if listing {
                    match self.cp.listed_by_key(serial.as_str())? {
                        Some(p) => {
                            self.full_pass(&m.target, &self.target_pace, decode(&p)?)
                                .await
                        }
                        None => Ok(None),
                    }
                } else {
                    let pass_ref = PassRef {
                        template: m.target_template.clone(),
                        id: serial,
                    };
                    self.read(&m.target, &self.target_pace, &pass_ref).await
                };
                m.progress.item(got.is_ok());
                Ok::<_, MigrateError>((row, item, got))
            })
            .try_buffer_unordered(m.options.concurrency.max(1));
        let mut results = std::pin::pin!(results);
        while let Some((row, item, got)) = results.try_next().await? {
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
                        self.found(&row, &pass, adopted, None)?;
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
                    // A row already pending without an error is left as it is: no write (and
                    // no sync to disk) per pass on a first run.
                    if row.state != State::Pending || row.last_error.is_some() {
                        self.cp.set_state(&item.source_ref, State::Pending, None)?;
                    }
                    self.cp.mark_absent(&[item.source_ref.as_str()])?;
                }
                Err(e) => self.cp.set_error(&item.source_ref, &describe(&e))?,
            }
        }
        Ok(())
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
}
