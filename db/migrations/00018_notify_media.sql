-- +goose Up
-- posts_due also says when the post has media (payload "<ms>:media"), so
-- the publisher's pre-upload wakes for those posts only, not for every
-- text post scheduled; a post that gains media keeps its due time, so
-- a change of part_media notifies too.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_due() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'scheduled' AND (TG_OP = 'INSERT'
        OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.due_at IS DISTINCT FROM NEW.due_at
        OR OLD.part_media IS DISTINCT FROM NEW.part_media) THEN
        PERFORM pg_notify('posts_due', (extract(epoch FROM NEW.due_at) * 1000)::bigint::text
            || CASE WHEN NEW.part_media <> '{}' THEN ':media' ELSE '' END);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP TRIGGER posts_notify_due ON posts;
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at, part_media ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_due();

-- +goose Down
DROP TRIGGER posts_notify_due ON posts;
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_due();
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
