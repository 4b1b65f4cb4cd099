//! The Passinstance simulator (work in progress): see `shared/vendor-docs/passinstance-api.txt`.
