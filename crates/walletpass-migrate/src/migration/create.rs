//! Create phase: per call or in batch jobs, each intent recorded (`creating`) before its request
//! is sent.

use futures::TryStreamExt;
use walletpass_core::{ErrorKind, NewPass, WalletProvider};

use super::run::ABSENT;
use super::{Created, Item, MigrateError, Run, Strategy, ambiguous, describe, link_of};
use crate::checkpoint::{CheckpointError, State};
use crate::progress::Phase;

/// The rows a create is for.
const PENDING: &[State] = &[State::Pending];

impl Run<'_> {
    /// Create every pending pass the last lookup found absent (bulk path when the target has
    /// one), loading them from the checkpoint a batch at a time.
    pub(super) async fn create_all(&self) -> Result<(), MigrateError> {
        let m = self.m;
        let pending = self.cp.staged_count(PENDING, ABSENT)?;
        m.progress.start(Phase::Migrate, pending as u64);
        let batch = m.options.use_batch && m.target.batch().is_some();
        let concurrency = m.options.concurrency.max(1);
        let items = self.staged_rows(PENDING, ABSENT).map_ok(|(_, item)| item);
        if batch {
            items
                .try_chunks(m.options.batch_size.max(1))
                .map_err(|e| e.1)
                .try_for_each_concurrent(concurrency, |chunk| async move {
                    if m.stop.is_stopped() {
                        return Ok(());
                    }
                    let chunk: Vec<&Item> = chunk.iter().collect();
                    self.create_batch(&chunk).await?;
                    Ok(())
                })
                .await?;
        } else {
            items
                .try_for_each_concurrent(concurrency, |item| async move {
                    if m.stop.is_stopped() {
                        return Ok(());
                    }
                    let outcome = self.create_one(&item).await?;
                    m.progress.item(matches!(outcome, Created::Yes));
                    Ok(())
                })
                .await?;
        }
        m.progress.finish();
        Ok(())
    }

    /// Remember that this process sent a create for these passes: their recorded copies cannot
    /// have been handed to anyone yet (no report or notice carried them).
    fn sent(&self, items: &[&Item]) -> Result<(), CheckpointError> {
        let refs: Vec<&str> = items.iter().map(|i| i.source_ref.as_str()).collect();
        self.cp.mark_sent(&refs)
    }

    /// The create request for `item`.
    pub(super) fn new_pass(&self, item: &Item) -> NewPass {
        let mut new_pass = NewPass::new(item.expected.clone());
        new_pass.template = self.m.target_template.clone();
        new_pass.serial_number = item.serial.clone();
        new_pass
    }

    /// One create, per call. The intent (`creating`) is recorded before the request is sent.
    pub(super) async fn create_one(&self, item: &Item) -> Result<Created, CheckpointError> {
        let m = self.m;
        let cp = self.cp;
        cp.mark_creating(&item.source_ref)?;
        self.sent(&[item])?;
        let max = m.options.max_attempts.max(1);
        let mut transient = 0;
        let mut limited = 0;
        loop {
            self.target_pace.acquire().await;
            let result = m.target.create(self.new_pass(item)).await;
            match result {
                Ok(pass) => {
                    cp.mark_created(
                        &item.source_ref,
                        &pass.pass_ref.to_string(),
                        link_of(&pass).as_deref(),
                    )?;
                    return Ok(Created::Yes);
                }
                // Retried by the HTTP client as far as its policy allows: left to the lookup
                // and the next round, never repeated here.
                Err(e) if e.is_exhausted() => {
                    if e.kind() == ErrorKind::RateLimited {
                        self.target_pace
                            .pause(e.retry_after().unwrap_or_else(|| self.backoff(1)));
                    }
                    cp.set_error(&item.source_ref, &describe(&e))?;
                    return Ok(Created::Unknown);
                }
                Err(e) if e.kind() == ErrorKind::RateLimited && limited < max * 10 => {
                    limited += 1;
                    self.target_pace
                        .pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                Err(e)
                    if self.strategy == Strategy::CallerSerial
                        && e.kind() == ErrorKind::Conflict =>
                {
                    // The serial exists: most likely an earlier attempt of ours. The reconcile
                    // step reads it by serial and compares before adopting it.
                    cp.set_error(&item.source_ref, &describe(&e))?;
                    return Ok(Created::Unknown);
                }
                Err(e) if ambiguous(e.kind()) => {
                    cp.set_error(&item.source_ref, &describe(&e))?;
                    // Repeating a create is safe only with a caller-chosen serial; otherwise the
                    // pass stays `creating` and is looked up before any new attempt.
                    if self.strategy != Strategy::CallerSerial || transient + 1 >= max {
                        return Ok(Created::Unknown);
                    }
                    transient += 1;
                    tokio::time::sleep(self.backoff(transient)).await;
                }
                Err(e) => {
                    cp.set_state(&item.source_ref, State::Failed, Some(&describe(&e)))?;
                    return Ok(Created::Refused);
                }
            }
        }
    }

    /// One batch job. Every row of the chunk is `creating` before the job is submitted; rows
    /// whose result is not a clear success or refusal stay `creating` for the reconcile step.
    pub(super) async fn create_batch(&self, chunk: &[&Item]) -> Result<(), CheckpointError> {
        let m = self.m;
        let Some(batch) = m.target.batch() else {
            return Ok(());
        };
        let refs: Vec<&str> = chunk.iter().map(|i| i.source_ref.as_str()).collect();
        self.cp.mark_creating_all(&refs)?;
        self.sent(chunk)?;
        let passes: Vec<NewPass> = chunk.iter().map(|i| self.new_pass(i)).collect();
        let max = m.options.max_attempts.max(1);
        let mut limited = 0;
        let results = loop {
            self.target_pace.acquire().await;
            match batch.create_many(passes.clone()).await {
                Ok(results) => break results,
                Err(e)
                    if e.kind() == ErrorKind::RateLimited
                        && !e.is_exhausted()
                        && limited < max * 10 =>
                {
                    limited += 1;
                    self.target_pace
                        .pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                Err(e) => {
                    let text = describe(&e);
                    for item in chunk {
                        if ambiguous(e.kind()) {
                            self.cp.set_error(&item.source_ref, &text)?;
                        } else {
                            self.cp
                                .set_state(&item.source_ref, State::Failed, Some(&text))?;
                        }
                        m.progress.item(false);
                    }
                    return Ok(());
                }
            }
        };
        // Every success of the job in one transaction (one sync to disk for the job).
        let created: Vec<(String, String, Option<String>)> = chunk
            .iter()
            .zip(&results)
            .filter_map(|(item, r)| {
                r.as_ref().ok().map(|pass| {
                    (
                        item.source_ref.clone(),
                        pass.pass_ref.to_string(),
                        link_of(pass),
                    )
                })
            })
            .collect();
        self.cp.mark_created_all(&created)?;
        for (i, item) in chunk.iter().enumerate() {
            match results.get(i) {
                Some(Ok(_)) => m.progress.item(true),
                Some(Err(e))
                    if ambiguous(e.kind())
                        || e.kind() == ErrorKind::RateLimited
                        || (self.strategy == Strategy::CallerSerial
                            && e.kind() == ErrorKind::Conflict) =>
                {
                    self.cp.set_error(&item.source_ref, &describe(e))?;
                    m.progress.item(false);
                }
                Some(Err(e)) => {
                    self.cp
                        .set_state(&item.source_ref, State::Failed, Some(&describe(e)))?;
                    m.progress.item(false);
                }
                None => {
                    self.cp.set_error(
                        &item.source_ref,
                        "the batch job returned fewer results than passes",
                    )?;
                    m.progress.item(false);
                }
            }
        }
        Ok(())
    }
}
