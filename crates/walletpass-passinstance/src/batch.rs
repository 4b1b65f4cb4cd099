//! Batch jobs (`POST /batch`, `GET /batch/{id}`): submit up to [`MAX_BATCH_ITEMS`] creates,
//! updates, voids or deletes in one job, poll its state with backoff until it is done, and read
//! one result per item. [`Passinstance::run_batch`] does all three for any number of items.

use std::time::Instant;

use serde_json::{Value, json};
use time::OffsetDateTime;
use walletpass_core::http::Method;
use walletpass_core::{
    Error, ErrorKind, NewPass, Operation, Pass, PassContent, PassRef, ResultExt, WalletProviderExt,
};

use crate::PROVIDER;
use crate::client::{Passinstance, PreparedCreate};
use crate::convert::{parse_date, pass_body, pass_from_wire};
use crate::error::item_error;
use crate::ids::{BatchId, answered_id};
use crate::wire::{BatchBody, WireBatch, WireBatchResult};

/// The most items one job takes (assumption A11); [`Passinstance::run_batch`] splits larger
/// requests into several jobs.
pub const MAX_BATCH_ITEMS: usize = 1000;

const OP: Operation = Operation::Batch;

/// The operation every item of a job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchOperation {
    /// `POST /passes` per item.
    Create,
    /// `PUT /passes/{id}` per item.
    Update,
    /// `POST /passes/{id}/void` per item.
    Void,
    /// `DELETE /passes/{id}` per item.
    Delete,
}

impl BatchOperation {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchOperation::Create => "create",
            BatchOperation::Update => "update",
            BatchOperation::Void => "void",
            BatchOperation::Delete => "delete",
        }
    }
}

/// The items of one batch request. Updates, voids and deletes address passes by id (a batch
/// cannot look a serial number up).
#[derive(Clone, Debug)]
pub enum BatchRequest {
    /// Create these passes (each needs a template, or the configured default).
    Create(Vec<NewPass>),
    /// Replace these passes' content.
    Update(Vec<(PassRef, PassContent)>),
    /// Void these passes.
    Void(Vec<PassRef>),
    /// Delete these passes.
    Delete(Vec<PassRef>),
}

impl BatchRequest {
    /// The operation.
    pub fn operation(&self) -> BatchOperation {
        match self {
            BatchRequest::Create(_) => BatchOperation::Create,
            BatchRequest::Update(_) => BatchOperation::Update,
            BatchRequest::Void(_) => BatchOperation::Void,
            BatchRequest::Delete(_) => BatchOperation::Delete,
        }
    }

    /// How many items.
    pub fn len(&self) -> usize {
        match self {
            BatchRequest::Create(v) => v.len(),
            BatchRequest::Update(v) => v.len(),
            BatchRequest::Void(v) | BatchRequest::Delete(v) => v.len(),
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a job is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchStatus {
    /// Accepted, not started.
    Queued,
    /// Items are being processed.
    Running,
    /// Every item was processed; each result says whether it succeeded.
    Completed,
    /// The job as a whole failed.
    Failed,
    /// A word this crate does not know, kept verbatim.
    Other(String),
}

impl BatchStatus {
    fn parse(word: &str) -> Self {
        match word {
            "queued" | "pending" => BatchStatus::Queued,
            "running" | "processing" => BatchStatus::Running,
            "completed" | "succeeded" => BatchStatus::Completed,
            "failed" => BatchStatus::Failed,
            other => BatchStatus::Other(other.to_owned()),
        }
    }

    /// Whether the job will not change any more.
    pub fn is_done(&self) -> bool {
        matches!(self, BatchStatus::Completed | BatchStatus::Failed)
    }
}

/// One item's result.
#[derive(Debug)]
pub struct BatchItemResult {
    /// The item's position in the job.
    pub index: usize,
    /// The pass id, when known.
    pub pass_id: Option<String>,
    /// The serial number, for creates.
    pub serial_number: Option<String>,
    /// The pass after the operation (`None` for deletes, or when the vendor did not include
    /// it), or the item's own error.
    pub outcome: Result<Option<Pass>, Error>,
}

/// A batch job as last read.
#[derive(Debug)]
pub struct BatchJob {
    /// Its id.
    pub id: BatchId,
    /// The operation, as the vendor names it.
    pub operation: Option<String>,
    /// Where it is.
    pub status: BatchStatus,
    /// Items in the job.
    pub total: Option<u64>,
    /// Items processed so far.
    pub processed: Option<u64>,
    /// One result per processed item.
    pub results: Vec<BatchItemResult>,
    /// When it was created.
    pub created_at: Option<OffsetDateTime>,
    /// When it completed.
    pub completed_at: Option<OffsetDateTime>,
}

fn job_from_wire(wire: WireBatch) -> Result<BatchJob, Error> {
    Ok(BatchJob {
        id: answered_id("id", wire.id)?,
        operation: wire.operation,
        status: BatchStatus::parse(&wire.status),
        total: wire.total,
        processed: wire.processed,
        results: wire.results.into_iter().map(result_from_wire).collect(),
        created_at: wire
            .created_at
            .as_deref()
            .map(|t| parse_date("createdAt", t))
            .transpose()?,
        completed_at: wire
            .completed_at
            .as_deref()
            .map(|t| parse_date("completedAt", t))
            .transpose()?,
    })
}

fn result_from_wire(wire: WireBatchResult) -> BatchItemResult {
    let outcome = match wire.status.as_str() {
        "succeeded" | "success" | "completed" => match wire.pass {
            Some(pass) => pass_from_wire(pass).map(Some),
            None => Ok(None),
        },
        "failed" | "error" => Err(wire
            .error
            .as_ref()
            .map(item_error)
            .unwrap_or_else(|| {
                Error::new(ErrorKind::Server, "the batch item failed without an error")
            })
            .at(PROVIDER, OP)),
        other => Err(Error::new(
            ErrorKind::Decode,
            format!("batch item {} has status '{other}'", wire.index),
        )
        .at(PROVIDER, OP)),
    };
    BatchItemResult {
        index: wire.index,
        pass_id: wire.id,
        serial_number: wire.serial_number,
        outcome,
    }
}

/// One item ready to send, or why it cannot be.
enum Prepared {
    Create(Box<PreparedCreate>),
    Other(Value),
}

impl Prepared {
    fn body(&self) -> Result<Value, Error> {
        match self {
            Prepared::Create(p) => serde_json::to_value(&p.body).map_err(|e| {
                Error::new(ErrorKind::InvalidInput, "a batch item could not be encoded")
                    .with_source(e)
            }),
            Prepared::Other(v) => Ok(v.clone()),
        }
    }
}

impl Passinstance {
    fn prepare_items(&self, request: BatchRequest) -> Vec<Result<Prepared, Error>> {
        let at = |i: usize, e: Error| {
            let message = format!("items[{i}]: {}", e.message());
            e.at(PROVIDER, OP)
                .with_field_error(format!("items[{i}]"), message)
        };
        match request {
            BatchRequest::Create(passes) => passes
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    self.prepare_create(p)
                        .map(|p| Prepared::Create(Box::new(p)))
                        .map_err(|e| at(i, e))
                })
                .collect(),
            BatchRequest::Update(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, (pass, content))| {
                    self.check_fits(&content)
                        .and_then(|()| pass_body(None, None, &content))
                        .and_then(|body| {
                            let mut value = serde_json::to_value(body).map_err(|e| {
                                Error::new(ErrorKind::InvalidInput, "could not be encoded")
                                    .with_source(e)
                            })?;
                            value["id"] = json!(pass.id.as_str());
                            Ok(Prepared::Other(value))
                        })
                        .map_err(|e| at(i, e))
                })
                .collect(),
            BatchRequest::Void(refs) | BatchRequest::Delete(refs) => refs
                .into_iter()
                .map(|pass| Ok(Prepared::Other(json!({ "id": pass.id.as_str() }))))
                .collect(),
        }
    }

    /// Submit one job (`POST /batch`) of 1 to [`MAX_BATCH_ITEMS`] items; an item that cannot be
    /// sent fails the whole submission, naming it. The job is returned as accepted (usually
    /// queued); follow it with [`wait_for_batch`](Self::wait_for_batch).
    pub async fn submit_batch(&self, request: BatchRequest) -> Result<BatchJob, Error> {
        let operation = request.operation();
        let items = self
            .prepare_items(request)
            .into_iter()
            .map(|item| item.and_then(|p| p.body()))
            .collect::<Result<Vec<_>, _>>()?;
        self.submit_bodies(operation, items).await
    }

    async fn submit_bodies(
        &self,
        operation: BatchOperation,
        items: Vec<Value>,
    ) -> Result<BatchJob, Error> {
        if items.is_empty() || items.len() > MAX_BATCH_ITEMS {
            return Err(Error::invalid_field(
                "items",
                format!(
                    "a batch job takes 1 to {MAX_BATCH_ITEMS} items, not {}",
                    items.len()
                ),
            )
            .at(PROVIDER, OP));
        }
        // A job of creates (caller-chosen serials), updates or voids can be sent again after
        // an ambiguous failure: repeating it changes nothing more. Deletes cannot.
        let idempotent = operation != BatchOperation::Delete;
        let wire: WireBatch = self
            .http
            .request(OP, Method::POST, &["batch"])
            .json(&BatchBody {
                operation: operation.as_str(),
                items,
            })
            .idempotent(idempotent)
            .send_json()
            .await?;
        job_from_wire(wire).at(PROVIDER, OP)
    }

    /// Read a job's state (`GET /batch/{id}`).
    pub async fn batch_status(&self, id: &BatchId) -> Result<BatchJob, Error> {
        let wire: WireBatch = self
            .http
            .request(OP, Method::GET, &["batch", id.as_str()])
            .resource(format!("batch {id}"))
            .send_json()
            .await?;
        job_from_wire(wire).at(PROVIDER, OP)
    }

    /// Poll a job until it is done, waiting longer between reads (see
    /// [`BatchPolling`](crate::BatchPolling)); a [`ErrorKind::Timeout`] error past its timeout.
    pub async fn wait_for_batch(&self, id: &BatchId) -> Result<BatchJob, Error> {
        let polling = &self.config.batch_polling;
        let started = Instant::now();
        let mut wait = polling.initial_interval;
        loop {
            let job = self.batch_status(id).await?;
            if job.status.is_done() {
                return Ok(job);
            }
            if started.elapsed() + wait > polling.timeout {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "batch {id} is still {:?} after {:?} ({} of {} items processed)",
                        job.status,
                        started.elapsed(),
                        job.processed.unwrap_or(0),
                        job.total.map_or_else(|| "?".to_owned(), |t| t.to_string()),
                    ),
                )
                .at(PROVIDER, OP)
                .with_resource(id.to_string()));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(polling.max_interval);
        }
    }

    /// Run any number of items as batch jobs: check each item, send the valid ones in jobs of
    /// at most [`MAX_BATCH_ITEMS`], wait for each job, and return one outcome per item, in
    /// input order: the pass after the operation (`None` for deletes), or the item's error.
    /// A create whose serial is already taken by an identical pass returns that pass, as a
    /// single create does. The outer error is for a job that could not be submitted or followed.
    pub async fn run_batch(
        &self,
        request: BatchRequest,
    ) -> Result<Vec<Result<Option<Pass>, Error>>, Error> {
        let operation = request.operation();
        let prepared = self.prepare_items(request);
        let mut outcomes: Vec<Option<Result<Option<Pass>, Error>>> =
            Vec::with_capacity(prepared.len());
        let mut pending: Vec<(usize, Prepared, Value)> = Vec::new();
        for (index, item) in prepared.into_iter().enumerate() {
            match item.and_then(|p| p.body().map(|body| (p, body))) {
                Ok((p, body)) => {
                    outcomes.push(None);
                    pending.push((index, p, body));
                }
                Err(e) => outcomes.push(Some(Err(e))),
            }
        }
        for chunk in pending.chunks(MAX_BATCH_ITEMS) {
            let bodies = chunk.iter().map(|(_, _, body)| body.clone()).collect();
            let submitted = self.submit_bodies(operation, bodies).await?;
            let job = if submitted.status.is_done() {
                submitted
            } else {
                self.wait_for_batch(&submitted.id).await?
            };
            let mut by_index: Vec<Option<BatchItemResult>> =
                (0..chunk.len()).map(|_| None).collect();
            for result in job.results {
                if let Some(slot) = by_index.get_mut(result.index) {
                    *slot = Some(result);
                }
            }
            for ((index, prepared, _), result) in chunk.iter().zip(by_index) {
                let outcome = match result {
                    None => Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "batch {} finished {:?} without a result for item {index}",
                            job.id, job.status
                        ),
                    )
                    .at(PROVIDER, OP)),
                    Some(result) => self.finish_item(operation, prepared, result).await,
                };
                outcomes[*index] = Some(outcome);
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    Err(Error::new(ErrorKind::Decode, "a batch item got no outcome")
                        .at(PROVIDER, OP))
                })
            })
            .collect())
    }

    /// Settle one item: a create's conflict is resolved like a single create's, and a pass the
    /// vendor did not include in the result of a create, update or void is read.
    async fn finish_item(
        &self,
        operation: BatchOperation,
        prepared: &Prepared,
        result: BatchItemResult,
    ) -> Result<Option<Pass>, Error> {
        match (prepared, result.outcome) {
            (Prepared::Create(p), Err(e)) if e.kind() == ErrorKind::Conflict => {
                self.settle_conflict(p, e, OP).await.map(Some)
            }
            (_, Ok(None)) if operation != BatchOperation::Delete => {
                self.read_result_pass(result.pass_id).await
            }
            (_, outcome) => outcome,
        }
    }

    async fn read_result_pass(&self, id: Option<String>) -> Result<Option<Pass>, Error> {
        match id {
            Some(id) => self.get_by_id(id, OP).await.map(Some),
            None => Ok(None),
        }
    }
}
