using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Instances;
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
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other tests' rows
        await database.ExecuteAsync(Insert(1, 60_000));
        await database.ExecuteAsync("DELETE FROM taskflow.work_items WHERE id % 1000 <> 0"); // a backlog drained but for a few
        await database.ExecuteAsync("VACUUM (TRUNCATE false) taskflow.work_items");
        await database.ExecuteAsync("ANALYZE taskflow.work_items");
        await database.ExecuteAsync(Insert(60_001, 100_000)); // 40,000 ready, which the statistics do not know of

        string misled = await this.PlanAsync(OptionalFilterQuery.TransactionSettings(("enable_bitmapscan", "off")));
        Assert.Contains("Seq Scan on work_items", misled); // the trap is set: the settings the lease had before
        string plan = await this.PlanAsync(WorkItemLeases.LeaseNextPlannerSettings);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.Contains("Index Scan using work_items_ready on work_items", plan);
        Assert.Contains("Index Scan using work_items_pkey on work_items", plan);
    }

    /// <summary>Steady traffic: small batches made PostgreSQL keep one generic plan for the prepared lease, which joined
    /// the instances by a full scan (20-50 ms a lease as they grew). The lease is planned for each call instead.</summary>
    [Fact]
    public async Task Lease_PreparedOnAConnection_IsPlannedForEachCall()
    {
        // One connection, so every lease meets the same server session and its prepared statements.
        await using NpgsqlDataSource dataSource = TaskFlowDataSource.Create(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString());
        var leases = new WorkItemLeases(dataSource, new SqlClock(TimeProvider.System), Options.Create(new LeaseOptions()));
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other test's rows have no instances
        await new TaskFlowClient(database.DataSource, new SqlClock(TimeProvider.System))
            .ScheduleNewTasksAsync([.. Enumerable.Range(0, 40).Select(_ => TestTasks.Submission())], "test");
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(2, (await leases.LeaseNextAsync("worker-a", 2, CancellationToken.None)).Count);
        }

        await using NpgsqlCommand plans = dataSource.CreateCommand(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%Chooses up to @batch_size%'");
        await using NpgsqlDataReader reader = await plans.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "The lease was never prepared.");
        Assert.Equal(0L, reader.GetInt64(0));
        Assert.True(reader.GetInt64(1) > 0, "The prepared lease never ran.");
    }

    /// <summary>The Durable storage provider's episode loop leases all but activities. Through the ready index it walked
    /// past every ready activity ahead of its work, reading each row for its kind (19 ms a lease behind 50,000); the
    /// episodes' own index starts at its work. A lease of any kind, or of activities, keeps to the ready index.</summary>
    [Fact]
    public async Task Lease_OfEpisodesBehindABacklogOfActivities_WalksTheEpisodesOwnIndex()
    {
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other tests' rows
        await database.ExecuteAsync(Insert(1, 20_000));
        await database.ExecuteAsync("""
            INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
            SELECT 'orchestration-' || n, 1, 'orchestration', 0, 'sequence', 5, '{"maxAttempts":10}', 10, now(), now()
            FROM generate_series(1, 3) AS n
            """);
        await database.ExecuteAsync("ANALYZE taskflow.work_items");

        foreach (string[] kinds in new[] { ["orchestration", "timer", "entity"], ["orchestration", "timer"], new[] { "entity" } })
        {
            Assert.Contains("Index Scan using work_items_ready_episodes on work_items", await this.PlanAsync(WorkItemLeases.LeaseNextPlannerSettings, kinds));
        }

        Assert.Contains("Index Scan using work_items_ready on work_items", await this.PlanAsync(WorkItemLeases.LeaseNextPlannerSettings));
        Assert.Contains("Index Scan using work_items_ready on work_items", await this.PlanAsync(WorkItemLeases.LeaseNextPlannerSettings, ["activity"]));
    }

    private static string Insert(int from, int to) => $$"""
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy, max_attempts, visible_at, created_at)
        SELECT 'task-' || n, 1, 'activity', 1, 'echo', to_jsonb(n), 5, '{"maxAttempts":3}', 3, now() - interval '1 minute', now()
        FROM generate_series({{from}}, {{to}}) AS n
        """;

    /// <summary>EXPLAIN of the lease under <paramref name="settings"/> (of <paramref name="kinds"/>, or any), as one implicit
    /// transaction as the lease runs.</summary>
    private async Task<string> PlanAsync(string settings, string[]? kinds = null)
    {
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(settings));
        var explain = new NpgsqlBatchCommand("EXPLAIN " + WorkItemLeases.LeaseNextSql);
        batch.BatchCommands.Add(explain);
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("worker_id", "worker-a");
        explain.Parameters.AddWithValue("batch_size", 200);
        explain.Parameters.AddWithValue("lease_duration", TimeSpan.FromSeconds(30));
        explain.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)kinds ?? DBNull.Value });
        explain.Parameters.AddWithValue("orchestration_work_only", false);
        explain.Parameters.AddWithValue("limited_only", false);
        return await QueryPlans.ExplainAsync(batch);
    }
}
