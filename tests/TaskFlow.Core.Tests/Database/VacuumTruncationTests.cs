using Npgsql;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

/// <summary>Vacuum must not truncate the hot tables: truncating takes an ACCESS EXCLUSIVE lock that stops every insert and
/// lease on the table meanwhile (migration 0019).</summary>
public sealed class VacuumTruncationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task HotTables_AreNotTruncatedByVacuum()
    {
        Assert.Equal(
            ["history", "inbox", "instances", "work_items"],
            await database.ColumnAsync("""
                SELECT relname::text FROM pg_class
                WHERE relnamespace = 'taskflow'::regnamespace AND 'vacuum_truncate=false' = ANY (reloptions)
                ORDER BY relname
                """));

        // A queue that drained: every row of its last pages deleted. Truncated, the table would shrink to nothing.
        await database.ScalarAsync<long>("""
            WITH added AS (
                INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
                SELECT 'vacuum-' || n, 1, 'activity', 1, 'echo', 0, '{"maxAttempts":1}', 1, now(), now() FROM generate_series(1, 5000) AS n
                RETURNING 1)
            SELECT count(*) FROM added
            """);
        long full = await database.ScalarAsync<long>("SELECT pg_relation_size('taskflow.work_items')");
        await database.ScalarAsync<long>("WITH gone AS (DELETE FROM taskflow.work_items RETURNING 1) SELECT count(*) FROM gone");
        await using (NpgsqlCommand vacuum = database.DataSource.CreateCommand("VACUUM taskflow.work_items"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        Assert.True(full > 0);
        Assert.Equal(full, await database.ScalarAsync<long>("SELECT pg_relation_size('taskflow.work_items')"));
    }
}
