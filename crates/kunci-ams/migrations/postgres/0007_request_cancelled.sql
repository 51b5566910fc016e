-- A holder may cancel an unfinished request (issue 12, point 2): the new status 'cancelled',
-- kept in the history and never open. PostgreSQL changes the status CHECK in place (its
-- default name, requests_status_check, from 0001); the SQLite twin has to rebuild the table
-- for the same result (see ../sqlite/0007_request_cancelled.sql). The partial unique indexes
-- already leave 'cancelled' out of "open".
ALTER TABLE requests DROP CONSTRAINT requests_status_check;
ALTER TABLE requests ADD CONSTRAINT requests_status_check
    CHECK (status IN ('pending', 'uploaded', 'submitted', 'success', 'rejected',
                      'cancelled'));
