//! The run itself: pacing and retries shared by every phase, one read on either side, and
//! [`Run::execute`], which drives the phases in order and adds up the [`Summary`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use walletpass_core::{Error, ErrorKind, Pass, PassId, PassRef, WalletProvider, WalletProviderExt};

use super::report::report_rows;
use super::{Item, MigrateError, Retire, Run, Strategy, Summary, link_of};
use crate::checkpoint::{Row, State};
use crate::compare::content_hash;
use crate::pacing::Pace;

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

        let before: HashMap<String, Row> = self
            .cp
            .rows()?
            .into_iter()
            .map(|r| (r.source_ref.clone(), r))
            .collect();
        let (items, inactive) = self.read_source(&before).await?;
        self.stopped()?;
        self.cp.plan(
            &items
                .iter()
                .map(|i| {
                    (
                        i.source_ref.clone(),
                        i.source_link.clone(),
                        i.identity.clone(),
                        content_hash(&i.expected),
                    )
                })
                .collect::<Vec<_>>(),
        )?;
        let by_ref: BTreeMap<String, Item> = items
            .into_iter()
            .map(|i| (i.source_ref.clone(), i))
            .collect();
        let skipped: BTreeSet<String> = before
            .values()
            .filter(|r| r.state.is_on_target() && by_ref.contains_key(&r.source_ref))
            .map(|r| r.source_ref.clone())
            .collect();

        let mut summary = Summary {
            total: by_ref.len(),
            skipped: skipped.len(),
            inactive,
            dry_run: m.options.dry_run,
            strategy: Some(self.strategy.to_string()),
            ..Summary::default()
        };

        // Rows that failed in an earlier run are tried again once. A dry run does the same on
        // its copy of the checkpoint, so that it looks up exactly what the real run looks up.
        for row in self.cp.rows_in(&[State::Failed])? {
            if by_ref.contains_key(&row.source_ref) {
                self.cp
                    .set_state(&row.source_ref, State::Pending, row.last_error.as_deref())?;
            }
        }
        // Every pass not recorded as on the target is looked up there before it is created: the
        // checkpoint is never the only proof (a lost, emptied or rolled-back one adopts the
        // copies already there). Only passes the lookup found absent are created.
        for _ in 0..m.options.rounds.max(1) {
            let absent = self.reconcile(&by_ref).await?;
            if m.options.dry_run {
                break;
            }
            let pending: Vec<&Item> = self
                .cp
                .rows_in(&[State::Pending])?
                .iter()
                .filter(|r| absent.contains(&r.source_ref))
                .filter_map(|r| by_ref.get(&r.source_ref))
                .collect();
            if pending.is_empty() {
                break;
            }
            self.create_all(&pending).await?;
            self.stopped()?;
        }
        if !m.options.dry_run {
            // A last look for creates still uncertain, so the summary is exact.
            self.reconcile(&by_ref).await?;
        }
        if self.strategy == Strategy::Marker {
            let sweep = self.sweep_duplicates(&by_ref).await?;
            summary.duplicates_removed = sweep.removed;
            summary.duplicates_left = sweep.left;
            summary.copies_unproven = sweep.unproven;
        }
        self.sync(&by_ref, &mut summary).await?;

        let mut mismatches = BTreeMap::new();
        if m.options.verify && !m.options.dry_run {
            mismatches = self.verify(&by_ref).await?;
            self.stopped()?;
        }
        if m.options.retire != Retire::None && !m.options.dry_run {
            let failures = self.retire(&by_ref).await?;
            self.stopped()?;
            summary.retire_failed = failures.len();
            summary.retire_failures = failures.into_iter().take(Summary::FIRST_REASONS).collect();
        }

        let rows = self.cp.rows()?;
        for row in rows.iter().filter(|r| by_ref.contains_key(&r.source_ref)) {
            match row.state {
                s if s.is_on_target() && skipped.contains(&row.source_ref) => {}
                s if s.is_on_target() && row.adopted => summary.adopted += 1,
                s if s.is_on_target() => summary.migrated += 1,
                _ if m.options.dry_run => summary.would_create += 1,
                State::Failed | State::Creating | State::Pending => {
                    summary.failed += 1;
                    summary.failures.push((
                        row.source_ref.clone(),
                        row.last_error
                            .clone()
                            .unwrap_or_else(|| "not attempted".into()),
                    ));
                }
                _ => {}
            }
            if m.options.dry_run {
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
                    summary.mismatches.push((
                        row.source_ref.clone(),
                        mismatches
                            .get(&row.source_ref)
                            .cloned()
                            .unwrap_or_else(|| vec![row.last_error.clone().unwrap_or_default()]),
                    ));
                }
                _ => {}
            }
        }
        summary.rows = report_rows(&rows, &mismatches, m.options.dry_run);
        Ok(summary)
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
