using System.Text.Json.Serialization;

namespace TaskFlow.Activities;

/// <summary>Why an attempt failed, as stored in <c>TaskFailed</c> history events and the task's <c>error</c>.</summary>
public sealed record FailureDetails(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("stackTrace")] string? StackTrace = null,
    [property: JsonPropertyName("nonRetryable")] bool NonRetryable = false)
{
    internal static FailureDetails From(Exception exception) => new(
        exception.GetType().FullName ?? exception.GetType().Name,
        exception.Message,
        exception.StackTrace,
        exception is NonRetryableException);
}
