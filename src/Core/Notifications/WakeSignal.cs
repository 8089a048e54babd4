namespace TaskFlow.Notifications;

/// <summary>Wakes the dispatchers: a NOTIFY arrived, an activity finished, or a retry was scheduled.</summary>
/// <remarks>Each waiting loop listens through its own <see cref="Listener"/>: a signal set while a loop is busy is kept
/// for that loop's next wait, whatever the other loops did meanwhile. (One shared auto-reset signal lost wake-ups: the
/// provider's activity loop consumed the signal meant for its episode loop, which then slept until its next poll, a
/// second later.)</remarks>
internal sealed class WakeSignal
{
    private readonly object gate = new();
    private readonly Listener shared;
    private TaskCompletionSource next = NewSource();
    private long generation;

    public WakeSignal() => this.shared = this.Listen();

    public void Set()
    {
        TaskCompletionSource signalled;
        lock (this.gate)
        {
            this.generation++;
            signalled = this.next;
            this.next = NewSource();
        }

        signalled.TrySetResult();
    }

    /// <summary>A listener for one loop: its waits return at once for signals set since its last wait.</summary>
    public Listener Listen()
    {
        lock (this.gate)
        {
            return new Listener(this, this.generation);
        }
    }

    /// <summary>Waits, as the process's one dispatcher loop, for a signal or for <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        this.shared.WaitAsync(timeout, time, cancellationToken);

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One loop's view of the signal: what it has seen.</summary>
    internal sealed class Listener(WakeSignal signal, long seen)
    {
        /// <summary>Waits for a signal set since this listener's last wait, or for <paramref name="timeout"/> on
        /// <paramref name="time"/>, whichever comes first.</summary>
        public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            Task pending;
            lock (signal.gate)
            {
                if (signal.generation != seen)
                {
                    seen = signal.generation;
                    return;
                }

                pending = signal.next.Task;
            }

            using (var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task delay = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, stopWaiting.Token);
                await Task.WhenAny(pending, delay);
                stopWaiting.Cancel();
            }

            cancellationToken.ThrowIfCancellationRequested();
            lock (signal.gate)
            {
                seen = signal.generation;
            }
        }
    }
}
