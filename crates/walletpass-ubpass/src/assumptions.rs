//! Every choice this crate makes where the ubpass docs (`shared/vendor-docs/ubpass-*`, the
//! OpenAPI file first) are silent or disagree, in one numbered table. Each row names where it
//! is implemented; the simulator (`walletpass_sim::ubpass::assumptions`) lists the same numbers
//! and titles from the vendor's side, and a test holds the two tables to each other.
//!
//! | # | Assumption | Where |
//! |---|---|---|
//! | U1 | **Single read shape**: `GET /wallet-pass/{id}` answers an array (as the spec's schema says) or an object; both are read, an empty array is `NotFound`, and an answer without `id` is the pass asked for. | `Ubpass::read_pass` (behind `get_wallet_pass`) in `client.rs` |
//! | U2 | **Upload keys**: entries are sent as `uploadKey` (every documented example) and read as `uploadKey` or `fileKey` (the schema); the `POST /uploads` answer is read as `{key, url}` (guide) or `{msg}` (spec). | `wire::UploadInfo`, `uploads.rs` |
//! | U3 | **Whole-document PATCH**: a PATCH leaves the optional top-level properties it does not carry as they are; the composed patch sends them all anyway (status, slug, header, images as read). | `provider.rs` (`patch`), `convert::to_wire` |
//! | U4 | **Duplicate names**: a duplicate `passName` is answered `INVALID_INPUT` with `context.passName`; it is mapped to `Conflict`, and a retried create then returns the existing pass when it holds the content sent. | `error::parse_error`, `Ubpass::create_pass` |
//! | U5 | **Error kinds**: `INVALID_OPERATION` (an entity whose state forbids the change) is `Conflict`; `UNAUTHORIZED` is `Unauthorized` on 401 (missing credentials) and `Forbidden` on 403 (invalid ones); other codes go by status. | `error::parse_error` |
//! | U6 | **Install figures**: `appleActiveCount`, `googleActiveCount` and `totalActiveCount` are the active counts (installed and not removed). | `convert::pass_from_wire` |
//! | U7 | **Search**: `ListQuery::search` matches the serial (the pass id) or the pass name, without regard to case. The vendor searches names only (`query`), so a search keeps, page by page, the passes whose id or name contains the text: a page may hold fewer passes than asked, even none. | `provider.rs` (`list`) |
//! | U8 | **Default placement**: a field written with no placement is stored in `secondaryFields` and reads back with placement `secondary`, where ubpass shows it. | `convert.rs` |
//! | U9 | **Paging**: a list page has a next cursor only when `hasMore` is true (the vendor also sends a cursor on the last page); page sizes above 20 are cut to 20 (the spec's `limit` 1-20), 0 is refused. | `provider.rs` (`list`), `client::page_of` |
//! | U10 | **Delete**: `DELETE /wallet-pass/{id}`, removed from the public docs, is called as `ubpass-removed-endpoints.txt` describes it (204, 404 `NOT_FOUND`); a 405, or a 404 without an `UnblockedApiError`, means it is gone and is reported as `Unsupported`. | `Ubpass::delete_wallet_pass` |
//! | U11 | **Error timestamps**: `UnblockedApiError.timestamp` is not RFC 3339 (`24-09-2025 03:57:23`); it is kept verbatim and parsed day first only on request. | `error::UnblockedApiError` |
//! | U12 | **Query arrays**: array filters (`ids`, `status`, `passSerialNumbers`) are sent comma-separated, as the spec's examples write them; an id in one is checked against the path pattern first, so that none can split the list. | `ids::join_ids`, used by `client.rs`, `locations.rs`, `notifications.rs` |
