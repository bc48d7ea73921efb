//! Where the stores are: flags beat environment variables (clap reads both), and both
//! beat the config file (`$XDG_CONFIG_HOME/tenantscope/config.toml`, or `--config`),
//! whose `[profile.NAME]` tables `--profile NAME` chooses. A value in the file may name
//! an environment variable instead of holding a secret: `pg = "${PROD_PG_URL}"`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

use crate::schema::Overlay;
use crate::schema::effective::{ExtraCollection, ExtraReference};

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

    /// Profile of the config file to use (its [profile.NAME] table).
    #[arg(long, env = "TENANTSCOPE_PROFILE", value_name = "NAME", global = true)]
    pub profile: Option<String>,

    /// Config file (default: $XDG_CONFIG_HOME/tenantscope/config.toml).
    #[arg(long, env = "TENANTSCOPE_CONFIG", value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,

    /// Log file (default: $XDG_STATE_HOME/tenantscope/tenantscope.log; RUST_LOG filters).
    #[arg(long, env = "TENANTSCOPE_LOG", value_name = "PATH", global = true)]
    pub log: Option<PathBuf>,

    /// Cross-store references and key fields the config file adds to the declaration.
    #[arg(skip)]
    pub overlay: Overlay,

    /// The one tenant (id or slug) the session is scoped to: `--tenant` on the explorer
    /// and on get/path/run/diff, or `tenant = "…"` in the profile.
    #[arg(skip)]
    pub scope: Option<String>,

    /// The profile's masks (`mask = ["pii", "content"]`).
    #[arg(skip)]
    pub masks: Vec<String>,

    /// The profile's audit log (`audit_log = "PATH"`).
    #[arg(skip)]
    pub audit_log: Option<PathBuf>,
}

/// One set of settings in the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub pg: Option<String>,
    pub mongo: Option<String>,
    pub bucket: Option<String>,
    pub s3_path_style: Option<bool>,
    /// `[[references]]`: columns holding ObjectIds or S3 keys the declaration lacks.
    #[serde(default)]
    pub references: Vec<ExtraReference>,
    /// `[[collections]]`: a collection's field holding an S3 key.
    #[serde(default)]
    pub collections: Vec<ExtraCollection>,
    /// A support profile's one tenant (id or slug): every session with it is scoped.
    pub tenant: Option<String>,
    /// What a support profile masks: "pii", "content".
    #[serde(default)]
    pub mask: Vec<String>,
    /// Where a support profile appends one JSON line per thing shown, copied or exported.
    pub audit_log: Option<String>,
}

/// The config file: top-level settings, and named profiles.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfigFile {
    #[serde(flatten)]
    pub default: FileSettings,
    #[serde(default)]
    pub profile: BTreeMap<String, FileSettings>,
}

/// `$XDG_CONFIG_HOME/tenantscope/config.toml`, else `~/.config/tenantscope/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("tenantscope").join("config.toml"))
}

/// Replaces `${NAME}` with the environment variable NAME; a missing one is an error.
fn expand(value: &str, lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .context("an unclosed ${ in the config file")?;
        let name = &after[..end];
        let found = lookup(name)
            .with_context(|| format!("the config file names ${{{name}}}, which is not set"))?;
        out.push_str(&found);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl StoreArgs {
    /// Fills what flags and environment left unset from the config file (and profile).
    pub fn with_config_file(self) -> anyhow::Result<StoreArgs> {
        let explicit = self.config.is_some();
        let Some(path) = self.config.clone().or_else(default_config_path) else {
            return Ok(self);
        };
        if !explicit && !path.exists() {
            anyhow::ensure!(
                self.profile.is_none(),
                "--profile {} needs a config file, and {} does not exist",
                self.profile.as_deref().unwrap_or_default(),
                path.display()
            );
            return Ok(self);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        self.merge_file(&path, &text, &|name| std::env::var(name).ok())
    }

    fn merge_file(
        mut self,
        path: &Path,
        text: &str,
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<StoreArgs> {
        let invalid = || format!("{} is not a valid config file", path.display());
        // Typos must not pass silently (serde cannot deny unknown fields beside a flatten).
        let table: toml::Table = toml::from_str(text).with_context(invalid)?;
        const KNOWN: [&str; 10] = [
            "tenant",
            "mask",
            "audit_log",
            "pg",
            "mongo",
            "bucket",
            "s3_path_style",
            "profile",
            "references",
            "collections",
        ];
        if let Some(unknown) = table.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            anyhow::bail!(
                "{}: unknown field `{unknown}` (known: {})",
                invalid(),
                KNOWN.join(", ")
            );
        }
        let file: ConfigFile = toml::from_str(text).with_context(invalid)?;
        let settings = match &self.profile {
            Some(name) => file.profile.get(name).cloned().with_context(|| {
                let known: Vec<_> = file.profile.keys().cloned().collect();
                format!(
                    "{} has no [profile.{name}] (it has: {})",
                    path.display(),
                    known.join(", ")
                )
            })?,
            None => file.default,
        };
        let fill = |current: Option<String>,
                    from_file: Option<String>|
         -> anyhow::Result<Option<String>> {
            match (current, from_file) {
                (Some(v), _) => Ok(Some(v)),
                (None, Some(v)) => expand(&v, lookup).map(Some),
                (None, None) => Ok(None),
            }
        };
        self.pg = fill(self.pg, settings.pg)?;
        self.mongo = fill(self.mongo, settings.mongo)?;
        self.bucket = fill(self.bucket, settings.bucket)?;
        self.s3_path_style = self.s3_path_style.or(settings.s3_path_style);
        // A flag cannot widen the profile's scope: the profile's tenant stays in force
        // (a different --tenant is refused where it is compared, naming both).
        if let Some(tenant) = settings.tenant {
            let tenant = expand(&tenant, lookup)?;
            if let Some(flag) = self
                .scope
                .as_ref()
                .filter(|f| !f.eq_ignore_ascii_case(&tenant))
            {
                anyhow::bail!(
                    "the profile is scoped to tenant {tenant}: --tenant {flag} is not in it"
                );
            }
            self.scope = Some(tenant);
        }
        self.masks = settings.mask;
        if let Some(path) = settings.audit_log {
            self.audit_log = Some(PathBuf::from(expand(&path, lookup)?));
        }
        self.overlay = Overlay {
            references: settings.references,
            collections: settings.collections,
        };
        Ok(self)
    }

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
    use super::*;

    const FILE: &str = r#"
pg = "postgres://local/dev"
bucket = "dev-content"

[profile.prod]
pg = "${PROD_PG}"
mongo = "mongodb://mongo.internal:27017/platform"
bucket = "prod-content"
s3_path_style = false
"#;

    fn lookup(name: &str) -> Option<String> {
        (name == "PROD_PG").then(|| "postgres://reader:secret@prod/platform".to_string())
    }

    #[test]
    fn flags_and_env_beat_the_file_and_profiles_choose_a_table() {
        let path = Path::new("config.toml");
        let from_flags = StoreArgs {
            bucket: Some("flag-bucket".into()),
            ..StoreArgs::default()
        };
        let merged = from_flags.clone().merge_file(path, FILE, &lookup).unwrap();
        assert_eq!(merged.pg.as_deref(), Some("postgres://local/dev"));
        assert_eq!(merged.bucket.as_deref(), Some("flag-bucket"));
        assert_eq!(merged.mongo, None);

        let prod = StoreArgs {
            profile: Some("prod".into()),
            ..from_flags
        }
        .merge_file(path, FILE, &lookup)
        .unwrap();
        assert_eq!(
            prod.pg.as_deref(),
            Some("postgres://reader:secret@prod/platform")
        );
        assert_eq!(
            prod.mongo.as_deref(),
            Some("mongodb://mongo.internal:27017/platform")
        );
        assert_eq!(prod.bucket.as_deref(), Some("flag-bucket"));
        assert_eq!(prod.s3_path_style, Some(false));
    }

    #[test]
    fn unknown_profiles_unset_variables_and_bad_files_are_clear_errors() {
        let path = Path::new("config.toml");
        let missing = StoreArgs {
            profile: Some("staging".into()),
            ..StoreArgs::default()
        };
        let e = missing
            .merge_file(path, FILE, &lookup)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no [profile.staging]") && e.contains("prod"),
            "{e}"
        );
        let unset = StoreArgs {
            profile: Some("prod".into()),
            ..StoreArgs::default()
        };
        let e = unset
            .merge_file(path, FILE, &|_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("${PROD_PG}"), "{e}");
        let e = StoreArgs::default()
            .merge_file(path, "pgg = 1", &lookup)
            .unwrap_err();
        assert!(format!("{e:#}").contains("unknown field"), "{e:#}");
    }

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
