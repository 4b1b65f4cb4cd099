//! Retire phase: void, delete or put a notice on each source pass whose copy verified.

use std::sync::Arc;

use futures::TryStreamExt;
use walletpass_core::{ErrorKind, PassPatch, WalletProvider};

use super::{MigrateError, Retire, Run, Summary, describe};
use crate::checkpoint::State;
use crate::progress::Phase;

/// The rows whose source pass may be retired.
const VERIFIED: &[State] = &[State::Verified];

impl Run<'_> {
    /// Retire every verified source pass, a batch of rows at a time; the answer counts the
    /// passes that could not be retired and names the first [`Summary::FIRST_REASONS`] (in
    /// source ref order), with their errors.
    pub(super) async fn retire(&self) -> Result<(usize, Vec<(String, String)>), MigrateError> {
        let m = self.m;
        let total = self.cp.staged_count(VERIFIED, "")?;
        m.progress.start(Phase::Retire, total as u64);
        let results = self
            .staged_rows(VERIFIED, "")
            .try_take_while(|_| futures::future::ready(Ok(!m.stop.is_stopped())))
            .map_ok(|(row, item)| async move {
                let source = Arc::clone(&m.source);
                let pass_ref = item.source_pass.clone();
                let link = row.target_link.clone().unwrap_or_default();
                let notice = &m.mapping.notice;
                let result = self
                    .retrying(&self.source_pace, || {
                        let source = Arc::clone(&source);
                        let pass_ref = pass_ref.clone();
                        let link = link.clone();
                        async move {
                            match m.options.retire {
                                Retire::None => Ok(()),
                                Retire::Void => source.void(&pass_ref).await.map(|_| ()),
                                Retire::Delete => match source.delete(&pass_ref).await {
                                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                                    other => other,
                                },
                                Retire::Notice => {
                                    let field = crate::retire::notice_field(notice, &link)?;
                                    let patch = PassPatch::builder().set(field).build()?;
                                    source.patch(&pass_ref, &patch).await.map(|_| ())
                                }
                            }
                        }
                    })
                    .await;
                m.progress.item(result.is_ok());
                Ok::<_, MigrateError>((row.source_ref.clone(), result))
            })
            .try_buffer_unordered(m.options.concurrency.max(1));
        let mut results = std::pin::pin!(results);
        let mut failed = 0;
        let mut failures = Vec::new();
        while let Some((source_ref, result)) = results.try_next().await? {
            match result {
                Ok(()) => self.cp.set_state(&source_ref, State::Retired, None)?,
                Err(e) => {
                    let text = format!("retire: {}", describe(&e));
                    self.cp.set_error(&source_ref, &text)?;
                    failed += 1;
                    failures.push((source_ref, text));
                    failures.sort();
                    failures.truncate(Summary::FIRST_REASONS);
                }
            }
        }
        m.progress.finish();
        Ok((failed, failures))
    }
}
