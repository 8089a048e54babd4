using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Activities;
using TaskFlow.Logging;
using TaskFlow.Notifications;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Leases;

/// <summary>Finds leases whose holder stopped renewing them and records each as a failed attempt, so the work
/// is retried (or, attempts exhausted, fails) instead of waiting forever on a dead worker.</summary>
/// <remarks>Runs in every worker; the writes are fenced by token and expiry, so two rescuers never both act.</remarks>
internal sealed partial class LeaseRescuer(
    WorkItemLeases leases, WorkItemQueue queue, WakeSignal wake, WorkerIdentity identity, IOptions<LeaseOptions> options, TimeProvider time, ILogger<LeaseRescuer> logger)
    : PeriodicService(time, logger)
{
    private const int BatchSize = 100;

    protected override TimeSpan Interval => options.Value.RescueInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => this.RescueAsync(cancellationToken);

    /// <summary>Records every expired lease found (up to a batch) as a failed attempt; returns how many were found.</summary>
    public async Task<int> RescueAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<WorkItemLease> expired = await leases.FindExpiredAsync(BatchSize, cancellationToken);
        foreach (WorkItemLease lease in expired)
        {
            var failure = new FailureDetails(
                "TaskFlow.LeaseExpired",
                $"Worker '{lease.LeaseOwner}' stopped renewing its lease (it expired at {lease.LeaseExpiresAt:O}); the attempt counts as failed.");
            if (await queue.RecordFailedAttemptAsync(lease, failure, $"rescuer:{identity.Id}", onlyIfExpired: true, Random.Shared.NextDouble(), cancellationToken))
            {
                LogRescued(logger, lease.InstanceId, lease.Attempt, lease.LeaseOwner);
                Telemetry.TaskFlowMetrics.LeaseRescues.Add(1);
            }
        }

        if (expired.Count > 0)
        {
            wake.Set();
        }

        return expired.Count;
    }

    [LoggerMessage(EventId = EventIds.LeaseRescued, Level = LogLevel.Warning, Message = "Rescued task {InstanceId} attempt {Attempt}: lease of {Owner} expired")]
    private static partial void LogRescued(ILogger logger, string instanceId, int attempt, string owner);
}
