//! The expected observations: the shared insta snapshots under `tests/snapshots/`, built into
//! the crate so that a run outside `cargo test` (the CLI certifying a live endpoint) is held to
//! the same files.

use serde_json::Value;

use crate::context::FixtureFields;
use crate::scenarios::Observation;

macro_rules! snapshots {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../tests/snapshots/matrix__", $name, ".snap")))),*]
    };
}

const SNAPSHOTS: &[(&str, &str)] = snapshots![
    "content_label_color",
    "content_link_values",
    "content_pdf417",
    "content_qr_barcode",
    "content_two_header_fields",
    "create_then_get",
    "patch_changes_only_given_fields",
    "put_replaces",
    "void_keeps_the_pass",
];

/// The expected value of the observation `name`, when a snapshot exists for it.
pub fn expected_snapshot(name: &str) -> Option<Value> {
    let (_, text) = SNAPSHOTS.iter().find(|(n, _)| *n == name)?;
    // An insta file is a `---`-delimited header followed by the snapshot body.
    let body = text.splitn(3, "---\n").nth(2)?;
    serde_json::from_str(body).ok()
}

/// A reason when `observation` differs from its expected snapshot. The observation is first
/// put in the snapshots' terms: the template's keys renamed to the roles they play (`member`,
/// `points`, `tier`), labels the vendor does not return replaced by the snapshot's, the
/// template's other keys left out; with two keys only, the snapshot's `tier` is left out.
pub(crate) fn check(
    scenario: &str,
    observation: &Observation,
    fields: &FixtureFields,
) -> Option<String> {
    let mut expected = expected_snapshot(&observation.name)?;
    let mut value = observation.value.clone();
    in_snapshot_terms(&mut value, fields);
    if fields.roles.len() < 3 {
        drop_key(&mut expected, "tier");
    }
    (expected != value).then(|| {
        format!(
            "{scenario}: observation '{}' differs from the shared snapshot: expected {expected}, got {}",
            observation.name, observation.value
        )
    })
}

/// Arrays of `{"key": ...}` objects (fields, placements), wherever they are.
fn keyed_arrays(value: &mut Value, visit: &mut dyn FnMut(&mut Vec<Value>)) {
    match value {
        Value::Array(items) => {
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.get("key").is_some_and(Value::is_string))
            {
                visit(items);
            } else {
                for item in items {
                    keyed_arrays(item, visit);
                }
            }
        }
        Value::Object(map) => {
            for (_, v) in map.iter_mut() {
                keyed_arrays(v, visit);
            }
        }
        _ => {}
    }
}

fn in_snapshot_terms(value: &mut Value, fields: &FixtureFields) {
    keyed_arrays(value, &mut |items| {
        items.retain(|i| !i["key"].as_str().is_some_and(|k| fields.is_other(k)));
        for item in items.iter_mut() {
            let Some(role) = item["key"].as_str().and_then(|k| fields.role_of(k)) else {
                continue;
            };
            let written = fields.key(role).and_then(|k| k.label.clone());
            if let Some(label) = item.get_mut("label")
                && (!fields.labels_compared || label.as_str() == written.as_deref())
            {
                *label = role.snapshot_label().into();
            }
            item["key"] = role.snapshot_key().into();
        }
        items.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    });
}

fn drop_key(value: &mut Value, key: &str) {
    keyed_arrays(value, &mut |items| {
        items.retain(|i| i["key"].as_str() != Some(key));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_differing_observation_is_reported_and_an_equal_one_is_not() {
        let expected = expected_snapshot("create_then_get").unwrap();
        let same = Observation {
            name: "create_then_get".into(),
            value: expected.clone(),
        };
        let fields = FixtureFields::default();
        assert_eq!(check("create_then_get", &same, &fields), None);
        let mut changed = expected;
        changed["status"] = "voided".into();
        let differing = Observation {
            name: "create_then_get".into(),
            value: changed,
        };
        let reason = check("create_then_get", &differing, &fields).unwrap();
        assert!(
            reason.contains("differs from the shared snapshot"),
            "{reason}"
        );
    }

    #[test]
    fn template_keys_are_compared_under_their_roles_and_unreturned_labels_are_not() {
        let expected = expected_snapshot("create_then_get").unwrap();
        let mut value = expected.clone();
        let renames = [
            ("member", "member.name"),
            ("points", "member.level"),
            ("tier", "discount"),
        ];
        for field in value["fields"].as_array_mut().unwrap() {
            let key = field["key"].as_str().unwrap();
            let new = renames.iter().find(|(r, _)| *r == key).unwrap().1;
            field["key"] = new.into();
            field["label"] = Value::Null;
        }
        let fields = FixtureFields {
            roles: renames
                .iter()
                .map(|(_, k)| crate::context::FixtureKey {
                    key: walletpass_core::FieldKey::new(*k).unwrap(),
                    label: None,
                })
                .collect(),
            others: Vec::new(),
            labels_compared: false,
        };
        let observation = Observation {
            name: "create_then_get".into(),
            value: value.clone(),
        };
        assert_eq!(check("create_then_get", &observation, &fields), None);
        // A changed value is still caught.
        value["fields"][0]["value"] = "someone else".into();
        let changed = Observation {
            name: "create_then_get".into(),
            value,
        };
        assert!(check("create_then_get", &changed, &fields).is_some());
    }
}
