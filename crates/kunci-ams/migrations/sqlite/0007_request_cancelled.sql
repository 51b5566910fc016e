-- no-transaction
-- A holder may cancel an unfinished request (issue 12, point 2): the new status 'cancelled',
-- kept in the history and never open. SQLite cannot change a CHECK constraint in place, so
-- the requests table is rebuilt the way https://www.sqlite.org/lang_altertable.html says (its
-- twelve steps): foreign keys off (hence `-- no-transaction` above: the pragma is a no-op
-- inside a transaction, and certificates and document_uploads reference this table), the
-- new table made and filled in a transaction of our own, the old one dropped, the new one
-- renamed, every index made again (step 10's foreign_key_check can find nothing: every row keeps
-- its id). Every row, column, constraint and index stays as it was; only the status CHECK
-- gains 'cancelled'.
-- Its twin in ../postgres/ drops and re-adds the CHECK instead.
PRAGMA foreign_keys = OFF;

BEGIN;

CREATE TABLE requests_new (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    kind              TEXT    NOT NULL CHECK (kind IN ('enrollment', 'revocation')),
    status            TEXT    NOT NULL
        CHECK (status IN ('pending', 'uploaded', 'submitted', 'success', 'rejected',
                          'cancelled')),
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

INSERT INTO requests_new (id, user_id, kind, status, product_id, token_hash, token_expires_at,
    token_used_at, csr_der, document_sha256, document_name, document_size, agreement_at,
    supersedes_cert_id, target_cert_id, revocation_reason, reject_reason, decided_by,
    decided_at, created_at, updated_at)
SELECT id, user_id, kind, status, product_id, token_hash, token_expires_at,
    token_used_at, csr_der, document_sha256, document_name, document_size, agreement_at,
    supersedes_cert_id, target_cert_id, revocation_reason, reject_reason, decided_by,
    decided_at, created_at, updated_at
FROM requests;

DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;

CREATE INDEX requests_user ON requests (user_id);
CREATE INDEX requests_status ON requests (status);
-- At most one open revocation per certificate, and one open renewal replacing it (a
-- cancelled one is not open).
CREATE UNIQUE INDEX requests_one_open_revocation ON requests (target_cert_id)
    WHERE kind = 'revocation' AND status IN ('pending', 'uploaded', 'submitted');
CREATE UNIQUE INDEX requests_one_open_renewal ON requests (supersedes_cert_id)
    WHERE kind = 'enrollment' AND status IN ('pending', 'uploaded', 'submitted');

PRAGMA foreign_key_check;

COMMIT;

PRAGMA foreign_keys = ON;
