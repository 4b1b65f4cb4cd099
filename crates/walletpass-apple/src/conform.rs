//! Templates as passes use them: reading a stored template with its Apple part
//! ([`AppleTemplate`]), and holding a pass's content to its template's field specs (only its
//! keys, the required ones present, defaults for the omitted ones, labels and placements from
//! the specs where a field has none).

use walletpass_core::{Field, Fields, Operation, PassContent, Result, Template};

use crate::Apple;
use crate::error::{invalid, not_found};
use crate::passes::Templated;
use crate::store::PassRow;
use crate::template::AppleTemplate;

impl Apple {
    /// The stored template `id` with its Apple part.
    pub(crate) fn template(&self, id: &str, op: Operation) -> Result<Templated> {
        let template = self
            .store()
            .get_template(id)?
            .ok_or_else(|| not_found(op, "template", id))?;
        let apple = AppleTemplate::from_template(&template, op)?;
        Ok((template, apple))
    }

    /// The template of `row`, when it has one.
    pub(crate) fn row_template(&self, row: &PassRow, op: Operation) -> Result<Option<Templated>> {
        row.template
            .as_deref()
            .map(|t| self.template(t, op))
            .transpose()
    }

    /// Hold `content` to its template: only its keys, the required ones present, defaults for
    /// the omitted ones, labels and placements from the specs where the field has none.
    pub(crate) fn conform(
        template: &Template,
        content: PassContent,
        op: Operation,
    ) -> Result<PassContent> {
        if template.fields.is_empty() {
            return Ok(content);
        }
        let known = || {
            template
                .fields
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out: Vec<Field> = Vec::with_capacity(template.fields.len());
        for field in content.fields.iter() {
            let spec = template.field_spec(field.key.as_str()).ok_or_else(|| {
                invalid(
                    op,
                    format!("fields[{}]", field.key),
                    format!(
                        "template '{}' has no field '{}' (it has: {})",
                        template.id,
                        field.key,
                        known()
                    ),
                )
            })?;
            let mut field = field.clone();
            field.label = field.label.or_else(|| spec.label.clone());
            field.placement = field.placement.or(spec.placement);
            out.push(field);
        }
        for spec in template
            .fields
            .iter()
            .filter(|s| content.field(s.key.as_str()).is_none())
        {
            if let Some(default) = &spec.default {
                out.push(Field {
                    key: spec.key.clone(),
                    label: spec.label.clone(),
                    value: default.clone(),
                    placement: spec.placement,
                    change_message: None,
                });
            } else if spec.required {
                return Err(invalid(
                    op,
                    format!("fields[{}]", spec.key),
                    format!("template '{}' requires field '{}'", template.id, spec.key),
                ));
            }
        }
        Ok(PassContent {
            fields: Fields::try_from_vec(out)?,
            ..content
        })
    }
}
