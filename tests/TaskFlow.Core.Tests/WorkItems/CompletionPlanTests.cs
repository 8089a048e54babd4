using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Notifications;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.WorkItems;

/// <summary>The plain tasks' completion keeps one generic plan per connection (<see cref="KeyedPlans"/>): planned per
/// call, it cost more to plan than to run in the soak's small batches (0.33 against 0.31 ms). A generic plan is kept as
/// the tables grow, so it is made here while they hold a few tasks and read after 20,000 more arrived: it must read the
/// work items and the instances by the ids it is given, and join them to its input without comparing every pair.</summary>
public sealed class CompletionPlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Completion_KeepsOnePlan_ThatReadsOnlyItsTasks_AsTheTablesGrow()
    {
        (QueueOnFakeClock work, NpgsqlDataSource source, WorkItemQueue completions) = await this.CompletionsOnOneConnectionAsync();
        await using NpgsqlDataSource oneConnection = source;
        for (int i = 0; i < 8; i++)
        {
            await work.Client.ScheduleNewTaskAsync(TestTasks.Submission(), "test");
            WorkItemLease lease = Assert.Single(await work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));
            Assert.Single(await completions.CompleteActivitiesAsync([(lease, "\"done\"")], CancellationToken.None));
        }

        for (int i = 0; i < 20; i++)
        {
            await work.Client.ScheduleNewTasksAsync([.. Enumerable.Range(0, 1_000).Select(_ => TestTasks.Submission())], "test");
        }

        IReadOnlyList<WorkItemLease> batch = await work.Leases.LeaseNextAsync("worker-a", 250, CancellationToken.None);
        Assert.Equal(250, (await completions.CompleteActivitiesAsync([.. batch.Select(l => (l, (string?)"\"done\""))], CancellationToken.None)).Count);

        IReadOnlyList<WorkItemLease> next = await work.Leases.LeaseNextAsync("worker-a", 250, CancellationToken.None);
        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            oneConnection, "%Records the success of many single-activity tasks%", SqlText.Get("WorkItems/Sql/CompleteActivityTasks.sql"), KeyedPlans.Generic,
            CompletionArguments(next));

        Assert.True(generic > 0, "The completion never ran on its generic plan.");
        Assert.Equal(0L, custom);
        Assert.Equal(2, plan.Split("Index Cond: (id = ANY ").Length - 1); // the work items given, and their instances
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain("Nested Loop", plan);
        Assert.Contains("rows=250 ", plan.Split('\n').Single(line => line.Contains("Index Scan using instances_pkey on instances"))); // those, no more
    }

    /// <summary>The orchestrations' activities' results keep one generic plan too (planned per call, they cost 0.42-0.53 ms
    /// to plan against 0.15-0.19 ms to run in the provider's one-at-a-time steps). Made while a few orchestrations
    /// ran and read after 5,000 more: it reads the work items and both looks at the instances by the ids at hand.</summary>
    [Fact]
    public async Task OrchestrationResults_KeepOnePlan_ThatReadsOnlyTheirRows_AsTheTablesGrow()
    {
        (QueueOnFakeClock work, NpgsqlDataSource source, WorkItemQueue completions) = await this.CompletionsOnOneConnectionAsync();
        await using NpgsqlDataSource oneConnection = source;
        for (int i = 0; i < 8; i++)
        {
            await database.ExecuteAsync(OrchestrationsWithAnActivity($"few-{i}-", 1));
            WorkItemLease lease = Assert.Single(await work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None, [WorkKinds.Activity], orchestrationWorkOnly: true));
            Assert.Single(await completions.CompleteActivitiesAsync([(lease, "1")], CancellationToken.None));
        }

        await database.ExecuteAsync("DELETE FROM taskflow.work_items"); // the episodes those results woke
        await database.ExecuteAsync(OrchestrationsWithAnActivity("many-", 5_000));
        IReadOnlyList<WorkItemLease> batch = await work.Leases.LeaseNextAsync("worker-a", 250, CancellationToken.None, [WorkKinds.Activity], orchestrationWorkOnly: true);
        Assert.Equal(250, (await completions.CompleteActivitiesAsync([.. batch.Select(l => (l, (string?)"1"))], CancellationToken.None)).Count);

        IReadOnlyList<WorkItemLease> next = await work.Leases.LeaseNextAsync("worker-a", 250, CancellationToken.None, [WorkKinds.Activity], orchestrationWorkOnly: true);
        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            oneConnection, "%Records the results of many orchestration activities%", SqlText.Get("WorkItems/Sql/CompleteOrchestrationActivities.sql"),
            KeyedPlans.Generic,
            CompletionArguments(next, leaseTo: "'worker-a'"));

        Assert.True(generic > 0, "The results never ran on their generic plan.");
        Assert.Equal(0L, custom);
        Assert.Equal(3, plan.Split("Index Cond: (id = ANY ").Length - 1); // the work items given, their instances, the episodes' instances
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain("Nested Loop", plan);
        string[] instanceScans = [.. plan.Split('\n').Where(line => line.Contains("Index Scan using instances_pkey on instances"))];
        Assert.Equal(2, instanceScans.Length); // the results' instances, and the episodes' they woke
        Assert.All(instanceScans, line => Assert.Contains("rows=250 ", line));
    }

    /// <summary>Running orchestrations, each with one ready activity (what a step of a sequence leaves in the queue).</summary>
    private static string OrchestrationsWithAnActivity(string prefix, int count) => $$"""
        INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at)
        SELECT '{{prefix}}' || n, 'sequence', 'orchestration', 'running', 5, '{}', 'test', now(), now(), now()
        FROM generate_series(1, {{count}}) AS n;
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
        SELECT '{{prefix}}' || n, 1, 'activity', 1, 'square', 5, '{"maxAttempts":3}', 3, now() - interval '1 minute', now()
        FROM generate_series(1, {{count}}) AS n
        """;

    /// <summary>A queue on a fake clock, and completions through a pool of one connection, so every completion meets the
    /// same server session and its prepared statements; the queue emptied of the other tests' rows.</summary>
    private async Task<(QueueOnFakeClock Work, NpgsqlDataSource OneConnection, WorkItemQueue Completions)> CompletionsOnOneConnectionAsync()
    {
        var work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2030-01-01T00:00:00Z"), TimeSpan.FromMinutes(5));
        NpgsqlDataSource oneConnection = TaskFlowDataSource.Create(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString());
        var completions = new WorkItemQueue(
            oneConnection, work.Clock, new WorkReadyNotifier(oneConnection, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance));
        await database.ExecuteAsync("DELETE FROM taskflow.work_items");
        return (work, oneConnection, completions);
    }

    /// <summary>A completion's arguments for <paramref name="leases"/>, each with the output 1; the orchestrations' also
    /// name the host their episodes are leased to (<paramref name="leaseTo"/>).</summary>
    private static Dictionary<string, string> CompletionArguments(IReadOnlyList<WorkItemLease> leases, string leaseTo = "NULL") => new()
    {
        ["now"] = "NULL",
        ["work_item_ids"] = Array(leases.Select(l => Number(l.WorkItemId))),
        ["lease_tokens"] = Array(leases.Select(l => Number(l.LeaseToken))),
        ["outputs"] = Array(leases.Select(_ => "1")),
        ["workers"] = Array(leases.Select(_ => "worker-a")),
        ["lease_to"] = leaseTo,
        ["lease_duration"] = "'5 minutes'",
    };

    private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Array(IEnumerable<string> values) => $"'{{{string.Join(',', values)}}}'";
}
