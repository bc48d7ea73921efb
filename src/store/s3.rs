//! S3 clients, configured through the standard AWS chain.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::Client;

/// A client for the configured endpoint. Path-style addressing is used when asked, and
/// by default whenever a custom endpoint is set (MinIO, Garage, Ceph... want it).
pub async fn connect(path_style: Option<bool>) -> Client {
    let shared = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let mut builder =
        aws_sdk_s3::config::Builder::from(&shared).force_path_style(uses_path_style(path_style));
    if shared.region().is_none() {
        builder = builder.region(Region::new("us-east-1"));
    }
    Client::from_conf(builder.build())
}

/// The custom endpoint from the environment (`AWS_ENDPOINT_URL_S3`, else
/// `AWS_ENDPOINT_URL`), if any.
pub fn custom_endpoint() -> Option<String> {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// Whether [`connect`] addresses buckets by path: as asked, else whenever a custom
/// endpoint is set.
pub fn uses_path_style(path_style: Option<bool>) -> bool {
    path_style.unwrap_or(custom_endpoint().is_some())
}
