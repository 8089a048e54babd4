using TaskFlow.Activities;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Limits;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Limits;

/// <summary>Limits as the lease enforces them, on a real PostgreSQL with a fake clock: slots counted from leases held,
/// tokens from the bucket, keys taking turns, and limits set and removed while work waits.</summary>
public sealed class LimitedLeaseTests : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private readonly PostgresDatabase database;
    private readonly QueueOnFakeClock work;
    private readonly LimitStore limits;

    public LimitedLeaseTests(PostgresDatabase database)
    {
        this.database = database;
        this.work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2031-01-01T00:00:00Z"), TimeSpan.FromSeconds(30));
        this.limits = new LimitStore(database.DataSource, this.work.Clock);
    }

    // Each test starts from an empty queue and no limits.
    public async Task InitializeAsync() => await this.database.ScalarAsync<long>(
        "WITH w AS (DELETE FROM taskflow.work_items RETURNING 1), l AS (DELETE FROM taskflow.limits RETURNING 1), " +
        "b AS (DELETE FROM taskflow.limit_buckets RETURNING 1) SELECT (SELECT count(*) FROM w) + (SELECT count(*) FROM l) + (SELECT count(*) FROM b)");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task MaxConcurrent_LeasesNoMoreThanTheSlots_AndASlotFreesWhenItsWorkEndsOrItsLeaseIsRescued()
    {
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 2, null), "ops", CancellationToken.None);
        IReadOnlyList<TaskRecord> tasks = await this.SubmitAsync(5);

        IReadOnlyList<WorkItemLease> first = await this.LeaseAsync(10);
        Assert.Equal(2, first.Count);
        Assert.Empty(await this.LeaseAsync(10));

        // One finishes: one slot.
        Assert.Contains(first[0].WorkItemId, await this.work.Queue.CompleteActivitiesAsync([(first[0], "1")], CancellationToken.None));
        WorkItemLease second = Assert.Single(await this.LeaseAsync(10));

        // A worker dies holding the other: its slot frees when the rescuer takes its lease back, not before.
        this.work.Time.Advance(TimeSpan.FromSeconds(31));
        await this.work.Leases.RenewAsync([second], CancellationToken.None);
        Assert.Empty(await this.LeaseAsync(10));
        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(first[1], new FailureDetails("TaskFlow.LeaseExpired", "gone"), "rescuer", onlyIfExpired: true, random: 0, CancellationToken.None));
        Assert.Single(await this.LeaseAsync(10));

        // Work held back was never leased, so it used no attempt.
        Assert.Equal(0L, await this.database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items WHERE lease_token IS NULL AND attempt > 0 AND instance_id <> @rescued", ("rescued", first[1].InstanceId)));
        Assert.Equal(5, tasks.Count);
    }

    [Fact]
    public async Task Rate_StartsNoMoreThanTheBurst_ThenTheRate()
    {
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", null, new LimitRate(2, 3)), "ops", CancellationToken.None);
        await this.SubmitAsync(10);

        Assert.Equal(3, (await this.LeaseAsync(10)).Count);
        Assert.Empty(await this.LeaseAsync(10));
        this.work.Time.Advance(TimeSpan.FromMilliseconds(400)); // 0.8 tokens
        Assert.Empty(await this.LeaseAsync(10));
        this.work.Time.Advance(TimeSpan.FromMilliseconds(200)); // 1.2
        Assert.Single(await this.LeaseAsync(10));
        this.work.Time.Advance(TimeSpan.FromSeconds(1)); // 2.2
        Assert.Equal(2, (await this.LeaseAsync(10)).Count);

        // A long quiet spell refills to the burst, no further.
        this.work.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, (await this.LeaseAsync(10)).Count);
    }

    [Fact]
    public async Task HeldWork_KeepsItsPriorityOrder_AndUnlimitedWorkIsNotHeldBehindIt()
    {
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 1, null), "ops", CancellationToken.None);
        TaskRecord low = (await this.SubmitAsync(1, priority: 1))[0];
        TaskRecord high = (await this.SubmitAsync(1, priority: 9))[0];
        TaskRecord other = (await this.work.Client.ScheduleNewTaskAsync(TestTasks.Submission(type: "sleep", priority: 0), "test")).Task;

        IReadOnlyList<WorkItemLease> leased = await this.LeaseAsync(10);
        Assert.Equal(new[] { high.Id, other.Id }.Order(StringComparer.Ordinal), leased.Select(l => l.InstanceId).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(low.Id, leased.Select(l => l.InstanceId));
    }

    [Fact]
    public async Task ATagLimit_LimitsEachValueApart_AndValuesWithBacklogsTakeTurns()
    {
        await this.limits.SetAsync(new Limit(LimitScopes.Tag, "tenant", 100, null), "ops", CancellationToken.None);
        IReadOnlyList<TaskRecord> big = await this.SubmitAsync(6, tenant: "big");
        IReadOnlyList<TaskRecord> small = await this.SubmitAsync(6, tenant: "small");

        // The big tenant's tasks are older, but each tenant gets half of the batch.
        IReadOnlyList<WorkItemLease> leased = await this.LeaseAsync(4);
        Assert.Equal(2, leased.Count(l => big.Any(t => t.Id == l.InstanceId)));
        Assert.Equal(2, leased.Count(l => small.Any(t => t.Id == l.InstanceId)));
        Assert.Equal(
            ["tag:tenant=big", "tag:tenant=small"],
            await this.database.ColumnAsync("SELECT DISTINCT limit_key FROM taskflow.work_items ORDER BY 1"));

        // Each value has its own slots.
        await this.limits.SetAsync(new Limit(LimitScopes.Tag, "tenant", 3, null), "ops", CancellationToken.None);
        Assert.Equal(2, (await this.LeaseAsync(10)).Count); // one more each
    }

    [Fact]
    public async Task ALimitSetOrRemovedWhileWorkWaits_GovernsThatWorkFromTheNextLease_AndEveryChangeIsAudited()
    {
        await this.SubmitAsync(4);
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 1, null), "alice", CancellationToken.None);
        Assert.Single(await this.LeaseAsync(10));

        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 2, null), "bob", CancellationToken.None);
        Assert.Single(await this.LeaseAsync(10));

        Assert.True(await this.limits.RemoveAsync(LimitScopes.Activity, "echo", "carol", CancellationToken.None));
        Assert.Equal(2, (await this.LeaseAsync(10)).Count);
        Assert.False(await this.limits.RemoveAsync(LimitScopes.Activity, "echo", "carol", CancellationToken.None));

        IReadOnlyList<LimitChange> changes = await this.limits.ChangesAsync(null, 10, CancellationToken.None);
        Assert.Equal(["carol", "bob", "alice"], changes.Take(3).Select(c => c.Actor));
        Assert.Equal((2, (int?)null), (changes[0].Before!.MaxConcurrent!.Value, changes[0].After?.MaxConcurrent));
        Assert.Equal((1, 2), (changes[1].Before!.MaxConcurrent!.Value, changes[1].After!.MaxConcurrent!.Value));
        Assert.Null(changes[2].Before);

        // Setting the same again changes nothing, and records nothing.
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 2, null), "dave", CancellationToken.None);
        Assert.False(await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 2, null), "erin", CancellationToken.None));
        Assert.Equal("dave", (await this.limits.ChangesAsync(null, 1, CancellationToken.None))[0].Actor);
    }

    [Fact]
    public async Task AHeldTask_SaysSoInItsHistoryOnce()
    {
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 1, null), "ops", CancellationToken.None);
        IReadOnlyList<TaskRecord> tasks = await this.SubmitAsync(2);
        Assert.Single(await this.LeaseAsync(10));
        Assert.Empty(await this.LeaseAsync(10));
        Assert.Empty(await this.LeaseAsync(10));

        string held = await this.database.ScalarAsync<string>("SELECT instance_id FROM taskflow.work_items WHERE lease_token IS NULL");
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "WaitingForLimit"],
            await this.database.ColumnAsync("SELECT event_type FROM taskflow.task_history WHERE instance_id = @id ORDER BY sequence", ("id", held)));
        Assert.Equal(
            """{"limit": "activity:echo", "reason": "maxConcurrent"}""",
            await this.database.ScalarAsync<string>("SELECT payload::text FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'WaitingForLimit'", ("id", held)));
        Assert.Equal("pending", await this.database.ScalarAsync<string>("SELECT status FROM taskflow.instances WHERE id = @id", ("id", held)));
        Assert.Equal(2, tasks.Count);
    }

    [Fact]
    public async Task DeclaredLimits_ApplyAgainOnlyWhenTheDeclarationChanges()
    {
        var declared = new Limit(LimitScopes.Activity, "echo", 3, null);
        Assert.True(await this.limits.DeclareAsync(declared, CancellationToken.None));
        await this.limits.SetAsync(declared with { MaxConcurrent = 7 }, "ops", CancellationToken.None);

        // A restart with the same settings leaves the operator's change alone; new settings win.
        Assert.False(await this.limits.DeclareAsync(declared, CancellationToken.None));
        Assert.Equal(7, (await this.limits.ListAsync(CancellationToken.None)).Single().Limit.MaxConcurrent);
        Assert.True(await this.limits.DeclareAsync(declared with { MaxConcurrent = 4 }, CancellationToken.None));
        Assert.Equal(4, (await this.limits.ListAsync(CancellationToken.None)).Single().Limit.MaxConcurrent);
        Assert.Equal("settings", (await this.limits.ChangesAsync(null, 1, CancellationToken.None))[0].Actor);
    }

    [Fact]
    public async Task AnIdleWorker_SleepsUntilItsNextWork_AndWhileWorkIsHeld_LooksAgainShortly()
    {
        Assert.Null(await this.work.Queue.NextVisibleAtAsync(CancellationToken.None));
        await this.work.Client.ScheduleNewTaskAsync(TestTasks.Submission(type: "sleep", delay: TimeSpan.FromMinutes(5)), "test");
        Assert.Equal(this.work.Time.GetUtcNow() + TimeSpan.FromMinutes(5), await this.work.Queue.NextVisibleAtAsync(CancellationToken.None));

        // A limit defined, its work held: a recheck shortly, not the poll interval.
        await this.limits.SetAsync(new Limit(LimitScopes.Activity, "echo", 1, null), "ops", CancellationToken.None);
        await this.SubmitAsync(2);
        Assert.Single(await this.LeaseAsync(10));
        Assert.Equal(this.work.Time.GetUtcNow() + LimitedWork.RecheckInterval, await this.work.Queue.NextVisibleAtAsync(CancellationToken.None));
    }

    private Task<IReadOnlyList<WorkItemLease>> LeaseAsync(int batch) => this.work.Leases.LeaseNextAsync("worker-a", batch, CancellationToken.None);

    private async Task<IReadOnlyList<TaskRecord>> SubmitAsync(int count, int priority = 5, string? tenant = null)
    {
        var tasks = new List<TaskRecord>();
        for (int i = 0; i < count; i++)
        {
            TaskSubmission submission = TestTasks.Submission(inputJson: i.ToString(), priority: priority);
            if (tenant is not null)
            {
                submission = submission with { Tags = new Dictionary<string, string> { ["tenant"] = tenant } };
            }

            tasks.Add((await this.work.Client.ScheduleNewTaskAsync(submission, "test")).Task);
            this.work.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        return tasks;
    }
}
