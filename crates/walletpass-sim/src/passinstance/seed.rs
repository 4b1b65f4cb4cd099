//! The data a fresh simulator starts with: the template of the documented create example
//! (`tpl_abcdef1234567890` with fields `memberName` and `tier`, dressed with the template values
//! of the older docs page), the template the conformance suite uses (`member`, `points`,
//! `tier`), and the demo credentials it accepts.

use super::input::{FieldSpec, TemplateInput};
use super::state::{Sim, TemplateRecord, now};

/// The bearer token the simulator accepts (`Authorization: Bearer <token>`).
pub const DEMO_TOKEN: &str = "pi_demo_token_7f3a9c2e5b814d06";
/// The API key the simulator accepts (`X-API-Key: <key>`).
pub const DEMO_API_KEY: &str = "pi_demo_key_4b8e1d6f0a2c9e37";
/// An API key that may read but not write: writes answer 403.
pub const READ_ONLY_API_KEY: &str = "pi_demo_readonly_key_c5e2a7f1";
/// The id of the seeded template, as in the documented create example.
pub const DEMO_TEMPLATE_ID: &str = "tpl_abcdef1234567890";

/// The id of the seeded conformance template: fields `member`, `points`, `tier` (labels
/// `Member`, `Points`, `Tier`) and no others, as the conformance suite's fixture requires.
pub const CONFORMANCE_TEMPLATE_ID: &str = "tpl_c0c0c0c0c0c0c0c0";

fn spec(key: &str, label: &str) -> FieldSpec {
    FieldSpec {
        key: key.to_owned(),
        label: Some(label.to_owned()),
        placement: None,
        default_value: None,
    }
}

/// Put the seed data into a fresh simulator.
pub fn seed(sim: &Sim) {
    let input = TemplateInput {
        name: "VIP Event Ticket".to_owned(),
        description: Some("The template of the documented create-pass example".to_owned()),
        pass_type: "eventTicket".to_owned(),
        organization_name: Some("Passinstance Demo".to_owned()),
        team_identifier: Some("TEAM123456789".to_owned()),
        pass_type_identifier: Some("pass.com.passinstance.event".to_owned()),
        background_color: Some("#1f2937".to_owned()),
        foreground_color: Some("#ffffff".to_owned()),
        label_color: Some("#9ca3af".to_owned()),
        fields: vec![
            FieldSpec {
                key: "memberName".to_owned(),
                label: Some("Member".to_owned()),
                placement: Some("primary".to_owned()),
                default_value: None,
            },
            FieldSpec {
                key: "tier".to_owned(),
                label: Some("Tier".to_owned()),
                placement: Some("secondary".to_owned()),
                default_value: None,
            },
        ],
    };
    let record = TemplateRecord::new(DEMO_TEMPLATE_ID.to_owned(), input, now());
    sim.store().templates.push(record);
    let conformance = TemplateInput {
        name: "walletpass conformance".to_owned(),
        description: Some(
            "The template the walletpass conformance suite creates passes in".to_owned(),
        ),
        pass_type: "storeCard".to_owned(),
        organization_name: Some("walletpass".to_owned()),
        team_identifier: None,
        pass_type_identifier: None,
        background_color: None,
        foreground_color: None,
        label_color: None,
        fields: vec![
            spec("member", "Member"),
            spec("points", "Points"),
            spec("tier", "Tier"),
        ],
    };
    let record = TemplateRecord::new(CONFORMANCE_TEMPLATE_ID.to_owned(), conformance, now());
    sim.store().templates.push(record);
}
