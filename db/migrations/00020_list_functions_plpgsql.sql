-- +goose Up
-- The list functions in PL/pgSQL: a LANGUAGE sql function with SET options
-- is planned anew on every call (make bench-api: planning was most of a
-- ListPosts), PL/pgSQL keeps the plan for the session. The plan is the same
-- index walk whatever the statistics (enable_sort and enable_bitmapscan off,
-- as before).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_page_asc(p_workspace_id text, p_statuses text[], p_integration_id text,
                               p_from_at timestamptz, p_from_id text, p_to_at timestamptz, p_to_id text, p_lim int)
RETURNS SETOF posts LANGUAGE plpgsql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
BEGIN
    RETURN QUERY
        SELECT * FROM posts
        WHERE workspace_id = p_workspace_id AND scheduled_at IS NOT NULL
          AND (scheduled_at, id) > (p_from_at, p_from_id) AND (scheduled_at, id) < (p_to_at, p_to_id)
          AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
          AND (p_integration_id IS NULL OR integration_id = p_integration_id)
        ORDER BY scheduled_at, id
        LIMIT p_lim;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_page_desc(p_workspace_id text, p_statuses text[], p_integration_id text,
                                p_from_at timestamptz, p_from_id text, p_to_at timestamptz, p_to_id text, p_lim int)
RETURNS SETOF posts LANGUAGE plpgsql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
BEGIN
    RETURN QUERY
        SELECT * FROM posts
        WHERE workspace_id = p_workspace_id AND scheduled_at IS NOT NULL
          AND (scheduled_at, id) > (p_from_at, p_from_id) AND (scheduled_at, id) < (p_to_at, p_to_id)
          AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
          AND (p_integration_id IS NULL OR integration_id = p_integration_id)
        ORDER BY scheduled_at DESC, id DESC
        LIMIT p_lim;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_drafts_asc(p_workspace_id text, p_statuses text[], p_integration_id text, p_after_id text, p_lim int)
RETURNS SETOF posts LANGUAGE plpgsql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
BEGIN
    RETURN QUERY
        SELECT * FROM posts
        WHERE workspace_id = p_workspace_id AND scheduled_at IS NULL AND id > p_after_id
          AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
          AND (p_integration_id IS NULL OR integration_id = p_integration_id)
        ORDER BY id
        LIMIT p_lim;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_drafts_desc(p_workspace_id text, p_statuses text[], p_integration_id text, p_before_id text, p_lim int)
RETURNS SETOF posts LANGUAGE plpgsql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
BEGIN
    RETURN QUERY
        SELECT * FROM posts
        WHERE workspace_id = p_workspace_id AND scheduled_at IS NULL AND id < p_before_id
          AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
          AND (p_integration_id IS NULL OR integration_id = p_integration_id)
        ORDER BY id DESC
        LIMIT p_lim;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_page_asc(p_workspace_id text, p_statuses text[], p_integration_id text,
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_page_desc(p_workspace_id text, p_statuses text[], p_integration_id text,
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION posts_drafts_asc(p_workspace_id text, p_statuses text[], p_integration_id text, p_after_id text, p_lim int)
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
CREATE OR REPLACE FUNCTION posts_drafts_desc(p_workspace_id text, p_statuses text[], p_integration_id text, p_before_id text, p_lim int)
RETURNS SETOF posts LANGUAGE sql STABLE SET enable_sort = off SET enable_bitmapscan = off AS $$
    SELECT * FROM posts
    WHERE workspace_id = p_workspace_id AND scheduled_at IS NULL AND id < p_before_id
      AND (cardinality(p_statuses) = 0 OR status::text = ANY(p_statuses))
      AND (p_integration_id IS NULL OR integration_id = p_integration_id)
    ORDER BY id DESC
    LIMIT p_lim
$$;
-- +goose StatementEnd
