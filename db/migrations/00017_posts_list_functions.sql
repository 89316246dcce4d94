-- +goose Up
-- ListPosts pages whose plans do not depend on fresh statistics. Right
-- after many posts are loaded, before ANALYZE, the planner guessed a
-- workspace had a few dozen posts and read all of them (a bitmap scan and
-- a sort) for every page. The sort index is now (workspace_id,
-- scheduled_at, id) — drafts (no time) sort last, as the lists show them
-- — and each page is a function that walks it from the cursor to the end
-- of the window with row comparisons on its columns (index bounds), with
-- sorting and bitmap scans off inside, so reading the index in order is
-- the plan whatever the statistics say. Scheduled posts and drafts are
-- paged by separate functions; the service joins them.
DROP INDEX posts_workspace_sort_idx;
CREATE INDEX posts_workspace_sort_idx ON posts (workspace_id, scheduled_at, id);

-- Scheduled posts in (p_from_at, p_from_id) < (scheduled_at, id) < (p_to_at, p_to_id).
-- +goose StatementBegin
CREATE FUNCTION posts_page_asc(p_workspace_id text, p_statuses text[], p_integration_id text,
                               p_from_at timestamptz, p_from_id text, p_to_at timestamptz, p_to_id text, p_lim int)
RETURNS SETOF posts LANGUAGE sql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
    SELECT * FROM posts
    WHERE workspace_id = p_workspace_id AND scheduled_at IS NOT NULL
      AND (scheduled_at, id) > (p_from_at, p_from_id) AND (scheduled_at, id) < (p_to_at, p_to_id)
      AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
      AND (p_integration_id IS NULL OR integration_id = p_integration_id)
    ORDER BY scheduled_at, id
    LIMIT p_lim
$$;
-- +goose StatementEnd

-- The same, latest first.
-- +goose StatementBegin
CREATE FUNCTION posts_page_desc(p_workspace_id text, p_statuses text[], p_integration_id text,
                                p_from_at timestamptz, p_from_id text, p_to_at timestamptz, p_to_id text, p_lim int)
RETURNS SETOF posts LANGUAGE sql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
    SELECT * FROM posts
    WHERE workspace_id = p_workspace_id AND scheduled_at IS NOT NULL
      AND (scheduled_at, id) > (p_from_at, p_from_id) AND (scheduled_at, id) < (p_to_at, p_to_id)
      AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
      AND (p_integration_id IS NULL OR integration_id = p_integration_id)
    ORDER BY scheduled_at DESC, id DESC
    LIMIT p_lim
$$;
-- +goose StatementEnd

-- Drafts with ids after p_after_id (ascending) or before p_before_id (descending).
-- +goose StatementBegin
CREATE FUNCTION posts_drafts_asc(p_workspace_id text, p_statuses text[], p_integration_id text, p_after_id text, p_lim int)
RETURNS SETOF posts LANGUAGE sql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
    SELECT * FROM posts
    WHERE workspace_id = p_workspace_id AND scheduled_at IS NULL AND id > p_after_id
      AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
      AND (p_integration_id IS NULL OR integration_id = p_integration_id)
    ORDER BY id
    LIMIT p_lim
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION posts_drafts_desc(p_workspace_id text, p_statuses text[], p_integration_id text, p_before_id text, p_lim int)
RETURNS SETOF posts LANGUAGE sql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
    SELECT * FROM posts
    WHERE workspace_id = p_workspace_id AND scheduled_at IS NULL AND id < p_before_id
      AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
      AND (p_integration_id IS NULL OR integration_id = p_integration_id)
    ORDER BY id DESC
    LIMIT p_lim
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION posts_drafts_desc(text, text[], text, text, int);
DROP FUNCTION posts_drafts_asc(text, text[], text, text, int);
DROP FUNCTION posts_page_desc(text, text[], text, timestamptz, text, timestamptz, text, int);
DROP FUNCTION posts_page_asc(text, text[], text, timestamptz, text, timestamptz, text, int);
DROP INDEX posts_workspace_sort_idx;
CREATE INDEX posts_workspace_sort_idx ON posts (workspace_id, (scheduled_at IS NULL), scheduled_at, id);
