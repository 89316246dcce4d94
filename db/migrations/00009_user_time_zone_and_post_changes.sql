-- +goose Up
-- The IANA time zone a person plans in ('' until chosen; the web app then
-- saves the browser's).
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

-- Tell the api's WatchPosts streams that a post changed. The payload is
-- 'user_id:post_id' (the streams read the post themselves, with the
-- caller's own query); identical payloads in one transaction are delivered
-- once. Updates that touch only the publisher's bookkeeping (its lease and
-- the part in flight), which no client sees, notify nobody.
-- +goose StatementBegin
CREATE FUNCTION posts_notify_changed() RETURNS trigger AS $$
DECLARE
    p posts;
BEGIN
    IF TG_OP = 'DELETE' THEN
        p := OLD;
    ELSE
        p := NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[]
            = to_jsonb(NEW) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[] THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('posts_changed', p.user_id || ':' || p.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER posts_notify_changed AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_changed();

-- +goose Down
DROP TRIGGER posts_notify_changed ON posts;
DROP FUNCTION posts_notify_changed();
ALTER TABLE users DROP COLUMN time_zone;
