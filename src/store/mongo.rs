//! MongoDB connections.

use std::time::Duration;

use anyhow::Context;
use mongodb::bson::{Document, doc};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use uuid::Uuid;

use crate::config::redact_url;

/// The driver's options for `uri`: every option of the URI (`replicaSet`,
/// `readPreference`, `authSource`, `tls`, `directConnection`, ...) as the driver parses
/// it, plus tenantscope's application name and timeouts where the URI sets none.
pub async fn options(uri: &str) -> anyhow::Result<ClientOptions> {
    let mut options = ClientOptions::parse(uri)
        .await
        .with_context(|| format!("invalid MongoDB URI {}", redact_url(uri)))?;
    options.app_name = Some("tenantscope".into());
    options
        .connect_timeout
        .get_or_insert(Duration::from_secs(5));
    options
        .server_selection_timeout
        .get_or_insert(Duration::from_secs(10));
    Ok(options)
}

/// The database named in the path of `uri` (mongodb://host:27017/platform).
pub async fn connect(uri: &str) -> anyhow::Result<Database> {
    let shown = redact_url(uri);
    let options = options(uri).await?;
    let database = options.default_database.clone().with_context(|| {
        format!("MongoDB URI {shown} names no database: add it to the path, e.g. mongodb://host:27017/platform")
    })?;
    let client =
        Client::with_options(options).with_context(|| format!("cannot use MongoDB URI {shown}"))?;
    Ok(client.database(&database))
}

/// What `buildInfo` says the server is.
pub struct BuildInfo {
    /// The MongoDB version the server speaks.
    pub version: String,
    /// FerretDB's own version, when the server is FerretDB (it reports both).
    pub ferretdb: Option<String>,
}

pub async fn build_info(db: &Database) -> anyhow::Result<BuildInfo> {
    let build: Document = db
        .run_command(doc! { "buildInfo": 1 })
        .await
        .context("buildInfo")?;
    Ok(BuildInfo {
        version: build.get_str("version").unwrap_or("?").to_string(),
        ferretdb: build.get_str("ferretdbVersion").ok().map(str::to_string),
    })
}

/// A document's tenant: its `tenantId` when that is a UUID, spaces around it ignored.
/// The explorer (which withholds another tenant's documents) and `check` (which reports
/// them) read it through this one function, so they agree on whose a document is.
pub fn document_tenant(document: &Document) -> Option<Uuid> {
    Uuid::parse_str(document.get_str("tenantId").ok()?.trim()).ok()
}

#[cfg(test)]
mod tests {
    use mongodb::options::{ReadPreference, SelectionCriteria, Tls};

    use super::*;

    #[tokio::test]
    async fn replica_set_uris_reach_the_driver_untouched() {
        let uri = "mongodb://reader:s3cret@db1.example:27017,db2.example:27018/platform\
                   ?replicaSet=rs0&readPreference=secondaryPreferred&authSource=admin\
                   &tls=true&directConnection=false";
        let o = options(uri).await.unwrap();
        assert_eq!(o.hosts.len(), 2);
        assert_eq!(o.repl_set_name.as_deref(), Some("rs0"));
        assert!(
            matches!(
                &o.selection_criteria,
                Some(SelectionCriteria::ReadPreference(
                    ReadPreference::SecondaryPreferred { .. }
                ))
            ),
            "{:?}",
            o.selection_criteria
        );
        let credential = o.credential.as_ref().expect("a credential");
        assert_eq!(credential.username.as_deref(), Some("reader"));
        assert_eq!(credential.source.as_deref(), Some("admin"));
        assert!(matches!(o.tls, Some(Tls::Enabled(_))), "{:?}", o.tls);
        assert_eq!(o.direct_connection, Some(false));
        assert_eq!(o.default_database.as_deref(), Some("platform"));
        // tenantscope adds its name and timeouts, and nothing else.
        assert_eq!(o.app_name.as_deref(), Some("tenantscope"));
        // The database opens without a server (the driver connects in the background).
        let db = connect(uri).await.unwrap();
        assert_eq!(db.name(), "platform");
        assert!(matches!(
            db.selection_criteria(),
            Some(SelectionCriteria::ReadPreference(
                ReadPreference::SecondaryPreferred { .. }
            ))
        ));
    }

    #[test]
    fn a_document_tenant_is_its_tenant_id_as_a_uuid() {
        let t = Uuid::from_u128(7);
        assert_eq!(
            document_tenant(&doc! { "tenantId": t.to_string() }),
            Some(t)
        );
        assert_eq!(
            document_tenant(&doc! { "tenantId": format!(" {t}\n") }),
            Some(t)
        );
        assert_eq!(document_tenant(&doc! { "tenantId": "acme" }), None);
        assert_eq!(document_tenant(&doc! { "tenantId": 7 }), None);
        assert_eq!(document_tenant(&doc! {}), None);
    }

    #[tokio::test]
    async fn direct_connections_and_uri_timeouts_are_kept() {
        let uri = "mongodb://db1.example:27017/platform?directConnection=true&tls=false\
                   &readPreference=secondary&connectTimeoutMS=1500";
        let o = options(uri).await.unwrap();
        assert_eq!(o.direct_connection, Some(true));
        assert!(matches!(o.tls, Some(Tls::Disabled)), "{:?}", o.tls);
        assert!(matches!(
            &o.selection_criteria,
            Some(SelectionCriteria::ReadPreference(
                ReadPreference::Secondary { .. }
            ))
        ));
        assert_eq!(o.connect_timeout, Some(Duration::from_millis(1500)));
        assert!(o.repl_set_name.is_none());
    }
}
