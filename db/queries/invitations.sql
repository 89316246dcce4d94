-- name: InvitationCreate :one
INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at)
VALUES (@id, @workspace_id, @email, @role, @token_hash, @invited_by, @now, @expires_at)
RETURNING *;

-- name: InvitationListPending :many
-- Invitations not yet accepted, revoked or expired.
SELECT * FROM invitations
WHERE workspace_id = @workspace_id AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > @now
ORDER BY created_at DESC, id;

-- name: InvitationGetByToken :one
-- An invitation by its link, with what the accept page shows.
SELECT sqlc.embed(invitations), w.name AS workspace_name, coalesce(u.display_name, '')::text AS inviter_name
FROM invitations
JOIN workspaces w ON w.id = invitations.workspace_id
LEFT JOIN users u ON u.id = invitations.invited_by
WHERE invitations.token_hash = @token_hash;

-- name: InvitationGet :one
SELECT * FROM invitations WHERE id = @id;

-- name: InvitationAccept :one
-- Uses an invitation exactly once: no row when it was accepted, revoked or
-- expired meanwhile.
UPDATE invitations SET accepted_at = sqlc.arg(now)::timestamptz, accepted_by = sqlc.arg(user_id)::text
WHERE id = @id AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > sqlc.arg(now)::timestamptz
RETURNING *;

-- name: InvitationRevoke :one
UPDATE invitations SET revoked_at = sqlc.arg(now)::timestamptz
WHERE id = @id AND workspace_id = @workspace_id AND accepted_at IS NULL AND revoked_at IS NULL
RETURNING *;
