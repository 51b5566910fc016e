-- The tamper-evident audit log (issue 16, part 4): every state change a person or the CA
-- makes, appended in the same transaction as the change. Each row's hash covers its own
-- columns and the previous row's hash (the encoding: src/store/audit.rs and
-- docs/SECURITY.md), so editing, deleting or reordering a row breaks the chain at that row.
-- `seq` is given by the store from the head row below, never by the database, so it has no
-- gaps: 1, 2, 3 … Its twin in ../postgres/ differs only in types (see ../README.md).
CREATE TABLE audit_log (
    seq       BIGINT  PRIMARY KEY,
    at        BIGINT  NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    details   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
-- The chain's head: how many entries there are and the last one's hash. Every append
-- updates this one row first, which serializes appends across instances sharing a PostgreSQL
-- database (the row lock) as SQLite's single writer does, so the chain never forks; and
-- `audit verify` compares it with the last row, which catches a tail deleted without it.
CREATE TABLE audit_head (
    id   BIGINT  PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
