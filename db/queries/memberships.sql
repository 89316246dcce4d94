-- name: MembershipCreate :exec
INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
VALUES (@workspace_id, @user_id, @role, @now, @now);

-- name: MembershipRole :one
-- The caller's role in a workspace; no row when they are not a member.
SELECT role FROM memberships WHERE workspace_id = @workspace_id AND user_id = @user_id;

-- name: MembershipList :many
SELECT m.user_id, m.role, m.created_at, u.email, u.display_name
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.workspace_id = @workspace_id
ORDER BY m.role, lower(u.display_name), u.id;

-- name: MembershipLockWorkspace :many
-- Locks the workspace's memberships, so "the last owner" is decided by one
-- change at a time.
SELECT user_id, role FROM memberships WHERE workspace_id = @workspace_id FOR UPDATE;

-- name: MembershipSetRole :one
UPDATE memberships SET role = @role, updated_at = @now
WHERE workspace_id = @workspace_id AND user_id = @user_id
RETURNING *;

-- name: MembershipDelete :execrows
DELETE FROM memberships WHERE workspace_id = @workspace_id AND user_id = @user_id;

-- name: MembershipAdd :one
-- Adds a member, or keeps the existing membership as it is (accepting an
-- invitation never lowers or raises a role already held). Returns the
-- membership either way.
INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
VALUES (@workspace_id, @user_id, @role, @now, @now)
ON CONFLICT (workspace_id, user_id) DO UPDATE SET updated_at = memberships.updated_at
RETURNING *;
