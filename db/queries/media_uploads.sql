-- The publisher's pre-upload of media to X, one row per (file, X account).
-- As for posts, sqlc.narg(now) is NULL except in tests.

-- name: MediaUploadClaim :many
-- Leases up to @lim uploads that a scheduled post due within the horizon
-- needs (@video_horizon_secs for video, @horizon_secs for the rest) and that
-- are missing, due for their next step, or ready with an id that would
-- expire before the post's time (@margin_secs after it): those start over.
-- Failed ones wait for a person (RetryPost, a new time). Each row is taken
-- by one publisher: the insert conflicts on the key, and a row leased by
-- another is left alone.
WITH clock AS (
    SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now
), need AS (
    SELECT DISTINCT ON (mid.id, p.integration_id) mid.id AS media_id, p.integration_id, p.due_at
    FROM posts p
    CROSS JOIN LATERAL unnest(p.part_media) AS pm(ids)
    CROSS JOIN LATERAL unnest(string_to_array(pm.ids, ',')) AS mid(id)
    WHERE p.status = 'scheduled' AND p.part_media <> '{}' AND p.integration_id IS NOT NULL
      AND p.due_at <= (SELECT now FROM clock) + make_interval(secs => @video_horizon_secs::float8)
    ORDER BY mid.id, p.integration_id, p.due_at
), cand AS (
    SELECT n.media_id, n.integration_id::text AS integration_id, n.due_at FROM need n
    JOIN media md ON md.id = n.media_id AND md.state = 'ready'
    LEFT JOIN media_uploads u ON u.media_id = n.media_id AND u.integration_id = n.integration_id
    WHERE (md.kind = 'video' OR n.due_at <= (SELECT now FROM clock) + make_interval(secs => @horizon_secs::float8))
      AND (u.media_id IS NULL OR (
            (u.lease_expires_at IS NULL OR u.lease_expires_at < (SELECT now FROM clock))
            AND ((u.state IN ('uploading', 'processing') AND u.next_at <= (SELECT now FROM clock))
                 OR (u.state = 'ready' AND u.expires_at < n.due_at + make_interval(secs => @margin_secs::float8)))))
    ORDER BY n.due_at
    LIMIT @lim
), claimed AS (
    -- expires_at of the inserted row is the time the id must outlive; the
    -- update compares it with the stored id's expiry.
    INSERT INTO media_uploads AS u (media_id, integration_id, state, expires_at, next_at, attempts,
                                    lease_owner, lease_expires_at, created_at, updated_at)
    SELECT c.media_id, c.integration_id, 'uploading', c.due_at + make_interval(secs => @margin_secs::float8),
           (SELECT now FROM clock), 1, @owner::text,
           (SELECT now FROM clock) + make_interval(secs => @lease_secs::float8), (SELECT now FROM clock), (SELECT now FROM clock)
    FROM cand c
    ON CONFLICT (media_id, integration_id) DO UPDATE
    SET lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at,
        attempts = u.attempts + 1, updated_at = excluded.updated_at,
        state = CASE WHEN u.state = 'ready' THEN 'uploading' ELSE u.state END,
        x_media_id = CASE WHEN u.state = 'ready' THEN '' ELSE u.x_media_id END,
        segments_done = CASE WHEN u.state = 'ready' THEN 0 ELSE u.segments_done END
    WHERE (u.lease_expires_at IS NULL OR u.lease_expires_at < excluded.updated_at)
      AND ((u.state IN ('uploading', 'processing') AND u.next_at <= excluded.updated_at)
           OR (u.state = 'ready' AND u.expires_at < excluded.expires_at))
    RETURNING u.media_id, u.integration_id, u.state, u.x_media_id, u.segments_done, u.attempts
)
SELECT c.media_id, c.integration_id, c.state, c.x_media_id, c.segments_done, c.attempts,
       md.kind, md.mime, md.size_bytes, md.alt_text, md.filename,
       i.status AS integration_status, i.username, i.platform, i.platform_account_id,
       i.credential, i.credential_key_id, (SELECT now FROM clock)::timestamptz AS db_now
FROM claimed c
JOIN media md ON md.id = c.media_id
JOIN integrations i ON i.id = c.integration_id;

-- name: MediaUploadNext :one
-- The next time the pre-upload has work: a post with media entering either
-- horizon, or an upload's next step or expiring lease (ones already due
-- were claimed this round, or are not needed any more).
WITH clock AS (
    SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now
)
SELECT least(
    (SELECT min(p.due_at) FROM posts p
     WHERE p.status = 'scheduled' AND p.part_media <> '{}'
       AND p.due_at > (SELECT now FROM clock) + make_interval(secs => @horizon_secs::float8))
      - make_interval(secs => @horizon_secs::float8),
    (SELECT min(p.due_at) FROM posts p
     WHERE p.status = 'scheduled' AND p.part_media <> '{}'
       AND p.due_at > (SELECT now FROM clock) + make_interval(secs => @video_horizon_secs::float8))
      - make_interval(secs => @video_horizon_secs::float8),
    (SELECT min(greatest(u.next_at, coalesce(u.lease_expires_at, u.next_at))) FROM media_uploads u
     WHERE u.state IN ('uploading', 'processing')
       AND greatest(u.next_at, coalesce(u.lease_expires_at, u.next_at)) > (SELECT now FROM clock)),
    @never::timestamptz
)::timestamptz AS next_at, (SELECT now FROM clock)::timestamptz AS db_now;

-- name: MediaUploadSave :execrows
-- Records progress (or the outcome) of an upload this publisher holds.
-- @release ends the lease (the step is done; next_at says when to go on).
UPDATE media_uploads
SET state = @state, x_media_id = @x_media_id, segments_done = @segments_done,
    expires_at = coalesce(sqlc.narg(expires_at), expires_at), error_message = @error_message,
    next_at = coalesce(sqlc.narg(now)::timestamptz, now()) + make_interval(secs => @next_in_secs::float8),
    attempts = CASE WHEN @reset_attempts::boolean THEN 0 ELSE attempts END,
    lease_owner = CASE WHEN @release::boolean THEN NULL ELSE lease_owner END,
    lease_expires_at = CASE WHEN @release::boolean THEN NULL
                            ELSE coalesce(sqlc.narg(now)::timestamptz, now()) + make_interval(secs => @lease_secs::float8) END,
    updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE media_id = @media_id AND integration_id = @integration_id AND lease_owner = @owner::text;

-- name: MediaUploadsForPost :many
-- What the publisher needs at a post's time: each file of the post and its
-- upload for the post's X account (NULL columns: not uploaded yet).
SELECT md.id, md.filename, md.kind, md.alt_text,
       u.state AS upload_state, u.x_media_id, u.expires_at, u.next_at, u.error_message
FROM media md
LEFT JOIN media_uploads u ON u.media_id = md.id AND u.integration_id = @integration_id
WHERE md.id = ANY(@ids::text[]);

-- name: MediaUploadForgetFailed :exec
-- A person retries or reschedules a post: X gets its refused files again.
DELETE FROM media_uploads
WHERE integration_id = @integration_id AND media_id = ANY(@ids::text[]) AND state = 'failed';

-- name: MediaUploadForgetReady :exec
-- The file's alt text changed: copies on X not being worked on are
-- uploaded again (an id on X keeps the text it was given).
DELETE FROM media_uploads WHERE media_id = @media_id AND state = 'ready' AND lease_owner IS NULL;

-- name: MediaUploadForget :exec
-- X refused a post naming these ids (it no longer knows them): the files
-- are uploaded again.
DELETE FROM media_uploads WHERE integration_id = @integration_id AND media_id = ANY(@ids::text[]);
