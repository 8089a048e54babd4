using TaskFlow.Activities;

namespace TaskFlow.Orchestrations;

/// <summary>A child orchestration failed.</summary>
public sealed class SubOrchestrationFailedException(string orchestratorName, Guid instanceId, FailureDetails failure)
    : Exception($"Sub-orchestration '{orchestratorName}' ({instanceId}) failed: {failure.Type}: {failure.Message}")
{
    /// <summary>The child's instance id.</summary>
    public Guid InstanceId { get; } = instanceId;

    /// <summary>Why the child failed.</summary>
    public FailureDetails FailureDetails { get; } = failure;
}
