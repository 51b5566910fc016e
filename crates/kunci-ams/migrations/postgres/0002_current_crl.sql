-- The current CRL and its number, kept in the store (issue 7: several portal instances share
-- one database, and each serves the newest CRL any of them signed). A CRL is stored only over
-- an older one (a lower der_number).
ALTER TABLE crl_counter ADD COLUMN der BYTEA;
ALTER TABLE crl_counter ADD COLUMN der_number BIGINT NOT NULL DEFAULT 0;
