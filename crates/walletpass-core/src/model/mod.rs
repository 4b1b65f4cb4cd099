//! The canonical model: every vendor's passes, templates and fields in one shape, serialized
//! to a stable snake_case JSON (the CLI's `--output json` prints exactly this).

mod color;
mod content;
mod field;
mod ids;
mod list;
mod pass;
mod patch;
mod template;
mod validation;

pub use color::{Color, ColorParseError};
pub use content::{
    Appearance, Barcode, BarcodeFormat, ImageRole, Location, NewPass, PassContent,
    PassContentBuilder,
};
pub use field::{Field, FieldBuilder, FieldValue, Fields, Link, Placement};
pub(crate) use ids::path_problem;
pub use ids::{Cursor, FieldKey, PassId, PassRef, TemplateId, WebhookId};
pub use list::{ListQuery, Page};
pub use pass::{InstallStats, Pass, PassLinks, PassStatus};
pub use patch::{PassPatch, PassPatchBuilder};
pub use template::{FieldSpec, NewTemplate, Platform, Template};
pub use validation::ValidationError;
