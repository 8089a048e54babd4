using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Leases;

/// <summary>The plan PostgreSQL picks for a statement fenced by a lease (<c>id = @work_item_id AND lease_token =
/// @lease_token</c>) on a queue whose statistics mislead it, and for the rescuer's look for expired leases.</summary>
public sealed class FencePlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>The sequences' slow minutes in the soak: autovacuum analysed the queue when few of its thousands of leases
    /// were held, and the first statement of every continuation, a fence by <c>id = @work_item_id AND lease_token =
    /// @lease_token</c>, walked the whole index of leases by expiry, dead entries and all, filtering each by id and token
    /// (5-30 ms against 0.1, auto_explain), until the next analyse. The index's predicate was implied by the fence;
    /// migration 0025 gave it one that is not. The fences are now one statement for a group, which reads the work items by
    /// <c>id = ANY(the ids given)</c>: even the old index, on the same queue, does not draw them.</summary>
    [Theory]
    [InlineData("Orchestrations/Sql/EndEpisodeLeases.sql")]
    [InlineData("Orchestrations/Sql/ContinueAfterActivities.sql")]
    public async Task Fences_OnAQueueAnalysedWithNoLeaseHeld_ProbeByKey_EvenWithTheOldIndex(string statement)
    {
        await this.QueueAnalysedWithNoLeaseHeldAsync();
        try
        {
            AssertProbesByKey(await this.PlanAsync(statement));
        }
        finally
        {
            await database.ExecuteAsync("DROP INDEX taskflow.leases_by_expiry_before_0025");
        }

        AssertProbesByKey(await this.PlanAsync(statement));
    }

    /// <summary>The rescuer still finds expired leases by the index, whose predicate its condition implies, on a queue
    /// of its own (the other tests leave theirs analysed empty, and their order is not fixed).</summary>
    [Fact]
    public async Task FindExpiredLeases_WalksTheExpiryIndex()
    {
        await database.ExecuteAsync("""
            INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts,
                                             visible_at, created_at, lease_token, lease_owner, leased_at, lease_expires_at)
            SELECT 'leased-' || n, 1, 'activity', 1, 'echo', 5, '{"maxAttempts":3}', 3, now(), now(), -n, 'worker-a', now(), now() + n * interval '1 second'
            FROM generate_series(1, 10000) AS n
            """);
        await database.ExecuteAsync("ANALYZE taskflow.work_items");
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OptionalFilterQuery.TransactionSettings(("enable_seqscan", "off"))));
        var explain = new NpgsqlBatchCommand("EXPLAIN " + SqlText.Get("Leases/Sql/FindExpiredLeases.sql"));
        batch.BatchCommands.Add(explain);
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("batch_size", 100);

        string plan = await QueryPlans.ExplainAsync(batch);
        await database.ExecuteAsync("DELETE FROM taskflow.work_items WHERE instance_id LIKE 'leased-%'");
        Assert.Contains("Index Scan using work_items_leases_by_expiry on work_items", plan);
    }

    /// <summary>An index as it was before migration 0025, on a queue that leased and ended 60,000 items and holds none now.
    /// The caller drops the index.</summary>
    private async Task QueueAnalysedWithNoLeaseHeldAsync()
    {
        await database.ExecuteAsync("CREATE INDEX leases_by_expiry_before_0025 ON taskflow.work_items (lease_expires_at) WHERE lease_token IS NOT NULL");
        await database.ExecuteAsync("""
            INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts,
                                             visible_at, created_at, lease_token, lease_owner, leased_at, lease_expires_at)
            SELECT 'task-' || n, 1, 'activity', 1, 'echo', 5, '{"maxAttempts":3}', 3, now(), now(), n, 'worker-a', now(), now() + interval '30 seconds'
            FROM generate_series(1, 60000) AS n
            """);
        await database.ExecuteAsync("DELETE FROM taskflow.work_items");
        await database.ExecuteAsync("VACUUM (TRUNCATE false) taskflow.work_items");
        await database.ExecuteAsync("ANALYZE taskflow.work_items");
    }

    private static void AssertProbesByKey(string plan)
    {
        Assert.DoesNotContain("leases_by_expiry", plan);
        Assert.DoesNotContain("Seq Scan on work_items", plan);
        Assert.Matches("Index Cond: \\(\\(?(id|lease_token) = ", plan);
    }

    /// <summary>EXPLAIN of the statement with its parameters given, under the server's default planner settings.</summary>
    private async Task<string> PlanAsync(string statement)
    {
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1")); // no settings: QueryPlans reads past this first result
        var explain = new NpgsqlBatchCommand("EXPLAIN " + SqlText.Get(statement));
        batch.BatchCommands.Add(explain);
        explain.Parameters.AddWithValue("work_item_ids", new[] { 30_000L });
        explain.Parameters.AddWithValue("lease_tokens", new[] { 30_000L });
        explain.Parameters.AddWithValue("instance_ids", new[] { "task-30000" });
        explain.Parameters.AddWithValue("last_sequences", new[] { 3 });
        explain.Parameters.AddWithValue("finished", new[] { false });
        explain.Parameters.AddWithValue("wakeups_seen", new[] { 0 });
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        return await QueryPlans.ExplainAsync(batch);
    }
}
