-- +goose Up
-- Recurring posts: a series repeats a text (or rotates through several) by
-- a rule, at a local time in a zone. Each occurrence is an ordinary post,
-- made a couple of occurrences ahead, so the publisher needs nothing new.
CREATE TABLE post_series (
    id             TEXT        PRIMARY KEY,              -- ULID
    workspace_id   TEXT        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    integration_id TEXT        NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    author_id      TEXT        REFERENCES users (id) ON DELETE SET NULL,
    -- The texts, used in turn; {date} and {n} are filled in per occurrence.
    texts          TEXT[]      NOT NULL CHECK (cardinality(texts) BETWEEN 1 AND 50),
    time_zone      TEXT        NOT NULL,
    frequency      TEXT        NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    every          INT         NOT NULL CHECK (every BETWEEN 1 AND 365),
    weekdays       SMALLINT[]  NOT NULL DEFAULT '{}',   -- 0 = Sunday (weekly)
    month_day      SMALLINT    NOT NULL DEFAULT 0,      -- 1..31 (monthly)
    minute         SMALLINT    NOT NULL CHECK (minute BETWEEN 0 AND 1439),
    start_date     DATE        NOT NULL,
    until_date     DATE,
    max_count      INT,
    -- The local time of the last occurrence made (NULL: none yet); made
    -- counts them (the text in turn, {n}).
    last_local     TIMESTAMP,
    made           INT         NOT NULL DEFAULT 0,
    -- No occurrence is left (the rule ended).
    finished       BOOLEAN     NOT NULL DEFAULT false,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_series_workspace_idx ON post_series (workspace_id, created_at);

ALTER TABLE posts ADD COLUMN series_id TEXT REFERENCES post_series (id) ON DELETE SET NULL;
CREATE INDEX posts_series_idx ON posts (series_id) WHERE series_id IS NOT NULL;

-- +goose Down
DROP INDEX posts_series_idx;
ALTER TABLE posts DROP COLUMN series_id;
DROP TABLE post_series;
