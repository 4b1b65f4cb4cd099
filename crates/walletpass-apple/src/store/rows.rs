//! What the two SQL stores share below the SQL: the columns they select, a small row
//! abstraction ([`Columns`]) each driver implements, and the functions that turn a row into
//! [`PassRow`], [`Registration`], [`PushItem`] and JSON bodies, with the conversions between
//! the trait's values (unix nanoseconds, `u64` positions) and the columns (microseconds,
//! `BIGINT`). [`SqliteStore`](super::SqliteStore) and
//! [`PostgresStore`](crate::postgres::PostgresStore) differ only in their SQL text and driver
//! calls.

use secrecy::SecretString;
use time::OffsetDateTime;
use walletpass_core::{
    Error, PassStatus, Result, TemplateId, WebhookEventKind, WebhookSubscription,
};

use super::{PassRow, PushItem, Registration, UpdatedSerials};
use crate::error::StoreError;

/// The columns of a pass, in the order [`pass_row`] reads them.
pub(crate) const PASS_COLUMNS: &str =
    "seq, serial, template, status, content, auth_token, update_tag, created_at, updated_at";

/// The columns of a registration, in the order [`registration`] reads them.
pub(crate) const REGISTRATION_COLUMNS: &str =
    "device_library_id, pass_type_id, serial, push_token, registered_at";

/// One result row, read by column index; each driver maps its own failures.
pub(crate) trait Columns {
    /// A `TEXT NOT NULL` column.
    fn text(&self, i: usize) -> Result<String>;
    /// A nullable `TEXT` column.
    fn optional_text(&self, i: usize) -> Result<Option<String>>;
    /// An `INTEGER` / `BIGINT NOT NULL` column.
    fn int(&self, i: usize) -> Result<i64>;
}

/// A value that could not be encoded or decoded, as the store's error.
pub(crate) fn decode(e: impl std::fmt::Display) -> Error {
    StoreError::Decode(e.to_string()).into()
}

/// `value` as the JSON text a `content` or `body` column holds.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(decode)
}

/// A JSON `content` or `body` column, decoded.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(decode)
}

/// Unix nanoseconds as the microseconds a store keeps (truncated, saturating).
pub(crate) fn micros(nanos: i128) -> i64 {
    i64::try_from(nanos / 1000).unwrap_or(i64::MAX)
}

/// Stored microseconds as unix nanoseconds.
pub(crate) fn nanos(micros: i64) -> i128 {
    i128::from(micros) * 1000
}

/// Now, in stored microseconds.
pub(crate) fn now_micros() -> i64 {
    micros(OffsetDateTime::now_utc().unix_timestamp_nanos())
}

/// A stored count, position or tag (never negative) as `u64`.
pub(crate) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A position or tag as a column value (saturating).
pub(crate) fn position(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

/// A row limit as a column value (saturating).
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A row of [`PASS_COLUMNS`].
pub(crate) fn pass_row(r: &impl Columns) -> Result<PassRow> {
    Ok(PassRow {
        seq: count(r.int(0)?),
        serial: r.text(1)?,
        template: r.optional_text(2)?,
        status: PassStatus::parse(&r.text(3)?),
        content: from_json(&r.text(4)?)?,
        auth_token: r.text(5)?,
        update_tag: count(r.int(6)?),
        created_at: nanos(r.int(7)?),
        updated_at: nanos(r.int(8)?),
    })
}

/// `row` as stored at position `seq`: its times at the precision the store keeps.
pub(crate) fn inserted(row: &PassRow, seq: u64) -> PassRow {
    PassRow {
        seq,
        created_at: nanos(micros(row.created_at)),
        updated_at: nanos(micros(row.updated_at)),
        ..row.clone()
    }
}

/// The times a change to `current` writes: `(now, updated_at)`, where `now` dates the
/// pushes it queues and `updated_at` never goes back (the rule of
/// [`Storage::update_pass`](super::Storage::update_pass)).
pub(crate) fn change_times(current: &PassRow) -> (i64, i64) {
    let now = now_micros();
    (now, now.max(micros(current.updated_at)))
}

/// A row of [`REGISTRATION_COLUMNS`].
pub(crate) fn registration(r: &impl Columns) -> Result<Registration> {
    Ok(Registration {
        device_library_id: r.text(0)?,
        pass_type_id: r.text(1)?,
        serial: r.text(2)?,
        push_token: r.text(3)?,
        registered_at: nanos(r.int(4)?),
    })
}

/// A `(seq, body)` row with the JSON body decoded.
pub(crate) fn seq_body<T: serde::de::DeserializeOwned>(r: &impl Columns) -> Result<(u64, T)> {
    Ok((count(r.int(0)?), from_json(&r.text(1)?)?))
}

/// A `(body, secret)` row of a subscription: its id, url and secret when it is active, wants
/// `kind`, and is of `template` or of every template.
pub(crate) fn webhook_target(
    r: &impl Columns,
    kind: &WebhookEventKind,
    template: Option<&TemplateId>,
) -> Result<Option<(String, String, SecretString)>> {
    let sub: WebhookSubscription = from_json(&r.text(0)?)?;
    let wanted = sub.active
        && sub.events.contains(kind)
        && (sub.template.is_none() || sub.template.as_ref() == template);
    if !wanted {
        return Ok(None);
    }
    Ok(Some((
        sub.id.to_string(),
        sub.url,
        SecretString::from(r.text(1)?),
    )))
}

/// A `(serial, change_seq)` row of
/// [`Storage::serials_updated_since`](super::Storage::serials_updated_since).
pub(crate) fn updated_serial(r: &impl Columns) -> Result<(String, u64)> {
    Ok((r.text(0)?, count(r.int(1)?)))
}

/// The answer of [`Storage::serials_updated_since`](super::Storage::serials_updated_since)
/// from its rows: their serials, and the greatest change sequence among them.
pub(crate) fn updated_serials(rows: Vec<(String, u64)>) -> UpdatedSerials {
    let last_updated = rows.iter().map(|(_, change)| *change).max().unwrap_or(0);
    UpdatedSerials {
        serials: rows.into_iter().map(|(serial, _)| serial).collect(),
        last_updated,
    }
}

/// A claimed queue row (`push_token, pass_type_id, generation, attempts`) with its new
/// `lease`, leased until `until` (stored microseconds).
pub(crate) fn push_item(r: &impl Columns, lease: String, until: i64) -> Result<PushItem> {
    Ok(PushItem {
        push_token: r.text(0)?,
        pass_type_id: r.text(1)?,
        generation: count(r.int(2)?),
        attempts: u32::try_from(r.int(3)?).unwrap_or(u32::MAX),
        lease,
        lease_until: nanos(until),
    })
}
