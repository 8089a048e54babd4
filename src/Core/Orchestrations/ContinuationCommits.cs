using System.Collections.Concurrent;

namespace TaskFlow.Orchestrations;

/// <summary>Commits continuations (<see cref="EpisodeStore.ContinueAsync"/>) in groups: every continuation that arrives
/// while one group is being written goes into the next, so under load the steps of many orchestrations share one round
/// trip, one transaction and one WAL flush, and a lone continuation is still written at once (no timer, no added wait).</summary>
/// <remarks>No background service: the caller that finds no writer running becomes the writer until the queue is
/// empty, so it works wherever the store does (a worker, a test's hand-run episode).</remarks>
internal sealed class ContinuationCommits(EpisodeStore store)
{
    private const int MaxGroup = 64;
    private readonly ConcurrentQueue<Pending> queue = new();
    private int writing;

    public Task<EpisodeCommit> CommitAsync(Continuation continuation)
    {
        var pending = new Pending(continuation, new TaskCompletionSource<EpisodeCommit>(TaskCreationOptions.RunContinuationsAsynchronously));
        this.queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref this.writing, 1, 0) == 0)
        {
            _ = Task.Run(this.WriteAsync);
        }

        return pending.Committed.Task;
    }

    private async Task WriteAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (true)
        {
            while (group.Count < MaxGroup && this.queue.TryDequeue(out Pending? pending))
            {
                group.Add(pending);
            }

            if (group.Count == 0)
            {
                // Stand down, then look once more: a continuation queued just before would otherwise wait for the next.
                // A full fence (not Volatile.Write): the processor may otherwise read the queue before its store of 0 is
                // seen, while a caller that enqueued meanwhile still reads 1 and leaves its continuation to this writer.
                Interlocked.Exchange(ref this.writing, 0);
                if (this.queue.IsEmpty || Interlocked.CompareExchange(ref this.writing, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            try
            {
                EpisodeCommit[] commits = await store.ContinueAsync(group.Select(p => p.Continuation).ToList(), CancellationToken.None);
                for (int i = 0; i < group.Count; i++)
                {
                    group[i].Committed.TrySetResult(commits[i]);
                }
            }
            catch (Exception exception)
            {
                // The database is unreachable or failed as a whole: each caller reports its outcome as not saved.
                group.ForEach(p => p.Committed.TrySetException(exception));
            }

            group.Clear();
        }
    }

    private sealed record Pending(Continuation Continuation, TaskCompletionSource<EpisodeCommit> Committed);
}
