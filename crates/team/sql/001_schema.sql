-- Subdesk's shared trail, version 1. Applied by the app (as the schema's owner) or by an admin
-- with sql/setup.sql (which also creates the app's role). Entries and outcomes are append-only: the server refuses an
-- UPDATE or DELETE of either (grants for the app's role, and triggers for everyone).

CREATE TABLE subdesk_schema (version integer NOT NULL);
INSERT INTO subdesk_schema (version) VALUES (1);

-- One row per action, written before the request goes out.
CREATE TABLE entries (
    id               bigserial PRIMARY KEY,
    -- The entry's id where it was first written (a desktop's local history): copying the
    -- local history in twice adds nothing.
    origin           text NOT NULL UNIQUE,
    started_at       timestamptz NOT NULL DEFAULT now(),
    actor            text NOT NULL,
    operator_name    text,
    desktop          text NOT NULL,
    connection_label text NOT NULL,
    provider         text NOT NULL,
    parent_account   text NOT NULL,
    account_id       text NOT NULL,
    account_name     text NOT NULL,
    action           text NOT NULL,
    status_before    text,
    job_id           text,
    snapshot         text,
    reason           text
);
CREATE INDEX entries_account ON entries (provider, parent_account, account_id);
CREATE INDEX entries_started ON entries (started_at);
-- History's filters page newest first within an action or a desktop.
CREATE INDEX entries_action ON entries (action, id);
CREATE INDEX entries_desktop ON entries (desktop, id);

-- Outcomes, as rows of their own. An entry may get several 'unknown' rows (each check that
-- could not settle it) but one final outcome at most, enforced by the unique index.
CREATE TABLE outcomes (
    id            bigserial PRIMARY KEY,
    entry_id      bigint NOT NULL REFERENCES entries (id),
    written_at    timestamptz NOT NULL DEFAULT now(),
    outcome       text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'skipped', 'not_started', 'unknown')),
    status_after  text,
    request_id    text,
    error_code    text,
    error_message text,
    duration_ms   bigint,
    reconciled    boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX outcomes_final_once ON outcomes (entry_id) WHERE outcome <> 'unknown';
CREATE INDEX outcomes_entry ON outcomes (entry_id);

CREATE FUNCTION subdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the Subdesk trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION subdesk_append_only();
CREATE TRIGGER outcomes_append_only BEFORE UPDATE OR DELETE ON outcomes
    FOR EACH ROW EXECUTE FUNCTION subdesk_append_only();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION subdesk_append_only();
CREATE TRIGGER outcomes_no_truncate BEFORE TRUNCATE ON outcomes
    FOR EACH STATEMENT EXECUTE FUNCTION subdesk_append_only();

-- Who is acting on which account right now. A claim's lease runs out when its desktop stops
-- renewing it (crashed, or lost its network); the next desktop may then take it over.
CREATE TABLE claims (
    provider       text NOT NULL,
    parent_account text NOT NULL,
    account_id     text NOT NULL,
    holder         uuid NOT NULL,
    operator       text NOT NULL,
    desktop        text NOT NULL,
    action         text NOT NULL,
    since          timestamptz NOT NULL DEFAULT now(),
    lease_until    timestamptz NOT NULL,
    PRIMARY KEY (provider, parent_account, account_id)
);
