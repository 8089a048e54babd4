using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>The plan PostgreSQL picks for retention's purge, on tables shaped as a busy server's are.</summary>
public sealed class PurgePlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>The soak's purge took 0.4–1.2 s per 500 tasks, most of a core at 1,000 tasks a second: joined with the
    /// batch, the history was hashed whole, because the planner expected each purged task to have an orchestration's
    /// ~20 history rows, where most are plain tasks with none in the table. The purge reaches them by the primary key.</summary>
    [Fact]
    public async Task Purge_OfMostlyPlainTasks_ReadsTheHistoryByItsKey_NotWhole()
    {
        // 60,000 finished tasks, one in twenty an orchestration with 20 history rows (a plain task keeps its history in its row).
        await database.ExecuteAsync("""
            INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at, completed_at)
            SELECT 'purge-' || n, CASE WHEN n % 20 = 0 THEN 'sequence' ELSE 'echo' END,
                   CASE WHEN n % 20 = 0 THEN 'orchestration' ELSE 'activity' END,
                   'succeeded', 5, '{"maxAttempts":3}', 'test', t, t, t, t
            FROM generate_series(1, 60000) AS n, LATERAL (SELECT now() - interval '1 day' + n * interval '1 ms' AS t) AS at
            """);
        await database.ExecuteAsync("""
            INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, occurred_at, actor)
            SELECT 'purge-' || n, s, 1, 'TaskScheduled', now(), 'test'
            FROM generate_series(20, 60000, 20) AS n, generate_series(1, 20) AS s
            """);
        await database.ExecuteAsync("ANALYZE taskflow.instances");
        await database.ExecuteAsync("ANALYZE taskflow.history");

        string joined = await PlanAsync(JoinedPurge);
        Assert.Contains("Seq Scan on history", joined); // the trap is set: the join the purge made before
        string plan = await PlanAsync(SqlText.Get("Instances/Sql/PurgeTasks.sql"));
        Assert.DoesNotContain("Seq Scan on history", plan);
        Assert.Contains("history_pkey", plan);
    }

    /// <summary>With no index on completed_at (migration 0028) nor on status (migration 0029), retention walks the tasks
    /// by creation: a batch reads its 500 in instances_by_created's order, after its cursor, and stops. Here most tasks
    /// created before the cutoff are unfinished (tasks delayed for longer than retention keeps tasks: 60,000 beside 6,000
    /// succeeded), so a batch purges few; still neither the whole table nor every task older than the cutoff is read or
    /// sorted for one.</summary>
    [Fact]
    public async Task Purge_OfABatch_WalksTheTasksByCreation_FromItsCursor()
    {
        await database.ExecuteAsync("DELETE FROM taskflow.instances"); // the class's tests share one database
        await database.ExecuteAsync("""
            INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at, completed_at)
            SELECT 'walked-' || n, 'echo', 'activity', CASE WHEN n % 11 = 0 THEN 'succeeded' ELSE 'pending' END, 5, '{"maxAttempts":3}',
                   'test', t, t + CASE WHEN n % 11 = 0 THEN interval '0' ELSE interval '60 days' END, t,
                   CASE WHEN n % 11 = 0 THEN t + interval '1 s' END
            FROM generate_series(1, 66000) AS n, LATERAL (SELECT now() - interval '3 days' + n * interval '1 s' AS t) AS at
            """);
        await database.ExecuteAsync("ANALYZE taskflow.instances");

        foreach (DateTimeOffset? after in new DateTimeOffset?[] { null, DateTimeOffset.UtcNow - TimeSpan.FromDays(2.5) })
        {
            string plan = await PlanAsync(SqlText.Get("Instances/Sql/PurgeTasks.sql"), after);
            // The batch's limit stops the index's walk: nothing between them sorts or gathers the tasks older than the cutoff.
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(plan, @"CTE walked\s*\n\s*->\s*Limit[^\n]*\n\s*->\s*Index (Only )?Scan Backward using instances_by_created on instances"), plan);
            Assert.DoesNotContain("Seq Scan on instances", plan);
        }

        // The purge of one task finds it by its key; the batch's own lookup (CTE doomed) uses the key too, so only the
        // walk's part of the plan counts.
        string one = await PlanAsync(SqlText.Get("Instances/Sql/PurgeTasks.sql"), id: "walked-11");
        string walk = one[one.IndexOf("CTE walked", StringComparison.Ordinal)..one.IndexOf("CTE doomed", StringComparison.Ordinal)];
        Assert.True(walk.Contains("Index Scan using instances_pkey on instances", StringComparison.Ordinal), one);
        Assert.DoesNotContain("Seq Scan on instances", one);
    }

    /// <summary>The purge's history delete as it was, a join with the batch.</summary>
    private const string JoinedPurge = """
        WITH doomed AS (
            SELECT id FROM taskflow.instances
            WHERE status = ANY (taskflow.finished_statuses())
              AND (@id::text IS NULL OR id = @id)
              AND (@finished_before::timestamptz IS NULL OR completed_at < @finished_before)
            ORDER BY completed_at
            LIMIT @batch_size
            FOR UPDATE SKIP LOCKED
        ), history_gone AS (
            DELETE FROM taskflow.history AS h USING doomed WHERE h.instance_id = doomed.id
        )
        DELETE FROM taskflow.instances AS i USING doomed WHERE i.id = doomed.id
        """;

    /// <summary>EXPLAIN of a purge of 500 finished before now, planned for its values as retention's is
    /// (<see cref="OptionalFilterQuery"/>), its walk after <paramref name="after"/> (null for the first batch); or, given an
    /// <paramref name="id"/>, of the purge of that one task.</summary>
    private async Task<string> PlanAsync(string purge, DateTimeOffset? after = null, string? id = null)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(database.DataSource, "EXPLAIN " + purge);
        batch.Parameters().Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = (object?)id ?? DBNull.Value });
        batch.Parameters().Add(new NpgsqlParameter("finished_before", NpgsqlDbType.TimestampTz) { Value = id is null ? DateTimeOffset.UtcNow : DBNull.Value });
        batch.Parameters().Add(new NpgsqlParameter("after_created_at", NpgsqlDbType.TimestampTz) { Value = (object?)after ?? DBNull.Value });
        batch.Parameters().Add(new NpgsqlParameter("after_id", NpgsqlDbType.Text) { Value = after is null ? DBNull.Value : "walked-" });
        batch.Parameters().AddWithValue("batch_size", 500);
        return await QueryPlans.ExplainAsync(batch);
    }
}
