using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskFlow.Functions.Triggers;

/// <summary>What the Functions host posts for a non-HTTP trigger: <c>Data</c> holds each input binding by
/// its name in function.json, <c>Metadata</c> the trigger's metadata (for a queue: Id, PopReceipt,
/// DequeueCount, InsertionTime, ExpirationTime, NextVisibleTime) and <c>sys</c>.</summary>
internal sealed record InvocationRequest(Dictionary<string, JsonElement>? Data, Dictionary<string, JsonElement>? Metadata);

/// <summary>The reply the host expects: output bindings by name, log lines for the host's log, and the return
/// value, in the documented PascalCase.</summary>
internal sealed record InvocationResponse(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] object? ReturnValue)
{
    public static InvocationResponse Done(params string[] logs) => new([], logs, null);
}
