namespace TaskFlow.Instances;

/// <summary>One row of a task's audit trail.</summary>
public sealed record HistoryEventRecord(
    int Sequence,
    int Execution,
    string EventType,
    int? TaskId,
    int? Attempt,
    string? PayloadJson,
    DateTimeOffset Timestamp,
    string? Actor);
