namespace TaskFlow.Database;

/// <summary>Joins calls that arrive together into one call of a batch operation: the calls that come while one
/// batch runs go into the next, so a lone call runs at once (no timer, no added latency) and a burst shares one
/// statement and one commit.</summary>
/// <remarks>One batch runs at a time, unless <c>maxRunning</c> allows more: then a runner that takes a full batch
/// and leaves calls waiting starts another runner, so a backlog is worked off side by side while a light load still
/// shares batches. When a batch of several fails in a way <c>isolate</c> accepts (the database rejected something in
/// it), each of its calls runs again alone, so a bad call fails only itself; any other failure (the database is
/// unreachable, say) fails them all at once.</remarks>
internal sealed class CallBatcher<TIn, TOut>(
    Func<IReadOnlyList<TIn>, Task<IReadOnlyList<TOut>>> runBatch, int maxBatch, Func<Exception, bool> isolate, int maxRunning = 1)
{
    private readonly object gate = new();
    private readonly List<Pending> waiting = [];
    private int running;

    /// <summary>How many calls wait for a batch to take them.</summary>
    public int Waiting
    {
        get
        {
            lock (this.gate)
            {
                return this.waiting.Count;
            }
        }
    }

    public Task<TOut> CallAsync(TIn input)
    {
        var pending = new Pending(input, new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (this.gate)
        {
            this.waiting.Add(pending);
            if (this.running > 0)
            {
                return pending.Result.Task;
            }

            this.running = 1;
        }

        _ = Task.Run(this.RunAsync);
        return pending.Result.Task;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (this.gate)
            {
                if (this.waiting.Count == 0)
                {
                    this.running--;
                    return;
                }

                int take = Math.Min(maxBatch, this.waiting.Count);
                batch = this.waiting.GetRange(0, take);
                this.waiting.RemoveRange(0, take);
                if (this.waiting.Count > 0 && this.running < maxRunning)
                {
                    this.running++;
                    _ = Task.Run(this.RunAsync);
                }
            }

            await this.RunBatchAsync(batch);
        }
    }

    private async Task RunBatchAsync(IReadOnlyList<Pending> batch)
    {
        try
        {
            IReadOnlyList<TOut> results = await runBatch(batch.Select(pending => pending.Input).ToList());
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Result.TrySetResult(results[i]);
            }
        }
        catch (Exception exception) when (batch.Count > 1 && isolate(exception))
        {
            foreach (Pending pending in batch)
            {
                await this.RunBatchAsync([pending]);
            }
        }
        catch (Exception exception)
        {
            foreach (Pending pending in batch)
            {
                pending.Result.TrySetException(exception);
            }
        }
    }

    private sealed record Pending(TIn Input, TaskCompletionSource<TOut> Result);
}
