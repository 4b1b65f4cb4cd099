//! Sync: carry source changes made since a pass was migrated to its target copy (`--sync`).

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::{StreamExt, stream};
use walletpass_core::WalletProvider;

use super::{Item, MigrateError, Run, Summary, describe};
use crate::checkpoint::{Row, State};
use crate::compare::content_hash;
use crate::progress::Phase;

impl Run<'_> {
    /// Carry source changes: each target copy whose recorded content hash differs from the
    /// source as mapped now is stale. With `sync` its content is replaced (one `put` each, on
    /// the target's budget) and recorded; without, stale copies are only counted. A dry run
    /// counts what it would update.
    pub(super) async fn sync(
        &self,
        items: &BTreeMap<String, Item>,
        summary: &mut Summary,
    ) -> Result<(), MigrateError> {
        let m = self.m;
        let mut stale: Vec<(Row, &Item, String)> = Vec::new();
        let mut unchanged = 0;
        for row in self
            .cp
            .rows_in(&[State::Created, State::Verified, State::Mismatch])?
        {
            let Some(item) = items.get(&row.source_ref) else {
                continue;
            };
            let hash = content_hash(&item.expected);
            if hash == row.content_hash {
                unchanged += 1;
            } else {
                stale.push((row, item, hash));
            }
        }
        if !m.options.sync {
            summary.stale = stale.len();
            return Ok(());
        }
        summary.unchanged = unchanged;
        if m.options.dry_run {
            summary.updated = stale.len();
            return Ok(());
        }
        m.progress.start(Phase::Migrate, stale.len() as u64);
        let results: Vec<(String, String, Result<(), String>)> = stream::iter(stale)
            .map(|(row, item, hash)| async move {
                let pass_ref = match row.target_ref.as_deref().map(|t| self.target_ref(t)) {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => return (row.source_ref, hash, Err(e)),
                    None => return (row.source_ref, hash, Err("no target ref".into())),
                };
                let target = Arc::clone(&m.target);
                let put = self
                    .retrying(&self.target_pace, || {
                        let target = Arc::clone(&target);
                        let pass_ref = pass_ref.clone();
                        let content = item.expected.clone();
                        async move { target.put(&pass_ref, content).await }
                    })
                    .await;
                m.progress.item(put.is_ok());
                (
                    row.source_ref,
                    hash,
                    put.map(|_| ()).map_err(|e| describe(&e)),
                )
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await;
        m.progress.finish();
        for (source_ref, hash, result) in results {
            match result {
                Ok(()) => {
                    self.cp.mark_synced(&source_ref, &hash)?;
                    summary.updated += 1;
                }
                Err(e) => {
                    self.cp.set_error(&source_ref, &format!("sync: {e}"))?;
                    summary.sync_failures.push((source_ref, e));
                }
            }
        }
        Ok(())
    }
}
