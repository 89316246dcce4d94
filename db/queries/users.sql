-- name: UserCreate :one
INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at)
VALUES (@id, @email, @password_hash, @display_name, @now, @now)
RETURNING *;

-- name: UserGet :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE email = @email;

-- name: UserUpdate :one
-- Sets the fields given (NULL keeps the value).
UPDATE users
SET display_name = coalesce(sqlc.narg(display_name), display_name),
    time_zone    = coalesce(sqlc.narg(time_zone), time_zone),
    updated_at   = @now
WHERE id = @id
RETURNING *;
