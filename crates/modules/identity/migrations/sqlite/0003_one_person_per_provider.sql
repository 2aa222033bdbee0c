-- An account links at most one person of each provider: a real name proved by one person's
-- city login must not stand for another's.
CREATE UNIQUE INDEX account_links_one_per_provider ON account_links (jurisdiction_id, provider, account_id);
