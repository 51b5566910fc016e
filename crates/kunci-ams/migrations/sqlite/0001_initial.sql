-- kunci-ams storage, first schema (SQLite). Its twin in ../postgres/ must stay the same
-- schema, column for column; only the types differ (see ../README.md).
-- Times are Unix seconds (BIGINT), given by the caller; flags are 0/1 integers.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    nik           TEXT,
    organisation  TEXT,
    role          TEXT    NOT NULL CHECK (role IN ('holder', 'operator', 'admin')),
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    BIGINT  NOT NULL
);

-- The identity registered for a holder: the subject every CSR of theirs must carry.
CREATE TABLE identities (
    user_id             INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    common_name         TEXT NOT NULL,
    email               TEXT,
    organization        TEXT,
    organizational_unit TEXT,
    locality            TEXT,
    state               TEXT,
    country             TEXT,
    serial_number       TEXT
);

CREATE TABLE products (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    cert_type  TEXT   NOT NULL,
    profile    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE product_grants (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    granted_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, product_id)
);

-- id_hash: SHA-256 (hex) of the session cookie's token; the token itself is never stored.
CREATE TABLE sessions (
    id_hash     TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed logins, for throttling per login and per client address over a time window.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    login   TEXT   NOT NULL,
    address TEXT   NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE TABLE requests (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    kind              TEXT    NOT NULL CHECK (kind IN ('enrollment', 'revocation')),
    status            TEXT    NOT NULL
        CHECK (status IN ('pending', 'uploaded', 'submitted', 'success', 'rejected')),
    product_id        INTEGER REFERENCES products (id),
    -- SHA-256 (hex) of the CSR token; the token itself is never stored.
    token_hash        TEXT    UNIQUE,
    token_expires_at  BIGINT,
    token_used_at     BIGINT,
    csr_der           BLOB,
    -- The supporting document: stored on disk under its SHA-256 (hex) name.
    document_sha256   TEXT,
    document_name     TEXT,
    document_size     BIGINT,
    agreement_at      BIGINT,
    -- Enrollment: the certificate this one replaces without a gap (revoked as superseded on
    -- issue). Revocation: the certificate to revoke.
    supersedes_cert_id INTEGER REFERENCES certificates (id),
    target_cert_id     INTEGER REFERENCES certificates (id),
    revocation_reason  INTEGER,
    reject_reason      TEXT,
    decided_by         INTEGER REFERENCES users (id),
    decided_at         BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CHECK ((kind = 'enrollment' AND product_id IS NOT NULL AND token_hash IS NOT NULL
            AND target_cert_id IS NULL)
        OR (kind = 'revocation' AND target_cert_id IS NOT NULL AND revocation_reason IS NOT NULL))
);
CREATE INDEX requests_user ON requests (user_id);
CREATE INDEX requests_status ON requests (status);

CREATE TABLE certificates (
    id                INTEGER PRIMARY KEY,
    serial_hex        TEXT    NOT NULL UNIQUE,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    -- UNIQUE: one request never yields two certificates, whatever races above us.
    request_id        INTEGER NOT NULL UNIQUE REFERENCES requests (id),
    der               BLOB    NOT NULL,
    not_before        BIGINT  NOT NULL,
    not_after         BIGINT  NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'good' CHECK (status IN ('good', 'revoked')),
    revoked_at        BIGINT,
    revocation_reason INTEGER,
    reminded_at       BIGINT,
    created_at        BIGINT  NOT NULL,
    CHECK ((status = 'good' AND revoked_at IS NULL AND revocation_reason IS NULL)
        OR (status = 'revoked' AND revoked_at IS NOT NULL AND revocation_reason IS NOT NULL))
);
CREATE INDEX certificates_user ON certificates (user_id);
CREATE INDEX certificates_status ON certificates (status);

-- The CRL number (RFC 5280 5.2.3): one row, monotonically increasing.
CREATE TABLE crl_counter (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    number BIGINT  NOT NULL
);
INSERT INTO crl_counter (id, number) VALUES (1, 0);

-- The portal inbox, one per user.
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notices_user ON notices (user_id, created_at);

-- At most one open revocation per certificate, and one open renewal replacing it.
CREATE UNIQUE INDEX requests_one_open_revocation ON requests (target_cert_id)
    WHERE kind = 'revocation' AND status IN ('pending', 'uploaded', 'submitted');
CREATE UNIQUE INDEX requests_one_open_renewal ON requests (supersedes_cert_id)
    WHERE kind = 'enrollment' AND status IN ('pending', 'uploaded', 'submitted');
