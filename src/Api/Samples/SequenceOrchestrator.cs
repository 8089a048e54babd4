using Microsoft.DurableTask;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>sequence</c> (<c>{"steps": N}</c>, default 3): N <c>echo</c> activities one after another.</summary>
internal sealed class SequenceOrchestrator : TaskOrchestrator<SequenceOrchestrator.Input?, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, Input? input)
    {
        int value = 0;
        for (int step = 0; step < (input?.Steps ?? 3); step++)
        {
            value = await context.CallActivityAsync<int>("echo", value + 1);
        }

        return value;
    }

    /// <summary>How many steps.</summary>
    public sealed record Input(int Steps = 3);
}
