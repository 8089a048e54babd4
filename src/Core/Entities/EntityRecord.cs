namespace TaskFlow.Entities;

/// <summary>A Durable entity as <c>taskflow.entities</c> shows it.</summary>
/// <param name="State">Its state as its data converter serialized it (JSON); null before its first operation and once deleted.</param>
/// <param name="LockedBy">The orchestration whose critical section holds it, if any.</param>
/// <param name="QueuedOperations">Messages waiting: queued behind a lock, or not yet read.</param>
/// <param name="ScheduledOperations">Signals due later.</param>
public sealed record EntityRecord(
    string InstanceId, string Name, string Key, string? State, string? LockedBy, long QueuedOperations, long ScheduledOperations,
    DateTimeOffset CreatedAt, DateTimeOffset LastModifiedAt);
