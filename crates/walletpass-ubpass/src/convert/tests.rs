//! The mapping against the documented examples, both ways.

use walletpass_core::{
    Barcode, BarcodeFormat, ErrorKind, Field, FieldValue, ImageRole, Link, PassContent, PassStatus,
    Placement,
};

use super::document::Base;
use super::*;
use crate::wire::{WalletPass, WalletPassWrite};

/// `read` as the base of a write over it, as the composed `patch` makes it.
fn over(read: &WalletPass) -> Base {
    read_for_write(read.clone()).unwrap().unwrap().1
}

fn doc() -> WalletPass {
    serde_json::from_str(include_str!("../../tests/fixtures/get-pass-response.json"))
        .map(|v: Vec<WalletPass>| v[0].clone())
        .unwrap()
}

#[test]
fn the_documented_pass_reads_as_the_mapping_says() {
    let pass = pass_from_wire(doc()).unwrap();
    assert_eq!(
        pass.pass_ref.id.as_str(),
        "1f089d37-5ebe-6778-af59-99631cec7ab5"
    );
    assert_eq!(pass.status, PassStatus::Active);
    let c = &pass.content;
    assert_eq!(c.extra["passName"], "VIP MEMBERSHIP PASS");
    assert_eq!(c.extra["notificationHeader"], "BLUE PASS");
    let top = c.field("tabKey").unwrap();
    assert_eq!(top.placement, Some(Placement::Header));
    assert_eq!(top.label.as_deref(), Some("SEE OFFERS"));
    assert_eq!(
        c.field("auxiliaryFieldKey2").unwrap().placement,
        Some(Placement::Secondary)
    );
    let FieldValue::Links(links) = &c.field("connectWithUs").unwrap().value else {
        panic!("links expected");
    };
    assert_eq!(links[1].label.as_deref(), Some("Instagram"));
    assert_eq!(
        c.barcode.as_ref().unwrap().message,
        "https://premiumbrands.com/vip-benefits"
    );
    assert_eq!(
        c.appearance.background_color.unwrap().to_string(),
        "#4a32a8"
    );
    assert_eq!(
        c.images[&ImageRole::Strip],
        "1f089d37-8a1b-4c2d-9e3f-123456789ghi"
    );
    assert_eq!(
        pass.created_at,
        Some(time::macros::datetime!(2025-09-04 21:09:36.027 UTC))
    );
}

#[test]
fn unchanged_content_writes_back_the_document_as_read() {
    let read = doc();
    let base = WalletPassWrite::from_read(&read).unwrap();
    let content = pass_from_wire(read.clone()).unwrap().content;
    let name = pass_name_of(&content).unwrap().unwrap();
    let written = to_wire(&content, name, Some(over(&read))).unwrap();
    assert_eq!(written, base);
}

#[test]
fn fresh_documents_follow_the_mapping() {
    let content = PassContent::builder()
        .field(
            Field::new("tier", "Gold")
                .unwrap()
                .with_placement(Placement::Header),
        )
        .value("points", 2500)
        .field(
            Field::new(
                "web",
                vec![Link {
                    label: Some("Site".into()),
                    url: "https://example.com/".parse().unwrap(),
                }],
            )
            .unwrap(),
        )
        .background_color("rgb(26, 26, 26)")
        .barcode(
            Barcode::new(BarcodeFormat::Qr, "M-1")
                .unwrap()
                .with_alt_text("Scan"),
        )
        .image(ImageRole::Logo, "key-logo")
        .build()
        .unwrap();
    let w = to_wire(&content, "N".into(), None).unwrap();
    let json = serde_json::to_value(&w).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "passName": "N",
            "passMetadata": {
                "backgroundColor": "#1a1a1a",
                "topField": {"key": "tier", "value": "Gold"},
                "secondaryFields": [{"key": "points", "value": "2500"}],
                "backFields": [{"key": "web", "value": [{"text": "Site", "link": "https://example.com/"}]}],
                "qrUrl": "M-1",
                "qrText": "Scan"
            },
            "uploadInfoList": [{"fileName": "logo.png", "uploadKey": "key-logo"}]
        })
    );
}

#[test]
fn extra_keys_that_name_no_ubpass_property_are_refused_not_dropped() {
    // openapi components.schemas.PassMetadata names appDeepLinks and userDeepLink besides
    // what the canonical model owns; the vendor's binding drops any other property.
    let mut content = PassContent::builder().value("a", "1").build().unwrap();
    content.extra.insert("foo".into(), serde_json::json!("bar"));
    content
        .extra
        .insert("appDeepLinks".into(), serde_json::json!({"apple": {}}));
    let err = to_wire(&content, "N".into(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.message().contains("extra.foo"), "{err}");
    assert!(!err.message().contains("extra.appDeepLinks"), "{err}");
    content.extra.remove("foo");
    let w = to_wire(&content, "N".into(), None).unwrap();
    assert_eq!(
        w.pass_metadata.other["appDeepLinks"],
        serde_json::json!({"apple": {}})
    );
    // A property the vendor's own document carries is sent back.
    let mut read = doc();
    let meta = read.pass_metadata.as_mut().unwrap();
    meta.other.insert("vendorNew".into(), serde_json::json!(1));
    let content = pass_from_wire(read.clone()).unwrap().content;
    assert_eq!(
        to_wire(&content, "N".into(), Some(over(&read)))
            .unwrap()
            .pass_metadata
            .other["vendorNew"],
        1
    );
}

#[test]
fn raw_extra_values_that_contradict_the_canonical_ones_are_refused() {
    // openapi PassMetadata.qrText / backgroundColor: one property each, so a QR alt text
    // and extra.qrText (or a color and extra.backgroundColor) cannot both be stored.
    let mut content = PassContent::builder()
        .barcode(Barcode::new(BarcodeFormat::Qr, "M").unwrap())
        .build()
        .unwrap();
    content
        .extra
        .insert("qrText".into(), serde_json::json!("under"));
    let err = to_wire(&content, "N".into(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("extra.qrText"), "{err}");
    // A vendor color the model could not read is replaced by a canonical color set over it.
    let mut read = doc();
    read.pass_metadata.as_mut().unwrap().background_color = Some("blue".into());
    let mut content = pass_from_wire(read.clone()).unwrap().content;
    content.appearance.background_color = Some("#102030".parse().unwrap());
    let w = to_wire(&content, "N".into(), Some(over(&read))).unwrap();
    assert_eq!(w.pass_metadata.background_color.as_deref(), Some("#102030"));
    content
        .extra
        .insert("backgroundColor".into(), serde_json::json!("red"));
    let err = to_wire(&content, "N".into(), Some(over(&read))).unwrap_err();
    assert!(err.message().contains("extra.backgroundColor"), "{err}");
}

#[test]
fn odd_vendor_values_do_not_fail_a_read() {
    let mut read = doc();
    let meta = read.pass_metadata.as_mut().unwrap();
    meta.background_color = Some("blue".into());
    meta.top_field.as_mut().unwrap().key = Some("tab key".into());
    read.created_time = Some("04-09-2025 21:09:36".into());
    let pass = pass_from_wire(read.clone()).unwrap();
    assert_eq!(pass.content.extra["backgroundColor"], "blue");
    assert!(pass.content.field("tab_key").is_some());
    assert_eq!(pass.created_at, None);
}

#[test]
fn vendor_keys_are_made_canonical_by_one_rule() {
    // The module docs: `_` for each character outside the alphabet, `field<n>` when missing,
    // `_2`, `_3` when repeated; a canonical key comes out unchanged.
    let mut used = super::fields::UsedKeys::default();
    let mut key = |raw: Option<&str>, n: usize| {
        super::fields::canonical_key(raw.map(str::to_owned), n, &mut used)
            .unwrap()
            .as_str()
            .to_owned()
    };
    assert_eq!(key(Some("member.name"), 1), "member.name");
    assert_eq!(key(Some("member.name"), 2), "member.name_2");
    assert_eq!(key(Some("member.name"), 3), "member.name_3");
    assert_eq!(key(Some("a_2"), 10), "a_2");
    assert_eq!(key(Some("a"), 11), "a");
    assert_eq!(key(Some("a"), 12), "a_3");
    assert_eq!(key(Some("tab key/é"), 4), "tab_key__");
    assert_eq!(key(None, 5), "field5");
    assert_eq!(key(Some(""), 6), "field6");
    assert_eq!(key(Some("-x"), 7), "_-x");
    assert_eq!(key(Some(&"k".repeat(70)), 8), "k".repeat(60));
    assert_eq!(
        key(Some(&"k".repeat(70)), 9),
        format!("{}_2", "k".repeat(60))
    );
    // At the cut and one past it, all allowed or not.
    assert_eq!(key(Some(&"m".repeat(60)), 13), "m".repeat(60));
    assert_eq!(key(Some(&"n".repeat(61)), 14), "n".repeat(60));
    let odd = format!("{}/", "p".repeat(59));
    assert_eq!(key(Some(&odd), 15), format!("{}_", "p".repeat(59)));
    let long_odd = format!("{}é", "q".repeat(60));
    assert_eq!(key(Some(&long_odd), 16), "q".repeat(60));
    assert_eq!(key(Some("é"), 17), "_");
}

#[test]
fn repeated_keys_are_told_apart_below_and_past_the_scanned_count() {
    // Up to 32 keys are scanned, past that looked up in a set: the answers must not change
    // where one hands over to the other.
    let mut used = super::fields::UsedKeys::default();
    let mut key = |raw: &str, n: usize| {
        super::fields::canonical_key(Some(raw.to_owned()), n, &mut used)
            .unwrap()
            .as_str()
            .to_owned()
    };
    let mut expected = vec!["k".to_owned()];
    expected.extend((2..=40).map(|i| format!("k_{i}")));
    let given: Vec<String> = (1..=40).map(|n| key("k", n)).collect();
    assert_eq!(given, expected);
    // Every earlier key is still known after the hand-over, the first and the 32nd included.
    assert_eq!(key("k_32", 41), "k_32_2");
    assert_eq!(key("k", 42), "k_41");
    assert_eq!(key("other", 43), "other");
    assert_eq!(key("other", 44), "other_2");
    // A suffix taken by a vendor key after a repeat is skipped on the next repeat.
    assert_eq!(key("other_3", 45), "other_3");
    assert_eq!(key("other", 46), "other_4");
    assert_eq!(key("other_2", 47), "other_2_2");
}

#[test]
fn an_upload_list_is_written_back_as_read_until_its_canonical_reading_changes() {
    // openapi WalletPassInfo.uploadInfoList: the first keyed upload of a known file is an
    // image; the rest (a repeat, an unknown file, one without a key) is extra.uploadInfoList.
    let mut read = doc();
    let list = serde_json::json!([
        {"fileName": "LOGO.PNG", "fileKey": "k-logo"},
        {"fileName": "logo.png", "uploadKey": "k-logo-2"},
        {"fileName": "banner.png", "uploadKey": "k-banner"},
        {"fileName": "icon.png"},
    ]);
    read.upload_info_list = Some(serde_json::from_value(list.clone()).unwrap());
    let base = WalletPassWrite::from_read(&read).unwrap();
    let content = pass_from_wire(read.clone()).unwrap().content;
    assert_eq!(content.images[&ImageRole::Logo], "k-logo");
    assert_eq!(content.extra["uploadInfoList"].as_array().unwrap().len(), 3);
    // The fixture's passName, the same in both halves of this test.
    let name = || "VIP MEMBERSHIP PASS".to_owned();
    assert_eq!(pass_name_of(&content).unwrap(), Some(name()));
    // Unchanged: the list as read, its schema's `fileKey` and the upper-case name kept.
    let written = to_wire(&content, name(), Some(over(&read))).unwrap();
    assert_eq!(written.upload_info_list, base.upload_info_list);
    // Each change to its reading writes the list afresh from the content.
    let fresh = |content: &PassContent| {
        let w = to_wire(content, name(), Some(over(&read))).unwrap();
        serde_json::to_value(w.upload_info_list).unwrap()
    };
    let mut changed = content.clone();
    changed.images.insert(ImageRole::Logo, "k-new".into());
    let w = fresh(&changed);
    assert_eq!(
        w[0],
        serde_json::json!({"fileName": "logo.png", "uploadKey": "k-new"})
    );
    assert_eq!(w.as_array().unwrap().len(), 4);
    let mut changed = content.clone();
    changed.extra.remove("uploadInfoList");
    assert_eq!(
        fresh(&changed),
        serde_json::json!([{"fileName": "logo.png", "uploadKey": "k-logo"}])
    );
    let mut changed = content.clone();
    changed.extra["uploadInfoList"][2] = serde_json::json!({"fileName": "footer.png"});
    assert_eq!(
        fresh(&changed)[3],
        serde_json::json!({"fileName": "footer.png"})
    );
    let mut changed = content.clone();
    changed
        .extra
        .insert("uploadInfoList".into(), serde_json::json!([]));
    assert_eq!(fresh(&changed).as_array().unwrap().len(), 1);
    // A list without a canonical rest is written back as read while extra has no list.
    let mut read = doc();
    read.upload_info_list = Some(
        serde_json::from_value(serde_json::json!([{"fileName": "Strip.png", "uploadKey": "s"}]))
            .unwrap(),
    );
    let base = WalletPassWrite::from_read(&read).unwrap();
    let content = pass_from_wire(read.clone()).unwrap().content;
    assert!(!content.extra.contains_key("uploadInfoList"));
    let written = to_wire(&content, name(), Some(over(&read))).unwrap();
    assert_eq!(written.upload_info_list, base.upload_info_list);
    // An empty or null extra.uploadInfoList is not the absent one the read gave: written afresh.
    for empty in [serde_json::json!([]), serde_json::Value::Null] {
        let mut changed = content.clone();
        changed.extra.insert("uploadInfoList".into(), empty);
        let w = to_wire(&changed, name(), Some(over(&read))).unwrap();
        assert_eq!(
            serde_json::to_value(w.upload_info_list).unwrap(),
            serde_json::json!([{"fileName": "strip.png", "uploadKey": "s"}])
        );
    }
}

#[test]
fn a_write_over_a_document_sends_each_unchanged_field_as_read_after_others_moved() {
    // Vendor parts the canonical model does not read (a property of a field, a link's
    // shortLinkId) show which fields were sent back as read and which were written afresh.
    let mut read = doc();
    let meta = read.pass_metadata.as_mut().unwrap();
    let top = meta.top_field.iter_mut();
    for f in top.chain(meta.secondary_fields.iter_mut().flatten()) {
        f.other.insert("vendorX".into(), serde_json::json!(1));
    }
    for f in meta.back_fields.iter_mut().flatten() {
        for v in f.value.iter_mut().flatten() {
            v.short_link_id = Some(format!("s-{}", f.key.as_deref().unwrap()));
        }
    }
    let sent = WalletPassWrite::from_read(&read).unwrap().pass_metadata;
    let mut content = pass_from_wire(read.clone()).unwrap().content;
    // The first secondary and back fields removed (every later field one place earlier), the
    // second secondary field changed, a new secondary field added at the end.
    content.fields.remove("auxiliaryFieldKey").unwrap();
    content.fields.remove("featured").unwrap();
    let mut changed = content.fields.get("auxiliaryFieldKey2").unwrap().clone();
    changed.value = FieldValue::Text("Jan 1, 2027".into());
    content.fields.upsert(changed).unwrap();
    content
        .fields
        .upsert(
            Field::new("added", "new")
                .unwrap()
                .with_placement(Placement::Secondary),
        )
        .unwrap();
    let w = to_wire(&content, "N".into(), Some(over(&read)))
        .unwrap()
        .pass_metadata;
    // The top field kept its place: found there, and sent as read.
    assert_eq!(w.top_field, sent.top_field);
    assert!(w.top_field.unwrap().other.contains_key("vendorX"));
    let secondary = w.secondary_fields.unwrap();
    let old = sent.secondary_fields.clone().unwrap();
    assert_eq!(secondary.len(), 3);
    assert_eq!(secondary[0].value.as_deref(), Some("Jan 1, 2027"));
    assert!(
        secondary[0].other.is_empty(),
        "a changed field is written afresh"
    );
    assert_eq!(secondary[1], old[2], "unchanged: sent as read");
    assert_eq!(secondary[2].key.as_deref(), Some("added"));
    assert!(secondary[2].other.is_empty());
    assert_eq!(
        w.back_fields.unwrap(),
        sent.back_fields.clone().unwrap()[1..]
    );
    // Only the last secondary field removed: the ones before it are where they were, and sent
    // as read.
    let mut content = pass_from_wire(read.clone()).unwrap().content;
    content.fields.remove("auxiliaryFieldKey3").unwrap();
    let w = to_wire(&content, "N".into(), Some(over(&read)))
        .unwrap()
        .pass_metadata;
    assert_eq!(w.secondary_fields.unwrap(), old[..2]);
    assert_eq!(w.back_fields, sent.back_fields);
}

#[test]
fn a_write_over_a_document_sends_unchanged_locations_as_read() {
    // openapi PassLocation: `name` (and `id`) are the vendor's, not in the canonical model; an
    // unchanged location keeps them, a changed one is written afresh.
    let mut read = doc();
    let located = serde_json::json!([
        {"id": "l1", "name": "Front door", "latitude": 1.0, "longitude": 2.0, "relevantText": "A"},
        {"id": "l2", "name": "Back door", "latitude": 3.0, "longitude": 4.0, "relevantText": "B"},
    ]);
    read.pass_metadata.as_mut().unwrap().locations = Some(serde_json::from_value(located).unwrap());
    let mut content = pass_from_wire(read.clone()).unwrap().content;
    content.locations[0].relevant_text = Some("A2".into());
    let w = to_wire(&content, "N".into(), Some(over(&read))).unwrap();
    let locations = serde_json::to_value(w.pass_metadata.locations).unwrap();
    assert_eq!(
        locations,
        serde_json::json!([
            {"name": "Location 1", "latitude": 1.0, "longitude": 2.0, "relevantText": "A2"},
            {"id": "l2", "name": "Back door", "latitude": 3.0, "longitude": 4.0, "relevantText": "B"},
        ])
    );
    // A list the document had stays present when the content has none, so that it is cleared.
    read.pass_metadata.as_mut().unwrap().locations = Some(Vec::new());
    let content = pass_from_wire(read.clone()).unwrap().content;
    let w = to_wire(&content, "N".into(), Some(over(&read))).unwrap();
    assert_eq!(w.pass_metadata.locations, Some(Vec::new()));
}
