using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

public sealed class PurgeTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>Retention walks the tasks in a finished status created before its cutoff, oldest first, a batch at a time
    /// from where the last batch stopped, and deletes those finished before the cutoff: not one created before it and
    /// finished after it, which it walks past, nor one still waiting, which is not in the walk.</summary>
    [Fact]
    public async Task PurgeFinishedAsync_DeletesOnlyTasksFinishedBeforeTheCutoff_InBatches()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2031-01-01T00:00:00Z"));
        var client = new TaskFlowClient(database.DataSource, new SqlClock(time));
        var old = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            old.Add(await this.SubmitAndCancelAsync(client));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        string acrossTheCutoff = (await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task.Id;
        time.Advance(TimeSpan.FromMilliseconds(1));
        string stillWaiting = (await client.ScheduleNewTaskAsync(TestTasks.Submission(delay: TimeSpan.FromDays(30)), "test")).Task.Id;
        time.Advance(TimeSpan.FromDays(10));
        Assert.True(await client.TerminateTaskAsync(acrossTheCutoff, "test", "done")); // created before the cutoff, finished after it
        string recent = await this.SubmitAndCancelAsync(client);
        string unfinished = (await client.ScheduleNewTaskAsync(TestTasks.Submission(delay: TimeSpan.FromDays(1)), "test")).Task.Id;
        DateTimeOffset cutoff = time.GetUtcNow() - TimeSpan.FromDays(5);

        // Six cancelled tasks were created before the cutoff: the five old ones, then the one cancelled after it.
        var purged = new List<long>();
        RetentionCursor? walkedTo = null;
        do
        {
            RetentionBatch batch = await client.PurgeFinishedAsync(TaskStatuses.Cancelled, cutoff, batchSize: 3, walkedTo, CancellationToken.None);
            purged.Add(batch.Purged);
            walkedTo = batch.WalkedTo;
        }
        while (walkedTo is not null && purged.Count < 10);

        Assert.Equal([3L, 2L, 0L], purged);
        Assert.Equal(0L, (await client.PurgeFinishedAsync(TaskStatuses.Succeeded, cutoff, 3, null, CancellationToken.None)).Purged);
        await Assert.ThrowsAsync<ArgumentException>(() => client.PurgeFinishedAsync(TaskStatuses.Pending, cutoff, 3, null, CancellationToken.None));
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

    private async Task<string> SubmitAndCancelAsync(TaskFlowClient client)
    {
        string id = (await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task.Id;
        Assert.True(await client.TerminateTaskAsync(id, "test", "done"));
        return id;
    }
}
