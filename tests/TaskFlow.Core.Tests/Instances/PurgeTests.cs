using TaskFlow.Instances;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Instances;

public sealed class PurgeTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>Retention walks the tasks created before its cutoff, oldest first, a batch at a time from where the last
    /// batch stopped, and deletes those finished before the cutoff, whatever their finished status: not one created before
    /// it and finished after it, nor one still waiting, which it walks past.</summary>
    [Fact]
    public async Task PurgeFinishedAsync_DeletesOnlyTasksFinishedBeforeTheCutoff_InBatches()
    {
        var work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2031-01-01T00:00:00Z"), TimeSpan.FromMinutes(5));
        FakeTimeProvider time = work.Time;
        TaskFlowClient client = work.Client;
        var old = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            old.Add(await this.SubmitAndCancelAsync(client));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        old.Add(await SubmitAndSucceedAsync(work));
        time.Advance(TimeSpan.FromMilliseconds(1));

        string acrossTheCutoff = (await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task.Id;
        time.Advance(TimeSpan.FromMilliseconds(1));
        string stillWaiting = (await client.ScheduleNewTaskAsync(TestTasks.Submission(delay: TimeSpan.FromDays(30)), "test")).Task.Id;
        time.Advance(TimeSpan.FromDays(10));
        Assert.True(await client.TerminateTaskAsync(acrossTheCutoff, "test", "done")); // created before the cutoff, finished after it
        string recent = await this.SubmitAndCancelAsync(client);
        string unfinished = (await client.ScheduleNewTaskAsync(TestTasks.Submission(delay: TimeSpan.FromDays(1)), "test")).Task.Id;
        DateTimeOffset cutoff = time.GetUtcNow() - TimeSpan.FromDays(5);

        // Seven tasks were created before the cutoff: the five old ones (four cancelled, one succeeded), the one cancelled
        // after it, and the one still waiting; the third batch walks only the last, and the fourth finds nothing left.
        var purged = new List<long>();
        RetentionCursor? walkedTo = null;
        do
        {
            RetentionBatch batch = await client.PurgeFinishedAsync(cutoff, batchSize: 3, walkedTo, CancellationToken.None);
            purged.Add(batch.Purged);
            walkedTo = batch.WalkedTo;
        }
        while (walkedTo is not null && purged.Count < 10);

        Assert.Equal([3L, 2L, 0L, 0L], purged);
        foreach (string id in old)
        {
            Assert.Null(await client.GetTaskAsync(id));
            Assert.Empty(await client.GetHistoryAsync(id));
        }

        Assert.NotNull(await client.GetTaskAsync(acrossTheCutoff));
        Assert.NotNull(await client.GetTaskAsync(stillWaiting));
        Assert.NotNull(await client.GetTaskAsync(recent));
        Assert.NotNull(await client.GetTaskAsync(unfinished));
        Assert.False(await client.PurgeTaskAsync(unfinished));
        Assert.True(await client.PurgeTaskAsync(recent));
    }

    private static async Task<string> SubmitAndSucceedAsync(QueueOnFakeClock work)
    {
        string id = (await work.Client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task.Id;
        WorkItemLease lease = Assert.Single(await work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));
        Assert.Equal(id, lease.InstanceId);
        Assert.Single(await work.Queue.CompleteActivitiesAsync([(lease, "\"done\"")], CancellationToken.None));
        return id;
    }

    private async Task<string> SubmitAndCancelAsync(TaskFlowClient client)
    {
        string id = (await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task.Id;
        Assert.True(await client.TerminateTaskAsync(id, "test", "done"));
        return id;
    }
}
