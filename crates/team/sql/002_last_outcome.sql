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
        GRANT SELECT ON entry_state TO subdesk_app;
    END IF;
END $$;

UPDATE subdesk_schema SET version = 2;
