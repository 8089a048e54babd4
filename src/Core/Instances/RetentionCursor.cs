namespace TaskFlow.Instances;

/// <summary>Where retention's walk of the tasks, oldest created first, stopped: the last task a
/// batch looked at.</summary>
internal sealed record RetentionCursor(DateTimeOffset CreatedAt, string Id);
