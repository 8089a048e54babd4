using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Leases;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Leases;

/// <summary>The plan PostgreSQL picks for the lease, on a queue whose statistics mislead it.</summary>
public sealed class LeasePlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>The soak's stalls: autovacuum analysed the queue just after a backlog drained (a few rows left on thousands
    /// of pages), so the planner took it for a few rows whatever it held next, and leased by a sequential scan and sort of
    /// the whole table; a worker then took a minute to lease what it takes in a second. The lease's own settings keep it
    /// on the ready index and the primary key.</summary>
    [Fact]
    public async Task Lease_OnAQueueAnalysedWhileNearlyEmpty_WalksTheReadyIndex()
    {
        await ExecuteAsync(Insert(1, 60_000));
        await ExecuteAsync("DELETE FROM taskflow.work_items WHERE id % 1000 <> 0"); // a backlog drained but for a few
        await ExecuteAsync("VACUUM (TRUNCATE false) taskflow.work_items");
        await ExecuteAsync("ANALYZE taskflow.work_items");
        await ExecuteAsync(Insert(60_001, 100_000)); // 40,000 ready, which the statistics do not know of

        string misled = await this.PlanAsync(OptionalFilterQuery.TransactionSettings(("enable_bitmapscan", "off")));
        Assert.Contains("Seq Scan on work_items", misled); // the trap is set: the settings the lease had before
        string plan = await this.PlanAsync(WorkItemLeases.LeaseNextPlannerSettings);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.Contains("Index Scan using work_items_ready on work_items", plan);
        Assert.Contains("Index Scan using work_items_pkey on work_items", plan);
    }

    private static string Insert(int from, int to) => $$"""
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy, max_attempts, visible_at, created_at)
        SELECT 'task-' || n, 1, 'activity', 1, 'echo', to_jsonb(n), 5, '{"maxAttempts":3}', 3, now() - interval '1 minute', now()
        FROM generate_series({{from}}, {{to}}) AS n
        """;

    private async Task ExecuteAsync(string sql)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>EXPLAIN of the lease under <paramref name="settings"/>, as one implicit transaction as the lease runs.</summary>
    private async Task<string> PlanAsync(string settings)
    {
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(settings));
        var explain = new NpgsqlBatchCommand("EXPLAIN " + WorkItemLeases.LeaseNextSql);
        batch.BatchCommands.Add(explain);
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("worker_id", "worker-a");
        explain.Parameters.AddWithValue("batch_size", 200);
        explain.Parameters.AddWithValue("lease_duration", TimeSpan.FromSeconds(30));
        explain.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("orchestration_work_only", false);
        explain.Parameters.AddWithValue("limited_only", false);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(CancellationToken.None);
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
