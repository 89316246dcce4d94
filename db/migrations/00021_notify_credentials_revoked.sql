-- +goose Up
-- Every api process keeps the credentials it resolved for a few seconds
-- (internal/auth). Whatever revokes, deletes or cuts short a session or an
-- API token tells them all to forget, when it commits. Sliding a session's
-- expiry forward (hourly) and recording an API token's use (each minute)
-- stay quiet.
-- +goose StatementBegin
CREATE FUNCTION notify_credentials_revoked() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('credentials_revoked', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER sessions_revoked AFTER UPDATE ON sessions FOR EACH ROW
    WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.expires_at < OLD.expires_at
          OR NEW.token_hash <> OLD.token_hash OR NEW.user_id <> OLD.user_id)
    EXECUTE FUNCTION notify_credentials_revoked();
CREATE TRIGGER sessions_deleted AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_revoked();
CREATE TRIGGER api_tokens_revoked AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
          OR NEW.token_hash <> OLD.token_hash OR NEW.user_id <> OLD.user_id)
    EXECUTE FUNCTION notify_credentials_revoked();
CREATE TRIGGER api_tokens_deleted AFTER DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_revoked();

-- +goose Down
DROP TRIGGER api_tokens_deleted ON api_tokens;
DROP TRIGGER api_tokens_revoked ON api_tokens;
DROP TRIGGER sessions_deleted ON sessions;
DROP TRIGGER sessions_revoked ON sessions;
DROP FUNCTION notify_credentials_revoked();
