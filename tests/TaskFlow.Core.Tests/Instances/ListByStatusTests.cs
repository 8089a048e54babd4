using TaskFlow.Activities;
using TaskFlow.Instances;
using TaskFlow.Retries;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>The listing by status finds each task where migration 0029 keeps it: a plain task pending or scheduled
/// through its work item, a succeeded one by creation, every other status and every orchestration through
/// instances_by_listed_status. Whatever the route, a status's listing is exactly the tasks that read as that status,
/// newest first, page by page.</summary>
public sealed class ListByStatusTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2030-01-01T00:00:00Z");

    [Fact]
    public async Task ListByStatus_IsEveryTaskThatReadsAsThatStatus_NewestFirst_PageByPage()
    {
        var work = new QueueOnFakeClock(database.DataSource, Start, TimeSpan.FromMinutes(5));
        var failure = new FailureDetails("System.InvalidOperationException", "boom");
        var once = new RetryPolicy { MaxAttempts = 1 };
        var twice = new RetryPolicy { MaxAttempts = 2, InitialInterval = TimeSpan.FromMinutes(10), Jitter = 0 };

        // Plain tasks, one a second, leased and ended one at a time (each lease takes the oldest ready one).
        string succeeded = await SubmitAsync(work, TestTasks.Submission());
        await work.Queue.CompleteActivitiesAsync([(await LeaseAsync(work, succeeded), "\"done\"")], CancellationToken.None);
        string failed = await SubmitAsync(work, TestTasks.Submission(retry: once));
        Assert.True(await work.Queue.RecordFailedAttemptAsync(await LeaseAsync(work, failed), failure, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));
        string retrying = await SubmitAsync(work, TestTasks.Submission(retry: twice));
        Assert.True(await work.Queue.RecordFailedAttemptAsync(await LeaseAsync(work, retrying), failure, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));
        string restarted = await SubmitAsync(work, TestTasks.Submission(retry: once));
        Assert.True(await work.Queue.RecordFailedAttemptAsync(await LeaseAsync(work, restarted), failure, "worker-a", onlyIfExpired: false, random: 0, CancellationToken.None));
        Assert.True(await work.Client.RestartTaskAsync(restarted, "test"));
        string running = await SubmitAsync(work, TestTasks.Submission());
        await LeaseAsync(work, restarted); // the restart's work item is the oldest ready one; it is left to run
        await LeaseAsync(work, running);
        string cancelled = await SubmitAsync(work, TestTasks.Submission());
        Assert.True(await work.Client.TerminateTaskAsync(cancelled, "test", "not needed"));
        string scheduled = await SubmitAsync(work, TestTasks.Submission(delay: TimeSpan.FromHours(1)));
        string pending = await SubmitAsync(work, TestTasks.Submission());
        string pendingToo = await SubmitAsync(work, TestTasks.Submission());

        // Orchestrations in each stored status, written as the engine leaves them (their transitions are tested elsewhere).
        var orchestrations = new Dictionary<string, string>();
        foreach (string status in new[] { "pending", "scheduled", "running", "suspended", "succeeded", "failed" })
        {
            work.Time.Advance(TimeSpan.FromSeconds(1));
            string id = "orchestration-" + status;
            orchestrations[status] = id;
            await database.ScalarAsync<string>("""
                INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, created_by, created_at, run_at, updated_at, completed_at)
                VALUES (@id, 'sequence', 'orchestration', @stored, 5, '{"maxAttempts":10}', 'test', @now, @now, @now,
                        CASE WHEN @stored IN ('succeeded', 'failed') THEN @now END)
                RETURNING id
                """, ("id", id), ("stored", status == "scheduled" ? "pending" : status), ("now", work.Time.GetUtcNow()));
            if (status is "pending" or "scheduled")
            {
                await database.ScalarAsync<string>("""
                    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
                    VALUES (@id, 1, 'orchestration', 0, 'sequence', 5, '{"maxAttempts":10}', 10, @visible, @now)
                    RETURNING instance_id
                    """, ("id", id), ("visible", work.Time.GetUtcNow() + (status == "scheduled" ? TimeSpan.FromHours(1) : TimeSpan.Zero)), ("now", work.Time.GetUtcNow()));
            }
        }

        var expected = new Dictionary<string, string[]>
        {
            [TaskStatuses.Scheduled] = [orchestrations["scheduled"], scheduled, retrying],
            [TaskStatuses.Pending] = [orchestrations["pending"], pendingToo, pending],
            [TaskStatuses.Running] = [orchestrations["running"], running, restarted],
            [TaskStatuses.Suspended] = [orchestrations["suspended"]],
            [TaskStatuses.Succeeded] = [orchestrations["succeeded"], succeeded],
            [TaskStatuses.Failed] = [orchestrations["failed"], failed],
            [TaskStatuses.Cancelled] = [cancelled],
        };
        Assert.Equal(TaskStatuses.All.Order(), expected.Keys.Order());
        IReadOnlyList<TaskRecord> all = await work.Client.ListTasksAsync(new TaskQuery(Limit: 100));
        Assert.Equal(expected.Values.Sum(ids => ids.Length), all.Count);
        foreach ((string status, string[] ids) in expected)
        {
            // What the list shows for each is what a read of each task shows.
            Assert.Equal(ids.Order(), all.Where(task => task.Status == status).Select(task => task.Id).Order());
            Assert.Equal(ids, await ListPagesAsync(work.Client, new TaskQuery(Status: status, Limit: 1)));
            Assert.Equal(ids, await ListPagesAsync(work.Client, new TaskQuery(Status: status, Limit: 2)));
            Assert.Equal(ids.Length, (await work.Client.CountTasksAsync())[status]);
        }

        // The other filters hold on both walks: the pending plain tasks by creation time, the orchestration by type.
        Assert.Equal([pending], await ListPagesAsync(work.Client, new TaskQuery(Status: TaskStatuses.Pending, CreatedTo: (await work.Client.GetTaskAsync(pendingToo))!.CreatedAt)));
        Assert.Equal([orchestrations["pending"]], await ListPagesAsync(work.Client, new TaskQuery(Status: TaskStatuses.Pending, Type: "sequence")));
        Assert.Equal([pendingToo], await ListPagesAsync(work.Client, new TaskQuery(Status: TaskStatuses.Pending, IdPrefix: pendingToo)));
    }

    /// <summary>Every page of the query, read with its cursor until a page comes back short.</summary>
    private static async Task<List<string>> ListPagesAsync(TaskFlowClient client, TaskQuery query)
    {
        var ids = new List<string>();
        while (true)
        {
            IReadOnlyList<TaskRecord> page = await client.ListTasksAsync(query);
            ids.AddRange(page.Select(task => task.Id));
            if (page.Count < query.Limit)
            {
                return ids;
            }

            query = query with { After = new TaskCursor(page[^1].CreatedAt, page[^1].Id) };
        }
    }

    private static async Task<string> SubmitAsync(QueueOnFakeClock work, TaskSubmission submission)
    {
        work.Time.Advance(TimeSpan.FromSeconds(1));
        return (await work.Client.ScheduleNewTaskAsync(submission, "test")).Task.Id;
    }

    private static async Task<WorkItemLease> LeaseAsync(QueueOnFakeClock work, string id)
    {
        WorkItemLease lease = Assert.Single(await work.Leases.LeaseNextAsync("worker-a", 1, CancellationToken.None));
        Assert.Equal(id, lease.InstanceId);
        return lease;
    }
}
