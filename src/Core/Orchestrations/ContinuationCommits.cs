using System.Collections.Concurrent;

namespace TaskFlow.Orchestrations;

/// <summary>Commits continuations (<see cref="EpisodeStore.ContinueAsync"/>) in groups: every continuation that arrives
/// while a group is being written goes into a next one, so under load the steps of many orchestrations share one round
/// trip, one transaction and one WAL flush, and a lone continuation is still written at once (no timer, no added wait).</summary>
/// <remarks>
/// <para>No background service: the caller that finds no writer running becomes the writer until the queue is empty, so
/// it works wherever the store does (a worker, a test's hand-run episode).</para>
/// <para>One writer commits one group at a time, so it commits at most <see cref="MaxGroup"/> per round trip, and a
/// group's statements run one after another in one server process. When the database slowed, that fell below the rate
/// steps arrived at: in the soak, the continuations' queue grew for 30 s (their activities' slots held, 460 of the
/// worker's 512) while the database was not stuck. A writer that takes a full group and leaves more queued therefore
/// starts another, up to <see cref="MaxWriters"/>: the groups are of different orchestrations (one continuation per
/// instance is in flight), so they commit side by side without waiting on each other's rows.</para>
/// </remarks>
internal sealed class ContinuationCommits(Func<IReadOnlyList<Continuation>, Task<EpisodeCommit[]>> commitGroup)
{
    internal const int MaxGroup = 64;
    internal const int MaxWriters = 4;
    private readonly ConcurrentQueue<Pending> queue = new();
    private int writers;

    public ContinuationCommits(EpisodeStore store)
        : this(group => store.ContinueAsync(group, CancellationToken.None))
    {
    }

    public Task<EpisodeCommit> CommitAsync(Continuation continuation)
    {
        var pending = new Pending(continuation, new TaskCompletionSource<EpisodeCommit>(TaskCreationOptions.RunContinuationsAsynchronously));
        this.queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref this.writers, 1, 0) == 0)
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
                // Interlocked (a full fence), not a plain store: the processor may otherwise read the queue before its
                // store is seen, while a caller that enqueued meanwhile still sees this writer and leaves it the work.
                // Another writer still running takes what is queued; the last to stand down takes it up again.
                if (Interlocked.Decrement(ref this.writers) > 0 || this.queue.IsEmpty
                    || Interlocked.CompareExchange(ref this.writers, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            if (group.Count == MaxGroup && !this.queue.IsEmpty)
            {
                this.AddWriter();
            }

            try
            {
                EpisodeCommit[] commits = await commitGroup(group.Select(p => p.Continuation).ToList());
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

    /// <summary>Starts one more writer, unless <see cref="MaxWriters"/> already run.</summary>
    private void AddWriter()
    {
        int running = Volatile.Read(ref this.writers);
        while (running < MaxWriters)
        {
            int seen = Interlocked.CompareExchange(ref this.writers, running + 1, running);
            if (seen == running)
            {
                _ = Task.Run(this.WriteAsync);
                return;
            }

            running = seen;
        }
    }

    private sealed record Pending(Continuation Continuation, TaskCompletionSource<EpisodeCommit> Committed);
}
