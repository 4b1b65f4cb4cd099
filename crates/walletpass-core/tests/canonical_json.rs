//! The canonical JSON, pinned: a full pass and each input type, plus serde round trips.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use time::macros::datetime;
use walletpass_core::*;

fn full_content() -> PassContent {
    PassContent::builder()
        .field(
            Field::new("member.name", "Jane Doe")
                .unwrap()
                .with_label("Member")
                .with_placement(Placement::Primary),
        )
        .field(
            Field::new("points", 1200)
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Header)
                .with_change_message("You now have %@ points"),
        )
        .field(
            Field::new("since", datetime!(2024-03-01 09:30 UTC))
                .unwrap()
                .with_label("Since"),
        )
        .field(
            Field::new(
                "links",
                vec![Link {
                    label: Some("Terms".into()),
                    url: "https://example.com/terms".parse().unwrap(),
                }],
            )
            .unwrap()
            .with_label("More")
            .with_placement(Placement::Back),
        )
        .barcode(
            Barcode::new(BarcodeFormat::Qr, "MEMBER-1")
                .unwrap()
                .with_alt_text("M-1"),
        )
        .organization_name("Example Coffee")
        .description("Loyalty card")
        .logo_text("Example")
        .background_color("#1f2937")
        .foreground_color("rgb(255,255,255)")
        .label_color("#9ca3af")
        .relevant_date(datetime!(2026-12-15 19:00 UTC))
        .expiration_date(datetime!(2027-12-31 23:59 UTC))
        .image(ImageRole::Logo, "https://example.com/logo.png")
        .location(Location {
            latitude: 52.52,
            longitude: 13.405,
            altitude: None,
            relevant_text: Some("Near the store".into()),
        })
        .extra("vendorOnly", serde_json::json!({"kept": true}))
        .build()
        .unwrap()
}

fn full_pass() -> Pass {
    let mut pass = Pass::new(
        PassRef::in_template(
            TemplateId::new("ptk_0x14").unwrap(),
            PassId::new("8ba0c8a5").unwrap(),
        ),
        full_content(),
    );
    pass.links.landing = Some("https://example.com/p/8ba0c8a5".into());
    pass.installs = Some(InstallStats {
        apple: Some(1),
        google: Some(0),
        total: Some(1),
        installed_at: None,
    });
    pass.created_at = Some(datetime!(2026-01-01 00:00 UTC));
    pass.updated_at = Some(datetime!(2026-01-02 00:00 UTC));
    pass
}

#[test]
fn full_pass_json() {
    insta::assert_json_snapshot!(full_pass());
}

#[test]
fn new_pass_json() {
    let new = NewPass::new(
        PassContent::builder()
            .value("tier", "Gold")
            .build()
            .unwrap(),
    )
    .with_template(TemplateId::new("tpl_abcdef1234567890").unwrap())
    .with_serial_number(PassId::new("ORDER-1001").unwrap());
    insta::assert_json_snapshot!(new);
}

#[test]
fn pass_patch_json() {
    let patch = PassPatch::builder()
        .set_value("points", 1500)
        .remove("legacy")
        .barcode(None)
        .relevant_date(Some(datetime!(2026-06-01 12:00 UTC)))
        .build()
        .unwrap();
    insta::assert_json_snapshot!(patch);
}

#[test]
fn new_template_json() {
    let t = NewTemplate::new("Gold members")
        .unwrap()
        .with_platform(Platform::Both)
        .with_style("storeCard")
        .with_field(
            FieldSpec::new("points")
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Header)
                .with_default(0)
                .required(),
        )
        .unwrap();
    insta::assert_json_snapshot!(t);
}

#[test]
fn serde_round_trips() {
    let pass = full_pass();
    let back: Pass = serde_json::from_str(&serde_json::to_string(&pass).unwrap()).unwrap();
    assert_eq!(back, pass);
    let content = full_content();
    let back: PassContent =
        serde_json::from_value(serde_json::to_value(&content).unwrap()).unwrap();
    assert_eq!(back, content);
    let patch = PassPatch::builder()
        .set_value("a", "b")
        .barcode(None)
        .build()
        .unwrap();
    let back: PassPatch = serde_json::from_value(serde_json::to_value(&patch).unwrap()).unwrap();
    assert_eq!(back, patch);
}
