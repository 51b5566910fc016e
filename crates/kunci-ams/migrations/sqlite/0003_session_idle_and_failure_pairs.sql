-- Sessions end after idleness too, and failed logins are slowed per (login, address) pair
-- (issue 18, findings 1 and 3).
--
-- last_seen_at: when the session was last used (refreshed at most about once a minute); a
-- session unused for longer than the idle timeout is refused and deleted. Sessions open at
-- the upgrade count as last seen when they began.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;

-- Throttling counts the failures of one login from one address.
CREATE INDEX login_failures_pair ON login_failures (login, address, at);
