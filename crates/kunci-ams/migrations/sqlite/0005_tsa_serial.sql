-- The timestamp authority's token serial numbers (issue 16): the last one given, taken with
-- one `UPDATE … RETURNING` per token, so numbers never repeat across restarts or across
-- instances sharing the database. It lives on the store's one counter row, beside the CRL
-- number, so that `copy-store` carries it over with it.
ALTER TABLE crl_counter ADD COLUMN tsa_serial BIGINT NOT NULL DEFAULT 0;
