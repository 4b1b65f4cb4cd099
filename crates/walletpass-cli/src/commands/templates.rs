//! `walletpass templates ...`: list, get, create and delete templates.

use walletpass::{Cursor, ListQuery, NewTemplate, Platform};

use super::Context;
use crate::cli::{OutputFormat, PlatformArg, TemplatesCommand};
use crate::failure::{Failure, exit};
use crate::input;
use crate::output;

/// Run a `templates` command.
pub async fn run(ctx: &Context, cmd: TemplatesCommand) -> Result<u8, Failure> {
    match cmd {
        TemplatesCommand::List { page_size, cursor } => {
            let mut query = ListQuery::new();
            if let Some(n) = page_size {
                query = query.page_size(n);
            }
            if let Some(c) = cursor {
                query = query.cursor(Cursor::new(c));
            }
            let page = ctx.connect()?.list_templates(&query).await?;
            ctx.print(&page, |p| output::template_rows(&p.items))?;
            if ctx.format == OutputFormat::Table {
                output::next_page_hint(page.next.as_ref());
            }
        }
        TemplatesCommand::Get { id } => {
            let id = input::template_id(&id)?;
            let template = ctx.connect()?.get_template(&id).await?;
            ctx.print(&template, output::template_table)?;
        }
        TemplatesCommand::Create {
            name,
            platform,
            style,
        } => {
            let mut new = NewTemplate::new(name)?;
            if let Some(p) = platform {
                new = new.with_platform(match p {
                    PlatformArg::Apple => Platform::Apple,
                    PlatformArg::Google => Platform::Google,
                    PlatformArg::Both => Platform::Both,
                });
            }
            if let Some(s) = style {
                new = new.with_style(s);
            }
            let template = ctx.connect()?.create_template(new).await?;
            ctx.print(&template, output::template_table)?;
        }
        TemplatesCommand::Delete { id } => {
            let id = input::template_id(&id)?;
            ctx.connect()?.delete_template(&id).await?;
            let answer = serde_json::json!({ "deleted": id.to_string() });
            ctx.print(&answer, |_| format!("deleted template {id}"))?;
        }
    }
    Ok(exit::OK)
}
