-- The document uploads each holder made lately, for the per-holder upload rate (issue 18,
-- finding 2: uploads could fill the disk). Only uploads the portal took are recorded; rows
-- older than the rate's window are deleted as new ones are added. Its twin in ../postgres/
-- differs only in types (see ../README.md).
CREATE TABLE document_uploads (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    size       BIGINT  NOT NULL,
    at         BIGINT  NOT NULL
);
CREATE INDEX document_uploads_user ON document_uploads (user_id, at);
