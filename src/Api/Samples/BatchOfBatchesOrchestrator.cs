using Microsoft.DurableTask;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>batch-of-batches</c>: splits <c>items</c> into chunks of <c>chunk</c> and runs a
/// <c>fan-out</c> sub-orchestration per chunk, in parallel; sums what they return.</summary>
internal sealed class BatchOfBatchesOrchestrator : TaskOrchestrator<BatchOfBatchesOrchestrator.Input, FanOutOrchestrator.Summary>
{
    public override async Task<FanOutOrchestrator.Summary> RunAsync(TaskOrchestrationContext context, Input input)
    {
        int items = input?.Items ?? throw new ArgumentException("'batch-of-batches' needs {\"items\": N, \"chunk\": M}.");
        int chunk = Math.Max(1, input.Chunk);
        int chunks = (items + chunk - 1) / chunk;
        FanOutOrchestrator.Summary[] done = await Task.WhenAll(Enumerable.Range(0, chunks).Select(index =>
            context.CallSubOrchestratorAsync<FanOutOrchestrator.Summary>("fan-out", new FanOutOrchestrator.Input(Math.Min(chunk, items - (index * chunk))))));
        return new FanOutOrchestrator.Summary(done.Sum(d => d.Count), done.Sum(d => d.Sum));
    }

    /// <summary>How many items, in chunks of what size.</summary>
    public sealed record Input(int Items, int Chunk = 100);
}
