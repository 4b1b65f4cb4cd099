//! Printing results: the canonical JSON of the core model (exactly what `serde_json` makes of
//! it), or aligned tables for people. Streams flush after every line so `list --all` output
//! can be piped as pages arrive.

use std::io::{IsTerminal, Write};

use serde::Serialize;
use walletpass::{Field, FieldValue, Pass, Template, WebhookDelivery, WebhookSubscription};

use crate::cli::OutputFormat;
use crate::failure::Failure;

/// The format to use: the one asked for, else table on a terminal and json otherwise.
pub fn resolve(asked: Option<OutputFormat>) -> OutputFormat {
    asked.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        }
    })
}

/// Print one line to stdout and flush. A closed pipe (`| head -1`) is
/// [`Failure::ClosedPipe`] (the command stops, exit 141), never a panic.
pub fn line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|_| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Failure::ClosedPipe,
            _ => Failure::Other(format!("cannot write to standard output: {e}")),
        })
}

/// Pretty JSON of a value.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Other(format!("cannot serialize the result: {e}")))
}

/// One-line JSON of a value.
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value)
        .map_err(|e| Failure::Other(format!("cannot serialize the result: {e}")))
}

/// Aligned columns with a header row.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let render = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut lines = vec![render(headers.to_vec())];
    for row in rows {
        lines.push(render(row.iter().map(String::as_str).collect()));
    }
    lines.join("\n")
}

/// A field value as people read it.
pub fn value_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(t) => t.clone(),
        other => other.to_text(),
    }
}

fn opt(text: Option<&str>) -> String {
    text.unwrap_or("-").to_owned()
}

fn date(d: Option<time::OffsetDateTime>) -> String {
    d.and_then(|d| {
        d.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_else(|| "-".into())
}

fn field_rows(fields: &[Field]) -> Vec<Vec<String>> {
    fields
        .iter()
        .map(|f| {
            vec![
                f.key.to_string(),
                opt(f.label.as_deref()),
                value_text(&f.value),
                f.placement
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect()
}

/// A pass, for people.
pub fn pass_table(pass: &Pass) -> String {
    let mut rows = vec![
        vec!["ref".to_owned(), pass.pass_ref.to_string()],
        vec!["serial".to_owned(), pass.serial_number.clone()],
        vec!["status".to_owned(), pass.status.to_string()],
    ];
    let links = [
        ("landing", &pass.links.landing),
        ("download", &pass.links.download),
        ("google", &pass.links.google),
    ];
    for (name, link) in links {
        if let Some(link) = link {
            rows.push(vec![format!("link ({name})"), link.clone()]);
        }
    }
    if let Some(barcode) = &pass.content.barcode {
        rows.push(vec![
            "barcode".to_owned(),
            format!("{} {}", barcode.format, barcode.message),
        ]);
    }
    let a = &pass.content.appearance;
    if let Some(org) = &a.organization_name {
        rows.push(vec!["organization".to_owned(), org.clone()]);
    }
    if let Some(desc) = &a.description {
        rows.push(vec!["description".to_owned(), desc.clone()]);
    }
    if pass.content.expiration_date.is_some() {
        rows.push(vec![
            "expires".to_owned(),
            date(pass.content.expiration_date),
        ]);
    }
    rows.push(vec!["created".to_owned(), date(pass.created_at)]);
    rows.push(vec!["updated".to_owned(), date(pass.updated_at)]);
    let head = table(&["PASS", ""], &rows);
    let fields = table(
        &["FIELD", "LABEL", "VALUE", "PLACEMENT"],
        &field_rows(pass.content.fields.as_slice()),
    );
    format!("{head}\n\n{fields}")
}

/// One row of a pass listing.
pub fn pass_row(pass: &Pass) -> Vec<String> {
    let fields: Vec<String> = pass
        .content
        .fields
        .iter()
        .map(|f| format!("{}={}", f.key, value_text(&f.value)))
        .collect();
    vec![
        pass.pass_ref.to_string(),
        pass.status.to_string(),
        date(pass.updated_at.or(pass.created_at)),
        fields.join(" "),
    ]
}

/// The header of a pass listing.
pub const PASS_HEADERS: [&str; 4] = ["REF", "STATUS", "UPDATED", "FIELDS"];

/// A template, for people.
pub fn template_table(t: &Template) -> String {
    let rows = vec![
        vec!["id".to_owned(), t.id.to_string()],
        vec!["name".to_owned(), t.name.clone()],
        vec![
            "platform".to_owned(),
            t.platform
                .map(|p| format!("{p:?}").to_lowercase())
                .unwrap_or_else(|| "-".into()),
        ],
        vec!["style".to_owned(), opt(t.style.as_deref())],
        vec![
            "issued".to_owned(),
            t.issued_count
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
        ],
        vec![
            "installed".to_owned(),
            t.installed_count
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
        ],
    ];
    let specs: Vec<Vec<String>> = t
        .fields
        .iter()
        .map(|s| {
            vec![
                s.key.to_string(),
                opt(s.label.as_deref()),
                s.default
                    .as_ref()
                    .map(value_text)
                    .unwrap_or_else(|| "-".into()),
                s.placement
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "-".into()),
                if s.required { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    format!(
        "{}\n\n{}",
        table(&["TEMPLATE", ""], &rows),
        table(
            &["FIELD", "LABEL", "DEFAULT", "PLACEMENT", "REQUIRED"],
            &specs
        )
    )
}

/// Rows of a template listing.
pub fn template_rows(items: &[Template]) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|t| {
            vec![
                t.id.to_string(),
                t.name.clone(),
                opt(t.style.as_deref()),
                t.fields.len().to_string(),
            ]
        })
        .collect();
    table(&["ID", "NAME", "STYLE", "FIELDS"], &rows)
}

/// Rows of a webhook listing.
pub fn webhook_rows(items: &[WebhookSubscription]) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|w| {
            vec![
                w.id.to_string(),
                w.url.clone(),
                w.events
                    .iter()
                    .map(|e| e.as_str().to_owned())
                    .collect::<Vec<_>>()
                    .join(","),
                w.template
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "-".into()),
                if w.active { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    table(&["ID", "URL", "EVENTS", "TEMPLATE", "ACTIVE"], &rows)
}

/// Rows of a delivery listing.
pub fn delivery_rows(items: &[WebhookDelivery]) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.kind
                    .as_ref()
                    .map(|k| k.as_str().to_owned())
                    .unwrap_or_else(|| "-".into()),
                d.attempt.to_string(),
                d.status_code
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                if d.success { "yes" } else { "no" }.to_owned(),
                date(d.attempted_at),
                opt(d.error.as_deref()),
            ]
        })
        .collect();
    table(
        &["ID", "EVENT", "ATTEMPT", "STATUS", "OK", "AT", "ERROR"],
        &rows,
    )
}

/// Tell people on stderr how to get the next page.
pub fn next_page_hint(next: Option<&walletpass::Cursor>) {
    if let Some(next) = next {
        let _ = writeln!(std::io::stderr().lock(), "more: rerun with --cursor {next}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_trims_the_last() {
        let t = table(
            &["A", "BB"],
            &[vec!["xxx".into(), "1".into()], vec!["y".into(), "".into()]],
        );
        assert_eq!(t, "A    BB\nxxx  1\ny");
    }
}
