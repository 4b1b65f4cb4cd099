//! Retire phase: void, delete or put a notice on each source pass whose copy verified.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::{StreamExt, stream};
use walletpass_core::{Error, ErrorKind, PassPatch, WalletProvider};

use super::{Item, MigrateError, Retire, Run, describe};
use crate::checkpoint::{Row, State};
use crate::progress::Phase;

impl Run<'_> {
    /// Retire every verified source pass; the answer lists the passes that could not be
    /// retired, with their errors.
    pub(super) async fn retire(
        &self,
        items: &BTreeMap<String, Item>,
    ) -> Result<Vec<(String, String)>, MigrateError> {
        let m = self.m;
        let rows: Vec<Row> = self
            .cp
            .rows_in(&[State::Verified])?
            .into_iter()
            .filter(|r| items.contains_key(&r.source_ref))
            .collect();
        m.progress.start(Phase::Retire, rows.len() as u64);
        let results: Vec<(String, Result<(), Error>)> = stream::iter(rows.iter())
            .take_while(|_| futures::future::ready(!m.stop.is_stopped()))
            .filter_map(|row| async move { items.get(&row.source_ref).map(|item| (row, item)) })
            .map(|(row, item)| async move {
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
                (row.source_ref.clone(), result)
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await;
        m.progress.finish();
        let mut failures = Vec::new();
        for (source_ref, result) in results {
            match result {
                Ok(()) => self.cp.set_state(&source_ref, State::Retired, None)?,
                Err(e) => {
                    let text = format!("retire: {}", describe(&e));
                    self.cp.set_error(&source_ref, &text)?;
                    failures.push((source_ref, text));
                }
            }
        }
        failures.sort();
        Ok(failures)
    }
}
