using TaskFlow.Retries;

namespace TaskFlow.WorkItems;

/// <summary>A work item this worker holds, and the token that fences every write it makes about it.</summary>
internal sealed record WorkItemLease(
    long WorkItemId,
    Guid InstanceId,
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
    string LeaseOwner)
{
    public bool HasAttemptsLeft => this.Attempt < this.MaxAttempts;
}
