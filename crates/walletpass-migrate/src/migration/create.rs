//! Create phase: per call or in batch jobs, each intent recorded (`creating`) before its request
//! is sent.

use futures::{StreamExt, TryStreamExt};
use walletpass_core::{Error, ErrorKind, NewPass, Operation, Pass, WalletProvider};

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
            // Jobs go out a wave at a time: every row of a wave (up to `concurrency` jobs) is
            // recorded `creating` in one transaction before any of its jobs is submitted, the
            // jobs run at once, and the wave's outcomes are recorded in one transaction when
            // they are all in: two syncs to disk per wave rather than two per job. A row whose
            // outcome is lost with a killed process stays `creating` and is looked up before
            // any new attempt, as ever.
            let size = m.options.batch_size.max(1);
            let mut waves = std::pin::pin!(items.try_chunks(size * concurrency).map_err(|e| e.1));
            while let Some(wave) = waves.try_next().await? {
                if m.stop.is_stopped() {
                    break;
                }
                let refs: Vec<&Item> = wave.iter().collect();
                self.create_wave(&refs, size, concurrency).await?;
            }
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

    /// One wave of batch jobs of `size` passes each, all submitted at once (see
    /// [`Run::create_all`]): every row is `creating` before the first job is submitted; rows
    /// whose result is not a clear success or refusal stay `creating` for the reconcile step.
    async fn create_wave(
        &self,
        wave: &[&Item],
        size: usize,
        concurrency: usize,
    ) -> Result<(), CheckpointError> {
        let refs: Vec<&str> = wave.iter().map(|i| i.source_ref.as_str()).collect();
        self.cp.mark_creating_all(&refs)?;
        self.sent(wave)?;
        let jobs: Vec<JobOutcome> = futures::stream::iter(wave.chunks(size))
            .map(|chunk| self.run_job(chunk))
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut outcomes = Outcomes::default();
        for job in &jobs {
            self.outcomes_of(job, &mut outcomes);
        }
        self.cp
            .record_outcomes(&outcomes.created, &outcomes.errors, &outcomes.failed)
    }

    /// Submit one job and follow it to its end, pacing and pausing on rate limits; nothing is
    /// recorded here.
    async fn run_job<'i>(&self, chunk: &'i [&'i Item]) -> JobOutcome<'i> {
        let m = self.m;
        let Some(batch) = m.target.batch() else {
            return (
                chunk,
                Err(Error::unsupported(m.target.name(), Operation::Create)),
            );
        };
        let passes: Vec<NewPass> = chunk.iter().map(|i| self.new_pass(i)).collect();
        let max = m.options.max_attempts.max(1);
        let mut limited = 0;
        loop {
            self.target_pace.acquire().await;
            match batch.create_many(passes.clone()).await {
                Err(e)
                    if e.kind() == ErrorKind::RateLimited
                        && !e.is_exhausted()
                        && limited < max * 10 =>
                {
                    limited += 1;
                    self.target_pace
                        .pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                other => return (chunk, other),
            }
        }
    }

    /// What one job's answer means for each of its rows.
    fn outcomes_of(&self, (chunk, answer): &JobOutcome<'_>, out: &mut Outcomes) {
        let m = self.m;
        let results = match answer {
            Ok(results) => results,
            Err(e) => {
                let text = describe(e);
                for item in *chunk {
                    if ambiguous(e.kind()) {
                        out.errors.push((item.source_ref.clone(), text.clone()));
                    } else {
                        out.failed.push((item.source_ref.clone(), text.clone()));
                    }
                    m.progress.item(false);
                }
                return;
            }
        };
        for (i, item) in chunk.iter().enumerate() {
            let source_ref = item.source_ref.clone();
            match results.get(i) {
                Some(Ok(pass)) => {
                    out.created
                        .push((source_ref, pass.pass_ref.to_string(), link_of(pass)));
                    m.progress.item(true);
                }
                Some(Err(e))
                    if ambiguous(e.kind())
                        || e.kind() == ErrorKind::RateLimited
                        || (self.strategy == Strategy::CallerSerial
                            && e.kind() == ErrorKind::Conflict) =>
                {
                    out.errors.push((source_ref, describe(e)));
                    m.progress.item(false);
                }
                Some(Err(e)) => {
                    out.failed.push((source_ref, describe(e)));
                    m.progress.item(false);
                }
                None => {
                    out.errors.push((
                        source_ref,
                        "the batch job returned fewer results than passes".into(),
                    ));
                    m.progress.item(false);
                }
            }
        }
    }
}

/// One job of a wave: its rows and the target's answer.
type JobOutcome<'i> = (
    &'i [&'i Item],
    Result<Vec<walletpass_core::Result<Pass>>, Error>,
);

/// What a wave's answers mean for its rows, recorded in one transaction.
#[derive(Default)]
struct Outcomes {
    /// (source ref, target ref, target link) of every pass created.
    created: Vec<(String, String, Option<String>)>,
    /// (source ref, error) of every row whose outcome is unknown: it stays `creating`.
    errors: Vec<(String, String)>,
    /// (source ref, error) of every row the target refused: `failed`.
    failed: Vec<(String, String)>,
}
