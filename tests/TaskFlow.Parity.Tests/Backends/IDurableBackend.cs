using Microsoft.DurableTask.Client;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>A place orchestrations run: TaskFlow, or Microsoft's in-memory backend behind the real gRPC worker.</summary>
public interface IDurableBackend : IAsyncDisposable
{
    string Name { get; }

    DurableTaskClient Client { get; }

    /// <summary>The Durable Task event kinds of the instance's last execution, in order, without OrchestratorStarted and
    /// OrchestratorCompleted (they mark episodes, whose batching of events differs by backend and by timing) and without
    /// TaskFlow's own API events (Submitted, Cancelled, Replayed, TaskRetryScheduled).</summary>
    Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId);

    /// <summary>Drops what the backend keeps of the instance in memory between episodes, as a new deployment (a new
    /// process) starts without it: the next episode replays the whole history through the code as it now is.</summary>
    Task RedeployAsync(string instanceId);

    /// <summary>What the backend holds of the instance, for a test that timed out waiting for it.</summary>
    Task<string> DescribeAsync(string instanceId);
}
