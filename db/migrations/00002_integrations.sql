-- +goose Up
-- Connected social accounts. One X account belongs to at most one BetterPlan
-- user: X issues the same access token to every authorization of one app by
-- one X user, so two owners would share (and revoke) one credential.
CREATE TABLE integrations (
    id                  TEXT        PRIMARY KEY,     -- ULID
    user_id             TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform            TEXT        NOT NULL CHECK (platform IN ('x')),
    platform_account_id TEXT        NOT NULL,
    username            TEXT        NOT NULL,
    display_name        TEXT        NOT NULL,
    avatar_url          TEXT        NOT NULL DEFAULT '',
    -- "token:secret", AES-256-GCM encrypted under the key named by credential_key_id.
    credential          BYTEA       NOT NULL,
    credential_key_id   TEXT        NOT NULL,
    status              TEXT        NOT NULL CHECK (status IN ('active', 'needs_reconnect')),
    status_reason       TEXT        NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (platform, platform_account_id)
);
CREATE INDEX integrations_user_id_idx ON integrations (user_id);

-- X OAuth 1.0a request tokens between StartXAuthorization and the callback.
CREATE TABLE x_authorizations (
    oauth_token         TEXT        PRIMARY KEY,
    user_id             TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_secret        BYTEA       NOT NULL,        -- encrypted like integrations.credential
    token_secret_key_id TEXT        NOT NULL,
    pin_flow            BOOLEAN     NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    used_at             TIMESTAMPTZ                  -- single use
);
CREATE INDEX x_authorizations_expires_at_idx ON x_authorizations (expires_at);

-- +goose Down
DROP TABLE x_authorizations;
DROP TABLE integrations;
