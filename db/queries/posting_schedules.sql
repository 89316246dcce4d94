-- name: PostingScheduleGet :one
SELECT * FROM posting_schedules WHERE integration_id = @integration_id;

-- name: PostingScheduleUpsert :one
INSERT INTO posting_schedules (integration_id, time_zone, paused, created_at, updated_at)
VALUES (@integration_id, @time_zone, @paused, @now, @now)
ON CONFLICT (integration_id) DO UPDATE SET time_zone = excluded.time_zone, paused = excluded.paused, updated_at = excluded.updated_at
RETURNING *;

-- name: PostingScheduleLock :one
-- Held while the queue of the account changes: queue operations on one
-- account take turns (slots still cannot be taken twice without it).
SELECT * FROM posting_schedules WHERE integration_id = @integration_id FOR UPDATE;
