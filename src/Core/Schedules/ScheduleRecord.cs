namespace TaskFlow.Schedules;

/// <summary>A stored schedule and where it stands.</summary>
public sealed record ScheduleRecord(
    ScheduleDefinition Definition,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? BufferedSlot,
    string? LastInstanceId,
    string Source,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One event of a schedule's audit trail.</summary>
public sealed record ScheduleEventRecord(long Sequence, string EventType, string? PayloadJson, DateTimeOffset Timestamp, string Actor);
