using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using TaskFlow.Activities;

namespace TaskFlow.Api.Samples;

/// <summary>Sample task type <c>sleep</c> (<c>{"ms": N}</c>): waits, honouring cancellation, then reports how long.</summary>
internal sealed class SleepActivity(TimeProvider time) : TaskActivity<SleepActivity.Input, SleepActivity.Output>
{
    public override async Task<Output> RunAsync(TaskActivityContext context, Input input)
    {
        if (input is null || input.Ms < 0)
        {
            throw new NonRetryableException("'sleep' needs {\"ms\": N} with N ≥ 0.");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(input.Ms), time, context.GetCancellationToken());
        return new Output(input.Ms);
    }

    /// <summary>How long to sleep.</summary>
    public sealed record Input(int Ms);

    /// <summary>How long it slept.</summary>
    public sealed record Output([property: JsonPropertyName("sleptMs")] int SleptMs);
}
