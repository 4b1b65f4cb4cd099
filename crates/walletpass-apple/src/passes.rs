//! Stored pass rows as canonical [`Pass`]es: finding a pass by its
//! reference, changing one in a store transaction (every change checked to render before it
//! is written, then announced on the outbound webhooks), the render check of new content, and
//! the row-to-[`Pass`] conversion with its links and install count.

use time::OffsetDateTime;
use walletpass_core::{
    Operation, Pass, PassContent, PassId, PassLinks, PassRef, PassStatus, Result, Template,
    TemplateId, WebhookEventKind,
};

use crate::Apple;
use crate::convert::{self, ImageSource, Input};
use crate::error::{invalid, not_found};
use crate::ids::check_serial;
use crate::store::{PassChange, PassRow};
use crate::template::AppleTemplate;

/// A template and its Apple part, as a pass is rendered with them.
pub(crate) type Templated = (Template, AppleTemplate);

/// A random `authenticationToken`: 32 hex characters (128 random bits).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    hex::encode(bytes)
}

fn when(nanos: i128) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// A stored serial always passed [`check_serial`](crate::ids::check_serial); a row that does not is reported as such.
fn unreachable_ref(serial: &str) -> PassRef {
    PassRef {
        template: None,
        id: PassId::new(format!("invalid-stored-serial-{}", serial.len()))
            .unwrap_or_else(|_| unreachable!("a fixed well-formed id")),
    }
}

impl Apple {
    /// Check that new content renders (every Apple limit, every image present).
    pub(crate) fn check_renders(
        &self,
        row_serial: &str,
        status: &PassStatus,
        content: &PassContent,
        template: Option<&Templated>,
        op: Operation,
    ) -> Result<convert::Rendered> {
        let rendered = convert::render(
            &self.issuer(),
            &Input {
                serial: row_serial,
                status,
                content,
                template: template.map(|(t, a)| (t, a)),
                auth_token: "0000000000000000",
            },
            op,
        )?;
        for (name, source) in &rendered.images {
            if let ImageSource::Stored(key) = source
                && self.store().get_image(key)?.is_none()
            {
                return Err(invalid(
                    op,
                    format!("images.{name}"),
                    format!("no image '{key}' is stored: upload it with put_image first"),
                ));
            }
        }
        Ok(rendered)
    }

    pub(crate) fn to_pass(&self, row: PassRow) -> Pass {
        let id = PassId::new(row.serial.clone());
        let template = row.template.and_then(|t| TemplateId::new(t).ok());
        let pass_ref = match id {
            Ok(id) => PassRef { template, id },
            Err(_) => unreachable_ref(&row.serial),
        };
        Pass {
            serial_number: row.serial.clone(),
            pass_ref,
            status: row.status,
            content: row.content,
            links: PassLinks {
                download: self.download_link(&row.serial),
                ..PassLinks::default()
            },
            installs: self.installs(&row.serial),
            created_at: when(row.created_at),
            updated_at: when(row.updated_at),
        }
    }

    /// The stored row of `pass` (of its template, when the reference names one).
    pub(crate) fn find(&self, pass: &PassRef, op: Operation) -> Result<PassRow> {
        check_serial(op, "pass_id", pass.id.as_str())?;
        let row = self
            .store()
            .get_pass(pass.id.as_str())?
            .ok_or_else(|| not_found(op, "pass", pass.id.as_str()))?;
        if let Some(t) = &pass.template
            && row.template.as_deref() != Some(t.as_str())
        {
            return Err(not_found(op, "pass", &pass.to_string()));
        }
        Ok(row)
    }

    /// Change `pass` with `f` in one store transaction; a change (`Some`) must render, and
    /// is announced as `pass_updated` (`pass_voided` for [`Operation::Void`]).
    pub(crate) fn change(
        &self,
        pass: &PassRef,
        op: Operation,
        mut f: impl FnMut(&PassRow, Option<&Templated>) -> Result<Option<PassChange>>,
    ) -> Result<Pass> {
        let row = self.find(pass, op)?;
        let template = self.row_template(&row, op)?;
        let mut changed = false;
        let updated = self
            .store()
            .update_pass(pass.id.as_str(), &mut |current| {
                let Some(next) = f(current, template.as_ref())? else {
                    return Ok(None);
                };
                changed = true;
                self.check_renders(
                    &current.serial,
                    &next.status,
                    &next.content,
                    template.as_ref(),
                    op,
                )?;
                Ok(Some(next))
            })?
            .ok_or_else(|| not_found(op, "pass", pass.id.as_str()))?;
        let pass = self.to_pass(updated);
        if changed {
            let kind = match op {
                Operation::Void => WebhookEventKind::PassVoided,
                _ => WebhookEventKind::PassUpdated,
            };
            self.emit(kind, &pass);
        }
        Ok(pass)
    }
}
