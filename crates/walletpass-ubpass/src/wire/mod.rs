//! The vendor's shapes, as `ubpass-openapi.json` and its examples give them, one file per
//! concept: the pass document ([`pass`]: `WalletPassInfo` read and written, `UploadInfo`), what
//! it shows ([`metadata`]: `PassMetadata`, `PassField`, `BackPassField`, the metadata
//! locations), listings ([`paging`]: `BXPagedList`), the vendor extras ([`notifications`]:
//! `PassNotification`, `NotificationStats`; [`locations`]: `PassLocation`; [`uploads`]: the
//! upload answers), and the lenient readings of values the vendor does not always type the same
//! ([`lenient`]). Unknown properties are kept (`other`) so a read followed by a write sends back
//! what was read. Error answers (`UnblockedApiError`) are in `crate::error`.

mod lenient;
mod locations;
mod metadata;
mod notifications;
mod paging;
mod pass;
mod uploads;

pub use lenient::count;
pub use locations::{PassLocation, PassRefBody};
pub use metadata::{BackPassField, BackPassFieldValue, MetadataLocation, PassField, PassMetadata};
pub use notifications::{NOTIFICATION_STATUSES, NotificationStats, PassNotification};
pub use paging::PagedList;
pub use pass::{FirstPass, UploadInfo, WalletPass, WalletPassWrite};
pub use uploads::{ResponseMessage, SignedUrl, UploadAnswer};
