//! Every store call has a deadline, whatever the server does, and its error becomes one
//! line of text that a pane, a status line or a CLI can show.

use std::time::Duration;

/// No load waits longer than this, whatever the store does.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(20);

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
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => Err(format!("timed out after {} s", limit.as_secs())),
    };
    let ms = started.elapsed().as_secs_f64() * 1e3;
    match &result {
        Ok(_) => tracing::debug!(ms, "load done"),
        Err(e) => tracing::warn!(ms, error = %e, "load failed"),
    }
    result
}
