//! The vendor registry: one line per backend, naming the `ProviderKind` variant and the
//! backend's [`Vendor`](walletpass_core::Vendor) descriptor. [`ProviderKind`],
//! [`ProviderConfig`] and everything that dispatches on them ([`connect`](crate::connect),
//! `same_account`, the HTTP setters, [`webhook_verifier`](crate::webhook_verifier)) are
//! generated from this list; the command line, the conformance harness and the README check
//! loop over [`ProviderKind::ALL`]. Adding a backend is one line here (see `CONTRIBUTING.md`).

crate::connect::registry! {
    /// The in-memory reference provider.
    Memory => walletpass_core::memory::MemoryVendor,
    /// PassNinja.
    #[cfg(feature = "passninja")]
    PassNinja => walletpass_passninja::PassNinjaVendor,
    /// ubpass.
    #[cfg(feature = "ubpass")]
    Ubpass => walletpass_ubpass::UbpassVendor,
    /// Passinstance.
    #[cfg(feature = "passinstance")]
    Passinstance => walletpass_passinstance::PassinstanceVendor,
    /// Apple Wallet passes signed here, no vendor.
    #[cfg(feature = "apple")]
    Apple => walletpass_apple::AppleVendor,
}
