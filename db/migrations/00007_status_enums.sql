-- +goose Up
-- Statuses and error kinds are defined once, here: sqlc turns these types
-- into Go types and constants (dbq.PostStatus…, dbq.PostErrorKind…,
-- dbq.IntegrationStatus…) that the services and the publisher share, and
-- PostgreSQL refuses any other value.
CREATE TYPE post_status AS ENUM ('draft', 'scheduled', 'publishing', 'published', 'failed', 'unconfirmed');
-- Why a post was not published (yet); NULL when nothing went wrong.
CREATE TYPE post_error_kind AS ENUM (
    'reconnect_required', 'duplicate', 'rejected', 'rate_limited', 'usage_capped',
    'x_unavailable', 'unconfirmed', 'missed', 'integration_disconnected', 'internal');
CREATE TYPE integration_status AS ENUM ('active', 'needs_reconnect');

DROP TRIGGER posts_notify_due ON posts;
DROP INDEX posts_due_idx;
DROP INDEX posts_lease_idx;
ALTER TABLE posts DROP CONSTRAINT posts_status_check, DROP CONSTRAINT posts_check, DROP CONSTRAINT posts_check1;
ALTER TABLE posts ALTER COLUMN status TYPE post_status USING status::post_status;
ALTER TABLE posts ALTER COLUMN last_error_kind DROP NOT NULL, ALTER COLUMN last_error_kind DROP DEFAULT;
ALTER TABLE posts ALTER COLUMN last_error_kind TYPE post_error_kind USING nullif(last_error_kind, '')::post_error_kind;
ALTER TABLE posts ADD CONSTRAINT posts_scheduled_has_due CHECK (status <> 'scheduled' OR due_at IS NOT NULL),
                  ADD CONSTRAINT posts_draft_or_time CHECK (status = 'draft' OR scheduled_at IS NOT NULL);
CREATE INDEX posts_due_idx ON posts (due_at) WHERE status = 'scheduled';
CREATE INDEX posts_lease_idx ON posts (lease_expires_at) WHERE status = 'publishing';
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_due();

ALTER TABLE integrations DROP CONSTRAINT integrations_status_check;
ALTER TABLE integrations ALTER COLUMN status TYPE integration_status USING status::integration_status;

-- +goose Down
ALTER TABLE integrations ALTER COLUMN status TYPE TEXT;
ALTER TABLE integrations ADD CONSTRAINT integrations_status_check CHECK (status IN ('active', 'needs_reconnect'));
DROP TRIGGER posts_notify_due ON posts;
DROP INDEX posts_due_idx;
DROP INDEX posts_lease_idx;
ALTER TABLE posts DROP CONSTRAINT posts_scheduled_has_due, DROP CONSTRAINT posts_draft_or_time;
ALTER TABLE posts ALTER COLUMN status TYPE TEXT;
ALTER TABLE posts ALTER COLUMN last_error_kind TYPE TEXT USING coalesce(last_error_kind::text, '');
ALTER TABLE posts ALTER COLUMN last_error_kind SET DEFAULT '', ALTER COLUMN last_error_kind SET NOT NULL;
ALTER TABLE posts ADD CONSTRAINT posts_status_check CHECK (status IN ('draft', 'scheduled', 'publishing', 'published', 'failed', 'unconfirmed')),
                  ADD CONSTRAINT posts_check CHECK (status <> 'scheduled' OR due_at IS NOT NULL),
                  ADD CONSTRAINT posts_check1 CHECK (status = 'draft' OR scheduled_at IS NOT NULL);
CREATE INDEX posts_due_idx ON posts (due_at) WHERE status = 'scheduled';
CREATE INDEX posts_lease_idx ON posts (lease_expires_at) WHERE status = 'publishing';
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_due();
DROP TYPE integration_status;
DROP TYPE post_error_kind;
DROP TYPE post_status;
