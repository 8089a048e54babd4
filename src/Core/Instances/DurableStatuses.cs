using System.Globalization;
using DurableTask.Core;

namespace TaskFlow.Instances;

/// <summary>How TaskFlow's statuses read in the Durable Task model, both ways, and the continuation tokens of Durable
/// queries. The Durable Task Framework's <see cref="OrchestrationStatus"/> has the same values as the SDK's
/// <c>OrchestrationRuntimeStatus</c>, so the SDK client and the storage provider share these.</summary>
internal static class DurableStatuses
{
    public static OrchestrationStatus ToDurable(string status) => status switch
    {
        TaskStatuses.Scheduled or TaskStatuses.Pending => OrchestrationStatus.Pending,
        TaskStatuses.Running => OrchestrationStatus.Running,
        TaskStatuses.Suspended => OrchestrationStatus.Suspended,
        TaskStatuses.Succeeded => OrchestrationStatus.Completed,
        TaskStatuses.Failed => OrchestrationStatus.Failed,
        _ => OrchestrationStatus.Terminated,
    };

    /// <summary>The stored statuses (<c>taskflow.tasks.status</c>) a Durable status stands for.</summary>
    public static IEnumerable<string> Stored(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Pending => [TaskStatuses.Pending],
        OrchestrationStatus.Running => [TaskStatuses.Running],
        OrchestrationStatus.Suspended => [TaskStatuses.Suspended],
        OrchestrationStatus.Completed => [TaskStatuses.Succeeded],
        OrchestrationStatus.Failed => [TaskStatuses.Failed],
        OrchestrationStatus.Terminated => [TaskStatuses.Cancelled],
        _ => [],
    };

    /// <summary>The token that continues a query after <paramref name="last"/> (keyset: newest first).</summary>
    public static string EncodeContinuation(TaskRecord last) =>
        string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.UtcTicks}|{last.Id}");

    public static TaskCursor? DecodeContinuation(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        string[] parts = token.Split('|', 2);
        return parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long ticks) && InstanceIds.IsValid(parts[1])
            ? new TaskCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1])
            : throw new ArgumentException($"'{token}' is not a continuation token this client issued.", nameof(token));
    }
}
