using System.Text.Json;
using Npgsql;
using TaskFlow.Json;
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
    string RetryPolicyJson,
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
    /// <summary>The lease in the current row, in the columns a lease statement returns (LeaseChosen.sql's order) from
    /// column <paramref name="first"/> on.</summary>
    public static WorkItemLease Read(NpgsqlDataReader reader, int first) => new(
        WorkItemId: reader.GetInt64(first),
        InstanceId: reader.GetString(first + 1),
        Execution: reader.GetInt32(first + 2),
        Kind: reader.GetString(first + 3),
        TaskId: reader.GetInt32(first + 4),
        Name: reader.GetString(first + 5),
        InputJson: reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        RetryPolicyJson: reader.GetString(first + 7),
        Timeout: reader.IsDBNull(first + 8) ? null : reader.GetTimeSpan(first + 8),
        Attempt: reader.GetInt32(first + 9),
        MaxAttempts: reader.GetInt32(first + 10),
        LeaseToken: reader.GetInt64(first + 11),
        LeasedAt: reader.GetFieldValue<DateTimeOffset>(first + 12),
        LeaseExpiresAt: reader.GetFieldValue<DateTimeOffset>(first + 13),
        LeaseOwner: reader.GetString(first + 14),
        Wakeups: reader.GetInt32(first + 15),
        InstanceKind: reader.GetString(first + 16),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(first + 17),
        TraceParent: reader.IsDBNull(first + 18) ? null : reader.GetString(first + 18));

    /// <summary>The work item's retry policy, read from its JSON when an attempt fails: most attempts succeed, and parsing it
    /// at every lease was 5 % of a draining worker's CPU (docs/benchmarks.md, "The thread pool's spinning, measured again
    /// and turned off").</summary>
    public RetryPolicy RetryPolicy => JsonSerializer.Deserialize<RetryPolicy>(this.RetryPolicyJson, TaskFlowJson.Options)!;

    public bool HasAttemptsLeft => this.Attempt < this.MaxAttempts;

    /// <summary>Whether this failed attempt is retried by the work item: attempts left and a retryable failure, and for an
    /// orchestration's activity only when its worker was lost (a failure it threw goes to the orchestrator, whose
    /// TaskOptions decide, as in Durable Task).</summary>
    public bool WillRetry(Activities.FailureDetails failure, bool workerLost) =>
        this.HasAttemptsLeft && !failure.NonRetryable && (workerLost || !this.IsOrchestrationActivity);

    /// <summary>An activity of an orchestration (its outcome goes to the orchestration's inbox), not a single-activity task.</summary>
    public bool IsOrchestrationActivity => this.Kind == WorkKinds.Activity && this.InstanceKind == WorkKinds.Orchestration;
}
