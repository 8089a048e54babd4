using TaskFlow.WorkItems;

namespace TaskFlow.Dispatch;

/// <summary>One activity attempt in flight in this process, and why it was stopped, if it was.</summary>
internal sealed class RunningActivity(WorkItemLease lease) : IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private int stopReason = (int)ActivityStopReason.None;

    public WorkItemLease Lease { get; } = lease;

    public CancellationToken Token => this.cancellation.Token;

    public ActivityStopReason StopReason => (ActivityStopReason)Volatile.Read(ref this.stopReason);

    /// <summary>Signals the activity's token; the first reason given is the one that counts.</summary>
    public void Stop(ActivityStopReason reason)
    {
        if (Interlocked.CompareExchange(ref this.stopReason, (int)reason, (int)ActivityStopReason.None) == (int)ActivityStopReason.None)
        {
            try
            {
                this.cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished in the meantime: nothing left to stop.
            }
        }
    }

    public void Dispose() => this.cancellation.Dispose();
}

/// <summary>Why a running activity's cancellation token was signalled.</summary>
internal enum ActivityStopReason
{
    None,
    TimedOut,
    Cancelled,
    LeaseLost,
    ShuttingDown,
}
