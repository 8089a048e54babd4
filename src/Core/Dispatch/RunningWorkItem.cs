using TaskFlow.WorkItems;

namespace TaskFlow.Dispatch;

/// <summary>One leased work item in flight in this process (an activity attempt, an orchestration episode or a timer),
/// and why it was stopped, if it was: its lease is renewed while it runs.</summary>
internal sealed class RunningWorkItem(WorkItemLease lease) : IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private int stopReason = (int)WorkStopReason.None;

    public WorkItemLease Lease { get; } = lease;

    public CancellationToken Token => this.cancellation.Token;

    public WorkStopReason StopReason => (WorkStopReason)Volatile.Read(ref this.stopReason);

    /// <summary>Signals the work's token; the first reason given is the one that counts.</summary>
    public void Stop(WorkStopReason reason)
    {
        if (Interlocked.CompareExchange(ref this.stopReason, (int)reason, (int)WorkStopReason.None) == (int)WorkStopReason.None)
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
