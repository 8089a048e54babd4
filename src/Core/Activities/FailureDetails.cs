using System.Text.Json.Serialization;

namespace TaskFlow.Activities;

/// <summary>Why an attempt or an execution failed, as stored in <c>TaskFailed</c> and <c>ExecutionCompleted</c>
/// history events and the task's <c>error</c>: the Durable Task SDK's failure details under TaskFlow's names.</summary>
public sealed record FailureDetails(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("stackTrace")] string? StackTrace = null,
    [property: JsonPropertyName("nonRetryable")] bool NonRetryable = false,
    [property: JsonPropertyName("innerFailure")] FailureDetails? InnerFailure = null)
{
    internal static FailureDetails From(Exception exception) => new(
        exception.GetType().FullName ?? exception.GetType().Name,
        exception.Message,
        exception.StackTrace,
        exception is NonRetryableException,
        exception.InnerException is { } inner ? From(inner) : null);
}
