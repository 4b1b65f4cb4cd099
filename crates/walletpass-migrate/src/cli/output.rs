//! Writing to stdout and stderr that never panics on a closed pipe, and error reports in text
//! or JSON.

use std::io::Write;

/// Write `text` to stdout; a closed pipe (or any other write error) drops it, never panics.
pub(super) fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Write `text` and a newline to stderr, dropping it when stderr is closed.
pub(super) fn print_err(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Report a run that ended without a summary: text on stderr, or one JSON object
/// (`{"error": {"kind", "message", "exit_code"}}`) with `--output json`.
pub(super) fn report_error(json: bool, kind: &str, message: &str, code: i32) {
    if json {
        let value = serde_json::json!({
            "error": { "kind": kind, "message": message, "exit_code": code }
        });
        print_err(&value.to_string());
    } else if kind == "stopped" {
        print_err(message);
    } else {
        print_err(&format!("error: {message}"));
    }
}
