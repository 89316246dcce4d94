-- +goose Up
-- The queue: each X account may have a posting schedule (weekly local
-- times in an IANA zone); posts added to the queue take its free slots.
-- Slots are stored as local times plus the zone, never as UTC, so a DST
-- change moves the instant and not the local minute.
CREATE TABLE posting_schedules (
    integration_id TEXT        PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    time_zone      TEXT        NOT NULL,   -- IANA name
    -- Paused: the queue's posts are held (drafts that keep their place)
    -- and go back into free slots, in order, when it resumes.
    paused         BOOLEAN     NOT NULL DEFAULT false,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE posting_slots (
    integration_id TEXT     NOT NULL REFERENCES posting_schedules (integration_id) ON DELETE CASCADE,
    weekday        SMALLINT NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- 0 = Sunday
    minute         SMALLINT NOT NULL CHECK (minute BETWEEN 0 AND 1439), -- after local midnight
    PRIMARY KEY (integration_id, weekday, minute)
);

-- The slot a queued post holds: the local date and time of that slot's
-- occurrence in the schedule's zone. One post per slot and account, by
-- this index, not by luck: two people adding at once cannot both get it.
ALTER TABLE posts ADD COLUMN queue_slot TIMESTAMP;
CREATE UNIQUE INDEX posts_queue_slot_idx ON posts (integration_id, queue_slot) WHERE queue_slot IS NOT NULL;

-- +goose Down
DROP INDEX posts_queue_slot_idx;
ALTER TABLE posts DROP COLUMN queue_slot;
DROP TABLE posting_slots;
DROP TABLE posting_schedules;
