//! Batch job bodies: the operation and its items.

use serde_json::{Map, Value};

use super::checker::Checker;
use crate::passinstance::errors::ApiError;

/// The operations a batch job runs.
pub const BATCH_OPERATIONS: &[&str] = &["create", "update", "void", "delete"];

/// The most items one batch job accepts.
pub const MAX_BATCH_ITEMS: usize = 1000;

/// A checked batch body.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchInput {
    /// One of [`BATCH_OPERATIONS`].
    pub operation: String,
    /// The items, checked one by one while the job runs.
    pub items: Vec<Value>,
}

/// Check a batch body: `operation` and `items` (1..=[`MAX_BATCH_ITEMS`] objects).
pub fn batch_input(obj: &Map<String, Value>) -> Result<BatchInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["operation", "items"], &[]);
    let operation = c.required_string("operation", 16);
    let operation = c.one_of("operation", operation, BATCH_OPERATIONS);
    let mut items = Vec::new();
    match obj.get("items") {
        None | Some(Value::Null) => c.fail("items", "is required"),
        Some(Value::Array(list)) if list.is_empty() => c.fail("items", "must not be empty"),
        Some(Value::Array(list)) if list.len() > MAX_BATCH_ITEMS => c.fail(
            "items",
            format!(
                "must hold at most {MAX_BATCH_ITEMS} items (got {})",
                list.len()
            ),
        ),
        Some(Value::Array(list)) => {
            for (index, item) in list.iter().enumerate() {
                if item.is_object() {
                    items.push(item.clone());
                } else {
                    c.fail(&format!("items.{index}"), "must be an object");
                }
            }
        }
        Some(_) => c.fail("items", "must be an array"),
    }
    let Some(operation) = operation else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(BatchInput { operation, items })
}
