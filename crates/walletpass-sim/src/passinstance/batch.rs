//! Batch jobs (`POST /batch`, `GET /batch/{id}`): a job waits in `queued`, moves to `running`
//! and processes its items a chunk at a time, then ends `completed`, with one result per item
//! (`succeeded` or `failed` with the error the single-item call would have answered), so a
//! client has to poll.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::input::BatchInput;
use super::state::{BatchRecord, BatchStatus, Sim, new_id, now};

/// How long a job stays `queued`.
pub const QUEUE_DELAY: Duration = Duration::from_millis(100);
/// The pause between two chunks of a running job.
pub const TICK: Duration = Duration::from_millis(20);
/// How many items a running job processes per tick.
pub const ITEMS_PER_TICK: usize = 50;

impl Sim {
    /// Accept a job (202) and start processing it in the background.
    pub fn submit_batch(self: &Arc<Self>, input: BatchInput) -> Value {
        let now = now();
        let record = BatchRecord {
            id: new_id("batch_"),
            operation: input.operation,
            status: BatchStatus::Queued,
            items: input.items,
            results: Vec::new(),
            created_at: now,
            updated_at: now,
            completed_at: None,
        };
        let answer = record.to_json();
        let id = record.id.clone();
        self.store().batches.insert(id.clone(), record);
        let sim = Arc::clone(self);
        tokio::spawn(async move { sim.run_batch(id).await });
        answer
    }

    /// `GET /batch/{id}`.
    pub fn batch_status(&self, id: &str) -> Result<Value, ApiError> {
        self.store()
            .batches
            .get(id)
            .map(BatchRecord::to_json)
            .ok_or_else(|| ApiError::not_found("Batch", id))
    }

    async fn run_batch(self: Arc<Self>, id: String) {
        tokio::time::sleep(QUEUE_DELAY).await;
        loop {
            let (operation, chunk, start) = {
                let mut store = self.store();
                let Some(job) = store.batches.get_mut(&id) else {
                    return;
                };
                job.status = BatchStatus::Running;
                job.updated_at = now();
                let start = job.results.len();
                let end = (start + ITEMS_PER_TICK).min(job.items.len());
                (job.operation.clone(), job.items[start..end].to_vec(), start)
            };
            let results: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(offset, item)| self.batch_item(&operation, start + offset, item))
                .collect();
            {
                let mut store = self.store();
                let Some(job) = store.batches.get_mut(&id) else {
                    return;
                };
                job.results.extend(results);
                job.updated_at = now();
                if job.results.len() >= job.items.len() {
                    job.status = BatchStatus::Completed;
                    job.completed_at = Some(job.updated_at);
                    return;
                }
            }
            tokio::time::sleep(TICK).await;
        }
    }

    /// Run one item exactly as the single-item route would.
    fn batch_item(self: &Arc<Self>, operation: &str, index: usize, item: &Value) -> Value {
        let empty = Map::new();
        let obj = item.as_object().unwrap_or(&empty);
        let id = obj.get("id").and_then(Value::as_str).map(str::to_owned);
        let outcome = match operation {
            "create" => self.create_pass(obj),
            _ => match &id {
                None => Err(ApiError::invalid_field(
                    format!("items.{index}.id"),
                    "is required",
                )),
                Some(id) => match operation {
                    "update" => self.replace_pass(id, obj),
                    "void" => only_id(obj, index).and_then(|()| self.void_pass(id)),
                    _ => only_id(obj, index)
                        .and_then(|()| self.delete_pass(id).map(|()| Value::Null)),
                },
            },
        };
        let mut result = json!({ "index": index });
        match outcome {
            Ok(pass) => {
                result["status"] = json!("succeeded");
                if pass.is_null() {
                    result["id"] = json!(id);
                } else {
                    result["id"] = pass["id"].clone();
                    result["pass"] = pass;
                }
            }
            Err(err) => {
                result["status"] = json!("failed");
                if let Some(id) = id {
                    result["id"] = json!(id);
                }
                let mut error = err.body();
                error["status"] = json!(err.status.as_u16());
                result["error"] = error;
            }
        }
        if let Some(serial) = obj.get("serialNumber") {
            result["serialNumber"] = serial.clone();
        }
        result
    }
}

/// A void or delete item holds only `id`.
fn only_id(obj: &Map<String, Value>, index: usize) -> Result<(), ApiError> {
    match obj.keys().find(|k| *k != "id") {
        Some(key) => Err(ApiError::invalid_field(
            format!("items.{index}.{key}"),
            "is not a known property",
        )),
        None => Ok(()),
    }
}
