//! Duplicate sweep: extra copies carrying a source pass's marker, removed only when the checkpoint
//! proves this migration made them; everything else is reported and left alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use walletpass_core::{ErrorKind, FieldValue, Pass, PassRef, WalletProvider};

use super::reconcile::KeyBy;
use super::{Item, MigrateError, Run, link_of};
use crate::checkpoint::Row;
use crate::compare::differences;

/// What the duplicate sweep found and did.
#[derive(Default)]
pub(super) struct Sweep {
    pub(super) removed: usize,
    pub(super) left: Vec<(String, String)>,
    pub(super) unproven: Vec<(String, String)>,
}

impl Run<'_> {
    /// Find target passes that carry the marker of a source pass but are not its recorded copy.
    /// One is a stray of this migration, to be deleted (with `remove_duplicates`), only when the
    /// checkpoint proves it: the row's copy was created by this checkpoint (not adopted), which
    /// happens only after a lookup found no copy, so any other copy with its marker came from
    /// this migration's own attempts (a client that repeated a create after losing the answer);
    /// and the copy kept is the older one. When the recorded copy was created by this very
    /// process (its link not yet handed out) and a stray is older, the older one is recorded and
    /// kept instead. Everything else is reported and left alone.
    pub(super) async fn sweep_duplicates(&self) -> Result<Sweep, MigrateError> {
        let m = self.m;
        let mut sweep = Sweep::default();
        let Some(key) = m.mapping.identity.marker_field.clone() else {
            return Ok(sweep);
        };
        self.list_target(KeyBy::Marker, true).await?;
        // The extras found (normally none): only they are held in memory.
        let mut extras: BTreeMap<String, (Row, Vec<Pass>)> = BTreeMap::new();
        self.each_listed(|pass| {
            let Some(FieldValue::Text(token)) = pass.content.field(key.as_str()).map(|f| &f.value)
            else {
                return Ok(());
            };
            let Some(row) = self.cp.on_target_by_identity(token)? else {
                return Ok(());
            };
            let target_ref = pass.pass_ref.to_string();
            if row.adopted {
                tracing::warn!(source = %row.source_ref, copy = %target_ref, "another copy on the target, not made by this checkpoint");
                sweep.unproven.push((row.source_ref.clone(), target_ref));
                return Ok(());
            }
            extras
                .entry(row.source_ref.clone())
                .or_insert_with(|| (row, Vec::new()))
                .1
                .push(pass);
            Ok(())
        })?;
        let mut doomed: Vec<(String, PassRef, String)> = Vec::new();
        for (source_ref, (row, mut copies)) in extras {
            let source_ref = source_ref.as_str();
            let Some(kept_ref) = row.target_ref.as_deref() else {
                continue;
            };
            let kept = match self.target_ref(kept_ref) {
                Ok(r) => self
                    .read(&m.target, &self.target_pace, &r)
                    .await
                    .map_err(MigrateError::Target)?,
                Err(_) => None,
            };
            let Some(mut kept) = kept.filter(|k| k.created_at.is_some()) else {
                // Which copy is older cannot be told: report them all.
                for c in copies {
                    sweep
                        .unproven
                        .push((source_ref.to_owned(), c.pass_ref.to_string()));
                }
                continue;
            };
            copies.sort_by_key(|c| c.created_at);
            // A recorded copy this process made may give way to an older stray of equal
            // content: nobody has its link yet.
            let item = match self.cp.staged(source_ref)? {
                Some(s) if self.cp.was_sent(source_ref)? => Some(Item::from_staged(s)?),
                _ => None,
            };
            if let Some(item) = &item
                && let Some(i) = copies.iter().position(|c| {
                    c.created_at.is_some() && c.created_at < kept.created_at && {
                        differences(
                            &item.expected,
                            &c.content,
                            m.target.capabilities(),
                            self.target_template.as_ref(),
                        )
                        .is_empty()
                    }
                })
            {
                let older = copies.remove(i);
                self.cp.mark_created(
                    source_ref,
                    &older.pass_ref.to_string(),
                    link_of(&older).as_deref(),
                )?;
                copies.push(std::mem::replace(&mut kept, older));
            }
            for c in copies {
                let target_ref = c.pass_ref.to_string();
                let not_older = c.created_at.is_some() && c.created_at >= kept.created_at;
                if !not_older {
                    sweep.unproven.push((source_ref.to_owned(), target_ref));
                } else if m.options.remove_duplicates
                    && !m.options.dry_run
                    && m.target.capabilities().delete
                {
                    doomed.push((source_ref.to_owned(), c.pass_ref, kept.pass_ref.to_string()));
                } else {
                    sweep.left.push((source_ref.to_owned(), target_ref));
                }
            }
        }
        for (source_ref, pass_ref, kept) in &doomed {
            m.progress.notice(&format!(
                "deleting extra copy {pass_ref} of {source_ref} from the target (a stray of this migration; kept {kept}, the older)"
            ));
        }
        for (source_ref, pass_ref, _) in doomed {
            let target = Arc::clone(&m.target);
            let deleted = self
                .retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let pass_ref = pass_ref.clone();
                    async move {
                        match target.delete(&pass_ref).await {
                            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                            other => other,
                        }
                    }
                })
                .await;
            match deleted {
                Ok(()) => sweep.removed += 1,
                Err(e) => {
                    tracing::warn!(copy = %pass_ref, error = %e, "extra copy not deleted");
                    sweep.left.push((source_ref, pass_ref.to_string()));
                }
            }
        }
        Ok(sweep)
    }
}
