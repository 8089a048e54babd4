using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

public sealed class PurgeTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task PurgeFinishedAsync_DeletesOnlyTasksFinishedBeforeTheCutoff_InBatches()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2031-01-01T00:00:00Z"));
        var client = new TaskFlowClient(database.DataSource, new SqlClock(time));
        var old = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            old.Add(await this.SubmitAndCancelAsync(client));
        }

        string acrossTheCutoff = (await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task.Id;
        time.Advance(TimeSpan.FromDays(10));
        Assert.True(await client.TerminateTaskAsync(acrossTheCutoff, "test", "done")); // created before the cutoff, finished after it
        string recent = await this.SubmitAndCancelAsync(client);
        string unfinished = (await client.ScheduleNewTaskAsync(TestTasks.Submission(delay: TimeSpan.FromDays(1)), "test")).Task.Id;
        DateTimeOffset cutoff = time.GetUtcNow() - TimeSpan.FromDays(5);

        Assert.Equal(3L, await client.PurgeFinishedAsync(cutoff, batchSize: 3, CancellationToken.None));
        Assert.Equal(2L, await client.PurgeFinishedAsync(cutoff, batchSize: 3, CancellationToken.None));
        Assert.Equal(0L, await client.PurgeFinishedAsync(cutoff, batchSize: 3, CancellationToken.None));

        foreach (string id in old)
        {
            Assert.Null(await client.GetTaskAsync(id));
            Assert.Empty(await client.GetHistoryAsync(id));
        }

        Assert.NotNull(await client.GetTaskAsync(recent));
        Assert.NotNull(await client.GetTaskAsync(acrossTheCutoff));
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
