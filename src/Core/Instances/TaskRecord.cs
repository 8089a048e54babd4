namespace TaskFlow.Instances;

/// <summary>A task as callers see it.</summary>
public sealed record TaskRecord(
    string Id,
    string Type,
    string Kind,
    string Status,
    int Priority,
    string? InputJson,
    string? OutputJson,
    string? ErrorJson,
    string? CustomStatusJson,
    int Attempt,
    int MaxAttempts,
    IReadOnlyDictionary<string, string> Tags,
    string? IdempotencyKey,
    int Execution,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset RunAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The limit its ready work waits for (<c>activity:&lt;name&gt;</c> or <c>tag:&lt;tag&gt;=&lt;value&gt;</c>), when a
    /// limit governs work of it that is ready and not yet running; read for single tasks (GetTasks.sql).</summary>
    public string? WaitingForLimit { get; init; }
}
