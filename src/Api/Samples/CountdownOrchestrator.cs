using System.Text.Json.Serialization;
using Microsoft.DurableTask;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>countdown</c>: a durable timer of <c>seconds</c>, then the <c>echo</c> activity.</summary>
internal sealed class CountdownOrchestrator : TaskOrchestrator<CountdownOrchestrator.Input, CountdownOrchestrator.Result>
{
    public override async Task<Result> RunAsync(TaskOrchestrationContext context, Input input)
    {
        DateTime fireAt = context.CurrentUtcDateTime.AddSeconds(input?.Seconds ?? 10);
        context.SetCustomStatus(new { waitingUntil = fireAt });
        await context.CreateTimer(fireAt, CancellationToken.None);
        return await context.CallActivityAsync<Result>("echo", new Result(fireAt, context.CurrentUtcDateTime));
    }

    /// <summary>How long to wait.</summary>
    public sealed record Input(double Seconds);

    /// <summary>When the timer was due, and the orchestration time after it fired.</summary>
    public sealed record Result([property: JsonPropertyName("dueAt")] DateTime DueAt, [property: JsonPropertyName("resumedAt")] DateTime ResumedAt);
}
