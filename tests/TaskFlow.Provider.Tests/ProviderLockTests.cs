using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Azure.WebJobs.Host.Scale;
using TaskFlow.Leases;
using TaskFlow.Testing;
using TaskFlow.WebJobs;

namespace TaskFlow.Provider.Tests;

/// <summary>The orchestration service's locks, driven as a dispatcher drives them, by two hosts on one database.</summary>
public sealed class ProviderLockTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Each test starts with no work in the store: the class's database is shared, and a test leaves work behind.</summary>
    public Task InitializeAsync() => database.ScalarAsync<long>("WITH gone AS (DELETE FROM taskflow.work_items RETURNING 1) SELECT count(*) FROM gone");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Episode_WhoseLockExpiredAndWasHandedOn_CannotCommit_AndTheNewHolderDoes()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString);
        string id = await hosts.StartAsync("double-it", "21");

        TaskOrchestrationWorkItem stale = (await hosts.A.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        Assert.Equal(id, stale.InstanceId);

        // A stops renewing (a long GC pause, a cut network); its lease expires and B's rescuer hands the episode on.
        TaskOrchestrationWorkItem current = (await hosts.B.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        Assert.Equal(id, current.InstanceId);

        await Assert.ThrowsAsync<LockLostException>(() => CompleteWithAnActivityAsync(hosts.A, stale));
        await CompleteWithAnActivityAsync(hosts.B, current);

        // One episode recorded, by B; one activity scheduled.
        Assert.Equal([hosts.B.WorkerId], await database.ColumnAsync(
            "SELECT actor FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'OrchestratorStarted'", ("id", id)));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity'", ("id", id)));
    }

    [Fact]
    public async Task Episode_ThatSchedulesOneActivityAndWaits_LeasesItToItsHostInTheCommit_WhoseDispatcherGetsItAtOnce()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString, lockDuration: TimeSpan.FromMinutes(1));
        string id = await hosts.StartAsync("double-it", "21");
        await CompleteWithAnActivityAsync(hosts.A, (await hosts.A.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None))!);

        // Leased in the statement that inserted it (one transaction time), to A: no lease of its own through the queue.
        Assert.Equal(hosts.A.WorkerId, await database.ScalarAsync<string>(
            "SELECT lease_owner FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity' AND leased_at = created_at", ("id", id)));
        Assert.Null(await hosts.B.LockNextTaskActivityWorkItem(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        TaskActivityWorkItem activity = (await hosts.A.LockNextTaskActivityWorkItem(TimeSpan.Zero, CancellationToken.None))!;
        Assert.Equal(id, activity.TaskMessage.OrchestrationInstance.InstanceId);
        Assert.Equal(("double", "[21]"), (((TaskScheduledEvent)activity.TaskMessage.Event).Name, ((TaskScheduledEvent)activity.TaskMessage.Event).Input));

        await hosts.A.CompleteTaskActivityWorkItemAsync(activity, Answer(activity, "42"));
        Assert.Equal(["42"], await database.ColumnAsync(
            "SELECT payload ->> 'result' FROM taskflow.inbox WHERE instance_id = @id AND event_type = 'TaskCompleted'", ("id", id)));
    }

    [Fact]
    public async Task ActivityResult_LeasesTheEpisodeItWakesToItsHostInTheCommit_WhoseDispatcherGetsItAtOnce()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString, lockDuration: TimeSpan.FromMinutes(1));
        (string id, _, TaskActivityWorkItem activity) = await StartAndTakeItsActivityOnAAsync(hosts);

        await hosts.A.CompleteTaskActivityWorkItemAsync(activity, Answer(activity, "42"));

        // Leased in the statement that inserted it (one transaction time), to A: B's episode loop finds nothing to lease.
        Assert.Equal(hosts.A.WorkerId, await database.ScalarAsync<string>(
            "SELECT lease_owner FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration' AND leased_at = created_at", ("id", id)));
        Assert.Null(await hosts.B.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        TaskOrchestrationWorkItem next = (await hosts.A.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.Zero, CancellationToken.None))!;
        Assert.Equal(id, next.InstanceId);
        Assert.Equal("42", ((TaskCompletedEvent)Assert.Single(next.NewMessages).Event).Result);
    }

    /// <summary>An extended session: the step's activity, handed to this host in the commit, can finish and lease the next
    /// episode to this host before the framework's dispatcher asks the session for it. The session waits from the commit
    /// on, so it gets that episode with only the new event; before, the episode went to the episode loop and was replayed
    /// from the store (<c>DurableExtensionTests.ExtendedSessions_KeepTheOrchestratorBetweenEpisodes</c> failed so once).</summary>
    [Fact]
    public async Task ActivityResult_BeforeTheSessionAsksForIt_GoesToTheSession()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString, lockDuration: TimeSpan.FromMinutes(1), extendedSessions: true);
        (string id, TaskOrchestrationWorkItem episode, TaskActivityWorkItem activity) = await StartAndTakeItsActivityOnAAsync(hosts);
        await hosts.A.CompleteTaskActivityWorkItemAsync(activity, Answer(activity, "42"));

        IList<TaskMessage>? next = await episode.Session.FetchNewOrchestrationMessagesAsync(episode);

        Assert.NotNull(next);
        Assert.Equal("42", ((TaskCompletedEvent)Assert.Single(next).Event).Result);
        Assert.Null(await hosts.A.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Equal(id, episode.InstanceId);
    }

    /// <summary>The dispatcher may end a session without asking it for more (it had no room for another extended session):
    /// an episode handed to the session's wait meanwhile goes to the episode loop, not lost until its lease expires.</summary>
    [Fact]
    public async Task ActivityResult_ForASessionTheDispatcherEnded_GoesToTheEpisodeLoop()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString, lockDuration: TimeSpan.FromMinutes(1), extendedSessions: true);
        (string id, TaskOrchestrationWorkItem episode, TaskActivityWorkItem activity) = await StartAndTakeItsActivityOnAAsync(hosts);
        await hosts.A.CompleteTaskActivityWorkItemAsync(activity, Answer(activity, "42"));

        await hosts.A.ReleaseTaskOrchestrationWorkItemAsync(episode);

        TaskOrchestrationWorkItem next = (await hosts.A.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None))!;
        Assert.Equal(id, next.InstanceId);
        Assert.Equal("42", ((TaskCompletedEvent)Assert.Single(next.NewMessages).Event).Result);
    }

    [Fact]
    public async Task ActivityResult_ForAnOrchestrationWhoseEpisodeIsQueuedAlready_LeavesThatEpisodeToTheQueue()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString, lockDuration: TimeSpan.FromMinutes(1));
        (string id, _, TaskActivityWorkItem activity) = await StartAndTakeItsActivityOnAAsync(hosts);
        await hosts.B.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            Event = new EventRaisedEvent(-1, "\"hello\"") { Name = "greeting" },
            OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
        });

        await hosts.A.CompleteTaskActivityWorkItemAsync(activity, Answer(activity, "42"));

        // The event queued the episode: the result joined it there, unleased, for any host's episode loop to lease.
        Assert.Equal("none", await database.ScalarAsync<string>(
            "SELECT coalesce(lease_owner, 'none') FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration'", ("id", id)));
        TaskOrchestrationWorkItem next = (await hosts.B.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        Assert.Equal(id, next.InstanceId);
        Assert.Equal([EventType.EventRaised, EventType.TaskCompleted], next.NewMessages.Select(m => m.Event.EventType));
    }

    [Fact]
    public async Task Activity_WhoseLockWasHandedOn_HasItsResultDiscarded_AndTheNewHoldersRecordedOnce()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString);
        string id = await hosts.StartAsync("double-it", "21");
        await CompleteWithAnActivityAsync(hosts.A, (await hosts.A.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None))!);

        TaskActivityWorkItem stale = (await hosts.A.LockNextTaskActivityWorkItem(Wait, CancellationToken.None))!;
        TaskActivityWorkItem current = (await hosts.B.LockNextTaskActivityWorkItem(Wait, CancellationToken.None))!;
        Assert.Equal(stale.TaskMessage.OrchestrationInstance.InstanceId, current.TaskMessage.OrchestrationInstance.InstanceId);
        await Assert.ThrowsAsync<LockLostException>(() => hosts.A.RenewTaskActivityWorkItemLockAsync(stale));

        await hosts.A.CompleteTaskActivityWorkItemAsync(stale, Answer(stale, "\"from A\""));
        await hosts.B.CompleteTaskActivityWorkItemAsync(current, Answer(current, "42"));

        // The rescue recorded A's attempt as lost; the one result waiting for the orchestration's next episode is B's.
        Assert.Equal(["42"], await database.ColumnAsync(
            "SELECT payload ->> 'result' FROM taskflow.inbox WHERE instance_id = @id AND event_type = 'TaskCompleted'", ("id", id)));
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id AND event_type = 'TaskFailed' AND payload -> 'failure' ->> 'type' = 'TaskFlow.LeaseExpired'", ("id", id)));
    }

    [Fact]
    public async Task TargetScaler_AsksForEnoughHostsToRunTheReadyEpisodesAtOnce()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString, lockDuration: TimeSpan.FromMinutes(1));
        var scaler = new TaskFlowTargetScaler("function-id", hosts.A);
        int before = (await hosts.A.GetBacklogAsync(CancellationToken.None)).RecommendedWorkers;

        for (int i = 0; i < 9; i++)
        {
            await hosts.StartAsync("double-it", "1");
        }

        // Nine episodes, four per host: three hosts; one leased and running still counts.
        await hosts.A.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None);
        WorkBacklog backlog = await hosts.A.GetBacklogAsync(CancellationToken.None);
        Assert.Equal((8L, 1L), (backlog.EpisodesReady, backlog.EpisodesRunning));
        Assert.Equal(0, before);
        Assert.Equal(3, (await scaler.GetScaleResultAsync(new TargetScalerContext())).TargetWorkerCount);
    }

    [Fact]
    public async Task AStartCarryingTheClientsTraceContext_KeepsItAsTheTasksTrace()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString);
        string id = $"traced-{Guid.NewGuid():N}";
        const string traceParent = "00-6bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        await hosts.A.CreateTaskOrchestrationAsync(new TaskMessage
        {
            Event = new ExecutionStartedEvent(-1, "1")
            {
                Name = "double-it",
                OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
                ParentTraceContext = new DurableTask.Core.Tracing.DistributedTraceContext(traceParent),
            },
            OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
        });

        Assert.Equal(traceParent, await database.ScalarAsync<string>("SELECT trace_parent FROM taskflow.instances WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task AStartTaggedWithItsCaller_RecordsThatCallerAsTheActor_AndKeepsTheTagOut()
    {
        await using Hosts hosts = await Hosts.StartAsync(database.ConnectionString);
        string id = $"actor-{Guid.NewGuid():N}";

        await hosts.A.CreateTaskOrchestrationAsync(new TaskMessage
        {
            Event = new ExecutionStartedEvent(-1, "1")
            {
                Name = "double-it",
                OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
                Tags = new Dictionary<string, string> { [TaskFlowOrchestrationService.ActorTag] = "key_0123456789ab", ["team"] = "a" },
            },
            OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
        });

        Assert.Equal(
            "key_0123456789ab {\"team\": \"a\"}",
            await database.ScalarAsync<string>("SELECT created_by || ' ' || tags::text FROM taskflow.instances WHERE id = @id", ("id", id)));
    }

    /// <summary>What a dispatcher does with the episode: appends its events (the new messages, one scheduled activity)
    /// and completes with the activity's message.</summary>
    private static Task CompleteWithAnActivityAsync(TaskFlowOrchestrationService service, TaskOrchestrationWorkItem workItem)
    {
        OrchestrationRuntimeState state = workItem.OrchestrationRuntimeState;
        state.AddEvent(new OrchestratorStartedEvent(-1));
        foreach (TaskMessage message in workItem.NewMessages)
        {
            state.AddEvent(message.Event);
        }

        var scheduled = new TaskScheduledEvent(0, "double", version: null, "21");
        state.AddEvent(scheduled);
        state.AddEvent(new OrchestratorCompletedEvent(-1));
        TaskMessage activity = new() { Event = scheduled, OrchestrationInstance = state.OrchestrationInstance };
        return service.CompleteTaskOrchestrationWorkItemAsync(workItem, state, [activity], [], [], null!, null!);
    }

    /// <summary>Starts a <c>double-it</c> orchestration and runs its first episode on A, whose commit leases the one
    /// activity to A: A's activity dispatcher takes it. The episode's work item is returned too (its session, if any).</summary>
    private static async Task<(string Id, TaskOrchestrationWorkItem Episode, TaskActivityWorkItem Activity)> StartAndTakeItsActivityOnAAsync(Hosts hosts)
    {
        string id = await hosts.StartAsync("double-it", "21");
        TaskOrchestrationWorkItem episode = (await hosts.A.LockNextTaskOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        await CompleteWithAnActivityAsync(hosts.A, episode);
        return (id, episode, (await hosts.A.LockNextTaskActivityWorkItem(TimeSpan.Zero, CancellationToken.None))!);
    }

    private static TaskMessage Answer(TaskActivityWorkItem workItem, string result) => new()
    {
        Event = new TaskCompletedEvent(-1, ((TaskScheduledEvent)workItem.TaskMessage.Event).EventId, result),
        OrchestrationInstance = workItem.TaskMessage.OrchestrationInstance,
    };

    /// <summary>Two hosts' orchestration services on one database, with short locks.</summary>
    private sealed class Hosts(TaskFlowOrchestrationService a, TaskFlowOrchestrationService b) : IAsyncDisposable
    {
        public TaskFlowOrchestrationService A => a;

        public TaskFlowOrchestrationService B => b;

        public static async Task<Hosts> StartAsync(string connectionString, TimeSpan? lockDuration = null, bool extendedSessions = false)
        {
            TaskFlowOrchestrationService Create() => new(new TaskFlowOrchestrationServiceSettings
            {
                ConnectionString = connectionString,
                ExtendedSessionsEnabled = extendedSessions,
                ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(2),
                Lease = new LeaseOptions { Duration = lockDuration ?? TimeSpan.FromSeconds(1), RescueInterval = TimeSpan.FromMilliseconds(200) },
                PollInterval = TimeSpan.FromMilliseconds(100),
                MaxConcurrentOrchestrations = 4,
                MaxConcurrentActivities = 4,
            });
            var hosts = new Hosts(Create(), Create());
            await hosts.A.CreateIfNotExistsAsync();
            await hosts.A.StartAsync();
            await hosts.B.StartAsync();
            return hosts;
        }

        public async Task<string> StartAsync(string name, string input)
        {
            string id = $"lock-{Guid.NewGuid():N}";
            await a.CreateTaskOrchestrationAsync(new TaskMessage
            {
                Event = new ExecutionStartedEvent(-1, input) { Name = name, OrchestrationInstance = new OrchestrationInstance { InstanceId = id } },
                OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
            });
            return id;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (TaskFlowOrchestrationService service in new[] { a, b })
            {
                await service.StopAsync();
                service.Dispose();
            }
        }
    }
}
