-- The current CRL, signed under the lock of its number (issue 7: several portal instances
-- share one database, and each serves the newest CRL any of them signed).
ALTER TABLE crl_counter ADD COLUMN der BLOB;
