-- name: PostingSlotsList :many
SELECT * FROM posting_slots WHERE integration_id = @integration_id ORDER BY weekday, minute;

-- name: PostingSlotsClear :exec
DELETE FROM posting_slots WHERE integration_id = @integration_id;

-- name: PostingSlotAdd :exec
INSERT INTO posting_slots (integration_id, weekday, minute) VALUES (@integration_id, @weekday, @minute)
ON CONFLICT DO NOTHING;
