//! `tenantscope tree`: the explorer's tree as indented text or nested JSON. It is built
//! from the same schema edges (`groups_of`) and the same paged, capped reads
//! (`Source::list`, `Source::count`) as the interactive tree, so both show the same rows.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;
use uuid::Uuid;

use crate::outline::{COUNT_CAP, PAGE_SIZE, groups_of};
use crate::schema::Table;
use crate::store::read::{Count, Listing, TenantRef, label};
use crate::store::source::Source;
use crate::text::{clean_line, thousands};

/// A row and, when opened, its non-empty child groups.
#[derive(Debug, Serialize)]
pub struct RowNode {
    pub table: &'static str,
    pub id: Uuid,
    pub label: String,
    pub status: Option<String>,
    /// Empty when the row is deeper than `--depth` or has no children.
    pub groups: Vec<GroupNode>,
}

/// A child group: its first page of rows.
#[derive(Debug, Serialize)]
pub struct GroupNode {
    pub title: &'static str,
    pub table: &'static str,
    /// The foreign key column the rows hang from (None for the tenants list).
    pub column: Option<&'static str>,
    /// Rows in the group, counting at most `COUNT_CAP`.
    pub count: u64,
    /// More than `count` rows.
    pub capped: bool,
    pub rows: Vec<RowNode>,
    /// The group has rows past this first page.
    pub more: bool,
    /// Its table has no `created_at`: rows are in id order, not newest first.
    pub ordered_by_id: bool,
}

/// The tree under one tenant, `depth` levels of groups deep.
pub async fn tenant(source: &Source, tenant: &TenantRef, depth: u32) -> anyhow::Result<RowNode> {
    let tenants = source
        .schema()
        .table("tenants")
        .context("this database has no tenants table")?;
    let fields = source
        .row(tenants, tenant.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant {} disappeared", tenant.id))?;
    let value = |column: &str| {
        fields
            .iter()
            .find(|f| f.column == column)
            .and_then(|f| f.value.clone())
    };
    let values: Vec<_> = tenants.label.iter().map(|c| value(c)).collect();
    Ok(RowNode {
        table: tenants.name,
        id: tenant.id,
        label: label(tenants, &values),
        status: tenants.status.and_then(value),
        groups: groups(source, tenants, tenant.id, depth).await?,
    })
}

/// The first page of tenants, each opened `depth - 1` levels of groups deep.
pub async fn tenants(source: &Source, depth: u32) -> anyhow::Result<GroupNode> {
    let listing = Listing::tenants(source.schema());
    let count = source.count(&listing, COUNT_CAP).await?;
    group(source, listing, "Tenants", None, count, depth).await
}

/// The child groups of a row that have rows, each with its first page, when `depth` > 0.
fn groups<'a>(
    source: &'a Source,
    table: &'static Table,
    id: Uuid,
    depth: u32,
) -> BoxFuture<'a, anyhow::Result<Vec<GroupNode>>> {
    async move {
        let mut groups = Vec::new();
        if depth == 0 {
            return Ok(groups);
        }
        for spec in groups_of(source.schema(), table) {
            let listing = spec.listing(id);
            let count = source.count(&listing, COUNT_CAP).await?;
            // Like the explorer, empty groups are not shown.
            if count.n > 0 {
                let title = spec.table.title;
                groups.push(group(source, listing, title, Some(spec.column), count, depth).await?);
            }
        }
        Ok(groups)
    }
    .boxed()
}

async fn group(
    source: &Source,
    listing: Listing,
    title: &'static str,
    column: Option<&'static str>,
    count: Count,
    depth: u32,
) -> anyhow::Result<GroupNode> {
    let table = listing.table();
    let page = source.list(&listing, None, PAGE_SIZE).await?;
    let mut rows = Vec::with_capacity(page.items.len());
    for item in page.items {
        rows.push(RowNode {
            table: table.name,
            id: item.id,
            label: item.label,
            status: item.status,
            groups: groups(source, table, item.id, depth.saturating_sub(1)).await?,
        });
    }
    Ok(GroupNode {
        title,
        table: table.name,
        column,
        count: count.n,
        capped: count.capped,
        rows,
        more: page.next.is_some(),
        ordered_by_id: !table.created_at,
    })
}

/// `label [status] id`, with stored text made safe for a terminal.
fn row_line(row: &RowNode) -> String {
    let mut parts = Vec::new();
    if !row.label.is_empty() {
        parts.push(clean_line(&row.label, 80));
    }
    if let Some(status) = &row.status {
        parts.push(format!("[{}]", clean_line(status, 40)));
    }
    parts.push(row.id.to_string());
    parts.join(" ")
}

/// `Goals (12)`, or `Activities (1,000+)` past the cap; `Scores · by id (no created_at)
/// (90)` as the explorer says it when the order is not by time.
fn group_line(group: &GroupNode) -> String {
    let plus = if group.capped { "+" } else { "" };
    let order = if group.ordered_by_id {
        " · by id (no created_at)"
    } else {
        ""
    };
    format!("{}{order} ({}{plus})", group.title, thousands(group.count))
}

/// The text form: two spaces per level.
pub fn render_row(row: &RowNode, level: usize, out: &mut String) {
    out.push_str(&format!("{}{}\n", "  ".repeat(level), row_line(row)));
    for group in &row.groups {
        render_group(group, level + 1, out);
    }
}

pub fn render_group(group: &GroupNode, level: usize, out: &mut String) {
    out.push_str(&format!("{}{}\n", "  ".repeat(level), group_line(group)));
    for row in &group.rows {
        render_row(row, level + 1, out);
    }
    if group.more {
        out.push_str(&format!("{}… more\n", "  ".repeat(level + 1)));
    }
}

/// Prints the tree under `tenant` (or the tenants), `depth` levels of groups deep.
pub async fn tree(
    source: &Source,
    root: Option<&TenantRef>,
    depth: Option<u32>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    let encoded = match root {
        Some(root) => {
            let root = tenant(source, root, depth.unwrap_or(2)).await?;
            render_row(&root, 0, &mut text);
            serde_json::to_string_pretty(&root)
        }
        None => {
            let root = tenants(source, depth.unwrap_or(1)).await?;
            render_group(&root, 0, &mut text);
            serde_json::to_string_pretty(&root)
        }
    }
    .context("cannot encode the tree")?;
    let out = if json { encoded + "\n" } else { text };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}
