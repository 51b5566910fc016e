-- What a rejected enrollment's holder must fix (issue 12, point 4): 'document' (the CSR was
-- fine: the holder uploads a new Surat Rekomendasi and resubmits the same request) or
-- 'new_key' (the key, the CSR or the identity must change: a new request). NULL while the
-- request is not rejected, for revocations, and for rejections made before this migration
-- (read as 'new_key', the only way out there was then). Its twin in ../postgres/ is the same
-- statement (a TEXT column needs no type of its own; see ../README.md).
ALTER TABLE requests ADD COLUMN reject_fix TEXT CHECK (reject_fix IN ('document', 'new_key'));
