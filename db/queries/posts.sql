-- name: PostCreate :one
INSERT INTO posts (id, user_id, integration_id, status, parts, is_thread, scheduled_at, due_at, created_at, updated_at)
VALUES (@id, @user_id, @integration_id, @status, @parts, @is_thread, sqlc.narg(scheduled_at), sqlc.narg(due_at), @now, @now)
RETURNING *;

-- name: PostGet :one
SELECT * FROM posts WHERE id = @id AND user_id = @user_id;

-- name: PostListAsc :many
-- Soonest first, drafts last. Keyset: rows after the cursor (draft?, at, id).
SELECT * FROM posts
WHERE user_id = @user_id
  AND (COALESCE(cardinality(@statuses::text[]), 0) = 0 OR status = ANY(@statuses::text[]))
  AND (sqlc.narg(integration_id)::text IS NULL OR integration_id = sqlc.narg(integration_id))
  AND (sqlc.narg(after)::timestamptz IS NULL OR scheduled_at >= sqlc.narg(after))
  AND (sqlc.narg(before)::timestamptz IS NULL OR scheduled_at < sqlc.narg(before))
  AND (NOT @has_cursor::boolean
       OR (NOT @cursor_draft::boolean AND (scheduled_at IS NULL OR (scheduled_at, id) > (@cursor_at::timestamptz, @cursor_id::text)))
       OR (@cursor_draft::boolean AND scheduled_at IS NULL AND id > @cursor_id::text))
ORDER BY (scheduled_at IS NULL), scheduled_at, id
LIMIT @lim;

-- name: PostListDesc :many
-- Latest first, drafts still last. Keyset as PostListAsc, reversed.
SELECT * FROM posts
WHERE user_id = @user_id
  AND (COALESCE(cardinality(@statuses::text[]), 0) = 0 OR status = ANY(@statuses::text[]))
  AND (sqlc.narg(integration_id)::text IS NULL OR integration_id = sqlc.narg(integration_id))
  AND (sqlc.narg(after)::timestamptz IS NULL OR scheduled_at >= sqlc.narg(after))
  AND (sqlc.narg(before)::timestamptz IS NULL OR scheduled_at < sqlc.narg(before))
  AND (NOT @has_cursor::boolean
       OR (NOT @cursor_draft::boolean AND (scheduled_at IS NULL OR (scheduled_at, id) < (@cursor_at::timestamptz, @cursor_id::text)))
       OR (@cursor_draft::boolean AND scheduled_at IS NULL AND id < @cursor_id::text))
ORDER BY (scheduled_at IS NULL), scheduled_at DESC, id DESC
LIMIT @lim;

-- name: PostUpdate :one
-- Applies an edit computed by the service, if nobody changed the post since
-- it was read (version) and it is still editable.
UPDATE posts
SET parts = @parts, is_thread = @is_thread, status = @status,
    scheduled_at = sqlc.narg(scheduled_at), due_at = sqlc.narg(due_at),
    attempts = @attempts,
    version = version + 1, updated_at = @now
WHERE id = @id AND user_id = @user_id AND version = @version
  AND status IN ('draft', 'scheduled', 'failed')
RETURNING *;

-- name: PostDelete :one
DELETE FROM posts
WHERE id = @id AND user_id = @user_id AND status <> 'publishing'
RETURNING id;

-- name: PostPublishNow :one
UPDATE posts
SET status = 'scheduled', scheduled_at = sqlc.arg(now)::timestamptz, due_at = sqlc.arg(now)::timestamptz,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND user_id = @user_id AND integration_id IS NOT NULL AND status IN ('draft', 'scheduled')
RETURNING *;

-- name: PostRetry :one
-- A failed post, or (forced) an unconfirmed one, becomes due now; it
-- resumes after the parts already on X.
UPDATE posts
SET status = 'scheduled', due_at = sqlc.arg(now)::timestamptz, attempts = 0, in_flight_part = NULL,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND user_id = @user_id AND integration_id IS NOT NULL
  AND (status = 'failed' OR (status = 'unconfirmed' AND @force::boolean))
RETURNING *;

-- name: PostFailForIntegration :exec
-- The X account was disconnected: its scheduled posts can no longer go out.
UPDATE posts
SET status = 'failed', due_at = NULL, last_error_kind = 'integration_disconnected',
    last_error_message = 'The X account was disconnected from BetterPlan before this post went out; reconnect it and create the post again.',
    last_error_x_title = '', last_error_x_detail = '', last_error_x_status = 0, last_error_at = sqlc.arg(now)::timestamptz,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE integration_id = @integration_id AND status = 'scheduled';

-- name: PostClaimDue :many
-- Takes up to @lim due posts for this publisher (each row by exactly one
-- publisher: SKIP LOCKED), re-reading the row as it is now. in_flight_part is
-- set before anything is sent: if this publisher dies, that part is "maybe on X".
WITH due AS (
    SELECT p.id FROM posts p
    WHERE p.status = 'scheduled' AND p.due_at <= sqlc.arg(now)::timestamptz
    ORDER BY p.due_at
    LIMIT @lim
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE posts p
    SET status = 'publishing', lease_owner = @owner::text, lease_expires_at = @lease_until::timestamptz,
        attempts = p.attempts + 1, in_flight_part = cardinality(p.x_post_ids),
        version = p.version + 1, updated_at = sqlc.arg(now)::timestamptz
    FROM due WHERE p.id = due.id
    RETURNING p.id, p.user_id, p.integration_id, p.parts, p.is_thread, p.due_at, p.attempts, p.x_post_ids
)
SELECT c.id, c.user_id, c.integration_id, c.parts, c.is_thread, c.due_at, c.attempts, c.x_post_ids,
       i.status AS integration_status, i.username, i.platform, i.platform_account_id,
       i.credential, i.credential_key_id
FROM claimed c LEFT JOIN integrations i ON i.id = c.integration_id;

-- name: PostSavePart :exec
-- A thread part is on X: save its id; nothing is in flight until the next
-- part is marked, so a crash in between resumes the thread.
UPDATE posts
SET x_post_ids = array_append(x_post_ids, @x_post_id::text), x_username = @x_username,
    in_flight_part = NULL, lease_expires_at = @lease_until::timestamptz,
    updated_at = @now
WHERE id = @id AND lease_owner = @owner::text AND status = 'publishing';

-- name: PostMarkInFlight :execrows
-- Committed right before a thread's next part is sent.
UPDATE posts
SET in_flight_part = @part::int, lease_expires_at = @lease_until::timestamptz, updated_at = @now
WHERE id = @id AND lease_owner = @owner::text AND status = 'publishing';

-- name: PostFinish :exec
-- Ends a publishing attempt without success: failed, unconfirmed, or back to
-- scheduled at @due_at (retry, rate limit, shutdown), with the reason.
UPDATE posts
SET status = @status, due_at = sqlc.narg(due_at),
    attempts = attempts - @uncount::int,
    in_flight_part = CASE WHEN @status = 'unconfirmed' THEN in_flight_part ELSE NULL END,
    lease_owner = NULL, lease_expires_at = NULL,
    last_error_kind = @error_kind, last_error_message = @error_message,
    last_error_x_title = @x_title, last_error_x_detail = @x_detail, last_error_x_status = @x_status,
    last_error_at = CASE WHEN @error_kind = '' THEN last_error_at ELSE sqlc.arg(now)::timestamptz END,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND lease_owner = @owner::text AND status = 'publishing';

-- name: PostDeferIntegration :exec
-- X rate-limited this account: its other due-soon posts wait for the reset
-- too instead of hitting X again.
UPDATE posts
SET due_at = @until::timestamptz, updated_at = @now
WHERE integration_id = @integration_id AND status = 'scheduled' AND due_at < @until::timestamptz;

-- name: PostRecoverExpired :many
-- Posts whose publisher died mid-publish (lease expired): nothing in flight
-- means nothing was sent, so they go back to the schedule; a part in flight
-- may be on X, so they become unconfirmed and are never re-sent on their own.
UPDATE posts
SET status = CASE WHEN in_flight_part IS NULL THEN 'scheduled' ELSE 'unconfirmed' END,
    due_at = CASE WHEN in_flight_part IS NULL THEN sqlc.arg(now)::timestamptz END,
    lease_owner = NULL, lease_expires_at = NULL,
    last_error_kind = CASE WHEN in_flight_part IS NULL THEN last_error_kind ELSE 'unconfirmed' END,
    last_error_message = CASE WHEN in_flight_part IS NULL THEN last_error_message
        ELSE 'The publisher stopped while sending part ' || (in_flight_part + 1) || ' to X, so it may or may not be on X. Check X, then retry with force if it is not there.' END,
    last_error_x_title = CASE WHEN in_flight_part IS NULL THEN last_error_x_title ELSE '' END,
    last_error_x_detail = CASE WHEN in_flight_part IS NULL THEN last_error_x_detail ELSE '' END,
    last_error_x_status = CASE WHEN in_flight_part IS NULL THEN last_error_x_status ELSE 0 END,
    last_error_at = CASE WHEN in_flight_part IS NULL THEN last_error_at ELSE sqlc.arg(now)::timestamptz END,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE status = 'publishing' AND lease_expires_at < sqlc.arg(now)::timestamptz
RETURNING id, status;

-- name: PostSchedulerState :one
-- One cheap query for the publisher's idle loop: the next due time, the
-- number of posts already due, and the next lease to expire (@never when none).
SELECT
    COALESCE((SELECT min(due_at) FROM posts WHERE status = 'scheduled'), @never::timestamptz)::timestamptz AS next_due,
    (SELECT count(*) FROM posts WHERE status = 'scheduled' AND due_at <= sqlc.arg(now)::timestamptz)::bigint AS backlog,
    COALESCE((SELECT min(lease_expires_at) FROM posts WHERE status = 'publishing'), @never::timestamptz)::timestamptz AS next_lease_expiry;

-- name: PostPublishedBatch :exec
-- Marks many posts published in one statement and one commit: under a
-- burst, per-post commits are what limits throughput.
UPDATE posts p
SET x_post_ids = array_append(p.x_post_ids, b.x_post_id), x_username = b.x_username,
    status = 'published', published_at = b.published_at, in_flight_part = NULL, due_at = NULL,
    last_error_kind = '', last_error_message = '', last_error_x_title = '', last_error_x_detail = '',
    last_error_x_status = 0, last_error_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL, version = p.version + 1, updated_at = b.published_at
FROM (SELECT unnest(@ids::text[]) AS id, unnest(@x_post_ids::text[]) AS x_post_id,
             unnest(@x_usernames::text[]) AS x_username, unnest(@published_ats::timestamptz[]) AS published_at) b
WHERE p.id = b.id AND p.lease_owner = @owner::text AND p.status = 'publishing';
