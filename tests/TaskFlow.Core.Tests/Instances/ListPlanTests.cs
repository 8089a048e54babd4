using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>The plan PostgreSQL picks for listing running tasks during a backlog.</summary>
public sealed class ListPlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>A running plain task is stored 'pending' (migration 0024). Found through the pending tasks, the list read
    /// every one of a backlog of 20,000 and derived its status (a sequential scan, 500 ms); it finds the running ones
    /// through the leased work items instead.</summary>
    [Fact]
    public async Task ListRunning_DuringABacklog_FindsTheTasksThroughTheirLeases_NotThroughEveryPendingTask()
    {
        await database.ExecuteAsync("""
            INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at)
            SELECT 'backlog-' || n, 'echo', 'activity', 'pending', 5, '{"maxAttempts":3}', 'test', t, t, t
            FROM generate_series(1, 20000) AS n, LATERAL (SELECT now() - interval '1 hour' + n * interval '1 ms' AS t) AS at
            """);
        await database.ExecuteAsync("""
            INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts,
                                             visible_at, created_at, attempt, lease_token, lease_owner, leased_at, lease_expires_at)
            SELECT 'backlog-' || n, 1, 'activity', 1, 'echo', 5, '{"maxAttempts":3}', 3, now(), now(),
                   CASE WHEN leased THEN 1 ELSE 0 END, CASE WHEN leased THEN -n END, CASE WHEN leased THEN 'worker-a' END,
                   CASE WHEN leased THEN now() END, CASE WHEN leased THEN now() + interval '1 minute' END
            FROM generate_series(1, 20000) AS n, LATERAL (SELECT n <= 500 AS leased) AS l
            """);
        await database.ExecuteAsync("ANALYZE taskflow.instances");
        await database.ExecuteAsync("ANALYZE taskflow.work_items");

        string plan = await PlanAsync("running");

        Assert.DoesNotContain("Seq Scan on instances", plan);
        Assert.Contains("instances_pkey", plan);
    }

    /// <summary>EXPLAIN of the first page filtered by a status, planned for its values as the list is
    /// (<see cref="OptionalFilterQuery"/>), every other filter absent.</summary>
    private async Task<string> PlanAsync(string status)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(database.DataSource, "EXPLAIN " + SqlText.Get("Instances/Sql/ListTasks.sql"));
        NpgsqlParameterCollection parameters = batch.Parameters();
        parameters.AddWithValue("status", status);
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
