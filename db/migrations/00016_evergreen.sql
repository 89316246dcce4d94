-- +goose Up
-- Evergreen posts go back to the end of their account's queue after they
-- are published, at most every evergreen_days days, until unmarked. Their
-- texts are templates ({date}, {n}) used in turn, so X never gets the same
-- text twice; evergreen_next is the copy made after publishing (once).
ALTER TABLE posts ADD COLUMN evergreen_days INT CHECK (evergreen_days BETWEEN 1 AND 3650),
    ADD COLUMN evergreen_texts TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN evergreen_round INT NOT NULL DEFAULT 0,
    ADD COLUMN evergreen_next TEXT;
CREATE INDEX posts_evergreen_idx ON posts (published_at) WHERE evergreen_days IS NOT NULL AND evergreen_next IS NULL AND status = 'published';
CREATE INDEX posts_evergreen_due_idx ON posts (due_at) WHERE evergreen_days IS NOT NULL AND status = 'scheduled';

-- +goose Down
DROP INDEX posts_evergreen_due_idx;
DROP INDEX posts_evergreen_idx;
ALTER TABLE posts DROP COLUMN evergreen_days, DROP COLUMN evergreen_texts, DROP COLUMN evergreen_round, DROP COLUMN evergreen_next;
