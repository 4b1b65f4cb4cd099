//! Bundle bodies (a named set of passes) and push-notification bodies (to one pass or a
//! bundle).

use serde_json::{Map, Value};

use super::checker::Checker;
use crate::passinstance::errors::ApiError;

/// A checked bundle body.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleInput {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `passIds`.
    pub pass_ids: Vec<String>,
}

/// The target of a push notification.
#[derive(Clone, Debug, PartialEq)]
pub enum NotificationTarget {
    /// `passId`.
    Pass(String),
    /// `bundleId`.
    Bundle(String),
}

/// A checked push-notification body.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationInput {
    /// Where it goes.
    pub target: NotificationTarget,
    /// `message`.
    pub message: String,
}

/// Check a bundle body.
pub fn bundle_input(obj: &Map<String, Value>) -> Result<BundleInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["name", "description", "passIds"], &[]);
    let name = c.required_string("name", 200);
    let description = c.string("description", 1000);
    let mut pass_ids = Vec::new();
    match obj.get("passIds") {
        None | Some(Value::Null) => c.fail("passIds", "is required"),
        Some(Value::Array(items)) if items.is_empty() => c.fail("passIds", "must not be empty"),
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(id) if pass_ids.iter().any(|p| p == id) => {
                        c.fail(&format!("passIds.{index}"), format!("{id} is listed twice"))
                    }
                    Some(id) => pass_ids.push(id.to_owned()),
                    None => c.fail(&format!("passIds.{index}"), "must be a pass id"),
                }
            }
        }
        Some(_) => c.fail("passIds", "must be an array of pass ids"),
    }
    let Some(name) = name else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(BundleInput {
        name,
        description,
        pass_ids,
    })
}

/// Check a push-notification body: `message` and exactly one of `passId` / `bundleId`.
pub fn notification_input(obj: &Map<String, Value>) -> Result<NotificationInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["passId", "bundleId", "message"], &[]);
    let message = c.required_string("message", 500);
    let pass_id = c.string("passId", 64);
    let bundle_id = c.string("bundleId", 64);
    let target = match (pass_id, bundle_id) {
        (Some(p), None) => Some(NotificationTarget::Pass(p)),
        (None, Some(b)) => Some(NotificationTarget::Bundle(b)),
        (Some(_), Some(_)) => {
            c.fail("bundleId", "send either passId or bundleId, not both");
            None
        }
        (None, None) => {
            if !c
                .errors
                .iter()
                .any(|e| e.field == "passId" || e.field == "bundleId")
            {
                c.fail("passId", "one of passId or bundleId is required");
            }
            None
        }
    };
    let (Some(target), Some(message)) = (target, message) else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(NotificationInput { target, message })
}
