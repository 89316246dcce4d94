-- +goose Up
-- Workspaces own X accounts and posts; people work in them with a role.
-- Every existing user gets a personal workspace (its id is the user's id:
-- both are ULIDs, unique in their own table) holding their X accounts and
-- posts; nothing scheduled changes time or status.
CREATE TYPE workspace_role AS ENUM ('owner', 'admin', 'editor', 'writer', 'viewer');

CREATE TABLE workspaces (
    id          TEXT        PRIMARY KEY,              -- ULID
    name        TEXT        NOT NULL,
    -- The user whose personal workspace this is (made at sign-up; it cannot
    -- be deleted while they exist); NULL for a team workspace.
    personal_of TEXT        UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    workspace_id TEXT           NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      TEXT           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         workspace_role NOT NULL,
    created_at   TIMESTAMPTZ    NOT NULL,
    updated_at   TIMESTAMPTZ    NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user_id_idx ON memberships (user_id);

-- Single-use links that add a person (by email) to a workspace. Only the
-- SHA-256 of the token is stored.
CREATE TABLE invitations (
    id           TEXT           PRIMARY KEY,          -- ULID
    workspace_id TEXT           NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT           NOT NULL,             -- trimmed, lower-cased
    role         workspace_role NOT NULL,
    token_hash   BYTEA          NOT NULL UNIQUE,
    invited_by   TEXT           REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ    NOT NULL,
    expires_at   TIMESTAMPTZ    NOT NULL,
    accepted_at  TIMESTAMPTZ,
    accepted_by  TEXT           REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX invitations_workspace_id_idx ON invitations (workspace_id, created_at);

INSERT INTO workspaces (id, name, personal_of, created_at, updated_at)
SELECT id, display_name, id, created_at, created_at FROM users;
INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
SELECT id, id, 'owner', created_at, created_at FROM users;

-- X accounts: the workspace owns them; connected_by remembers who connected.
ALTER TABLE integrations ADD COLUMN workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE;
UPDATE integrations SET workspace_id = user_id;
ALTER TABLE integrations ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE integrations DROP CONSTRAINT integrations_user_id_fkey;
ALTER TABLE integrations RENAME COLUMN user_id TO connected_by;
ALTER TABLE integrations ALTER COLUMN connected_by DROP NOT NULL,
    ADD CONSTRAINT integrations_connected_by_fkey FOREIGN KEY (connected_by) REFERENCES users (id) ON DELETE SET NULL;
DROP INDEX integrations_user_id_idx;
CREATE INDEX integrations_workspace_id_idx ON integrations (workspace_id);

-- Pending X authorizations last minutes: start them again.
DELETE FROM x_authorizations;
ALTER TABLE x_authorizations ADD COLUMN workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE;

-- Posts: the workspace owns them; author_id is who wrote them.
ALTER TABLE posts ADD COLUMN workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE;
UPDATE posts SET workspace_id = user_id;
ALTER TABLE posts ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;
ALTER TABLE posts RENAME COLUMN user_id TO author_id;
ALTER TABLE posts ALTER COLUMN author_id DROP NOT NULL,
    ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;
-- The last rejection, for the writer to read (cleared when resubmitted).
ALTER TABLE posts ADD COLUMN rejection_reason TEXT NOT NULL DEFAULT '',
    ADD COLUMN rejected_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN rejected_at TIMESTAMPTZ;
DROP INDEX posts_user_sort_idx;
CREATE INDEX posts_workspace_sort_idx ON posts (workspace_id, (scheduled_at IS NULL), scheduled_at, id);

-- WatchPosts streams are per workspace now: the payload is
-- 'workspace_id:post_id'.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_changed() RETURNS trigger AS $$
DECLARE
    p posts;
BEGIN
    IF TG_OP = 'DELETE' THEN
        p := OLD;
    ELSE
        p := NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[]
            = to_jsonb(NEW) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[] THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('posts_changed', p.workspace_id || ':' || p.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- What happened to a post, and who did it (NULL: BetterPlan itself).
CREATE TYPE post_activity_kind AS ENUM (
    'created', 'edited', 'submitted', 'approved', 'rejected', 'scheduled', 'unscheduled',
    'publish_requested', 'retried', 'published', 'failed', 'unconfirmed');
CREATE TABLE post_activity (
    id       BIGINT             GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id  TEXT               NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id TEXT               REFERENCES users (id) ON DELETE SET NULL,
    kind     post_activity_kind NOT NULL,
    note     TEXT               NOT NULL DEFAULT '',
    at       TIMESTAMPTZ        NOT NULL
);
CREATE INDEX post_activity_post_id_idx ON post_activity (post_id, id);

-- The publisher's outcomes are recorded here, so the publisher writes each
-- outcome once, as before. The WHEN clause keeps every other update free.
-- +goose StatementBegin
CREATE FUNCTION posts_record_outcome() RETURNS trigger AS $$
BEGIN
    INSERT INTO post_activity (post_id, kind, note, at)
    VALUES (NEW.id, NEW.status::text::post_activity_kind,
            CASE WHEN NEW.status = 'published' THEN '' ELSE NEW.last_error_message END,
            coalesce(CASE WHEN NEW.status = 'published' THEN NEW.published_at ELSE NEW.last_error_at END, now()));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER posts_record_outcome AFTER UPDATE OF status ON posts
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('published', 'failed', 'unconfirmed'))
    EXECUTE FUNCTION posts_record_outcome();

-- +goose Down
DROP TRIGGER posts_record_outcome ON posts;
DROP FUNCTION posts_record_outcome();
DROP TABLE post_activity;
DROP TYPE post_activity_kind;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_changed() RETURNS trigger AS $$
DECLARE
    p posts;
BEGIN
    IF TG_OP = 'DELETE' THEN
        p := OLD;
    ELSE
        p := NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[]
            = to_jsonb(NEW) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[] THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('posts_changed', p.user_id || ':' || p.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP INDEX posts_workspace_sort_idx;
ALTER TABLE posts DROP COLUMN rejection_reason, DROP COLUMN rejected_by, DROP COLUMN rejected_at;
-- Posts go back to the workspace's personal owner (team workspaces' posts are lost).
DELETE FROM posts WHERE workspace_id NOT IN (SELECT id FROM workspaces WHERE personal_of IS NOT NULL);
UPDATE posts p SET author_id = w.personal_of FROM workspaces w WHERE w.id = p.workspace_id;
ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey;
ALTER TABLE posts RENAME COLUMN author_id TO user_id;
ALTER TABLE posts ALTER COLUMN user_id SET NOT NULL,
    ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE posts DROP COLUMN workspace_id;
CREATE INDEX posts_user_sort_idx ON posts (user_id, (scheduled_at IS NULL), scheduled_at, id);
DELETE FROM x_authorizations;
ALTER TABLE x_authorizations DROP COLUMN workspace_id;
DELETE FROM integrations WHERE workspace_id NOT IN (SELECT id FROM workspaces WHERE personal_of IS NOT NULL);
UPDATE integrations i SET connected_by = w.personal_of FROM workspaces w WHERE w.id = i.workspace_id;
DROP INDEX integrations_workspace_id_idx;
ALTER TABLE integrations DROP CONSTRAINT integrations_connected_by_fkey;
ALTER TABLE integrations RENAME COLUMN connected_by TO user_id;
ALTER TABLE integrations ALTER COLUMN user_id SET NOT NULL,
    ADD CONSTRAINT integrations_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE integrations DROP COLUMN workspace_id;
CREATE INDEX integrations_user_id_idx ON integrations (user_id);
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE workspaces;
DROP TYPE workspace_role;
