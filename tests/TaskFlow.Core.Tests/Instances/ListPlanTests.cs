using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>The plan PostgreSQL picks for listing tasks by status, on tables shaped as a busy server's are: a backlog of
/// 20,000 plain tasks (500 of them running) beside 20,000 succeeded ones and a few of every other kind.</summary>
public sealed class ListPlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        if (await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances") > 0)
        {
            return; // the class's cases share one database, seeded once
        }

        await database.ExecuteAsync("""
            INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at, completed_at)
            SELECT 'done-' || n, 'echo', 'activity', CASE WHEN n % 100 = 0 THEN 'failed' WHEN n % 100 = 1 THEN 'cancelled' ELSE 'succeeded' END,
                   5, '{"maxAttempts":3}', 'test', t, t, t, t
            FROM generate_series(1, 20000) AS n, LATERAL (SELECT now() - interval '2 hours' + n * interval '1 ms' AS t) AS at
            """);
        await database.ExecuteAsync("""
            INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at, completed_at)
            SELECT 'orchestration-' || n, 'sequence', 'orchestration', CASE WHEN n % 3 = 0 THEN 'running' WHEN n % 3 = 1 THEN 'suspended' ELSE 'succeeded' END,
                   5, '{"maxAttempts":10}', 'test', t, t, t, CASE WHEN n % 3 = 2 THEN t END
            FROM generate_series(1, 300) AS n, LATERAL (SELECT now() - interval '90 minutes' + n * interval '1 ms' AS t) AS at
            """);
        await database.ExecuteAsync("""
            INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at)
            SELECT 'backlog-' || n, 'echo', 'activity', 'pending', 5, '{"maxAttempts":3}', 'test', t, t, t
            FROM generate_series(1, 20000) AS n, LATERAL (SELECT now() - interval '1 hour' + n * interval '1 ms' AS t) AS at
            """);
        await database.ExecuteAsync("""
            INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts,
                                             visible_at, created_at, task_created_at, attempt, lease_token, lease_owner, leased_at, lease_expires_at)
            SELECT i.id, 1, 'activity', 1, 'echo', 5, '{"maxAttempts":3}', 3, CASE WHEN n % 10 = 0 THEN now() + interval '1 hour' ELSE now() END,
                   i.created_at, i.created_at,
                   CASE WHEN leased THEN 1 ELSE 0 END, CASE WHEN leased THEN -n END, CASE WHEN leased THEN 'worker-a' END,
                   CASE WHEN leased THEN now() END, CASE WHEN leased THEN now() + interval '1 minute' END
            FROM generate_series(1, 20000) AS n
            JOIN taskflow.instances AS i ON i.id = 'backlog-' || n, LATERAL (SELECT n % 40 = 1 AS leased) AS l
            """);
        await database.ExecuteAsync("ANALYZE taskflow.instances");
        await database.ExecuteAsync("ANALYZE taskflow.work_items");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A running plain task is stored 'pending' (migration 0024). Found through the pending tasks, the list read
    /// every one of a backlog of 20,000 and derived its status (a sequential scan, 500 ms); it finds the running ones
    /// through the leased work items instead.</summary>
    [Fact]
    public async Task ListRunning_DuringABacklog_FindsTheTasksThroughTheirLeases_NotThroughEveryPendingTask()
    {
        string plan = await PlanAsync("running");

        Assert.DoesNotContain("Seq Scan on instances", plan);
        Assert.Contains("instances_pkey", plan);
    }

    /// <summary>No index holds every status (migration 0029): each status is read through the index that holds its tasks,
    /// in the page's order, and no table is read whole.</summary>
    [Theory]
    [InlineData("pending", "work_items_unleased_tasks_by_created")]
    [InlineData("scheduled", "work_items_unleased_tasks_by_created")]
    [InlineData("pending", "instances_by_listed_status")]
    [InlineData("running", "instances_by_listed_status")]
    [InlineData("suspended", "instances_by_listed_status")]
    [InlineData("failed", "instances_by_listed_status")]
    [InlineData("cancelled", "instances_by_listed_status")]
    [InlineData("succeeded", "instances_by_created")]
    [InlineData(null, "instances_by_created")]
    public async Task ListByStatus_DuringABacklog_ReadsTheIndexThatHoldsTheStatus(string? status, string index)
    {
        string plan = await PlanAsync(status);

        Assert.Contains(index, plan);
        Assert.DoesNotContain("Seq Scan on instances", plan);
        Assert.DoesNotContain("Seq Scan on work_items", plan);
    }

    /// <summary>EXPLAIN of the first page filtered by a status, planned for its values as the list is
    /// (<see cref="OptionalFilterQuery"/>), every other filter absent.</summary>
    private async Task<string> PlanAsync(string? status)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(database.DataSource, "EXPLAIN " + SqlText.Get("Instances/Sql/ListTasks.sql"));
        NpgsqlParameterCollection parameters = batch.Parameters();
        parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)status ?? DBNull.Value });
        parameters.AddWithValue("limit", 50);
        foreach ((string name, NpgsqlDbType type) in new[]
        {
            ("now", NpgsqlDbType.TimestampTz), ("stored_statuses", NpgsqlDbType.Array | NpgsqlDbType.Text), ("type", NpgsqlDbType.Text),
            ("id_prefix", NpgsqlDbType.Text), ("created_by", NpgsqlDbType.Text), ("tags", NpgsqlDbType.Jsonb),
            ("created_from", NpgsqlDbType.TimestampTz), ("created_to", NpgsqlDbType.TimestampTz),
            ("after_created_at", NpgsqlDbType.TimestampTz), ("after_id", NpgsqlDbType.Text),
        })
        {
            parameters.Add(new NpgsqlParameter(name, type) { Value = DBNull.Value });
        }

        return await QueryPlans.ExplainAsync(batch);
    }
}
