//! A session scoped to one tenant (`--tenant ID|SLUG` on the explorer, `tenant = "…"` in
//! a profile). The scope is enforced where the queries are generated: every statement
//! `read.rs` builds for a scoped [`super::read::Live`] carries the tenant's id
//! (`tenant_id = $n`, or `id = $n` for `tenants`), every MongoDB filter carries
//! `tenantId`, and S3 keys outside the tenant's `{tenantId}/` prefix are not read. What
//! lies outside is answered with "not in tenant X" and nothing about it.

use uuid::Uuid;

use super::read::TenantRef;
use crate::schema::Table;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub tenant: TenantRef,
}

impl Scope {
    pub fn new(tenant: TenantRef) -> Scope {
        Scope { tenant }
    }

    pub fn id(&self) -> Uuid {
        self.tenant.id
    }

    /// How the session names its tenant: its slug.
    pub fn slug(&self) -> &str {
        &self.tenant.slug
    }

    /// "not in tenant X": the whole answer about anything outside the scope.
    pub fn refusal(&self, what: &str) -> String {
        format!("{what} not in tenant {}", self.slug())
    }

    /// The column that holds a row's tenant in `table`: `id` for `tenants`, `tenant_id`
    /// where the table has one, None where it has none (its rows are all outside).
    pub fn column(table: &Table) -> Option<&'static str> {
        if table.name == "tenants" {
            Some("id")
        } else if table.foreign_keys.iter().any(|fk| fk.column == "tenant_id") {
            Some("tenant_id")
        } else {
            None
        }
    }

    /// Whether the S3 key is inside the tenant's prefix.
    pub fn holds_key(&self, key: &str) -> bool {
        key.split_once('/')
            .and_then(|(prefix, _)| Uuid::parse_str(prefix).ok())
            == Some(self.id())
    }
}
