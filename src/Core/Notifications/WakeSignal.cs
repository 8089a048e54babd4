namespace TaskFlow.Notifications;

/// <summary>Wakes the dispatchers: a NOTIFY arrived, an activity finished, or a retry was scheduled.</summary>
/// <remarks>Each waiting loop listens through its own <see cref="Listener"/>: a signal set while a loop is busy is kept
/// for that loop's next wait, whatever the other loops did meanwhile. (One shared auto-reset signal lost wake-ups: the
/// provider's activity loop consumed the signal meant for its episode loop, which then slept until its next poll, a
/// second later.) A signal may name the work it is for (<see cref="WakeUps"/>), so a loop that leases only other work
/// is not woken into a lease that cannot find any: in the provider's one-at-a-time sequences each step woke all three
/// loops, and their empty leases queued before the one that mattered.</remarks>
internal sealed class WakeSignal
{
    private const int Kinds = 3; // the bits of WakeUps.All
    private readonly object gate = new();
    private readonly long[] generations = new long[Kinds];
    private readonly Listener shared;
    private TaskCompletionSource next = NewSource();

    public WakeSignal() => this.shared = this.Listen();

    /// <param name="work">The work that became ready, when the caller knows it; every loop by default.</param>
    public void Set(WakeUps work = WakeUps.All)
    {
        TaskCompletionSource signalled;
        lock (this.gate)
        {
            for (int kind = 0; kind < Kinds; kind++)
            {
                if (((int)work & (1 << kind)) != 0)
                {
                    this.generations[kind]++;
                }
            }

            signalled = this.next;
            this.next = NewSource();
        }

        signalled.TrySetResult();
    }

    /// <summary>A listener for one loop: its waits return at once for signals set since its last wait.</summary>
    /// <param name="interest">The work the loop leases: signals for other work do not wake it.</param>
    public Listener Listen(WakeUps interest = WakeUps.All)
    {
        lock (this.gate)
        {
            return new Listener(this, interest, (long[])this.generations.Clone());
        }
    }

    /// <summary>Waits, as the process's one dispatcher loop, for a signal or for <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        this.shared.WaitAsync(timeout, time, cancellationToken);

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One loop's view of the signal: what it has seen.</summary>
    internal sealed class Listener(WakeSignal signal, WakeUps interest, long[] seen)
    {
        /// <summary>Waits for a signal for this loop's work set since its last wait, or for <paramref name="timeout"/>
        /// on <paramref name="time"/>, whichever comes first.</summary>
        public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            Task pending;
            lock (signal.gate)
            {
                if (this.TakeNews())
                {
                    return; // no timer, no allocation: the loop has work to look for already
                }

                pending = signal.next.Task;
            }

            using (var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task delay = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, stopWaiting.Token);
                while (await Task.WhenAny(pending, delay) != delay)
                {
                    lock (signal.gate)
                    {
                        if (this.TakeNews())
                        {
                            break;
                        }

                        pending = signal.next.Task; // a signal for other work: wait on
                    }
                }

                stopWaiting.Cancel();
            }

            cancellationToken.ThrowIfCancellationRequested();
            lock (signal.gate)
            {
                this.TakeNews();
            }
        }

        /// <summary>Under the signal's gate: whether a signal for this loop's work came since it last looked; marks it seen.</summary>
        private bool TakeNews()
        {
            bool news = false;
            for (int kind = 0; kind < Kinds; kind++)
            {
                if (((int)interest & (1 << kind)) != 0 && seen[kind] != signal.generations[kind])
                {
                    seen[kind] = signal.generations[kind];
                    news = true;
                }
            }

            return news;
        }
    }
}
