using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>An activity's result, on the worker that committed the episode which scheduled it, is committed together
/// with the orchestration's next episode (docs/architecture.md, "Continuations"); whenever that worker's view of the
/// instance may be out of date, the result goes to the inbox as any other.</summary>
public sealed class EpisodeContinuationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Result_OnTheWorkerThatScheduledIt_RunsTheNextEpisodeInItsCommit_WithTheHistoryTheInboxWouldHaveGiven()
    {
        await using ServiceProvider worker = this.Worker();
        TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
        string continued = await this.StartAsync(worker);
        string queued = await this.StartAsync(worker);

        for (int step = 0; step < 2; step++)
        {
            WorkItemLease activity = await this.LeaseActivityAsync(worker, continued);
            Assert.True(await worker.GetRequiredService<OrchestrationRunner>().TryContinueAsync(activity, $"{step + 10}"));
            Assert.Equal(0L, await this.CountAsync("SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id", continued));
            Assert.Equal(0L, await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration'", continued));

            // The same step the usual way: the result to the inbox, then an episode.
            WorkItemLease other = await this.LeaseActivityAsync(worker, queued);
            Assert.Contains(other.WorkItemId, await worker.GetRequiredService<WorkItemQueue>().CompleteActivitiesAsync([(other, $"{step + 10}")], CancellationToken.None));
            Assert.True(await Episodes.RunAsync(database, worker, queued));
        }

        TaskRecord done = (await client.GetTaskAsync(continued))!;
        Assert.Equal("succeeded", done.Status);
        Assert.Equal("21", done.OutputJson);
        Assert.Equal(Describe(await client.GetHistoryAsync(queued)), Describe(await client.GetHistoryAsync(continued)));
    }

    [Fact]
    public async Task Result_AfterAnEventCameFirst_GoesToTheInbox_SoTheEventIsReadFirst()
    {
        await using ServiceProvider worker = this.Worker();
        string id = await this.StartAsync(worker);
        WorkItemLease activity = await this.LeaseActivityAsync(worker, id);
        await worker.GetRequiredService<TaskFlowClient>().RaiseEventAsync(id, "unrelated", "1", "test");

        await this.AssertNotContinuedAsync(worker, activity);
    }

    [Fact]
    public async Task Result_OnAnotherWorker_GoesToTheInbox()
    {
        await using ServiceProvider scheduler = this.Worker(), other = this.Worker();
        string id = await this.StartAsync(scheduler);

        await this.AssertNotContinuedAsync(other, await this.LeaseActivityAsync(other, id));
    }

    [Fact]
    public async Task Result_AfterTheHistoryMovedElsewhere_GoesToTheInbox_AndTheOrchestrationStillEndsRight()
    {
        await using ServiceProvider worker = this.Worker();
        TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
        string id = await this.StartAsync(worker);
        WorkItemLease activity = await this.LeaseActivityAsync(worker, id);
        Assert.True(await client.SuspendTaskAsync(id, "test", "a pause"));
        Assert.True(await client.ResumeTaskAsync(id, "test", "go on"));

        await this.AssertNotContinuedAsync(worker, activity);

        // The usual way from here: the resume's episode, then the result's, then the second step's.
        Assert.Contains(activity.WorkItemId, await worker.GetRequiredService<WorkItemQueue>().CompleteActivitiesAsync([(activity, "10")], CancellationToken.None));
        Assert.True(await Episodes.RunAsync(database, worker, id));
        WorkItemLease second = await this.LeaseActivityAsync(worker, id);
        Assert.True(await worker.GetRequiredService<OrchestrationRunner>().TryContinueAsync(second, "11"));
        Assert.Equal("21", (await client.GetTaskAsync(id))!.OutputJson);
    }

    [Fact]
    public async Task Result_WhoseLeaseWasLost_IsDiscarded_AndWritesNothing()
    {
        await using ServiceProvider worker = this.Worker();
        string id = await this.StartAsync(worker);
        WorkItemLease activity = await this.LeaseActivityAsync(worker, id);
        await database.ScalarAsync<long>(
            "UPDATE taskflow.work_items SET lease_token = nextval('taskflow.lease_tokens') WHERE id = @id RETURNING id", ("id", activity.WorkItemId));
        int before = await this.LastSequenceAsync(id);

        Assert.False(await worker.GetRequiredService<OrchestrationRunner>().TryContinueAsync(activity, "10"));

        Assert.Equal(before, await this.LastSequenceAsync(id));
        Assert.Equal(1L, await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity'", id));
    }

    [Fact]
    public async Task Results_OfAFanOut_GoToTheInbox_ForOneEpisodeThatReadsThemAll()
    {
        await using ServiceProvider worker = Episodes.Worker(database, tasks => tasks.AddOrchestrator<AddsTwoInParallel>());
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInParallel), inputJson: null), "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));

        await this.AssertNotContinuedAsync(worker, await this.LeaseActivityAsync(worker, task.Id));
    }

    [Fact]
    public async Task Step_GivenAWorkerToRunItsActivity_LeasesItInTheCommit_SoTheWholeSequenceRunsWithoutTheQueue()
    {
        await using ServiceProvider worker = this.Worker(withActivity: true);
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInTurn), inputJson: null), "test");
        var handed = new List<WorkItemLease>();
        OrchestrationRunner runner = worker.GetRequiredService<OrchestrationRunner>();

        Assert.True(await runner.RunEpisodeAsync(await Episodes.LeaseAsync(database, worker, task.Id), CancellationToken.None, handed.Add));
        WorkItemLease first = Assert.Single(handed);
        Assert.True(await runner.TryContinueAsync(first, "10", handed.Add));
        WorkItemLease second = handed[1];
        Assert.True(await runner.TryContinueAsync(second, "11", handed.Add));

        Assert.Equal(2, handed.Count); // the last episode ended the orchestration
        Assert.Equal("21", (await worker.GetRequiredService<TaskFlowClient>().GetTaskAsync(task.Id))!.OutputJson);
        foreach ((WorkItemLease lease, int taskId) in handed.Zip([0, 1]))
        {
            Assert.Equal((task.Id, taskId, "Number", 1, WorkKinds.Activity, WorkKinds.Orchestration), (lease.InstanceId, lease.TaskId, lease.Name, lease.Attempt, lease.Kind, lease.InstanceKind));
            Assert.Equal(lease.LeasedAt + TimeSpan.FromSeconds(30), lease.LeaseExpiresAt);
        }

        Assert.Equal(0L, await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id", task.Id));
    }

    [Fact]
    public async Task Step_LeasedInTheCommit_IsHeldAsALeaseIs_UntilItsResultComes()
    {
        await using ServiceProvider worker = this.Worker(withActivity: true);
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInTurn), inputJson: null), "test");
        WorkItemLease? handed = null;

        Assert.True(await worker.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(await Episodes.LeaseAsync(database, worker, task.Id), CancellationToken.None, l => handed = l));

        Assert.NotNull(handed);
        Assert.Equal(handed.LeaseToken, await database.ScalarAsync<long>(
            "SELECT lease_token FROM taskflow.work_items WHERE id = @id AND lease_owner = 'test-worker' AND attempt = 1 AND lease_expires_at = @expires",
            ("id", handed.WorkItemId), ("expires", handed.LeaseExpiresAt)));
    }

    [Fact]
    public async Task Step_WhoseActivityThisWorkerLacks_OrThatALimitGoverns_OrAFanOut_IsLeftToTheQueue()
    {
        await using ServiceProvider lacking = this.Worker(withActivity: false), having = this.Worker(withActivity: true);
        await using ServiceProvider fanning = Episodes.Worker(database, tasks => tasks.AddOrchestrator<AddsTwoInParallel>().AddActivityFunc<object?, int>("Number", (_, _) => 1));
        var handed = new List<WorkItemLease>();

        (TaskRecord lacked, _) = await lacking.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInTurn), inputJson: null), "test");
        Assert.True(await lacking.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(await Episodes.LeaseAsync(database, lacking, lacked.Id), CancellationToken.None, handed.Add));

        (TaskRecord fanned, _) = await fanning.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInParallel), inputJson: null), "test");
        Assert.True(await fanning.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(await Episodes.LeaseAsync(database, fanning, fanned.Id), CancellationToken.None, handed.Add));

        await database.ScalarAsync<int>(
            "INSERT INTO taskflow.limits (scope, name, max_concurrent, updated_at, updated_by) VALUES ('activity', 'Number', 5, now(), 'test') RETURNING 1");
        try
        {
            (TaskRecord limited, _) = await having.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInTurn), inputJson: null), "test");
            WorkItemLease episode = await Episodes.LeaseAsync(database, having, limited.Id);
            WakeSignal.Listener activityLoop = having.GetRequiredService<WakeSignal>().Listen(WakeUps.Activities);
            Assert.True(await having.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(episode, CancellationToken.None, handed.Add));
            Assert.Equal(1L, await this.CountAsync(
                "SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity' AND lease_token IS NULL AND limit_key = 'activity:Number'", limited.Id));

            // Queued for its limit instead, it rang for the activity loops (which lease it when the limit grants a slot):
            // the fake clock never reaches the poll, so the wait ends only if it was woken.
            Task woken = activityLoop.WaitAsync(TimeSpan.FromMinutes(1), new FakeTimeProvider(DateTimeOffset.UnixEpoch), CancellationToken.None);
            Assert.True(woken.IsCompleted, "The commit queued its limited activity without waking the activity loops.");
        }
        finally
        {
            await database.ScalarAsync<int>("WITH gone AS (DELETE FROM taskflow.limits WHERE name = 'Number' RETURNING 1) SELECT count(*)::int FROM gone");
        }

        Assert.Empty(handed);
        Assert.Equal(1L, await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity' AND lease_token IS NULL", lacked.Id));
        Assert.Equal(2L, await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity' AND lease_token IS NULL", fanned.Id));
    }

    [Fact]
    public async Task LongSequence_GivesItsSlotBackThroughTheQueue_AfterTheMostStepsInARow_ThenIsHandedStepsAgain()
    {
        await using ServiceProvider worker = Episodes.Worker(database, tasks => tasks.AddOrchestrator<AddsTwelveInTurn>().AddActivityFunc<object?, int>("Number", (_, _) => 1));
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwelveInTurn), inputJson: null), "test");
        OrchestrationRunner runner = worker.GetRequiredService<OrchestrationRunner>();
        var handed = new List<WorkItemLease>();
        Assert.True(await runner.RunEpisodeAsync(await Episodes.LeaseAsync(database, worker, task.Id), CancellationToken.None, handed.Add));
        while (handed.Count < OrchestrationRunner.MaxStepsHandedOver)
        {
            Assert.True(await runner.TryContinueAsync(handed[^1], "1", handed.Add));
        }

        Assert.True(await runner.TryContinueAsync(handed[^1], "1", handed.Add));

        Assert.Equal(OrchestrationRunner.MaxStepsHandedOver, handed.Count); // the next step's activity went to the queue
        WorkItemLease queued = await this.LeaseActivityAsync(worker, task.Id);
        Assert.Equal(OrchestrationRunner.MaxStepsHandedOver, queued.TaskId);
        Assert.True(await runner.TryContinueAsync(queued, "1", handed.Add)); // still continued here
        Assert.Equal(OrchestrationRunner.MaxStepsHandedOver + 1, handed.Count); // and the count starts again
    }

    [Fact]
    public async Task Results_ThatComeWhileAnotherCommits_CommitTogether_InOneTransaction()
    {
        await using ServiceProvider worker = this.Worker();
        OrchestrationRunner runner = worker.GetRequiredService<OrchestrationRunner>();
        (WorkItemLease blocked, WorkItemLease b, WorkItemLease c) = (await this.StartAndLeaseAsync(worker), await this.StartAndLeaseAsync(worker), await this.StartAndLeaseAsync(worker));

        bool?[] outcomes = await this.WhileTheFirstIsBlockedAsync(runner, blocked, b, c);

        Assert.Equal([true, true, true], outcomes);
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT xmin::text) FROM taskflow.history WHERE instance_id IN (@b, @c) AND event_type = 'TaskCompleted'",
            ("b", b.InstanceId), ("c", c.InstanceId)));
    }

    /// <summary>A group's activities are leased in one statement: each continuation gets the lease of its own instance's
    /// next activity, as the database holds it.</summary>
    [Fact]
    public async Task Results_CommittedTogether_EachHandTheirWorkerTheirOwnNextActivity()
    {
        await using ServiceProvider worker = this.Worker(withActivity: true);
        OrchestrationRunner runner = worker.GetRequiredService<OrchestrationRunner>();
        (WorkItemLease blocked, WorkItemLease b, WorkItemLease c) = (await this.StartAndLeaseAsync(worker), await this.StartAndLeaseAsync(worker), await this.StartAndLeaseAsync(worker));
        var handed = new ConcurrentBag<WorkItemLease>();

        bool?[] outcomes = await this.WhileTheFirstIsBlockedAsync(runner, blocked, [b, c], handed.Add);

        Assert.Equal([true, true, true], outcomes);
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT xmin::text) FROM taskflow.history WHERE instance_id IN (@b, @c) AND event_type = 'TaskCompleted'",
            ("b", b.InstanceId), ("c", c.InstanceId)));
        Assert.Equal(
            new[] { blocked.InstanceId, b.InstanceId, c.InstanceId }.Order(),
            handed.Select(lease => lease.InstanceId).Order());
        foreach (WorkItemLease lease in handed)
        {
            Assert.Equal(1, lease.TaskId); // the second activity, after the first (task 0)
            Assert.Equal(1L, await database.ScalarAsync<long>(
                "SELECT count(*) FROM taskflow.work_items WHERE id = @id AND instance_id = @instance AND task_id = 1 AND lease_token = @token",
                ("id", lease.WorkItemId), ("instance", lease.InstanceId), ("token", lease.LeaseToken)));
        }
    }

    [Fact]
    public async Task Result_ThatCannotCommit_InAGroup_TakesNoOtherDown()
    {
        await using ServiceProvider worker = this.Worker();
        OrchestrationRunner runner = worker.GetRequiredService<OrchestrationRunner>();
        (WorkItemLease blocked, WorkItemLease lost, WorkItemLease fine) = (await this.StartAndLeaseAsync(worker), await this.StartAndLeaseAsync(worker), await this.StartAndLeaseAsync(worker));
        await database.ScalarAsync<long>(
            "UPDATE taskflow.work_items SET lease_token = nextval('taskflow.lease_tokens') WHERE id = @id RETURNING id", ("id", lost.WorkItemId));

        bool?[] outcomes = await this.WhileTheFirstIsBlockedAsync(runner, blocked, lost, fine);

        Assert.Equal([true, false, true], outcomes);
        Assert.Equal(0L, await this.CountAsync("SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted'", lost.InstanceId));
        Assert.Equal(1L, await this.CountAsync("SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted'", fine.InstanceId));
    }

    /// <summary>Continues the first while another transaction holds its instance's row, so its commit waits; the others
    /// come meanwhile and go into the next group, written once the first is done.</summary>
    private Task<bool?[]> WhileTheFirstIsBlockedAsync(OrchestrationRunner runner, WorkItemLease first, params WorkItemLease[] others) =>
        this.WhileTheFirstIsBlockedAsync(runner, first, others, runHere: null);

    /// <param name="runHere">Given: where each commit hands the activity it leases to this worker.</param>
    private async Task<bool?[]> WhileTheFirstIsBlockedAsync(OrchestrationRunner runner, WorkItemLease first, WorkItemLease[] others, Action<WorkItemLease>? runHere)
    {
        Task<bool?> firstDone;
        await using (NpgsqlConnection blocker = await database.DataSource.OpenConnectionAsync())
        await using (NpgsqlTransaction transaction = await blocker.BeginTransactionAsync())
        {
            await using (var hold = new NpgsqlCommand("SELECT 1 FROM taskflow.instances WHERE id = @id FOR UPDATE", blocker, transaction) { Parameters = { new("id", first.InstanceId) } })
            {
                await hold.ExecuteScalarAsync();
            }

            firstDone = runner.TryContinueAsync(first, "10", runHere);
            await Eventually.WaitForAsync(
                () => database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"),
                waiting => waiting > 0, TimeSpan.FromSeconds(10), "the first continuation's commit to wait for the row");
            Task<bool?>[] othersDone = others.Select(o => runner.TryContinueAsync(o, "10", runHere)).ToArray();
            await transaction.CommitAsync();
            return [await firstDone, .. await Task.WhenAll(othersDone)];
        }
    }

    private async Task<WorkItemLease> StartAndLeaseAsync(IServiceProvider worker) => await this.LeaseActivityAsync(worker, await this.StartAsync(worker));

    /// <summary>Nothing is written: the activity keeps its lease, the history its length, and no episode is queued.</summary>
    private async Task AssertNotContinuedAsync(IServiceProvider worker, WorkItemLease activity)
    {
        int before = await this.LastSequenceAsync(activity.InstanceId);

        Assert.Null(await worker.GetRequiredService<OrchestrationRunner>().TryContinueAsync(activity, "10"));

        Assert.Equal(before, await this.LastSequenceAsync(activity.InstanceId));
        Assert.Equal(1L, await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE id = @id AND lease_token IS NOT NULL", activity.WorkItemId));
    }

    /// <summary>A step's commit keeps generic plans (KeyedPlans.GenericLookups): its fence, left to PostgreSQL, was planned
    /// afresh at every step in the soak (0.37 of its 0.49 ms a call). Each of its statements reads every table by the
    /// keys given, so the plan is the same whatever the tables held when it was made.</summary>
    [Fact]
    public async Task Steps_OnOneConnection_KeepOneGenericPlanForTheirFence_ThatReadsByKey()
    {
        string oneConnection = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using ServiceProvider worker = Episodes.Worker(database, tasks =>
        {
            tasks.AddOrchestrator<AddsTwoInTurn>();
            tasks.AddActivityFunc<object?, int>("Number", (_, _) => 1);
        }, oneConnection);
        TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
        OrchestrationRunner runner = worker.GetRequiredService<OrchestrationRunner>();
        for (int i = 0; i < 4; i++)
        {
            (TaskRecord task, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInTurn), inputJson: null), "test");
            var handed = new List<WorkItemLease>();
            Assert.True(await runner.RunEpisodeAsync(await Episodes.LeaseAsync(database, worker, task.Id), CancellationToken.None, handed.Add));
            Assert.True(await runner.TryContinueAsync(handed[0], "10", handed.Add));
            Assert.True(await runner.TryContinueAsync(handed[1], "11", handed.Add));
            Assert.Equal("21", (await client.GetTaskAsync(task.Id))!.OutputJson);
        }

        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            worker.GetRequiredService<NpgsqlDataSource>(), "%First statement of a group of continuations%", SqlText.Get("Orchestrations/Sql/ContinueAfterActivities.sql"),
            KeyedPlans.GenericLookups,
            new Dictionary<string, string> { ["work_item_ids"] = "'{1}'", ["lease_tokens"] = "'{1}'", ["instance_ids"] = "'{someone}'", ["last_sequences"] = "'{1}'" },
            analyze: false);
        Assert.True(generic > 0, "The fence never ran on its generic plan.");
        Assert.Equal(0L, custom);
        // Every table by the group's keys, whatever the joins: a plan that joined the queue by instance alone, made on
        // the soak's tables, scanned all their orchestration work items at every step.
        Assert.Contains("Index Scan using work_items_pkey on work_items w\n", plan);
        Assert.Contains("Index Cond: (id = ANY ($1))", plan);
        Assert.Contains("Index Scan using instances_pkey on instances i\n", plan);
        Assert.Contains("Index Cond: (id = ANY ($3))", plan);
        Assert.Contains("Index Cond: ((instance_id = ANY ($3)) AND (kind = 'orchestration'::text))", plan);
        Assert.DoesNotContain("Seq Scan", plan);
    }

    private ServiceProvider Worker(bool withActivity = false) => Episodes.Worker(database, tasks =>
    {
        tasks.AddOrchestrator<AddsTwoInTurn>();
        if (withActivity)
        {
            tasks.AddActivityFunc<object?, int>("Number", (_, _) => 1);
        }
    });

    /// <returns>The instance, after its first episode scheduled its first activity.</returns>
    private async Task<string> StartAsync(IServiceProvider worker)
    {
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwoInTurn), inputJson: null), "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        return task.Id;
    }

    private async Task<WorkItemLease> LeaseActivityAsync(IServiceProvider worker, string instanceId)
    {
        long id = await database.ScalarAsync<long>(
            "SELECT min(id) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity' AND lease_token IS NULL", ("id", instanceId));
        return Assert.Single(await worker.GetRequiredService<WorkItemLeases>().LeaseByIdsAsync("test-worker", [id], CancellationToken.None));
    }

    private Task<int> LastSequenceAsync(string instanceId) =>
        database.ScalarAsync<int>("SELECT last_sequence FROM taskflow.instances WHERE id = @id", ("id", instanceId));

    private Task<long> CountAsync(string sql, object id) => database.ScalarAsync<long>(sql, ("id", id));

    /// <summary>A history as its events' kinds, ids, attempts, results and actors, without times and instance ids.</summary>
    private static List<string> Describe(IReadOnlyList<HistoryEventRecord> history) =>
        history.Select(e => $"{e.Sequence} {e.EventType} {e.TaskId} {e.Attempt} {(e.EventType == "TaskCompleted" ? Result(e.PayloadJson!) : "")} {e.Actor}").ToList();

    private static string Result(string payload)
    {
        using var document = JsonDocument.Parse(payload);
        return document.RootElement.GetProperty("result").GetRawText();
    }

    private sealed class AddsTwoInTurn : TaskOrchestrator<object?, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, object? input) =>
            await context.CallActivityAsync<int>("Number") + await context.CallActivityAsync<int>("Number");
    }

    private sealed class AddsTwelveInTurn : TaskOrchestrator<object?, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, object? input)
        {
            int sum = 0;
            for (int step = 0; step < 12; step++)
            {
                sum += await context.CallActivityAsync<int>("Number");
            }

            return sum;
        }
    }

    private sealed class AddsTwoInParallel : TaskOrchestrator<object?, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, object? input)
        {
            int[] numbers = await Task.WhenAll(context.CallActivityAsync<int>("Number"), context.CallActivityAsync<int>("Number"));
            return numbers.Sum();
        }
    }
}
