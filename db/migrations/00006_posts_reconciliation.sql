-- +goose Up
-- When the part in flight was first sent (the database's clock). A post whose
-- outcome is unknown keeps in_flight_part and this time until X's timeline
-- has been read from just before it (reconciliation).
ALTER TABLE posts ADD COLUMN in_flight_since TIMESTAMPTZ;
UPDATE posts SET in_flight_since = updated_at WHERE in_flight_part IS NOT NULL;

-- +goose Down
ALTER TABLE posts DROP COLUMN in_flight_since;
