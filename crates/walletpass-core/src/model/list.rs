//! One page of a listing: the query ([`ListQuery`]) and the answer ([`Page`]).
//! Walking every page is [`WalletProviderExt::list_all`](crate::WalletProviderExt::list_all).

use serde::{Deserialize, Serialize};

use super::{Cursor, PassStatus, TemplateId};

/// What to list.
///
/// ```
/// use walletpass_core::{ListQuery, TemplateId};
/// let q = ListQuery::new().template(TemplateId::new("ptk_0x14")?).page_size(50).search("8ba0");
/// assert_eq!(q.page_size, Some(50));
/// # Ok::<(), walletpass_core::ValidationError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Only passes of this template (required by vendors that list per template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateId>,
    /// Where to continue, from a previous [`Page::next`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// How many items per page (the provider may cap it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Search: every pass whose serial number contains this text, compared without regard to
    /// case, is returned (a provider may match more, such as field values, and says so). A
    /// provider that cannot search serials declares `search: false` and refuses the query with
    /// `Unsupported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Only passes in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PassStatus>,
}

impl ListQuery {
    /// List everything, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this template.
    pub fn template(mut self, template: TemplateId) -> Self {
        self.template = Some(template);
        self
    }

    /// Continue from a cursor.
    pub fn cursor(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }

    /// Items per page.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Search text.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// Only this status.
    pub fn status(mut self, status: PassStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A last page.
    pub fn last(items: Vec<T>) -> Self {
        Self { items, next: None }
    }

    /// The same page with each item converted (a backend's wire rows into canonical items),
    /// or the first conversion error.
    ///
    /// ```
    /// use walletpass_core::Page;
    /// let page = Page::last(vec!["1", "2"]).try_map(str::parse::<u8>)?;
    /// assert_eq!(page.items, [1, 2]);
    /// # Ok::<(), std::num::ParseIntError>(())
    /// ```
    pub fn try_map<U, E>(self, convert: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self
                .items
                .into_iter()
                .map(convert)
                .collect::<Result<_, _>>()?,
            next: self.next,
        })
    }
}
