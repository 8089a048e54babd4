using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskFlow.Activities;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Notifications;
using TaskFlow.Retries;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.WorkItems;

/// <summary>A plain task's success is stored in its instance row (migration 0020), and the audit trail reads exactly as
/// when the completion wrote TaskCompleted and ExecutionCompleted as history rows: same sequences, attempt, time, actor
/// and payload, built here the way the old statement built them.</summary>
public sealed class SuccessInRowTests : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly PostgresDatabase database;
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2031-03-04T05:06:07.123456Z"));
    private readonly WorkItemQueue queue;
    private readonly WorkItemLeases leases;
    private readonly TaskFlowClient client;

    public SuccessInRowTests(PostgresDatabase database)
    {
        this.database = database;
        var clock = new SqlClock(this.time);
        this.queue = new WorkItemQueue(database.DataSource, clock, new WorkReadyNotifier(database.DataSource, NullLogger<WorkReadyNotifier>.Instance));
        this.leases = new WorkItemLeases(database.DataSource, clock, Options.Create(new LeaseOptions { Duration = Lease }));
        this.client = new TaskFlowClient(database.DataSource, clock);
    }

    [Fact]
    public async Task Success_OnTheSecondAttempt_ReadsAsTheTwoEventsTheCompletionUsedToWrite()
    {
        var retry = new RetryPolicy { MaxAttempts = 3, InitialInterval = TimeSpan.FromSeconds(5), Jitter = 0 };
        TaskRecord task = (await this.client.ScheduleNewTaskAsync(TestTasks.Submission(retry: retry), "test")).Task;
        WorkItemLease first = await this.LeaseAsync(task.Id, "worker-a");
        Assert.True(await this.queue.RecordFailedAttemptAsync(
            first, new FailureDetails("System.TimeoutException", "slow"), "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));

        this.time.Advance(retry.InitialInterval);
        WorkItemLease second = await this.LeaseAsync(task.Id, "worker-b");
        this.time.Advance(TimeSpan.FromMilliseconds(1500));
        DateTimeOffset completedAt = this.time.GetUtcNow();
        Assert.Contains(second.WorkItemId, await this.queue.CompleteActivitiesAsync([(second, """{"total":42}""")], CancellationToken.None));

        IReadOnlyList<HistoryEventRecord> history = await this.client.GetHistoryAsync(task.Id);
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "TaskFailed", "TaskRetryScheduled", "TaskCompleted", "ExecutionCompleted"],
            history.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, 7), history.Select(e => e.Sequence));
        HistoryEventRecord completed = history[5], ended = history[6];
        Assert.Equal((1, 1, 2, completedAt, "worker-b"), (completed.Execution, completed.TaskId, completed.Attempt, completed.Timestamp, completed.Actor));
        Assert.Equal((1, (int?)null, (int?)null, completedAt, "worker-b"), (ended.Execution, ended.TaskId, ended.Attempt, ended.Timestamp, ended.Actor));
        Assert.True(await this.database.ScalarAsync<bool>(
            "SELECT @payload::jsonb = jsonb_build_object('result', '{\"total\":42}'::jsonb, 'startedAt', @started_at::timestamptz, 'worker', 'worker-b')",
            ("payload", completed.PayloadJson!), ("started_at", second.LeasedAt)), completed.PayloadJson);
        Assert.True(await this.database.ScalarAsync<bool>(
            "SELECT @payload::jsonb = jsonb_build_object('orchestrationStatus', 'Completed', 'output', '{\"total\":42}'::jsonb)",
            ("payload", ended.PayloadJson!)), ended.PayloadJson);

        // The two are not stored: the history table holds the five events before them.
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "TaskFailed", "TaskRetryScheduled"],
            await this.database.ColumnAsync("SELECT event_type FROM taskflow.history WHERE instance_id = @id ORDER BY sequence", ("id", task.Id)));
    }

    [Fact]
    public async Task History_PagedAfterTheStoredEvents_StartsWithTheDerivedOnes()
    {
        TaskRecord task = (await this.client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task;
        WorkItemLease lease = await this.LeaseAsync(task.Id, "worker-a");
        Assert.Contains(lease.WorkItemId, await this.queue.CompleteActivitiesAsync([(lease, "7")], CancellationToken.None));

        Assert.Equal(["TaskCompleted"], (await this.client.GetHistoryAsync(task.Id, afterSequence: 3, limit: 1)).Select(e => e.EventType));
        Assert.Equal(["ExecutionCompleted"], (await this.client.GetHistoryAsync(task.Id, afterSequence: 4)).Select(e => e.EventType));
    }

    /// <summary>Leases this test's own task (other tests' tasks may be ready in the shared database).</summary>
    private async Task<WorkItemLease> LeaseAsync(string taskId, string worker)
    {
        long workItemId = await this.database.ScalarAsync<long>("SELECT id FROM taskflow.work_items WHERE instance_id = @id", ("id", taskId));
        return Assert.Single(await this.leases.LeaseByIdsAsync(worker, [workItemId], CancellationToken.None));
    }
}
