-- +goose Up
-- Fixed-window call counters shared by every api replica (internal/ratelimit):
-- one row per key, reused when its window ends, deleted a while after.
CREATE TABLE rate_limits (
    key          TEXT        PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    window_end   TIMESTAMPTZ NOT NULL,
    count        INT         NOT NULL
);
-- Keeps the periodic delete of ended windows from scanning the table.
CREATE INDEX rate_limits_window_end_idx ON rate_limits (window_end);

-- +goose Down
DROP TABLE rate_limits;
