//! The `.pkpass` a pass produces (apple-wallet.md §1): a Stored zip with exactly the files its
//! manifest lists, every SHA-1 right, and a detached CMS signature that verifies against the
//! test CA with `openssl cms -verify` and with an in-process verifier that shares no code with
//! the signer.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use walletpass_apple::testca::TEST_CERT_DIR;
use walletpass_core::{
    Barcode, BarcodeFormat, Field, ImageRole, NewPass, PassContent, PassId, Placement,
    WalletProvider,
};

fn png(seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(std::iter::repeat_n(seed, 64));
    bytes
}

#[tokio::test]
async fn a_store_card_with_three_images_is_a_signed_pkpass_openssl_accepts() {
    let (apple, dir) = common::provider();
    let icon = apple.put_image(&png(1)).unwrap();
    let logo = apple.put_image(&png(2)).unwrap();
    let strip = apple.put_image(&png(3)).unwrap();
    let content = PassContent::builder()
        .field(
            Field::new("points", 1200)
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Primary),
        )
        .field(Field::new("tier", "Gold").unwrap().with_label("Tier"))
        .barcode(Barcode::new(BarcodeFormat::Qr, "MEMBER-0001").unwrap())
        .background_color("#1f2937")
        .image(ImageRole::Icon, &icon)
        .image(ImageRole::Logo, &logo)
        .image(ImageRole::Strip, &strip)
        .build()
        .unwrap();
    let pass = apple
        .create(NewPass::new(content).with_serial_number(PassId::new("CARD-1").unwrap()))
        .await
        .unwrap();
    assert_eq!(
        pass.links.download.as_deref(),
        Some("https://passes.example.com/passes/pass.dev.walletpass.test/CARD-1.pkpass")
    );
    let bytes = apple.pkpass(&pass.pass_ref).unwrap();
    let ca_pem = apple.identity().wwdr_pem().unwrap();
    let files = common::verify_pkpass(&bytes, &ca_pem);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "icon.png",
            "logo.png",
            "manifest.json",
            "pass.json",
            "signature",
            "strip.png"
        ]
    );
    assert_eq!(files["icon.png"], png(1));
    let json: serde_json::Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    assert_eq!(json["serialNumber"], "CARD-1");
    assert_eq!(json["formatVersion"], 1);
    assert_eq!(json["backgroundColor"], "rgb(31, 41, 55)");
    assert_eq!(json["storeCard"]["primaryFields"][0]["value"], 1200);
    assert_eq!(json["barcodes"][0]["format"], "PKBarcodeFormatQR");
    assert_eq!(json["webServiceURL"], "https://passes.example.com/passkit");
    assert!(json["authenticationToken"].as_str().unwrap().len() >= 16);

    if common::have_openssl() {
        let ca_file = dir.path().join(TEST_CERT_DIR).join("wwdr.pem");
        let out = common::openssl_verify(&files, &ca_file);
        assert!(
            out.status.success(),
            "openssl cms -verify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // A changed manifest must fail: the verifier is not a rubber stamp.
        let mut tampered = files.clone();
        tampered.get_mut("manifest.json").unwrap().push(b' ');
        let out = common::openssl_verify(&tampered, &ca_file);
        assert!(!out.status.success(), "a tampered manifest verified");
    }
}

#[tokio::test]
async fn a_pass_without_images_gets_the_placeholder_icon_and_a_voided_pass_says_so() {
    let (apple, _dir) = common::provider();
    let pass = apple
        .create(NewPass::new(
            PassContent::builder()
                .value("tier", "Gold")
                .build()
                .unwrap(),
        ))
        .await
        .unwrap();
    let voided = apple.void(&pass.pass_ref).await.unwrap();
    let files = common::verify_pkpass(
        &apple.pkpass(&voided.pass_ref).unwrap(),
        &apple.identity().wwdr_pem().unwrap(),
    );
    for name in ["icon.png", "icon@2x.png", "icon@3x.png"] {
        assert!(files[name].starts_with(b"\x89PNG"), "{name}");
    }
    let json: serde_json::Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    assert_eq!(json["voided"], true);
    assert_eq!(json["storeCard"]["secondaryFields"][0]["key"], "tier");
}
