//! The statements of `check`, generated from the effective schema. Public for the plan
//! test (`tests/plans.rs`). With a tenant, `$1` is its id.

use crate::schema::{ForeignKey, Reference, Table};

/// Rows per keyset page of S3 keys.
pub const ROW_PAGE: i64 = 1000;

/// The column of `fk.target` that names the tenant a target row belongs to: a tenant is
/// its own tenant.
fn owner(fk: &ForeignKey) -> &'static str {
    if fk.target == "tenants" {
        "id"
    } else {
        "tenant_id"
    }
}

fn scope(tenant: bool) -> &'static str {
    if tenant { "c.tenant_id = $1" } else { "true" }
}

/// The table's rows and, per foreign key (schema order), its values that are not NULL:
/// `(bigint, bigint[])`. One pass over the tenant's rows (its tenant index), or the table.
pub fn count_sql(table: &Table, tenant: bool) -> String {
    let counts: Vec<_> = table
        .foreign_keys
        .iter()
        .map(|fk| format!("count(c.{})", fk.column))
        .collect();
    let counts = if counts.is_empty() {
        "'{}'::bigint[]".to_string()
    } else {
        format!("array[{}]::bigint[]", counts.join(", "))
    };
    format!(
        "select count(*)::bigint, {counts} from {} c where {}",
        table.name,
        scope(tenant)
    )
}

/// The rows whose foreign key `fk` does not lead to a row of their own tenant, and only
/// those: an anti-join of the rows (the tenant's, by its index) against the target's
/// primary key, which the planner can run as one hash or merge anti join instead of a
/// probe per row. For each row returned, its id, its tenant, the key's value and the
/// tenant of the row it names (NULL when there is none: an orphan), read by primary key
/// for these few rows only. A validated constraint leaves only the second kind.
pub fn foreign_key_sql(table: &Table, fk: &ForeignKey, tenant: bool) -> String {
    let owner = owner(fk);
    format!(
        "select c.id, c.tenant_id, c.{column}, \
         (select p.{owner} from {target} p where p.id = c.{column}) \
         from {table} c \
         where {scope} and c.{column} is not null \
         and not exists (select 1 from {target} p where p.id = c.{column} and p.{owner} = c.tenant_id)",
        column = fk.column,
        target = fk.target,
        table = table.name,
        scope = scope(tenant),
    )
}

/// One keyset page of the rows holding an S3 key: id, created_at, tenant_id and the key
/// values (schema order, as text). With a tenant, its `(tenant_id, created_at desc, id
/// desc)` index (`$2`, `$3` the last row of the previous page); without, the primary key
/// (`$1`). The keyset is left out of the first page rather than made optional with an
/// OR, which would keep the planner from using it as an index bound.
pub fn key_page_sql(table: &Table, tenant: bool, first: bool) -> String {
    let keys: Vec<_> = s3_columns(table).collect();
    let values: Vec<_> = keys.iter().map(|c| format!("c.{c}::text")).collect();
    let any: Vec<_> = keys.iter().map(|c| format!("c.{c} is not null")).collect();
    let (scope, order) = match (tenant, first) {
        (true, true) => ("c.tenant_id = $1", "c.created_at desc, c.id desc"),
        (true, false) => (
            "c.tenant_id = $1 and (c.created_at, c.id) < ($2, $3)",
            "c.created_at desc, c.id desc",
        ),
        (false, true) => ("true", "c.id"),
        (false, false) => ("c.id > $1", "c.id"),
    };
    format!(
        "select c.id, c.created_at, c.tenant_id, array[{}]::text[] from {} c \
         where {scope} and ({}) order by {order} limit {ROW_PAGE}",
        values.join(", "),
        table.name,
        any.join(" or "),
    )
}

/// The merge join's row side, whole and in order: the rows holding a value in `column`,
/// ordered by it (and by id, for a stable order of rows holding the same value). One
/// statement streamed, not keyset pages: a page on `(column, id)` with only the
/// column's partial index to go on costs a random heap read per row, a whole pass
/// costs one scan and one sort, whichever the planner finds cheaper.
pub fn join_sql(table: &Table, column: &str, tenant: bool) -> String {
    format!(
        "select c.id, c.tenant_id, c.{column}::text from {} c \
         where c.{column} is not null and {} order by c.{column}, c.id",
        table.name,
        scope(tenant),
    )
}

/// The S3 key columns of `table`, in schema order.
pub fn s3_columns(table: &Table) -> impl Iterator<Item = &'static str> + '_ {
    table.references.iter().filter_map(|r| match r {
        Reference::S3 { column } => Some(*column),
        Reference::Mongo { .. } => None,
    })
}
