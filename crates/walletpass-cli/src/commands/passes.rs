//! `walletpass passes ...`: create, get, patch, put, delete, void and list passes through the
//! one trait.

use futures::StreamExt;
use walletpass::{
    Cursor, ListQuery, NewPass, PassContent, PassId, PassPatch, PassStatus, WalletProviderExt,
};

use super::Context;
use crate::cli::{ListPassesArgs, OutputFormat, PassAddress, PassesCommand};
use crate::failure::{Failure, exit};
use crate::input;
use crate::output;

/// Run a `passes` command.
pub async fn run(ctx: &Context, cmd: PassesCommand) -> Result<u8, Failure> {
    match cmd {
        PassesCommand::Create {
            template,
            serial,
            field,
            file,
        } => {
            let content = match file {
                Some(path) => input::read_content(&path)?,
                None => {
                    let mut builder = PassContent::builder();
                    for text in &field {
                        builder = builder.field(input::parse_assignment("--field", text)?);
                    }
                    builder.build()?
                }
            };
            let mut new = NewPass::new(content);
            if let Some(t) = template {
                new = new.with_template(input::template_id(&t)?);
            }
            if let Some(s) = serial {
                new = new.with_serial_number(PassId::new(s)?);
            }
            let provider = ctx.connect()?;
            let pass = provider.create(new).await?;
            ctx.print(&pass, output::pass_table)?;
        }
        PassesCommand::Get(address) => {
            let pass_ref = address_of(&address)?;
            let pass = ctx.connect()?.get(&pass_ref).await?;
            ctx.print(&pass, output::pass_table)?;
        }
        PassesCommand::Patch {
            address,
            set,
            unset,
        } => {
            let pass_ref = address_of(&address)?;
            let mut builder = PassPatch::builder();
            for text in &set {
                builder = builder.set(input::parse_assignment("--set", text)?);
            }
            for key in &unset {
                builder = builder.remove(key);
            }
            let patch = builder.build()?;
            let pass = ctx.connect()?.patch(&pass_ref, &patch).await?;
            ctx.print(&pass, output::pass_table)?;
        }
        PassesCommand::Put { address, file } => {
            let pass_ref = address_of(&address)?;
            let content = input::read_content(&file)?;
            let pass = ctx.connect()?.put(&pass_ref, content).await?;
            ctx.print(&pass, output::pass_table)?;
        }
        PassesCommand::Delete(address) => {
            let pass_ref = address_of(&address)?;
            ctx.connect()?.delete(&pass_ref).await?;
            let answer = serde_json::json!({ "deleted": pass_ref.to_string() });
            ctx.print(&answer, |_| format!("deleted {pass_ref}"))?;
        }
        PassesCommand::Void(address) => {
            let pass_ref = address_of(&address)?;
            let pass = ctx.connect()?.void(&pass_ref).await?;
            ctx.print(&pass, output::pass_table)?;
        }
        PassesCommand::List(args) => list(ctx, args).await?,
        PassesCommand::Pkpass { address, out } => pkpass(ctx, &address, &out)?,
    }
    Ok(exit::OK)
}

/// Write the signed `.pkpass` of a pass: only the apple provider signs passes itself.
fn pkpass(ctx: &Context, address: &PassAddress, out: &std::path::Path) -> Result<(), Failure> {
    let pass_ref = address_of(address)?;
    let config =
        walletpass::ProviderConfig::from_lookup(ctx.kind()?, ctx.base_url.as_deref(), |n| {
            std::env::var(n).ok()
        })?;
    let walletpass::ProviderConfig::Apple(config) = config else {
        return Err(walletpass::Error::new(
            walletpass::ErrorKind::Unsupported,
            format!(
                "passes pkpass: {} serves its own passes (see links.download in `passes get`); --provider apple signs them here",
                ctx.provider
            ),
        )
        .into());
    };
    let bytes = walletpass::apple::Apple::new(config)?.pkpass(&pass_ref)?;
    if out.as_os_str() == "-" {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| {
                Failure::usage(format!("--out -: cannot write to standard output: {e}"))
            })?;
        return Ok(());
    }
    std::fs::write(out, &bytes).map_err(|e| {
        Failure::usage_hint(
            format!("--out {}: cannot write: {e}", out.display()),
            "choose a writable path for --out",
        )
    })?;
    let answer = serde_json::json!({
        "pass": pass_ref.to_string(),
        "written": out.display().to_string(),
        "bytes": bytes.len(),
        "mime": walletpass::apple::PKPASS_MIME,
    });
    ctx.print(&answer, |_| {
        format!(
            "wrote {} ({} bytes) for {pass_ref}",
            out.display(),
            bytes.len()
        )
    })
}

fn address_of(address: &PassAddress) -> Result<walletpass::PassRef, Failure> {
    input::pass_ref(address.template.as_deref(), &address.id)
}

async fn list(ctx: &Context, args: ListPassesArgs) -> Result<(), Failure> {
    let mut query = ListQuery::new();
    if let Some(t) = &args.template {
        query = query.template(input::template_id(t)?);
    }
    if let Some(s) = args.search {
        query = query.search(s);
    }
    if let Some(s) = args.status {
        query = query.status(PassStatus::parse(&s));
    }
    if let Some(n) = args.page_size {
        query = query.page_size(n);
    }
    if let Some(c) = args.cursor {
        query = query.cursor(Cursor::new(c));
    }
    let provider = ctx.connect()?;
    if args.all {
        let mut stream = provider.list_all(query);
        if ctx.format == OutputFormat::Table {
            output::line(&output::PASS_HEADERS.join("  "))?;
        }
        while let Some(pass) = stream.next().await {
            let pass = pass?;
            match ctx.format {
                OutputFormat::Json => output::line(&output::json_line(&pass)?)?,
                OutputFormat::Table => output::line(&output::pass_row(&pass).join("  "))?,
            }
        }
        return Ok(());
    }
    let page = provider.list(&query).await?;
    ctx.print(&page, |page| {
        let rows: Vec<Vec<String>> = page.items.iter().map(output::pass_row).collect();
        output::table(&output::PASS_HEADERS, &rows)
    })?;
    if ctx.format == OutputFormat::Table {
        output::next_page_hint(page.next.as_ref());
    }
    Ok(())
}
