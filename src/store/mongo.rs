//! MongoDB connections.

use std::time::Duration;

use anyhow::Context;
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

use crate::config::redact_url;

/// The database named in the path of `uri` (mongodb://host:27017/platform).
pub async fn connect(uri: &str) -> anyhow::Result<Database> {
    let shown = redact_url(uri);
    let mut options = ClientOptions::parse(uri)
        .await
        .with_context(|| format!("invalid MongoDB URI {shown}"))?;
    options.app_name = Some("tenantscope".into());
    options
        .connect_timeout
        .get_or_insert(Duration::from_secs(5));
    options
        .server_selection_timeout
        .get_or_insert(Duration::from_secs(10));
    let database = options.default_database.clone().with_context(|| {
        format!("MongoDB URI {shown} names no database: add it to the path, e.g. mongodb://host:27017/platform")
    })?;
    let client =
        Client::with_options(options).with_context(|| format!("cannot use MongoDB URI {shown}"))?;
    Ok(client.database(&database))
}
