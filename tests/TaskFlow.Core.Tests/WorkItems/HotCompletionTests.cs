using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.WorkItems;

/// <summary>A plain task's success rewrites no index of its instance (migration 0029): the update is HOT, its new version
/// on its old one's page and reached through the index entries the submit wrote. While an index named the status, not one
/// success was.</summary>
public sealed class HotCompletionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int Tasks = 20;

    [Fact]
    public async Task Success_OfAPlainTask_IsAHotUpdateOfItsInstance()
    {
        var work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2030-01-01T00:00:00Z"), TimeSpan.FromMinutes(5));
        for (int i = 0; i < Tasks; i++)
        {
            await work.Client.ScheduleNewTaskAsync(TestTasks.Submission(), "test");
            WorkItemLease lease = Assert.Single(await work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));
            Assert.Single(await work.Queue.CompleteActivitiesAsync([(lease, "\"done\"")], CancellationToken.None));
        }

        // Each backend reports its counts to the statistics when it goes idle, at most once a second.
        string updates = await Eventually.WaitForAsync(
            () => database.ScalarAsync<string>("""
                SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = 'taskflow' AND relname = 'instances'
                """),
            counts => long.Parse(counts.Split(' ')[0]) >= Tasks, TimeSpan.FromSeconds(30), "the successes in the statistics");

        long[] counts = updates.Split(' ').Select(long.Parse).ToArray();
        Assert.Equal(Tasks, counts[0]);
        Assert.True(counts[1] >= Tasks * 3 / 4, $"{counts[1]} of {counts[0]} updates were HOT");
    }
}
