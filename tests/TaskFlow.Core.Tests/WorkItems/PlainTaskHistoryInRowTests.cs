using System.Text.Json;
using System.Xml;
using TaskFlow.Activities;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Leases;
using TaskFlow.Retries;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.WorkItems;

/// <summary>A plain task's submission and success are stored in its instance row (migrations 0020, 0021), and the audit
/// trail reads exactly as when the submit and the completion wrote their events as history rows: same sequences,
/// attempt, time, actor and payload, built here the way the old statements built them.</summary>
public sealed class PlainTaskHistoryInRowTests : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly PostgresDatabase database;
    private readonly QueueOnFakeClock work;

    public PlainTaskHistoryInRowTests(PostgresDatabase database)
    {
        this.database = database;
        this.work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2031-03-04T05:06:07.123456Z"), Lease);
    }

    [Fact]
    public async Task Success_OnTheSecondAttempt_ReadsAsTheTwoEventsTheCompletionUsedToWrite()
    {
        var retry = new RetryPolicy { MaxAttempts = 3, InitialInterval = TimeSpan.FromSeconds(5), Jitter = 0 };
        TaskRecord task = (await this.work.Client.ScheduleNewTaskAsync(TestTasks.Submission(retry: retry), "test")).Task;
        WorkItemLease first = await this.LeaseAsync(task.Id, "worker-a");
        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(
            first, new FailureDetails("System.TimeoutException", "slow"), "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));

        this.work.Time.Advance(retry.InitialInterval);
        WorkItemLease second = await this.LeaseAsync(task.Id, "worker-b");
        this.work.Time.Advance(TimeSpan.FromMilliseconds(1500));
        DateTimeOffset completedAt = this.work.Time.GetUtcNow();
        Assert.Contains(second.WorkItemId, await this.work.Queue.CompleteActivitiesAsync([(second, """{"total":42}""")], CancellationToken.None));

        IReadOnlyList<HistoryEventRecord> history = await this.work.Client.GetHistoryAsync(task.Id);
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

        // Neither the submission's events nor the success's are stored: the history table holds the attempt that failed.
        Assert.Equal(
            ["TaskFailed", "TaskRetryScheduled"],
            await this.database.ColumnAsync("SELECT event_type FROM taskflow.history WHERE instance_id = @id ORDER BY sequence", ("id", task.Id)));
    }

    [Fact]
    public async Task Submission_ReadsAsTheThreeEventsTheSubmitUsedToWrite()
    {
        var retry = new RetryPolicy { MaxAttempts = 4, InitialInterval = TimeSpan.FromSeconds(2), Jitter = 0.5 };
        TimeSpan timeout = TimeSpan.FromSeconds(90.25);
        DateTimeOffset runAt = this.work.Time.GetUtcNow().AddMinutes(10);
        TaskSubmission submission = TestTasks.Submission(inputJson: """{"order":17,"lines":[1,2]}""", priority: 7, retry: retry, timeout: timeout, idempotencyKey: "order-17") with
        {
            RunAt = runAt,
            Tags = new Dictionary<string, string> { ["tenant"] = "acme" },
        };
        TaskRecord task = (await this.work.Client.ScheduleNewTaskAsync(submission, "key_abc")).Task;

        IReadOnlyList<HistoryEventRecord> history = await this.work.Client.GetHistoryAsync(task.Id);
        Assert.Equal(["Submitted", "ExecutionStarted", "TaskScheduled"], history.Select(e => e.EventType));
        Assert.Equal([1, 2, 3], history.Select(e => e.Sequence));
        Assert.All(history, e => Assert.Equal((1, (int?)null, task.CreatedAt, "key_abc"), (e.Execution, e.Attempt, e.Timestamp, e.Actor)));
        Assert.Equal([null, null, 1], history.Select(e => e.TaskId));
        string retryJson = JsonSerializer.Serialize(retry, TaskFlowJson.Options);
        Assert.True(await this.database.ScalarAsync<bool>(
            """
            SELECT @submitted::jsonb = jsonb_build_object('runAt', @run_at::timestamptz, 'idempotencyKey', 'order-17', 'tags', '{"tenant":"acme"}'::jsonb)
               AND @started::jsonb = jsonb_build_object('name', 'echo', 'input', '{"order":17,"lines":[1,2]}'::jsonb, 'priority', 7::smallint)
               AND @scheduled::jsonb = jsonb_build_object('name', 'echo', 'retry', @retry::jsonb, 'timeout', @timeout_iso::text)
            """,
            ("submitted", history[0].PayloadJson!), ("started", history[1].PayloadJson!), ("scheduled", history[2].PayloadJson!),
            ("run_at", runAt), ("retry", retryJson), ("timeout_iso", XmlConvert.ToString(timeout))),
            string.Join("\n", history.Select(e => e.PayloadJson)));
        Assert.Equal(0L, await this.database.ScalarAsync<long>("SELECT count(*) FROM taskflow.history WHERE instance_id = @id", ("id", task.Id)));
    }

    /// <summary>TaskScheduled's time-out was written by .NET's XmlConvert; the view writes it from the stored interval.</summary>
    [Theory]
    [InlineData(1L)]
    [InlineData(250L)]
    [InlineData(1_000L)]
    [InlineData(30_000L)]
    [InlineData(60_000L)]
    [InlineData(90_500L)]
    [InlineData(3_600_000L)]
    [InlineData(3_661_001L)]
    [InlineData(86_400_000L)]
    [InlineData(90_061_000L)]
    [InlineData(604_800_000L)]
    public async Task IsoDuration_WritesWhatXmlConvertWrote(long milliseconds)
    {
        TimeSpan duration = TimeSpan.FromMilliseconds(milliseconds) + TimeSpan.FromTicks(milliseconds % 7 * 10); // some microseconds too
        Assert.Equal(
            XmlConvert.ToString(duration),
            await this.database.ScalarAsync<string>("SELECT taskflow.iso_duration(@duration::interval)", ("duration", duration)));
    }

    [Fact]
    public async Task History_InPages_ReadsTheEventsInOrder()
    {
        TaskRecord task = (await this.work.Client.ScheduleNewTaskAsync(TestTasks.Submission(), "test")).Task;
        WorkItemLease lease = await this.LeaseAsync(task.Id, "worker-a");
        Assert.Contains(lease.WorkItemId, await this.work.Queue.CompleteActivitiesAsync([(lease, "7")], CancellationToken.None));

        Assert.Equal(["Submitted", "ExecutionStarted"], (await this.work.Client.GetHistoryAsync(task.Id, limit: 2)).Select(e => e.EventType));
        Assert.Equal(["TaskCompleted"], (await this.work.Client.GetHistoryAsync(task.Id, afterSequence: 3, limit: 1)).Select(e => e.EventType));
        Assert.Equal(["ExecutionCompleted"], (await this.work.Client.GetHistoryAsync(task.Id, afterSequence: 4)).Select(e => e.EventType));
    }

    /// <summary>Leases this test's own task (other tests' tasks may be ready in the shared database).</summary>
    private async Task<WorkItemLease> LeaseAsync(string taskId, string worker)
    {
        long workItemId = await this.database.ScalarAsync<long>("SELECT id FROM taskflow.work_items WHERE instance_id = @id", ("id", taskId));
        return Assert.Single(await this.work.Leases.LeaseByIdsAsync(worker, [workItemId], CancellationToken.None));
    }
}
