namespace TaskFlow.Instances;

/// <summary>The statuses a task shows, declared once for C#. <c>scheduled</c> and <c>pending</c> are both stored as
/// <c>pending</c>: a task is scheduled while its work is not yet visible (a delay, a run-at, a retry backoff).</summary>
/// <remarks>SQL names the same sets through <c>taskflow.unfinished_statuses()</c>, <c>finished_statuses()</c> and
/// <c>runnable_statuses()</c> (migration 0014), the Durable Task mapping is <see cref="DurableStatuses"/>, and the dashboard
/// reads <c>GET /api/statuses</c>. Adding a status: here, a migration replacing those functions and the instances' CHECK constraints, and DurableStatuses;
/// TaskStatusCatalogueTests fails until all of them agree.</remarks>
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

    /// <summary>Every status, in lifecycle order.</summary>
    public static IReadOnlyList<string> All { get; } = [Scheduled, Pending, Running, Suspended, Succeeded, Failed, Cancelled];

    /// <summary>Stored and not yet ended (<c>taskflow.unfinished_statuses()</c>).</summary>
    public static IReadOnlyList<string> Unfinished { get; } = [Pending, Running, Suspended];

    /// <summary>Ended (<c>taskflow.finished_statuses()</c>).</summary>
    public static IReadOnlyList<string> Finished { get; } = [Succeeded, Failed, Cancelled];

    /// <summary>An orchestration in these runs episodes (<c>taskflow.runnable_statuses()</c>); a suspended one waits.</summary>
    public static IReadOnlyList<string> Runnable { get; } = [Pending, Running];

    /// <summary>Whether a task in this status has ended (succeeded, failed or cancelled).</summary>
    public static bool IsFinished(string status) => Finished.Contains(status);

    /// <summary>Whether an orchestration in this status runs episodes.</summary>
    public static bool IsRunnable(string status) => Runnable.Contains(status);
}
