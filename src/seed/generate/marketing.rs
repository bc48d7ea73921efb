//! Channels and what they carry: scores, ad campaigns with keywords and search term
//! reports, and the CRM's leads.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use serde_json::json;
use uuid::Uuid;

use super::super::corpus::Corpus;
use super::super::sink::Value;
use super::{Generator, Tenant, dataset_now};

#[derive(Clone)]
pub struct Channel {
    pub id: Uuid,
    pub kind: &'static str,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct Campaign {
    pub id: Uuid,
    pub channel_id: Uuid,
    /// Search term reports: (id, report date).
    pub reports: Vec<(Uuid, NaiveDate)>,
}

impl Generator<'_> {
    pub(super) fn marketing(&mut self, t: &mut Tenant) -> anyhow::Result<()> {
        self.channels(t);
        for channel in t.channels.clone() {
            self.channel_scores(t, &channel);
            if matches!(channel.kind, "google_ads" | "meta_ads") {
                for _ in 0..self.rng.random_range(1..=3) {
                    self.campaign(t, &channel);
                }
            }
            self.checkpoint()?;
        }
        Ok(())
    }

    fn channels(&mut self, t: &mut Tenant) {
        let mut kinds = vec!["blog", "linkedin", "google_ads"];
        for (kind, p) in [
            ("x", 0.7),
            ("instagram", 0.5),
            ("facebook", 0.4),
            ("meta_ads", 0.5),
            ("email", 0.6),
        ] {
            if self.chance(p) {
                kinds.push(kind);
            }
        }
        for kind in kinds {
            let id = self.uuid();
            let created_at = t.created_at + Duration::days(self.rng.random_range(1..20));
            let status = self.weighted(&[("connected", 10), ("disconnected", 1), ("error", 1)]);
            let handle = match kind {
                "blog" => format!("{}/blog", t.domain),
                "email" => format!("newsletter@{}", t.domain),
                "google_ads" | "meta_ads" => {
                    format!("{}-{}", t.slug, self.rng.random_range(100..999))
                }
                _ => format!("@{}", t.slug),
            };
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("kind", kind.into()),
                (
                    "name",
                    format!("{} {}", t.slug, kind.replace('_', " ")).into(),
                ),
                ("handle", handle.into()),
                ("status", status.into()),
                (
                    "external_account_id",
                    format!("acct_{}", self.rng.random_range(10_000_000..99_999_999)).into(),
                ),
                (
                    "connected_at",
                    (status != "disconnected")
                        .then_some(created_at + Duration::hours(1))
                        .into(),
                ),
                ("created_at", created_at.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("channels", row);
            t.channels.push(Channel {
                id,
                kind,
                created_at,
            });
        }
    }

    fn channel_scores(&mut self, t: &Tenant, channel: &Channel) {
        let days = self.scaled(90);
        let mut score = self.rng.random_range(40.0..80.0_f64);
        for back in (0..days).rev() {
            let day = dataset_now().date_naive() - Duration::days(i64::from(back));
            if day < channel.created_at.date_naive() {
                continue;
            }
            score = (score + self.rng.random_range(-3.0..3.2)).clamp(0.0, 100.0);
            let at = day.and_hms_opt(3, 0, 0).expect("valid time").and_utc();
            let row: &[(&str, Value)] = &[
                ("id", self.uuid().into()),
                ("tenant_id", t.id.into()),
                ("channel_id", channel.id.into()),
                ("scored_on", day.into()),
                ("score", Value::Numeric(format!("{score:.2}"))),
                (
                    "metrics",
                    json!({
                        "impressions": self.rng.random_range(100..50_000),
                        "engagementRate": (self.rng.random_range(5..900) as f64) / 10_000.0,
                        "followers": self.rng.random_range(50..100_000),
                    })
                    .into(),
                ),
                ("created_at", at.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("channel_scores", row);
        }
    }

    fn campaign(&mut self, t: &mut Tenant, channel: &Channel) {
        let id = self.uuid();
        let created_at = channel.created_at + Duration::days(self.rng.random_range(1..60));
        let status = self.weighted(&[("active", 6), ("paused", 2), ("ended", 2), ("draft", 1)]);
        let topic = self.topic(t.locale);
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("tenant_id", t.id.into()),
            ("channel_id", channel.id.into()),
            (
                "name",
                format!(
                    "{} – {}",
                    topic.0,
                    self.pick(&["Search", "Prospecting", "Retargeting", "Brand"])
                )
                .into(),
            ),
            (
                "objective",
                self.pick(&["awareness", "traffic", "leads", "conversions"])
                    .into(),
            ),
            ("status", status.into()),
            (
                "daily_budget_cents",
                i64::from(self.rng.random_range(20..500) * 100).into(),
            ),
            ("currency", "USD".into()),
            (
                "external_campaign_id",
                format!(
                    "{}",
                    self.rng.random_range(1_000_000_000_u64..9_999_999_999)
                )
                .into(),
            ),
            ("starts_on", created_at.date_naive().into()),
            (
                "ends_on",
                (status == "ended")
                    .then(|| dataset_now().date_naive() - Duration::days(10))
                    .into(),
            ),
            ("created_at", created_at.into()),
            ("updated_at", Value::Null),
        ];
        self.sink.row("ad_campaigns", row);
        for keyword in topic
            .1
            .iter()
            .chain(self.corpus.search_terms.iter().take(3))
        {
            let row: &[(&str, Value)] = &[
                ("id", self.uuid().into()),
                ("tenant_id", t.id.into()),
                ("channel_id", channel.id.into()),
                ("ad_campaign_id", id.into()),
                ("keyword", (*keyword).into()),
                (
                    "match_type",
                    self.pick(&["exact", "phrase", "broad"]).into(),
                ),
                (
                    "bid_cents",
                    i64::from(self.rng.random_range(30..900)).into(),
                ),
                (
                    "status",
                    self.weighted(&[("active", 8), ("paused", 2), ("removed", 1)])
                        .into(),
                ),
                ("quality_score", self.rng.random_range(1..=10).into()),
                ("created_at", (created_at + Duration::minutes(5)).into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("ad_keywords", row);
        }
        let mut reports = Vec::new();
        let days = self.scaled(30);
        for back in (0..days).rev() {
            let day = dataset_now().date_naive() - Duration::days(i64::from(back) + 1);
            if day < created_at.date_naive() {
                continue;
            }
            for _ in 0..self.rng.random_range(1..=3) {
                let impressions = self.rng.random_range(10..5_000);
                let clicks = self.rng.random_range(0..=impressions / 10);
                let report_id = self.uuid();
                let at = (day + Duration::days(1))
                    .and_hms_opt(4, 0, 0)
                    .expect("valid time")
                    .and_utc();
                let row: &[(&str, Value)] = &[
                    ("id", report_id.into()),
                    ("tenant_id", t.id.into()),
                    ("channel_id", channel.id.into()),
                    ("ad_campaign_id", id.into()),
                    ("report_date", day.into()),
                    ("search_term", self.pick(&self.corpus.search_terms).into()),
                    ("impressions", impressions.into()),
                    ("clicks", clicks.into()),
                    (
                        "cost_cents",
                        i64::from(clicks * self.rng.random_range(20..400)).into(),
                    ),
                    (
                        "conversions",
                        Value::Numeric(format!(
                            "{:.2}",
                            f64::from(clicks) * self.rng.random_range(0.0..0.08)
                        )),
                    ),
                    ("created_at", at.into()),
                    ("updated_at", Value::Null),
                ];
                self.sink.row("search_term_reports", row);
                reports.push((report_id, day));
            }
        }
        t.campaigns.push(Campaign {
            id,
            channel_id: channel.id,
            reports,
        });
    }

    pub(super) fn leads(&mut self, t: &Tenant) {
        let names = Corpus::localized(&self.corpus.names, t.locale);
        for n in 0..self.scaled(25) {
            let id = self.uuid();
            let created_at = self.between(t.created_at + Duration::days(20), dataset_now());
            let from_campaign = !t.campaigns.is_empty() && self.chance(0.5);
            let (channel, campaign) = if from_campaign {
                let c = &t.campaigns[self.rng.random_range(0..t.campaigns.len())];
                (Some(c.channel_id), Some(c.id))
            } else {
                let c = &t.channels[self.rng.random_range(0..t.channels.len())];
                (Some(c.id), None)
            };
            let status = self.weighted(&[
                ("new", 4),
                ("contacted", 3),
                ("qualified", 2),
                ("won", 1),
                ("lost", 1),
            ]);
            let assigned = (status != "new").then(|| self.user(t, &["member", "admin"]));
            let full_name = names[(n as usize * 11 + 5) % names.len()];
            let row: &[(&str, Value)] = &[
                ("id", id.into()),
                ("tenant_id", t.id.into()),
                ("source_channel_id", channel.into()),
                ("source_campaign_id", campaign.into()),
                ("assigned_to", assigned.into()),
                ("full_name", full_name.into()),
                (
                    "email",
                    format!(
                        "lead{n}@{}",
                        self.pick(&["gmail.com", "outlook.com", "acme-corp.example", "proton.me"])
                    )
                    .into(),
                ),
                (
                    "phone",
                    self.chance(0.6)
                        .then(|| format!("+1 555 {:04}", self.rng.random_range(0..10_000)))
                        .into(),
                ),
                (
                    "company",
                    self.chance(0.7)
                        .then(|| {
                            format!(
                                "{} GmbH",
                                full_name.split_whitespace().last().unwrap_or("Acme")
                            )
                        })
                        .into(),
                ),
                ("status", status.into()),
                ("score", self.rng.random_range(0..=100).into()),
                ("created_at", created_at.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("leads", row);
            let mut at = created_at;
            for _ in 0..self.rng.random_range(1..=5) {
                at += Duration::hours(self.rng.random_range(1..96));
                if at > dataset_now() {
                    break;
                }
                let kind = self.pick(&["email", "call", "meeting", "note", "status_change"]);
                let row: &[(&str, Value)] = &[
                    ("id", self.uuid().into()),
                    ("tenant_id", t.id.into()),
                    ("lead_id", id.into()),
                    ("kind", kind.into()),
                    (
                        "summary",
                        format!(
                            "{kind}: {}",
                            self.pick(&[
                                "intro sent",
                                "asked for pricing",
                                "demo booked",
                                "no answer",
                                "moved to qualified"
                            ])
                        )
                        .into(),
                    ),
                    ("occurred_at", at.into()),
                    ("created_at", at.into()),
                    ("updated_at", Value::Null),
                ];
                self.sink.row("lead_activities", row);
            }
        }
    }

    /// A topic in the tenant's language and its keywords.
    pub(super) fn topic(&mut self, locale: usize) -> (&'static str, Vec<&'static str>) {
        let topics = Corpus::localized(&self.corpus.topics, locale);
        let topic = &topics[self.rng.random_range(0..topics.len())];
        (topic.text, topic.keywords.clone())
    }
}
