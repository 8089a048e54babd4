using Microsoft.DurableTask.Client;
using TaskFlow.Parity.Tests.Backends;

namespace TaskFlow.Parity.Tests;

/// <summary>The same <see cref="DurableTaskClient"/> calls against TaskFlow's client and the in-memory host's gRPC client
/// must answer the same.</summary>
public sealed class ClientParityTests(ParityFixture fixture) : IClassFixture<ParityFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GetInstance_WithAndWithoutInputsAndOutputs()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            string id = await backend.Client.ScheduleNewOrchestrationInstanceAsync("sequence", new { steps = 2 });
            await backend.Client.WaitForInstanceCompletionAsync(id, Timeout());

            OrchestrationMetadata bare = (await backend.Client.GetInstanceAsync(id))!;
            OrchestrationMetadata full = (await backend.Client.GetInstanceAsync(id, getInputsAndOutputs: true))!;

            Assert.Equal("sequence", bare.Name);
            Assert.Equal(id, bare.InstanceId);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, bare.RuntimeStatus);
            Assert.Null(bare.SerializedInput);
            Assert.Null(bare.SerializedOutput);
            Assert.Equal(2, full.ReadInputAs<SequenceInput>()!.Steps);
            Assert.Equal(2, full.ReadOutputAs<int>());
            Assert.True(full.LastUpdatedAt >= full.CreatedAt, backend.Name);
        }
    }

    [Fact]
    public async Task GetInstance_OfAnUnknownId_IsNull()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            Assert.Null(await backend.Client.GetInstanceAsync(Guid.NewGuid().ToString()));
        }
    }

    [Fact]
    public async Task WaitForInstanceStart_ReturnsOnceRunning()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            string id = await backend.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ParityTasks.WaitsForGo));
            OrchestrationMetadata started = await backend.Client.WaitForInstanceStartAsync(id, Timeout());
            Assert.Equal(OrchestrationRuntimeStatus.Running, started.RuntimeStatus);
            await backend.Client.TerminateInstanceAsync(id);
        }
    }

    /// <remarks>TaskFlow only: the in-memory emulator starts every instance at once, whatever its StartAt.</remarks>
    [Fact]
    public async Task ScheduleNew_WithStartAt_StaysPendingUntilThen()
    {
        foreach (IDurableBackend backend in fixture.Backends.OfType<TaskFlowBackend>())
        {
            string id = await backend.Client.ScheduleNewOrchestrationInstanceAsync(
                "sequence", new { steps = 1 }, new Microsoft.DurableTask.StartOrchestrationOptions { StartAt = DateTimeOffset.UtcNow.AddSeconds(1) });
            Assert.Equal(OrchestrationRuntimeStatus.Pending, (await backend.Client.GetInstanceAsync(id))!.RuntimeStatus);
            OrchestrationMetadata done = await backend.Client.WaitForInstanceCompletionAsync(id, Timeout());
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        }
    }

    [Fact]
    public async Task Query_ByStatusAndCreationTime_PagesThroughTheMatchesOnce()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            DateTimeOffset from = DateTimeOffset.UtcNow;
            var completed = new List<string>();
            for (int i = 0; i < 5; i++)
            {
                completed.Add(await backend.Client.ScheduleNewOrchestrationInstanceAsync("sequence", new { steps = 1 }));
            }

            string running = await backend.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ParityTasks.WaitsForGo));
            foreach (string id in completed)
            {
                await backend.Client.WaitForInstanceCompletionAsync(id, Timeout());
            }

            await backend.Client.WaitForInstanceStartAsync(running, Timeout());
            var query = new OrchestrationQuery(CreatedFrom: from, Statuses: [OrchestrationRuntimeStatus.Completed], PageSize: 2);
            var found = new List<string>();
            await foreach (Microsoft.DurableTask.Page<OrchestrationMetadata> page in backend.Client.GetAllInstancesAsync(query).AsPages())
            {
                Assert.True(page.Values.Count <= 2, backend.Name);
                found.AddRange(page.Values.Select(m => m.InstanceId));
            }

            Assert.Equal(completed.Order(), found.Order());
            await backend.Client.TerminateInstanceAsync(running);
        }
    }

    [Fact]
    public async Task Purge_OfAFinishedInstance_RemovesIt_AndOfARunningOneDoesNothing()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            string done = await backend.Client.ScheduleNewOrchestrationInstanceAsync("sequence", new { steps = 1 });
            await backend.Client.WaitForInstanceCompletionAsync(done, Timeout());
            string running = await backend.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ParityTasks.WaitsForGo));
            await backend.Client.WaitForInstanceStartAsync(running, Timeout());

            Assert.Equal(1, (await backend.Client.PurgeInstanceAsync(done)).PurgedInstanceCount);
            Assert.Null(await backend.Client.GetInstanceAsync(done));
            Assert.Equal(0, (await backend.Client.PurgeInstanceAsync(running)).PurgedInstanceCount);
            Assert.NotNull(await backend.Client.GetInstanceAsync(running));
            await backend.Client.TerminateInstanceAsync(running);
        }
    }

    [Fact]
    public async Task PurgeAll_ByCreationTime_RemovesTheFinishedOnes()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            DateTimeOffset from = DateTimeOffset.UtcNow;
            string[] ids = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => backend.Client.ScheduleNewOrchestrationInstanceAsync("sequence", new { steps = 1 })));
            foreach (string id in ids)
            {
                await backend.Client.WaitForInstanceCompletionAsync(id, Timeout());
            }

            PurgeResult purged = await backend.Client.PurgeAllInstancesAsync(
                new PurgeInstancesFilter(CreatedFrom: from, Statuses: [OrchestrationRuntimeStatus.Completed]));

            Assert.True(purged.PurgedInstanceCount >= 3, $"{backend.Name}: purged {purged.PurgedInstanceCount}");
            foreach (string id in ids)
            {
                Assert.Null(await backend.Client.GetInstanceAsync(id));
            }
        }
    }

    [Fact]
    public async Task ScheduleNew_WithABusinessKeyAsId_RunsUnderIt_AndAChildCanHaveOneToo()
    {
        foreach (IDurableBackend backend in fixture.Backends)
        {
            string key = $"order-{Guid.NewGuid():N}"[..20];
            string id = await backend.Client.ScheduleNewOrchestrationInstanceAsync(
                nameof(ParityTasks.ParentWithNamedChild), key, new Microsoft.DurableTask.StartOrchestrationOptions { InstanceId = key });

            OrchestrationMetadata done = await backend.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Timeout());

            Assert.Equal(key, id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, (await backend.Client.GetInstanceAsync($"{key}:child"))!.RuntimeStatus);
        }
    }

    /// <remarks>TaskFlow only: the in-memory emulator answers a second start of a running id differently
    /// (it does not check), while Durable Functions' storage providers refuse it, as TaskFlow does.</remarks>
    [Fact]
    public async Task ScheduleNew_OfAnIdStillRunning_Throws()
    {
        IDurableBackend taskFlow = fixture.Backends.OfType<TaskFlowBackend>().Single();
        string key = $"busy-{Guid.NewGuid():N}";
        await taskFlow.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ParityTasks.WaitsForGo), null, new Microsoft.DurableTask.StartOrchestrationOptions { InstanceId = key });

        await Assert.ThrowsAsync<TaskFlow.Instances.InstanceAlreadyRunningException>(() =>
            taskFlow.Client.ScheduleNewOrchestrationInstanceAsync("sequence", null, new Microsoft.DurableTask.StartOrchestrationOptions { InstanceId = key }));
        await taskFlow.Client.TerminateInstanceAsync(key);
    }

    /// <remarks>TaskFlow only: the in-memory emulator does not implement it.</remarks>
    [Fact]
    public async Task GetOrchestrationHistory_AnswersTheDurableTaskEventsOfTheExecution()
    {
        IDurableBackend taskFlow = fixture.Backends.OfType<TaskFlowBackend>().Single();
        string id = await taskFlow.Client.ScheduleNewOrchestrationInstanceAsync("sequence", new { steps = 2 });
        await taskFlow.Client.WaitForInstanceCompletionAsync(id, Timeout());

        IList<DurableTask.Core.History.HistoryEvent> history = await taskFlow.Client.GetOrchestrationHistoryAsync(id);

        Assert.Equal(
            ["OrchestratorStarted", "ExecutionStarted", "TaskScheduled", "OrchestratorCompleted",
             "OrchestratorStarted", "TaskCompleted", "TaskScheduled", "OrchestratorCompleted",
             "OrchestratorStarted", "TaskCompleted", "ExecutionCompleted", "OrchestratorCompleted"],
            history.Select(e => e.EventType.ToString()));
        var firstResult = (DurableTask.Core.History.TaskCompletedEvent)history[5];
        Assert.Equal(0, firstResult.TaskScheduledId);
        Assert.Equal("1", firstResult.Result);
        var end = (DurableTask.Core.History.ExecutionCompletedEvent)history[10];
        Assert.Equal(DurableTask.Core.OrchestrationStatus.Completed, end.OrchestrationStatus);
        Assert.Equal("2", end.Result);
        Assert.All(history, e => Assert.NotEqual(default, e.Timestamp));
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(Patience).Token;

    private sealed record SequenceInput(int Steps);
}
