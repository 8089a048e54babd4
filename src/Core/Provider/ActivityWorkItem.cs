using DurableTask.Core;
using DurableTask.Core.History;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>An orchestration's activity handed to the Durable Task Framework's dispatcher, with the lease that fences
/// its result.</summary>
internal sealed class ActivityWorkItem : TaskActivityWorkItem
{
    public ActivityWorkItem(WorkItemLease lease)
    {
        this.Lease = lease;
        this.Id = lease.WorkItemId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        this.LockedUntilUtc = lease.LeaseExpiresAt.UtcDateTime;
        this.TaskMessage = new TaskMessage
        {
            Event = new TaskScheduledEvent(lease.TaskId, lease.Name, version: null, FrameworkParameters.Wrap(lease.InputJson)),
            OrchestrationInstance = new OrchestrationInstance { InstanceId = lease.InstanceId, ExecutionId = DurableHistory.Execution(lease.Execution) },
        };
    }

    public WorkItemLease Lease { get; }
}
