-- name: SeriesCreate :one
INSERT INTO post_series (id, workspace_id, integration_id, author_id, texts, time_zone, frequency, every, weekdays,
                         month_day, minute, start_date, until_date, max_count, created_at, updated_at)
VALUES (@id, @workspace_id, @integration_id, @author_id, @texts, @time_zone, @frequency, @every, @weekdays,
        @month_day, @minute, @start_date, sqlc.narg(until_date), sqlc.narg(max_count), @now, @now)
RETURNING *;

-- name: SeriesGetForMember :one
SELECT sqlc.embed(post_series), m.role FROM post_series
JOIN memberships m ON m.workspace_id = post_series.workspace_id AND m.user_id = @user_id
WHERE post_series.id = @id;

-- name: SeriesLock :one
SELECT * FROM post_series WHERE id = @id FOR UPDATE;

-- name: SeriesList :many
SELECT * FROM post_series WHERE workspace_id = @workspace_id ORDER BY created_at DESC, id DESC LIMIT 200;

-- name: SeriesUpdate :one
-- A changed series starts over from @last_local (now): only future
-- occurrences follow the change.
UPDATE post_series
SET texts = @texts, time_zone = @time_zone, frequency = @frequency, every = @every, weekdays = @weekdays,
    month_day = @month_day, minute = @minute, start_date = @start_date, until_date = sqlc.narg(until_date),
    max_count = sqlc.narg(max_count), last_local = sqlc.narg(last_local), finished = false, updated_at = @now
WHERE id = @id
RETURNING *;

-- name: SeriesMade :exec
-- Records the occurrences just made.
UPDATE post_series SET last_local = sqlc.narg(last_local), made = @made, finished = @finished, updated_at = @now WHERE id = @id;

-- name: SeriesDelete :exec
DELETE FROM post_series WHERE id = @id;

-- name: SeriesDropFuture :many
-- The series' occurrences not on X yet go (a change or a stop applies to
-- the future only).
DELETE FROM posts WHERE series_id = @series_id AND status IN ('draft', 'pending_approval', 'scheduled')
RETURNING id;

-- name: SeriesNeedingMore :many
-- Series with fewer than @ahead occurrences waiting to go out (for the
-- publisher's top-up), locked one at a time by whoever makes them.
SELECT sqlc.embed(s), w.pending FROM post_series s
CROSS JOIN LATERAL (SELECT count(*)::int AS pending FROM posts p
                    WHERE p.series_id = s.id AND p.status IN ('scheduled', 'publishing', 'pending_approval')) w
WHERE NOT s.finished AND w.pending < @ahead::int
ORDER BY s.updated_at
LIMIT 50
FOR UPDATE OF s SKIP LOCKED;

-- name: SeriesNextWake :one
-- When the top-up has work next: just after the soonest series occurrence
-- or evergreen post waiting to go out (once it is out, the next is made).
SELECT least(
    (SELECT min(p.due_at) FROM posts p WHERE p.series_id IS NOT NULL AND p.status = 'scheduled'),
    (SELECT min(p.due_at) FROM posts p WHERE p.evergreen_days IS NOT NULL AND p.status = 'scheduled'),
    @never::timestamptz)::timestamptz AS next_at;

-- name: PostCreateOccurrence :one
INSERT INTO posts (id, workspace_id, author_id, integration_id, status, parts, is_thread, scheduled_at, due_at, series_id, created_at, updated_at)
VALUES (@id, @workspace_id, @author_id, @integration_id, 'scheduled', @parts, false, @at, @at, @series_id, @now, @now)
RETURNING *;
