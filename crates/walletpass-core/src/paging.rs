//! Paging helpers every backend shares: the page-size rule, cursors that hold a page number or
//! an offset, and the next page of a page-numbered listing.
//!
//! # The page-size rule
//! [`page_size`] is the one rule of every backend: `0` is refused (a caller asking for pages of
//! nothing made a mistake, and an empty page with a next cursor would never end a walk), and a
//! size above the vendor's maximum is cut to the maximum. Cutting rather than refusing is what
//! [`ListQuery::page_size`] promises ("the provider may cap it"), and it loses nothing: the
//! page says where the next one starts, so a walk with any size still sees every item.
//!
//! ```
//! use walletpass_core::paging::{PageInfo, page_cursor, page_number, page_size};
//! assert_eq!(page_size(Some(500), Some(100))?, Some(100));
//! assert!(page_size(Some(0), Some(100)).is_err());
//! assert_eq!(page_number(None, "PassNinja")?, 1);
//! assert_eq!(page_number(Some(&page_cursor(3)), "PassNinja")?, 3);
//! let next = PageInfo { page: 2, per_page: 10, received: 10, total_pages: None, total: Some(25) };
//! assert_eq!(next.next(), Some(page_cursor(3)));
//! # Ok::<(), walletpass_core::Error>(())
//! ```
//!
//! [`ListQuery::page_size`]: crate::ListQuery::page_size

use crate::error::{Error, Result};
use crate::model::Cursor;

/// The page size to ask the vendor for: `None` when the caller left it to the vendor, `0`
/// refused, anything above `max` (the vendor's documented maximum, `None` when it documents
/// none) cut to `max`. See the [module docs](self) for why.
pub fn page_size(requested: Option<u32>, max: Option<u32>) -> Result<Option<u32>> {
    match requested {
        Some(0) => Err(Error::invalid_field("page_size", "must be at least 1")),
        Some(n) => Ok(Some(max.map_or(n, |max| n.min(max)))),
        None => Ok(None),
    }
}

/// The page a page-number cursor points at: page 1 without a cursor; a cursor that is not a
/// page number from 1 up is an [`InvalidInput`](crate::ErrorKind::InvalidInput) error naming
/// `vendor`.
pub fn page_number(cursor: Option<&Cursor>, vendor: &str) -> Result<u64> {
    let Some(cursor) = cursor else {
        return Ok(1);
    };
    cursor
        .as_str()
        .parse::<u64>()
        .ok()
        .filter(|page| *page >= 1)
        .ok_or_else(|| {
            Error::invalid_field(
                "cursor",
                format!(
                    "'{cursor}' is not a {vendor} page cursor (a page number from a previous page)"
                ),
            )
        })
}

/// The cursor of page `page`.
pub fn page_cursor(page: u64) -> Cursor {
    Cursor::new(page.to_string())
}

/// The position an offset cursor holds (how many items come before the page, or the last
/// position seen): 0 without a cursor; a cursor that is not a number is an
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) error naming `vendor`.
pub fn offset(cursor: Option<&Cursor>, vendor: &str) -> Result<u64> {
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    cursor.as_str().parse::<u64>().map_err(|_| {
        Error::invalid_field(
            "cursor",
            format!("'{cursor}' is not a cursor from {vendor} (a position from a previous page)"),
        )
    })
}

/// The cursor of position `position`.
pub fn offset_cursor(position: u64) -> Cursor {
    Cursor::new(position.to_string())
}

/// What a page-numbered listing said about one page, to find the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// The page read (1-based).
    pub page: u64,
    /// Items per page: as the vendor echoed it, else as asked, else the vendor's default.
    pub per_page: u64,
    /// How many items the page held.
    pub received: usize,
    /// The number of pages, when the vendor said.
    pub total_pages: Option<u64>,
    /// The number of items, when the vendor said.
    pub total: Option<u64>,
}

impl PageInfo {
    /// A page of a listing that says how many items there are in all, but not how many pages.
    pub fn of_total(page: u64, per_page: u64, received: usize, total: Option<u64>) -> Self {
        Self {
            page,
            per_page,
            received,
            total_pages: None,
            total,
        }
    }

    /// The cursor of the next page, when there is one: from the number of pages, else from the
    /// number of items (an empty page ends the listing), else a full page is taken to mean
    /// there may be more.
    pub fn next(&self) -> Option<Cursor> {
        let per_page = self.per_page.max(1);
        let more = match (self.total_pages, self.total) {
            (Some(pages), _) => self.page < pages,
            (None, Some(total)) => self.received > 0 && self.page.saturating_mul(per_page) < total,
            (None, None) => self.received > 0 && self.received as u64 >= per_page,
        };
        more.then(|| page_cursor(self.page.saturating_add(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn info(page: u64, received: usize, pages: Option<u64>, total: Option<u64>) -> PageInfo {
        PageInfo {
            page,
            per_page: 10,
            received,
            total_pages: pages,
            total,
        }
    }

    #[test]
    fn next_page_from_each_source() {
        assert_eq!(info(1, 10, Some(3), None).next(), Some(page_cursor(2)));
        assert_eq!(info(3, 5, Some(3), None).next(), None);
        assert_eq!(info(2, 10, None, Some(25)).next(), Some(page_cursor(3)));
        assert_eq!(info(3, 5, None, Some(25)).next(), None);
        assert_eq!(info(2, 0, None, Some(25)).next(), None);
        assert_eq!(info(1, 10, None, None).next(), Some(page_cursor(2)));
        assert_eq!(info(1, 9, None, None).next(), None);
        assert_eq!(info(1, 0, None, None).next(), None);
    }

    #[test]
    fn cursors_are_page_numbers_from_one() {
        assert_eq!(page_number(Some(&Cursor::new("3")), "X").unwrap(), 3);
        for bad in ["abc", "0", "-1", ""] {
            let err = page_number(Some(&Cursor::new(bad)), "X").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert_eq!(err.field_errors()[0].field, "cursor");
        }
        assert_eq!(offset(None, "X").unwrap(), 0);
        assert_eq!(offset(Some(&offset_cursor(40)), "X").unwrap(), 40);
        assert!(offset(Some(&Cursor::new("x")), "X").is_err());
    }

    #[test]
    fn page_sizes_refuse_zero_and_are_cut_to_the_maximum() {
        assert_eq!(page_size(None, Some(20)).unwrap(), None);
        assert_eq!(page_size(Some(5), Some(20)).unwrap(), Some(5));
        assert_eq!(page_size(Some(21), Some(20)).unwrap(), Some(20));
        assert_eq!(page_size(Some(5000), None).unwrap(), Some(5000));
        let err = page_size(Some(0), Some(20)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "page_size");
    }
}
