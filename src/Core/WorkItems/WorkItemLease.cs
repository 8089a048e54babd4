using TaskFlow.Retries;

namespace TaskFlow.WorkItems;

/// <summary>A work item this worker holds, and the token that fences every write it makes about it.</summary>
internal sealed record WorkItemLease(
    long WorkItemId,
    string InstanceId,
    int Execution,
    string Kind,
    int TaskId,
    string Name,
    string? InputJson,
    RetryPolicy RetryPolicy,
    TimeSpan? Timeout,
    int Attempt,
    int MaxAttempts,
    long LeaseToken,
    DateTimeOffset LeasedAt,
    DateTimeOffset LeaseExpiresAt,
    string LeaseOwner,
    int Wakeups,
    string InstanceKind,
    DateTimeOffset CreatedAt,
    string? TraceParent = null)
{
    public bool HasAttemptsLeft => this.Attempt < this.MaxAttempts;

    /// <summary>Whether this failed attempt is retried by the work item: attempts left and a retryable failure, and for an
    /// orchestration's activity only when its worker was lost (a failure it threw goes to the orchestrator, whose
    /// TaskOptions decide, as in Durable Task).</summary>
    public bool WillRetry(Activities.FailureDetails failure, bool workerLost) =>
        this.HasAttemptsLeft && !failure.NonRetryable && (workerLost || !this.IsOrchestrationActivity);

    /// <summary>An activity of an orchestration (its outcome goes to the orchestration's inbox), not a single-activity task.</summary>
    public bool IsOrchestrationActivity => this.Kind == WorkKinds.Activity && this.InstanceKind == WorkKinds.Orchestration;
}
