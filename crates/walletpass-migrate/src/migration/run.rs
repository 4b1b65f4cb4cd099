//! The run itself: pacing and retries shared by every phase, one read on either side, and
//! [`Run::execute`], which drives the phases in order and adds up the [`Summary`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use walletpass_core::{Error, ErrorKind, Pass, PassId, PassRef, WalletProvider, WalletProviderExt};

use futures::{Stream, TryStreamExt, stream};

use super::report::write_report;
use super::{Item, MigrateError, Retire, Run, Strategy, Summary, link_of};
use crate::checkpoint::{Row, Staged, State};
use crate::pacing::Pace;

/// Every state a row can be in.
pub(super) const ALL_STATES: &[State] = &[
    State::Pending,
    State::Creating,
    State::Created,
    State::Failed,
    State::Verified,
    State::Mismatch,
    State::Retired,
];

/// The staged passes the last lookup found absent from the target: only those are created.
pub(super) const ABSENT: &str = "AND i.absent = 1";

impl Run<'_> {
    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        let base = self.m.options.backoff;
        let exp = base.saturating_mul(1u32 << attempt.min(10));
        let capped = exp.min(Duration::from_secs(5));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = Duration::from_nanos(u64::from(nanos) % (capped.as_nanos() as u64 / 2 + 1));
        capped / 2 + jitter
    }

    /// [`MigrateError::Stopped`] once a stop was asked for.
    pub(super) fn stopped(&self) -> Result<(), MigrateError> {
        if self.m.stop.is_stopped() {
            Err(MigrateError::Stopped)
        } else {
            Ok(())
        }
    }

    /// Call `op` with pacing, pausing the side on rate limits and retrying transient errors.
    /// Only for requests that are safe to repeat.
    pub(super) async fn retrying<T, F, Fut>(&self, pace: &Pace, mut op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let max = self.m.options.max_attempts.max(1);
        let mut transient = 0;
        let mut limited = 0;
        loop {
            pace.acquire().await;
            match op().await {
                Ok(v) => return Ok(v),
                // The HTTP client already retried it as far as its policy allows.
                Err(e) if e.is_exhausted() => {
                    if e.kind() == ErrorKind::RateLimited {
                        pace.pause(e.retry_after().unwrap_or_else(|| self.backoff(1)));
                    }
                    return Err(e);
                }
                Err(e) if e.kind() == ErrorKind::RateLimited && limited < max * 10 => {
                    limited += 1;
                    pace.pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                Err(e) if e.is_retryable() && transient + 1 < max => {
                    transient += 1;
                    tokio::time::sleep(self.backoff(transient)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The rows of staged passes in any of `states` (with `filter`, a constant SQL condition;
    /// see [`Checkpoint::staged_batch`](crate::checkpoint::Checkpoint)), in checkpoint order,
    /// loaded one batch of [`Run::batch`] rows at a time as the stream is pulled.
    pub(super) fn staged_rows(
        &self,
        states: &'static [State],
        filter: &'static str,
    ) -> impl Stream<Item = Result<(Row, Item), MigrateError>> + '_ {
        self.staged_rows_with(states, filter, |row, staged| {
            Ok((row, Item::from_staged(staged)?))
        })
    }

    /// [`staged_rows`](Self::staged_rows), each row's staged pass turned into what the caller
    /// needs by `convert` (the tally needs only whether it was skipped, not the decoded pass).
    fn staged_rows_with<T: 'static>(
        &self,
        states: &'static [State],
        filter: &'static str,
        convert: fn(Row, Staged) -> Result<(Row, T), MigrateError>,
    ) -> impl Stream<Item = Result<(Row, T), MigrateError>> + '_ {
        let limit = self.batch();
        stream::try_unfold(Some(0i64), move |after| async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let batch = self.cp.staged_batch(states, filter, after, limit)?;
            let next = if batch.len() < limit {
                None
            } else {
                batch.last().map(|(seq, _, _)| *seq)
            };
            let rows: Vec<Result<(Row, T), MigrateError>> = batch
                .into_iter()
                .map(|(_, row, staged)| convert(row, staged))
                .collect();
            Ok::<_, MigrateError>(Some((stream::iter(rows), next)))
        })
        .try_flatten()
    }

    /// Rows loaded from the checkpoint at once (the listing page size: one page of source
    /// passes is staged at a time, and read back in batches of the same size).
    pub(super) fn batch(&self) -> usize {
        self.m.options.page_size.max(1) as usize
    }

    pub(super) async fn execute(mut self) -> Result<Summary, MigrateError> {
        let m = self.m;
        let t = m.target.capabilities();
        if let Some(id) = &m.target_template
            && t.templates_get
        {
            let target = Arc::clone(&m.target);
            let template = self
                .retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let id = id.clone();
                    async move { target.get_template(&id).await }
                })
                .await
                .map_err(MigrateError::Target)?;
            self.target_template = Some(template);
        }

        let inactive = self.read_source().await?;
        self.stopped()?;
        // Rows that failed in an earlier run are tried again once. A dry run does the same on
        // its copy of the checkpoint, so that it looks up exactly what the real run looks up.
        let (total, skipped) = self.cp.plan_staged()?;

        let mut summary = Summary {
            total,
            skipped,
            inactive,
            dry_run: m.options.dry_run,
            strategy: Some(self.strategy.to_string()),
            ..Summary::default()
        };

        // Every pass not recorded as on the target is looked up there before it is created: the
        // checkpoint is never the only proof (a lost, emptied or rolled-back one adopts the
        // copies already there). Only passes the lookup found absent are created.
        for _ in 0..m.options.rounds.max(1) {
            self.reconcile().await?;
            if m.options.dry_run {
                break;
            }
            if self.cp.staged_count(&[State::Pending], ABSENT)? == 0 {
                break;
            }
            self.create_all().await?;
            self.stopped()?;
        }
        if !m.options.dry_run {
            // A last look for creates still uncertain, so the summary is exact.
            self.reconcile().await?;
        }
        if self.strategy == Strategy::Marker {
            let sweep = self.sweep_duplicates().await?;
            summary.duplicates_removed = sweep.removed;
            summary.duplicates_left = sweep.left;
            summary.copies_unproven = sweep.unproven;
        }
        self.sync(&mut summary).await?;

        let mut mismatches = BTreeMap::new();
        if m.options.verify && !m.options.dry_run {
            mismatches = self.verify().await?;
            self.stopped()?;
        }
        if m.options.retire != Retire::None && !m.options.dry_run {
            let (failed, first) = self.retire().await?;
            self.stopped()?;
            summary.retire_failed = failed;
            summary.retire_failures = first;
        }
        self.tally(&mut summary, &mismatches).await?;
        if let Some(path) = &m.report {
            summary.report_error = write_report(path, self.cp, m.options.dry_run)
                .err()
                .map(|e| format!("--report {}: {e}", path.display()));
        }
        Ok(summary)
    }

    /// Count where every staged pass stands, one batch of rows at a time; the first
    /// [`Summary::LISTED`] failures and mismatches are named.
    async fn tally(
        &self,
        summary: &mut Summary,
        mismatches: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), MigrateError> {
        let dry_run = self.m.options.dry_run;
        // The rows are walked a batch at a time without decoding their staged passes: only
        // whether each was skipped is needed here.
        let rows = self.staged_rows_with(ALL_STATES, "", |row, staged| Ok((row, staged.skipped)));
        futures::pin_mut!(rows);
        while let Some((row, skipped)) = rows.try_next().await? {
            match row.state {
                s if s.is_on_target() && skipped => {}
                s if s.is_on_target() && row.adopted => summary.adopted += 1,
                s if s.is_on_target() => summary.migrated += 1,
                _ if dry_run => summary.would_create += 1,
                State::Failed | State::Creating | State::Pending => {
                    summary.failed += 1;
                    if summary.failures.len() < Summary::LISTED {
                        summary.failures.push((
                            row.source_ref.clone(),
                            row.last_error
                                .clone()
                                .unwrap_or_else(|| "not attempted".into()),
                        ));
                    }
                }
                _ => {}
            }
            if dry_run {
                continue;
            }
            match row.state {
                State::Verified => summary.verified += 1,
                State::Retired => {
                    summary.verified += 1;
                    summary.retired += 1;
                }
                State::Mismatch => {
                    summary.mismatched += 1;
                    if summary.mismatches.len() < Summary::LISTED {
                        summary.mismatches.push((
                            row.source_ref.clone(),
                            mismatches.get(&row.source_ref).cloned().unwrap_or_else(|| {
                                vec![row.last_error.clone().unwrap_or_default()]
                            }),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Read one pass on one side, with that side's pacing and retries; `None`: it does not
    /// exist.
    pub(super) async fn read(
        &self,
        provider: &Arc<dyn WalletProvider>,
        pace: &Pace,
        pass_ref: &PassRef,
    ) -> Result<Option<Pass>, Error> {
        self.retrying(pace, || {
            let provider = Arc::clone(provider);
            let pass_ref = pass_ref.clone();
            async move { provider.get_or_none(&pass_ref).await }
        })
        .await
    }

    /// A listed pass in full: as listed when the side's listings carry full content
    /// (`list_full_content`) and the pass has a link (the report and the retire notice need
    /// it); otherwise read again. `None`: gone since it was listed.
    pub(super) async fn full_pass(
        &self,
        provider: &Arc<dyn WalletProvider>,
        pace: &Pace,
        listed: Pass,
    ) -> Result<Option<Pass>, Error> {
        if provider.capabilities().list_full_content && link_of(&listed).is_some() {
            return Ok(Some(listed));
        }
        self.read(provider, pace, &listed.pass_ref).await
    }

    pub(super) fn target_ref(&self, text: &str) -> Result<PassRef, String> {
        // Target refs were recorded from `PassRef`'s Display: `TEMPLATE/ID` when the target
        // addresses passes through a template, `ID` otherwise.
        match &self.m.target_template {
            Some(t) if text.starts_with(&format!("{t}/")) => {
                let id = &text[t.as_str().len() + 1..];
                PassId::new(id)
                    .map(|id| PassRef::in_template(t.clone(), id))
                    .map_err(|e| e.to_string())
            }
            _ => PassRef::parse(text).map_err(|e| e.to_string()),
        }
    }
}
