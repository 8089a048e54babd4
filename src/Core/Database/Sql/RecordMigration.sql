INSERT INTO taskflow.schema_migrations (version, name) VALUES (@version, @name);
