//! Something real for the run inspector to show, in every tenant: after the runs of its
//! first finished research activity, two manual re-runs of the same plan.
//!
//! - The good one: a planning LLM call, three tool calls in parallel (web_search,
//!   fetch_url, keyword_research), a slow synthesis LLM call, a serp_check, a writing call.
//! - The failing one: the same plan, but its fetch_url asks for another page and gets a
//!   404; the agent carries on, backs off for a minute, asks for the same page again,
//!   gets the same 404, and that error is the run's `error_message`. Its serp_check and
//!   writing call never happen.
//!
//! Comparing them aligns five steps, shows the two steps only the good run has and the
//! extra fetch, and the fetch's log documents differ at `request.url`.
//!
//! - Then a long one (300–400 steps): rounds of an LLM call and two to four tool calls
//!   in parallel, one fetch rate-limited (the run's only failed step) and retried after
//!   a back-off; it succeeds and writes a second version of the activity's output (an
//!   `activity_outputs` document and its S3 object), so comparing it with the run that
//!   wrote the first version shows a line diff of the two outputs.
//!
//! Everything here draws from a random stream of its own (seeded from the generator's
//! seed and the activity), so every other row, document and object stays what it was.

use chrono::{DateTime, Duration, Utc};
use mongodb::bson::{Document, doc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use sha2::{Digest, Sha256};

use super::super::content;
use super::super::sink::{Object, Value};
use super::work::MODELS;
use super::{Generator, Tenant, bson_time, hex, usd};

/// Mixed into the showcase's stream seed.
const STREAM: u64 = 0x7275_6e5f_7669_6577;

/// One planned step: LLM call (`tool` None) or tool call, its start and latency in ms
/// from the run's start, and for a tool call which payload it sends and how it ends.
struct Planned {
    tool: Option<&'static str>,
    start_ms: i64,
    latency_ms: i64,
    /// Index into the good run's payloads; the failing fetch uses its own.
    payload: usize,
    failed: bool,
}

const fn llm(start_ms: i64, latency_ms: i64) -> Planned {
    Planned {
        tool: None,
        start_ms,
        latency_ms,
        payload: 0,
        failed: false,
    }
}

const fn tool(name: &'static str, start_ms: i64, latency_ms: i64, payload: usize) -> Planned {
    Planned {
        tool: Some(name),
        start_ms,
        latency_ms,
        payload,
        failed: false,
    }
}

/// The tools of the plan, in payload order.
const TOOLS: [&str; 4] = ["web_search", "fetch_url", "keyword_research", "serp_check"];

impl Generator<'_> {
    /// Writes the two showcase runs of `activity` (numbers `after + 1` and `after + 2`)
    /// from `start`; returns when the second one ended.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn showcase(
        &mut self,
        t: &mut Tenant,
        activity: Uuid,
        session: Uuid,
        model: &'static str,
        after: u32,
        start: DateTime<Utc>,
        keywords: &[&str],
    ) -> DateTime<Utc> {
        let seed = self.options.seed ^ STREAM ^ (activity.as_u128() as u64);
        let main = std::mem::replace(&mut self.rng, ChaCha8Rng::seed_from_u64(seed));
        let end = self.showcase_runs(t, activity, session, model, after, start);
        // Drawn after the two runs above, so they stay what they were.
        let start = end + Duration::seconds(self.rng.random_range(600..3_600));
        let end = self.long_run(t, (activity, session, model), after + 3, start, keywords);
        self.rng = main;
        end
    }

    /// The long run (see the module's comment); returns when it ended.
    fn long_run(
        &mut self,
        t: &mut Tenant,
        who: (Uuid, Uuid, &'static str),
        number: u32,
        start: DateTime<Utc>,
        keywords: &[&str],
    ) -> DateTime<Utc> {
        let target: usize = self.rng.random_range(300..=400);
        let failing_round = target / 5 * 2 / 3;
        let mut plan: Vec<Planned> = Vec::with_capacity(target + 4);
        let mut payloads = Vec::new();
        let page = format!("https://{}/sitemap.xml", t.domain);
        let mut at: i64 = 150;
        let mut round = 0;
        while plan.len() < target {
            let think = self.rng.random_range(800..6_000);
            plan.push(llm(at, think));
            at += think + self.rng.random_range(20..200);
            let mut ends = at;
            for k in 0..self.rng.random_range(2..=4_usize) {
                let fails = round == failing_round && k == 0;
                let name = if fails {
                    "fetch_url"
                } else {
                    TOOLS[self.rng.random_range(0..TOOLS.len())]
                };
                let begin = at + 40 * k as i64;
                let latency = self.rng.random_range(300..4_000);
                payloads.push(self.tool_payload(t, name, None));
                plan.push(tool(name, begin, latency, payloads.len() - 1));
                ends = ends.max(begin + latency);
                if fails {
                    // Rate-limited, then the same request again after a back-off.
                    if let Some((_, request, _)) = payloads.last_mut() {
                        request.insert("url", page.clone());
                    }
                    let last = plan.len() - 1;
                    plan[last].failed = true;
                    plan[last].latency_ms = 250;
                    let retry_at = begin + 250 + 2_000;
                    plan.push(tool("fetch_url", retry_at, latency, payloads.len() - 1));
                    ends = ends.max(retry_at + latency);
                }
            }
            at = ends + self.rng.random_range(50..400);
            round += 1;
        }
        let duration_ms = at + 300;
        let error = format!("HTTP 429 Too Many Requests: GET {page}");
        let end = self.showcase_run(
            t,
            who,
            number,
            start,
            duration_ms,
            &plan,
            &payloads,
            Some((&page, &error)),
            false,
        );
        self.output_version(t, who.0, keywords, end, who.2);
        end
    }

    /// A second version of the research activity's output, written when the long run
    /// ended: its document and its object.
    fn output_version(
        &mut self,
        t: &Tenant,
        activity: Uuid,
        keywords: &[&str],
        at: DateTime<Utc>,
        model: &str,
    ) {
        let value = content::json_output(&mut self.rng, "research", keywords, &at.to_rfc3339());
        let bytes = serde_json::to_vec_pretty(&value).expect("JSON values serialise");
        let oid = self.object_id(at);
        let key = format!("{}/outputs/{activity}/{}.json", t.id, oid.to_hex());
        self.sink.document(
            "activity_outputs",
            doc! {
                "_id": oid,
                "tenantId": t.id.to_string(),
                "activityId": activity.to_string(),
                "kind": "json",
                "s3Key": key.clone(),
                "contentType": "application/json",
                "sizeBytes": bytes.len() as i64,
                "sha256": format!("{:x}", Sha256::digest(&bytes)),
                "title": "Keyword research (long run)",
                "version": 2,
                "model": model,
                "createdAt": bson_time(at),
            },
        );
        self.sink.object(Object {
            key,
            content_type: "application/json",
            bytes,
        });
    }

    fn showcase_runs(
        &mut self,
        t: &mut Tenant,
        activity: Uuid,
        session: Uuid,
        model: &'static str,
        after: u32,
        start: DateTime<Utc>,
    ) -> DateTime<Utc> {
        // The same requests in both runs; each call has its own payload.
        let payloads: Vec<(String, Document, Document)> = TOOLS
            .iter()
            .map(|tool| self.tool_payload(t, tool, None))
            .collect();
        let good = [
            llm(200, 4_000),
            tool("web_search", 4_300, 2_500, 0),
            tool("fetch_url", 4_350, 5_200, 1),
            tool("keyword_research", 4_400, 3_100, 2),
            llm(9_700, 21_000),
            tool("serp_check", 30_900, 1_800, 3),
            llm(32_900, 9_000),
        ];
        let end = self.showcase_run(
            t,
            (activity, session, model),
            after + 1,
            start,
            42_500,
            &good,
            &payloads,
            None,
            false,
        );
        let page = format!("https://{}/pricing/enterprise", t.domain);
        let error = format!("HTTP 404 Not Found: GET {page}");
        let bad = [
            llm(200, 4_400),
            tool("web_search", 4_700, 2_300, 0),
            Planned {
                failed: true,
                ..tool("fetch_url", 4_750, 800, 1)
            },
            tool("keyword_research", 4_800, 3_000, 2),
            llm(7_900, 6_000),
            // A minute of back-off, then the same page again.
            Planned {
                failed: true,
                ..tool("fetch_url", 74_000, 700, 1)
            },
        ];
        let start = end + Duration::seconds(self.rng.random_range(600..3_600));
        self.showcase_run(
            t,
            (activity, session, model),
            after + 2,
            start,
            75_200,
            &bad,
            &payloads,
            Some((&page, &error)),
            true,
        )
    }

    /// One run of the plan; `failing` is the page the failing fetches ask for and the
    /// error they get (and, when `run_failed`, the run's `error_message`). Returns when
    /// it ended.
    #[allow(clippy::too_many_arguments)]
    fn showcase_run(
        &mut self,
        t: &mut Tenant,
        (activity, session, model): (Uuid, Uuid, &'static str),
        number: u32,
        started_at: DateTime<Utc>,
        duration_ms: i64,
        plan: &[Planned],
        payloads: &[(String, Document, Document)],
        failing: Option<(&str, &str)>,
        run_failed: bool,
    ) -> DateTime<Utc> {
        let run_error = failing.filter(|_| run_failed);
        let id = self.uuid();
        let (_, provider, prompt_price, completion_price) = *MODELS
            .iter()
            .find(|m| m.0 == model)
            .expect("model from the table");
        let mut total_tokens: i64 = 0;
        let mut total_micros: i64 = 0;
        for step in plan {
            let at = started_at + Duration::milliseconds(step.start_ms);
            let Some(name) = step.tool else {
                let prompt: i64 = self.rng.random_range(2_000..12_000);
                let completion: i64 = self.rng.random_range(300..3_000);
                let micros = (prompt * prompt_price + completion * completion_price) / 1_000;
                total_tokens += prompt + completion;
                total_micros += micros;
                let row: &[(&str, Value)] = &[
                    ("id", self.uuid().into()),
                    ("tenant_id", t.id.into()),
                    ("activity_run_id", id.into()),
                    ("provider", provider.into()),
                    ("model", model.into()),
                    ("prompt_tokens", prompt.into()),
                    ("completion_tokens", completion.into()),
                    ("cost_usd", Value::Numeric(usd(micros))),
                    ("latency_ms", step.latency_ms.into()),
                    ("status", "succeeded".into()),
                    ("error", Value::Null),
                    (
                        "request_id",
                        format!("req_{}", &self.uuid().simple().to_string()[..20]).into(),
                    ),
                    ("started_at", at.into()),
                    ("created_at", at.into()),
                    ("updated_at", Value::Null),
                ];
                self.sink.row("llm_calls", row);
                continue;
            };
            let (summary, mut request, mut response) = payloads[step.payload].clone();
            let mut error = None;
            if step.failed
                && let Some((page, message)) = failing
            {
                request.insert("url", page);
                // `HTTP 404 Not Found: …` → 404.
                let status: i32 = message
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(500);
                let retryable = status == 429 || status >= 500;
                response = doc! { "status": status, "error": { "message": message, "retryable": retryable } };
                error = Some(message.to_string());
            }
            let call = self.uuid();
            let oid = self.object_id(at);
            self.sink.document(
                "tool_call_logs",
                doc! {
                    "_id": oid,
                    "tenantId": t.id.to_string(),
                    "toolCallId": call.to_string(),
                    "activityRunId": id.to_string(),
                    "tool": name,
                    "request": request,
                    "response": response,
                    "durationMs": step.latency_ms,
                    "error": error.clone(),
                    "createdAt": bson_time(at),
                },
            );
            let row: &[(&str, Value)] = &[
                ("id", call.into()),
                ("tenant_id", t.id.into()),
                ("activity_run_id", id.into()),
                ("tool_name", name.into()),
                (
                    "status",
                    if error.is_some() {
                        "failed"
                    } else {
                        "succeeded"
                    }
                    .into(),
                ),
                ("latency_ms", step.latency_ms.into()),
                ("started_at", at.into()),
                ("summary", summary.into()),
                ("log_ref", hex(oid).into()),
                ("error", error.into()),
                ("created_at", at.into()),
                ("updated_at", Value::Null),
            ];
            self.sink.row("tool_calls", row);
        }
        let finished_at = started_at + Duration::milliseconds(duration_ms);
        let row: &[(&str, Value)] = &[
            ("id", id.into()),
            ("tenant_id", t.id.into()),
            ("activity_id", activity.into()),
            ("session_id", session.into()),
            ("run_number", number.into()),
            (
                "status",
                if run_error.is_some() {
                    "failed"
                } else {
                    "succeeded"
                }
                .into(),
            ),
            ("trigger", "manual".into()),
            ("started_at", started_at.into()),
            ("finished_at", finished_at.into()),
            ("duration_ms", duration_ms.into()),
            ("model", model.into()),
            ("total_tokens", total_tokens.into()),
            ("cost_usd", Value::Numeric(usd(total_micros))),
            (
                "error_message",
                run_error.map(|(_, message)| message.to_string()).into(),
            ),
            ("created_at", started_at.into()),
            ("updated_at", finished_at.into()),
        ];
        self.sink.row("activity_runs", row);
        finished_at
    }
}
