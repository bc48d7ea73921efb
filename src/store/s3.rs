//! S3 clients, configured through the standard AWS chain.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::Client;

/// A client for the configured endpoint. Path-style addressing is used when asked, and
/// by default whenever a custom endpoint is set (MinIO, Garage, Ceph... want it).
pub async fn connect(path_style: Option<bool>) -> Client {
    let shared = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let custom_endpoint = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
        || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let mut builder = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(path_style.unwrap_or(custom_endpoint));
    if shared.region().is_none() {
        builder = builder.region(Region::new("us-east-1"));
    }
    Client::from_conf(builder.build())
}
