//! Verify phase: read each migrated pass back (and its source again) and compare with the mapped
//! source content.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use walletpass_core::{Capabilities, Pass, WalletProvider};

use super::{Item, MigrateError, Retire, Run, Summary, describe};
use crate::checkpoint::State;
use crate::compare::{content_hash, differences};
use crate::progress::Phase;

/// The rows whose copy is read back.
const TO_VERIFY: &[State] = &[State::Created, State::Verified, State::Mismatch];

impl Run<'_> {
    /// Read every migrated pass back and compare it with the mapped source content, a batch
    /// of rows at a time; the differences of the first [`Summary::LISTED`] mismatches are
    /// returned (every one is recorded in the checkpoint).
    pub(super) async fn verify(&self) -> Result<BTreeMap<String, Vec<String>>, MigrateError> {
        let m = self.m;
        let total = self.cp.staged_count(TO_VERIFY, "")?;
        m.progress.start(Phase::Verify, total as u64);
        let results = self
            .staged_rows(TO_VERIFY, "")
            .try_take_while(|_| futures::future::ready(Ok(!m.stop.is_stopped())))
            .map_ok(|(row, item)| async move {
                let item = &item;
                let pass_ref = match row.target_ref.as_deref().map(|t| self.target_ref(t)) {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => return Ok((row.source_ref.clone(), Err(e))),
                    None => return Ok((row.source_ref.clone(), Err("no target ref".into()))),
                };
                let target = Arc::clone(&m.target);
                let target_read = self.retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let pass_ref = pass_ref.clone();
                    async move { target.get(&pass_ref).await }
                });
                // The source pass is read again on its own budget, at the same time: what was
                // migrated is held to the source as it is now, not only to what the read phase
                // saw (a listing can be incomplete; a live pass can change meanwhile).
                let source_read = self.read(&m.source, &self.source_pace, &item.source_pass);
                let (got, source_now) = futures::join!(target_read, source_read);
                let out = match (got, source_now) {
                    (Ok(pass), Ok(source_now)) => {
                        let mut diffs = differences(
                            &item.expected,
                            &pass.content,
                            m.target.capabilities(),
                            self.target_template.as_ref(),
                        );
                        // A source pass gone since (a retire whose outcome was not recorded)
                        // leaves nothing to compare.
                        if let Some(now) = source_now {
                            diffs.extend(self.source_drift(item, &now));
                        }
                        Ok(diffs)
                    }
                    (Err(e), _) => Err(describe(&e)),
                    (_, Err(e)) => Err(format!("source: {}", describe(&e))),
                };
                m.progress.item(matches!(&out, Ok(d) if d.is_empty()));
                Ok::<_, MigrateError>((row.source_ref.clone(), out))
            })
            .try_buffer_unordered(m.options.concurrency.max(1));
        let mut results = std::pin::pin!(results);
        let mut mismatches = BTreeMap::new();
        let mut keep = |source_ref: String, diffs: Vec<String>| {
            if mismatches.len() < Summary::LISTED {
                mismatches.insert(source_ref, diffs);
            }
        };
        // The outcomes are recorded a batch at a time, each batch in one transaction: no
        // request waits on them (retiring starts once every outcome is written), and a run
        // stopped midway verifies the unrecorded ones again.
        let mut outcomes = Vec::with_capacity(self.batch());
        while let Some((source_ref, result)) = results.try_next().await? {
            match result {
                Ok(diffs) if diffs.is_empty() => outcomes.push((source_ref, State::Verified, None)),
                Ok(diffs) => {
                    outcomes.push((source_ref.clone(), State::Mismatch, Some(diffs.join("; "))));
                    keep(source_ref, diffs);
                }
                Err(e) => {
                    let text = format!("verify: {e}");
                    outcomes.push((source_ref.clone(), State::Mismatch, Some(text.clone())));
                    keep(source_ref, vec![text]);
                }
            }
            if outcomes.len() >= self.batch() {
                self.cp.set_states(&outcomes)?;
                outcomes.clear();
            }
        }
        self.cp.set_states(&outcomes)?;
        m.progress.finish();
        Ok(mismatches)
    }

    /// How the source pass as it is now differs from what was migrated for it (empty: not at
    /// all). A notice this migration put on the source is not a difference.
    pub(super) fn source_drift(&self, item: &Item, now: &Pass) -> Vec<String> {
        let m = self.m;
        let mut content = now.content.clone();
        if m.options.retire == Retire::Notice {
            content.fields.remove(m.mapping.notice.key.as_str());
        }
        let fresh = match self.mapped(&content, &item.source_ref) {
            Ok(c) => c,
            Err(failure) => {
                return vec![format!(
                    "source: no longer maps: {}",
                    failure.reasons.join("; ")
                )];
            }
        };
        if content_hash(&fresh) == content_hash(&item.expected) {
            return Vec::new();
        }
        const DRIFT: &str = "the source pass read again differs from what was migrated (changed since it was read, or listed incompletely)";
        let diffs = differences(&fresh, &item.expected, &Capabilities::all(), None);
        if diffs.is_empty() {
            return vec![DRIFT.to_owned()];
        }
        diffs.iter().map(|d| format!("{DRIFT}: {d}")).collect()
    }
}
