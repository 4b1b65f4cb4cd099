//! walletpass-migrate: move a live pass inventory from one provider to another, resumable,
//! rate-aware and verified, so that no customer's pass is lost or issued twice.
//!
//! A [`Migration`] reads every source pass, optionally of one template (from the listing pages
//! alone when the source declares `list_full_content`, else one read per pass), maps its content
//! with a [`Mapping`] (a TOML file), checks that every mapped pass fits the target
//! ([`Capabilities::misfits`](walletpass_core::Capabilities::misfits) and the target template's
//! field specs) **before anything is written**, then creates the passes on the target, recording
//! each step in a SQLite [`Checkpoint`]. Running the same migration again resumes.
//!
//! # Exactly once
//! Each pass's row goes `pending` -> `creating` (written and synced before the create request is
//! sent) -> `created` (written with the target ref once the answer is in). The checkpoint is an
//! optimisation, never the only proof: every pass it does not record as on the target
//! (`pending`, or `creating`: a killed process, a timeout, a dropped connection, a 5xx) is looked
//! up on the target before it is created, in a dry run and a real run alike, and only passes
//! found absent are created. A pass found for a row that never sent a create (a new, deleted,
//! emptied or rolled-back checkpoint) is *adopted*: recorded, never created again, deleted or
//! replaced ([`Summary::adopted`]). The lookup per target:
//!
//! - **Caller-chosen serial** (targets with `caller_serial`: memory, Passinstance): the pass is
//!   created with serial `identity.serial_prefix + source id`, found by that serial in one
//!   listing of the target template (one read per pass where the target cannot list) and
//!   adopted if its content matches (a repeated create is also answered by the target with the
//!   existing pass or a conflict). Uniqueness is the target's own guarantee.
//! - **Marker field** (other targets, when the mapping names `identity.marker_field`): each pass
//!   carries its source ref in that field (on the back by default; the target template must
//!   have the field), found by one listing of the target template and an exact match on the
//!   marker.
//! - **Content** (other targets, no marker): one listing of the target template, matching the
//!   full mapped content; each target pass is claimed by one source pass at most.
//!
//! With a marker, other copies carrying a pass's marker are strays of this migration only when
//! the checkpoint proves it (the row's copy was created by it, not adopted, and the stray is not
//! older than the copy kept); they are reported, and deleted only with
//! [`Options::remove_duplicates`]. [`Options::sync`] carries later source changes to the target
//! copies (the content hash in the checkpoint).
//!
//! Limits, honestly: the lookup strategies rely on the target's listing showing a pass as soon as
//! its create returned (read-after-write); a create the vendor is still processing after the
//! client gave up cannot be seen. The content strategy would adopt a pass that was on the target
//! before the migration with exactly the same content. Caller-chosen serials have neither limit.
//!
//! # Rates and errors
//! Each side has a shared [`Pace`] (requests per second across all tasks); a rate-limited answer
//! pauses that side for its `Retry-After`. Transient errors on reads are retried with backoff;
//! a create is retried in place only with a caller-chosen serial, otherwise it is resolved by
//! lookup in the next round. Permanent errors are recorded on the pass and the run goes on.
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use walletpass_core::{MemoryProvider, NewPass, PassContent, WalletProvider};
//! use walletpass_migrate::{Checkpoint, Mapping, Migration};
//! let source: Arc<dyn WalletProvider> = Arc::new(MemoryProvider::new());
//! let target: Arc<dyn WalletProvider> = Arc::new(MemoryProvider::new());
//! source.create(NewPass::new(PassContent::builder().value("points", 10).build()?)).await?;
//! let mapping = Mapping::from_toml("[fields.points]\nto = \"balance\"")?;
//! let summary = Migration::new(source, target.clone(), mapping)
//!     .run(&Checkpoint::in_memory()?)
//!     .await?;
//! assert_eq!((summary.total, summary.migrated, summary.failed), (1, 1, 0));
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

pub mod account;
pub mod checkpoint;
pub mod cli;
pub mod compare;
mod fit;
pub mod mapping;
pub mod migration;
pub mod pacing;
pub mod progress;
pub mod retire;
pub mod stop;

pub use checkpoint::{Checkpoint, CheckpointError, Row, State};
pub use mapping::{DropPart, Mapping, MappingError, Unmapped};
pub use migration::{
    MigrateError, Migration, Misfits, Offending, Options, ReportError, ReportRow, Retire, Strategy,
    Summary, write_report,
};
pub use pacing::Pace;
pub use progress::{BarProgress, LineProgress, NoProgress, Phase, Progress};
pub use stop::StopFlag;
