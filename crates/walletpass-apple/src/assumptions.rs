//! Every choice this backend makes where Apple's documentation (summarised in
//! `shared/vendor-docs/apple-wallet.md`) is silent or marked **[?]**, in one place.
//!
//! | # | Assumption | Where |
//! |---|---|---|
//! | A1 | The signature digest is **SHA-256** (apple-wallet.md §1 "Digest [?]": no source reports Wallet rejecting SHA-1 or SHA-256; the `pkpass` crate, django-walletpass and OpenSSL 3 use SHA-256). `manifest.json` itself uses SHA-1, which Apple specifies. | `sign.rs` |
//! | A2 | ZIP entries are *Stored* (§1 "ZIP [?]"), at the archive root, in file-name order; `manifest.json` keys are sorted. | `pkpass.rs` |
//! | A3 | The signature is what working signers emit (§1): `eContentType` id-data, eContent absent, the signer and WWDR certificates, one SignerInfo by issuer and serial, signed attributes `contentType`, `messageDigest`, `signingTime` (no `smimeCapabilities`). | `sign.rs` |
//! | A4 | The embedded test certificate is P-256 ECDSA (a two-level chain: a self-signed test CA standing in for WWDR, and the pass certificate). Real Pass Type ID certificates are RSA; both are supported. | `testca.rs`, `certs.rs` |
//! | A5 | Serial numbers (and template ids) are 1 to 128 characters from `A-Z a-z 0-9 _ . : -`: they go into web-service URL paths. A create with no serial gets a random UUID (hex). | `provider::check_serial` |
//! | A6 | An unplaced field goes to `secondaryFields` while there is room, then `auxiliaryFields`, then `backFields`; an unplaced link value goes to `backFields`. The stored content keeps it unplaced. | `convert.rs` |
//! | A7 | Field limits: header ≤ 3, primary ≤ 1 (2 on a boardingPass), secondary ≤ 4, auxiliary ≤ 4 (Urban Airship, §2), and ≤ 4 secondary + auxiliary combined on coupon, storeCard and generic with a square (QR, Aztec) barcode (Apple). eventTicket auxiliary `row` is not modelled. Over a limit is `InvalidInput` naming it, before anything is stored. | `convert::render` |
//! | A8 | Images allowed per style follow §1 (\[impl\]); an image of a role the style does not show is refused. A pass's image replaces every variant (`@2x`, `@3x`) of its role from the template. With no icon anywhere, a placeholder icon (1x/2x/3x, embedded) is added so the pass is valid. | `convert.rs`, `template.rs` |
//! | A9 | `organizationName` and `description` are required: the pass's, else the template's, else `APPLE_ORGANIZATION_NAME` (default `walletpass`) and the template name (else "`<organization> pass`"). | `convert.rs` |
//! | A10 | `webServiceURL` is `<APPLE_PUBLIC_URL>/passkit` and the download link `<APPLE_PUBLIC_URL>/passes/<pass type id>/<serial>.pkpass` (the next issue serves both); without `APPLE_PUBLIC_URL` neither is written (Apple requires `webServiceURL` and `authenticationToken` together). The token is 32 random hex characters, made once per pass and never changed. | `provider.rs`, `convert.rs` |
//! | A11 | A barcode message with only Latin-1 characters is `iso-8859-1`, else `utf-8`. A template's default barcode uses the serial number as its message unless it gives one; it is rendered, not copied into the pass's content. | `convert.rs` |
//! | A12 | A template with passes cannot be deleted (`Conflict` with the count): no pass is ever deleted with its template. | `store::SqliteStore::delete_template` |
//! | A13 | Webhooks are not implemented yet: every webhook operation is `Unsupported` and the capabilities say so. | `provider.rs` |
//! | A14 | `PassContent::extra` may carry the top-level `pass.json` keys the model has no place for ([`EXTRA_KEYS`](crate::EXTRA_KEYS), type-checked); any other key is refused. Template `extra` takes `transitType`, `images`, `changeMessages`, `barcode`. | `convert.rs`, `template.rs` |
//! | A15 | Voiding a voided pass changes nothing (no new update tag); every other change bumps the tag by one and sets `updated_at` in the same transaction. | `provider.rs`, `store.rs` |
//! | A16 | The store runs SQLite calls on the calling task (each is a short local transaction), not on a blocking pool. | `store.rs` |
