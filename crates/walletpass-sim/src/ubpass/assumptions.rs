//! The simulator's side of the `walletpass-ubpass` assumptions table: for each numbered choice
//! the client makes where the docs are silent, what the simulator answers. Numbers and titles
//! are the client's (`walletpass_ubpass::assumptions`); a test holds the two tables to each
//! other. The simulator's own choices are in the [module docs](super).
//!
//! | # | Assumption | How the simulator answers |
//! |---|---|---|
//! | U1 | **Single read shape**: | `GET /wallet-pass/{id}` answers an array holding the one pass, as the response schema says. |
//! | U2 | **Upload keys**: | `uploadInfoList` entries are kept under the key name they were sent with (`uploadKey` or `fileKey`); `POST /uploads` answers `{key, url, msg}`, `msg` holding the key. |
//! | U3 | **Whole-document PATCH**: | PATCH replaces `passName` and `passMetadata` whole; the optional top-level properties replace the stored ones only when present. |
//! | U4 | **Duplicate names**: | a duplicate `passName` is a 400 `INVALID_INPUT` with `context.passName = "must be unique within the workspace"`. |
//! | U5 | **Error kinds**: | `INVALID_OPERATION` for a notification whose state forbids the change; `UNAUTHORIZED` 401 for missing or unknown credentials, 403 for a workspace not assigned to the caller. |
//! | U6 | **Install figures**: | `appleActiveCount`, `googleActiveCount` and `totalActiveCount` count installs not removed, on `GET /wallet-pass/{id}` only. |
//! | U7 | **Search**: | `query` matches `passName` without regard to case, nothing else. |
//! | U8 | **Default placement**: | fields are stored where they are sent (`topField`, `secondaryFields`, `backFields`). |
//! | U9 | **Paging**: | lists are in creation order with an opaque cursor, the last item's even on the last page (`hasMore` false); `limit` outside 1-20 is a 400. |
//! | U10 | **Delete**: | `DELETE /wallet-pass/{id}` (restored from the removed-endpoints file) answers 204, then the pass is gone (404). |
//! | U11 | **Error timestamps**: | `timestamp` is day first, `24-09-2025 03:57:23`. |
//! | U12 | **Query arrays**: | array parameters are accepted repeated or comma-separated. |
