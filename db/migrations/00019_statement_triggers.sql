-- +goose Up
-- The publisher claims and records posts hundreds per statement. Per row,
-- the triggers cost PostgreSQL four times what the updates themselves do
-- (a plpgsql call, two to_jsonb and an activity insert for each row); per
-- statement, over the transition tables, the same effects cost a fraction.

-- WatchPosts: 'workspace_id:post_id' per changed post, as before. Updates
-- that touch only the publisher's bookkeeping (lease, part in flight) notify
-- nobody; a changed status or version needs no row comparison.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('posts_changed', n.workspace_id || ':' || n.id) FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('posts_changed', o.workspace_id || ':' || o.id) FROM old_rows o;
    ELSE
        -- The cached plan is made for the first, small statements (a nested
        -- loop); a batch gets a plan of its own (a hash join).
        IF (SELECT count(*) FROM new_rows) <= 20 THEN
            PERFORM pg_notify('posts_changed', n.workspace_id || ':' || n.id)
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.status IS DISTINCT FROM n.status OR o.version IS DISTINCT FROM n.version
               OR to_jsonb(o) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[]
                  IS DISTINCT FROM to_jsonb(n) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[];
        ELSE
            EXECUTE $q$
                SELECT pg_notify('posts_changed', n.workspace_id || ':' || n.id)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.status IS DISTINCT FROM n.status OR o.version IS DISTINCT FROM n.version
           OR to_jsonb(o) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[]
              IS DISTINCT FROM to_jsonb(n) - '{lease_owner,lease_expires_at,in_flight_part,in_flight_since}'::text[]$q$;
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP TRIGGER posts_notify_changed ON posts;
CREATE TRIGGER posts_notify_inserted AFTER INSERT ON posts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_notify_changed();
CREATE TRIGGER posts_notify_updated AFTER UPDATE ON posts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_notify_changed();
CREATE TRIGGER posts_notify_deleted AFTER DELETE ON posts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_notify_changed();

-- The publisher's outcomes in the activity log, one insert per statement.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_record_outcome() RETURNS trigger AS $$
BEGIN
    -- Small statements share a cached plan; a batch is planned for its size
    -- (see posts_notify_changed).
    IF (SELECT count(*) FROM new_rows) <= 20 THEN
        INSERT INTO post_activity (post_id, kind, note, at)
        SELECT n.id, n.status::text::post_activity_kind,
               CASE WHEN n.status = 'published' THEN '' ELSE n.last_error_message END,
               coalesce(CASE WHEN n.status = 'published' THEN n.published_at ELSE n.last_error_at END, now())
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.status IS DISTINCT FROM n.status AND n.status IN ('published', 'failed', 'unconfirmed')
        ORDER BY n.id;
    ELSE
        EXECUTE $q$
            INSERT INTO post_activity (post_id, kind, note, at)
            SELECT n.id, n.status::text::post_activity_kind,
                   CASE WHEN n.status = 'published' THEN '' ELSE n.last_error_message END,
                   coalesce(CASE WHEN n.status = 'published' THEN n.published_at ELSE n.last_error_at END, now())
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.status IS DISTINCT FROM n.status AND n.status IN ('published', 'failed', 'unconfirmed')
            ORDER BY n.id$q$;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP TRIGGER posts_record_outcome ON posts;
CREATE TRIGGER posts_record_outcome AFTER UPDATE ON posts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_record_outcome();

-- Publishers hear of scheduled posts only: the WHEN clause spares every
-- claim and outcome the function call.
DROP TRIGGER posts_notify_due ON posts;
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at, part_media ON posts
    FOR EACH ROW WHEN (NEW.status = 'scheduled') EXECUTE FUNCTION posts_notify_due();

-- Newest-first lists use posts_workspace_sort_idx now (00017); the author
-- needs only an index for its foreign key (a deleted user's posts).
DROP INDEX posts_user_sort_desc_idx;
CREATE INDEX posts_author_idx ON posts (author_id);

-- +goose Down
DROP INDEX posts_author_idx;
CREATE INDEX posts_user_sort_desc_idx ON posts (author_id, (scheduled_at IS NULL), scheduled_at DESC, id DESC);
DROP TRIGGER posts_notify_due ON posts;
CREATE TRIGGER posts_notify_due AFTER INSERT OR UPDATE OF status, due_at, part_media ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_due();
DROP TRIGGER posts_record_outcome ON posts;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_record_outcome() RETURNS trigger AS $$
BEGIN
    INSERT INTO post_activity (post_id, kind, note, at)
    VALUES (NEW.id, NEW.status::text::post_activity_kind,
            CASE WHEN NEW.status = 'published' THEN '' ELSE NEW.last_error_message END,
            coalesce(CASE WHEN NEW.status = 'published' THEN NEW.published_at ELSE NEW.last_error_at END, now()));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER posts_record_outcome AFTER UPDATE OF status ON posts
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('published', 'failed', 'unconfirmed'))
    EXECUTE FUNCTION posts_record_outcome();
DROP TRIGGER posts_notify_inserted ON posts;
DROP TRIGGER posts_notify_updated ON posts;
DROP TRIGGER posts_notify_deleted ON posts;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_notify_changed() RETURNS trigger AS $$
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
    PERFORM pg_notify('posts_changed', p.workspace_id || ':' || p.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER posts_notify_changed AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_notify_changed();
