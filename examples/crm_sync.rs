//! CRM sync: the PassNinja recipe "Update a Pass from a Klaviyo Flow"
//! (`shared/vendor-docs/passninja-crm-flow-update.txt`) done portably, through the one trait.
//!
//! On a customer profile change, patch the points balance and the tier on the customer's pass
//! (the profile's `external_id` holds the pass serial); skip profiles that have no pass serial;
//! treat a pass that was deleted (`NotFound`) as skipped, not as a failure; report updated /
//! skipped / failed counts. As in the recipe, missing values default to 0 points and the
//! `Standard` tier, and only those two fields change.
//!
//! Run it with `cargo run --example crm_sync`: it starts the PassNinja simulator in-process,
//! issues passes to a few customers, then syncs a batch of profile changes. Nothing in
//! [`sync_profile`] names a vendor: point it at any provider.

use provider_tests::support::connect_to_simulator;
use walletpass::{
    ErrorKind, NewPass, PassContent, PassId, PassPatch, PassRef, ProviderKind, TemplateId,
    WalletProvider,
};
use walletpass_sim::SimConfig;

/// The pass keys the CRM writes. The recipe's template calls them `points-balance` and
/// `loyalty-tier`; the simulator's loyalty template calls them `points` and `tier`.
const POINTS_KEY: &str = "points";
const TIER_KEY: &str = "tier";

/// The part of a CRM profile the sync reads (Klaviyo: `external_id` and `properties`).
struct Profile {
    email: &'static str,
    /// The pass serial, stored on the profile when the pass was issued.
    external_id: Option<String>,
    loyalty_points: Option<i64>,
    loyalty_tier: Option<&'static str>,
}

/// What happened to one profile.
enum Outcome {
    Updated,
    Skipped(String),
    Failed(String),
}

/// Sync one profile to its pass.
async fn sync_profile(
    provider: &dyn WalletProvider,
    template: &TemplateId,
    profile: &Profile,
) -> Outcome {
    // Step 1 of the recipe: guard against profiles without a pass.
    let Some(serial) = profile.external_id.as_deref() else {
        return Outcome::Skipped("no active pass".into());
    };
    let id = match PassId::new(serial) {
        Ok(id) => id,
        Err(e) => return Outcome::Failed(format!("external_id '{serial}': {e}")),
    };
    let pass = PassRef::in_template(template.clone(), id);
    // Only the fields that change; everything else on the pass is left as it is.
    let patch = PassPatch::builder()
        .set_value(POINTS_KEY, profile.loyalty_points.unwrap_or(0).to_string())
        .set_value(TIER_KEY, profile.loyalty_tier.unwrap_or("Standard"))
        .build();
    let patch = match patch {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    match provider.patch(&pass, &patch).await {
        Ok(_) => Outcome::Updated,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            Outcome::Skipped(format!("pass {pass} no longer exists"))
        }
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Issue a pass and return its serial (what the CRM stores as `external_id`).
async fn issue(
    provider: &dyn WalletProvider,
    template: &TemplateId,
    member: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let content = PassContent::builder()
        .value("member", member)
        .value(POINTS_KEY, "0")
        .value(TIER_KEY, "Standard")
        .build()?;
    let pass = provider
        .create(NewPass::new(content).with_template(template.clone()))
        .await?;
    Ok(pass.pass_ref.id.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local PassNinja with the loyalty template `ptk_0xc0` (member, points, tier), connected
    // through the registry as `--provider passninja` would be; PassNinja keeps labels on the
    // template (its dashboard), and the shared support declares the simulator's ones.
    let simulated =
        connect_to_simulator(ProviderKind::PassNinja, SimConfig::default(), None).await?;
    let (sim, provider) = (simulated.running, simulated.provider);
    let template = TemplateId::new(
        simulated
            .simulator
            .demo_template
            .ok_or("the PassNinja simulator has no demo template")?,
    )?;
    println!("PassNinja simulator at {}", sim.base_url());

    // Customers who were issued passes; Dave's pass was deleted since.
    let alice = issue(provider.as_ref(), &template, "Alice").await?;
    let bob = issue(provider.as_ref(), &template, "Bob").await?;
    let dave = issue(provider.as_ref(), &template, "Dave").await?;
    provider
        .delete(&PassRef::in_template(
            template.clone(),
            PassId::new(dave.clone())?,
        ))
        .await?;

    // A batch of profile changes from the CRM.
    let profiles = [
        Profile {
            email: "alice@example.com",
            external_id: Some(alice.clone()),
            loyalty_points: Some(1250),
            loyalty_tier: Some("Gold"),
        },
        Profile {
            email: "bob@example.com",
            external_id: Some(bob),
            loyalty_points: None,
            loyalty_tier: None,
        },
        Profile {
            email: "carol@example.com",
            external_id: None,
            loyalty_points: Some(40),
            loyalty_tier: Some("Silver"),
        },
        Profile {
            email: "dave@example.com",
            external_id: Some(dave),
            loyalty_points: Some(10),
            loyalty_tier: Some("Bronze"),
        },
        Profile {
            email: "erin@example.com",
            external_id: Some("not a serial".into()),
            loyalty_points: Some(5),
            loyalty_tier: Some("Bronze"),
        },
    ];

    let (mut updated, mut skipped, mut failed) = (0, 0, 0);
    for profile in &profiles {
        match sync_profile(provider.as_ref(), &template, profile).await {
            Outcome::Updated => {
                updated += 1;
                println!("updated  {}", profile.email);
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                println!("skipped  {}: {why}", profile.email);
            }
            Outcome::Failed(why) => {
                failed += 1;
                println!("failed   {}: {why}", profile.email);
            }
        }
    }
    println!("\n{updated} updated, {skipped} skipped, {failed} failed");

    let pass = provider
        .get(&PassRef::in_template(template, PassId::new(alice)?))
        .await?;
    println!(
        "Alice's pass now reads: {}",
        pass.content
            .fields
            .iter()
            .map(|f| format!("{}={}", f.key, f.value.to_text()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    sim.shutdown().await;
    Ok(())
}
