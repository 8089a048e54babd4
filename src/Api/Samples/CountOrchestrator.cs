using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>count</c> (<c>{"counter": "visits", "times": 3}</c>): signals the <c>counter</c>
/// entity to add 1 that many times without waiting, then calls it for its value, which counts every signal (an
/// entity reads one sender's messages in the order they were sent).</summary>
internal sealed class CountOrchestrator : TaskOrchestrator<CountOrchestrator.Input, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, Input input)
    {
        var counter = new EntityInstanceId("counter", input.Counter);
        for (int i = 0; i < input.Times; i++)
        {
            await context.Entities.SignalEntityAsync(counter, "add", 1);
        }

        return await context.Entities.CallEntityAsync<int>(counter, "get");
    }

    public sealed record Input(string Counter, int Times = 3);
}
