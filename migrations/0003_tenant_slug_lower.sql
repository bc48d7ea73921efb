-- Slugs are matched case-insensitively (`--tenant Northwind-Ledger`, `:tenant`): the
-- lookup compares lower(slug), served by this index rather than a scan of every tenant.
-- Not unique: slugs that differ only by case may already exist in production data; the
-- lookup prefers the exact spelling and refuses to guess between the others.
create index tenants_slug_lower_idx on tenants (lower(slug));
