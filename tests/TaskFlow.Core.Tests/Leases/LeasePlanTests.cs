using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

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
        Assert.Contains("Seq Scan on", misled); // the trap is set: without the lease's settings, a table is read whole
        string plan = await this.PlanAsync(KeyedPlans.Generic);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.Contains("Index Scan using work_items_ready on work_items", plan);
        Assert.Contains("Index Scan using work_items_pkey on work_items", plan);
    }

    /// <summary>Steady traffic: the worker's lease (any ready work) keeps one generic plan per connection, since planned
    /// per call it cost more to plan than to run (0.53 against 0.41 ms a call in the soak). A generic plan once joined the
    /// instances by a full scan: made while the table was small and kept as it grew, it cost 20-50 ms a lease
    /// (docs/benchmarks.md, "The lease's generic plan"). So the plan is made here on an empty queue and read after
    /// 20,000 tasks arrived, which neither it nor the statistics know of: it must read each table by the chosen ids (an
    /// index condition), and join them without comparing every pair (a nested loop made for no rows). The same holds for
    /// the server's worker that leaves entities' batches to another host: its kinds include activities, so its lease walks
    /// the ready index as one of any work does.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lease_OfAnyWork_KeepsOnePlan_ThatReadsOnlyTheChosenRows_AsTheQueueGrows(bool leavingEntities)
    {
        string[]? kinds = leavingEntities ? [WorkKinds.Activity, WorkKinds.Orchestration, WorkKinds.Timer] : null;
        (NpgsqlDataSource source, WorkItemLeases leases) = this.LeasesOnOneConnection();
        await using NpgsqlDataSource oneConnection = source;
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other tests' rows
        for (int i = 0; i < 8; i++)
        {
            Assert.Empty(await leases.LeaseNextAsync("worker-a", 200, CancellationToken.None, kinds));
        }

        var client = new TaskFlowClient(database.DataSource, new SqlClock(TimeProvider.System));
        for (int i = 0; i < 20; i++)
        {
            await client.ScheduleNewTasksAsync([.. Enumerable.Range(0, 1_000).Select(_ => TestTasks.Submission())], "test");
        }

        Assert.Equal(200, (await leases.LeaseNextAsync("worker-a", 200, CancellationToken.None, kinds)).Count);
        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            oneConnection, "%Chooses up to @batch_size%", WorkItemLeases.LeaseNextSqlFor(kinds), KeyedPlans.Generic, LeaseArguments());

        Assert.True(generic > 0, "The lease never ran on its generic plan.");
        Assert.Equal(0L, custom);
        Assert.Contains("rows=200 ", plan.Split('\n').Single(line => line.Contains("Index Scan using work_items_ready on work_items"))); // the batch, no more
        Assert.Equal(2, plan.Split("Index Cond: (id = ANY ").Length - 1); // the chosen work items and their instances
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain("Nested Loop", plan);
    }

    /// <summary>The Durable storage provider's episode loop leases episodes, timers and entities' batches, one at a time in
    /// its one-at-a-time sequences, where planning each lease cost ten times its run (0.33 against 0.03 ms). It keeps one
    /// generic plan, made here on an empty queue and read after 20,000 activities and 300 episodes arrived: the kinds are
    /// in its text (<see cref="WorkItemLeases.LeaseNextSqlFor"/>), so the plan walks the episodes' own index, reads the
    /// batch and no more, and each table by the chosen ids.</summary>
    [Fact]
    public async Task Lease_OfEpisodes_KeepsOnePlan_ThatWalksTheEpisodesOwnIndex_AsTheQueueGrows()
    {
        string[] episodes = [WorkKinds.Orchestration, WorkKinds.Timer, WorkKinds.Entity];
        (NpgsqlDataSource source, WorkItemLeases leases) = this.LeasesOnOneConnection();
        await using NpgsqlDataSource oneConnection = source;
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other tests' rows
        for (int i = 0; i < 8; i++)
        {
            Assert.Empty(await leases.LeaseNextAsync("worker-a", 200, CancellationToken.None, episodes));
        }

        await database.ExecuteAsync(Insert(1, 20_000));
        await database.ExecuteAsync(InsertEpisodes(300));

        IReadOnlyList<WorkItemLease> leased = await leases.LeaseNextAsync("worker-a", 200, CancellationToken.None, episodes);
        Assert.Equal(200, leased.Count);
        Assert.All(leased, lease => Assert.Equal(WorkKinds.Orchestration, lease.Kind));
        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            oneConnection, "%'{orchestration,timer,entity}'::text[]%", WorkItemLeases.LeaseNextSqlFor(episodes), KeyedPlans.Generic,
            LeaseArguments());

        Assert.True(generic > 0, "The lease never ran on its generic plan.");
        Assert.Equal(0L, custom);
        Assert.Contains("rows=100 ", plan.Split('\n').Single(line => line.Contains("Index Scan using work_items_ready_episodes on work_items"))); // the 100 left
        Assert.Equal(2, plan.Split("Index Cond: (id = ANY ").Length - 1);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain("Nested Loop", plan);
    }

    /// <summary>The provider's activity loop leases orchestrations' activities only (a Durable host cannot run the server's
    /// single-activity tasks), on one generic plan too: each ready activity's instance is looked up by its id, and only
    /// when that filter is asked for, never by reading the instances whole into a hash.</summary>
    [Fact]
    public async Task Lease_OfOrchestrationActivities_KeepsOnePlan_ThatLooksUpEachInstanceById()
    {
        string[] activities = [WorkKinds.Activity];
        (NpgsqlDataSource source, WorkItemLeases leases) = this.LeasesOnOneConnection();
        await using NpgsqlDataSource oneConnection = source;
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other tests' rows
        for (int i = 0; i < 8; i++)
        {
            Assert.Empty(await leases.LeaseNextAsync("worker-a", 32, CancellationToken.None, activities, orchestrationWorkOnly: true));
        }

        var client = new TaskFlowClient(database.DataSource, new SqlClock(TimeProvider.System));
        await client.ScheduleNewTasksAsync([.. Enumerable.Range(0, 1_000).Select(_ => TestTasks.Submission())], "test");
        Assert.Empty(await leases.LeaseNextAsync("worker-a", 32, CancellationToken.None, activities, orchestrationWorkOnly: true)); // plain tasks all
        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            oneConnection, "%'{activity}'::text[]%", WorkItemLeases.LeaseNextSqlFor(activities), KeyedPlans.Generic,
            LeaseArguments(orchestrationWorkOnly: true));

        Assert.True(generic > 0, "The lease never ran on its generic plan.");
        Assert.Equal(0L, custom);
        Assert.Contains("Index Scan using work_items_ready on work_items", plan);
        Assert.Contains("Index Cond: (id = w.instance_id)", plan); // each ready activity's instance, by its id
        Assert.DoesNotContain("hashed SubPlan", plan);
        Assert.DoesNotContain("Seq Scan", plan);
    }

    /// <summary>One text per set of kinds, made once: each keeps its own prepared statement and plan on a connection.</summary>
    [Fact]
    public void LeaseText_IsOnePerSetOfKinds_AndRefusesAnUnknownKind()
    {
        Assert.Same(WorkItemLeases.LeaseNextSqlFor([WorkKinds.Activity]), WorkItemLeases.LeaseNextSqlFor([WorkKinds.Activity]));
        Assert.Same(WorkItemLeases.LeaseNextSql, WorkItemLeases.LeaseNextSqlFor(null));
        Assert.NotEqual(WorkItemLeases.LeaseNextSqlFor([WorkKinds.Orchestration]), WorkItemLeases.LeaseNextSqlFor([WorkKinds.Orchestration, WorkKinds.Timer]));
        Assert.DoesNotContain("@kinds::text[]", WorkItemLeases.LeaseNextSqlFor([WorkKinds.Entity]));
        Assert.Throws<ArgumentException>(() => WorkItemLeases.LeaseNextSqlFor(["activity'"]));
    }

    /// <summary>The Durable storage provider's episode loop leases all but activities. Through the ready index it walked
    /// past every ready activity ahead of its work, reading each row for its kind (19 ms a lease behind 50,000); the
    /// episodes' own index starts at its work. A lease of any kind, or of activities, keeps to the ready index.</summary>
    [Fact]
    public async Task Lease_OfEpisodesBehindABacklogOfActivities_WalksTheEpisodesOwnIndex()
    {
        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the other tests' rows
        await database.ExecuteAsync(Insert(1, 20_000));
        await database.ExecuteAsync(InsertEpisodes(3));
        await database.ExecuteAsync("ANALYZE taskflow.work_items");

        foreach (string[] kinds in new[] { ["orchestration", "timer", "entity"], ["orchestration", "timer"], new[] { "entity" } })
        {
            Assert.Contains("Index Scan using work_items_ready_episodes on work_items", await this.PlanAsync(KeyedPlans.Generic, kinds));
        }

        Assert.Contains("Index Scan using work_items_ready on work_items", await this.PlanAsync(KeyedPlans.Generic));
        Assert.Contains("Index Scan using work_items_ready on work_items", await this.PlanAsync(KeyedPlans.Generic, ["activity"]));
    }

    /// <summary>Leases through a pool of one connection, so every lease meets the same server session and its prepared
    /// statements.</summary>
    private (NpgsqlDataSource OneConnection, WorkItemLeases Leases) LeasesOnOneConnection()
    {
        NpgsqlDataSource oneConnection = TaskFlowDataSource.Create(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString());
        return (oneConnection, new WorkItemLeases(oneConnection, new SqlClock(TimeProvider.System), Options.Create(new LeaseOptions())));
    }

    /// <summary>The lease's arguments by name; a set of kinds is in the lease's text (<see cref="WorkItemLeases.LeaseNextSqlFor"/>).</summary>
    private static Dictionary<string, string> LeaseArguments(bool orchestrationWorkOnly = false) => new()
    {
        ["now"] = "NULL", ["worker_id"] = "'worker-a'", ["batch_size"] = "200", ["lease_duration"] = "'30 seconds'", ["kinds"] = "NULL",
        ["orchestration_work_only"] = orchestrationWorkOnly ? "true" : "false", ["limited_only"] = "false",
    };

    /// <summary>Ready episodes of orchestrations that exist (a lease returns only work whose instance it finds).</summary>
    private static string InsertEpisodes(int count) => $$"""
        INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at)
        SELECT 'orchestration-' || n, 'sequence', 'orchestration', 'running', 5, '{}', 'test', now(), now(), now()
        FROM generate_series(1, {{count}}) AS n
        ON CONFLICT (id) DO NOTHING;
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
        SELECT 'orchestration-' || n, 1, 'orchestration', 0, 'sequence', 5, '{"maxAttempts":10}', 10, now(), now()
        FROM generate_series(1, {{count}}) AS n
        """;

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
        var explain = new NpgsqlBatchCommand("EXPLAIN " + WorkItemLeases.LeaseNextSqlFor(kinds));
        batch.BatchCommands.Add(explain);
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("worker_id", "worker-a");
        explain.Parameters.AddWithValue("batch_size", 200);
        explain.Parameters.AddWithValue("lease_duration", TimeSpan.FromSeconds(30));
        explain.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = DBNull.Value }); // unused when kinds are in the text
        explain.Parameters.AddWithValue("orchestration_work_only", false);
        explain.Parameters.AddWithValue("limited_only", false);
        return await QueryPlans.ExplainAsync(batch);
    }
}
