//! The questions behind the result lists: what points at a row, where LLM money went,
//! where an id was found. Each returns lines that lead to rows; nothing here draws.

use anyhow::{anyhow, bail};
use futures::future::join_all;
use uuid::Uuid;

use super::results::ResultLine;
use crate::find::{Clue, Found, Place, find};
use crate::outline::COUNT_CAP;
use crate::schema::Table;
use crate::store::read::{Item, Listing};
use crate::store::scope::Scope;
use crate::store::source::Source;
use crate::text::{clean_line, thousands};

/// Rows listed under each heading.
const ROWS_PER_HEADING: u32 = 10;

fn item_text(item: &Item) -> String {
    match &item.status {
        Some(status) => format!("  {} [{status}]", item.label),
        None => format!("  {}", item.label),
    }
}

/// The tenant a triage question (`:cost`, `:broken`) may be about: any unscoped; in a
/// scoped session its own only, anything else "not in tenant X".
pub fn in_scope(source: &Source, tenant: Uuid) -> anyhow::Result<Uuid> {
    match source.scope() {
        Some(scope) if scope.id() != tenant => Err(anyhow!(scope.refusal(&tenant.to_string()))),
        _ => Ok(tenant),
    }
}

/// Every row whose foreign key names `table`/`id`, grouped by `table.column` with a
/// (capped) count and the newest rows of each. In a scoped session a row outside the
/// tenant (or none) is "not in tenant X", and the rows listed are the tenant's only
/// (every query carries its id).
pub async fn referrers_of_row(
    source: &Source,
    table: &'static Table,
    id: Uuid,
) -> anyhow::Result<Vec<ResultLine>> {
    if let Some(scope) = source.scope()
        && source.item(table, id).await?.is_none()
    {
        bail!(scope.refusal(&id.to_string()));
    }
    let edges: Vec<(&'static Table, &'static str)> = source
        .schema()
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys
                .iter()
                .filter(|fk| fk.target == table.name)
                .map(move |fk| (t, fk.column))
        })
        .collect();
    let listings: Vec<Listing> = edges
        .iter()
        .map(|(t, column)| Listing::Children {
            table: t,
            column,
            parent: id,
            null_column: None,
        })
        .collect();
    let counted = join_all(listings.iter().map(|l| async move {
        let count = source.count(l, COUNT_CAP).await?;
        let page = if count.n > 0 {
            source.list(l, None, ROWS_PER_HEADING).await?.items
        } else {
            Vec::new()
        };
        anyhow::Ok((count, page))
    }))
    .await;
    let mut lines = Vec::new();
    for ((child, column), result) in edges.iter().zip(counted) {
        let (count, items) = result?;
        if count.n == 0 {
            continue;
        }
        let n = thousands(count.n) + if count.capped { "+" } else { "" };
        lines.push(ResultLine::heading(format!(
            "{}.{column} ({n})",
            child.name
        )));
        for item in items {
            lines.push(ResultLine::row(item_text(&item), child, item.id));
        }
        if count.n > u64::from(ROWS_PER_HEADING) {
            lines.push(ResultLine::heading(
                "  … the rest under the row's groups in the tree",
            ));
        }
    }
    if lines.is_empty() {
        lines.push(ResultLine::heading(format!(
            "no row points at {}/{id}",
            table.name
        )));
    }
    Ok(lines)
}

/// What points at a clue (an ObjectId, an S3 key): where it is and the rows pointing at
/// it. In a scoped session, nothing found is "not in tenant X" and nothing else.
pub async fn clue_referrers(source: &Source, text: &str) -> anyhow::Result<Vec<ResultLine>> {
    let clue = Clue::parse(text).ok_or_else(|| anyhow!("nothing to look for"))?;
    let found = find(source, &clue).await;
    if found.is_empty() && found.scope.is_some() {
        bail!(found.not_found_message(text));
    }
    Ok(found_lines(&found))
}

/// `:broken`: every broken reference of the tenant, each line sent as it is found, then
/// the summary. In a scoped session, the tenant's own only, and a reference into another
/// tenant says only that it leads outside (not whose, not the value naming it).
pub async fn broken(
    source: &Source,
    tenant: Uuid,
    mut send: impl FnMut(ResultLine),
) -> anyhow::Result<Vec<ResultLine>> {
    let tenant = in_scope(source, tenant)?;
    let Source::Live(stores) = source else {
        bail!(":broken needs the live stores (it asks each one)");
    };
    let scope = source.scope();
    let summary = crate::check::check(stores, Some(tenant), |p| {
        send(problem_line_in(p, scope));
    })
    .await?;
    Ok(vec![ResultLine::heading(crate::check::summary_line(
        &summary,
    ))])
}

/// The places a search found, the rows pointing at them, and where it looked.
pub fn found_lines(found: &Found) -> Vec<ResultLine> {
    let mut lines = Vec::new();
    for place in &found.places {
        lines.push(match place {
            Place::Row { table, item } => ResultLine::row(
                format!("row {}/{}: {}", table.name, item.id, item.label),
                table,
                item.id,
            ),
            other => ResultLine::heading(other.to_string()),
        });
    }
    if !found.referrers.is_empty() {
        lines.push(ResultLine::heading("pointed at by:"));
        for (table, column, item) in &found.referrers {
            lines.push(ResultLine::row(
                format!("  {}.{column}: {}", table.name, item.label),
                table,
                item.id,
            ));
        }
    }
    lines.push(ResultLine::heading(format!(
        "looked in {}",
        found.looked.join(", ")
    )));
    for error in &found.errors {
        lines.push(ResultLine::heading(format!("could not search: {error}")));
    }
    lines
}

/// A broken reference as a line leading to what holds it: the row, or (for a document)
/// the row pointing at the document, found by looking its ObjectId up.
pub fn problem_line(problem: &crate::check::Problem) -> ResultLine {
    problem_line_in(problem, None)
}

/// [`problem_line`] in a session within `scope`: a reference into another tenant is
/// "→ target: outside tenant X", without the other tenant or the value naming its data.
pub fn problem_line_in(problem: &crate::check::Problem, scope: Option<&Scope>) -> ResultLine {
    let text = match scope {
        Some(scope) if problem.kind == crate::check::ProblemKind::CrossTenant => format!(
            "{} {}.{} → {}: outside tenant {}",
            problem.kind.name(),
            clean_line(&problem.location, 1000),
            clean_line(&problem.field, 1000),
            clean_line(&problem.target, 1000),
            scope.slug()
        ),
        _ => problem.to_string(),
    };
    let (holder, id) = problem
        .location
        .split_once('/')
        .unwrap_or((problem.location.as_str(), ""));
    match (crate::schema::table(holder), id.parse::<Uuid>()) {
        (Some(table), Ok(id)) => ResultLine::row(text, table, id),
        _ => ResultLine::clue(text, id.to_string()),
    }
}

/// Roll-up levels of `:cost`: (grouping() value, heading, table).
const COST_LEVELS: &[(i32, &str, &str)] = &[
    (15, "Tenant total", "tenants"),
    (7, "By strategy", "strategies"),
    (11, "By goal", "goals"),
    (13, "By deliverable", "deliverables"),
    (14, "By run (the costliest)", "activity_runs"),
];

/// The roll-up of `:cost` (`$1` is the tenant): one pass over the tenant's `llm_calls`,
/// `grouping()` giving a bit per column left out, the strategy the highest. Every row it
/// joins is held to the tenant too: a call under another tenant's run, goal or strategy
/// counts in the total and under "(none)" there, and nothing of that tenant is read.
/// The columns it reads are [`crate::schema::COST`]'s.
pub const COST_SQL: &str = "with calls as (
            select c.cost_usd, c.prompt_tokens + c.completion_tokens as tokens,
                   s.id as strategy_id, g.id as goal_id, d.id as deliverable_id,
                   r.id as activity_run_id
            from llm_calls c
            left join activity_runs r on r.id = c.activity_run_id and r.tenant_id = $1
            left join activities a on a.id = r.activity_id and a.tenant_id = $1
            left join deliverable_periods p on p.id = a.deliverable_period_id and p.tenant_id = $1
            left join deliverables d on d.id = p.deliverable_id and d.tenant_id = $1
            left join goals g on g.id = a.goal_id and g.tenant_id = $1
            left join strategies s on s.id = g.strategy_id and s.tenant_id = $1
            where c.tenant_id = $1),
         rolled as (
            select grouping(strategy_id, goal_id, deliverable_id, activity_run_id) as level,
                   coalesce(activity_run_id, deliverable_id, goal_id, strategy_id) as id,
                   count(*) as calls, sum(tokens)::bigint as tokens, sum(cost_usd) as cost
            from calls
            group by grouping sets ((), (strategy_id), (goal_id), (deliverable_id), (activity_run_id))),
         ranked as (
            select *, row_number() over (partition by level order by cost desc, id) as n from rolled)
         select level, id, calls, tokens, to_char(cost, 'FM999999990.00') from ranked
         where n <= 10 order by level desc, cost desc, id";

/// LLM tokens and cost of a tenant's calls, rolled up by strategy, goal, deliverable and
/// run in one pass over its `llm_calls` (the ten costliest of each level).
pub async fn cost(source: &Source, tenant: Uuid) -> anyhow::Result<Vec<ResultLine>> {
    let tenant = in_scope(source, tenant)?;
    let Source::Live(live) = source else {
        anyhow::bail!(":cost needs the live PostgreSQL (it sums llm_calls there)");
    };
    let pool = live
        .pg
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("PostgreSQL is not connected"))?;
    let lacking = source.schema().lacking(crate::schema::COST.columns);
    if !lacking.is_empty() {
        anyhow::bail!(
            ":cost needs {}, which this database does not have",
            lacking.join(", ")
        );
    }
    let rows: Vec<(i32, Option<Uuid>, i64, i64, String)> = sqlx::query_as(COST_SQL)
        .bind(tenant)
        .fetch_all(pool)
        .await?;
    let labels = join_all(rows.iter().map(|(level, id, ..)| async move {
        let table = COST_LEVELS
            .iter()
            .find(|l| l.0 == *level)
            .and_then(|l| source.schema().table(l.2))?;
        let item = source.item(table, (*id)?).await.ok()??;
        Some((table, item))
    }))
    .await;
    let mut lines = Vec::new();
    for (level, heading, _) in COST_LEVELS {
        let mut first = true;
        for ((row_level, id, calls, tokens, cost), label) in rows.iter().zip(&labels) {
            if row_level != level {
                continue;
            }
            if first {
                lines.push(ResultLine::heading(*heading));
                first = false;
            }
            let figures = format!(
                "  ${cost:>10}  {:>12} tokens  {:>7} calls  ",
                thousands(*tokens as u64),
                thousands(*calls as u64)
            );
            lines.push(match (label, id) {
                (Some((table, item)), _) if *level != 15 => {
                    ResultLine::row(figures + &item.label, table, item.id)
                }
                (_, None) if *level != 15 => ResultLine::heading(figures + "(none)"),
                _ => ResultLine::heading(figures),
            });
        }
    }
    if lines.is_empty() {
        lines.push(ResultLine::heading("no LLM calls for this tenant"));
    }
    Ok(lines)
}
