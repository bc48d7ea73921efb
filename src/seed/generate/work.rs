//! The business hierarchy: strategies → goals → deliverables → periods → activities
//! (nested up to four deep) → runs → LLM and tool calls, with the sessions the runs
//! belong to, the content requests and posts they produce, and the outputs they write
//! to MongoDB and S3.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Binary, Document, doc, spec::BinarySubtype};
use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::BrokenKind;
use super::super::content;
use super::super::sink::{Object, Value};
use super::{Generator, Tenant, bson_time, dataset_now, hex, usd};

/// (model, provider, micro-dollars per 1k prompt tokens, per 1k completion tokens)
pub(super) const MODELS: [(&str, &str, i64, i64); 5] = [
    ("claude-sonnet-4-5", "anthropic", 3_000, 15_000),
    ("gpt-4o", "openai", 2_500, 10_000),
    ("claude-haiku-4-5", "anthropic", 1_000, 5_000),
    ("gpt-4o-mini", "openai", 150, 600),
    ("gemini-2.5-pro", "google", 1_250, 10_000),
];

const DELIVERABLE_KINDS: [&str; 5] = [
    "blog_post",
    "social_post",
    "ad_optimization",
    "backlink",
    "report",
];

/// Where a unit of work sits.
#[derive(Clone)]
struct Scope {
    goal_id: Uuid,
    deliverable_id: Uuid,
    period_id: Uuid,
    period_start: DateTime<Utc>,
    period_status: &'static str,
    session_id: Uuid,
    topic: &'static str,
    keywords: Vec<&'static str>,
}

/// An activity about to be written, and what it produced.
struct Activity {
    id: Uuid,
    parent: Option<Uuid>,
    kind: &'static str,
    title: String,
    status: &'static str,
    created_at: DateTime<Utc>,
}

/// What running an activity left behind.
struct Outcome {
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    attempts: u32,
    model: &'static str,
}

/// Time flows forward through a unit of work.
struct Clock {
    now: DateTime<Utc>,
    first_run: Option<DateTime<Utc>>,
    last_run_end: Option<DateTime<Utc>>,
}

impl Generator<'_> {
    pub(super) fn strategies(&mut self, t: &mut Tenant) -> anyhow::Result<()> {
        let v2_created = dataset_now() - Duration::days(self.rng.random_range(60..150));
        let v1_created = t.created_at + Duration::days(5);
        for (version, status, created_at, anchor) in [
            (1, "archived", v1_created, v2_created - Duration::days(1)),
            (2, "active", v2_created, dataset_now()),
        ] {
            let id = self.uuid();
            let approver = self.user(t, &["owner", "admin"]);
            let (topic, _) = self.topic(t.locale);
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("approved_by", approver.into()),
                (
                    "title",
                    format!(
                        "{} – {topic}",
                        if version == 1 {
                            "Launch plan"
                        } else {
                            "Growth plan"
                        }
                    )
                    .into(),
                ),
                ("version", version.into()),
                ("status", status.into()),
                (
                    "summary",
                    content::note(&mut self.rng, t.locale, topic).into(),
                ),
                ("approved_at", (created_at + Duration::days(1)).into()),
                ("period_start", created_at.date_naive().into()),
                (
                    "period_end",
                    (created_at.date_naive()
                        + Duration::days(if version == 1 { 180 } else { 365 }))
                    .into(),
                ),
                ("created_at", created_at.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("strategies", row);
            let goals = if version == 1 {
                2
            } else {
                self.rng.random_range(3..=4)
            };
            for g in 0..goals {
                self.goal(t, id, g, version, created_at, anchor)?;
            }
        }
        Ok(())
    }

    fn goal(
        &mut self,
        t: &mut Tenant,
        strategy_id: Uuid,
        index: u32,
        version: i32,
        strategy_created: DateTime<Utc>,
        anchor: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let id = self.uuid();
        let created_at = strategy_created + Duration::hours(2 + i64::from(index));
        let (metric, target) = self.pick(&[
            ("organic_sessions", 50_000),
            ("qualified_leads", 400),
            ("cost_per_lead_usd", 45),
            ("backlinks_acquired", 60),
            ("social_engagement_rate", 4),
        ]);
        let status = if version == 1 {
            self.pick(&["achieved", "abandoned", "off_track"])
        } else {
            self.weighted(&[
                ("on_track", 4),
                ("at_risk", 2),
                ("off_track", 1),
                ("not_started", 1),
            ])
        };
        let (topic, _) = self.topic(t.locale);
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("tenant_id", t.id.into()),
            ("strategy_id", strategy_id.into()),
            (
                "title",
                format!("{topic}: {}", metric.replace('_', " ")).into(),
            ),
            ("metric", metric.into()),
            ("target_value", Value::Numeric(target.to_string())),
            (
                "current_value",
                Value::Numeric(format!(
                    "{:.1}",
                    f64::from(target) * self.rng.random_range(0.1..1.2)
                )),
            ),
            ("due_on", (anchor.date_naive() + Duration::days(90)).into()),
            ("status", status.into()),
            (
                "priority",
                self.pick(&["low", "medium", "high", "critical"]).into(),
            ),
            ("created_at", created_at.into()),
            ("updated_at", Value::Null),
        ];
        self.sink.row("goals", row);
        let deliverables = if version == 1 {
            2
        } else {
            self.rng.random_range(2..=3)
        };
        for d in 0..deliverables {
            // Cycle through the kinds so every tenant has each of them.
            let kind =
                DELIVERABLE_KINDS[(index as usize * 2 + d as usize) % DELIVERABLE_KINDS.len()];
            self.deliverable(t, strategy_id, id, kind, created_at, anchor, version)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn deliverable(
        &mut self,
        t: &mut Tenant,
        strategy_id: Uuid,
        goal_id: Uuid,
        kind: &'static str,
        goal_created: DateTime<Utc>,
        anchor: DateTime<Utc>,
        version: i32,
    ) -> anyhow::Result<()> {
        let id = self.uuid();
        let created_at = goal_created + Duration::hours(1);
        let cadence = match kind {
            "blog_post" | "social_post" | "ad_optimization" => "weekly",
            "report" => "monthly",
            _ => self.pick(&["monthly", "one_off"]),
        };
        let quantity = match cadence {
            "weekly" => self.rng.random_range(1..=2),
            "monthly" => self.rng.random_range(1..=3),
            _ => 1,
        };
        let (topic, _) = self.topic(t.locale);
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("tenant_id", t.id.into()),
            ("goal_id", goal_id.into()),
            ("strategy_id", strategy_id.into()),
            (
                "title",
                format!("{} · {topic}", kind.replace('_', " ")).into(),
            ),
            ("kind", kind.into()),
            ("cadence", cadence.into()),
            ("quantity_per_period", quantity.into()),
            (
                "status",
                if version == 1 { "completed" } else { "active" }.into(),
            ),
            ("created_at", created_at.into()),
            ("updated_at", Value::Null),
        ];
        self.sink.row("deliverables", row);
        for (start, end) in self.periods(cadence, anchor, version) {
            self.period(t, goal_id, id, kind, quantity, start, end, created_at)?;
            self.checkpoint()?;
        }
        Ok(())
    }

    /// Period windows, oldest first, the last one containing `anchor` (plus one upcoming
    /// period for the active strategy).
    fn periods(
        &mut self,
        cadence: &str,
        anchor: DateTime<Utc>,
        version: i32,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        let day = anchor.date_naive();
        let (count, upcoming) = match (cadence, version) {
            ("weekly", 1) => (self.scaled(3), 0),
            ("weekly", _) => (self.scaled(6), 1),
            ("monthly", 1) => (self.scaled(2), 0),
            ("monthly", _) => (self.scaled(3), 1),
            _ => (1, 0),
        };
        let mut out = Vec::new();
        for i in (-(upcoming as i64)..count as i64).rev() {
            let (start, end) = match cadence {
                "weekly" => {
                    let monday =
                        day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                    let start = monday - Duration::days(7 * i);
                    (start, start + Duration::days(6))
                }
                _ => {
                    let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1)
                        .expect("first of a month");
                    let start = if i >= 0 {
                        first - Months::new(i as u32)
                    } else {
                        first + Months::new((-i) as u32)
                    };
                    (start, start + Months::new(1) - Duration::days(1))
                }
            };
            out.push((start, end));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn period(
        &mut self,
        t: &mut Tenant,
        goal_id: Uuid,
        deliverable_id: Uuid,
        kind: &'static str,
        quantity: u32,
        start: NaiveDate,
        end: NaiveDate,
        deliverable_created: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let today = dataset_now().date_naive();
        let status = if end < today {
            if self.chance(0.05) {
                "missed"
            } else {
                "completed"
            }
        } else if start <= today {
            "in_progress"
        } else {
            "upcoming"
        };
        let id = self.uuid();
        let period_start = start.and_hms_opt(0, 0, 0).expect("valid time").and_utc();
        let created_at = (period_start - Duration::days(7))
            .max(deliverable_created)
            .min(dataset_now());
        let completed = match status {
            "completed" => quantity,
            "in_progress" => self.rng.random_range(0..=quantity),
            "missed" => quantity.saturating_sub(1),
            _ => 0,
        };
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("tenant_id", t.id.into()),
            ("deliverable_id", deliverable_id.into()),
            ("period_start", start.into()),
            ("period_end", end.into()),
            ("planned_count", quantity.into()),
            ("completed_count", completed.into()),
            ("status", status.into()),
            ("created_at", created_at.into()),
            ("updated_at", Value::Null),
        ];
        self.sink.row("deliverable_periods", row);
        for _ in 0..quantity {
            let (topic, keywords) = self.topic(t.locale);
            let scope = Scope {
                goal_id,
                deliverable_id,
                period_id: id,
                period_start,
                period_status: status,
                session_id: self.uuid(),
                topic,
                keywords,
            };
            self.unit(t, kind, &scope);
        }
        Ok(())
    }

    /// One top-level activity and its subtree, runs and products.
    fn unit(&mut self, t: &mut Tenant, kind: &'static str, scope: &Scope) {
        let top_status = match scope.period_status {
            "completed" => self.weighted(&[
                ("done", 85),
                ("failed", 5),
                ("cancelled", 4),
                ("needs_review", 6),
            ]),
            "missed" => self.pick(&["failed", "cancelled", "blocked"]),
            "in_progress" => self.weighted(&[
                ("running", 3),
                ("queued", 2),
                ("blocked", 1),
                ("needs_review", 2),
                ("done", 3),
                ("failed", 1),
            ]),
            _ => "pending",
        };
        let created_at = if scope.period_status == "upcoming" {
            dataset_now() - Duration::hours(self.rng.random_range(1..48))
        } else {
            scope.period_start - Duration::days(2)
        };
        let mut clock = Clock {
            now: created_at + Duration::hours(1),
            first_run: None,
            last_run_end: None,
        };
        let topic = scope.topic;
        let (top_kind, top_title, children): (&str, String, Vec<(&str, String)>) = match kind {
            "blog_post" => (
                "write",
                format!("Blog post: {topic}"),
                vec![
                    ("research", format!("Keyword research: {topic}")),
                    ("write", format!("Draft: {topic}")),
                    ("review", "Editorial review".into()),
                    ("publish", "Publish to blog".into()),
                ],
            ),
            "social_post" => (
                "write",
                format!("Social campaign: {topic}"),
                vec![
                    ("write", "Write post copy".into()),
                    ("review", "Approve copy".into()),
                    ("publish", "Schedule posts".into()),
                ],
            ),
            "backlink" => (
                "outreach",
                format!("Link building: {topic}"),
                vec![
                    ("research", "Find link prospects".into()),
                    ("outreach", "Outreach emails".into()),
                ],
            ),
            "ad_optimization" => (
                "optimize",
                format!(
                    "Search term review: week of {}",
                    scope.period_start.date_naive()
                ),
                vec![
                    ("research", "Pull search term report".into()),
                    ("optimize", "Classify search terms".into()),
                ],
            ),
            _ => (
                "research",
                format!("Performance report: {}", scope.period_start.format("%B %Y")),
                vec![
                    ("research", "Collect channel metrics".into()),
                    ("write", "Write the report".into()),
                ],
            ),
        };
        let top = Activity {
            id: self.uuid(),
            parent: None,
            kind: top_kind,
            title: top_title,
            status: top_status,
            created_at,
        };
        let top_id = top.id;
        let top_output_title = top.title.clone();
        let count = children.len();
        let mut child_ids = Vec::new();
        let top_outcome = self.run_activity(t, scope, &top, &mut clock);
        for (i, (child_kind, title)) in children.into_iter().enumerate() {
            let child = Activity {
                id: self.uuid(),
                parent: Some(top_id),
                kind: child_kind,
                title,
                status: child_status(top_status, i, count),
                created_at: created_at + Duration::minutes(10 * (i as i64 + 1)),
            };
            let outcome = self.run_activity(t, scope, &child, &mut clock);
            // Drafts split into sections (depth 3), the first always fact-checked (depth 4).
            if kind == "blog_post" && child_kind == "write" {
                self.sections(t, scope, &child, &mut clock);
            }
            if kind == "backlink" && child_kind == "outreach" {
                for n in 0..self.rng.random_range(1..=3) {
                    let email = Activity {
                        id: self.uuid(),
                        parent: Some(child.id),
                        kind: "outreach",
                        title: format!("Email prospect #{}", n + 1),
                        status: child_status(child.status, n, 3),
                        created_at: child.created_at + Duration::minutes(5),
                    };
                    let o = self.run_activity(t, scope, &email, &mut clock);
                    self.activity_row(t, scope, &email, &o, None);
                }
            }
            let output = self.activity_output(t, scope, &child, &outcome);
            self.activity_row(t, scope, &child, &outcome, output);
            child_ids.push((child.id, child.kind, child.status));
        }
        let top_output = match (kind, top_status) {
            ("blog_post", "done" | "needs_review") => {
                // Every tenant gets at least one very long article; a few more come by chance.
                let words = if !t.has_long_article || self.chance(0.03) {
                    t.has_long_article = true;
                    5200
                } else {
                    self.rng.random_range(600..2500)
                };
                let article = content::article(
                    &mut self.rng,
                    t.locale,
                    &top_output_title,
                    &scope.keywords,
                    words,
                );
                Some(self.output(
                    t,
                    top_id,
                    "markdown",
                    &top_output_title,
                    article.into_bytes(),
                    clock.now,
                    top_outcome.model,
                ))
            }
            _ => self.activity_output(t, scope, &top, &top_outcome),
        };
        let content_ref = top_output;
        self.activity_row(t, scope, &top, &top_outcome, top_output);
        self.products(
            t,
            kind,
            scope,
            top_id,
            top_status,
            content_ref,
            &child_ids,
            &clock,
        );
        if let Some(first) = clock.first_run {
            let ended = clock.last_run_end;
            let still_running = top_status == "running";
            let row: &[(&str, Value)] = &[
                ("id", scope.session_id.into()),
                ("tenant_id", t.id.into()),
                ("goal_id", scope.goal_id.into()),
                (
                    "channel",
                    self.weighted(&[
                        ("scheduler", 12),
                        ("slack", 3),
                        ("web", 2),
                        ("api", 2),
                        ("email", 1),
                    ])
                    .into(),
                ),
                (
                    "status",
                    if still_running {
                        "active"
                    } else {
                        self.weighted(&[("ended", 12), ("expired", 1), ("errored", 1)])
                    }
                    .into(),
                ),
                ("started_at", (first - Duration::seconds(2)).into()),
                (
                    "ended_at",
                    (!still_running)
                        .then_some(ended.unwrap_or(first) + Duration::seconds(3))
                        .into(),
                ),
                (
                    "summary",
                    format!("Agent session for “{}”", top.title).into(),
                ),
                ("created_at", (first - Duration::seconds(2)).into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("sessions", row);
        }
    }

    fn sections(&mut self, t: &mut Tenant, scope: &Scope, draft: &Activity, clock: &mut Clock) {
        let count = self.rng.random_range(2..=4);
        for i in 0..count {
            let section = Activity {
                id: self.uuid(),
                parent: Some(draft.id),
                kind: "write",
                title: format!("Draft section {}", i + 1),
                status: child_status(draft.status, i, count),
                created_at: draft.created_at + Duration::minutes(2 + i as i64),
            };
            let outcome = self.run_activity(t, scope, &section, clock);
            if i == 0 || self.chance(0.4) {
                let check = Activity {
                    id: self.uuid(),
                    parent: Some(section.id),
                    kind: "review",
                    title: format!("Fact-check section {}", i + 1),
                    status: child_status(section.status, 0, 1),
                    created_at: section.created_at + Duration::minutes(1),
                };
                let o = self.run_activity(t, scope, &check, clock);
                self.activity_row(t, scope, &check, &o, None);
            }
            self.activity_row(t, scope, &section, &outcome, None);
        }
    }

    /// Writes the activity row; `output` is the produced document (and whether it exists).
    fn activity_row(
        &mut self,
        t: &mut Tenant,
        scope: &Scope,
        a: &Activity,
        outcome: &Outcome,
        output: Option<ObjectId>,
    ) {
        let mut output_ref = output.map(hex);
        if output_ref.is_some() && t.breaker.breaks(&mut self.rng, "activities.output_ref") {
            let dangling = hex(self.object_id(a.created_at));
            self.record_broken(
                t,
                BrokenKind::MissingDocument,
                format!("activities/{}", a.id),
                dangling.clone(),
            );
            output_ref = Some(dangling);
        }
        let assignee = (a.kind == "review" && self.chance(0.5))
            .then(|| self.user(t, &["member", "admin", "owner"]));
        let completed_at = matches!(a.status, "done" | "failed" | "cancelled" | "needs_review")
            .then_some(outcome.finished_at)
            .flatten();
        let row: &[(&str, Value)] = &[
            ("id", a.id.into()),
            ("tenant_id", t.id.into()),
            ("deliverable_period_id", scope.period_id.into()),
            ("goal_id", scope.goal_id.into()),
            ("parent_activity_id", a.parent.into()),
            ("assignee_user_id", assignee.into()),
            ("title", a.title.clone().into()),
            ("kind", a.kind.into()),
            ("status", a.status.into()),
            ("output_ref", output_ref.into()),
            ("due_at", (scope.period_start + Duration::days(6)).into()),
            ("started_at", outcome.started_at.into()),
            ("completed_at", completed_at.into()),
            ("attempt_count", outcome.attempts.into()),
            ("created_at", a.created_at.into()),
            (
                "updated_at",
                outcome.finished_at.or(outcome.started_at).into(),
            ),
        ];
        self.sink.row("activities", row);
    }

    /// The runs of one activity, as its status implies.
    fn run_activity(
        &mut self,
        t: &mut Tenant,
        scope: &Scope,
        a: &Activity,
        clock: &mut Clock,
    ) -> Outcome {
        let retry = |g: &mut Self| g.weighted(&[(0_u32, 80), (1, 15), (2, 5)]);
        let (failures, last): (u32, Option<&str>) = match a.status {
            "done" | "needs_review" => (retry(self), Some("succeeded")),
            "failed" => (
                self.rng.random_range(0..=2),
                Some(self.weighted(&[("failed", 3), ("timed_out", 1)])),
            ),
            "running" => (self.rng.random_range(0..=1), Some("running")),
            "blocked" => (0, self.chance(0.5).then_some("failed")),
            "cancelled" => (0, self.chance(0.5).then_some("cancelled")),
            _ => (0, None),
        };
        let model = MODELS[self.rng.random_range(0..MODELS.len())].0;
        let Some(last) = last else {
            return Outcome {
                started_at: None,
                finished_at: None,
                attempts: 0,
                model,
            };
        };
        clock.now = clock.now.max(a.created_at + Duration::seconds(30));
        let started_at = clock.now;
        let mut finished_at = None;
        let attempts = failures + 1;
        for n in 1..=attempts {
            let status = if n == attempts {
                last
            } else {
                self.weighted(&[("failed", 3), ("timed_out", 1)])
            };
            let trigger = if n > 1 {
                "retry"
            } else {
                self.weighted(&[("schedule", 9), ("manual", 1)])
            };
            finished_at = self.one_run(t, scope, a, n, status, trigger, model, clock);
            clock.now += Duration::seconds(self.rng.random_range(5..120));
        }
        // The run inspector's showcase (see `showcase.rs`): once per tenant, two manual
        // re-runs, drawn from a stream of their own and leaving the clock alone (they run
        // alongside what follows), so everything else is generated as before.
        let mut attempts = attempts;
        if a.kind == "research"
            && last == "succeeded"
            && !t.showcased
            && clock.now + Duration::hours(3) < dataset_now()
        {
            t.showcased = true;
            let keywords = scope.keywords.clone();
            self.showcase(
                t,
                a.id,
                scope.session_id,
                model,
                attempts,
                clock.now,
                &keywords,
            );
            attempts += 3;
        }
        Outcome {
            started_at: Some(started_at),
            finished_at,
            attempts,
            model,
        }
    }

    /// One run with its LLM and tool calls; returns when it finished.
    #[allow(clippy::too_many_arguments)]
    fn one_run(
        &mut self,
        t: &mut Tenant,
        scope: &Scope,
        a: &Activity,
        number: u32,
        status: &'static str,
        trigger: &'static str,
        model: &'static str,
        clock: &mut Clock,
    ) -> Option<DateTime<Utc>> {
        let id = self.uuid();
        let started_at = clock.now;
        let duration_ms: i64 = match status {
            "succeeded" => self.rng.random_range(4_000..480_000),
            "failed" => self.rng.random_range(1_000..180_000),
            "timed_out" => 900_000,
            "cancelled" => self.rng.random_range(10_000..120_000),
            // Still running: started long ago, as a stuck run is.
            _ => (dataset_now() - started_at).num_milliseconds().max(1),
        };
        let end = started_at + Duration::milliseconds(duration_ms);
        let finished_at = (status != "running").then_some(end);
        let (_, provider, prompt_price, completion_price) = *MODELS
            .iter()
            .find(|m| m.0 == model)
            .expect("model from the table");
        // LLM calls spread over the run; their tokens and costs add up to the run's.
        let calls = self.rng.random_range(1..=6);
        let mut total_tokens: i64 = 0;
        let mut total_micros: i64 = 0;
        let step = duration_ms.min(600_000) / (i64::from(calls) + 1);
        for c in 0..calls {
            let call_start = started_at + Duration::milliseconds(step * i64::from(c) + 50);
            let last = c + 1 == calls;
            let call_status = if last && status == "timed_out" {
                "timed_out"
            } else if last && status == "failed" && self.chance(0.6) {
                "failed"
            } else {
                "succeeded"
            };
            let prompt: i64 = self.rng.random_range(400..14_000);
            let completion: i64 = if call_status == "succeeded" {
                self.rng.random_range(80..4_000)
            } else {
                0
            };
            let micros = (prompt * prompt_price + completion * completion_price) / 1_000;
            total_tokens += prompt + completion;
            total_micros += micros;
            let corpus = self.corpus;
            let row: &[(&str, Value)] = &[
                ("id", self.uuid().into()),
                ("tenant_id", t.id.into()),
                ("activity_run_id", id.into()),
                ("provider", provider.into()),
                ("model", model.into()),
                ("prompt_tokens", prompt.into()),
                ("completion_tokens", completion.into()),
                ("cost_usd", Value::Numeric(usd(micros))),
                (
                    "latency_ms",
                    self.rng.random_range(300..(step.clamp(301, 60_000))).into(),
                ),
                ("status", call_status.into()),
                (
                    "error",
                    (call_status != "succeeded")
                        .then(|| self.pick(&corpus.run_errors))
                        .into(),
                ),
                (
                    "request_id",
                    format!("req_{}", &self.uuid().simple().to_string()[..20]).into(),
                ),
                ("started_at", call_start.into()),
                ("created_at", call_start.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("llm_calls", row);
        }
        let tools = self.tool_calls(t, a, id, status, started_at, step);
        let corpus = self.corpus;
        let error = match status {
            "timed_out" => Some("activity run exceeded 900s deadline".to_string()),
            "failed" => Some(tools.unwrap_or_else(|| self.pick(&corpus.run_errors).to_string())),
            "cancelled" => Some("cancelled by user".to_string()),
            _ => None,
        };
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("tenant_id", t.id.into()),
            ("activity_id", a.id.into()),
            ("session_id", scope.session_id.into()),
            ("run_number", number.into()),
            ("status", status.into()),
            ("trigger", trigger.into()),
            ("started_at", started_at.into()),
            ("finished_at", finished_at.into()),
            ("duration_ms", finished_at.map(|_| duration_ms).into()),
            ("model", model.into()),
            ("total_tokens", total_tokens.into()),
            ("cost_usd", Value::Numeric(usd(total_micros))),
            ("error_message", error.into()),
            ("created_at", started_at.into()),
            ("updated_at", finished_at.into()),
        ];
        self.sink.row("activity_runs", row);
        clock.first_run.get_or_insert(started_at);
        clock.now = end
            .min(dataset_now() - Duration::minutes(1))
            .max(started_at + Duration::seconds(1));
        clock.last_run_end = Some(clock.now);
        finished_at
    }

    /// The run's tool calls and their log documents; returns the error of a failed one.
    fn tool_calls(
        &mut self,
        t: &mut Tenant,
        a: &Activity,
        run_id: Uuid,
        run_status: &str,
        run_start: DateTime<Utc>,
        step: i64,
    ) -> Option<String> {
        let (tools, range): (&[&str], std::ops::RangeInclusive<u32>) = match a.kind {
            "research" => (
                &["web_search", "fetch_url", "keyword_research", "serp_check"],
                2..=5,
            ),
            "write" => (&["web_search", "fetch_url"], 0..=2),
            "review" => (&["serp_check", "fetch_url"], 0..=1),
            "publish" => (&["cms_publish", "linkedin_post", "x_post"], 1..=2),
            "optimize" => (&["google_ads_report", "meta_ads_insights"], 1..=3),
            _ => (&["send_email", "crm_update_lead", "fetch_url"], 1..=3),
        };
        let count = self.rng.random_range(range);
        let mut failure = None;
        for c in 0..count {
            let tool = self.pick(tools);
            let id = self.uuid();
            let at = run_start + Duration::milliseconds(step / 2 + step * i64::from(c) + 20);
            let failed =
                run_status == "failed" && c + 1 == count && self.chance(0.7) || self.chance(0.03);
            let latency: i64 = self.rng.random_range(40..9_000);
            let corpus = self.corpus;
            let error = failed.then(|| self.pick(&corpus.tool_errors).to_string());
            let (summary, request, response) = self.tool_payload(t, tool, error.as_deref());
            let oid = self.object_id(at);
            let mut log_ref = hex(oid);
            if t.breaker.breaks(&mut self.rng, "tool_calls.log_ref") {
                log_ref = hex(self.object_id(at));
                self.record_broken(
                    t,
                    BrokenKind::MissingDocument,
                    format!("tool_calls/{id}"),
                    log_ref.clone(),
                );
            }
            self.sink.document(
                "tool_call_logs",
                doc! {
                    "_id": oid,
                    "tenantId": t.id.to_string(),
                    "toolCallId": id.to_string(),
                    "activityRunId": run_id.to_string(),
                    "tool": tool,
                    "request": request,
                    "response": response,
                    "durationMs": latency,
                    "error": error.clone(),
                    "createdAt": bson_time(at),
                },
            );
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("activity_run_id", run_id.into()),
                ("tool_name", tool.into()),
                ("status", if failed { "failed" } else { "succeeded" }.into()),
                ("latency_ms", latency.into()),
                ("started_at", at.into()),
                ("summary", summary.into()),
                ("log_ref", log_ref.into()),
                ("error", error.clone().into()),
                ("created_at", at.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("tool_calls", row);
            if failed {
                failure = error;
            }
        }
        failure
    }

    /// (summary, request, response) of a tool call, as the tool would log them.
    pub(super) fn tool_payload(
        &mut self,
        t: &Tenant,
        tool: &str,
        error: Option<&str>,
    ) -> (String, Document, Document) {
        let (topic, keywords) = self.topic(t.locale);
        let status: i32 = if error.is_some() {
            self.pick(&[401, 403, 429, 500, 503])
        } else {
            200
        };
        let (summary, request, body) = match tool {
            "web_search" => (
                format!("searched “{topic}”"),
                doc! { "query": topic, "numResults": 10, "locale": t.locale as i32 },
                doc! { "results": (0..self.rng.random_range(3..8)).map(|i| doc! {
                    "rank": i + 1, "title": format!("{topic} — guide {}", i + 1),
                    "url": format!("https://site{i}.example/{}", t.slug), "snippet": keywords.join(", "),
                }).collect::<Vec<_>>() },
            ),
            "fetch_url" => (
                format!("fetched https://{}/pricing", t.domain),
                doc! { "url": format!("https://{}/pricing", t.domain), "method": "GET", "headers": { "user-agent": "tenantscope-agent/1.0" } },
                doc! { "contentType": "text/html; charset=utf-8", "bytes": self.rng.random_range(2_000..400_000),
                "title": topic, "sha256": Binary { subtype: BinarySubtype::Generic, bytes: self.rng.random::<[u8; 32]>().to_vec() } },
            ),
            "keyword_research" => (
                format!("{} keyword ideas", keywords.len() * 4),
                doc! { "seedKeywords": keywords.clone(), "country": "US", "limit": 50 },
                doc! { "ideas": keywords.iter().map(|k| doc! { "keyword": *k, "volume": self.rng.random_range(10..50_000), "difficulty": self.rng.random_range(1..100), "trend": [1, 3, 2, 5, 8] }).collect::<Vec<_>>() },
            ),
            "serp_check" => (
                format!("rank check for {} keywords", keywords.len()),
                doc! { "keywords": keywords.clone(), "domain": t.domain.clone(), "device": "mobile" },
                doc! { "positions": keywords.iter().map(|k| doc! { "keyword": *k, "position": self.rng.random_range(1..60), "url": format!("https://{}/blog/{}", t.domain, t.slug) }).collect::<Vec<_>>() },
            ),
            "cms_publish" => (
                "published post to CMS".to_string(),
                doc! { "endpoint": format!("https://{}/wp-json/wp/v2/posts", t.domain), "status": "publish", "title": topic, "categories": [3, 14] },
                doc! { "id": self.rng.random_range(100..99_999), "link": format!("https://{}/blog/{}", t.domain, self.rng.random_range(1..999)), "status": "publish" },
            ),
            "linkedin_post" | "x_post" => (
                format!("posted to {}", tool.trim_end_matches("_post")),
                doc! { "text": topic, "visibility": "PUBLIC", "media": [] },
                doc! { "postId": format!("urn:li:share:{}", self.rng.random_range(1_000_000_000_u64..9_999_999_999)), "createdAt": bson_time(dataset_now()) },
            ),
            "google_ads_report" | "meta_ads_insights" => (
                "pulled last 7 days of ad metrics".to_string(),
                doc! { "query": "SELECT search_term_view.search_term, metrics.clicks, metrics.cost_micros FROM search_term_view WHERE segments.date DURING LAST_7_DAYS", "customerId": format!("{}", self.rng.random_range(100_000_000_u64..999_999_999)) },
                doc! { "rows": (0..self.rng.random_range(2..6)).map(|_| doc! {
                    "searchTerm": self.pick(&self.corpus.search_terms), "clicks": self.rng.random_range(0..300), "costMicros": self.rng.random_range(0_i64..90_000_000),
                }).collect::<Vec<_>>(), "truncated": false },
            ),
            "send_email" => (
                "sent outreach email".to_string(),
                doc! { "to": format!("editor@site{}.example", self.rng.random_range(1..99)), "subject": format!("Resource for your {topic} article"), "template": "outreach_v3" },
                doc! { "messageId": format!("<{}@mail.example>", self.uuid()), "accepted": true },
            ),
            _ => (
                "updated CRM lead".to_string(),
                doc! { "leadEmail": "lead@example.com", "fields": { "status": "contacted", "score": self.rng.random_range(0..100) } },
                doc! { "updated": true, "version": self.rng.random_range(1..20) },
            ),
        };
        let response = match error {
            Some(message) => {
                doc! { "status": status, "error": { "message": message, "retryable": status >= 429 } }
            }
            None => doc! { "status": status, "body": body },
        };
        (summary, request, response)
    }

    /// The output document (and S3 object) an activity with this status produced, if any.
    fn activity_output(
        &mut self,
        t: &mut Tenant,
        scope: &Scope,
        a: &Activity,
        outcome: &Outcome,
    ) -> Option<ObjectId> {
        if !matches!(a.status, "done" | "needs_review") || a.kind == "publish" {
            return None;
        }
        let at = outcome.finished_at.unwrap_or(a.created_at);
        let stamp = at.to_rfc3339();
        let (kind, bytes) = match a.kind {
            "research" | "optimize" => {
                let value = content::json_output(&mut self.rng, a.kind, &scope.keywords, &stamp);
                (
                    "json",
                    serde_json::to_vec_pretty(&value).expect("JSON values serialise"),
                )
            }
            "write" if a.parent.is_some() && a.title.starts_with("Draft:") => {
                let words = self.rng.random_range(400..1200);
                let md =
                    content::article(&mut self.rng, t.locale, &a.title, &scope.keywords, words);
                ("markdown", md.into_bytes())
            }
            _ => (
                "markdown",
                content::note(&mut self.rng, t.locale, &a.title).into_bytes(),
            ),
        };
        Some(self.output(t, a.id, kind, &a.title, bytes, at, outcome.model))
    }

    /// An activity_outputs document and its S3 object (missing on purpose at the broken rate).
    #[allow(clippy::too_many_arguments)]
    fn output(
        &mut self,
        t: &mut Tenant,
        activity_id: Uuid,
        kind: &'static str,
        title: &str,
        bytes: Vec<u8>,
        at: DateTime<Utc>,
        model: &str,
    ) -> ObjectId {
        let oid = self.object_id(at);
        let (extension, content_type) = match kind {
            "json" => ("json", "application/json"),
            _ => ("md", "text/markdown; charset=utf-8"),
        };
        let key = format!(
            "{}/outputs/{activity_id}/{}.{extension}",
            t.id,
            oid.to_hex()
        );
        let sha = Sha256::digest(&bytes);
        self.sink.document(
            "activity_outputs",
            doc! {
                "_id": oid,
                "tenantId": t.id.to_string(),
                "activityId": activity_id.to_string(),
                "kind": kind,
                "s3Key": key.clone(),
                "contentType": content_type,
                "sizeBytes": bytes.len() as i64,
                "sha256": format!("{sha:x}"),
                "title": title,
                "version": 1,
                "model": model,
                "createdAt": bson_time(at),
            },
        );
        if t.breaker.breaks(&mut self.rng, "activity_outputs.s3Key") {
            self.record_broken(
                t,
                BrokenKind::MissingObject,
                format!("activity_outputs/{}", oid.to_hex()),
                key,
            );
        } else {
            self.sink.object(Object {
                key,
                content_type,
                bytes,
            });
        }
        oid
    }

    /// What a unit of work produced beyond outputs: requests, posts, backlinks,
    /// search term classifications and recommendations.
    #[allow(clippy::too_many_arguments)]
    fn products(
        &mut self,
        t: &mut Tenant,
        kind: &str,
        scope: &Scope,
        top_id: Uuid,
        top_status: &'static str,
        content: Option<ObjectId>,
        children: &[(Uuid, &str, &str)],
        clock: &Clock,
    ) {
        let at = clock
            .last_run_end
            .unwrap_or(scope.period_start)
            .max(scope.period_start - Duration::days(2));
        let request_status = match top_status {
            "done" => "fulfilled",
            "cancelled" => "cancelled",
            "pending" | "queued" => "open",
            _ => "in_progress",
        };
        let requested_at = scope.period_start - Duration::days(2);
        match kind {
            "blog_post" => {
                let channel = t.channels.iter().find(|c| c.kind == "blog").map(|c| c.id);
                let request_id = self.uuid();
                let row: &[(&str, Value)] = &[
                    ("id", request_id.into()),
                    ("tenant_id", t.id.into()),
                    ("deliverable_id", scope.deliverable_id.into()),
                    ("activity_id", top_id.into()),
                    ("target_channel_id", channel.into()),
                    ("topic", scope.topic.into()),
                    (
                        "target_keywords",
                        scope
                            .keywords
                            .iter()
                            .map(|k| k.to_string())
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    ("status", request_status.into()),
                    ("requested_at", requested_at.into()),
                    ("due_at", (scope.period_start + Duration::days(5)).into()),
                    ("created_at", requested_at.into()),
                    ("updated_at", Value::Null),
                ];
                self.sink.row("blog_requests", row);
                if let Some(oid) = content {
                    let post_status = match top_status {
                        "done" => {
                            self.weighted(&[("published", 8), ("scheduled", 1), ("failed", 1)])
                        }
                        _ => "in_review",
                    };
                    let id = self.uuid();
                    let mut content_ref = hex(oid);
                    if t.breaker.breaks(&mut self.rng, "blog_posts.content_ref") {
                        content_ref = hex(self.object_id(at));
                        self.record_broken(
                            t,
                            BrokenKind::MissingDocument,
                            format!("blog_posts/{id}"),
                            content_ref.clone(),
                        );
                    }
                    let slug: String = scope
                        .topic
                        .to_lowercase()
                        .chars()
                        .map(|c| if c.is_alphanumeric() { c } else { '-' })
                        .collect();
                    let published = (post_status == "published").then_some(at + Duration::hours(2));
                    let row: &[(&str, Value)] = &[
                        ("id", id.into()),
                        ("tenant_id", t.id.into()),
                        ("blog_request_id", request_id.into()),
                        ("channel_id", channel.into()),
                        ("title", scope.topic.into()),
                        ("slug", slug.clone().into()),
                        ("status", post_status.into()),
                        ("content_ref", content_ref.into()),
                        (
                            "published_url",
                            published
                                .map(|_| format!("https://{}/blog/{slug}", t.domain))
                                .into(),
                        ),
                        ("published_at", published.into()),
                        ("word_count", self.rng.random_range(600..5400).into()),
                        ("created_at", at.into()),
                        ("updated_at", published.into()),
                    ];
                    self.sink.row("blog_posts", row);
                }
            }
            "social_post" => {
                let platforms: Vec<_> = t
                    .channels
                    .iter()
                    .filter(|c| matches!(c.kind, "linkedin" | "x" | "instagram" | "facebook"))
                    .map(|c| (c.id, c.kind))
                    .collect();
                let request_id = self.uuid();
                let row: &[(&str, Value)] = &[
                    ("id", request_id.into()),
                    ("tenant_id", t.id.into()),
                    ("deliverable_id", scope.deliverable_id.into()),
                    ("activity_id", top_id.into()),
                    (
                        "platforms",
                        platforms
                            .iter()
                            .map(|p| p.1.to_string())
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    ("brief", format!("Promote: {}", scope.topic).into()),
                    ("status", request_status.into()),
                    ("created_at", requested_at.into()),
                    ("updated_at", Value::Null),
                ];
                self.sink.row("social_media_requests", row);
                if !matches!(top_status, "done" | "needs_review" | "running") {
                    return;
                }
                for (channel_id, platform) in platforms {
                    let stamp = at.to_rfc3339();
                    let copy = content::social(&mut self.rng, t.locale, platform, &stamp);
                    let bytes = serde_json::to_vec_pretty(&copy).expect("JSON values serialise");
                    let oid = self.output(
                        t,
                        top_id,
                        "json",
                        &format!("{platform} post"),
                        bytes,
                        at,
                        "claude-sonnet-4-5",
                    );
                    let id = self.uuid();
                    let mut content_ref = hex(oid);
                    if t.breaker.breaks(&mut self.rng, "social_posts.content_ref") {
                        content_ref = hex(self.object_id(at));
                        self.record_broken(
                            t,
                            BrokenKind::MissingDocument,
                            format!("social_posts/{id}"),
                            content_ref.clone(),
                        );
                    }
                    let status = match top_status {
                        "done" => self.weighted(&[("published", 8), ("failed", 1)]),
                        "needs_review" => "draft",
                        _ => "scheduled",
                    };
                    let scheduled = at + Duration::hours(self.rng.random_range(1..72));
                    let published = (status == "published").then_some(scheduled);
                    let row: &[(&str, Value)] = &[
                            ("id", id.into()),
                            ("tenant_id", t.id.into()),
                            ("social_media_request_id", request_id.into()),
                            ("channel_id", channel_id.into()),
                            ("status", status.into()),
                            ("content_ref", content_ref.into()),
                            ("scheduled_at", scheduled.into()),
                            ("published_at", published.into()),
                            ("external_post_id", published.map(|_| format!("{platform}_{}", self.rng.random_range(10_000_000_u64..99_999_999))).into()),
                            (
                                "metrics",
                                published
                                    .map(|_| serde_json::json!({ "likes": self.rng.random_range(0..900), "shares": self.rng.random_range(0..120), "impressions": self.rng.random_range(100..40_000) }))
                                    .into(),
                            ),
                            ("created_at", at.into()),
                            ("updated_at", published.into()),
                        ];
                    self.sink.row("social_posts", row);
                }
            }
            "backlink" => {
                let outreach = children
                    .iter()
                    .find(|c| c.1 == "outreach")
                    .map_or(top_id, |c| c.0);
                for n in 0..self.rng.random_range(2..=6) {
                    let status = match top_status {
                        "done" => self.weighted(&[
                            ("acquired", 4),
                            ("rejected", 2),
                            ("lost", 1),
                            ("outreach", 1),
                        ]),
                        "pending" | "queued" => "prospect",
                        _ => self.pick(&["prospect", "outreach"]),
                    };
                    let row: &[(&str, Value)] = &[
                        ("id", self.uuid().into()),
                        ("tenant_id", t.id.into()),
                        ("activity_id", outreach.into()),
                        ("deliverable_id", scope.deliverable_id.into()),
                        (
                            "source_url",
                            format!(
                                "https://blog{}.example/resources/{}",
                                self.rng.random_range(1..400),
                                n
                            )
                            .into(),
                        ),
                        ("target_url", format!("https://{}/", t.domain).into()),
                        (
                            "anchor_text",
                            scope
                                .keywords
                                .first()
                                .copied()
                                .unwrap_or(scope.topic)
                                .into(),
                        ),
                        ("domain_rating", self.rng.random_range(5..95).into()),
                        ("status", status.into()),
                        (
                            "acquired_at",
                            (status == "acquired")
                                .then_some(at + Duration::days(3))
                                .into(),
                        ),
                        ("created_at", (at + Duration::minutes(n as i64)).into()),
                        ("updated_at", Value::Null),
                    ];
                    self.sink.row("backlinks", row);
                }
            }
            "ad_optimization"
                if !t.campaigns.is_empty() && !matches!(top_status, "pending" | "queued") =>
            {
                let classifier = children
                    .iter()
                    .find(|c| c.1 == "optimize")
                    .map_or(top_id, |c| c.0);
                let campaign = t.campaigns[self.rng.random_range(0..t.campaigns.len())].clone();
                let window = scope.period_start.date_naive() - Duration::days(7)
                    ..scope.period_start.date_naive();
                let reports: Vec<Uuid> = campaign
                    .reports
                    .iter()
                    .filter(|(_, day)| window.contains(day))
                    .map(|(id, _)| *id)
                    .collect();
                for report in reports {
                    let status =
                        self.weighted(&[("accepted", 6), ("pending", 3), ("overridden", 1)]);
                    let reviewer =
                        (status != "pending").then(|| self.user(t, &["admin", "member"]));
                    let row: &[(&str, Value)] = &[
                        ("id", self.uuid().into()),
                        ("tenant_id", t.id.into()),
                        ("search_term_report_id", report.into()),
                        ("activity_id", classifier.into()),
                        ("reviewed_by", reviewer.into()),
                        (
                            "classification",
                            self.pick(&["relevant", "irrelevant", "negative_candidate", "brand"])
                                .into(),
                        ),
                        (
                            "confidence",
                            Value::Numeric(format!("{:.3}", self.rng.random_range(0.5..0.999))),
                        ),
                        ("status", status.into()),
                        (
                            "reviewed_at",
                            reviewer.map(|_| at + Duration::hours(4)).into(),
                        ),
                        ("created_at", at.into()),
                        ("updated_at", Value::Null),
                    ];
                    self.sink.row("search_term_classifications", row);
                }
                for _ in 0..self.rng.random_range(1..=3) {
                    let status = self.weighted(&[
                        ("proposed", 3),
                        ("approved", 2),
                        ("applied", 3),
                        ("rejected", 1),
                    ]);
                    let reviewer =
                        (status != "proposed").then(|| self.user(t, &["admin", "owner"]));
                    let kind = self.pick(&[
                        "add_negative",
                        "raise_bid",
                        "lower_bid",
                        "pause_keyword",
                        "shift_budget",
                    ]);
                    let corpus = self.corpus;
                    let row: &[(&str, Value)] = &[
                            ("id", self.uuid().into()),
                            ("tenant_id", t.id.into()),
                            ("channel_id", campaign.channel_id.into()),
                            ("ad_campaign_id", campaign.id.into()),
                            ("activity_id", top_id.into()),
                            ("reviewed_by", reviewer.into()),
                            ("kind", kind.into()),
                            (
                                "payload",
                                serde_json::json!({ "searchTerm": self.pick(&corpus.search_terms), "bidChangePct": self.rng.random_range(-40..40), "budgetShiftCents": self.rng.random_range(0..50_000) }).into(),
                            ),
                            ("rationale", format!("{kind}: spend without conversions over the last 7 days").into()),
                            ("status", status.into()),
                            ("reviewed_at", reviewer.map(|_| at + Duration::hours(6)).into()),
                            ("created_at", at.into()),
                            ("updated_at", Value::Null),
                        ];
                    self.sink.row("ad_optimization_recommendations", row);
                }
            }
            _ => {}
        }
    }
}

/// A sub-activity's status given its parent's: work before the last step is done, the
/// last step carries the parent's state.
fn child_status(parent: &'static str, index: usize, count: usize) -> &'static str {
    let last = index + 1 == count;
    match parent {
        "done" => "done",
        "failed" | "running" | "needs_review" | "blocked" if !last => "done",
        "failed" | "running" | "needs_review" | "blocked" => parent,
        "cancelled" if index == 0 => "done",
        "cancelled" => "cancelled",
        _ => "pending",
    }
}
