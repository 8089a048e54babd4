using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

/// <summary>Migrations 0010 and 0011 over a database that TaskFlow 1 filled: what they say happens to existing rows.</summary>
public sealed class DurableEventModelMigrationTests(EmptyPostgresDatabase database) : IClassFixture<EmptyPostgresDatabase>
{
    private const string Running = "01a22b36-2d0c-7893-8cdb-3e4f7307e885";
    private const string Failed = "01a22b36-2dae-7b06-bb25-af199c1c1ef0";

    [Fact]
    public async Task Upgrade_FromVersion1_RenamesEventsFailsRunningOrchestrationsAndKeepsIds()
    {
        await using (NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync())
        {
            await Execute(connection, SqlText.Get("Database/Sql/CreateSchemaMigrations.sql"));
            foreach (Migrator.Migration migration in Migrator.Known.Where(m => m.Version <= 9))
            {
                await Execute(connection, SqlText.Get($"Database/Migrations/{migration.FileName}"));
                await Execute(connection, $"INSERT INTO taskflow.schema_migrations (version, name) VALUES ({migration.Version}, '{migration.Name}')");
            }

            // As TaskFlow 1 left them: an approval orchestration waiting on its timer, a failed single-activity task.
            await Execute(connection, $$$"""
                INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, last_sequence, created_by, created_at, run_at, updated_at, completed_at, error)
                VALUES ('{{{Running}}}', 'approval', 'orchestration', 'running', 5, '{"maxAttempts":1}', 3, 'anonymous', now(), now(), now(), NULL, NULL),
                       ('{{{Failed}}}', 'flaky', 'activity', 'failed', 5, '{"maxAttempts":1}', 5, 'anonymous', now(), now(), now(), now(), '{"type":"X","message":"m"}');
                INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, payload, occurred_at, actor) VALUES
                    ('{{{Running}}}', 1, 1, 'Submitted', NULL, '{}', now(), 'anonymous'),
                    ('{{{Running}}}', 2, 1, 'ExecutionStarted', NULL, '{"name":"approval"}', now(), 'anonymous'),
                    ('{{{Running}}}', 3, 1, 'TimerCreated', 1, '{"fireAt":"2030-01-01T00:00:00Z"}', now(), 'w'),
                    ('{{{Failed}}}', 1, 1, 'Submitted', NULL, '{}', now(), 'anonymous'),
                    ('{{{Failed}}}', 2, 1, 'ExecutionStarted', NULL, '{"name":"flaky"}', now(), 'anonymous'),
                    ('{{{Failed}}}', 3, 1, 'TaskScheduled', 1, '{"name":"flaky"}', now(), 'anonymous'),
                    ('{{{Failed}}}', 4, 1, 'TaskFailed', 1, '{"failure":{"type":"X","message":"m"}}', now(), 'w'),
                    ('{{{Failed}}}', 5, 1, 'ExecutionFailed', NULL, '{"error":{"type":"X","message":"m"}}', now(), 'w');
                INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
                VALUES ('{{{Running}}}', 1, 'timer', 1, 'timer', 5, '{"maxAttempts":100}', 100, '2030-01-01', now());
                """);
        }

        await new Migrator(database.DataSource, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);

        Assert.Equal("failed", await database.ScalarAsync<string>($"SELECT status FROM taskflow.instances WHERE id = '{Running}'"));
        Assert.Equal("TaskFlow.EngineUpgraded", await database.ScalarAsync<string>($"SELECT error ->> 'type' FROM taskflow.instances WHERE id = '{Running}'"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items"));
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TimerCreated", "ExecutionCompleted"],
            await database.ColumnAsync($"SELECT event_type FROM taskflow.task_history WHERE instance_id = '{Running}' ORDER BY sequence"));
        Assert.Equal("Failed", await database.ScalarAsync<string>(
            $"SELECT payload ->> 'orchestrationStatus' FROM taskflow.task_history WHERE instance_id = '{Failed}' AND sequence = 5"));
        Assert.Equal("ExecutionCompleted", await database.ScalarAsync<string>(
            $"SELECT event_type FROM taskflow.task_history WHERE instance_id = '{Failed}' AND sequence = 5"));
        Assert.Equal("text", await database.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = 'taskflow' AND table_name = 'instances' AND column_name = 'id'"));
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
