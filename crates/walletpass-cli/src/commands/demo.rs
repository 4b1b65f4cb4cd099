//! `walletpass demo`: start the three simulators in-process and show one canonical pass on every
//! vendor.

use super::Context;
use crate::failure::Failure;

/// Run `demo`.
pub async fn run(_ctx: &Context) -> Result<u8, Failure> {
    Err(Failure::Other(
        "the demo needs the vendor backends in the facade".into(),
    ))
}
