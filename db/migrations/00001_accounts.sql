-- +goose Up
CREATE TABLE users (
    id            TEXT        PRIMARY KEY,             -- ULID
    email         TEXT        NOT NULL UNIQUE,         -- trimmed, lower-cased
    password_hash TEXT        NOT NULL,                -- argon2id, PHC string
    display_name  TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Browser sessions. Only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    id           TEXT        PRIMARY KEY,              -- ULID
    user_id      TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BYTEA       NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,                 -- slides forward while used
    revoked_at   TIMESTAMPTZ,
    user_agent   TEXT        NOT NULL DEFAULT '',
    client_addr  TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Long-lived tokens for scripts and services. Only the SHA-256 is stored.
CREATE TABLE api_tokens (
    id           TEXT        PRIMARY KEY,              -- ULID
    user_id      TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL,
    prefix       TEXT        NOT NULL,                 -- shown to tell tokens apart
    token_hash   BYTEA       NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,                          -- NULL: never
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- Failed sign-ins, for throttling per email and per client address. Kept in
-- PostgreSQL so every api replica sees the same counts.
CREATE TABLE sign_in_failures (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        TEXT        NOT NULL,
    client_addr  TEXT        NOT NULL,
    failed_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, failed_at);
CREATE INDEX sign_in_failures_client_addr_idx ON sign_in_failures (client_addr, failed_at);

-- +goose Down
DROP TABLE sign_in_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
