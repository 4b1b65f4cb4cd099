//! The memory provider's pass table: every pass in a compact form, decoded on read.
//!
//! A [`Pass`] as a struct costs about 1.6 KB of heap (a `Vec` of fields, a `String` per key,
//! label and value, empty maps, links, timestamps); a memory store of a million passes would
//! hold gigabytes. Here each pass is one row: its template as an index into an interned list,
//! its status as one byte, its timestamps, and one heap block holding its id followed by its
//! content as JSON. The link and serial number the provider derives from the id are not
//! stored. A pass is only kept compact when decoding the row gives back exactly the same pass
//! (checked on every write); any other pass (a vendor status word, a date JSON cannot carry)
//! is kept whole, so the table never changes what it was given.
//!
//! Rows are ordered by position (creation order): listings seek to the cursor and decode only
//! the passes they return, and filter by template and status without decoding.

use std::collections::{BTreeMap, HashMap};
use std::ops::RangeFrom;

use time::OffsetDateTime;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Pass, PassContent, PassId, PassLinks, PassRef, PassStatus, TemplateId};

/// The landing link the memory provider gives a pass.
pub(super) fn landing(id: &str) -> String {
    format!("https://memory.invalid/p/{id}")
}

/// No template: the index stored for a pass without one.
const NO_TEMPLATE: u32 = u32::MAX;

/// The statuses a compact row can hold, by their byte.
const STATUSES: [PassStatus; 5] = [
    PassStatus::Draft,
    PassStatus::Active,
    PassStatus::Voided,
    PassStatus::Expired,
    PassStatus::Removed,
];

/// One pass as stored.
#[derive(Debug)]
enum Row {
    Compact(Compact),
    Whole(Box<Pass>),
}

/// A pass in compact form (see the module docs).
#[derive(Debug)]
struct Compact {
    template: u32,
    status: u8,
    created_at: Option<OffsetDateTime>,
    updated_at: Option<OffsetDateTime>,
    /// The id's length as a little-endian `u16`, the id, then the content as JSON.
    data: Box<[u8]>,
}

/// The passes of a memory provider, by position.
#[derive(Debug, Default)]
pub(super) struct PassTable {
    rows: BTreeMap<u64, Row>,
    templates: Vec<TemplateId>,
    template_index: HashMap<TemplateId, u32>,
}

fn corrupt(what: &str) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("memory store: a stored pass could not be decoded ({what})"),
    )
    .with_provider("memory")
}

impl PassTable {
    /// Store `pass` at `seq`, replacing what was there.
    pub(super) fn insert(&mut self, seq: u64, pass: &Pass) {
        let row = match self.compact(pass) {
            Some(compact) => Row::Compact(compact),
            None => Row::Whole(Box::new(pass.clone())),
        };
        self.rows.insert(seq, row);
    }

    /// Remove the pass at `seq`.
    pub(super) fn remove(&mut self, seq: u64) {
        self.rows.remove(&seq);
    }

    /// The pass at `seq`, decoded; `None` when there is none.
    pub(super) fn get(&self, seq: u64) -> Result<Option<Pass>> {
        self.rows.get(&seq).map(|row| self.decode(row)).transpose()
    }

    /// The template of the pass at `seq`, without decoding it; `None` when there is no pass
    /// there or it has no template.
    pub(super) fn template_of(&self, seq: u64) -> Option<&TemplateId> {
        match self.rows.get(&seq)? {
            Row::Compact(c) => self.templates.get(c.template as usize),
            Row::Whole(p) => p.pass_ref.template.as_ref(),
        }
    }

    /// The passes from position `from` on that are of `template` (when given) and in
    /// `status` (when given), decoded lazily in position order.
    pub(super) fn scan<'a>(
        &'a self,
        from: RangeFrom<u64>,
        template: Option<&'a TemplateId>,
        status: Option<&'a PassStatus>,
    ) -> impl Iterator<Item = (u64, Result<Pass>)> + 'a {
        // A template never seen is held by no pass: an index no row has.
        let wanted = template.map(|t| self.template_index.get(t).copied());
        self.rows
            .range(from)
            .filter(move |(_, row)| match row {
                Row::Compact(c) => {
                    wanted.is_none_or(|w| w == Some(c.template))
                        && status.is_none_or(|s| STATUSES.get(c.status as usize) == Some(s))
                }
                Row::Whole(p) => {
                    template.is_none_or(|t| p.pass_ref.template.as_ref() == Some(t))
                        && status.is_none_or(|s| &p.status == s)
                }
            })
            .map(|(seq, row)| (*seq, self.decode(row)))
    }

    fn intern(&mut self, template: &TemplateId) -> Option<u32> {
        if let Some(index) = self.template_index.get(template) {
            return Some(*index);
        }
        let index = u32::try_from(self.templates.len())
            .ok()
            .filter(|i| *i != NO_TEMPLATE)?;
        self.templates.push(template.clone());
        self.template_index.insert(template.clone(), index);
        Some(index)
    }

    /// The compact form of `pass`, when it has one that decodes back to the same pass.
    fn compact(&mut self, pass: &Pass) -> Option<Compact> {
        let id = pass.pass_ref.id.as_str();
        let derived = PassLinks {
            landing: Some(landing(id)),
            ..PassLinks::default()
        };
        if pass.serial_number != id || pass.links != derived || pass.installs.is_some() {
            return None;
        }
        let status = STATUSES.iter().position(|s| *s == pass.status)? as u8;
        let template = match &pass.pass_ref.template {
            Some(t) => self.intern(t)?,
            None => NO_TEMPLATE,
        };
        let id_len = u16::try_from(id.len()).ok()?;
        let mut data = Vec::with_capacity(2 + id.len() + 128);
        data.extend_from_slice(&id_len.to_le_bytes());
        data.extend_from_slice(id.as_bytes());
        serde_json::to_writer(&mut data, &pass.content).ok()?;
        let compact = Compact {
            template,
            status,
            created_at: pass.created_at,
            updated_at: pass.updated_at,
            data: data.into_boxed_slice(),
        };
        // Only what decodes back to the very same pass is kept compact.
        match self.decode_compact(&compact) {
            Ok(decoded) if decoded == *pass => Some(compact),
            _ => None,
        }
    }

    fn decode(&self, row: &Row) -> Result<Pass> {
        match row {
            Row::Compact(c) => self.decode_compact(c),
            Row::Whole(p) => Ok((**p).clone()),
        }
    }

    fn decode_compact(&self, c: &Compact) -> Result<Pass> {
        let (len, rest) = c
            .data
            .split_first_chunk::<2>()
            .ok_or_else(|| corrupt("no id"))?;
        let len = usize::from(u16::from_le_bytes(*len));
        let (id, content) = rest.split_at_checked(len).ok_or_else(|| corrupt("id"))?;
        let id = std::str::from_utf8(id).map_err(|_| corrupt("id"))?;
        let content: PassContent =
            serde_json::from_slice(content).map_err(|e| corrupt("content").with_source(e))?;
        let template = match c.template {
            NO_TEMPLATE => None,
            i => Some(
                self.templates
                    .get(i as usize)
                    .cloned()
                    .ok_or_else(|| corrupt("template"))?,
            ),
        };
        let status = STATUSES
            .get(usize::from(c.status))
            .cloned()
            .ok_or_else(|| corrupt("status"))?;
        let pass_ref = PassRef {
            template,
            id: PassId::new(id).map_err(|e| corrupt("id").with_source(e))?,
        };
        let mut pass = Pass::new(pass_ref, content);
        pass.status = status;
        pass.links.landing = Some(landing(id));
        pass.created_at = c.created_at;
        pass.updated_at = c.updated_at;
        Ok(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, FieldValue, PassContent};

    fn pass(id: &str, template: Option<&str>) -> Pass {
        let content = PassContent::builder()
            .field(Field::new("member", "M-1").unwrap())
            .field(Field::new("points", 12).unwrap())
            .build()
            .unwrap();
        let mut pass = Pass::new(
            PassRef {
                template: template.map(|t| TemplateId::new(t).unwrap()),
                id: PassId::new(id).unwrap(),
            },
            content,
        );
        pass.links.landing = Some(landing(id));
        pass.created_at = Some(OffsetDateTime::now_utc());
        pass.updated_at = pass.created_at;
        pass
    }

    fn is_compact(table: &PassTable, seq: u64) -> bool {
        matches!(table.rows.get(&seq), Some(Row::Compact(_)))
    }

    #[test]
    fn a_pass_the_provider_made_is_kept_compact_and_reads_back_the_same() {
        let mut table = PassTable::default();
        let p = pass("p1", Some("tpl_a"));
        table.insert(1, &p);
        assert!(is_compact(&table, 1));
        assert_eq!(table.get(1).unwrap(), Some(p));
        assert_eq!(table.template_of(1).map(|t| t.as_str()), Some("tpl_a"));
        assert_eq!(table.get(2).unwrap(), None);
    }

    #[test]
    fn a_pass_the_compact_form_cannot_carry_is_kept_whole_unchanged() {
        let mut table = PassTable::default();
        let mut other = pass("p1", None);
        other.status = PassStatus::Other("Suspended".into());
        let mut linked = pass("p2", None);
        linked.links.google = Some("https://pay.google.com/x".into());
        let mut serial = pass("p3", None);
        serial.serial_number = "S-3".into();
        for (seq, p) in [(1, &other), (2, &linked), (3, &serial)] {
            table.insert(seq, p);
            assert!(!is_compact(&table, seq), "{seq}");
            assert_eq!(table.get(seq).unwrap().as_ref(), Some(p));
        }
    }

    #[test]
    fn a_scan_filters_by_template_and_status_and_seeks_to_its_start() {
        let mut table = PassTable::default();
        let mut voided = pass("p2", Some("tpl_a"));
        voided.status = PassStatus::Voided;
        table.insert(1, &pass("p1", Some("tpl_a")));
        table.insert(2, &voided);
        table.insert(3, &pass("p3", Some("tpl_b")));
        table.insert(4, &pass("p4", None));
        let ids = |t: Option<&str>, s: Option<PassStatus>, from: u64| {
            let t = t.map(|t| TemplateId::new(t).unwrap());
            table
                .scan(from.., t.as_ref(), s.as_ref())
                .map(|(seq, p)| (seq, p.unwrap().pass_ref.id.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(Some("tpl_a"), None, 1),
            [(1, "p1".into()), (2, "p2".into())]
        );
        assert_eq!(
            ids(Some("tpl_a"), Some(PassStatus::Active), 1),
            [(1, "p1".into())]
        );
        assert_eq!(ids(Some("tpl_c"), None, 1), []);
        assert_eq!(ids(None, None, 3), [(3, "p3".into()), (4, "p4".into())]);
    }

    #[test]
    fn every_value_kind_reads_back_exactly() {
        let mut table = PassTable::default();
        let mut p = pass("p1", None);
        let content = PassContent::builder()
            .field(
                Field::new(
                    "n",
                    FieldValue::Number(serde_json::Number::from_f64(1.5).unwrap()),
                )
                .unwrap(),
            )
            .field(Field::new("d", FieldValue::DateTime(OffsetDateTime::UNIX_EPOCH)).unwrap())
            .build()
            .unwrap();
        p.content = content;
        table.insert(1, &p);
        assert!(is_compact(&table, 1));
        assert_eq!(table.get(1).unwrap(), Some(p));
    }
}
