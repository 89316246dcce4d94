-- name: XAuthorizationCreate :exec
INSERT INTO x_authorizations (oauth_token, user_id, workspace_id, token_secret, token_secret_key_id, pin_flow, created_at, expires_at)
VALUES (@oauth_token, @user_id, @workspace_id, @token_secret, @token_secret_key_id, @pin_flow, @now, @expires_at);

-- name: XAuthorizationGet :one
SELECT * FROM x_authorizations WHERE oauth_token = @oauth_token;

-- name: XAuthorizationUse :one
-- Claims a pending authorization exactly once; no row when it is unknown,
-- already used or expired.
UPDATE x_authorizations SET used_at = sqlc.arg(now)::timestamptz
WHERE oauth_token = @oauth_token AND used_at IS NULL AND expires_at > sqlc.arg(now)::timestamptz
RETURNING *;

-- name: XAuthorizationPrune :exec
DELETE FROM x_authorizations WHERE expires_at < @before;
