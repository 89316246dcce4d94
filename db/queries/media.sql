-- name: MediaCreate :one
INSERT INTO media (id, workspace_id, uploaded_by, filename, state, declared_type, size_bytes, created_at, updated_at)
VALUES (@id, @workspace_id, @uploaded_by, @filename, 'uploading', @declared_type, @size_bytes, @now, @now)
RETURNING *;

-- name: MediaGetForMember :one
-- A file and the caller's role in its workspace; no row when there is no
-- such file or the caller is not a member (both "not found" to them).
SELECT sqlc.embed(media), m.role FROM media
JOIN memberships m ON m.workspace_id = media.workspace_id AND m.user_id = @user_id
WHERE media.id = @id;

-- name: MediaGetManyForMember :many
-- The files among @ids that the caller can see, whichever workspace.
SELECT media.* FROM media
JOIN memberships m ON m.workspace_id = media.workspace_id AND m.user_id = @user_id
WHERE media.id = ANY(@ids::text[]);

-- name: MediaGetMany :many
-- Files of one workspace by id (what a page of posts shows).
SELECT * FROM media WHERE workspace_id = @workspace_id AND id = ANY(@ids::text[]);

-- name: MediaHoldForPost :many
-- The files a post will use, held until the transaction ends so a
-- concurrent DeleteMedia waits and then sees the post.
SELECT * FROM media WHERE workspace_id = @workspace_id AND id = ANY(@ids::text[])
FOR SHARE;

-- name: MediaRecordBytes :one
-- The upload handler stored the bytes; they are checked by CompleteUpload.
UPDATE media SET uploaded_at = @now, sha256 = @sha256, updated_at = @now
WHERE id = @id AND state = 'uploading'
RETURNING *;

-- name: MediaMarkReady :one
UPDATE media SET state = 'ready', kind = @kind, mime = @mime, width = @width, height = @height,
    duration_ms = @duration_ms, updated_at = @now
WHERE id = @id AND state = 'uploading' AND uploaded_at IS NOT NULL
RETURNING *;

-- name: MediaSetAltText :one
UPDATE media SET alt_text = @alt_text, updated_at = @now
WHERE id = @id AND workspace_id = @workspace_id AND state = 'ready'
RETURNING *;

-- name: MediaLock :one
-- DeleteMedia holds the row while it checks which posts use it.
SELECT id FROM media WHERE id = @id AND workspace_id = @workspace_id FOR UPDATE;

-- name: MediaUnpublishedUses :one
-- How many of the workspace's posts that are not on X yet use the file.
SELECT count(*) FROM posts p
WHERE p.workspace_id = @workspace_id AND p.status <> 'published' AND p.part_media <> '{}'
  AND EXISTS (SELECT 1 FROM unnest(p.part_media) pm WHERE @id::text = ANY(string_to_array(pm, ',')));

-- name: MediaDelete :exec
DELETE FROM media WHERE id = @id AND workspace_id = @workspace_id;

-- name: MediaList :many
-- The media library, newest first; keyset after (@cursor_at, @cursor_id).
SELECT * FROM media
WHERE workspace_id = @workspace_id AND state = 'ready'
  AND (NOT @has_cursor::boolean OR (created_at, id) < (@cursor_at::timestamptz, @cursor_id::text))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: MediaStaleUploads :many
-- Uploads of the workspace never completed since @before: swept.
DELETE FROM media
WHERE id IN (SELECT m.id FROM media m WHERE m.workspace_id = @workspace_id AND m.state = 'uploading' AND m.created_at < @before LIMIT 20)
RETURNING id;
