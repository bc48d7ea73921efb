//! Every query shape the explorer can send to PostgreSQL, generated from a schema: each
//! child group's pages (first and later, with and without status and text filters), its
//! capped count, rows by id and by reference column, the tenant picker and `--tenant`.
//! `tests/plans.rs` EXPLAINs them on our schema and `tenantscope doctor` on the user's,
//! so the two cannot disagree about what "every query" is. Each shape names the index
//! that would serve it.

use uuid::Uuid;

use crate::outline::{COUNT_CAP, PAGE_SIZE, groups_of};
use crate::schema::{Schema, Table};
use crate::store::ancestry::{MAX_DEPTH, ancestry_statement};
use crate::store::read::{
    Cursor, Filter, Listing, Statement, count_statement_in, items_statement_in, list_statement_in,
    row_outside_statement, row_statement_in, tenant_statement, tenants_statement_in,
};
use crate::store::scope::Scope;

/// One query shape: what it is, the table it reads, what it serves, and the index that
/// would serve it.
#[derive(Debug, Clone)]
pub struct Shape {
    /// "goals under strategies /status:failed: later page".
    pub name: String,
    /// The table it reads.
    pub table: &'static str,
    /// What a person sees it in: "Goals under strategies (strategy_id)", "rows by id".
    pub serves: String,
    /// The index definition (after `on TABLE`) that serves it: `(strategy_id, created_at
    /// desc, id desc)`.
    pub index: String,
    /// The column a group's shapes select its rows by (its parent's foreign key).
    pub column: Option<&'static str>,
    pub statement: Statement,
}

impl Shape {
    /// The statement that would create the index serving this shape without blocking
    /// writes (printed for a person to run, never run by tenantscope).
    pub fn create_index(&self) -> String {
        format!("create index concurrently on {} {}", self.table, self.index)
    }
}

/// `(column, created_at desc, id desc)`, or `(column, id desc)` without `created_at`.
fn group_index(table: &Table, column: &str) -> String {
    if table.created_at {
        format!("({column}, created_at desc, id desc)")
    } else {
        format!("({column}, id desc)")
    }
}

/// Every shape `schema` generates. `parent` and `tenant` are bound where a shape takes
/// an id (any uuid plans the same; a real one gives the planner real statistics).
pub fn shapes(schema: &Schema, parent: Uuid, tenant: Uuid) -> Vec<Shape> {
    shapes_in(schema, parent, tenant, None)
}

/// Every statement a session scoped to `scope` sends that differs from the unscoped
/// one: each of [`shapes`] with the tenant's predicate added (named "scoped: …"), and
/// what only a scoped session asks: a row's fields within the tenant, whether a row is
/// outside it, the ancestry walk within it. The `--tenant` lookups run before the scope
/// exists and are the same.
pub fn scoped_shapes(schema: &Schema, parent: Uuid, scope: &Scope) -> Vec<Shape> {
    let mut out: Vec<Shape> = shapes_in(schema, parent, scope.id(), Some(scope))
        .into_iter()
        .filter(|s| !s.name.starts_with("tenant by "))
        .map(|s| Shape {
            name: format!("scoped: {}", s.name),
            ..s
        })
        .collect();
    for table in schema.tables {
        out.push(Shape {
            name: format!("scoped: {} row fields", table.name),
            table: table.name,
            serves: format!("{} rows in the panes", table.name),
            index: "(id)".into(),
            column: None,
            statement: row_statement_in(table, parent, Some(scope), false),
        });
        out.push(Shape {
            name: format!("scoped: {} row outside", table.name),
            table: table.name,
            serves: "a link outside the tenant".into(),
            index: "(id)".into(),
            column: None,
            statement: row_outside_statement(table, parent, scope),
        });
    }
    if let Some(activities) = schema.table("activities") {
        out.push(Shape {
            name: "scoped: ancestry".into(),
            table: "activities",
            serves: "a jump's place in the tree".into(),
            index: "(id)".into(),
            column: None,
            statement: ancestry_statement(schema, activities, parent, MAX_DEPTH, Some(scope)),
        });
    }
    out
}

/// [`shapes`] as a session within `scope` (None: every tenant) sends them.
fn shapes_in(schema: &Schema, parent: Uuid, tenant: Uuid, scope: Option<&Scope>) -> Vec<Shape> {
    let cursor = Some(Cursor {
        created_at: chrono::Utc::now(),
        id: Uuid::nil(),
    });
    let mut out = Vec::new();
    // (name, what it serves, the index, the listing)
    let mut listings: Vec<(String, String, String, Listing)> = Vec::new();
    let column_of = |listing: &Listing| match listing {
        Listing::Children { column, .. } => Some(*column),
        _ => None,
    };
    if let Some(tenants) = schema.table("tenants") {
        listings.push((
            "tenants".into(),
            "the tenants at the root".into(),
            "(created_at desc, id desc)".into(),
            Listing::Tenants(tenants),
        ));
    }
    for table in schema.tables {
        for spec in groups_of(schema, table) {
            listings.push((
                format!("{} under {}", spec.table.name, table.name),
                format!(
                    "{} under {} ({})",
                    spec.table.title, table.name, spec.column
                ),
                group_index(spec.table, spec.column),
                spec.listing(parent),
            ));
        }
    }
    // `:failed` and `:stuck`: a tenant's runs by status.
    if let Some(runs) = schema.table("activity_runs") {
        let index = match runs.status {
            Some(status) if runs.created_at => {
                format!("(tenant_id, {status}, created_at desc, id desc)")
            }
            _ => group_index(runs, "tenant_id"),
        };
        listings.push((
            "runs of a tenant".into(),
            ":failed and :stuck (a tenant's runs by status)".into(),
            index,
            Listing::Children {
                table: runs,
                column: "tenant_id",
                parent: tenant,
                null_column: None,
            },
        ));
    }
    for (name, serves, index, listing) in listings {
        let table = listing.table();
        // The listing's own table (a tenants listing reads the tenants table it holds).
        let table_name = table.name;
        let shape = |name: String, statement: Statement| Shape {
            name,
            table: table_name,
            serves: serves.clone(),
            index: index.clone(),
            column: column_of(&listing),
            statement,
        };
        let mut variants = vec![(name.clone(), listing.clone())];
        if table.status.is_some() {
            let one = Filter::parse("status:failed");
            let two = Filter::parse("status:failed,timed_out");
            let mut stuck = Filter::parse("status:running");
            if table.name == "activity_runs" {
                stuck.started_before = Some(chrono::Utc::now());
            }
            variants.push((format!("{name} /status:failed"), listing.with_filter(one)));
            variants.push((format!("{name} /status:a,b"), listing.with_filter(two)));
            variants.push((
                format!("{name} /status:running+time"),
                listing.with_filter(stuck),
            ));
        }
        variants.push((
            format!("{name} /text"),
            listing.with_filter(Filter::parse("acme")),
        ));
        // Groups are counted unfiltered (a filtered group shows no count).
        out.push(shape(
            format!("{name}: count"),
            count_statement_in(&listing, COUNT_CAP, scope),
        ));
        for (name, listing) in variants {
            out.push(shape(
                format!("{name}: first page"),
                list_statement_in(&listing, None, PAGE_SIZE, scope),
            ));
            out.push(shape(
                format!("{name}: later page"),
                list_statement_in(&listing, cursor, PAGE_SIZE, scope),
            ));
        }
    }
    for table in schema.tables {
        out.push(Shape {
            name: format!("{} by id", table.name),
            table: table.name,
            serves: format!("{} rows by id (links, get, path)", table.name),
            index: "(id)".into(),
            column: None,
            statement: items_statement_in(table, "id", &Uuid::nil().to_string(), 1, scope),
        });
        for reference in table.references {
            let column = reference.column();
            out.push(Shape {
                name: format!("{} by {column}", table.name),
                table: table.name,
                serves: format!("the row pointing at a document or object ({column})"),
                index: format!("({column}) where {column} is not null"),
                column: None,
                statement: items_statement_in(table, column, "6a5f0c2e9b1d4e7f8a9b0c1d", 20, scope),
            });
        }
    }
    if schema.table("tenants").is_some() {
        let (by_slug, by_id) = (
            tenant_statement(schema, "Northwind-Ledger"),
            tenant_statement(schema, &Uuid::nil().to_string()),
        );
        let picker = |name: &str, statement| Shape {
            name: name.into(),
            table: "tenants",
            serves: "the tenant picker".into(),
            index: "(created_at desc, id desc)".into(),
            column: None,
            statement,
        };
        out.push(picker(
            "tenant picker: first page",
            tenants_statement_in(schema, None, scope),
        ));
        out.push(picker(
            "tenant picker: later page",
            tenants_statement_in(schema, cursor, scope),
        ));
        // `--tenant SLUG` ignores case (lower(slug), its expression index); `--tenant ID`.
        out.extend(by_slug.map(|statement| Shape {
            name: "tenant by slug".into(),
            table: "tenants",
            serves: "--tenant SLUG".into(),
            index: "(lower(slug))".into(),
            column: None,
            statement,
        }));
        out.extend(by_id.map(|statement| Shape {
            name: "tenant by id".into(),
            table: "tenants",
            serves: "--tenant ID".into(),
            index: "(id)".into(),
            column: None,
            statement,
        }));
    }
    out
}

/// The relation of every `Seq Scan` node of an EXPLAIN (format json) plan.
pub fn seq_scans(plan: &serde_json::Value) -> Vec<String> {
    fn walk(plan: &serde_json::Value, out: &mut Vec<String>) {
        match plan {
            serde_json::Value::Object(node) => {
                if node.get("Node Type").and_then(serde_json::Value::as_str) == Some("Seq Scan") {
                    out.push(
                        node.get("Relation Name")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or("?")
                            .to_string(),
                    );
                }
                node.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(plan, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_group_has_its_shapes_and_an_index() {
        let shapes = shapes(Schema::declared(), Uuid::nil(), Uuid::nil());
        assert!(shapes.len() > 250, "{}", shapes.len());
        let goals = shapes
            .iter()
            .find(|s| s.name == "goals under strategies: first page")
            .expect("goals under strategies");
        assert_eq!(goals.table, "goals");
        assert_eq!(
            goals.create_index(),
            "create index concurrently on goals (strategy_id, created_at desc, id desc)"
        );
        assert!(goals.statement.sql.contains("strategy_id = $1"));
    }
}
