//! `walletpass webhooks ...`: subscriptions through the trait (the secret is shown or saved
//! once, never echoed otherwise), delivery history, and `verify` / `sign` for inbound
//! deliveries with the provider's own verifier (built from the secret alone: no API
//! credentials are needed to check or sign a delivery).

use std::io::Write;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use walletpass::{Cursor, ListQuery, NewWebhookSubscription, WebhookEventKind};

use super::Context;
use crate::cli::{OutputFormat, WebhooksCommand};
use crate::failure::{Failure, exit};
use crate::input;
use crate::output;

/// Run a `webhooks` command.
pub async fn run(ctx: &Context, cmd: WebhooksCommand) -> Result<u8, Failure> {
    match cmd {
        WebhooksCommand::List {
            template,
            page_size,
            cursor,
        } => {
            let mut query = ListQuery::new();
            if let Some(t) = template {
                query = query.template(input::template_id(&t)?);
            }
            if let Some(n) = page_size {
                query = query.page_size(n);
            }
            if let Some(c) = cursor {
                query = query.cursor(Cursor::new(c));
            }
            let page = ctx.connect()?.list_webhooks(&query).await?;
            ctx.print(&page, |p| output::webhook_rows(&p.items))?;
            if ctx.format == OutputFormat::Table {
                output::next_page_hint(page.next.as_ref());
            }
        }
        WebhooksCommand::Get { id } => {
            let id = input::webhook_id(&id)?;
            let sub = ctx.connect()?.get_webhook(&id).await?;
            ctx.print(&sub, |s| output::webhook_rows(std::slice::from_ref(s)))?;
        }
        WebhooksCommand::Create {
            url,
            events,
            template,
            secret_file,
            show_secret,
            secret,
        } => {
            let events: Vec<WebhookEventKind> =
                events.iter().map(|e| WebhookEventKind::parse(e)).collect();
            let mut new = NewWebhookSubscription::new(&url, events)?;
            if let Some(t) = template {
                new = new.with_template(input::template_id(&t)?);
            }
            if let Some(s) = secret {
                new = new.with_secret(input::webhook_secret(s)?);
            }
            let provider = ctx.connect()?;
            let created = provider.create_webhook(new).await?;
            if let Some(path) = &secret_file {
                write_secret(path, &created.secret)?;
            }
            let mut answer = serde_json::to_value(&created.subscription)
                .map_err(|e| Failure::Other(format!("cannot serialize the result: {e}")))?;
            if let Some(map) = answer.as_object_mut() {
                if show_secret {
                    map.insert("secret".into(), created.secret.expose_secret().into());
                }
                if let Some(path) = &secret_file {
                    map.insert("secret_file".into(), path.display().to_string().into());
                }
            }
            ctx.print(&answer, |_| {
                let mut text = output::webhook_rows(std::slice::from_ref(&created.subscription));
                if show_secret {
                    text.push_str(&format!(
                        "\n\nsigning secret (shown once): {}",
                        created.secret.expose_secret()
                    ));
                }
                if let Some(path) = &secret_file {
                    text.push_str(&format!("\n\nsigning secret saved to {}", path.display()));
                }
                text
            })?;
        }
        WebhooksCommand::Delete { id } => {
            let id = input::webhook_id(&id)?;
            ctx.connect()?.delete_webhook(&id).await?;
            let answer = serde_json::json!({ "deleted": id.to_string() });
            ctx.print(&answer, |_| format!("deleted webhook {id}"))?;
        }
        WebhooksCommand::Deliveries {
            id,
            page_size,
            cursor,
        } => {
            let id = input::webhook_id(&id)?;
            let mut query = ListQuery::new();
            if let Some(n) = page_size {
                query = query.page_size(n);
            }
            if let Some(c) = cursor {
                query = query.cursor(Cursor::new(c));
            }
            let page = ctx.connect()?.webhook_deliveries(&id, &query).await?;
            ctx.print(&page, |p| output::delivery_rows(&p.items))?;
            if ctx.format == OutputFormat::Table {
                output::next_page_hint(page.next.as_ref());
            }
        }
        WebhooksCommand::Verify {
            headers,
            body,
            secret,
        } => {
            let secret = input::webhook_secret(secret)?;
            let headers = input::read_headers(&headers)?;
            let body = input::read_bytes("--body", &body)?;
            let verifier = ctx.webhook_verifier(secret)?;
            let event = verifier.verify(&headers, &body)?;
            ctx.print(&event, |e| {
                let rows = vec![
                    vec!["id".to_owned(), e.id.clone()],
                    vec!["kind".to_owned(), e.kind.to_string()],
                    vec!["provider".to_owned(), e.provider.clone()],
                    vec![
                        "pass".to_owned(),
                        e.pass
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| "-".into()),
                    ],
                    vec![
                        "attempt".to_owned(),
                        e.attempt
                            .map(|a| a.to_string())
                            .unwrap_or_else(|| "-".into()),
                    ],
                ];
                format!("verified\n{}", output::table(&["EVENT", ""], &rows))
            })?;
        }
        WebhooksCommand::Sign { body, secret } => {
            let secret = input::webhook_secret(secret)?;
            let body = input::read_bytes("--body", &body)?;
            let verifier = ctx.webhook_verifier(secret)?;
            let headers = verifier.sign(&body)?;
            let mut lines = Vec::new();
            for (name, value) in &headers {
                let value = value.to_str().map_err(|_| {
                    Failure::Other(format!("the {name} header the provider made is not text"))
                })?;
                lines.push(format!("{name}: {value}"));
            }
            // Always the header-file form `webhooks verify --headers` reads.
            output::line(&lines.join("\n"))?;
        }
    }
    Ok(exit::OK)
}

/// Write the secret to a new file only its owner can read.
fn write_secret(path: &Path, secret: &SecretString) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        Failure::usage(format!(
            "--secret-file {}: cannot create it: {e}",
            path.display()
        ))
    })?;
    file.write_all(secret.expose_secret().as_bytes())
        .and_then(|_| file.write_all(b"\n"))
        .map_err(|e| {
            Failure::Other(format!(
                "--secret-file {}: cannot write it: {e}",
                path.display()
            ))
        })
}
