using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing.Sidecar;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>The reference: the sidecar over Microsoft's in-memory orchestration service.</summary>
public sealed class ReferenceBackend : SidecarBackend
{
    private readonly RecordingOrchestrationService store;

    private ReferenceBackend(Sidecar parts, RecordingOrchestrationService store)
        : base(parts) => this.store = store;

    public override string Name => "in-memory (Microsoft.DurableTask.InProcessTestHost)";

    public static async Task<ReferenceBackend> StartAsync(Action<DurableTaskRegistry> tasks, JsonSerializerOptions json)
    {
        var memory = new InMemoryOrchestrationService();
        var store = new RecordingOrchestrationService(memory);
        return new ReferenceBackend(await StartSidecarAsync(store, memory, tasks, json), store);
    }

    public override Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId) => Task.FromResult<IReadOnlyList<string>>(
        this.store.History(instanceId)
            .Where(e => e.EventType is not (EventType.OrchestratorStarted or EventType.OrchestratorCompleted))
            .Select(e => e.EventType.ToString())
            .ToList());

    public override async Task<string> DescribeAsync(string instanceId) =>
        $"status {(await this.Client.GetInstanceAsync(instanceId))?.RuntimeStatus}; history {string.Join(", ", await this.HistoryKindsAsync(instanceId))}";
}
