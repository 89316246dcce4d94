-- name: IntegrationUpsert :one
-- Connects an X account, or reconnects it (fresh credentials, active again)
-- when this workspace already has it. Returns no row when another workspace
-- has it.
INSERT INTO integrations (id, workspace_id, connected_by, platform, platform_account_id, username, display_name,
                          avatar_url, credential, credential_key_id, status, status_reason, created_at, updated_at)
VALUES (@id, @workspace_id, @connected_by, @platform, @platform_account_id, @username, @display_name,
        @avatar_url, @credential, @credential_key_id, 'active', '', @now, @now)
ON CONFLICT (platform, platform_account_id) DO UPDATE
SET username = EXCLUDED.username,
    display_name = EXCLUDED.display_name,
    avatar_url = EXCLUDED.avatar_url,
    credential = EXCLUDED.credential,
    credential_key_id = EXCLUDED.credential_key_id,
    status = 'active',
    status_reason = '',
    updated_at = EXCLUDED.updated_at
WHERE integrations.workspace_id = EXCLUDED.workspace_id
RETURNING *;

-- name: IntegrationGetForMember :one
-- An X account and the caller's role in its workspace; no row when there is
-- no such account or the caller is not a member.
SELECT sqlc.embed(integrations), m.role FROM integrations
JOIN memberships m ON m.workspace_id = integrations.workspace_id AND m.user_id = @user_id
WHERE integrations.id = @id;

-- name: IntegrationGetByID :one
-- For the publisher, which acts for every workspace.
SELECT * FROM integrations WHERE id = @id;

-- name: IntegrationList :many
SELECT * FROM integrations WHERE workspace_id = @workspace_id ORDER BY id;

-- name: IntegrationDelete :one
DELETE FROM integrations WHERE id = @id AND workspace_id = @workspace_id
RETURNING *;

-- name: IntegrationMarkNeedsReconnect :exec
-- X refused the credential the publisher used. Only that credential: a
-- reconnect that stored a new one meanwhile stays active.
UPDATE integrations
SET status = 'needs_reconnect', status_reason = @reason, updated_at = coalesce(sqlc.narg(now)::timestamptz, now())
WHERE id = @id AND credential = @credential;

-- name: IntegrationKeyIDs :many
-- Which keys sealed the stored credentials (one sample per key), so a
-- process can refuse to start without them.
SELECT DISTINCT ON (credential_key_id) credential_key_id, id, platform, platform_account_id, credential,
       count(*) OVER (PARTITION BY credential_key_id)::bigint AS integrations
FROM integrations
ORDER BY credential_key_id, id;

-- name: IntegrationSealedWithOtherKeys :many
-- Credentials to re-seal with the current key, a batch at a time.
SELECT id, platform, platform_account_id, credential, credential_key_id
FROM integrations
WHERE credential_key_id <> @current_key_id
ORDER BY id
LIMIT @lim;

-- name: IntegrationReseal :execrows
-- Replaces a credential with the same one sealed by the current key, unless
-- it changed since it was read (a reconnect stored a new one).
UPDATE integrations
SET credential = @new_credential, credential_key_id = @new_key_id
WHERE id = @id AND credential = @old_credential;

-- name: IntegrationHoldForPost :one
-- PostService reads the X account a post is written for and holds it (FOR KEY
-- SHARE) until its transaction ends. DeleteIntegration locks the account with
-- IntegrationLockForDelete before failing its scheduled posts, so a post scheduled
-- concurrently is either written first (and failed by the disconnect) or sees
-- the account gone: no scheduled post is ever left without an account.
SELECT * FROM integrations WHERE id = @id AND workspace_id = @workspace_id FOR KEY SHARE;

-- name: IntegrationHoldForMember :one
-- IntegrationHoldForPost for a caller: the X account, held the same way, and
-- the caller's role in its workspace; no row when there is no such account
-- or the caller is not a member.
SELECT sqlc.embed(integrations), m.role FROM integrations
JOIN memberships m ON m.workspace_id = integrations.workspace_id AND m.user_id = @user_id
WHERE integrations.id = @id
FOR KEY SHARE OF integrations;

-- name: IntegrationLockForDelete :one
-- Taken by DeleteIntegration first, in the transaction that fails the
-- account's scheduled posts and deletes it (see IntegrationHoldForPost).
SELECT id FROM integrations WHERE id = @id AND workspace_id = @workspace_id FOR UPDATE;
