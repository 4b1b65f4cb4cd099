//! The simulator's side of the `walletpass-passinstance` assumptions table: for each numbered
//! choice the client makes where the docs are silent, what the simulator answers (with the
//! simulator's own S-numbered choice it follows, listed in the [module docs](super)). Numbers and
//! titles are the client's (`walletpass_passinstance::assumptions`); a test holds the two tables
//! to each other.
//!
//! | # | Assumption | How the simulator answers |
//! |---|---|---|
//! | A1 | **Error bodies**: | `{"error": <HTTP reason phrase>, "message"}`, a 422 adding `details: [{field, message}]` (S1). |
//! | A2 | **Pass ids**: | `{id}` in `/passes/{id}` is the server id (`pass_` plus 16 hex digits), not the serial number (S2). |
//! | A3 | **Pass answer**: | the bare pass object `{id, templateId, serialNumber, status, fields, ...}`; unknown keys are a 422 and a template that declares fields refuses others (S3, S4). |
//! | A4 | **Field values**: | a field value is a JSON scalar, stored as sent (S4). |
//! | A5 | **Serials and idempotent create**: | serial numbers are unique per template: a reuse answers 409 (S5). |
//! | A6 | **Updates, void and delete**: | `PUT` replaces fields, barcode and dates; a voided pass cannot be updated (409); void is idempotent; delete answers 204 (S5). |
//! | A7 | **Lists**: | `?page=` (1-based) and `?limit=` (1..=100), answered `{"data", "pagination": {page, limit, total, totalPages}}`; passes filter on `templateId`, `serialNumber`, `status`, `search` (S6). |
//! | A7a | **Full content in lists**: | listed passes are the same objects as `GET /passes/{id}` answers (S6). |
//! | A8 | **Templates**: | `{name, description?, passType, organizationName?, teamIdentifier?, passTypeIdentifier?, colors, fields?}`; there is no template delete (S12). |
//! | A9 | **Webhook subscriptions**: | `POST /webhooks` takes `{url, events, secret?}` (https only; a secret of 16+ characters, or one is generated and returned once) (S7). |
//! | A10 | **Webhook signatures**: | `X-Passinstance-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">` and `X-Passinstance-Delivery-Attempt` (S8, S9). |
//! | A11 | **Batch jobs**: | `POST /batch` `{operation, items}` (1..=1000) answers 202 with a job that progresses `queued`, `running`, `completed` (S10). |
//! | A12 | **Bundles**: | `POST /bundles` `{name, description?, passIds}` answers the bundle with a `downloadUrl` (S11). |
//! | A13 | **Push notifications**: | `POST /push-notifications` takes `{message}` and exactly one of `passId` / `bundleId` (S11). |
//! | A14 | **Both credentials**: | either `Authorization: Bearer` or `X-API-Key` authenticates; a read-only key answers 403 on writes (S14). |
//! | A15 | **Bundle, notification and batch ids**: | server ids of bundles, notifications and batch jobs are `bndl_`, `ntf_` and `batch_` plus 16 hex digits; `GET /batch/{id}` with an unknown id answers 404 (S2). |
