using TaskFlow.Leases;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>Leases work a batch at a time and hands it out one item per call, as the Durable Task Framework's
/// dispatchers ask for it: one round trip per batch instead of one per work item.</summary>
/// <remarks>A buffered lease is not renewed; one handed out with less than half its duration left is renewed first,
/// and one that was lost meanwhile (expired and rescued) is dropped, so nothing runs on a lease it no longer holds.
/// Leases taken elsewhere for this buffer's dispatcher (an episode's activity, leased in its commit) join it through
/// <see cref="Add"/> and are handed out before the next batch is leased.</remarks>
internal sealed class LeaseBuffer(
    Func<int, CancellationToken, Task<IReadOnlyList<WorkItemLease>>> leaseBatch,
    WorkItemLeases leases,
    TimeSpan leaseDuration,
    TimeProvider time)
{
    private readonly Queue<WorkItemLease> buffered = new(); // locked: Add comes from other threads than TakeAsync
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>A lease this process already holds, for the dispatcher's next <see cref="TakeAsync"/>.</summary>
    public void Add(WorkItemLease lease)
    {
        lock (this.buffered)
        {
            this.buffered.Enqueue(lease);
        }
    }

    /// <summary>The next leased work item, or null when none is ready.</summary>
    /// <param name="batch">How many to lease when the buffer is empty.</param>
    public async Task<WorkItemLease?> TakeAsync(int batch, CancellationToken cancellationToken)
    {
        await this.gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                WorkItemLease? next = this.TryDequeue();
                if (next is null)
                {
                    IReadOnlyList<WorkItemLease> leased = await leaseBatch(batch, cancellationToken);
                    lock (this.buffered)
                    {
                        foreach (WorkItemLease lease in leased)
                        {
                            this.buffered.Enqueue(lease);
                        }
                    }

                    next = this.TryDequeue();
                    if (next is null)
                    {
                        return null;
                    }
                }

                if (next.LeaseExpiresAt - time.GetUtcNow() > leaseDuration / 2)
                {
                    return next;
                }

                if (await leases.RenewAsync(next, cancellationToken) is { } renewed)
                {
                    return renewed;
                }
            }
        }
        finally
        {
            this.gate.Release();
        }
    }

    /// <summary>The leases not handed out, for release on shutdown.</summary>
    public IReadOnlyList<WorkItemLease> Drain()
    {
        lock (this.buffered)
        {
            var left = new List<WorkItemLease>(this.buffered);
            this.buffered.Clear();
            return left;
        }
    }

    private WorkItemLease? TryDequeue()
    {
        lock (this.buffered)
        {
            return this.buffered.TryDequeue(out WorkItemLease? lease) ? lease : null;
        }
    }
}
