-- name: ApiTokenCreate :one
INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, expires_at)
VALUES (@id, @user_id, @name, @prefix, @token_hash, @now, sqlc.narg(expires_at))
RETURNING *;

-- name: ApiTokenGetLiveByHash :one
SELECT * FROM api_tokens
WHERE token_hash = @token_hash
  AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > sqlc.arg(now)::timestamptz);

-- name: ApiTokenTouch :exec
-- Records use; called at most about once a minute per token.
UPDATE api_tokens SET last_used_at = sqlc.arg(now)::timestamptz WHERE id = @id;

-- name: ApiTokenListLive :many
SELECT * FROM api_tokens
WHERE user_id = @user_id
  AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > sqlc.arg(now)::timestamptz)
ORDER BY id DESC;

-- name: ApiTokenRevoke :execrows
UPDATE api_tokens SET revoked_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL;
