-- Staff pages (issue 12, points 6 and 7). Its twin in ../postgres/ differs only in types
-- (see ../README.md).
--
-- One-time password reset codes an administrator makes for an account: kept only as the
-- SHA-256 (hex) of the code, valid until `expires_at`, used once (`used_at`). Not copied by
-- `copy-store`, like sessions: a code still open is simply made again.
CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- The operator's history of decisions, newest first.
CREATE INDEX requests_decided ON requests (decided_at);
