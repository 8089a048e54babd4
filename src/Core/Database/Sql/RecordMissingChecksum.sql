-- A migration applied before checksums were kept: the file this build has is taken as the one that was applied.
UPDATE taskflow.schema_migrations SET checksum = @checksum WHERE version = @version AND checksum IS NULL;
