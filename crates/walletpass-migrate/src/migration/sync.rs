//! Sync: carry source changes made since a pass was migrated to its target copy (`--sync`).

use std::sync::Arc;

use futures::TryStreamExt;
use walletpass_core::WalletProvider;

use super::{MigrateError, Run, Summary, describe};
use crate::checkpoint::State;
use crate::compare::content_hash;
use crate::progress::Phase;

/// The rows whose copy a sync may update.
const ON_TARGET: &[State] = &[State::Created, State::Verified, State::Mismatch];

/// The source as mapped now differs from what the copy was made from.
const STALE: &str = "AND p.content_hash != i.content_hash";

/// The source as mapped now is what the copy was made from.
const UNCHANGED: &str = "AND p.content_hash = i.content_hash";

impl Run<'_> {
    /// Carry source changes: each target copy whose recorded content hash differs from the
    /// source as mapped now is stale. With `sync` its content is replaced (one `put` each, on
    /// the target's budget) and recorded; without, stale copies are only counted. A dry run
    /// counts what it would update.
    pub(super) async fn sync(&self, summary: &mut Summary) -> Result<(), MigrateError> {
        let m = self.m;
        let stale = self.cp.staged_count(ON_TARGET, STALE)?;
        if !m.options.sync {
            summary.stale = stale;
            return Ok(());
        }
        summary.unchanged = self.cp.staged_count(ON_TARGET, UNCHANGED)?;
        if m.options.dry_run {
            summary.updated = stale;
            return Ok(());
        }
        m.progress.start(Phase::Migrate, stale as u64);
        let results = self
            .staged_rows(ON_TARGET, STALE)
            .map_ok(|(row, item)| async move {
                let hash = content_hash(&item.expected);
                let pass_ref = match row.target_ref.as_deref().map(|t| self.target_ref(t)) {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => return Ok((row.source_ref, hash, Err(e))),
                    None => return Ok((row.source_ref, hash, Err("no target ref".into()))),
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
                Ok::<_, MigrateError>((
                    row.source_ref,
                    hash,
                    put.map(|_| ()).map_err(|e| describe(&e)),
                ))
            })
            .try_buffer_unordered(m.options.concurrency.max(1));
        let mut results = std::pin::pin!(results);
        while let Some((source_ref, hash, result)) = results.try_next().await? {
            match result {
                Ok(()) => {
                    self.cp.mark_synced(&source_ref, &hash)?;
                    summary.updated += 1;
                }
                Err(e) => {
                    self.cp.set_error(&source_ref, &format!("sync: {e}"))?;
                    if summary.sync_failures.len() < Summary::LISTED {
                        summary.sync_failures.push((source_ref, e));
                    }
                }
            }
        }
        m.progress.finish();
        Ok(())
    }
}
