-- +goose Up
-- Failures older than the throttle window are pruned on every new failure;
-- this index keeps that delete from scanning the table.
CREATE INDEX sign_in_failures_failed_at_idx ON sign_in_failures (failed_at);

-- +goose Down
DROP INDEX sign_in_failures_failed_at_idx;
