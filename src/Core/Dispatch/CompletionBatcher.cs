using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using TaskFlow.WorkItems;

namespace TaskFlow.Dispatch;

/// <summary>Commits the successes of activities in batches: every outcome that arrives while one
/// batch is being written goes into the next, so under load many tasks share one transaction and one WAL
/// flush, and an idle worker still commits each outcome at once (no timer, no added latency).</summary>
/// <remarks>Each outcome is still fenced by its own lease token; a lost lease discards only its own result.</remarks>
/// <param name="handOff">Where the episodes that orchestrations' results wake go, leased in their commit (the Durable
/// storage provider's host registers one); without one they are queued for any worker.</param>
internal sealed class CompletionBatcher(WorkItemQueue queue, EpisodeHandOff? handOff = null) : BackgroundService
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <returns>True when committed; false when the lease was lost (the result is discarded).</returns>
    public Task<bool> CompleteAsync(WorkItemLease lease, string? outputJson)
    {
        var item = new Pending(lease, outputJson, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!this.pending.Writer.TryWrite(item))
        {
            throw new InvalidOperationException("The worker is stopping; the outcome will be retried after its lease expires.");
        }

        return item.Committed.Task;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stopped after the dispatcher (hosted services stop in reverse order): write what is left, then end.
        this.pending.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChannelReader<Pending> reader = this.pending.Reader;
        var batch = new List<Pending>(MaxBatch);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out Pending? item))
            {
                batch.Add(item);
            }

            try
            {
                IReadOnlySet<long> committed = await queue.CompleteActivitiesAsync(
                    batch.Select(p => (p.Lease, p.OutputJson)).ToList(), CancellationToken.None, handOff);
                batch.ForEach(p => p.Committed.TrySetResult(committed.Contains(p.Lease.WorkItemId)));
            }
            catch (Exception exception)
            {
                batch.ForEach(p => p.Committed.TrySetException(exception));
            }

            batch.Clear();
        }
    }

    private sealed record Pending(WorkItemLease Lease, string? OutputJson, TaskCompletionSource<bool> Committed);
}
