-- +goose NO TRANSACTION
-- +goose Up
-- A writer's post waits for an editor's approval (own migration: a new enum
-- value cannot be used in the transaction that adds it).
ALTER TYPE post_status ADD VALUE IF NOT EXISTS 'pending_approval' AFTER 'draft';

-- +goose Down
-- PostgreSQL cannot drop an enum value; the value stays, unused.
SELECT 1;
