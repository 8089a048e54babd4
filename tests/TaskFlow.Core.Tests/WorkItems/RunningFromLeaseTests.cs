using TaskFlow.Activities;
using TaskFlow.Instances;
using TaskFlow.Retries;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.WorkItems;

/// <summary>A plain task's lease writes its work item alone (migration 0024): the task reads as running, on the leased
/// attempt, from the lease's start, everywhere a status is read, and its outcome writes the attempt and the start into
/// the row as the lease used to.</summary>
public sealed class RunningFromLeaseTests : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2030-01-01T00:00:00Z");
    private readonly PostgresDatabase database;
    private readonly QueueOnFakeClock work;

    public RunningFromLeaseTests(PostgresDatabase database)
    {
        this.database = database;
        this.work = new QueueOnFakeClock(database.DataSource, Start, TimeSpan.FromSeconds(30));
    }

    // Each test leases from an empty queue, so the one lease it takes is its own task's.
    public Task InitializeAsync() => this.database.ExecuteAsync("DELETE FROM taskflow.work_items");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Lease_LeavesTheInstanceRowUnwritten_AndEveryReadShowsTheTaskRunning()
    {
        string type = "running-" + Guid.NewGuid().ToString("N");
        TaskRecord task = await this.SubmitAsync(TestTasks.Submission(type: type));
        string rowVersion = await this.RowVersionAsync(task.Id);
        IReadOnlyDictionary<string, long> countsBefore = await this.work.Client.CountTasksAsync();

        this.work.Time.Advance(TimeSpan.FromSeconds(2));
        WorkItemLease lease = await this.LeaseAsync(task.Id);

        Assert.Equal(rowVersion, await this.RowVersionAsync(task.Id));
        Assert.Equal("pending", await this.database.ScalarAsync<string>("SELECT status FROM taskflow.instances WHERE id = @id", ("id", task.Id)));
        TaskRecord running = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal((TaskStatuses.Running, 1, lease.LeasedAt, lease.LeasedAt), (running.Status, running.Attempt, running.StartedAt, running.UpdatedAt));
        Assert.Equal([task.Id], await this.ListAsync(type, TaskStatuses.Running));
        Assert.Empty(await this.ListAsync(type, TaskStatuses.Pending));
        IReadOnlyDictionary<string, long> countsAfter = await this.work.Client.CountTasksAsync();
        Assert.Equal(countsBefore[TaskStatuses.Running] + 1, countsAfter[TaskStatuses.Running]);
        Assert.Equal(countsBefore[TaskStatuses.Pending] - 1, countsAfter[TaskStatuses.Pending]);

        this.work.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Contains(lease.WorkItemId, await this.work.Queue.CompleteActivitiesAsync([(lease, "\"done\"")], CancellationToken.None));

        TaskRecord succeeded = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal((TaskStatuses.Succeeded, 1, lease.LeasedAt), (succeeded.Status, succeeded.Attempt, succeeded.StartedAt));
        Assert.Equal(Start.AddSeconds(5), succeeded.CompletedAt);
        Assert.Equal([task.Id], await this.ListAsync(type, TaskStatuses.Succeeded));
        Assert.Empty(await this.ListAsync(type, TaskStatuses.Running));
    }

    [Fact]
    public async Task RetriedTask_KeepsItsFirstStart_ShowsEachAttemptWhileLeased_AndEndsOnTheLast()
    {
        string type = "retried-" + Guid.NewGuid().ToString("N");
        var retry = new RetryPolicy { MaxAttempts = 2, InitialInterval = TimeSpan.FromSeconds(5), Jitter = 0 };
        TaskRecord task = await this.SubmitAsync(TestTasks.Submission(type: type, retry: retry));
        var failure = new FailureDetails("System.InvalidOperationException", "boom");

        WorkItemLease first = await this.LeaseAsync(task.Id);
        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(first, failure, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));
        TaskRecord waiting = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal((TaskStatuses.Scheduled, 1, first.LeasedAt), (waiting.Status, waiting.Attempt, waiting.StartedAt));

        this.work.Time.Advance(retry.InitialInterval);
        WorkItemLease second = await this.LeaseAsync(task.Id);
        TaskRecord running = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal((TaskStatuses.Running, 2, first.LeasedAt), (running.Status, running.Attempt, running.StartedAt));

        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(second, failure, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));
        TaskRecord failed = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal((TaskStatuses.Failed, 2, first.LeasedAt), (failed.Status, failed.Attempt, failed.StartedAt));
    }

    [Fact]
    public async Task ReleasedLease_ShowsTheTaskPendingAgain_WithTheAttemptNotCounted()
    {
        string type = "released-" + Guid.NewGuid().ToString("N");
        TaskRecord task = await this.SubmitAsync(TestTasks.Submission(type: type));
        WorkItemLease lease = await this.LeaseAsync(task.Id);

        Assert.True(await this.work.Leases.ReleaseAsync(lease, CancellationToken.None));

        TaskRecord released = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal((TaskStatuses.Pending, 0, (DateTimeOffset?)null), (released.Status, released.Attempt, released.StartedAt));
        Assert.Equal([task.Id], await this.ListAsync(type, TaskStatuses.Pending));
    }

    // The row's version: PostgreSQL gives every written version of a row a new xmin.
    private Task<string> RowVersionAsync(string id) =>
        this.database.ScalarAsync<string>("SELECT xmin::text FROM taskflow.instances WHERE id = @id", ("id", id));

    private async Task<WorkItemLease> LeaseAsync(string id)
    {
        WorkItemLease lease = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));
        Assert.Equal(id, lease.InstanceId);
        return lease;
    }

    private async Task<IReadOnlyList<string>> ListAsync(string type, string status) =>
        (await this.work.Client.ListTasksAsync(new TaskQuery(Status: status, Type: type))).Select(task => task.Id).ToList();

    private async Task<TaskRecord> SubmitAsync(TaskSubmission submission) =>
        (await this.work.Client.ScheduleNewTaskAsync(submission, "test")).Task;
}
