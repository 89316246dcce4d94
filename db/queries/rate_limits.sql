-- name: RateLimitHit :one
-- Counts one call against @key and returns the count in the current window
-- and the seconds until that window ends, both by the database's clock. A
-- window that has ended is restarted in place, so a key never has more than
-- one row; one statement, so concurrent calls from every replica serialize
-- on that row. The count stops at @max_count (the limit plus one): a caller
-- hammering a closed window changes nothing.
INSERT INTO rate_limits AS r (key, window_start, window_end, count)
SELECT @key, c.now, c.now + make_interval(secs => @window_seconds::float8), 1
FROM (SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now) c
-- Its commit does not wait for the disk: a crash may forget the last
-- counts (a few calls forgiven), never a post.
WHERE (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN r.window_end <= excluded.window_start THEN excluded.window_start ELSE r.window_start END,
    window_end   = CASE WHEN r.window_end <= excluded.window_start THEN excluded.window_end ELSE r.window_end END,
    count        = CASE WHEN r.window_end <= excluded.window_start THEN 1 ELSE least(r.count + 1, @max_count::int) END
RETURNING r.count,
    extract(epoch FROM r.window_end - coalesce(sqlc.narg(now)::timestamptz, now()))::float8 AS seconds_left;

-- name: RateLimitPrune :execrows
-- Drops the counters whose window has ended: a new call on their key starts
-- from zero anyway. Rows being counted right now are skipped, so a prune
-- never waits on a call, nor on another replica's prune.
DELETE FROM rate_limits
WHERE key IN (
    SELECT key FROM rate_limits
    WHERE window_end <= coalesce(sqlc.narg(now)::timestamptz, now())
    FOR UPDATE SKIP LOCKED
);
