-- Subdesk's shared trail, version 2: History's filters and search at a million entries.
--
-- * entry_state: each entry's last outcome (its final one, else its latest 'unknown', else
--   'pending'), kept by the server from the append-only rows: a row is added with each entry
--   and moved on with each outcome, by triggers that run as this schema's owner. The app's
--   role may only read it; entries and outcomes stay append-only. An outcome filter and its
--   count then read one narrow table by index instead of finding each entry's last outcome.
-- * The free-text search through trigram indexes (pg_trgm, in PostgreSQL's contrib, trusted:
--   a database owner may create it): any substring of 3 characters or more, any case, as the
--   local history's search.
-- * A job's entries by its id, for pages that keep each job whole.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE entry_state (
    entry_id   bigint PRIMARY KEY REFERENCES entries (id),
    -- The entry's action, copied: "an action and an outcome" is counted from here alone.
    action     text NOT NULL,
    outcome    text NOT NULL DEFAULT 'pending'
               CHECK (outcome IN ('pending', 'succeeded', 'failed', 'skipped', 'not_started', 'unknown')),
    -- The outcome row shown (none while pending).
    outcome_id bigint REFERENCES outcomes (id)
);
CREATE INDEX entry_state_outcome ON entry_state (outcome, entry_id);
CREATE INDEX entry_state_action_outcome ON entry_state (action, outcome, entry_id);

INSERT INTO entry_state (entry_id, action, outcome, outcome_id)
SELECT e.id, e.action, COALESCE(o.outcome, 'pending'), o.id
FROM entries e LEFT JOIN LATERAL (
    SELECT o.id, o.outcome FROM outcomes o WHERE o.entry_id = e.id
    ORDER BY (o.outcome = 'unknown'), o.id DESC LIMIT 1) o ON TRUE;

-- Each statement's new entries start pending.
CREATE FUNCTION subdesk_entry_added() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO entry_state (entry_id, action) SELECT id, action FROM added;
    RETURN NULL;
END $$;
CREATE TRIGGER entries_state AFTER INSERT ON entries REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION subdesk_entry_added();

-- A final outcome is the entry's last (there is one at most); an 'unknown' one only while the
-- entry has no final outcome, and only a newer one than shown.
CREATE FUNCTION subdesk_outcome_added() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE entry_state s SET outcome = n.outcome, outcome_id = n.id
    FROM (SELECT DISTINCT ON (entry_id) entry_id, id, outcome FROM added
          ORDER BY entry_id, (outcome = 'unknown'), id DESC) n
    WHERE s.entry_id = n.entry_id
      AND (n.outcome <> 'unknown' OR s.outcome = 'pending'
           OR (s.outcome = 'unknown' AND n.id > s.outcome_id));
    RETURN NULL;
END $$;
CREATE TRIGGER outcomes_state AFTER INSERT ON outcomes REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION subdesk_outcome_added();

-- How many entries there are of each parent account, action and last outcome: History's total
-- for no filter, or a filter of connection, provider, action and outcome alone, is a sum of a
-- few rows instead of a count of up to a million. Kept by the server from entry_state's
-- changes; each database session adds to its own shard, so that desktops writing at once do
-- not wait for one another's row.
CREATE TABLE trail_counts (
    provider       text NOT NULL,
    parent_account text NOT NULL,
    action         text NOT NULL,
    outcome        text NOT NULL,
    shard          integer NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (provider, parent_account, action, outcome, shard)
);

INSERT INTO trail_counts
SELECT e.provider, e.parent_account, s.action, s.outcome, 0, count(*)
FROM entry_state s JOIN entries e ON e.id = s.entry_id
GROUP BY 1, 2, 3, 4;

CREATE FUNCTION subdesk_state_added() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO trail_counts AS c
    SELECT e.provider, e.parent_account, a.action, a.outcome, pg_backend_pid() % 16, count(*)
    FROM added a JOIN entries e ON e.id = a.entry_id
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (provider, parent_account, action, outcome, shard)
        DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER entry_state_counted AFTER INSERT ON entry_state REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION subdesk_state_added();

CREATE FUNCTION subdesk_state_moved() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO trail_counts AS c
    SELECT e.provider, e.parent_account, m.action, m.outcome, pg_backend_pid() % 16, sum(m.d)
    FROM (SELECT entry_id, action, outcome, 1 AS d FROM now_rows
          UNION ALL SELECT entry_id, action, outcome, -1 FROM was_rows) m
    JOIN entries e ON e.id = m.entry_id
    GROUP BY 1, 2, 3, 4 HAVING sum(m.d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (provider, parent_account, action, outcome, shard)
        DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER entry_state_recounted AFTER UPDATE ON entry_state
    REFERENCING OLD TABLE AS was_rows NEW TABLE AS now_rows
    FOR EACH STATEMENT EXECUTE FUNCTION subdesk_state_moved();

-- The text History's search looks in, one string per row; the separator (a control character
-- no search contains) keeps a match from running across two fields.
CREATE FUNCTION subdesk_entry_text(account_name text, account_id text, connection_label text,
        actor text, operator_name text, desktop text, reason text)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(account_name, '') || E'\x1f' || coalesce(account_id, '') || E'\x1f'
        || coalesce(connection_label, '') || E'\x1f' || coalesce(actor, '') || E'\x1f'
        || coalesce(operator_name, '') || E'\x1f' || coalesce(desktop, '') || E'\x1f'
        || coalesce(reason, '')
$$;
CREATE FUNCTION subdesk_outcome_text(request_id text, error_message text)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(request_id, '') || E'\x1f' || coalesce(error_message, '')
$$;
CREATE INDEX entries_text ON entries USING gin (subdesk_entry_text(account_name, account_id,
    connection_label, actor, operator_name, desktop, reason) gin_trgm_ops);
CREATE INDEX outcomes_text ON outcomes USING gin (subdesk_outcome_text(request_id, error_message)
    gin_trgm_ops);

CREATE INDEX entries_job ON entries (job_id, id) WHERE job_id IS NOT NULL;

-- A database set up before this version (an admin runs this file on it): its app role reads
-- the new table too.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'subdesk_app') THEN
        GRANT SELECT ON entry_state, trail_counts TO subdesk_app;
    END IF;
END $$;

UPDATE subdesk_schema SET version = 2;
