-- name: PostActivityAdd :exec
-- What a person did to a post, by the database's clock (the publisher's outcomes are recorded by a
-- trigger on posts).
INSERT INTO post_activity (post_id, actor_id, kind, note, at)
VALUES (@post_id, @actor_id, @kind, @note, coalesce(sqlc.narg(at)::timestamptz, now()));

-- name: PostActivityList :many
-- A post's activity, oldest first; the most recent @lim entries.
SELECT * FROM (
    SELECT a.id, a.kind, a.note, a.at, a.actor_id, coalesce(u.display_name, '')::text AS actor_name
    FROM post_activity a LEFT JOIN users u ON u.id = a.actor_id
    WHERE a.post_id = @post_id
    ORDER BY a.id DESC
    LIMIT @lim
) recent ORDER BY id;
