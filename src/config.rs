//! Where the stores are: flags beat environment variables (clap reads both).

use clap::Args;

/// Connection settings shared by the explorer and the development commands.
#[derive(Debug, Clone, Default, Args)]
pub struct StoreArgs {
    /// PostgreSQL URL, e.g. postgres://user@host:5432/db
    #[arg(long = "pg", env = "TENANTSCOPE_PG", value_name = "URL", global = true)]
    pub pg: Option<String>,

    /// MongoDB URI with the database name in its path, e.g. mongodb://host:27017/platform
    #[arg(
        long = "mongo",
        env = "TENANTSCOPE_MONGO",
        value_name = "URI",
        global = true
    )]
    pub mongo: Option<String>,

    /// S3 bucket holding the content. Endpoint, region and credentials come from the
    /// standard AWS settings (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_PROFILE, ...).
    #[arg(
        long = "bucket",
        env = "TENANTSCOPE_BUCKET",
        value_name = "NAME",
        global = true
    )]
    pub bucket: Option<String>,

    /// Address buckets by path (http://host/bucket/key), as non-AWS servers want.
    /// Defaults to on when a custom S3 endpoint is set.
    #[arg(
        long = "s3-path-style",
        env = "TENANTSCOPE_S3_PATH_STYLE",
        value_name = "BOOL",
        global = true
    )]
    pub s3_path_style: Option<bool>,
}

impl StoreArgs {
    pub fn require_pg(&self) -> anyhow::Result<&str> {
        self.pg.as_deref().ok_or_else(|| {
            anyhow::anyhow!("no PostgreSQL configured: pass --pg URL or set TENANTSCOPE_PG")
        })
    }

    pub fn require_mongo(&self) -> anyhow::Result<&str> {
        self.mongo.as_deref().ok_or_else(|| {
            anyhow::anyhow!("no MongoDB configured: pass --mongo URI or set TENANTSCOPE_MONGO")
        })
    }

    pub fn require_bucket(&self) -> anyhow::Result<&str> {
        self.bucket.as_deref().ok_or_else(|| {
            anyhow::anyhow!("no S3 bucket configured: pass --bucket NAME or set TENANTSCOPE_BUCKET")
        })
    }
}

/// `url` with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_masked_and_the_rest_kept() {
        assert_eq!(
            redact_url("postgres://app:s3cr@t@db:5432/x?sslmode=require"),
            "postgres://app:***@db:5432/x?sslmode=require"
        );
        assert_eq!(redact_url("mongodb://h:27017/db"), "mongodb://h:27017/db");
        assert_eq!(redact_url("postgres://me@h/db"), "postgres://me@h/db");
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
