using System.Text.Json;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;

namespace TaskFlow.Api.Endpoints;

/// <summary>A task as the HTTP API shows it.</summary>
internal sealed record TaskJson(
    string Id,
    string Type,
    string Status,
    int Priority,
    JsonElement? Input,
    JsonElement? Output,
    JsonElement? Error,
    JsonElement? CustomStatus,
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
    string Kind,
    ActivityCountsJson? Activities = null,
    string? WaitingForLimit = null)
{
    /// <remarks>A single-activity task that runs inside an orchestration (on Azure Functions) reads as submitted.</remarks>
    public static TaskJson From(TaskRecord stored) => FromCounted(stored, activityAttempts: null);

    /// <param name="activityAttempts">For a single-activity task run by an orchestration, how often its activity was
    /// scheduled, when the caller counted it.</param>
    public static TaskJson FromCounted(TaskRecord stored, long? activityAttempts)
    {
        TaskRecord task = ActivityTask.AsSubmitted(stored, activityAttempts);
        return new(
        task.Id,
        task.Type,
        task.Status,
        task.Priority,
        Parse(task.InputJson),
        Parse(task.OutputJson),
        Parse(task.ErrorJson),
        Parse(task.CustomStatusJson),
        task.Attempt,
        task.MaxAttempts,
        task.Tags,
        task.IdempotencyKey,
        task.Execution,
        task.CreatedBy,
        task.CreatedAt,
        task.RunAt,
        task.StartedAt,
        task.CompletedAt,
        task.Kind,
        WaitingForLimit: task.WaitingForLimit);
    }

    public static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}

/// <summary>For an orchestration: the activities it scheduled, and how many completed and failed.</summary>
internal sealed record ActivityCountsJson(long Scheduled, long Completed, long Failed);

/// <summary>One event of a task's audit trail as the HTTP API shows it.</summary>
internal sealed record HistoryEventJson(
    int Sequence, int Execution, string Type, int? TaskId, int? Attempt, JsonElement? Payload, DateTimeOffset Timestamp, string? Actor)
{
    public static HistoryEventJson From(HistoryEventRecord e) =>
        new(e.Sequence, e.Execution, e.EventType, e.TaskId, e.Attempt, TaskJson.Parse(e.PayloadJson), e.Timestamp, e.Actor);
}

/// <summary>A page of tasks and the cursor for the next one (null on the last page).</summary>
internal sealed record TaskPageJson(IReadOnlyList<TaskJson> Items, string? NextCursor)
{
    /// <summary>A full page has a next cursor: the last task's position.</summary>
    public static TaskPageJson From(IReadOnlyList<TaskRecord> page, int limit) => new(
        page.Select(TaskJson.From).ToList(),
        page.Count == limit ? TaskQueryParser.EncodeCursor(new TaskCursor(page[^1].CreatedAt, page[^1].Id)) : null);
}

/// <summary>The request body of <c>POST /api/tasks</c>, for the OpenAPI document (the endpoint parses it by hand
/// so that every wrong field gets its own message).</summary>
internal sealed record TaskRequestJson(
    string Type,
    JsonElement? Input,
    int? Priority,
    DateTimeOffset? RunAt,
    string? Delay,
    RetryJson? Retry,
    string? Timeout,
    string? IdempotencyKey,
    Dictionary<string, string>? Tags);

/// <summary>The retry policy in a task request.</summary>
internal sealed record RetryJson(int? MaxAttempts, string? InitialInterval, double? BackoffCoefficient, string? MaxInterval, double? Jitter);

/// <summary>The request body of <c>POST /api/tasks/batch</c>.</summary>
internal sealed record TaskBatchRequestJson(IReadOnlyList<TaskRequestJson> Tasks);
