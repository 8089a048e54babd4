INSERT INTO taskflow.schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum);
