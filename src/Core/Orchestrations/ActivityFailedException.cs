using TaskFlow.Activities;

namespace TaskFlow.Orchestrations;

/// <summary>An activity called by an orchestration failed after its last attempt.</summary>
public sealed class ActivityFailedException(string activityName, int taskId, FailureDetails failure)
    : Exception($"Activity '{activityName}' (task {taskId}) failed: {failure.Type}: {failure.Message}")
{
    /// <summary>The activity's name.</summary>
    public string ActivityName { get; } = activityName;

    /// <summary>What the last attempt threw.</summary>
    public FailureDetails FailureDetails { get; } = failure;
}
