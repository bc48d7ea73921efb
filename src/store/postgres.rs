//! PostgreSQL connection pools.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::Access;
use crate::config::redact_url;

/// Every statement the explorer sends gives up after this long.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);

/// The explorer's pool: read-only, connecting on first use, so the UI opens whether or
/// not the server answers and recovers by itself once it does.
pub fn connect_lazy(url: &str) -> anyhow::Result<PgPool> {
    let options = options(url, Access::ReadOnly)?;
    Ok(PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options))
}

fn options(url: &str, access: Access) -> anyhow::Result<PgConnectOptions> {
    let mut options: PgConnectOptions = url
        .parse()
        .with_context(|| format!("invalid PostgreSQL URL {}", redact_url(url)))?;
    options = options.application_name("tenantscope");
    if access == Access::ReadOnly {
        let timeout_ms = STATEMENT_TIMEOUT.as_millis().to_string();
        options = options.options([
            ("default_transaction_read_only", "on"),
            ("statement_timeout", timeout_ms.as_str()),
        ]);
    }
    Ok(options)
}

/// A pool to `url`. Read-only pools set `default_transaction_read_only`, so the server
/// itself refuses any write, and a statement timeout, so nothing waits forever.
pub async fn connect(url: &str, access: Access, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = options(url, access)?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {}", redact_url(url)))
}
