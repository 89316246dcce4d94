-- +goose Up
-- The list functions' one query has one good plan, the index walk, for
-- every argument (enable_sort and enable_bitmapscan are off in them), yet
-- PL/pgSQL kept planning it anew for each call: its custom plans looked
-- cheaper than the generic one. Planning was about 40% of a list call
-- (make bench-api); the generic plan is made once per session.
ALTER FUNCTION posts_page_asc(text, text[], text, timestamptz, text, timestamptz, text, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION posts_page_desc(text, text[], text, timestamptz, text, timestamptz, text, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION posts_drafts_asc(text, text[], text, text, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION posts_drafts_desc(text, text[], text, text, int) SET plan_cache_mode = force_generic_plan;

-- +goose Down
ALTER FUNCTION posts_page_asc(text, text[], text, timestamptz, text, timestamptz, text, int) RESET plan_cache_mode;
ALTER FUNCTION posts_page_desc(text, text[], text, timestamptz, text, timestamptz, text, int) RESET plan_cache_mode;
ALTER FUNCTION posts_drafts_asc(text, text[], text, text, int) RESET plan_cache_mode;
ALTER FUNCTION posts_drafts_desc(text, text[], text, text, int) RESET plan_cache_mode;
