//! The tenant itself and what hangs directly off it: users, contracts, onboarding,
//! billing, agent configuration and templates.

use chrono::{Datelike, Duration, Months, NaiveDate};
use mongodb::bson::doc;
use rand::Rng;
use serde_json::json;

use super::super::corpus::{Corpus, LOCALES};
use super::super::sink::{Object, Value};
use super::super::{BrokenKind, pdf};
use super::{Breaker, Generator, Tenant, User, bson_time, dataset_now, hex};

const PLANS: [(&str, u32); 4] = [
    ("starter", 3),
    ("growth", 4),
    ("scale", 2),
    ("enterprise", 1),
];
const MODELS: [&str; 5] = [
    "claude-sonnet-4-5",
    "gpt-4o",
    "claude-haiku-4-5",
    "gpt-4o-mini",
    "gemini-2.5-pro",
];

impl Generator<'_> {
    pub(super) fn tenant_row(&mut self, index: u32) -> Tenant {
        let companies = &self.corpus.companies;
        let company = &companies[index as usize % companies.len()];
        let round = index as usize / companies.len();
        let slug = if round == 0 {
            company.slug.to_string()
        } else {
            format!("{}-{}", company.slug, round + 1)
        };
        let name = if round == 0 {
            company.name.to_string()
        } else {
            format!("{} {}", company.name, round + 1)
        };
        let id = self.uuid();
        let created_at = dataset_now() - Duration::days(self.rng.random_range(200..720));
        let status = self.weighted(&[("active", 14), ("trial", 3), ("paused", 2), ("churned", 1)]);
        let plan = self.weighted(&PLANS);
        let timezone = match LOCALES[company.locale] {
            "de" => "Europe/Berlin",
            "es" => "Europe/Madrid",
            "fr" => "Europe/Paris",
            "ja" => "Asia/Tokyo",
            "zh" => "Asia/Shanghai",
            "ko" => "Asia/Seoul",
            "ar" => "Asia/Dubai",
            "he" => "Asia/Jerusalem",
            _ => self.pick(&["America/New_York", "America/Los_Angeles", "Europe/London"]),
        };
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("name", name.into()),
            ("slug", slug.clone().into()),
            ("status", status.into()),
            ("plan", plan.into()),
            ("industry", company.industry.into()),
            ("website_url", company.website.into()),
            ("timezone", timezone.into()),
            ("created_at", created_at.into()),
            ("updated_at", (created_at + Duration::days(3)).into()),
        ];
        self.sink.row("tenants", row);
        let domain = company
            .website
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let breaker = Breaker::new(&mut self.rng, self.options.broken_rate);
        Tenant {
            id,
            locale: company.locale,
            slug,
            domain,
            created_at,
            users: Vec::new(),
            channels: Vec::new(),
            campaigns: Vec::new(),
            breaker,
            has_long_article: false,
            showcased: false,
        }
    }

    pub(super) fn organisation(&mut self, t: &mut Tenant) {
        self.users(t);
        self.contracts(t);
        self.onboarding(t);
        self.billing(t);
        self.agent_configs(t);
        self.templates(t);
    }

    fn users(&mut self, t: &mut Tenant) {
        let names = Corpus::localized(&self.corpus.names, t.locale);
        let count = self.rng.random_range(4..=10);
        for i in 0..count {
            let role = match i {
                0 => "owner",
                1 => "admin",
                _ => self.weighted(&[("member", 6), ("admin", 1), ("viewer", 2)]),
            };
            let full_name =
                names[(i * 7 + t.locale * 3 + self.rng.random_range(0..3)) % names.len()];
            let local = ascii_local_part(full_name).unwrap_or_else(|| format!("user{}", i + 1));
            let created_at = t.created_at + Duration::hours(i as i64 * 20 + 1);
            let status = if i == 0 {
                "active"
            } else {
                self.weighted(&[("active", 8), ("invited", 1), ("disabled", 1)])
            };
            let last_login = (status == "active").then(|| self.between(created_at, dataset_now()));
            let id = self.uuid();
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("email", format!("{local}{i}@{}", t.domain).into()),
                ("full_name", full_name.into()),
                ("role", role.into()),
                ("status", status.into()),
                ("last_login_at", last_login.into()),
                ("created_at", created_at.into()),
                ("updated_at", last_login.into()),
            ];
            self.sink.row("users", row);
            t.users.push(User { id, role });
        }
    }

    fn contracts(&mut self, t: &mut Tenant) {
        let count = self.rng.random_range(2..=3);
        let fee = self.rng.random_range(15..120) * 10_000;
        let currency = self.pick(&["USD", "EUR", "GBP", "JPY"]);
        for version in 1..=count {
            let status = match version {
                1 => "expired",
                2 => "accepted",
                _ => self.pick(&["draft", "sent"]),
            };
            let created_at = t.created_at + Duration::days(i64::from(version - 1) * 180 + 1);
            let contract_ref = format!(
                "CTR-{}-{:04}",
                created_at.year(),
                self.rng.random_range(1..9999)
            );
            let key = (status != "draft")
                .then(|| format!("{}/contracts/{contract_ref}/v{version}.pdf", t.id));
            let accepted_at =
                matches!(status, "accepted" | "expired").then(|| created_at + Duration::days(2));
            let owner = self.user(t, &["owner"]);
            let id = self.uuid();
            let starts_on = created_at.date_naive();
            let ends_on = starts_on + Duration::days(365);
            if let Some(key) = &key {
                if t.breaker.breaks(&mut self.rng, "contracts.pdf_s3_key") {
                    self.record_broken(
                        t,
                        BrokenKind::MissingContractPdf,
                        format!("contracts/{id}"),
                        key.clone(),
                    );
                } else {
                    let lines = vec![
                        "Master Services Agreement".to_string(),
                        format!("Contract {contract_ref}, template version {version}"),
                        format!("Customer: {} ({})", t.slug, t.domain),
                        format!("Monthly fee: {}.{:02} {currency}", fee / 100, fee % 100),
                        format!("Term: {starts_on} to {ends_on}"),
                        "Signed electronically by both parties.".to_string(),
                    ];
                    self.sink.object(Object {
                        key: key.clone(),
                        content_type: "application/pdf",
                        bytes: pdf::contract(&lines),
                    });
                }
            }
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("accepted_by", accepted_at.map(|_| owner).into()),
                ("contract_ref_id", contract_ref.into()),
                ("template_version", version.into()),
                ("status", status.into()),
                ("accepted_at", accepted_at.into()),
                ("pdf_s3_key", key.into()),
                ("monthly_fee_cents", i64::from(fee).into()),
                ("currency", currency.into()),
                ("starts_on", starts_on.into()),
                ("ends_on", ends_on.into()),
                ("created_at", created_at.into()),
                ("updated_at", accepted_at.into()),
            ];
            self.sink.row("contracts", row);
        }
    }

    fn onboarding(&mut self, t: &mut Tenant) {
        let runs = self.rng.random_range(1..=2);
        for i in 0..runs {
            let started_at = t.created_at + Duration::hours(2 + i64::from(i) * 72);
            let last = i + 1 == runs;
            let status = if last {
                self.weighted(&[("approved", 8), ("needs_review", 2), ("running", 1)])
            } else {
                "failed"
            };
            let finished_at = (status != "running")
                .then(|| started_at + Duration::minutes(self.rng.random_range(4..50)));
            let reviewer = self.user(t, &["owner", "admin"]);
            let reviewed_at = (status == "approved")
                .then(|| finished_at.unwrap_or(started_at) + Duration::hours(5));
            let id = self.uuid();
            let context =
                (status != "failed" || self.chance(0.5)).then(|| self.object_id(started_at));
            let mut context_ref = context.map(hex);
            if let Some(context) = context {
                if t.breaker
                    .breaks(&mut self.rng, "onboarding_runs.context_file_id")
                {
                    let dangling = self.object_id(started_at);
                    context_ref = Some(hex(dangling));
                    self.record_broken(
                        t,
                        BrokenKind::MissingDocument,
                        format!("onboarding_runs/{id}"),
                        hex(dangling),
                    );
                }
                let skill = &self.corpus.skills[self.rng.random_range(0..self.corpus.skills.len())];
                let created = bson_time(started_at + Duration::minutes(3));
                let sources: Vec<_> = (0..self.rng.random_range(2..5))
                    .map(|n| doc! { "url": format!("https://{}/page-{n}", t.domain), "title": format!("Source {n}"), "fetchedAt": created })
                    .collect();
                self.sink.document(
                    "skills",
                    doc! {
                        "_id": context,
                        "tenantId": t.id.to_string(),
                        "name": skill.name,
                        "kind": skill.kind,
                        "content": skill.content.clone(),
                        "sources": sources,
                        "createdAt": created,
                    },
                );
                for n in 0..self.rng.random_range(1..=3) {
                    let research_id = self.object_id(started_at);
                    let findings: Vec<String> = (0..3)
                        .map(|_| {
                            super::super::content::pick(
                                &mut self.rng,
                                Corpus::localized(&self.corpus.paragraphs, t.locale),
                            )
                            .chars()
                            .take(160)
                            .collect()
                        })
                        .collect();
                    let competitors: Vec<_> = (0..self.rng.random_range(2..5))
                        .map(|c| doc! { "name": format!("Competitor {}", c + 1), "domain": format!("competitor{}.example", c + 1), "shareOfVoice": self.rng.random_range(0.02..0.4) })
                        .collect();
                    self.sink.document(
                        "onboarding_research",
                        doc! {
                            "_id": research_id,
                            "tenantId": t.id.to_string(),
                            "onboardingRunId": id.to_string(),
                            "contextFileId": context,
                            "sequence": n,
                            "findings": findings,
                            "competitors": competitors,
                            "createdAt": bson_time(started_at + Duration::minutes(10 + i64::from(n))),
                        },
                    );
                }
            }
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("reviewed_by", reviewed_at.map(|_| reviewer).into()),
                ("status", status.into()),
                ("context_file_id", context_ref.into()),
                ("reviewed_at", reviewed_at.into()),
                ("started_at", started_at.into()),
                ("finished_at", finished_at.into()),
                (
                    "error",
                    (status == "failed")
                        .then(|| self.pick(&self.corpus.run_errors))
                        .into(),
                ),
                ("created_at", started_at.into()),
                ("updated_at", finished_at.into()),
            ];
            self.sink.row("onboarding_runs", row);
        }
    }

    fn billing(&mut self, t: &Tenant) {
        let currency = self.pick(&["USD", "EUR", "GBP"]);
        let fee = i64::from(self.rng.random_range(20..150)) * 10_000;
        let mut month = NaiveDate::from_ymd_opt(t.created_at.year(), t.created_at.month(), 1)
            .expect("first of a month");
        while month < dataset_now().date_naive() {
            let next = month + Months::new(1);
            let issued = month.and_hms_opt(6, 0, 0).expect("valid time").and_utc();
            let mut events: Vec<(&str, i64, i64)> = vec![("invoice_issued", fee, 0)];
            if self.chance(0.08) {
                events.push(("payment_failed", fee, 2));
            }
            events.push(("payment_succeeded", fee, 5));
            if self.chance(0.5) {
                events.push((
                    "usage_charge",
                    i64::from(self.rng.random_range(500..40_000)),
                    20,
                ));
            }
            if self.chance(0.05) {
                let kind = self.pick(&["credit", "refund"]);
                events.push((kind, -i64::from(self.rng.random_range(1_000..20_000)), 25));
            }
            for (kind, amount, days) in events {
                let at = issued
                    + Duration::days(days)
                    + Duration::minutes(self.rng.random_range(0..600));
                if at > dataset_now() {
                    continue;
                }
                let id = self.uuid();
                let row: &[(&str, Value)] = &[
                    ("id", id.into()),
                    ("tenant_id", t.id.into()),
                    ("kind", kind.into()),
                    ("amount_cents", amount.into()),
                    ("currency", currency.into()),
                    ("occurred_at", at.into()),
                    (
                        "external_ref",
                        format!("in_{}", &id.simple().to_string()[..14]).into(),
                    ),
                    ("period_start", month.into()),
                    ("period_end", (next - Duration::days(1)).into()),
                    ("created_at", at.into()),
                    ("updated_at", Value::Null),
                ];
                self.sink.row("billing_events", row);
            }
            month = next;
        }
    }

    fn agent_configs(&mut self, t: &Tenant) {
        for agent_type in ["strategist", "writer", "seo", "ads", "social"] {
            let versions = self.rng.random_range(1..=3);
            for version in 1..=versions {
                let model = self.pick(&MODELS);
                let created_at = t.created_at + Duration::days(i64::from(version) * 40);
                let tools = match agent_type {
                    "writer" => json!(["web_search", "fetch_url", "cms_publish"]),
                    "seo" => json!(["keyword_research", "serp_check", "fetch_url"]),
                    "ads" => json!(["google_ads_report", "meta_ads_insights"]),
                    "social" => json!(["linkedin_post", "x_post"]),
                    _ => json!(["web_search", "crm_update_lead", "send_email"]),
                };
                let id = self.uuid();
                let row: &[(&str, Value)] = &[
                        ("id", id.into()),
                        ("tenant_id", t.id.into()),
                        ("name", format!("{agent_type}-agent").into()),
                        ("agent_type", agent_type.into()),
                        ("model", model.into()),
                        ("temperature", Value::Numeric(format!("0.{}", self.rng.random_range(1..9)))),
                        (
                            "system_prompt",
                            format!(
                                "You are the {agent_type} agent for {}. Follow the brand voice guide, cite sources, and never invent statistics.\nRespond in the tenant's language ({}).",
                                t.slug, LOCALES[t.locale]
                            )
                            .into(),
                        ),
                        ("tools", tools.into()),
                        ("version", version.into()),
                        ("is_active", (version == versions).into()),
                        ("created_at", created_at.into()),
                        ("updated_at", Value::Null),
                    ];
                self.sink.row("agent_configs", row);
            }
        }
    }

    fn templates(&mut self, t: &Tenant) {
        for (name, kind) in [
            ("Blog article", "write"),
            ("Keyword research", "research"),
            ("Editorial review", "review"),
            ("Link outreach", "outreach"),
        ] {
            let mut source = None;
            for version in 1..=self.rng.random_range(1..=3) {
                let id = self.uuid();
                let created_at = t.created_at + Duration::days(i64::from(version) * 30);
                let row: &[(&str, Value)] = &[
                        ("id", id.into()),
                        ("tenant_id", t.id.into()),
                        ("source_template_id", source.into()),
                        ("name", name.into()),
                        ("kind", kind.into()),
                        (
                            "definition",
                            json!({ "steps": ["plan", "execute", "verify"], "maxAttempts": 3, "timeoutSeconds": 900, "version": version }).into(),
                        ),
                        ("version", version.into()),
                        ("created_at", created_at.into()),
                        ("updated_at", Value::Null),
                    ];
                self.sink.row("activity_templates", row);
                source = Some(id);
            }
        }
        for (name, schedule) in [
            ("Weekly blog post", "0 9 * * 1"),
            ("Monthly performance report", "0 7 1 * *"),
            ("Daily search term review", "30 6 * * *"),
        ] {
            let mut source = None;
            for version in 1..=self.rng.random_range(1..=2) {
                let id = self.uuid();
                let created_at = t.created_at + Duration::days(i64::from(version) * 21);
                let row: &[(&str, Value)] = &[
                        ("id", id.into()),
                        ("tenant_id", t.id.into()),
                        ("source_template_id", source.into()),
                        ("name", name.into()),
                        ("schedule", schedule.into()),
                        ("definition", json!({ "activityKind": "write", "timezone": "tenant", "version": version }).into()),
                        ("is_active", self.chance(0.8).into()),
                        ("created_at", created_at.into()),
                        ("updated_at", Value::Null),
                    ];
                self.sink.row("recurring_task_templates", row);
                source = Some(id);
            }
        }
    }
}

/// "María Núñez-Smith" → "maria.nunez-smith"; None when the name has no Latin letters.
fn ascii_local_part(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let base = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'ß' => 's',
            ' ' => '.',
            c if c.is_ascii_alphanumeric() || c == '-' => c.to_ascii_lowercase(),
            _ => continue,
        };
        out.push(base);
    }
    let out = out.trim_matches('.').to_string();
    out.chars().any(|c| c.is_ascii_alphabetic()).then_some(out)
}
