using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Leases;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch;

/// <summary>Renews the leases of the activities this process runs; stops any whose lease was lost.</summary>
/// <remarks>A lease is lost when it expired and the rescuer handed it on, or the task was cancelled. The
/// activity's token is signalled and its result will be discarded by the fence anyway.</remarks>
internal sealed class LeaseRenewer(
    WorkItemLeases leases, RunningWorkItems running, IOptions<LeaseOptions> options, TimeProvider time, ILogger<LeaseRenewer> logger)
    : PeriodicService(time, logger)
{
    protected override TimeSpan Interval => options.Value.RenewEvery;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyCollection<WorkItemLease> held = running.Leases;
        IReadOnlySet<long> stillHeld = await leases.RenewAsync(held, cancellationToken);
        foreach (WorkItemLease lost in held.Where(lease => !stillHeld.Contains(lease.LeaseToken)))
        {
            running.Stop(lost.LeaseToken, WorkStopReason.LeaseLost);
        }
    }
}
