-- +goose Up
-- Newest-first listings walk this index instead of sorting all of a user's posts.
CREATE INDEX posts_user_sort_desc_idx ON posts (user_id, (scheduled_at IS NULL), scheduled_at DESC, id DESC);

-- Notify only when a post's due time really changes (a text-only edit
-- rewrites status and due_at with the same values and woke publishers for nothing).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_due() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'scheduled' AND (TG_OP = 'INSERT'
        OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.due_at IS DISTINCT FROM NEW.due_at) THEN
        PERFORM pg_notify('posts_due', (extract(epoch FROM NEW.due_at) * 1000)::bigint::text);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP INDEX posts_user_sort_desc_idx;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_due() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'scheduled' THEN
        PERFORM pg_notify('posts_due', (extract(epoch FROM NEW.due_at) * 1000)::bigint::text);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
