namespace TaskFlow.Orchestrations;

/// <summary>A history (or inbox) row as an episode reads it: a Durable Task history event (its kind, its
/// <c>task_id</c> as the event or scheduled id, its fields as JSON) or one of TaskFlow's own events.</summary>
internal sealed record OrchestrationEvent(string EventType, int? TaskId, int? Attempt, string? PayloadJson, DateTimeOffset Timestamp, string? Actor);
