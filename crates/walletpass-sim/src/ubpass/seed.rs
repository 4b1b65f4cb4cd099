//! The demo credentials and the documented examples the simulator starts with, so the curl
//! examples of the docs work unchanged apart from host and credentials:
//! - the pass of the `GET /wallet-pass` example (`1f089d37-5ebe-…`, "VIP MEMBERSHIP PASS") in the
//!   documented workspace, the target of the documented PATCH example;
//! - the passes the notification (`1f09804f-…`) and location (`1f07ee39-…`) examples refer to;
//! - the two notifications of the notification-list example and the location of the location
//!   examples.

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

use super::auth::User;
use super::model::PassMetadata;
use super::state::{
    InstallCounts, Store, StoredLocation, StoredNotification, StoredPass, Workspace,
};

/// The demo `api-key`.
pub const DEMO_API_KEY: &str = "ubpass-sim-demo-api-key";

/// The demo bearer JWT (well-formed; the simulator compares it, it does not verify it).
pub const DEMO_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxZWY1OGFlNi00MGFjLTZmZDItOTZhZi00NTgwMTg0NGM0ZTIiLCJpc3MiOiJ1YnBhc3Mtc2ltIn0.c2ltdWxhdGVk";

/// The documented workspace, the demo user's first (default) workspace.
pub const DEMO_WORKSPACE_ID: &str = "1f089d29-6f9c-66c2-af59-99631cec7ab5";

/// A second, empty workspace of the demo user, for isolation tests.
pub const SECOND_WORKSPACE_ID: &str = "sim-workspace-b";

/// The documented account of the default workspace.
pub const DEMO_ACCOUNT_ID: &str = "1f089d29-6fa8-6a13-af59-99631cec7ab5";

/// The documented user id (`createdBy`).
pub const DEMO_USER_ID: &str = "1ef58ae6-40ac-6fd2-96af-45801844c4e2";

/// The id of the documented example pass.
pub const EXAMPLE_PASS_ID: &str = "1f089d37-5ebe-6778-af59-99631cec7ab5";

/// The pass the documented notification examples refer to.
pub const NOTIFICATION_EXAMPLE_PASS_ID: &str = "1f09804f-d6c7-66ec-8db2-27a5651e1de2";

/// The pass the documented location examples refer to.
pub const LOCATION_EXAMPLE_PASS_ID: &str = "1f07ee39-d750-6276-aff4-07a599527878";

/// Users the simulator accepts.
pub const USERS: &[User] = &[User {
    id: DEMO_USER_ID,
    api_key: DEMO_API_KEY,
    token: DEMO_TOKEN,
    workspaces: &[DEMO_WORKSPACE_ID, SECOND_WORKSPACE_ID],
}];

/// What a simulator starts with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Seed {
    /// The documented examples (see the module docs).
    #[default]
    Documented,
    /// Empty workspaces.
    Empty,
}

/// The `passMetadata` of the documented `GET /wallet-pass` example.
pub fn example_metadata() -> PassMetadata {
    serde_json::from_value(json!({
        "description": "Exclusive VIP membership pass with premium benefits",
        "organizationName": "Premium Brands Inc",
        "backgroundColor": "#4a32A8",
        "displayTextColor": "#FFFFFF",
        "topField": { "key": "tabKey", "label": "SEE OFFERS", "value": "Tab (...)" },
        "secondaryFields": [
            { "key": "auxiliaryFieldKey", "label": "Member Level", "value": "VIP Gold" },
            { "key": "auxiliaryFieldKey2", "label": "Expires", "value": "Dec 31, 2025" },
            { "key": "auxiliaryFieldKey3", "label": "Benefits", "value": "Premium Access" }
        ],
        "backFields": [
            { "key": "featured", "label": "Featured",
              "value": [ { "link": "https://premiumbrands.com/", "text": "Visit Our Website" } ] },
            { "key": "connectWithUs", "label": "Connect",
              "value": [
                { "link": "https://x.com/premiumbrands/", "text": "X" },
                { "link": "https://www.instagram.com/premiumbrands/", "text": "Instagram" }
              ],
              "changeMessage": null },
            { "key": "dealsFromOurPartner", "label": "Deals from Partners",
              "value": [ { "link": "https://unblockedbrands.com", "text": "Unblocked Brands" } ] }
        ],
        "qrUrl": "https://premiumbrands.com/vip-benefits",
        "qrText": "Scan for VIP benefits"
    }))
    .unwrap_or_default()
}

fn example_uploads() -> Vec<super::model::UploadInfo> {
    serde_json::from_value(json!([
        { "fileName": "icon.png", "uploadKey": "1f089d37-8a1b-4c2d-9e3f-123456789abc" },
        { "fileName": "logo.png", "uploadKey": "1f089d37-8a1b-4c2d-9e3f-123456789def" },
        { "fileName": "strip.png", "uploadKey": "1f089d37-8a1b-4c2d-9e3f-123456789ghi" }
    ]))
    .unwrap_or_default()
}

fn pass(seq: u64, id: &str, name: &str, metadata: PassMetadata, at: OffsetDateTime) -> StoredPass {
    StoredPass {
        seq,
        id: id.to_owned(),
        created: at,
        updated: at,
        created_by: DEMO_USER_ID.to_owned(),
        updated_by: DEMO_USER_ID.to_owned(),
        pass_name: name.to_owned(),
        metadata,
        uploads: example_uploads(),
        notification_header: Some("BLUE PASS".to_owned()),
        slug: id.replace('-', "")[..12].to_owned(),
        status: "Published".to_owned(),
        ready_at: None,
        account: None,
        counts: InstallCounts::default(),
        deleted: false,
    }
}

/// Fill a store according to `seed`.
pub fn populate(store: &mut Store, seed: Seed) {
    for user in USERS {
        for ws in user.workspaces {
            store.workspace(ws);
        }
    }
    if let Some(ws) = store.workspaces.get_mut(DEMO_WORKSPACE_ID) {
        ws.account_id = DEMO_ACCOUNT_ID.to_owned();
    }
    if let Some(ws) = store.workspaces.get_mut(SECOND_WORKSPACE_ID) {
        ws.account_id = "sim-account-b".to_owned();
    }
    if seed == Seed::Empty {
        return;
    }
    let seqs: Vec<u64> = (0..6).map(|_| store.next_seq()).collect();
    let Some(ws) = store.workspaces.get_mut(DEMO_WORKSPACE_ID) else {
        return;
    };
    seed_documented(ws, &seqs);
}

fn seed_documented(ws: &mut Workspace, seqs: &[u64]) {
    let mut vip = pass(
        seqs[0],
        EXAMPLE_PASS_ID,
        "VIP MEMBERSHIP PASS",
        example_metadata(),
        datetime!(2025-09-04 21:09:36.027 UTC),
    );
    vip.updated = datetime!(2025-09-04 21:11:01.734 UTC);
    ws.push_pass(vip);

    let simple = |label: &str| -> PassMetadata {
        serde_json::from_value(json!({
            "description": format!("Demo pass used by the documented {label} examples"),
            "organizationName": "Premium Brands Inc",
            "backgroundColor": "#4a32A8",
            "displayTextColor": "#FFFFFF",
            "topField": { "key": "member", "label": "Member", "value": "Gold Status" }
        }))
        .unwrap_or_default()
    };
    let mut notify = pass(
        seqs[1],
        NOTIFICATION_EXAMPLE_PASS_ID,
        "NOTIFICATION EXAMPLE PASS",
        simple("notification"),
        datetime!(2025-09-04 09:00:00.000 UTC),
    );
    notify.counts = InstallCounts {
        apple_issued: 100,
        google_issued: 52,
        apple_active: 98,
        google_active: 50,
    };
    ws.push_pass(notify);
    ws.push_pass(pass(
        seqs[2],
        LOCATION_EXAMPLE_PASS_ID,
        "LOCATION EXAMPLE PASS",
        simple("location"),
        datetime!(2025-09-04 09:00:00.000 UTC),
    ));

    ws.notifications.push(StoredNotification {
        seq: seqs[3],
        id: "1f089d37-5ebe-6778-af59-99631cec7ab5".to_owned(),
        created: datetime!(2025-09-04 21:09:36.027 UTC),
        updated: datetime!(2025-09-04 21:11:01.734 UTC),
        created_by: DEMO_USER_ID.to_owned(),
        pass_serial_number: NOTIFICATION_EXAMPLE_PASS_ID.to_owned(),
        name: "VIP Member Update".to_owned(),
        message: Some(
            "Your VIP membership benefits have been updated! Check out the new exclusive offers."
                .to_owned(),
        ),
        status: "Published".to_owned(),
        scheduled_time: Some(datetime!(2025-09-04 10:00:00.000 UTC)),
        published_time: Some(datetime!(2025-09-04 10:00:15.123 UTC)),
        processing_until: None,
        apple_sent: 98,
        google_sent: 50,
    });
    ws.notifications.push(StoredNotification {
        seq: seqs[4],
        id: "1f089d37-8a1b-4c2d-9e3f-123456789abc".to_owned(),
        created: datetime!(2025-09-04 20:30:15.456 UTC),
        updated: datetime!(2025-09-04 20:30:15.456 UTC),
        created_by: DEMO_USER_ID.to_owned(),
        pass_serial_number: NOTIFICATION_EXAMPLE_PASS_ID.to_owned(),
        name: "Special Offer Alert".to_owned(),
        message: Some(
            "Limited time offer! Get 20% off your next purchase with your VIP membership."
                .to_owned(),
        ),
        status: "Scheduled".to_owned(),
        scheduled_time: Some(datetime!(2099-09-05 14:00:00.000 UTC)),
        published_time: None,
        processing_until: None,
        apple_sent: 0,
        google_sent: 0,
    });
    ws.locations.push(StoredLocation {
        seq: seqs[5],
        id: "1f089d37-5ebe-6778-af59-99631cec7ab5".to_owned(),
        created: datetime!(2025-09-04 21:09:36.027 UTC),
        updated: datetime!(2025-09-04 21:11:01.734 UTC),
        created_by: DEMO_USER_ID.to_owned(),
        name: "TORONTO MALL LOCATION".to_owned(),
        enabled: true,
        latitude: 43.798327702071944,
        longitude: -79.24175240232819,
        altitude: None,
        relevant_text: "Welcome to Toronto Premium Outlets".to_owned(),
        pass_id: LOCATION_EXAMPLE_PASS_ID.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples_parse_completely() {
        let meta = example_metadata();
        assert_eq!(meta.secondary_fields.as_ref().map(Vec::len), Some(3));
        assert_eq!(meta.back_fields.as_ref().map(Vec::len), Some(3));
        assert_eq!(example_uploads().len(), 3);
    }
}
