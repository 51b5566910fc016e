-- One language at a time (issue 12, point 11): the language each account chose, `id`
-- (Bahasa Indonesia, the default) or `en`, kept so that notices and e-mail are written in it;
-- and each notice's English text beside the Indonesian one already in `subject`/`body`, so the
-- inbox shows the one the holder reads now. Notices stored before this migration have no
-- English text (NULL) and keep their one, bilingual, text. Identical in ../postgres/ and
-- ../sqlite/ (no type differs).
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en'));
ALTER TABLE notices ADD COLUMN subject_en TEXT;
ALTER TABLE notices ADD COLUMN body_en TEXT;
