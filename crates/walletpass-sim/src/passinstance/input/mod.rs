//! Parsing and validating request bodies and query strings into checked inputs, collecting every
//! problem as a per-field detail of one 422 answer; one module per resource (`pass`,
//! `template`, `webhook`, `bundle` with push notifications, `batch`), the collector
//! they share in `checker`, and the raw body and paging query here.
//!
//! Bodies are strict: a key the simulator does not know is rejected rather than silently dropped
//! (assumption S4), except the read-only keys a client may echo back from a read.

mod batch;
mod bundle;
mod checker;
mod pass;
mod template;
mod webhook;

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::errors::{ApiError, FieldError};

pub use batch::{BatchInput, batch_input};
pub use bundle::{NotificationTarget, bundle_input, notification_input};
pub use pass::{BarcodeInput, PassInput, pass_input};
pub use template::{FieldSpec, TemplateInput, template_input};
pub use webhook::webhook_input;

/// Page and page size of a list request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    /// 1-based page number.
    pub page: usize,
    /// Items per page (1..=100, default 20).
    pub limit: usize,
}

/// Parse a raw body as a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_field("body", "must be a JSON object")),
        Err(err) => Err(ApiError::invalid_field(
            "body",
            format!("is not valid JSON: {err}"),
        )),
    }
}

/// Check `page` (>= 1) and `limit` (1..=100, default 20) of a list request.
pub fn page_query(query: &HashMap<String, String>) -> Result<PageQuery, ApiError> {
    let mut errors = Vec::new();
    let mut number = |key: &str, default: usize, max: usize| -> usize {
        match query.get(key) {
            None => default,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        key,
                        format!("must be an integer from 1 to {max}"),
                    ));
                    default
                }
            },
        }
    };
    let page = number("page", 1, usize::MAX);
    let limit = number("limit", 20, 100);
    if errors.is_empty() {
        Ok(PageQuery { page, limit })
    } else {
        Err(ApiError::invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_query_bounds() {
        let mut q = HashMap::new();
        assert_eq!(page_query(&q).unwrap(), PageQuery { page: 1, limit: 20 });
        q.insert("limit".to_owned(), "101".to_owned());
        assert_eq!(page_query(&q).unwrap_err().details[0].field, "limit");
    }
}
