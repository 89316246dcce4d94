-- name: SignInFailureRecord :exec
INSERT INTO sign_in_failures (email, client_addr, failed_at)
VALUES (@email, @client_addr, @now);

-- name: SignInFailureStats :one
-- Failures since @since for this email and for this client address, with the
-- oldest of each, so the caller can tell when the window frees up.
SELECT
    count(*) FILTER (WHERE email = @email)::int AS email_failures,
    COALESCE(min(failed_at) FILTER (WHERE email = @email), sqlc.arg(since)::timestamptz)::timestamptz AS email_oldest,
    count(*) FILTER (WHERE client_addr = @client_addr)::int AS addr_failures,
    COALESCE(min(failed_at) FILTER (WHERE client_addr = @client_addr), sqlc.arg(since)::timestamptz)::timestamptz AS addr_oldest
FROM sign_in_failures
WHERE failed_at > sqlc.arg(since)::timestamptz AND (email = @email OR client_addr = @client_addr);

-- name: SignInFailureClearEmail :exec
-- A successful sign-in forgives the email's earlier failures.
DELETE FROM sign_in_failures WHERE email = @email;

-- name: SignInFailurePrune :exec
DELETE FROM sign_in_failures WHERE failed_at < @before;
