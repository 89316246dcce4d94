-- name: PostCreate :one
-- @publish_now: scheduled and due now by the database's clock, the one the
-- publishers compare with. The same statement records the author's
-- "created" activity, and "submitted" when the post awaits approval (one
-- round trip, not three).
WITH p AS (
    INSERT INTO posts (id, workspace_id, author_id, integration_id, status, parts, part_media, is_thread, scheduled_at, due_at, created_at, updated_at)
    VALUES (@id, @workspace_id, @author_id, @integration_id, @status, @parts, coalesce(sqlc.narg(part_media)::text[], '{}'), @is_thread,
            CASE WHEN @publish_now::boolean THEN coalesce(sqlc.narg(now)::timestamptz, now()) ELSE sqlc.narg(scheduled_at) END,
            CASE WHEN @publish_now::boolean THEN coalesce(sqlc.narg(now)::timestamptz, now()) ELSE sqlc.narg(due_at) END,
            coalesce(sqlc.narg(now)::timestamptz, now()), coalesce(sqlc.narg(now)::timestamptz, now()))
    RETURNING *
), activity AS (
    INSERT INTO post_activity (post_id, actor_id, kind, at)
    SELECT p.id, p.author_id, k.kind, p.created_at
    FROM p CROSS JOIN (VALUES (1, 'created'::post_activity_kind), (2, 'submitted'::post_activity_kind)) AS k (n, kind)
    WHERE k.kind = 'created' OR p.status = 'pending_approval'
    ORDER BY k.n
)
SELECT * FROM p;

-- name: PostGetForMember :one
-- A post and the caller's role in its workspace. No row when there is no
-- such post or the caller is not a member: both are "not found" to them.
SELECT sqlc.embed(posts), m.role FROM posts
JOIN memberships m ON m.workspace_id = posts.workspace_id AND m.user_id = @user_id
WHERE posts.id = @id;

-- name: PostPageAsc :many
-- Scheduled posts of a workspace strictly between two (scheduled_at, id)
-- keys, soonest first (a function: its plan walks the index whatever the
-- statistics say; see migration 00017). The list queries return nothing
-- unless @user_id is a member: the membership check rides along instead of
-- costing a round trip of its own (ListPosts asks for the role only when a
-- page comes back empty).
SELECT p.* FROM posts_page_asc(@workspace_id, @statuses::text[], sqlc.narg(integration_id)::text,
    @from_at::timestamptz, @from_id::text, @to_at::timestamptz, @to_id::text, @lim::int) p
WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = @workspace_id AND m.user_id = @user_id);

-- name: PostPageDesc :many
-- The same, latest first.
SELECT p.* FROM posts_page_desc(@workspace_id, @statuses::text[], sqlc.narg(integration_id)::text,
    @from_at::timestamptz, @from_id::text, @to_at::timestamptz, @to_id::text, @lim::int) p
WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = @workspace_id AND m.user_id = @user_id);

-- name: PostDraftsAsc :many
-- Drafts of a workspace with ids after @after_id.
SELECT p.* FROM posts_drafts_asc(@workspace_id, @statuses::text[], sqlc.narg(integration_id)::text, @after_id::text, @lim::int) p
WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = @workspace_id AND m.user_id = @user_id);

-- name: PostDraftsDesc :many
-- Drafts of a workspace with ids before @before_id, latest first.
SELECT p.* FROM posts_drafts_desc(@workspace_id, @statuses::text[], sqlc.narg(integration_id)::text, @before_id::text, @lim::int) p
WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = @workspace_id AND m.user_id = @user_id);

-- name: PostListSeries :many
-- A series' occurrences not on X yet, soonest first.
SELECT * FROM posts WHERE series_id = @series_id AND status IN ('scheduled', 'pending_approval', 'publishing')
ORDER BY due_at, id;

-- name: PostUpdate :one
-- Applies an edit computed by the service, if nobody changed the post since
-- it was read (version) and it is still editable.
UPDATE posts
SET parts = @parts, part_media = @part_media, is_thread = @is_thread, status = @status,
    scheduled_at = sqlc.narg(scheduled_at), due_at = sqlc.narg(due_at),
    attempts = @attempts,
    -- A rejected post that is submitted (or scheduled) again is no longer rejected.
    rejection_reason = CASE WHEN @status::post_status IN ('pending_approval', 'scheduled') THEN '' ELSE rejection_reason END,
    rejected_by = CASE WHEN @status::post_status IN ('pending_approval', 'scheduled') THEN NULL ELSE rejected_by END,
    rejected_at = CASE WHEN @status::post_status IN ('pending_approval', 'scheduled') THEN NULL ELSE rejected_at END,
    -- A new time or a move to drafts gives up the queue slot.
    queue_slot = CASE WHEN @keep_queue_slot::boolean THEN queue_slot ELSE NULL END,
    version = version + 1, updated_at = @now
WHERE id = @id AND workspace_id = @workspace_id AND version = @version
  AND status IN ('draft', 'pending_approval', 'scheduled', 'failed')
RETURNING *;

-- name: PostDelete :one
DELETE FROM posts
WHERE id = @id AND workspace_id = @workspace_id AND status <> 'publishing'
RETURNING id;

-- name: PostPublishNow :one
-- Due now by the database's clock (@now only in tests).
UPDATE posts
SET status = 'scheduled', scheduled_at = coalesce(sqlc.narg(now)::timestamptz, now()), due_at = coalesce(sqlc.narg(now)::timestamptz, now()),
    queue_slot = NULL, version = version + 1, updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE id = @id AND workspace_id = @workspace_id AND integration_id IS NOT NULL AND status IN ('draft', 'pending_approval', 'scheduled')
RETURNING *;

-- name: PostRetry :one
-- A failed or unconfirmed post becomes due now; it resumes after the parts
-- already on X. A part that may be on X stays in doubt, so the publisher
-- reads X before resending it, unless @force says the person checked X.
UPDATE posts
SET status = 'scheduled', due_at = coalesce(sqlc.narg(now)::timestamptz, now()), attempts = 0,
    in_flight_part = CASE WHEN @force::boolean THEN NULL ELSE in_flight_part END,
    in_flight_since = CASE WHEN @force::boolean THEN NULL ELSE in_flight_since END,
    version = version + 1, updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE id = @id AND workspace_id = @workspace_id AND integration_id IS NOT NULL
  AND status IN ('failed', 'unconfirmed')
RETURNING *;

-- name: PostFailForIntegration :exec
-- The X account was disconnected: its scheduled posts can no longer go out.
UPDATE posts
SET status = 'failed', due_at = NULL, last_error_kind = 'integration_disconnected',
    last_error_message = 'The X account was disconnected from BetterPlan before this post went out; reconnect it and create the post again.',
    last_error_x_title = '', last_error_x_detail = '', last_error_x_status = 0, last_error_at = sqlc.arg(now)::timestamptz,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE integration_id = @integration_id AND status = 'scheduled';

-- The publisher's queries compare and store times by the database's clock,
-- one clock for every replica: sqlc.narg(now) is NULL except in tests.

-- name: PostClaimDue :many
-- Takes up to @lim due posts for this publisher (each row by exactly one
-- publisher: SKIP LOCKED), re-reading the row as it is now. The next part is
-- marked in flight before anything is sent; doubt_part is the part an
-- earlier attempt left in doubt (its outcome unknown), which must be looked
-- up on X before it is sent again. Every row carries next_due.
WITH clock AS (
    SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now
), due AS (
    SELECT p.id, p.in_flight_part AS doubt_part FROM posts p
    WHERE p.status = 'scheduled' AND p.due_at <= (SELECT now FROM clock)
    ORDER BY p.due_at
    LIMIT @lim
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE posts p
    SET status = 'publishing', lease_owner = @owner::text,
        lease_expires_at = (SELECT now FROM clock) + make_interval(secs => @lease_secs::float8),
        attempts = p.attempts + 1, in_flight_part = cardinality(p.x_post_ids),
        in_flight_since = CASE WHEN p.in_flight_part IS NULL THEN (SELECT now FROM clock) ELSE p.in_flight_since END,
        version = p.version + 1, updated_at = (SELECT now FROM clock)
    FROM due WHERE p.id = due.id
    RETURNING p.id, p.workspace_id, p.integration_id, p.parts, p.part_media, p.is_thread, p.due_at, p.attempts, p.x_post_ids,
              p.x_username, p.in_flight_since, due.doubt_part
)
SELECT c.id, c.workspace_id, c.integration_id, c.parts, c.part_media, c.is_thread, c.due_at, c.attempts, c.x_post_ids,
       c.x_username, c.doubt_part, c.in_flight_since, (SELECT now FROM clock)::timestamptz AS db_now,
       i.status AS integration_status, i.username, i.platform, i.platform_account_id,
       i.credential, i.credential_key_id,
       -- The next post due after these (@never when none), so the publisher
       -- needs no second read to know when to wake. Bounded below by now:
       -- it skips the index entries of posts claimed earlier.
       COALESCE((SELECT min(n.due_at) FROM posts n WHERE n.status = 'scheduled' AND n.due_at > (SELECT now FROM clock)),
                @never::timestamptz)::timestamptz AS next_due
FROM claimed c LEFT JOIN integrations i ON i.id = c.integration_id;

-- name: PostMarkInFlight :one
-- Right before a thread's next part is sent: re-checks that this publisher
-- still holds the post and that its X account is still connected and active,
-- and only then marks the part in flight. No row: the lease was lost.
WITH clock AS (
    SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now
), cur AS (
    SELECT p.id, i.status AS integration_status, i.status_reason AS integration_reason
    FROM posts p LEFT JOIN integrations i ON i.id = p.integration_id
    WHERE p.id = @id AND p.lease_owner = @owner::text AND p.status = 'publishing'
    FOR UPDATE OF p
), marked AS (
    UPDATE posts p
    SET in_flight_part = @part::int, in_flight_since = (SELECT now FROM clock),
        lease_expires_at = (SELECT now FROM clock) + make_interval(secs => @lease_secs::float8),
        updated_at = (SELECT now FROM clock)
    FROM cur WHERE p.id = cur.id AND cur.integration_status = 'active'
    RETURNING p.id
)
SELECT cur.integration_status, cur.integration_reason, EXISTS (SELECT 1 FROM marked) AS marked FROM cur;

-- name: PostSavePart :execrows
-- A thread part is on X: save its id; nothing is in flight until the next
-- part is marked, so a crash in between resumes the thread. 0 rows: the
-- lease was lost.
UPDATE posts
SET x_post_ids = array_append(x_post_ids, @x_post_id::text), x_username = @x_username,
    in_flight_part = NULL, in_flight_since = NULL,
    lease_expires_at = coalesce(sqlc.narg(now)::timestamptz, now()) + make_interval(secs => @lease_secs::float8),
    updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE id = @id AND lease_owner = @owner::text AND status = 'publishing';

-- name: PostFinish :execrows
-- Ends a publishing attempt without success: failed, unconfirmed, or back to
-- scheduled (retry, rate limit, release) at @due_at or after @delay_secs,
-- with the reason. @keep_in_flight keeps a part whose outcome is unknown in
-- doubt. 0 rows: the lease was lost.
UPDATE posts
SET status = @status::post_status, due_at = CASE WHEN @status::post_status = 'scheduled'
        THEN coalesce(sqlc.narg(due_at)::timestamptz, coalesce(sqlc.narg(now)::timestamptz, now()) + make_interval(secs => @delay_secs::float8)) END,
    attempts = attempts - @uncount::int,
    in_flight_part = CASE WHEN @keep_in_flight::boolean THEN in_flight_part END,
    in_flight_since = CASE WHEN @keep_in_flight::boolean THEN in_flight_since END,
    lease_owner = NULL, lease_expires_at = NULL,
    last_error_kind = sqlc.narg(error_kind), last_error_message = @error_message,
    last_error_x_title = @x_title, last_error_x_detail = @x_detail, last_error_x_status = @x_status,
    last_error_at = CASE WHEN sqlc.narg(error_kind)::post_error_kind IS NULL THEN last_error_at ELSE coalesce(sqlc.narg(now)::timestamptz, now()) END,
    version = version + 1, updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE id = @id AND lease_owner = @owner::text AND status = 'publishing';

-- name: PostDeferIntegration :exec
-- X rate-limited this account: its other due-soon posts wait for the reset
-- too instead of hitting X again.
UPDATE posts
SET due_at = @until::timestamptz, updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE integration_id = @integration_id AND status = 'scheduled' AND due_at < @until::timestamptz;

-- name: PostRecoverExpired :many
-- Posts whose publisher died mid-publish (lease expired) go back to the
-- schedule at once. A part left in flight stays in doubt: the next claim
-- reads X before sending it again.
UPDATE posts
SET status = 'scheduled', due_at = coalesce(sqlc.narg(now)::timestamptz, now()),
    lease_owner = NULL, lease_expires_at = NULL,
    version = version + 1, updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE status = 'publishing' AND lease_expires_at <= coalesce(sqlc.narg(now)::timestamptz, now())
RETURNING id, in_flight_part;

-- name: PostSchedulerState :one
-- One cheap query for the publisher's idle loop: the database's time, the
-- next due time, the number of posts already due, and the next lease to
-- expire (@never when none).
WITH clock AS (
    SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now
)
SELECT
    (SELECT now FROM clock)::timestamptz AS db_now,
    COALESCE((SELECT min(due_at) FROM posts WHERE status = 'scheduled'), @never::timestamptz)::timestamptz AS next_due,
    (SELECT count(*) FROM posts WHERE status = 'scheduled' AND due_at <= (SELECT now FROM clock))::bigint AS backlog,
    COALESCE((SELECT min(lease_expires_at) FROM posts WHERE status = 'publishing'), @never::timestamptz)::timestamptz AS next_lease_expiry;

-- name: PostPublishedBatch :many
-- Marks many posts published in one statement and one commit: under a
-- burst, per-post commits are what limits throughput. Returns the ids it
-- matched; a missing id lost its lease.
-- Its commit does not wait for the disk (synchronous_commit off for this
-- transaction only, set inside the statement so it holds through a pooler):
-- if PostgreSQL crashed before the WAL writer flushed it (≤ 200 ms), the
-- post would be found publishing with its part in flight, and lease
-- recovery looks it up on X before anything is sent again. Claims and
-- in-flight marks stay synchronous: they are what keeps a post from going
-- out twice.
UPDATE posts p
SET x_post_ids = array_append(p.x_post_ids, b.x_post_id), x_username = b.x_username,
    status = 'published', published_at = coalesce(sqlc.narg(now)::timestamptz, now()),
    in_flight_part = NULL, in_flight_since = NULL, due_at = NULL,
    last_error_kind = NULL, last_error_message = '', last_error_x_title = '', last_error_x_detail = '',
    last_error_x_status = 0, last_error_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL, version = p.version + 1,
    updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
FROM (SELECT unnest(@ids::text[]) AS id, unnest(@x_post_ids::text[]) AS x_post_id,
             unnest(@x_usernames::text[]) AS x_username) b
WHERE (SELECT set_config('synchronous_commit', 'off', true)) = 'off' AND p.id = b.id AND p.lease_owner = @owner::text AND p.status = 'publishing'
RETURNING p.id;

-- name: PostApprove :one
-- An editor approves a post waiting for approval: it is scheduled at its
-- time (or at @scheduled_at when given).
UPDATE posts
SET status = 'scheduled', scheduled_at = coalesce(sqlc.narg(scheduled_at), scheduled_at),
    due_at = coalesce(sqlc.narg(scheduled_at), scheduled_at),
    rejection_reason = '', rejected_by = NULL, rejected_at = NULL,
    version = version + 1, updated_at = @now
WHERE id = @id AND workspace_id = @workspace_id AND version = @version AND status = 'pending_approval'
  AND integration_id IS NOT NULL
RETURNING *;

-- name: PostReject :one
-- An editor sends a post back to its writer as a draft, with the reason.
UPDATE posts
SET status = 'draft', due_at = NULL, scheduled_at = NULL,
    rejection_reason = @reason, rejected_by = @rejected_by, rejected_at = sqlc.arg(now)::timestamptz,
    version = version + 1, updated_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND workspace_id = @workspace_id AND version = @version AND status = 'pending_approval'
RETURNING *;

-- The queue. queue_slot is the local date and time (in the schedule's
-- zone) of the slot a post holds; scheduled_at is its instant.

-- name: PostQueueHolders :many
-- The account's posts in its queue, in queue order: scheduled ones holding
-- slots from @from_local on (local times), and the drafts a pause holds
-- (whatever their old slot's time).
SELECT * FROM posts
WHERE integration_id = @integration_id AND queue_slot IS NOT NULL
  AND ((status = 'scheduled' AND queue_slot >= @from_local) OR status = 'draft')
ORDER BY queue_slot;

-- name: PostQueueTake :one
-- Puts a post in a slot (scheduled at its instant). A slot another post
-- holds fails on posts_queue_slot_idx.
UPDATE posts
SET queue_slot = @queue_slot, status = 'scheduled', scheduled_at = @at::timestamptz, due_at = @at::timestamptz,
    attempts = 0, version = version + 1, updated_at = @now
WHERE id = @id AND workspace_id = @workspace_id AND status IN ('draft', 'scheduled', 'failed')
RETURNING *;

-- name: PostQueueRelease :exec
-- Frees the slots of these posts (before they take others).
UPDATE posts SET queue_slot = NULL WHERE id = ANY(@ids::text[]) AND workspace_id = @workspace_id;

-- name: PostQueueHold :exec
-- The queue is paused: its scheduled posts wait as drafts, keeping their
-- place (queue_slot), until it resumes.
UPDATE posts SET status = 'draft', scheduled_at = NULL, due_at = NULL, version = version + 1, updated_at = @now
WHERE integration_id = @integration_id AND queue_slot IS NOT NULL AND status = 'scheduled';

-- Evergreen posts.

-- name: PostSetEvergreen :one
-- Marks (or, with NULL days, unmarks) a post evergreen, with the text it
-- has now (rendered from the templates).
UPDATE posts SET evergreen_days = sqlc.narg(days), evergreen_texts = @texts, parts = @parts,
    version = version + 1, updated_at = @now
WHERE id = @id AND workspace_id = @workspace_id AND status IN ('draft', 'scheduled', 'failed', 'published')
RETURNING *;

-- name: PostEvergreenDue :many
-- Published evergreen posts whose copy is not made yet, each taken by one
-- publisher.
SELECT * FROM posts
WHERE evergreen_days IS NOT NULL AND evergreen_next IS NULL AND status = 'published'
ORDER BY published_at
LIMIT 50
FOR UPDATE SKIP LOCKED;

-- name: PostEvergreenCopy :one
-- The next round of an evergreen post, in a queue slot (or a draft when
-- its queue cannot take it: @queue_slot and @at NULL).
INSERT INTO posts (id, workspace_id, author_id, integration_id, status, parts, part_media, is_thread, scheduled_at, due_at, queue_slot,
                   evergreen_days, evergreen_texts, evergreen_round, created_at, updated_at)
VALUES (@id, @workspace_id, @author_id, @integration_id,
        CASE WHEN sqlc.narg(at)::timestamptz IS NULL THEN 'draft' ELSE 'scheduled' END::post_status,
        @parts, @part_media, false, sqlc.narg(at)::timestamptz, sqlc.narg(at)::timestamptz, sqlc.narg(queue_slot)::timestamp,
        @evergreen_days, @evergreen_texts, @evergreen_round, @now, @now)
RETURNING *;

-- name: PostEvergreenDone :exec
UPDATE posts SET evergreen_next = @next WHERE id = @id;
