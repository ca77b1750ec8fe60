-- A purge of one version's cached predictions: every cache key carries the version's cache
-- generation beside the model's, so bumping it empties that version's entries and no other.
ALTER TABLE model_versions ADD COLUMN cache_generation bigint NOT NULL DEFAULT 1;
