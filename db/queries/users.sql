-- name: UserCreate :one
INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at)
VALUES (@id, @email, @password_hash, @display_name, @now, @now)
RETURNING *;

-- name: UserGet :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE email = @email;
