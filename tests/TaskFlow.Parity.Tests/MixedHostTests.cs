using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using TaskFlow.Json;
using TaskFlow.Parity.Tests.Backends;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests;

/// <summary>One database, both hosts: the TaskFlow server's worker and a Durable Task Framework host over
/// <c>TaskFlowOrchestrationService</c>. An orchestration started and half run by one is finished by the other.</summary>
public sealed class MixedHostTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public Task StartedByTheServer_FinishedByTheProvider() => this.HandOverAsync(
        () => StartServerAsync(database), () => StartProviderAsync(database));

    [Fact]
    public Task StartedByTheProvider_FinishedByTheServer() => this.HandOverAsync(
        () => StartProviderAsync(database), () => StartServerAsync(database));

    private static async Task<IDurableBackend> StartServerAsync(PostgresDatabase database) =>
        await TaskFlowBackend.StartAsync(ParityTasks.Register, database.ConnectionString);

    private static async Task<IDurableBackend> StartProviderAsync(PostgresDatabase database) =>
        await ProviderBackend.StartAsync(ParityTasks.Register, TaskFlowJson.Data, database.ConnectionString);

    private async Task HandOverAsync(Func<Task<IDurableBackend>> first, Func<Task<IDurableBackend>> second)
    {
        string id = $"hand-over-{Guid.NewGuid():N}";
        await using (IDurableBackend starter = await first())
        {
            await starter.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ParityTasks.HandsOver), 21, new StartOrchestrationOptions(id));
            await Eventually.WaitForAsync(() => starter.HistoryKindsAsync(id), kinds => kinds.Contains("TaskCompleted"), Patience, "the first activity");
        }

        // The first host is gone; the second reads what it recorded, runs the rest, and answers the client.
        await using IDurableBackend finisher = await second();
        await finisher.Client.RaiseEventAsync(id, "go", 50);
        using var patience = new CancellationTokenSource(Patience);
        OrchestrationMetadata done = await finisher.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, patience.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("42|100", done.ReadOutputAs<string>());
        Assert.Equal(
            ["ExecutionStarted", "TaskScheduled", "TaskCompleted", "EventRaised", "TaskScheduled", "TaskCompleted", "ExecutionCompleted"],
            await finisher.HistoryKindsAsync(id));

        // Each host recorded what it ran under its own worker id: two actors ran episodes.
        Assert.Equal(2L, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT actor) FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'OrchestratorStarted'", ("id", id)));
    }
}
