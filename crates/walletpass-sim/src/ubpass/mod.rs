//! The ubpass simulator (work in progress): see `shared/vendor-docs/ubpass-openapi.json`.
