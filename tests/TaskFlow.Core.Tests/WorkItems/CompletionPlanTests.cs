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
        var work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2030-01-01T00:00:00Z"), TimeSpan.FromMinutes(5));
        // One connection, so every completion meets the same server session and its prepared statements.
        await using NpgsqlDataSource oneConnection = TaskFlowDataSource.Create(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString());
        var completions = new WorkItemQueue(
            oneConnection, work.Clock, new WorkReadyNotifier(oneConnection, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance));
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
            new Dictionary<string, string>
            {
                ["now"] = "NULL",
                ["work_item_ids"] = Array(next.Select(l => l.WorkItemId.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                ["lease_tokens"] = Array(next.Select(l => l.LeaseToken.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                ["outputs"] = Array(next.Select(_ => "1")),
                ["workers"] = Array(next.Select(_ => "worker-a")),
            });

        Assert.True(generic > 0, "The completion never ran on its generic plan.");
        Assert.Equal(0L, custom);
        Assert.Equal(2, plan.Split("Index Cond: (id = ANY ").Length - 1); // the work items given, and their instances
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain("Nested Loop", plan);
        Assert.Contains("rows=250 ", plan.Split('\n').Single(line => line.Contains("Index Scan using instances_pkey on instances"))); // those, no more
    }

    private static string Array(IEnumerable<string> values) => $"'{{{string.Join(',', values)}}}'";
}
