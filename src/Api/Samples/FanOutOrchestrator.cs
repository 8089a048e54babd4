using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>fan-out</c>: runs <c>count</c> activities in parallel, waits for all, and sums
/// their numeric results. Each activity gets <c>input</c>, or its index when none is given.</summary>
internal sealed class FanOutOrchestrator : TaskOrchestrator<FanOutOrchestrator.Input, FanOutOrchestrator.Summary>
{
    public override async Task<Summary> RunAsync(TaskOrchestrationContext context, Input input)
    {
        int count = input?.Count ?? throw new ArgumentException("'fan-out' needs {\"count\": N}.");
        string activity = input.Activity ?? "echo";
        context.SetCustomStatus(new { phase = "fanning out", count });
        JsonElement[] results = await Task.WhenAll(Enumerable.Range(0, count).Select(index =>
            context.CallActivityAsync<JsonElement>(activity, input.ActivityInput is { } shared ? shared : index)));
        context.SetCustomStatus(new { phase = "done", count });
        return new Summary(count, results.Where(r => r.ValueKind == JsonValueKind.Number).Sum(r => r.GetInt64()));
    }

    /// <summary>How many activities of which kind, with what input.</summary>
    public sealed record Input(int Count, string? Activity = null, [property: JsonPropertyName("input")] JsonElement? ActivityInput = null);

    /// <summary>How many ran, and the sum of their numeric results.</summary>
    public sealed record Summary([property: JsonPropertyName("count")] int Count, [property: JsonPropertyName("sum")] long Sum);
}
