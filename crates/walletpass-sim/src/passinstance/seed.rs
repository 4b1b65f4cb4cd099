//! The data a fresh simulator starts with: the template of the documented create example
//! (`tpl_abcdef1234567890` with fields `memberName` and `tier`, dressed with the template values
//! of the older docs page), and the demo credentials it accepts.

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
}
