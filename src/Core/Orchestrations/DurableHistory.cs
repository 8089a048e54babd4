using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using TaskFlow.Activities;
using TaskFlow.Json;
using P = Microsoft.DurableTask.Protobuf;

namespace TaskFlow.Orchestrations;

/// <summary>Translates between TaskFlow's history rows and the Durable Task SDK's protobuf history events and
/// actions. A row's <c>event_type</c> is the SDK's event kind, its <c>task_id</c> the event id (for actions) or
/// the id of the action it answers, its payload the event's fields as JSON (names in src/Core/History/README.md).</summary>
internal static class DurableHistory
{
    /// <summary>The SDK's event for a stored row, or null for TaskFlow's own rows (Submitted, Cancelled, Replayed,
    /// TaskRetryScheduled, a TaskFailed that a work-item retry follows).</summary>
    /// <param name="forReplay">Also null for suspend/resume, which TaskFlow enforces by running no episode meanwhile.</param>
    public static P.HistoryEvent? ToProto(OrchestrationEvent row, string instanceId, int execution, bool forReplay = true)
    {
        using JsonDocument? document = row.PayloadJson is null ? null : JsonDocument.Parse(row.PayloadJson);
        JsonElement payload = document?.RootElement ?? default;
        var history = new P.HistoryEvent { EventId = -1, Timestamp = Timestamp.FromDateTimeOffset(row.Timestamp) };
        int id = row.TaskId ?? -1;
        switch (row.EventType)
        {
            case "ExecutionStarted":
                history.ExecutionStarted = new P.ExecutionStartedEvent
                {
                    Name = Text(payload, "name") ?? string.Empty,
                    Input = Raw(payload, "input"),
                    OrchestrationInstance = new P.OrchestrationInstance { InstanceId = instanceId, ExecutionId = Execution(execution) },
                    ParentInstance = Text(payload, "parentInstanceId") is { } parent
                        ? new P.ParentInstanceInfo
                        {
                            TaskScheduledId = payload.GetProperty("parentTaskId").GetInt32(),
                            Name = Text(payload, "parentName") ?? string.Empty,
                            OrchestrationInstance = new P.OrchestrationInstance { InstanceId = parent },
                        }
                        : null,
                };
                break;
            case "OrchestratorStarted":
                history.OrchestratorStarted = new P.OrchestratorStartedEvent();
                if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("timestamp", out _))
                {
                    history.Timestamp = Time(payload, "timestamp"); // finer than the column's microseconds (EpisodeStore)
                }

                break;
            case "OrchestratorCompleted":
                history.OrchestratorCompleted = new P.OrchestratorCompletedEvent();
                break;
            case "TaskScheduled":
                history.EventId = id;
                history.TaskScheduled = new P.TaskScheduledEvent { Name = Text(payload, "name") ?? string.Empty, Input = Raw(payload, "input") };
                break;
            case "TaskCompleted":
                history.TaskCompleted = new P.TaskCompletedEvent { TaskScheduledId = id, Result = Raw(payload, "result") };
                break;
            case "TaskFailed" when !(payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("retrying", out JsonElement retrying) && retrying.ValueKind == JsonValueKind.True):
                history.TaskFailed = new P.TaskFailedEvent { TaskScheduledId = id, FailureDetails = Failure(payload, "failure") };
                break;
            case "TimerCreated":
                history.EventId = id;
                history.TimerCreated = new P.TimerCreatedEvent { FireAt = Time(payload, "fireAt") };
                break;
            case "TimerFired":
                history.TimerFired = new P.TimerFiredEvent { TimerId = id, FireAt = Time(payload, "fireAt") };
                break;
            case "SubOrchestrationInstanceCreated":
                history.EventId = id;
                history.SubOrchestrationInstanceCreated = new P.SubOrchestrationInstanceCreatedEvent
                {
                    Name = Text(payload, "name") ?? string.Empty,
                    InstanceId = Text(payload, "instanceId") ?? string.Empty,
                    Input = Raw(payload, "input"),
                };
                break;
            case "SubOrchestrationInstanceCompleted":
                history.SubOrchestrationInstanceCompleted = new P.SubOrchestrationInstanceCompletedEvent { TaskScheduledId = id, Result = Raw(payload, "output") };
                break;
            case "SubOrchestrationInstanceFailed":
                history.SubOrchestrationInstanceFailed = new P.SubOrchestrationInstanceFailedEvent { TaskScheduledId = id, FailureDetails = Failure(payload, "error") };
                break;
            case "EventRaised":
                history.EventRaised = new P.EventRaisedEvent { Name = Text(payload, "name") ?? string.Empty, Input = Raw(payload, "input") };
                break;
            case "EventSent":
                history.EventId = id;
                history.EventSent = new P.EventSentEvent
                {
                    InstanceId = Text(payload, "instanceId") ?? string.Empty,
                    Name = Text(payload, "name") ?? string.Empty,
                    Input = Raw(payload, "input"),
                };
                break;
            case "ExecutionSuspended" when !forReplay:
                history.ExecutionSuspended = new P.ExecutionSuspendedEvent { Input = Text(payload, "reason") };
                break;
            case "ExecutionResumed" when !forReplay:
                history.ExecutionResumed = new P.ExecutionResumedEvent { Input = Text(payload, "reason") };
                break;
            case "ExecutionTerminated":
                history.ExecutionTerminated = new P.ExecutionTerminatedEvent { Input = Text(payload, "reason") };
                break;
            case "ContinueAsNew":
                history.ContinueAsNew = new P.ContinueAsNewEvent { Input = Raw(payload, "input") };
                break;
            case "ExecutionCompleted":
                string status = Text(payload, "orchestrationStatus") ?? "Completed";
                history.ExecutionCompleted = new P.ExecutionCompletedEvent
                {
                    OrchestrationStatus = status switch
                    {
                        "Failed" => P.OrchestrationStatus.Failed,
                        "Terminated" => P.OrchestrationStatus.Terminated,
                        _ => P.OrchestrationStatus.Completed,
                    },
                    Result = Raw(payload, "output"),
                    FailureDetails = status == "Failed" ? Failure(payload, "error") : null,
                };
                break;
            default:
                return null;
        }

        return history;
    }

    /// <summary>An EventRaised the SDK carries over into the next execution (ContinueAsNew), as an inbox row's payload.</summary>
    public static OrchestrationEvent? FromCarryover(P.HistoryEvent carried, DateTimeOffset now) =>
        carried.EventRaised is { } raised
            ? new OrchestrationEvent("EventRaised", null, null, Payload(new { name = raised.Name, input = Parse(raised.Input) }), now, null)
            : null;

    public static FailureDetails ToFailure(P.TaskFailureDetails? details) => details is null
        ? new FailureDetails("Unknown", "The orchestrator reported a failure without details.")
        : new FailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace, details.IsNonRetriable, details.InnerFailure is { } inner ? ToFailure(inner) : null);

    public static string Execution(int execution) => execution.ToString(CultureInfo.InvariantCulture);

    /// <summary>A JSON object for a history payload; a JSON string value given as text is embedded as JSON.</summary>
    public static string Payload(object value) => JsonSerializer.Serialize(value, TaskFlowJson.Options);

    /// <summary><c>{"name": …, "input": …}</c> with the input's JSON text written as it is: the payload of the
    /// hottest history row, <c>TaskScheduled</c>, without parsing its input.</summary>
    public static string NameAndInput(string name, string? inputJson)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            if (inputJson is not null)
            {
                writer.WritePropertyName("input");
                writer.WriteRawValue(inputJson);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><c>{"result": …, "startedAt": …, "worker": …}</c>: the payload of an activity's <c>TaskCompleted</c>, as
    /// CompleteOrchestrationActivities.sql builds it, with the result's JSON text written as it is.</summary>
    public static string TaskCompleted(string? resultJson, DateTimeOffset startedAt, string worker)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("result");
            if (resultJson is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(resultJson);
            }

            writer.WriteString("startedAt", startedAt);
            writer.WriteString("worker", worker);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>JSON text as a value to embed in a payload (null stays null).</summary>
    public static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    private static P.TaskFailureDetails Failure(JsonElement payload, string property)
    {
        FailureDetails failure = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Object
            ? value.Deserialize<FailureDetails>(TaskFlowJson.Options)!
            : new FailureDetails("Unknown", "No failure details were recorded.");
        return ToProto(failure);
    }

    private static P.TaskFailureDetails ToProto(FailureDetails failure) => new()
    {
        ErrorType = failure.Type,
        ErrorMessage = failure.Message,
        StackTrace = failure.StackTrace,
        IsNonRetriable = failure.NonRetryable,
        InnerFailure = failure.InnerFailure is { } inner ? ToProto(inner) : null,
    };

    /// <summary>A payload property as JSON text (what the SDK's data converter reads), or null when absent.</summary>
    private static string? Raw(JsonElement payload, string property) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(property, out JsonElement value) && value.ValueKind != JsonValueKind.Undefined
            ? value.GetRawText()
            : null;

    private static string? Text(JsonElement payload, string property) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static Timestamp Time(JsonElement payload, string property) =>
        Timestamp.FromDateTimeOffset(payload.GetProperty(property).GetDateTimeOffset());
}
