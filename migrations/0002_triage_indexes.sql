-- Triage queries of one tenant's runs by status, newest first (`:failed`, `:stuck`,
-- `/status:…` on a tenant-wide list): served in order by the index instead of walking
-- every run of the tenant and filtering.
create index activity_runs_tenant_status_idx
    on activity_runs (tenant_id, status, created_at desc, id desc);
