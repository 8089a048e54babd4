namespace TaskFlow.Dispatch;

/// <summary>Wakes the dispatcher: a NOTIFY arrived, an activity finished, or a retry was scheduled.</summary>
/// <remarks>Auto-reset: a signal set while nobody waits is kept for the next wait, so none is lost.</remarks>
internal sealed class WakeSignal
{
    private readonly object gate = new();
    private TaskCompletionSource signalled = NewSource();

    public void Set()
    {
        lock (this.gate)
        {
            this.signalled.TrySetResult();
        }
    }

    /// <summary>Waits for a signal or for <paramref name="timeout"/> on <paramref name="time"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task signal;
        lock (this.gate)
        {
            signal = this.signalled.Task;
        }

        if (!signal.IsCompleted)
        {
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task delay = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, stopWaiting.Token);
            await Task.WhenAny(signal, delay);
            stopWaiting.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
        }

        lock (this.gate)
        {
            if (this.signalled.Task.IsCompleted)
            {
                this.signalled = NewSource();
            }
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
