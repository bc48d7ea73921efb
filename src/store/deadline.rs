//! Every store call has a deadline, whatever the server does, and its error becomes one
//! line of text that a pane, a status line or a CLI can show.

use std::time::Duration;

/// No load waits longer than this, whatever the store does.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// How a failure for a schema reason starts: the database answered, but the query
/// named what it does not have (see [`is_schema_error`]). Not an outage.
pub const SCHEMA_MISMATCH: &str = "schema mismatch";

/// Whether `error` is PostgreSQL refusing a query for a schema reason: SQLSTATE class
/// 42 (undefined column or table, a type mismatch, a missing privilege).
pub fn is_schema_error(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .and_then(sqlx::Error::as_database_error)
            .and_then(|e| e.code())
            .is_some_and(|code| code.starts_with("42"))
    })
}

/// An error as one line: its context chain joined by `: `, a link that only repeats
/// the one before left out, and a database error as the server's message and SQLSTATE
/// (sqlx prints it twice, each time with the server's own C source line).
pub fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let database = cause
            .downcast_ref::<sqlx::Error>()
            .and_then(sqlx::Error::as_database_error);
        if let Some(db) = database {
            let code = db
                .code()
                .map(|c| format!(" (SQLSTATE {c})"))
                .unwrap_or_default();
            parts.push(format!("{}{code}", db.message()));
            break;
        }
        let text = cause.to_string();
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Whether a failure's text (from [`bounded`]) says the store is down: not when it
/// was a schema mismatch, which the group or hop shows instead.
pub fn is_outage(failure: &str) -> bool {
    !failure.starts_with(SCHEMA_MISMATCH)
}

/// Awaits `future` for at most [`LOAD_TIMEOUT`], turning errors into one-line strings.
pub async fn bounded<T>(future: impl Future<Output = anyhow::Result<T>>) -> Result<T, String> {
    bounded_for(LOAD_TIMEOUT, future).await
}

pub async fn bounded_for<T>(
    limit: Duration,
    future: impl Future<Output = anyhow::Result<T>>,
) -> Result<T, String> {
    let started = std::time::Instant::now();
    let result = match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) if is_schema_error(&e) => Err(format!("{SCHEMA_MISMATCH}: {}", one_line(&e))),
        Ok(Err(e)) => Err(one_line(&e)),
        Err(_) => Err(format!("timed out after {} s", limit.as_secs())),
    };
    let ms = started.elapsed().as_secs_f64() * 1e3;
    match &result {
        Ok(_) => tracing::debug!(ms, "load done"),
        Err(e) => tracing::warn!(ms, error = %e, "load failed"),
    }
    result
}
