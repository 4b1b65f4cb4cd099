//! The suite's verdict: scenario × result, with the reason for each failure or skip, printable
//! as a table and as JSON.

use serde::Serialize;

use crate::scenarios::Observation;

/// How one scenario ended.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Every check held.
    Passed {
        /// What it observed.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        observations: Vec<Observation>,
    },
    /// A check failed.
    Failed {
        /// What went wrong.
        reason: String,
        /// What it observed before failing (for a snapshot mismatch: all of it).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        observations: Vec<Observation>,
    },
    /// Not run: the provider does not declare what it needs, or the fixture lacks it.
    Skipped {
        /// The missing capability, or what the fixture lacks and the flag that supplies it.
        missing: String,
        /// Skipped because no template was given or found: the run is incomplete.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        for_want_of_template: bool,
    },
}

/// One scenario's result.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    /// The scenario.
    pub scenario: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// How long it took.
    pub millis: u64,
}

/// The verdict on one provider.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The provider's name.
    pub provider: String,
    /// What the run was set up with: the template chosen and why, what the provider's
    /// capabilities note (endpoints the vendor no longer documents, assumed schemes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Parts of a pass the scenarios did not compare, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_compared: Vec<String>,
    /// One result per scenario, in suite order.
    pub results: Vec<ScenarioResult>,
    /// What the run created and could not delete afterwards.
    pub left_behind: Vec<String>,
}

impl Report {
    /// Whether any scenario failed.
    pub fn has_failures(&self) -> bool {
        self.failures().next().is_some()
    }

    /// The failed scenarios with their reasons.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.results.iter().filter_map(|r| match &r.outcome {
            Outcome::Failed { reason, .. } => Some((r.scenario.as_str(), reason.as_str())),
            _ => None,
        })
    }

    /// Whether scenarios were skipped because no template was given or found.
    pub fn lacks_template(&self) -> bool {
        self.results.iter().any(|r| {
            matches!(
                r.outcome,
                Outcome::Skipped {
                    for_want_of_template: true,
                    ..
                }
            )
        })
    }

    /// Counts of passed, failed and skipped scenarios.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for r in &self.results {
            match r.outcome {
                Outcome::Passed { .. } => counts.0 += 1,
                Outcome::Failed { .. } => counts.1 += 1,
                Outcome::Skipped { .. } => counts.2 += 1,
            }
        }
        counts
    }

    /// A plain-text table: one line per scenario.
    pub fn to_table(&self) -> String {
        let width = self
            .results
            .iter()
            .map(|r| r.scenario.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut out = format!("conformance: {}\n", self.provider);
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        for part in &self.not_compared {
            out.push_str(&format!("  not compared: {part}\n"));
        }
        for r in &self.results {
            let (word, detail) = match &r.outcome {
                Outcome::Passed { .. } => ("pass", String::new()),
                Outcome::Failed { reason, .. } => ("FAIL", reason.clone()),
                Outcome::Skipped { missing, .. } => ("skip", format!("needs {missing}")),
            };
            out.push_str(&format!("  {:<width$}  {word:<4}  {detail}\n", r.scenario));
        }
        for left in &self.left_behind {
            out.push_str(&format!("  NOT DELETED: {left}\n"));
        }
        let (passed, failed, skipped) = self.counts();
        out.push_str(&format!(
            "{passed} passed, {failed} failed, {skipped} skipped\n"
        ));
        out
    }
}
