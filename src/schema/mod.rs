//! The one declarative description of the platform's data: its PostgreSQL tables (the
//! 30 of the seed's relationship summary, plus `tenants`),
//! the foreign keys between them (as the seed document lists them), which of those edges
//! the explorer's tree shows as child groups, and every reference that leaves PostgreSQL
//! for MongoDB or S3. The tree, the queries, the panes, the reference resolver and the
//! generator's write order all read this; `migrations/` must agree with it, and a test
//! checks both against the database catalog and the seed document.

pub mod effective;

use crate::store::catalog::Catalog;

pub use effective::{Difference, Overlay};

/// The tables and collections one connection works with: the declaration as it is
/// (snapshots, and before the catalog is read), or fitted to a database's catalog by
/// [`effective::effective`], with what did not fit.
#[derive(Debug)]
pub struct Schema {
    pub tables: &'static [Table],
    pub collections: &'static [Collection],
    pub differences: Vec<Difference>,
    /// The catalog it was fitted to (None: the declaration as it is).
    pub catalog: Option<Catalog>,
}

impl Schema {
    /// The declaration, unchanged.
    pub fn declared() -> &'static Schema {
        effective::declared()
    }

    /// The table called `name`, if this database has it.
    pub fn table(&self, name: &str) -> Option<&'static Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The collection called `name`, if the schema has one.
    pub fn collection(&self, name: &str) -> Option<&'static Collection> {
        self.collections.iter().find(|c| c.name == name)
    }

    /// Which of `columns` (table, column) the database lacks, as `table.column`. The
    /// declaration lacks none.
    pub fn lacking(&self, columns: &[(&str, &str)]) -> Vec<String> {
        let Some(catalog) = &self.catalog else {
            return Vec::new();
        };
        columns
            .iter()
            .filter(|(t, c)| !catalog.table(t).is_some_and(|t| t.has_column(c)))
            .map(|(t, c)| format!("{t}.{c}"))
            .collect()
    }

    /// Whether anything differs from the declaration.
    pub fn fits(&self) -> bool {
        self.differences.is_empty()
    }
}

/// A built-in view that reads columns by name beyond the parts the tables declare
/// (label, status, order, keys, references), and what it does without one of them.
/// The effective schema names each one the database lacks.
#[derive(Debug, PartialEq, Eq)]
pub struct Feature {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
    /// What the view does when one of `columns` is missing.
    pub without: &'static str,
}

/// `:cost`: tokens and cost of a tenant's LLM calls rolled up its tree, in one query.
pub const COST: Feature = Feature {
    name: ":cost",
    columns: &[
        ("llm_calls", "cost_usd"),
        ("llm_calls", "prompt_tokens"),
        ("llm_calls", "completion_tokens"),
        ("llm_calls", "activity_run_id"),
        ("llm_calls", "tenant_id"),
        ("activity_runs", "activity_id"),
        ("activity_runs", "tenant_id"),
        ("activities", "goal_id"),
        ("activities", "deliverable_period_id"),
        ("activities", "tenant_id"),
        ("deliverable_periods", "deliverable_id"),
        ("deliverable_periods", "tenant_id"),
        ("deliverables", "tenant_id"),
        ("goals", "strategy_id"),
        ("goals", "tenant_id"),
        ("strategies", "tenant_id"),
    ],
    without: ":cost does not run and says which columns it needs",
};

/// The run view, `run` and `diff`: a run's steps on its time axis with their tokens,
/// cost and errors (read by name from each row; a missing one reads as absent).
pub const RUN_VIEW: Feature = Feature {
    name: "the run view",
    columns: &[
        ("activity_runs", "run_number"),
        ("activity_runs", "trigger"),
        ("activity_runs", "started_at"),
        ("activity_runs", "finished_at"),
        ("activity_runs", "duration_ms"),
        ("activity_runs", "error_message"),
        ("llm_calls", "model"),
        ("llm_calls", "started_at"),
        ("llm_calls", "latency_ms"),
        ("llm_calls", "prompt_tokens"),
        ("llm_calls", "completion_tokens"),
        ("llm_calls", "cost_usd"),
        ("llm_calls", "error"),
        ("tool_calls", "tool_name"),
        ("tool_calls", "started_at"),
        ("tool_calls", "latency_ms"),
        ("tool_calls", "error"),
    ],
    without: "the run view, `run` and `diff` show that value as absent",
};

/// A tenant's slug: the picker shows it, `--tenant SLUG` and profiles find a tenant by it.
pub const TENANT_SLUG: Feature = Feature {
    name: "the tenant picker and --tenant SLUG",
    columns: &[("tenants", "slug")],
    without: "a tenant's slug is its id, and --tenant takes the id",
};

/// Every feature whose columns the effective schema checks.
pub const FEATURES: &[&Feature] = &[&COST, &RUN_VIEW, &TENANT_SLUG];

/// A PostgreSQL table of the platform.
/// Personal data, named once: (table, column, kind). `snapshot --redact-pii` replaces
/// these with stable fakes of their kind; a profile's `mask = ["pii"]` shows them masked.
pub const PII: &[(&str, &str, &str)] = &[
    ("users", "email", "email"),
    ("users", "full_name", "name"),
    ("leads", "full_name", "name"),
    ("leads", "email", "email"),
    ("leads", "phone", "phone"),
    ("leads", "company", "company"),
];

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// The group's name in the tree ("Activity runs").
    pub title: &'static str,
    /// Columns whose values, joined, make a node's label.
    pub label: &'static [&'static str],
    /// The status-like column shown beside the label, if any.
    pub status: Option<&'static str>,
    pub foreign_keys: &'static [ForeignKey],
    pub references: &'static [Reference],
    /// Pages go newest first by `created_at`; a table without it is paged by `id`.
    pub created_at: bool,
    /// Declared references whose column this database lacks (their hops say so).
    pub missing_references: &'static [Reference],
    /// Not in the declaration: found in the catalog by its foreign keys.
    pub discovered: bool,
}

/// What a declared table assumes beyond its own fields; the catalog may say otherwise.
const DECLARED: Table = Table {
    name: "",
    title: "",
    label: &[],
    status: None,
    foreign_keys: &[],
    references: &[],
    created_at: true,
    missing_references: &[],
    discovered: false,
};

/// Tables are identified by name.
impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Table {}

/// A foreign key column and how the explorer shows it.
#[derive(Debug)]
pub struct ForeignKey {
    pub column: &'static str,
    pub target: &'static str,
    pub shown: Shown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Only as a link in the row pane.
    Link,
    /// As a child group under the target row.
    Child,
    /// As a child group under the target row, only rows where this column is NULL
    /// (top-level activities under a period; sub-activities hang under their parent).
    ChildWhereNull(&'static str),
}

/// A column that points outside PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub enum Reference {
    /// 24-hex ObjectId text naming the `_id` of a document in a collection.
    Mongo {
        column: &'static str,
        collection: &'static str,
        /// Other documents that carry the same ObjectId in a field of theirs.
        related: &'static [Related],
    },
    /// An S3 object key in the configured bucket.
    S3 { column: &'static str },
}

impl Reference {
    pub fn column(&self) -> &'static str {
        match self {
            Reference::Mongo { column, .. } | Reference::S3 { column } => column,
        }
    }
}

/// Documents of `collection` whose `field` holds the referenced ObjectId.
#[derive(Debug, Clone, Copy)]
pub struct Related {
    pub collection: &'static str,
    pub field: &'static str,
}

/// A MongoDB collection and the field that points further, to S3.
#[derive(Debug)]
pub struct Collection {
    pub name: &'static str,
    /// Field holding an S3 key in the bucket.
    pub s3_key_field: Option<&'static str>,
    /// Fields indexed for lookups.
    pub indexes: &'static [&'static str],
}

const fn fk(column: &'static str, target: &'static str, shown: Shown) -> ForeignKey {
    ForeignKey {
        column,
        target,
        shown,
    }
}

use Shown::{Child, ChildWhereNull, Link};

const TENANT_CHILD: ForeignKey = fk("tenant_id", "tenants", Child);
const TENANT_LINK: ForeignKey = fk("tenant_id", "tenants", Link);

/// Every table, parents before children: the order rows can be inserted in.
pub static TABLES: &[Table] = &[
    Table {
        name: "tenants",
        title: "Tenants",
        label: &["name"],
        status: Some("status"),
        foreign_keys: &[],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "users",
        title: "Users",
        label: &["full_name", "email"],
        status: Some("role"),
        foreign_keys: &[TENANT_CHILD],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "contracts",
        title: "Contracts",
        label: &["contract_ref_id"],
        status: Some("status"),
        foreign_keys: &[TENANT_CHILD, fk("accepted_by", "users", Link)],
        references: &[Reference::S3 {
            column: "pdf_s3_key",
        }],
        ..DECLARED
    },
    Table {
        name: "onboarding_runs",
        title: "Onboarding runs",
        label: &["started_at"],
        status: Some("status"),
        foreign_keys: &[TENANT_CHILD, fk("reviewed_by", "users", Link)],
        references: &[Reference::Mongo {
            column: "context_file_id",
            collection: "skills",
            related: &[Related {
                collection: "onboarding_research",
                field: "contextFileId",
            }],
        }],
        ..DECLARED
    },
    Table {
        name: "strategies",
        title: "Strategies",
        label: &["title"],
        status: Some("status"),
        foreign_keys: &[TENANT_CHILD, fk("approved_by", "users", Link)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "goals",
        title: "Goals",
        label: &["title"],
        status: Some("status"),
        foreign_keys: &[TENANT_LINK, fk("strategy_id", "strategies", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "deliverables",
        title: "Deliverables",
        label: &["title"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("goal_id", "goals", Child),
            fk("strategy_id", "strategies", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "deliverable_periods",
        title: "Periods",
        label: &["period_start", "period_end"],
        status: Some("status"),
        foreign_keys: &[TENANT_LINK, fk("deliverable_id", "deliverables", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "sessions",
        title: "Sessions",
        label: &["channel", "started_at"],
        status: Some("status"),
        foreign_keys: &[TENANT_LINK, fk("goal_id", "goals", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "activities",
        title: "Activities",
        label: &["title"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk(
                "deliverable_period_id",
                "deliverable_periods",
                ChildWhereNull("parent_activity_id"),
            ),
            fk("goal_id", "goals", Link),
            fk("parent_activity_id", "activities", Child),
            fk("assignee_user_id", "users", Link),
        ],
        references: &[Reference::Mongo {
            column: "output_ref",
            collection: "activity_outputs",
            related: &[],
        }],
        ..DECLARED
    },
    Table {
        name: "activity_runs",
        title: "Runs",
        // The error, when there is one: what triage looks for first.
        label: &["run_number", "started_at", "error_message"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("activity_id", "activities", Child),
            fk("session_id", "sessions", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "llm_calls",
        title: "LLM calls",
        label: &["model", "started_at"],
        status: Some("status"),
        foreign_keys: &[TENANT_LINK, fk("activity_run_id", "activity_runs", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "tool_calls",
        title: "Tool calls",
        label: &["tool_name", "started_at"],
        status: Some("status"),
        foreign_keys: &[TENANT_LINK, fk("activity_run_id", "activity_runs", Child)],
        references: &[Reference::Mongo {
            column: "log_ref",
            collection: "tool_call_logs",
            related: &[],
        }],
        ..DECLARED
    },
    Table {
        name: "agent_configs",
        title: "Agent configs",
        label: &["name", "version"],
        status: Some("agent_type"),
        foreign_keys: &[TENANT_CHILD],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "activity_templates",
        title: "Activity templates",
        label: &["name", "version"],
        status: Some("kind"),
        foreign_keys: &[
            TENANT_CHILD,
            fk("source_template_id", "activity_templates", Child),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "recurring_task_templates",
        title: "Recurring task templates",
        label: &["name", "schedule"],
        status: None,
        foreign_keys: &[
            TENANT_CHILD,
            fk("source_template_id", "recurring_task_templates", Child),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "channels",
        title: "Channels",
        label: &["name", "kind"],
        status: Some("status"),
        foreign_keys: &[TENANT_CHILD],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "channel_scores",
        title: "Scores",
        label: &["scored_on", "score"],
        status: None,
        foreign_keys: &[TENANT_LINK, fk("channel_id", "channels", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "ad_campaigns",
        title: "Ad campaigns",
        label: &["name"],
        status: Some("status"),
        foreign_keys: &[TENANT_CHILD, fk("channel_id", "channels", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "blog_requests",
        title: "Blog requests",
        label: &["topic"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("deliverable_id", "deliverables", Child),
            fk("activity_id", "activities", Child),
            fk("target_channel_id", "channels", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "blog_posts",
        title: "Blog posts",
        label: &["title"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("blog_request_id", "blog_requests", Child),
            fk("channel_id", "channels", Child),
        ],
        references: &[Reference::Mongo {
            column: "content_ref",
            collection: "activity_outputs",
            related: &[],
        }],
        ..DECLARED
    },
    Table {
        name: "social_media_requests",
        title: "Social requests",
        label: &["brief"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("deliverable_id", "deliverables", Child),
            fk("activity_id", "activities", Child),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "social_posts",
        title: "Social posts",
        label: &["external_post_id", "scheduled_at"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("social_media_request_id", "social_media_requests", Child),
            fk("channel_id", "channels", Child),
        ],
        references: &[Reference::Mongo {
            column: "content_ref",
            collection: "activity_outputs",
            related: &[],
        }],
        ..DECLARED
    },
    Table {
        name: "backlinks",
        title: "Backlinks",
        label: &["source_url"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("activity_id", "activities", Child),
            fk("deliverable_id", "deliverables", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "leads",
        title: "Leads",
        label: &["full_name", "company"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("source_channel_id", "channels", Child),
            fk("source_campaign_id", "ad_campaigns", Child),
            fk("assigned_to", "users", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "lead_activities",
        title: "Lead activities",
        label: &["kind", "occurred_at"],
        status: None,
        foreign_keys: &[TENANT_LINK, fk("lead_id", "leads", Child)],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "ad_keywords",
        title: "Keywords",
        label: &["keyword", "match_type"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("channel_id", "channels", Link),
            fk("ad_campaign_id", "ad_campaigns", Child),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "search_term_reports",
        title: "Search term reports",
        label: &["report_date", "search_term"],
        status: None,
        foreign_keys: &[
            TENANT_LINK,
            fk("channel_id", "channels", Link),
            fk("ad_campaign_id", "ad_campaigns", Child),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "search_term_classifications",
        title: "Classifications",
        label: &["classification", "confidence"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("search_term_report_id", "search_term_reports", Child),
            fk("activity_id", "activities", Child),
            fk("reviewed_by", "users", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "ad_optimization_recommendations",
        title: "Recommendations",
        label: &["kind"],
        status: Some("status"),
        foreign_keys: &[
            TENANT_LINK,
            fk("channel_id", "channels", Link),
            fk("ad_campaign_id", "ad_campaigns", Child),
            fk("activity_id", "activities", Child),
            fk("reviewed_by", "users", Link),
        ],
        references: &[],
        ..DECLARED
    },
    Table {
        name: "billing_events",
        title: "Billing events",
        label: &["kind", "occurred_at"],
        status: None,
        foreign_keys: &[TENANT_CHILD],
        references: &[],
        ..DECLARED
    },
];

/// The MongoDB collections.
pub static COLLECTIONS: &[Collection] = &[
    Collection {
        name: "activity_outputs",
        s3_key_field: Some("s3Key"),
        indexes: &["tenantId", "activityId"],
    },
    Collection {
        name: "tool_call_logs",
        s3_key_field: None,
        indexes: &["tenantId", "toolCallId", "activityRunId"],
    },
    Collection {
        name: "skills",
        s3_key_field: None,
        indexes: &["tenantId"],
    },
    Collection {
        name: "onboarding_research",
        s3_key_field: None,
        indexes: &["tenantId", "onboardingRunId", "contextFileId"],
    },
];

/// The edge a row hangs from in the tree, given its column values: the first child edge
/// whose column is set, preferring any edge over `tenant_id`, and skipping a
/// `ChildWhereNull` edge when its column is set (a sub-activity hangs under its parent,
/// not its period). None for tenants.
pub fn tree_parent(table: &Table, value: impl Fn(&str) -> Option<String>) -> Option<&ForeignKey> {
    let candidates = table.foreign_keys.iter().filter(|fk| match fk.shown {
        Shown::Link => false,
        Shown::Child => value(fk.column).is_some(),
        Shown::ChildWhereNull(c) => value(fk.column).is_some() && value(c).is_none(),
    });
    let (tenant, other): (Vec<_>, Vec<_>) = candidates.partition(|fk| fk.column == "tenant_id");
    other.into_iter().next().or(tenant.into_iter().next())
}

/// The table called `name`, if the schema has one.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The collection called `name`, if the schema has one.
pub fn collection(name: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.name == name)
}

/// Position of a table in insert order (parents first).
pub fn insert_order(name: &str) -> Option<usize> {
    TABLES.iter().position(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_thirty_tables_plus_tenants_with_unique_names() {
        let mut names: Vec<_> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), 31);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 31);
    }

    #[test]
    fn every_foreign_key_targets_a_declared_table_declared_earlier_or_itself() {
        for (i, t) in TABLES.iter().enumerate() {
            for f in t.foreign_keys {
                let target = insert_order(f.target).unwrap_or_else(|| {
                    panic!("{}.{} targets unknown {}", t.name, f.column, f.target)
                });
                assert!(
                    target <= i,
                    "{}.{} targets {} declared later",
                    t.name,
                    f.column,
                    f.target
                );
            }
        }
    }

    #[test]
    fn every_mongo_reference_names_a_declared_collection() {
        for t in TABLES {
            for r in t.references {
                if let Reference::Mongo { collection: c, .. } = r {
                    assert!(collection(c).is_some(), "{}.{} → {c}", t.name, r.column());
                }
            }
        }
    }
}
