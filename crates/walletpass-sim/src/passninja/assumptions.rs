//! The simulator's side of the `walletpass-passninja` assumptions table: for each numbered
//! choice the client makes where the doc is silent, what the simulator answers. Numbers and
//! titles are the client's (`walletpass_passninja::assumptions`); a test holds the two tables to
//! each other. The simulator's own choices are in the [module docs](super).
//!
//! | # | Assumption | How the simulator answers |
//! |---|---|---|
//! | P1 | **Error bodies**: | `{"error": {"code", "message", "status_code"}}`; answers outside the code table (validation, bad `page`, unknown path, 405) have no `code`; every error answer is JSON. |
//! | P2 | **Status of a read pass**: | the single-pass `GET` carries no status; the list's rows do (`Active`, `Removed`, `N/A` in seeded data only). |
//! | P3 | **Pass list**: | rows carry serial, status, links, dates and recipient, no values; with `page` the answer has `meta {current_page, total_pages, total_count, per_page}`, without it every pass and no `meta`. |
//! | P4 | **Template list**: | `GET /pass_templates` answers every template of the account at once. |
//! | P5 | **Id formats**: | serials are 18 hex characters (seeded older passes may hold a UUID), templates `ptk_0x<hex>`, webhook ids digits. |
//! | P6 | **Required keys**: | `GET /passtypes/keys/{template}` answers `{"keys": [...]}` with the template's API field names; a create missing a key without default answers `MI1`. |
//! | P7 | **Empty values**: | a key without default holds `""` after a create that leaves it out. |
//! | P8 | **Value types**: | values must be strings or numbers (`MI1` otherwise) and are stored as sent. |
//! | P9 | **Recipient**: | `recipient {name, message?, sms?, email?}` on create; `"message_status": "sent"` when `sms` or `email` was given. |
//! | P10 | **Template styles**: | apple takes `boardingPass`, `coupon`, `eventTicket`, `generic`, `storeCard`; google those plus `giftCard` and `transit`; anything else answers 400. |
//! | P11 | **Webhook subscriptions**: | `GET /webhooks` answers `{"webhooks": [...], "page", "per_page", "total"}`, newest first; `per_page` is capped at 100. |
//! | P12 | **Legacy deliveries**: | legacy-format subscriptions cannot be created (as documented) and are not simulated; every delivery carries `Authorization: Bearer <token>`. |
//! | P13 | **Plain http**: | the simulator itself serves plain http on loopback; delivery URLs must be `https://`, loopback hosts included. |
//! | P14 | **Create is not retried**: | every `POST /passes` issues a new pass (no idempotency key), answered 200. |
//! | P15 | **Write answers**: | `PATCH` and `PUT` answer 200 with `{id, passTemplate, serialNumber, urls}`, as the doc's examples do (no field values). |
