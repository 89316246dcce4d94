-- name: WorkspaceCreate :one
INSERT INTO workspaces (id, name, personal_of, created_at, updated_at)
VALUES (@id, @name, sqlc.narg(personal_of), @now, @now)
RETURNING *;

-- name: WorkspaceGetForMember :one
-- A workspace and the caller's role in it; no row when there is no such
-- workspace or the caller is not a member.
SELECT sqlc.embed(workspaces), m.role FROM workspaces
JOIN memberships m ON m.workspace_id = workspaces.id AND m.user_id = @user_id
WHERE workspaces.id = @id;

-- name: WorkspaceListForUser :many
-- The caller's workspaces: their personal one first, then by name.
SELECT sqlc.embed(workspaces), m.role FROM workspaces
JOIN memberships m ON m.workspace_id = workspaces.id AND m.user_id = @user_id
ORDER BY workspaces.personal_of IS DISTINCT FROM @user_id, lower(workspaces.name), workspaces.id;

-- name: WorkspaceRename :one
UPDATE workspaces SET name = @name, updated_at = @now WHERE id = @id
RETURNING *;

-- name: WorkspaceDelete :execrows
-- Deletes a team workspace with its X accounts, posts and invitations.
-- A personal workspace stays while its person exists.
DELETE FROM workspaces WHERE id = @id AND personal_of IS NULL;
