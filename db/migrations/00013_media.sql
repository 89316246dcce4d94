-- +goose Up
-- Media: files people attach to posts. The bytes live in the blob store
-- (MEDIA_BUCKET_URL) under media/<id>; this table holds what we know about
-- them. A row starts 'uploading' (CreateUpload), gets its bytes from the
-- upload handler (uploaded_at, sha256) and becomes 'ready' once CompleteUpload
-- has read the bytes and X would take them.
CREATE TYPE media_state AS ENUM ('uploading', 'ready');
CREATE TYPE media_kind AS ENUM ('image', 'gif', 'video');

CREATE TABLE media (
    id            TEXT        PRIMARY KEY,             -- ULID
    workspace_id  TEXT        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    uploaded_by   TEXT        REFERENCES users (id) ON DELETE SET NULL,
    filename      TEXT        NOT NULL,
    state         media_state NOT NULL,
    -- What the client said at CreateUpload: it bounds the upload, and the
    -- bytes must be exactly size_bytes long. The type is never trusted: kind
    -- and mime come from the bytes.
    declared_type TEXT        NOT NULL,
    size_bytes    BIGINT      NOT NULL CHECK (size_bytes > 0),
    uploaded_at   TIMESTAMPTZ,
    sha256        BYTEA,
    kind          media_kind,
    mime          TEXT        NOT NULL DEFAULT '',
    width         INT         NOT NULL DEFAULT 0,
    height        INT         NOT NULL DEFAULT 0,
    duration_ms   INT         NOT NULL DEFAULT 0,
    alt_text      TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (state <> 'ready' OR (kind IS NOT NULL AND sha256 IS NOT NULL AND uploaded_at IS NOT NULL))
);
-- The media library: newest first.
CREATE INDEX media_library_idx ON media (workspace_id, created_at DESC, id DESC) WHERE state = 'ready';
-- Unfinished uploads, swept after a day.
CREATE INDEX media_uploading_idx ON media (workspace_id, created_at) WHERE state = 'uploading';

-- Media ids per part, parallel to parts: part_media[i] is part i's media ids
-- joined by commas ('' for none); empty when the post has no media at all.
ALTER TABLE posts ADD COLUMN part_media TEXT[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(part_media) IN (0, cardinality(parts)));
-- The publisher's pre-upload looks only at scheduled posts with media.
CREATE INDEX posts_media_due_idx ON posts (due_at) WHERE status = 'scheduled' AND part_media <> '{}';

-- A file on X for one X account: X media ids belong to the account that
-- uploaded them, so a file used by two accounts is uploaded twice. The
-- publisher uploads ahead of the post's time (x_media_id, expires_at) and at
-- the time only names the id. A row being worked on is leased, like a post.
CREATE TYPE media_upload_state AS ENUM ('uploading', 'processing', 'ready', 'failed');

CREATE TABLE media_uploads (
    media_id         TEXT               NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    integration_id   TEXT               NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    state            media_upload_state NOT NULL,
    x_media_id       TEXT               NOT NULL DEFAULT '',
    -- Chunked uploads: segments X has (an upload resumes after them).
    segments_done    INT                NOT NULL DEFAULT 0,
    -- X's expires_after_secs, from when X issued the id.
    expires_at       TIMESTAMPTZ,
    -- When to work on it next (X's check_after_secs, a retry's backoff).
    next_at          TIMESTAMPTZ        NOT NULL,
    attempts         INT                NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    -- Why X refused it (failed), or the last transient problem.
    error_message    TEXT               NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ        NOT NULL,
    updated_at       TIMESTAMPTZ        NOT NULL,
    PRIMARY KEY (media_id, integration_id)
);
CREATE INDEX media_uploads_integration_idx ON media_uploads (integration_id);
-- The pre-upload's next step.
CREATE INDEX media_uploads_active_idx ON media_uploads (next_at) WHERE state IN ('uploading', 'processing');

-- +goose Down
DROP TABLE media_uploads;
DROP TYPE media_upload_state;
DROP INDEX posts_media_due_idx;
ALTER TABLE posts DROP COLUMN part_media;
DROP TABLE media;
DROP TYPE media_kind;
DROP TYPE media_state;
