-- +goose Up
-- Posts are also the schedule: the publisher claims rows whose due_at has
-- come, so editing, rescheduling or deleting a row takes effect at once.
CREATE TABLE posts (
    id                 TEXT        PRIMARY KEY,               -- ULID
    user_id            TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL once the X account is disconnected (the post's history stays).
    integration_id     TEXT        REFERENCES integrations (id) ON DELETE SET NULL,
    status             TEXT        NOT NULL CHECK (status IN ('draft', 'scheduled', 'publishing', 'published', 'failed', 'unconfirmed')),
    parts              TEXT[]      NOT NULL CHECK (cardinality(parts) BETWEEN 1 AND 25),
    is_thread          BOOLEAN     NOT NULL,
    -- The person's chosen time (NULL for drafts).
    scheduled_at       TIMESTAMPTZ,
    -- When the publisher acts next: scheduled_at, a retry time or a rate
    -- limit's reset. Set while scheduled (and kept while publishing).
    due_at             TIMESTAMPTZ,
    attempts           INT         NOT NULL DEFAULT 0,
    -- X ids of the parts already on X, in order; a thread resumes after them.
    x_post_ids         TEXT[]      NOT NULL DEFAULT '{}',
    x_username         TEXT        NOT NULL DEFAULT '',      -- for the post URLs
    -- Set (and committed) before a part is sent, cleared when its id is
    -- saved: after a crash it tells "maybe on X" from "not sent".
    in_flight_part     INT,
    lease_owner        TEXT,
    lease_expires_at   TIMESTAMPTZ,
    last_error_kind    TEXT        NOT NULL DEFAULT '',
    last_error_message TEXT        NOT NULL DEFAULT '',
    last_error_x_title TEXT        NOT NULL DEFAULT '',
    last_error_x_detail TEXT       NOT NULL DEFAULT '',
    last_error_x_status INT        NOT NULL DEFAULT 0,
    last_error_at      TIMESTAMPTZ,
    published_at       TIMESTAMPTZ,
    version            BIGINT      NOT NULL DEFAULT 1,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    CHECK (status <> 'scheduled' OR due_at IS NOT NULL),
    CHECK (status = 'draft' OR scheduled_at IS NOT NULL)
);
-- The publisher's only hot index: due posts, soonest first.
CREATE INDEX posts_due_idx ON posts (due_at) WHERE status = 'scheduled';
-- Recovery of posts whose publisher died.
CREATE INDEX posts_lease_idx ON posts (lease_expires_at) WHERE status = 'publishing';
-- Listings: by scheduled time, drafts (no time) last.
CREATE INDEX posts_user_sort_idx ON posts (user_id, (scheduled_at IS NULL), scheduled_at, id);
CREATE INDEX posts_integration_idx ON posts (integration_id);

-- Wake publishers when a post becomes due at some time: the payload is the
-- due time in Unix milliseconds (identical payloads in one transaction are
-- delivered once).
-- +goose StatementBegin
CREATE FUNCTION posts_notify_due() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'scheduled' THEN
        PERFORM pg_notify('posts_due', (extract(epoch FROM NEW.due_at) * 1000)::bigint::text);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_due();

-- +goose Down
DROP TABLE posts;
DROP FUNCTION posts_notify_due();
