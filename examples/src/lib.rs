//! Runnable examples live beside this crate: see `examples/*.rs` and the README.
