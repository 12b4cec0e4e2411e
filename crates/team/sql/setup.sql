-- Run once by an administrator, connected to the team's database as its owner:
--   psql -v app_password="'choose-one'" -d subdesk -f crates/team/sql/setup.sql
-- Creates the schema (the same statements the app runs on an empty database) and the role the
-- desktops use, which may read and append history rows and manage claims, nothing else.
\ir 001_schema.sql
CREATE ROLE subdesk_app LOGIN PASSWORD :app_password;
GRANT USAGE ON SCHEMA public TO subdesk_app;
GRANT SELECT ON subdesk_schema TO subdesk_app;
GRANT SELECT, INSERT ON entries, outcomes TO subdesk_app;
GRANT USAGE ON SEQUENCE entries_id_seq, outcomes_id_seq TO subdesk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON claims TO subdesk_app;
\ir 002_last_outcome.sql
GRANT SELECT ON entry_state, trail_counts TO subdesk_app;
