//! Quickstart: create, get, patch, list, void and delete a pass on the in-memory provider,
//! printing the canonical JSON of each result.
//!
//! Run it with `cargo run --example quickstart`.

use futures::TryStreamExt;
use walletpass::{
    Barcode, BarcodeFormat, Field, ListQuery, NewPass, PassContent, PassPatch, Placement,
    ProviderConfig, WalletProvider, WalletProviderExt,
};

fn show(title: &str, value: &impl serde::Serialize) -> Result<(), Box<dyn std::error::Error>> {
    println!("== {title}\n{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Any provider is built the same way; switching vendor is a configuration change.
    let provider = walletpass::connect(ProviderConfig::memory())?;

    let content = PassContent::builder()
        .field(
            Field::new("member.name", "Jane Doe")?
                .with_label("Member")
                .with_placement(Placement::Primary),
        )
        .field(
            Field::new("points", 1200)?
                .with_label("Points")
                .with_placement(Placement::Header),
        )
        .field(
            Field::new("tier", "Silver")?
                .with_label("Tier")
                .with_placement(Placement::Secondary),
        )
        .barcode(Barcode::new(BarcodeFormat::Qr, "MEMBER-0001")?)
        .organization_name("Example Coffee")
        .background_color("#1f2937")
        .build()?;
    let created = provider.create(NewPass::new(content)).await?;
    show("created", &created)?;

    let fetched = provider.get(&created.pass_ref).await?;
    show("fetched", &fetched)?;

    let patch = PassPatch::builder()
        .set_value("points", 1500)
        .set_value("tier", "Gold")
        .build()?;
    let patched = provider.patch(&created.pass_ref, &patch).await?;
    show("patched (only points and tier changed)", &patched)?;

    let second = provider
        .create(NewPass::new(
            PassContent::builder()
                .value("member.name", "John Roe")
                .build()?,
        ))
        .await?;
    let all: Vec<_> = provider
        .list_all(ListQuery::new().page_size(1))
        .try_collect()
        .await?;
    println!("== listed {} passes, one page at a time", all.len());

    let voided = provider.void(&second.pass_ref).await?;
    show("voided", &voided)?;

    provider.delete(&created.pass_ref).await?;
    let gone = provider.get_or_none(&created.pass_ref).await?;
    println!("== deleted; get now finds: {gone:?}");
    Ok(())
}
