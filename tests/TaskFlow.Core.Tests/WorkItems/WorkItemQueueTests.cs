using Npgsql;
using TaskFlow.Activities;
using TaskFlow.Database;
using TaskFlow.Dispatch;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Retries;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.WorkItems;

public sealed class WorkItemQueueTests : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly PostgresDatabase database;
    private readonly QueueOnFakeClock work;

    public WorkItemQueueTests(PostgresDatabase database)
    {
        this.database = database;
        this.work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2030-01-01T00:00:00Z"), Lease);
    }

    // Each test starts from an empty queue; the fake clock is far ahead of any earlier test's rows.
    public async Task InitializeAsync() => await this.database.ScalarAsync<long>(
        "WITH gone AS (DELETE FROM taskflow.work_items RETURNING 1) SELECT count(*) FROM gone");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task LeaseNextAsync_WithMixedPriorities_LeasesHighestPriorityFirstThenOldest()
    {
        TaskRecord low = await this.SubmitAsync(TestTasks.Submission(priority: 1));
        TaskRecord firstHigh = await this.SubmitAsync(TestTasks.Submission(priority: 9));
        this.work.Time.Advance(TimeSpan.FromSeconds(1));
        TaskRecord secondHigh = await this.SubmitAsync(TestTasks.Submission(priority: 9));

        var order = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            order.Add(Assert.Single(await this.work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None)).InstanceId);
        }

        Assert.Equal([firstHigh.Id, secondHigh.Id, low.Id], order);
    }

    [Fact]
    public async Task LeaseNextAsync_LeavesThePooledSessionsPlannerSettingsAsTheyWere()
    {
        // One connection, not reset when it goes back to the pool: the lease and the check below meet the same
        // server session, and only the lease's own care keeps its setting out of it.
        await using NpgsqlDataSource single = TaskFlowDataSource.Create(
            new NpgsqlConnectionStringBuilder(this.database.ConnectionString) { MaxPoolSize = 1, NoResetOnClose = true }.ToString());
        WorkItemLeases leases = this.work.LeasesOn(single);
        TaskRecord task = await this.SubmitAsync(TestTasks.Submission());

        Assert.Equal(task.Id, Assert.Single(await leases.LeaseNextAsync("worker-a", 10, CancellationToken.None)).InstanceId);

        await using NpgsqlCommand show = single.CreateCommand(
            "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('enable_bitmapscan', 'enable_hashjoin', 'enable_mergejoin', 'enable_seqscan')");
        Assert.Equal("enable_bitmapscan=on enable_hashjoin=on enable_mergejoin=on enable_seqscan=on", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task LeaseNextAsync_WithDelay_DoesNotLeaseBeforeItsTime()
    {
        TaskRecord delayed = await this.SubmitAsync(TestTasks.Submission(delay: TimeSpan.FromMinutes(10)));
        Assert.Equal(TaskStatuses.Scheduled, delayed.Status);

        this.work.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await this.work.Leases.LeaseNextAsync("worker-a", 10, CancellationToken.None));
        Assert.Equal(TaskStatuses.Scheduled, (await this.work.Client.GetTaskAsync(delayed.Id))!.Status);

        this.work.Time.Advance(TimeSpan.FromMilliseconds(1));
        WorkItemLease lease = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-a", 10, CancellationToken.None));
        Assert.Equal(delayed.Id, lease.InstanceId);
        Assert.Equal(TaskStatuses.Running, (await this.work.Client.GetTaskAsync(delayed.Id))!.Status);
    }

    [Fact]
    public async Task CompleteActivitiesAsync_WhenLeaseExpiredAndWasHandedOn_CannotCommit()
    {
        var retry = new RetryPolicy { MaxAttempts = 3, InitialInterval = TimeSpan.FromSeconds(5), Jitter = 0 };
        TaskRecord task = await this.SubmitAsync(TestTasks.Submission(retry: retry));
        WorkItemLease stalled = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));

        // worker-a stops renewing; past expiry the rescuer counts the attempt as failed and requeues it.
        this.work.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        WorkItemLease expired = Assert.Single(await this.work.Leases.FindExpiredAsync(10, CancellationToken.None));
        var lost = new FailureDetails("TaskFlow.LeaseExpired", "worker-a stopped renewing");
        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(expired, lost, "rescuer", onlyIfExpired: true, random: 0, CancellationToken.None));

        this.work.Time.Advance(retry.InitialInterval);
        WorkItemLease current = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-b", 1, CancellationToken.None));
        Assert.Equal(2, current.Attempt);

        Assert.False(await this.CompleteAsync(stalled, "\"from the stalled worker\""));
        Assert.False(await this.work.Queue.RecordFailedAttemptAsync(stalled, lost, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));
        Assert.True(await this.CompleteAsync(current, "\"from the current worker\""));

        TaskRecord finished = (await this.work.Client.GetTaskAsync(task.Id))!;
        Assert.Equal(TaskStatuses.Succeeded, finished.Status);
        Assert.Equal("\"from the current worker\"", finished.OutputJson);
        IReadOnlyList<HistoryEventRecord> history = await this.work.Client.GetHistoryAsync(task.Id);
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "TaskFailed", "TaskRetryScheduled", "TaskCompleted", "ExecutionCompleted"],
            history.Select(e => e.EventType));
        Assert.Equal("rescuer", history.Single(e => e.EventType == "TaskFailed").Actor);
    }

    /// <summary>A completion batch that PostgreSQL aborts to break a deadlock is written again: given up, its tasks waited
    /// for their leases to expire and lost the attempt (the soak's 30 s stalls).</summary>
    [Fact]
    public async Task CompleteActivitiesAsync_ChosenAsADeadlockVictim_WritesTheBatchAgain()
    {
        TaskRecord[] tasks = [await this.SubmitAsync(TestTasks.Submission()), await this.SubmitAsync(TestTasks.Submission())];
        List<WorkItemLease> leased = [.. (await this.work.Leases.LeaseNextAsync("worker-a", 2, CancellationToken.None)).OrderBy(l => l.WorkItemId)];
        (WorkItemLease first, WorkItemLease second) = (leased[0], leased[1]);

        // Another transaction holds the second row, and asks for the first once the batch holds that and waits for the
        // second: a cycle, which the batch's session finds first (its deadlock_timeout is the default second) and breaks
        // by aborting the batch.
        await using NpgsqlConnection other = await this.database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction holding = await other.BeginTransactionAsync();
        await ExecuteAsync(other, holding, "SET LOCAL deadlock_timeout = '1min'");
        await ExecuteAsync(other, holding, $"SELECT 1 FROM taskflow.work_items WHERE id = {second.WorkItemId} FOR UPDATE");
        Task<IReadOnlySet<long>> completing = this.work.Queue.CompleteActivitiesAsync([(first, "1"), (second, "2")], CancellationToken.None);
        await this.WaitUntilAsync("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '-- Records the success%'");
        await ExecuteAsync(other, holding, $"SELECT 1 FROM taskflow.work_items WHERE id = {first.WorkItemId} FOR UPDATE"); // granted once the batch is aborted
        await holding.RollbackAsync();

        Assert.Equal(new[] { first.WorkItemId, second.WorkItemId }, (await completing.WaitAsync(TimeSpan.FromSeconds(30))).Order());
        foreach (TaskRecord task in tasks)
        {
            TaskRecord finished = (await this.work.Client.GetTaskAsync(task.Id))!;
            Assert.Equal((TaskStatuses.Succeeded, 1), (finished.Status, finished.Attempt));
        }
    }

    [Fact]
    public async Task RecordFailedAttemptAsync_ByRescuerAfterTheHolderRenewed_LeavesTheLeaseAlone()
    {
        await this.SubmitAsync(TestTasks.Submission());
        WorkItemLease lease = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));
        this.work.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        WorkItemLease seenExpired = Assert.Single(await this.work.Leases.FindExpiredAsync(10, CancellationToken.None));

        // The holder renews between the rescuer's read and its write.
        Assert.Contains(lease.LeaseToken, await this.work.Leases.RenewAsync([lease], CancellationToken.None));

        var lost = new FailureDetails("TaskFlow.LeaseExpired", "looked expired");
        Assert.False(await this.work.Queue.RecordFailedAttemptAsync(seenExpired, lost, "rescuer", onlyIfExpired: true, random: 0, CancellationToken.None));
        Assert.True(await this.CompleteAsync(lease, "1"));
    }

    [Fact]
    public async Task RecordFailedAttemptAsync_OnTheLastAttempt_FailsTheTaskIntoDeadLetter()
    {
        TaskRecord task = await this.SubmitAsync(TestTasks.Submission(retry: new RetryPolicy { MaxAttempts = 1 }));
        WorkItemLease lease = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));

        var failure = new FailureDetails("System.InvalidOperationException", "boom");
        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(lease, failure, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));

        Assert.Equal(TaskStatuses.Failed, (await this.work.Client.GetTaskAsync(task.Id))!.Status);
        Assert.Equal(
            [task.Id.ToString()],
            await this.database.ColumnAsync("SELECT instance_id FROM taskflow.dead_letter WHERE instance_id = @id", ("id", task.Id)));
        Assert.Equal(0L, await this.database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id", ("id", task.Id)));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private async Task WaitUntilAsync(string countSql)
    {
        for (int i = 0; await this.database.ScalarAsync<long>(countSql) == 0; i++)
        {
            Assert.True(i < 200, $"Still 0 after 10 s: {countSql}");
            await Task.Delay(50);
        }
    }

    private async Task<bool> CompleteAsync(WorkItemLease lease, string outputJson) =>
        (await this.work.Queue.CompleteActivitiesAsync([(lease, outputJson)], CancellationToken.None)).Contains(lease.WorkItemId);

    private async Task<TaskRecord> SubmitAsync(TaskSubmission submission) =>
        (await this.work.Client.ScheduleNewTaskAsync(submission, "test")).Task;

}
