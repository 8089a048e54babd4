-- Least privilege for a TaskFlow deployment: three roles on one database, run once by an administrator (psql -d taskflow
-- -f deploy/postgres/roles.sql, after replacing the passwords). docs/kubernetes.md says which connection string each
-- gets; tests/TaskFlow.Server.Tests/Deployment runs the chart's processes under exactly these grants.
--   taskflow_owner   owns the schema: the migrations Job (--role migrate) connects as it
--   taskflow_app     the API and the workers: reads and writes rows, never changes the schema
--                    (they run with TaskFlow:Database:MigrateOnStart=false, which only checks the schema is current)
--   taskflow_scaler  KEDA's PostgreSQL scaler: reads the one view it polls
CREATE ROLE taskflow_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE taskflow_app LOGIN PASSWORD 'change-me-app';
CREATE ROLE taskflow_scaler LOGIN PASSWORD 'change-me-scaler';

-- The first migration creates the schema taskflow, so the owner may create schemas in this database.
GRANT CREATE ON DATABASE taskflow TO taskflow_owner;

-- What the owner's migrations create from now on is the app's to use, and the backlog view the scaler's to read. The
-- migrations run as taskflow_owner, so these default privileges cover every later migration's tables and functions.
ALTER DEFAULT PRIVILEGES FOR ROLE taskflow_owner GRANT USAGE ON SCHEMAS TO taskflow_app, taskflow_scaler;
ALTER DEFAULT PRIVILEGES FOR ROLE taskflow_owner GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO taskflow_app;
ALTER DEFAULT PRIVILEGES FOR ROLE taskflow_owner GRANT USAGE, SELECT ON SEQUENCES TO taskflow_app;
ALTER DEFAULT PRIVILEGES FOR ROLE taskflow_owner GRANT EXECUTE ON FUNCTIONS TO taskflow_app;
-- The scaler is granted no table: migration 0018 lets every role that may use the schema read taskflow.worker_backlog
-- (counts and an age, nothing of any task), and the view reads its tables with the owner's rights.
