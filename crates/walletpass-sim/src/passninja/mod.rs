//! The PassNinja simulator (work in progress): see `shared/vendor-docs/passninja-api.txt`.
