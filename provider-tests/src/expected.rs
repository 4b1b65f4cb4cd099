//! The expected observations: the shared insta snapshots under `tests/snapshots/`, built into
//! the crate so that a run outside `cargo test` (the CLI certifying a live endpoint) is held to
//! the same files.

use serde_json::Value;

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

/// A reason when `observation` differs from its expected snapshot.
pub(crate) fn check(scenario: &str, observation: &Observation) -> Option<String> {
    let expected = expected_snapshot(&observation.name)?;
    (expected != observation.value).then(|| {
        format!(
            "{scenario}: observation '{}' differs from the shared snapshot: expected {expected}, got {}",
            observation.name, observation.value
        )
    })
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
        assert_eq!(check("create_then_get", &same), None);
        let mut changed = expected;
        changed["status"] = "voided".into();
        let differing = Observation {
            name: "create_then_get".into(),
            value: changed,
        };
        let reason = check("create_then_get", &differing).unwrap();
        assert!(
            reason.contains("differs from the shared snapshot"),
            "{reason}"
        );
    }
}
