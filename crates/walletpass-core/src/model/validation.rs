//! The typed error for input that breaks the canonical model's rules, naming the field at fault.

use std::fmt;

use super::Placement;

/// Input the canonical model rejects, before anything is sent anywhere.
///
/// Every variant names the field (or id) at fault: [`ValidationError::field`] returns it as a
/// path such as `fields[points].label` or `appearance.background_color`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A field key is empty.
    #[error("fields: a field key must not be empty")]
    EmptyFieldKey,
    /// A field key has characters or a length the model does not allow.
    #[error("fields[{key}]: invalid field key: {reason}")]
    InvalidFieldKey {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two fields share a key.
    #[error("fields[{key}]: duplicate field key '{key}'")]
    DuplicateFieldKey {
        /// The repeated key.
        key: String,
    },
    /// A field has a label but no value.
    #[error("fields[{key}].value: field '{key}' has a label but no value")]
    LabelWithoutValue {
        /// The field's key.
        key: String,
    },
    /// A field has neither value nor label.
    #[error("fields[{key}].value: field '{key}' has no value")]
    MissingValue {
        /// The field's key.
        key: String,
    },
    /// More fields in one placement than Apple Wallet shows.
    #[error("fields: {found} fields placed in {placement}, at most {max} allowed")]
    TooManyFields {
        /// The crowded placement.
        placement: Placement,
        /// How many the placement holds.
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// A color that is not `#rrggbb`, `#rgb` or `rgb(r,g,b)`.
    #[error("{field}: invalid color '{input}': expected #rrggbb, #rgb or rgb(r,g,b)")]
    InvalidColor {
        /// The field holding the color.
        field: String,
        /// The text given.
        input: String,
    },
    /// A barcode whose message is empty.
    #[error("barcode.message: a barcode message must not be empty")]
    EmptyBarcodeMessage,
    /// An id that does not have the expected format.
    #[error("{kind}: invalid id '{input}': expected {expected}")]
    InvalidId {
        /// Which kind of id (`pass_id`, `template_id`, ...).
        kind: &'static str,
        /// The id as given.
        input: String,
        /// The format expected.
        expected: &'static str,
    },
    /// A patch that changes nothing.
    #[error("patch: the patch changes nothing")]
    EmptyPatch,
    /// A patch that both sets and removes a field.
    #[error("fields[{key}]: the patch both sets and removes field '{key}'")]
    SetAndRemove {
        /// The contested key.
        key: String,
    },
    /// Any other rule, with the field and the reason.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl ValidationError {
    /// The field (or id kind) at fault, as a path.
    pub fn field(&self) -> String {
        match self {
            ValidationError::EmptyFieldKey | ValidationError::TooManyFields { .. } => {
                "fields".to_owned()
            }
            ValidationError::InvalidFieldKey { key, .. }
            | ValidationError::DuplicateFieldKey { key }
            | ValidationError::SetAndRemove { key } => format!("fields[{key}]"),
            ValidationError::LabelWithoutValue { key } | ValidationError::MissingValue { key } => {
                format!("fields[{key}].value")
            }
            ValidationError::InvalidColor { field, .. }
            | ValidationError::Invalid { field, .. } => field.clone(),
            ValidationError::EmptyBarcodeMessage => "barcode.message".to_owned(),
            ValidationError::InvalidId { kind, .. } => (*kind).to_owned(),
            ValidationError::EmptyPatch => "patch".to_owned(),
        }
    }

    /// Shorthand for [`ValidationError::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl fmt::Display) -> Self {
        ValidationError::Invalid {
            field: field.into(),
            message: message.to_string(),
        }
    }
}
