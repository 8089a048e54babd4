namespace TaskFlow.Instances;

/// <summary>The statuses a task shows. <c>scheduled</c> and <c>pending</c> are both stored as
/// <c>pending</c>: a task is scheduled while its work is not yet visible (a delay, a run-at, a retry backoff).</summary>
public static class TaskStatuses
{
    /// <summary>Waiting for its time: a delay, a run-at, or a retry's backoff.</summary>
    public const string Scheduled = "scheduled";

    /// <summary>Ready and waiting for a worker.</summary>
    public const string Pending = "pending";

    /// <summary>A worker holds it.</summary>
    public const string Running = "running";

    /// <summary>An orchestration paused by a caller: no episode runs; events queue until it is resumed.</summary>
    public const string Suspended = "suspended";

    /// <summary>Finished with an output.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Finished with an error after its last attempt; listed in the dead-letter view.</summary>
    public const string Failed = "failed";

    /// <summary>Cancelled by a caller.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Whether a task in this status has ended (succeeded, failed or cancelled).</summary>
    public static bool IsFinished(string status) => status is Succeeded or Failed or Cancelled;

    /// <summary>Every status, in lifecycle order.</summary>
    public static IReadOnlyList<string> All { get; } = [Scheduled, Pending, Running, Suspended, Succeeded, Failed, Cancelled];
}
