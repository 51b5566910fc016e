-- Every decision on a request, kept even when the request moves on (issue 12, point 7). A
-- rejected request whose holder resubmits it (rejected with fix = 'document') is reopened
-- and loses its decision columns, so the operators' history cannot be read from `requests`
-- alone: each approval and rejection is also written here, in the transaction of the
-- decision. Its twin in ../postgres/ differs only in types (see ../README.md).
--
-- status: the request's status the decision set ('success' or 'rejected'); reason and fix:
-- a rejection's reason and what the holder must fix; decided_by: the operator, none for
-- the portal itself (automatic approval, a holder's key-compromise report).
CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id),
    status     TEXT    NOT NULL CHECK (status IN ('success', 'rejected')),
    reason     TEXT,
    fix        TEXT,
    decided_by INTEGER REFERENCES users (id),
    decided_at BIGINT  NOT NULL
);
CREATE INDEX decisions_request ON decisions (request_id);
CREATE INDEX decisions_decided ON decisions (decided_at);

-- The decisions made before this table existed, as the requests still show them.
INSERT INTO decisions (request_id, status, reason, fix, decided_by, decided_at)
SELECT id, status, reject_reason, reject_fix, decided_by, decided_at FROM requests
WHERE decided_at IS NOT NULL AND status IN ('success', 'rejected')
ORDER BY decided_at, id;
