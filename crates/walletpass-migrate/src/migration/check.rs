//! The settings check that runs before anything is read or written, and the settings a
//! checkpoint is bound to.

use walletpass_core::{TemplateId, WalletProvider};

use super::{MigrateError, Migration, Retire, Strategy};

impl Migration {
    pub(super) fn check_config(&self) -> Result<(), MigrateError> {
        let s = self.source.capabilities();
        let t = self.target.capabilities();
        let mut problems = Vec::new();
        if !s.list {
            problems.push(format!(
                "the source ({}) cannot list passes",
                self.source.name()
            ));
        }
        if s.list_requires_template && self.source_template.is_none() {
            problems.push(format!(
                "the source ({}) lists passes per template: give --from-template",
                self.source.name()
            ));
        }
        if t.pass_ref_requires_template && self.target_template.is_none() {
            problems.push(format!(
                "the target ({}) creates passes from a template: give --to-template",
                self.target.name()
            ));
        }
        if !self.options.dry_run && !t.create {
            problems.push(format!(
                "the target ({}) cannot create passes",
                self.target.name()
            ));
        }
        if self.options.verify && !t.get {
            problems.push(format!(
                "--verify: the target ({}) cannot read passes back",
                self.target.name()
            ));
        }
        if self.strategy() != Strategy::CallerSerial {
            if !t.list {
                problems.push(format!(
                    "the target ({}) has neither caller-chosen serials nor a listing: a create with an unknown outcome could not be checked, so exactly-once cannot be guaranteed",
                    self.target.name()
                ));
            }
            if t.list_requires_template && self.target_template.is_none() {
                problems.push(format!(
                    "the target ({}) lists passes per template: give --to-template",
                    self.target.name()
                ));
            }
        } else if !t.get {
            problems.push(format!(
                "the target ({}) cannot read a pass by serial",
                self.target.name()
            ));
        }
        if let Err(problem) = crate::retire::check(
            self.options.retire,
            self.source.as_ref(),
            &self.mapping.notice,
        ) {
            problems.push(problem);
        }
        if self.options.remove_duplicates && !t.delete {
            problems.push(format!(
                "--remove-duplicates: the target ({}) cannot delete passes",
                self.target.name()
            ));
        }
        if self.options.sync && !t.put {
            problems.push(format!(
                "--sync: the target ({}) cannot replace a pass's content",
                self.target.name()
            ));
        }
        if self.options.retire != Retire::None && !self.options.verify {
            problems.push(
                "--retire needs --verify: sources are retired only after their copies verified"
                    .into(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MigrateError::Config(problems.join("; ")))
        }
    }

    /// The settings a checkpoint is bound to.
    pub(super) fn settings(&self) -> Vec<(&'static str, String)> {
        let t = |t: &Option<TemplateId>| t.as_ref().map(|t| t.to_string()).unwrap_or_default();
        vec![
            ("source", self.source.name().to_owned()),
            ("source_account", self.accounts.0.clone()),
            ("target_account", self.accounts.1.clone()),
            ("source_template", t(&self.source_template)),
            ("target", self.target.name().to_owned()),
            ("target_template", t(&self.target_template)),
            ("serial_prefix", self.mapping.identity.serial_prefix.clone()),
            (
                "marker_field",
                self.mapping
                    .identity
                    .marker_field
                    .as_ref()
                    .map(|k| k.to_string())
                    .unwrap_or_default(),
            ),
        ]
    }
}
