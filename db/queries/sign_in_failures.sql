-- A row is a sign-in attempt that counts against the throttle: written
-- before the password is checked (so concurrent attempts see it), kept as
-- the failure when the password was wrong, deleted when it was right (with
-- the email's other attempts) or was never checked.

-- name: SignInLockEmail :exec
-- Serializes the throttle decisions and the clearing of one email's attempts
-- (advisory lock class 1). Callers take it before SignInLockAddr, always in
-- that order.
SELECT pg_advisory_xact_lock(1, hashtext(@email::text));

-- name: SignInLockAddr :exec
-- Serializes the throttle decisions for one client address (class 2).
SELECT pg_advisory_xact_lock(2, hashtext(@client_addr::text));

-- name: SignInAttemptStats :one
-- Attempts in the window ending now (the database's clock) for this email
-- and for this client address, with the oldest of each, so the caller can
-- tell when the window frees up.
SELECT
    count(f.id) FILTER (WHERE f.email = @email)::int AS email_attempts,
    coalesce(min(f.failed_at) FILTER (WHERE f.email = @email), c.now)::timestamptz AS email_oldest,
    count(f.id) FILTER (WHERE f.client_addr = @client_addr)::int AS addr_attempts,
    coalesce(min(f.failed_at) FILTER (WHERE f.client_addr = @client_addr), c.now)::timestamptz AS addr_oldest,
    c.now::timestamptz AS now
FROM (SELECT coalesce(sqlc.narg(now)::timestamptz, now()) AS now) c
LEFT JOIN sign_in_failures f
    ON f.failed_at > c.now - make_interval(secs => @window_seconds::float8)
    AND (f.email = @email OR f.client_addr = @client_addr)
GROUP BY c.now;

-- name: SignInAttemptRecord :one
INSERT INTO sign_in_failures (email, client_addr, failed_at)
VALUES (@email, @client_addr, coalesce(sqlc.narg(now)::timestamptz, now()))
RETURNING id;

-- name: SignInAttemptDelete :exec
-- Takes back an attempt: its password was right, or never checked.
DELETE FROM sign_in_failures WHERE id = @id;

-- name: SignInFailureClearEmail :exec
-- A successful sign-in forgives the email's earlier failures (its own
-- attempt among them). Run under SignInLockEmail: two sign-ins clearing the
-- same rows in different orders would deadlock.
DELETE FROM sign_in_failures WHERE email = @email;

-- name: SignInFailurePrune :exec
-- Attempts older than the window no longer count. Rows another transaction
-- holds are left for the next prune: a prune never waits, so it cannot
-- deadlock with a sign-in clearing its email.
DELETE FROM sign_in_failures
WHERE id IN (
    SELECT id FROM sign_in_failures
    WHERE failed_at < coalesce(sqlc.narg(now)::timestamptz, now()) - make_interval(secs => @window_seconds::float8)
    FOR UPDATE SKIP LOCKED
);
