using DurableTask.Core;
using DurableTask.Core.History;
using FailureDetails = TaskFlow.Activities.FailureDetails;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>The activity dispatcher's side: orchestrations' activities are leased a batch at a time; successes commit
/// in batches (each fenced by its own lease), failures go to the orchestration as the server's do.</summary>
public sealed partial class TaskFlowOrchestrationService
{
    /// <inheritdoc/>
    public async Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        await this.NextLeaseAsync(this.activityLeases, this.activityWakeUps, this.ActivityBatch, receiveTimeout, cancellationToken, limitedWork: true) is { } lease ? new ActivityWorkItem(lease) : null;

    /// <inheritdoc/>
    public async Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem)
    {
        workItem.LockedUntilUtc = await this.RenewLockAsync(Activity(workItem).Lease);
        return workItem;
    }

    /// <inheritdoc/>
    /// <remarks>A result whose lock was lost is discarded (another process ran the activity again, and its result
    /// counts), as the server discards it.</remarks>
    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        WorkItemLease lease = Activity(workItem).Lease;
        switch (responseMessage.Event)
        {
            case TaskCompletedEvent completed:
                await this.completions.CompleteAsync(lease, completed.Result);
                break;
            case TaskFailedEvent failed:
                FailureDetails failure = FrameworkEpisode.Failure(failed.FailureDetails, "TaskFailed", failed.Reason, failed.Details);
                await this.queue.RecordFailedAttemptAsync(lease, failure, lease.LeaseOwner, onlyIfExpired: false, Random.Shared.NextDouble(), CancellationToken.None);
                break;
            default:
                throw new ArgumentException($"An activity answers TaskCompleted or TaskFailed, not {responseMessage.Event.EventType}.", nameof(responseMessage));
        }
    }

    /// <inheritdoc/>
    /// <remarks>The activity goes back to the queue at once, without counting an attempt.</remarks>
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => this.leases.ReleaseAsync(Activity(workItem).Lease, CancellationToken.None);

    /// <summary>How many activities one lease takes: enough to save round trips, few enough that other hosts get work.</summary>
    private int ActivityBatch => Math.Clamp(this.settings.MaxConcurrentActivities / 4, 1, 32);

    private static ActivityWorkItem Activity(TaskActivityWorkItem workItem) =>
        workItem as ActivityWorkItem ?? throw new ArgumentException("The work item did not come from this orchestration service.", nameof(workItem));
}
