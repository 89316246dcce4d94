-- name: SessionCreate :one
INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, user_agent, client_addr)
VALUES (@id, @user_id, @token_hash, @now, @expires_at, @user_agent, @client_addr)
RETURNING *;

-- name: SessionGetLiveByHash :one
-- A session that exists, is not revoked and has not expired at @now.
SELECT * FROM sessions
WHERE token_hash = @token_hash AND revoked_at IS NULL AND expires_at > @now;

-- name: SessionExtend :exec
-- Slides the expiry forward; called at most about once an hour per session.
UPDATE sessions SET expires_at = @expires_at
WHERE id = @id AND revoked_at IS NULL;

-- name: SessionRevoke :exec
UPDATE sessions SET revoked_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND revoked_at IS NULL;
