//! Query-string reading (repeated and comma-separated array parameters, the 1–20 `limit`) and
//! cursor paging answered as the vendor's `BXPagedList {items, cursor, hasMore}`.
//!
//! The cursor is opaque: it encodes the insertion order of the last item returned, so deleting
//! an item between two pages neither skips nor repeats another.

use serde::Serialize;
use serde_json::{Value, json};

use super::error::ApiError;

/// The default and largest page size (`limit` 1–20, default 20).
pub const MAX_LIMIT: usize = 20;

/// The largest length of `query`, `passName` and `name` filters.
pub const MAX_FILTER_LEN: usize = 255;

/// The decoded query string, in order.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Decode a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of a parameter.
    pub fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of an array parameter, given repeated (`ids=a&ids=b`) or comma-separated
    /// (`ids=a,b`, as the spec's examples write them).
    pub fn many(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A text filter, at most 255 characters.
    pub fn text(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.one(name) {
            Some(v) if v.chars().count() > MAX_FILTER_LEN => Err(ApiError::invalid(
                name,
                format!("size must be between 0 and {MAX_FILTER_LEN}"),
            )),
            other => Ok(other),
        }
    }

    /// `limit`: 1–20, default 20.
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.one("limit") {
            None => Ok(MAX_LIMIT),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(ApiError::invalid("limit", "must be between 1 and 20")),
            },
        }
    }

    /// A boolean flag, default false.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.one(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ApiError::invalid(name, "must be true or false")),
        }
    }

    /// Values of an array parameter, each checked against an enumeration.
    pub fn enumerated(&self, name: &str, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
        let values = self.many(name);
        if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
            return Err(ApiError::invalid(
                name,
                format!("'{bad}' must be one of [{}]", allowed.join(", ")),
            ));
        }
        Ok(values)
    }

    /// The decoded `cursor`, if any.
    pub fn cursor(&self) -> Result<Option<u64>, ApiError> {
        self.one("cursor")
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()
    }
}

const CURSOR_PREFIX: &str = "ubsim:";

/// Encode the insertion order of the last item of a page as an opaque cursor.
pub fn encode_cursor(seq: u64) -> String {
    hex::encode(format!("{CURSOR_PREFIX}{seq}"))
}

/// Decode a cursor produced by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<u64, ApiError> {
    hex::decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| s.strip_prefix(CURSOR_PREFIX)?.parse().ok())
        .ok_or_else(|| ApiError::invalid("cursor", "is not a valid cursor"))
}

/// How a page boundary misbehaves (deviation switches).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Boundary {
    /// Correct paging.
    #[default]
    Exact,
    /// The first item after the cursor is skipped.
    SkipOne,
    /// The item at the cursor is returned again.
    RepeatOne,
}

/// One page as the vendor answers it: `BXPagedList {items, cursor, hasMore}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PagedList<R> {
    /// The page's items.
    pub items: Vec<R>,
    /// The cursor of the last item (also on the last page), `null` on an empty page.
    pub cursor: Option<String>,
    /// Whether more items follow.
    pub has_more: bool,
}

/// Cut one page out of `items` (in ascending `seq_of` order, unfiltered) by seeking to the
/// cursor with a binary search, then walking forward over the ones that `matches` until the page
/// is full: O(log n + page) when every item matches, whatever the cursor. Only the page's items
/// are `render`ed. The cursor is the last item's, even on the last page, as in the documented
/// example.
pub fn seek_page<'a, T, R>(
    items: &'a [T],
    seq_of: impl Fn(&T) -> u64,
    matches: impl Fn(&T) -> bool,
    after: Option<u64>,
    limit: usize,
    boundary: Boundary,
    render: impl Fn(&'a T) -> R,
) -> PagedList<R> {
    let mut start = after.map_or(0, |cursor| items.partition_point(|i| seq_of(i) <= cursor));
    let mut skip = 0;
    if after.is_some() {
        match boundary {
            Boundary::Exact => {}
            Boundary::SkipOne => skip = 1,
            Boundary::RepeatOne => {
                if let Some(back) = items[..start].iter().rposition(&matches) {
                    start = back;
                }
            }
        }
    }
    let mut chosen = items[start..].iter().filter(|i| matches(i)).skip(skip);
    let page: Vec<&'a T> = chosen.by_ref().take(limit).collect();
    let has_more = chosen.next().is_some();
    PagedList {
        cursor: page.last().map(|i| encode_cursor(seq_of(i))),
        items: page.into_iter().map(render).collect(),
        has_more,
    }
}

/// Cut one page out of `items` (already filtered, in insertion order, each with its key) and
/// answer it as `{items, cursor, hasMore}`.
pub fn page(
    items: Vec<(u64, Value)>,
    after: Option<u64>,
    limit: usize,
    boundary: Boundary,
) -> Value {
    json!(seek_page(
        &items,
        |(seq, _)| *seq,
        |_| true,
        after,
        limit,
        boundary,
        |(_, v)| v.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: u64) -> Vec<(u64, Value)> {
        (1..=n).map(|i| (i * 10, json!(i))).collect()
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)).unwrap(), 42);
        assert!(decode_cursor("not-a-cursor").is_err());
        assert!(decode_cursor(&hex::encode("other:1")).is_err());
    }

    #[test]
    fn pages_cover_every_item_once() {
        let first = page(items(5), None, 2, Boundary::Exact);
        assert_eq!(first["items"], json!([1, 2]));
        assert_eq!(first["hasMore"], json!(true));
        let c = decode_cursor(first["cursor"].as_str().unwrap()).unwrap();
        let second = page(items(5), Some(c), 2, Boundary::Exact);
        assert_eq!(second["items"], json!([3, 4]));
        let c = decode_cursor(second["cursor"].as_str().unwrap()).unwrap();
        let last = page(items(5), Some(c), 2, Boundary::Exact);
        assert_eq!(last["items"], json!([5]));
        assert_eq!(last["hasMore"], json!(false));
    }

    #[test]
    fn deviations_skip_or_repeat_at_the_boundary() {
        assert_eq!(
            page(items(5), Some(20), 2, Boundary::SkipOne)["items"],
            json!([4, 5])
        );
        assert_eq!(
            page(items(5), Some(20), 2, Boundary::RepeatOne)["items"],
            json!([2, 3])
        );
    }

    #[test]
    fn array_parameters_accept_both_spellings() {
        let q = QueryParams::parse(Some("ids=a,b&ids=c&limit=0"));
        assert_eq!(q.many("ids"), vec!["a", "b", "c"]);
        assert!(q.limit().is_err());
    }
}
