using System.Text.Json;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Extensions.DurableTask.ContextImplementations;
using Microsoft.Azure.WebJobs.Extensions.DurableTask.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Testing;
using TaskFlow.WebJobs;

namespace TaskFlow.Provider.Tests;

/// <summary>The Durable extension itself (Microsoft.Azure.WebJobs.Extensions.DurableTask) in a plain WebJobs host,
/// with TaskFlow selected as its storage provider the way host.json selects it.</summary>
public sealed class DurableExtensionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Orchestration_WithATimerAFanOutAndARetry_RunsOnPostgreSqlAndItsHistoryIsInTaskFlowsViews()
    {
        using IHost host = await StartHostAsync(database.ConnectionString);
        string id = $"webjobs-{Guid.NewGuid():N}";

        await host.Services.GetRequiredService<IJobHost>().CallAsync(nameof(DurableFunctions.Start), new Dictionary<string, object?> { ["instanceId"] = id, ["count"] = 10 });

        string status = await Eventually.WaitForAsync(
            () => database.ScalarAsync<string>("SELECT status FROM taskflow.tasks WHERE id = @id", ("id", id)),
            s => s is "succeeded" or "failed", TimeSpan.FromSeconds(60), "the orchestration to finish");
        Assert.True(status == "succeeded", string.Join(
            "\n", await database.ColumnAsync("SELECT concat_ws(' ', event_type, task_id, payload::text) FROM taskflow.task_history WHERE instance_id = @id ORDER BY sequence", ("id", id))));
        Assert.Equal("1385", await database.ScalarAsync<string>("SELECT output::text FROM taskflow.tasks WHERE id = @id", ("id", id)));
        Assert.Equal(2, DurableFunctions.CallsFor(id));

        // The audit trail, in TaskFlow's view: the timer, ten activities, the failed attempt and its retry, in Durable's event kinds.
        IReadOnlyList<string> kinds = await database.ColumnAsync(
            "SELECT event_type FROM taskflow.task_history WHERE instance_id = @id ORDER BY sequence", ("id", id));
        // Ten squares and two attempts of FailsOnce; the timer, and the retry's wait (a durable timer too).
        Assert.Equal(12, kinds.Count(k => k == "TaskScheduled"));
        Assert.Equal(11, kinds.Count(k => k == "TaskCompleted"));
        Assert.Equal(1, kinds.Count(k => k == "TaskFailed"));
        Assert.Equal(2, kinds.Count(k => k == "TimerCreated"));
        Assert.Equal(2, kinds.Count(k => k == "TimerFired"));
        Assert.Equal("ExecutionCompleted", kinds.Last(k => k is not "OrchestratorCompleted"));
        Assert.Equal(["Submitted", "OrchestratorStarted", "ExecutionStarted"], kinds.Take(3)); // Submitted: TaskFlow's own, with its caller

        // The Durable client reads it back through the provider.
        IDurableClient client = host.Services.GetRequiredService<IDurableClientFactory>().CreateClient(new DurableClientOptions { TaskHub = "TaskFlowTests" });
        DurableOrchestrationStatus done = await client.GetStatusAsync(id, showHistory: true, showHistoryOutput: true, showInput: true);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(1385, done.Output.ToObject<int>());
        Assert.Equal(10, done.Input.ToObject<int>());
        Assert.Equal(10, done.CustomStatus["squared"]!.ToObject<int>());
        Assert.Equal("ExecutionStarted", (string?)done.History.First()["EventType"]);
        Assert.Equal(11, done.History.Count(e => (string?)e["EventType"] == "TaskCompleted"));
    }

    /// <summary>What Durable's HTTP API (<c>/runtime/webhooks/durabletask/instances</c>) asks of the provider: a start without
    /// a body (an empty input), and a list whose condition sets only the filters given, leaving the others at their
    /// defaults (<c>CreatedTimeTo</c> at <c>default(DateTime)</c>).</summary>
    [Fact]
    public async Task TheDurableHttpApisStartAndList_ReachThePostgreSqlStore()
    {
        using IHost host = await StartHostAsync(database.ConnectionString);
        IDurableClient client = host.Services.GetRequiredService<IDurableClientFactory>().CreateClient(new DurableClientOptions { TaskHub = "TaskFlowTests" });
        DurabilityProvider provider = host.Services.GetServices<IDurabilityProviderFactory>().OfType<TaskFlowDurabilityProviderFactory>().Single().GetDurabilityProvider();
        string prefix = $"http-api-{Guid.NewGuid():N}";

        var instance = new DurableTask.Core.OrchestrationInstance { InstanceId = $"{prefix}-no-body", ExecutionId = Guid.NewGuid().ToString("N") };
        await provider.CreateTaskOrchestrationAsync(
            new DurableTask.Core.TaskMessage
            {
                OrchestrationInstance = instance,
                Event = new DurableTask.Core.History.ExecutionStartedEvent(-1, string.Empty) { Name = nameof(DurableFunctions.FanOutRetryAndTimer), OrchestrationInstance = instance },
            },
            []);
        await client.StartNewAsync(nameof(DurableFunctions.FanOutRetryAndTimer), $"{prefix}-with-input", 1);

        Assert.True(await database.ScalarAsync<bool>("SELECT input IS NULL FROM taskflow.tasks WHERE id = @id", ("id", instance.InstanceId)));
        OrchestrationStatusQueryResult byPrefix = await client.ListInstancesAsync(new OrchestrationStatusQueryCondition { InstanceIdPrefix = prefix }, CancellationToken.None);
        Assert.Equal([$"{prefix}-no-body", $"{prefix}-with-input"], byPrefix.DurableOrchestrationState.Select(s => s.InstanceId).Order());
        OrchestrationStatusQueryResult all = await client.ListInstancesAsync(new OrchestrationStatusQueryCondition(), CancellationToken.None);
        Assert.Contains(all.DurableOrchestrationState, s => s.InstanceId == $"{prefix}-with-input");
    }

    /// <summary>host.json's <c>storageProvider.lockDuration</c> is TaskFlow's lease duration: the provider leases the
    /// running activity for that long (not the 30-second default).</summary>
    [Fact]
    public async Task LockDurationInHostJson_IsTheLeaseTheProviderTakes()
    {
        using IHost host = await StartHostAsync(database.ConnectionString, ("storageProvider:lockDuration", "00:00:07"));
        string id = $"lock-{Guid.NewGuid():N}";
        await host.Services.GetRequiredService<IJobHost>().CallAsync(nameof(DurableFunctions.StartHolding), new Dictionary<string, object?> { ["instanceId"] = id });
        try
        {
            double secondsLeft = await Eventually.WaitForAsync(
                () => database.ScalarAsync<double?>(
                    "SELECT extract(epoch FROM lease_expires_at - now())::float8 FROM taskflow.work_items WHERE instance_id = @id AND kind = 'activity' AND lease_token IS NOT NULL",
                    ("id", id)),
                left => left is not null, TimeSpan.FromSeconds(30), "the held activity's lease") ?? 0;
            Assert.InRange(secondsLeft, 4, 7.5);
        }
        finally
        {
            DurableFunctions.Held.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        await Eventually.WaitForAsync(
            () => database.ScalarAsync<string>("SELECT status FROM taskflow.tasks WHERE id = @id", ("id", id)),
            status => status == "succeeded", TimeSpan.FromSeconds(30), "the orchestration to finish");
    }

    /// <summary>host.json's <c>extendedSessionsEnabled</c>: the dispatcher keeps the orchestrator between its episodes,
    /// and TaskFlow hands it only the new events, so the orchestrator function is entered once instead of once per episode
    /// (replayed from its start each time). The result and the audit trail are the same either way.</summary>
    [Theory]
    [InlineData(false, 5)]
    [InlineData(true, 1)]
    public async Task ExtendedSessions_KeepTheOrchestratorBetweenEpisodes(bool enabled, int entries)
    {
        using IHost host = await StartHostAsync(database.ConnectionString, ("extendedSessionsEnabled", enabled ? "true" : "false"));
        IDurableClient client = host.Services.GetRequiredService<IDurableClientFactory>().CreateClient(new DurableClientOptions { TaskHub = "TaskFlowTests" });
        string id = $"sessions-{enabled}-{Guid.NewGuid():N}";

        await host.Services.GetRequiredService<IJobHost>().CallAsync(nameof(DurableFunctions.StartSequence), new Dictionary<string, object?> { ["instanceId"] = id });
        await WaitForHistoryAsync(id, "TaskCompleted", 3);
        await client.RaiseEventAsync(id, "bonus", 1000);

        Assert.Equal("1014", await FinishedOutputAsync(id));
        Assert.Equal(entries, DurableFunctions.Entries[id]);
        Assert.Equal(
            ["Submitted", "OrchestratorStarted", "ExecutionStarted", "TaskScheduled", "OrchestratorCompleted",
             "OrchestratorStarted", "TaskCompleted", "TaskScheduled", "OrchestratorCompleted",
             "OrchestratorStarted", "TaskCompleted", "TaskScheduled", "OrchestratorCompleted",
             "OrchestratorStarted", "TaskCompleted", "OrchestratorCompleted",
             "OrchestratorStarted", "EventRaised", "ExecutionCompleted", "OrchestratorCompleted"],
            await database.ColumnAsync("SELECT event_type FROM taskflow.task_history WHERE instance_id = @id ORDER BY sequence", ("id", id)));
    }

    /// <summary>A session whose history moved on in the store (here a suspend, written by a client) no longer matches what
    /// the dispatcher kept: it ends, and the next episode replays from the stored history, so nothing is lost or doubled.</summary>
    [Fact]
    public async Task ExtendedSession_WhoseHistoryMovedInTheStore_EndsAndTheNextEpisodeReplays()
    {
        using IHost host = await StartHostAsync(database.ConnectionString, ("extendedSessionsEnabled", "true"));
        IDurableClient client = host.Services.GetRequiredService<IDurableClientFactory>().CreateClient(new DurableClientOptions { TaskHub = "TaskFlowTests" });
        string id = $"sessions-moved-{Guid.NewGuid():N}";

        await host.Services.GetRequiredService<IJobHost>().CallAsync(nameof(DurableFunctions.StartSequence), new Dictionary<string, object?> { ["instanceId"] = id });
        await WaitForHistoryAsync(id, "TaskCompleted", 3);
        await client.SuspendAsync(id, "a look");
        await client.ResumeAsync(id, "go on");
        await WaitForHistoryAsync(id, "ExecutionResumed", 1);
        await client.RaiseEventAsync(id, "bonus", 1000);

        Assert.Equal("1014", await FinishedOutputAsync(id));
        Assert.Equal(2, DurableFunctions.Entries[id]); // the session's, then one replay from the store
        IReadOnlyList<string> kinds = await database.ColumnAsync("SELECT event_type FROM taskflow.task_history WHERE instance_id = @id ORDER BY sequence", ("id", id));
        Assert.Equal(3, kinds.Count(k => k == "TaskCompleted"));
        Assert.Equal(["ExecutionSuspended", "ExecutionResumed", "EventRaised", "ExecutionCompleted"], kinds.Where(k => k is "ExecutionSuspended" or "ExecutionResumed" or "EventRaised" or "ExecutionCompleted"));
    }

    private Task WaitForHistoryAsync(string id, string eventType, int count) => Eventually.WaitForAsync(
        () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id AND event_type = @type", ("id", id), ("type", eventType)),
        n => n >= count, TimeSpan.FromSeconds(30), $"{count} {eventType} in the history of {id}");

    private async Task<string?> FinishedOutputAsync(string id)
    {
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<string>("SELECT status FROM taskflow.tasks WHERE id = @id", ("id", id)),
            status => status is "succeeded" or "failed", TimeSpan.FromSeconds(30), $"{id} to finish");
        return await database.ScalarAsync<string>("SELECT output::text FROM taskflow.tasks WHERE id = @id", ("id", id));
    }

    /// <summary>Durable entities in the in-process model, which the extension runs through the orchestration
    /// dispatcher (its entity middleware), not on a queue of their own: a client's signals, an orchestration's lock,
    /// signals and call, the state read back through the provider's entity queries and from TaskFlow's view.</summary>
    [Fact]
    public async Task Entity_InTheInProcessModel_TakesSignalsAndCriticalSections_AndItsStateIsInSql()
    {
        using IHost host = await StartHostAsync(database.ConnectionString);
        IDurableClient client = host.Services.GetRequiredService<IDurableClientFactory>().CreateClient(new DurableClientOptions { TaskHub = "TaskFlowTests" });
        string key = $"inproc-{Guid.NewGuid():N}";
        var counter = new EntityId(nameof(DurableFunctions.Counter), key);
        await client.SignalEntityAsync(counter, "add", 10);
        await Eventually.WaitForAsync(
            async () => (await client.ReadEntityStateAsync<int>(counter)).EntityState, state => state == 10, TimeSpan.FromSeconds(30), "the signal");

        string id = $"webjobs-count-{Guid.NewGuid():N}";
        await host.Services.GetRequiredService<IJobHost>().CallAsync(
            nameof(DurableFunctions.StartCounting), new Dictionary<string, object?> { ["instanceId"] = id, ["counter"] = key });
        Assert.Equal("13", await this.FinishedOutputAsync(id));

        string entityId = $"@counter@{key}"; // the extension lower-cases an entity's name
        Assert.Equal("13", await database.ScalarAsync<string>("SELECT state FROM taskflow.entities WHERE instance_id = @id", ("id", entityId)));
        // The orchestration's release reaches the entity after the orchestration has completed.
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<string>("SELECT coalesce(locked_by, 'unlocked') FROM taskflow.entities WHERE instance_id = @id", ("id", entityId)),
            owner => owner == "unlocked", TimeSpan.FromSeconds(30), "the critical section's release");
        // From the orchestration: three signals, the lock request (no operation), the call.
        Assert.Equal(
            ["add", "add", "add", "(lock)", "get"],
            await database.ColumnAsync(
                "SELECT coalesce(operation, '(lock)') FROM taskflow.entity_operations WHERE instance_id = @id AND caller_instance_id = @caller ORDER BY sequence",
                ("id", entityId), ("caller", id)));
    }

    /// <summary>A WebJobs host configured as a Function App's host.json configures it: the Durable extension with
    /// <c>storageProvider.type = "TaskFlow"</c>, the connection string in an app setting.</summary>
    private static async Task<IHost> StartHostAsync(string connectionString, params (string Key, string Value)[] durableSettings)
    {
        IHost host = new HostBuilder()
            .ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobs:extensions:durableTask:hubName"] = "TaskFlowTests",
                ["AzureWebJobs:extensions:durableTask:storageProvider:type"] = "TaskFlow",
                ["AzureWebJobs:extensions:durableTask:storageProvider:connectionStringName"] = "TaskFlowDatabase",
                ["AzureWebJobs:extensions:durableTask:storageProvider:pollInterval"] = "00:00:00.2",
                ["TaskFlowDatabase"] = connectionString,

                // Without it the extension opens a gRPC listener on 127.0.0.1:17071 for out-of-process workers.
                ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet",
            }).AddInMemoryCollection(durableSettings.Select(s => KeyValuePair.Create($"AzureWebJobs:extensions:durableTask:{s.Key}", (string?)s.Value))))
            .ConfigureWebJobs(webJobs =>
            {
                webJobs.AddDurableTask();
                webJobs.AddTaskFlowDurableStorage();
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(services =>
            {
                // Under the test runner the entry assembly is the runner's: name the functions' class.
                services.AddSingleton<Microsoft.Azure.WebJobs.ITypeLocator>(new FunctionTypes(typeof(DurableFunctions)));
                services.AddDurableClientFactory();
            })
            .Build();
        await host.StartAsync();
        return host;
    }

    private sealed class FunctionTypes(params Type[] types) : ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => types;
    }
}
