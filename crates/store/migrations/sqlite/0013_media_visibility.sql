-- Whether a stored photo is public (published with its case: shown to Open311 clients and the
-- citizen) or internal (a field photo marked for staff only). `/media/{file}` serves an internal
-- photo only to staff who may see its case. Until now every stored photo was served to anyone
-- who had its URL; the photos that were published are the ones their case lists in `media_urls`.
ALTER TABLE media ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE media SET public = TRUE WHERE EXISTS (
    SELECT 1 FROM cases
    WHERE cases.id = media.case_id AND cases.media_urls LIKE '%/media/' || media.id || '.%');
