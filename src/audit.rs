//! The audit log of a support profile (`audit_log = "PATH"`): one JSON line per row,
//! document or object shown, copied or exported, appended and flushed as it happens:
//! `{"time","user","profile","tenant","action","what"}`. `what` names the thing
//! (`table/id`, `collection/ObjectId`, `s3://bucket/key`), never its content.
//!
//! Set once per process, before any store is read; when the file cannot be opened the
//! command stops rather than run unaudited.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use anyhow::Context;

struct Audit {
    file: Mutex<File>,
    user: String,
    profile: Option<String>,
    tenant: Option<String>,
}

static AUDIT: OnceLock<Audit> = OnceLock::new();

/// The person at the keyboard, as the OS names them.
fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Opens (creating, appending) the audit log for this process.
pub fn install(path: &Path, profile: Option<&str>, tenant: Option<&str>) -> anyhow::Result<()> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the audit log {}", path.display()))?;
    let _ = AUDIT.set(Audit {
        file: Mutex::new(file),
        user: os_user(),
        profile: profile.map(str::to_string),
        tenant: tenant.map(str::to_string),
    });
    Ok(())
}

/// Whether this session is audited.
pub fn enabled() -> bool {
    AUDIT.get().is_some()
}

/// Appends one line: `action` ("show", "copy", "export", "show_other_tenant") on `what`.
pub fn record(action: &str, what: &str) {
    let Some(audit) = AUDIT.get() else {
        return;
    };
    let line = serde_json::json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "user": audit.user,
        "profile": audit.profile,
        "tenant": audit.tenant,
        "action": action,
        "what": what,
    });
    let mut file = audit.file.lock().unwrap_or_else(|p| p.into_inner());
    // Append and flush now: a session that ends abruptly has still said what it showed.
    if let Err(e) = writeln!(file, "{line}").and_then(|()| file.flush()) {
        tracing::error!(error = %e, "could not write the audit log");
    }
}
