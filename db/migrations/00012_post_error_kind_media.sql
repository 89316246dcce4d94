-- +goose NO TRANSACTION
-- +goose Up
-- Media outcomes (own migration: a new enum value cannot be used in the
-- transaction that adds it). media_pending: the post waits for X to finish
-- a file (not a failure); media_rejected: X refused one of its files.
ALTER TYPE post_error_kind ADD VALUE IF NOT EXISTS 'media_pending';
ALTER TYPE post_error_kind ADD VALUE IF NOT EXISTS 'media_rejected';

-- +goose Down
-- PostgreSQL cannot drop an enum value; the values stay, unused.
SELECT 1;
