-- The platform's PostgreSQL schema: the 30 tables of the seed document
-- (shared/seed/000_e022a4b82c25ab86.txt) with every foreign key it lists, and the
-- columns of shared/domain.md.
--
-- Conventions:
--   * every table: id uuid primary key, tenant_id (except tenants), created_at, updated_at;
--   * status-like columns are text with a CHECK constraint;
--   * references into MongoDB are 24-hex ObjectId text and are NOT constrained: the
--     platform stores them at application level, so they can dangle or be malformed;
--   * every foreign key gets an index `(fk, created_at desc, id desc)`: it serves the
--     key lookup and the explorer's newest-first keyset pages under that parent.

create table tenants (
    id          uuid primary key,
    name        text not null,
    slug        text not null unique,
    status      text not null check (status in ('trial', 'active', 'paused', 'churned')),
    plan        text not null check (plan in ('starter', 'growth', 'scale', 'enterprise')),
    industry    text,
    website_url text,
    timezone    text not null default 'UTC',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz
);
create index tenants_created_idx on tenants (created_at desc, id desc);
create index tenants_name_idx on tenants (lower(name));

create table users (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    email         text not null,
    full_name     text not null,
    role          text not null check (role in ('owner', 'admin', 'member', 'viewer')),
    status        text not null check (status in ('invited', 'active', 'disabled')),
    last_login_at timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz,
    unique (tenant_id, email)
);

create table contracts (
    id                uuid primary key,
    tenant_id         uuid not null references tenants (id),
    accepted_by       uuid references users (id),
    contract_ref_id   text not null,
    template_version  integer not null,
    status            text not null check (status in ('draft', 'sent', 'accepted', 'expired')),
    accepted_at       timestamptz,
    pdf_s3_key        text,
    monthly_fee_cents bigint not null check (monthly_fee_cents >= 0),
    currency          text not null,
    starts_on         date,
    ends_on           date,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz
);

create table onboarding_runs (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    reviewed_by     uuid references users (id),
    status          text not null check (status in ('running', 'needs_review', 'approved', 'failed')),
    context_file_id text,
    reviewed_at     timestamptz,
    started_at      timestamptz not null,
    finished_at     timestamptz,
    error           text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz
);

create table strategies (
    id           uuid primary key,
    tenant_id    uuid not null references tenants (id),
    approved_by  uuid references users (id),
    title        text not null,
    version      integer not null,
    status       text not null check (status in ('draft', 'approved', 'active', 'archived')),
    summary      text,
    approved_at  timestamptz,
    period_start date,
    period_end   date,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz
);

create table goals (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    strategy_id   uuid not null references strategies (id),
    title         text not null,
    metric        text not null,
    target_value  numeric,
    current_value numeric,
    due_on        date,
    status        text not null check (status in ('not_started', 'on_track', 'at_risk', 'off_track', 'achieved', 'abandoned')),
    priority      text not null check (priority in ('low', 'medium', 'high', 'critical')),
    created_at    timestamptz not null default now(),
    updated_at    timestamptz
);

create table deliverables (
    id                  uuid primary key,
    tenant_id           uuid not null references tenants (id),
    goal_id             uuid not null references goals (id),
    strategy_id         uuid not null references strategies (id),
    title               text not null,
    kind                text not null check (kind in ('blog_post', 'social_post', 'backlink', 'ad_optimization', 'report')),
    cadence             text not null check (cadence in ('weekly', 'monthly', 'one_off')),
    quantity_per_period integer not null,
    status              text not null check (status in ('active', 'paused', 'completed', 'cancelled')),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz
);

create table deliverable_periods (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    deliverable_id  uuid not null references deliverables (id),
    period_start    date not null,
    period_end      date not null,
    planned_count   integer not null,
    completed_count integer not null,
    status          text not null check (status in ('upcoming', 'in_progress', 'completed', 'missed')),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz
);

create table sessions (
    id         uuid primary key,
    tenant_id  uuid not null references tenants (id),
    goal_id    uuid references goals (id),
    channel    text not null check (channel in ('web', 'slack', 'email', 'api', 'scheduler')),
    status     text not null check (status in ('active', 'ended', 'expired', 'errored')),
    started_at timestamptz not null,
    ended_at   timestamptz,
    summary    text,
    created_at timestamptz not null default now(),
    updated_at timestamptz
);

create table activities (
    id                    uuid primary key,
    tenant_id             uuid not null references tenants (id),
    deliverable_period_id uuid references deliverable_periods (id),
    goal_id               uuid references goals (id),
    parent_activity_id    uuid references activities (id),
    assignee_user_id      uuid references users (id),
    title                 text not null,
    kind                  text not null check (kind in ('research', 'write', 'review', 'publish', 'optimize', 'outreach')),
    status                text not null check (status in ('pending', 'queued', 'running', 'blocked', 'needs_review', 'done', 'failed', 'cancelled')),
    output_ref            text,
    due_at                timestamptz,
    started_at            timestamptz,
    completed_at          timestamptz,
    attempt_count         integer not null default 0,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz
);

create table activity_runs (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    activity_id   uuid not null references activities (id),
    session_id    uuid references sessions (id),
    run_number    integer not null,
    status        text not null check (status in ('running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
    trigger       text not null check (trigger in ('schedule', 'manual', 'retry')),
    started_at    timestamptz not null,
    finished_at   timestamptz,
    duration_ms   bigint,
    model         text,
    total_tokens  bigint not null default 0,
    cost_usd      numeric(14, 6) not null default 0,
    error_message text,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz
);

create table llm_calls (
    id                uuid primary key,
    tenant_id         uuid not null references tenants (id),
    activity_run_id   uuid not null references activity_runs (id),
    provider          text not null,
    model             text not null,
    prompt_tokens     integer not null,
    completion_tokens integer not null,
    cost_usd          numeric(14, 6) not null,
    latency_ms        integer not null,
    status            text not null check (status in ('succeeded', 'failed', 'timed_out')),
    error             text,
    request_id        text,
    started_at        timestamptz not null,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz
);

create table tool_calls (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    activity_run_id uuid not null references activity_runs (id),
    tool_name       text not null,
    status          text not null check (status in ('succeeded', 'failed', 'timed_out')),
    latency_ms      integer not null,
    started_at      timestamptz not null,
    summary         text,
    log_ref         text,
    error           text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz
);

create table agent_configs (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    name          text not null,
    agent_type    text not null check (agent_type in ('strategist', 'writer', 'seo', 'ads', 'social')),
    model         text not null,
    temperature   numeric(3, 2) not null,
    system_prompt text not null,
    tools         jsonb not null default '[]',
    version       integer not null,
    is_active     boolean not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz
);

create table activity_templates (
    id                 uuid primary key,
    tenant_id          uuid not null references tenants (id),
    source_template_id uuid references activity_templates (id),
    name               text not null,
    kind               text not null check (kind in ('research', 'write', 'review', 'publish', 'optimize', 'outreach')),
    definition         jsonb not null,
    version            integer not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz
);

create table recurring_task_templates (
    id                 uuid primary key,
    tenant_id          uuid not null references tenants (id),
    source_template_id uuid references recurring_task_templates (id),
    name               text not null,
    schedule           text not null,
    definition         jsonb not null,
    is_active          boolean not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz
);

create table channels (
    id                  uuid primary key,
    tenant_id           uuid not null references tenants (id),
    kind                text not null check (kind in ('blog', 'linkedin', 'x', 'facebook', 'instagram', 'google_ads', 'meta_ads', 'email')),
    name                text not null,
    handle              text,
    status              text not null check (status in ('connected', 'disconnected', 'error')),
    external_account_id text,
    connected_at        timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz
);

create table channel_scores (
    id         uuid primary key,
    tenant_id  uuid not null references tenants (id),
    channel_id uuid not null references channels (id),
    scored_on  date not null,
    score      numeric(5, 2) not null,
    metrics    jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz,
    unique (channel_id, scored_on)
);

create table ad_campaigns (
    id                   uuid primary key,
    tenant_id            uuid not null references tenants (id),
    channel_id           uuid not null references channels (id),
    name                 text not null,
    objective            text not null check (objective in ('awareness', 'traffic', 'leads', 'conversions')),
    status               text not null check (status in ('draft', 'active', 'paused', 'ended')),
    daily_budget_cents   bigint not null,
    currency             text not null,
    external_campaign_id text,
    starts_on            date,
    ends_on              date,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz
);

create table blog_requests (
    id                uuid primary key,
    tenant_id         uuid not null references tenants (id),
    deliverable_id    uuid references deliverables (id),
    activity_id       uuid references activities (id),
    target_channel_id uuid references channels (id),
    topic             text not null,
    target_keywords   text[] not null default '{}',
    status            text not null check (status in ('open', 'in_progress', 'fulfilled', 'cancelled')),
    requested_at      timestamptz not null,
    due_at            timestamptz,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz
);

create table blog_posts (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    blog_request_id uuid references blog_requests (id),
    channel_id      uuid references channels (id),
    title           text not null,
    slug            text not null,
    status          text not null check (status in ('draft', 'in_review', 'scheduled', 'published', 'failed')),
    content_ref     text,
    published_url   text,
    published_at    timestamptz,
    word_count      integer,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz
);

create table social_media_requests (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    deliverable_id uuid references deliverables (id),
    activity_id    uuid references activities (id),
    platforms      text[] not null default '{}',
    brief          text not null,
    status         text not null check (status in ('open', 'in_progress', 'fulfilled', 'cancelled')),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz
);

create table social_posts (
    id                      uuid primary key,
    tenant_id               uuid not null references tenants (id),
    social_media_request_id uuid references social_media_requests (id),
    channel_id              uuid references channels (id),
    status                  text not null check (status in ('draft', 'scheduled', 'published', 'failed')),
    content_ref             text,
    scheduled_at            timestamptz,
    published_at            timestamptz,
    external_post_id        text,
    metrics                 jsonb,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz
);

create table backlinks (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    activity_id    uuid references activities (id),
    deliverable_id uuid references deliverables (id),
    source_url     text not null,
    target_url     text not null,
    anchor_text    text,
    domain_rating  integer check (domain_rating between 0 and 100),
    status         text not null check (status in ('prospect', 'outreach', 'acquired', 'lost', 'rejected')),
    acquired_at    timestamptz,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz
);

create table leads (
    id                 uuid primary key,
    tenant_id          uuid not null references tenants (id),
    source_channel_id  uuid references channels (id),
    source_campaign_id uuid references ad_campaigns (id),
    assigned_to        uuid references users (id),
    full_name          text not null,
    email              text,
    phone              text,
    company            text,
    status             text not null check (status in ('new', 'contacted', 'qualified', 'won', 'lost')),
    score              integer,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz
);

create table lead_activities (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    lead_id     uuid not null references leads (id),
    kind        text not null check (kind in ('email', 'call', 'meeting', 'note', 'status_change')),
    summary     text not null,
    occurred_at timestamptz not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz
);

create table ad_keywords (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    channel_id     uuid not null references channels (id),
    ad_campaign_id uuid not null references ad_campaigns (id),
    keyword        text not null,
    match_type     text not null check (match_type in ('exact', 'phrase', 'broad')),
    bid_cents      bigint not null,
    status         text not null check (status in ('active', 'paused', 'removed')),
    quality_score  integer check (quality_score between 1 and 10),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz
);

create table search_term_reports (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    channel_id     uuid not null references channels (id),
    ad_campaign_id uuid not null references ad_campaigns (id),
    report_date    date not null,
    search_term    text not null,
    impressions    integer not null,
    clicks         integer not null,
    cost_cents     bigint not null,
    conversions    numeric(10, 2) not null,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz
);

create table search_term_classifications (
    id                    uuid primary key,
    tenant_id             uuid not null references tenants (id),
    search_term_report_id uuid not null references search_term_reports (id),
    activity_id           uuid references activities (id),
    reviewed_by           uuid references users (id),
    classification        text not null check (classification in ('relevant', 'irrelevant', 'negative_candidate', 'brand')),
    confidence            numeric(4, 3) not null check (confidence between 0 and 1),
    status                text not null check (status in ('pending', 'accepted', 'overridden')),
    reviewed_at           timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz
);

create table ad_optimization_recommendations (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    channel_id     uuid not null references channels (id),
    ad_campaign_id uuid not null references ad_campaigns (id),
    activity_id    uuid references activities (id),
    reviewed_by    uuid references users (id),
    kind           text not null check (kind in ('add_negative', 'raise_bid', 'lower_bid', 'pause_keyword', 'shift_budget')),
    payload        jsonb not null,
    rationale      text not null,
    status         text not null check (status in ('proposed', 'approved', 'rejected', 'applied')),
    reviewed_at    timestamptz,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz
);

create table billing_events (
    id           uuid primary key,
    tenant_id    uuid not null references tenants (id),
    kind         text not null check (kind in ('invoice_issued', 'payment_succeeded', 'payment_failed', 'usage_charge', 'credit', 'refund')),
    amount_cents bigint not null,
    currency     text not null,
    occurred_at  timestamptz not null,
    external_ref text,
    period_start date,
    period_end   date,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz
);

-- Foreign keys: one index each, newest-first under the parent.
create index users_tenant_idx on users (tenant_id, created_at desc, id desc);
create index contracts_tenant_idx on contracts (tenant_id, created_at desc, id desc);
create index contracts_accepted_by_idx on contracts (accepted_by, created_at desc, id desc);
create index onboarding_runs_tenant_idx on onboarding_runs (tenant_id, created_at desc, id desc);
create index onboarding_runs_reviewed_by_idx on onboarding_runs (reviewed_by, created_at desc, id desc);
create index strategies_tenant_idx on strategies (tenant_id, created_at desc, id desc);
create index strategies_approved_by_idx on strategies (approved_by, created_at desc, id desc);
create index goals_tenant_idx on goals (tenant_id, created_at desc, id desc);
create index goals_strategy_idx on goals (strategy_id, created_at desc, id desc);
create index deliverables_tenant_idx on deliverables (tenant_id, created_at desc, id desc);
create index deliverables_goal_idx on deliverables (goal_id, created_at desc, id desc);
create index deliverables_strategy_idx on deliverables (strategy_id, created_at desc, id desc);
create index deliverable_periods_tenant_idx on deliverable_periods (tenant_id, created_at desc, id desc);
create index deliverable_periods_deliverable_idx on deliverable_periods (deliverable_id, created_at desc, id desc);
create index sessions_tenant_idx on sessions (tenant_id, created_at desc, id desc);
create index sessions_goal_idx on sessions (goal_id, created_at desc, id desc);
create index activities_tenant_idx on activities (tenant_id, created_at desc, id desc);
create index activities_period_idx on activities (deliverable_period_id, created_at desc, id desc);
create index activities_goal_idx on activities (goal_id, created_at desc, id desc);
create index activities_parent_idx on activities (parent_activity_id, created_at desc, id desc);
create index activities_assignee_idx on activities (assignee_user_id, created_at desc, id desc);
create index activity_runs_tenant_idx on activity_runs (tenant_id, created_at desc, id desc);
create index activity_runs_activity_idx on activity_runs (activity_id, created_at desc, id desc);
create index activity_runs_session_idx on activity_runs (session_id, created_at desc, id desc);
create index llm_calls_tenant_idx on llm_calls (tenant_id, created_at desc, id desc);
create index llm_calls_run_idx on llm_calls (activity_run_id, created_at desc, id desc);
create index tool_calls_tenant_idx on tool_calls (tenant_id, created_at desc, id desc);
create index tool_calls_run_idx on tool_calls (activity_run_id, created_at desc, id desc);
create index agent_configs_tenant_idx on agent_configs (tenant_id, created_at desc, id desc);
create index activity_templates_tenant_idx on activity_templates (tenant_id, created_at desc, id desc);
create index activity_templates_source_idx on activity_templates (source_template_id, created_at desc, id desc);
create index recurring_task_templates_tenant_idx on recurring_task_templates (tenant_id, created_at desc, id desc);
create index recurring_task_templates_source_idx on recurring_task_templates (source_template_id, created_at desc, id desc);
create index channels_tenant_idx on channels (tenant_id, created_at desc, id desc);
create index channel_scores_tenant_idx on channel_scores (tenant_id, created_at desc, id desc);
create index channel_scores_channel_idx on channel_scores (channel_id, created_at desc, id desc);
create index ad_campaigns_tenant_idx on ad_campaigns (tenant_id, created_at desc, id desc);
create index ad_campaigns_channel_idx on ad_campaigns (channel_id, created_at desc, id desc);
create index blog_requests_tenant_idx on blog_requests (tenant_id, created_at desc, id desc);
create index blog_requests_deliverable_idx on blog_requests (deliverable_id, created_at desc, id desc);
create index blog_requests_activity_idx on blog_requests (activity_id, created_at desc, id desc);
create index blog_requests_channel_idx on blog_requests (target_channel_id, created_at desc, id desc);
create index blog_posts_tenant_idx on blog_posts (tenant_id, created_at desc, id desc);
create index blog_posts_request_idx on blog_posts (blog_request_id, created_at desc, id desc);
create index blog_posts_channel_idx on blog_posts (channel_id, created_at desc, id desc);
create index social_media_requests_tenant_idx on social_media_requests (tenant_id, created_at desc, id desc);
create index social_media_requests_deliverable_idx on social_media_requests (deliverable_id, created_at desc, id desc);
create index social_media_requests_activity_idx on social_media_requests (activity_id, created_at desc, id desc);
create index social_posts_tenant_idx on social_posts (tenant_id, created_at desc, id desc);
create index social_posts_request_idx on social_posts (social_media_request_id, created_at desc, id desc);
create index social_posts_channel_idx on social_posts (channel_id, created_at desc, id desc);
create index backlinks_tenant_idx on backlinks (tenant_id, created_at desc, id desc);
create index backlinks_activity_idx on backlinks (activity_id, created_at desc, id desc);
create index backlinks_deliverable_idx on backlinks (deliverable_id, created_at desc, id desc);
create index leads_tenant_idx on leads (tenant_id, created_at desc, id desc);
create index leads_channel_idx on leads (source_channel_id, created_at desc, id desc);
create index leads_campaign_idx on leads (source_campaign_id, created_at desc, id desc);
create index leads_assigned_idx on leads (assigned_to, created_at desc, id desc);
create index lead_activities_tenant_idx on lead_activities (tenant_id, created_at desc, id desc);
create index lead_activities_lead_idx on lead_activities (lead_id, created_at desc, id desc);
create index ad_keywords_tenant_idx on ad_keywords (tenant_id, created_at desc, id desc);
create index ad_keywords_channel_idx on ad_keywords (channel_id, created_at desc, id desc);
create index ad_keywords_campaign_idx on ad_keywords (ad_campaign_id, created_at desc, id desc);
create index search_term_reports_tenant_idx on search_term_reports (tenant_id, created_at desc, id desc);
create index search_term_reports_channel_idx on search_term_reports (channel_id, created_at desc, id desc);
create index search_term_reports_campaign_idx on search_term_reports (ad_campaign_id, created_at desc, id desc);
create index search_term_classifications_tenant_idx on search_term_classifications (tenant_id, created_at desc, id desc);
create index search_term_classifications_report_idx on search_term_classifications (search_term_report_id, created_at desc, id desc);
create index search_term_classifications_activity_idx on search_term_classifications (activity_id, created_at desc, id desc);
create index search_term_classifications_reviewer_idx on search_term_classifications (reviewed_by, created_at desc, id desc);
create index ad_optimization_recommendations_tenant_idx on ad_optimization_recommendations (tenant_id, created_at desc, id desc);
create index ad_optimization_recommendations_channel_idx on ad_optimization_recommendations (channel_id, created_at desc, id desc);
create index ad_optimization_recommendations_campaign_idx on ad_optimization_recommendations (ad_campaign_id, created_at desc, id desc);
create index ad_optimization_recommendations_activity_idx on ad_optimization_recommendations (activity_id, created_at desc, id desc);
create index ad_optimization_recommendations_reviewer_idx on ad_optimization_recommendations (reviewed_by, created_at desc, id desc);
create index billing_events_tenant_idx on billing_events (tenant_id, created_at desc, id desc);

-- References into MongoDB and S3: looked up by value (reverse references, integrity checks).
create index activities_output_ref_idx on activities (output_ref) where output_ref is not null;
create index blog_posts_content_ref_idx on blog_posts (content_ref) where content_ref is not null;
create index social_posts_content_ref_idx on social_posts (content_ref) where content_ref is not null;
create index onboarding_runs_context_file_idx on onboarding_runs (context_file_id) where context_file_id is not null;
create index tool_calls_log_ref_idx on tool_calls (log_ref) where log_ref is not null;
create index contracts_pdf_s3_key_idx on contracts (pdf_s3_key) where pdf_s3_key is not null;
