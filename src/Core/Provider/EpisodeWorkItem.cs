using DurableTask.Core;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>An orchestration episode handed to the Durable Task Framework's dispatcher: its lease (which fences the
/// commit), what the store held when it was loaded, and the runtime state the dispatcher appends to.</summary>
internal sealed class EpisodeWorkItem : TaskOrchestrationWorkItem
{
    public EpisodeWorkItem(WorkItemLease lease, EpisodeState state, OrchestrationRuntimeState runtimeState, IList<TaskMessage> messages)
    {
        this.Lease = lease;
        this.State = state;
        this.Original = runtimeState;
        this.InstanceId = lease.InstanceId;
        this.OrchestrationRuntimeState = runtimeState;
        this.NewMessages = messages;
        this.LockedUntilUtc = lease.LeaseExpiresAt.UtcDateTime;
    }

    public WorkItemLease Lease { get; }

    public EpisodeState State { get; }

    /// <summary>The runtime state as handed over: a dispatcher that continues as new replaces the work item's.</summary>
    public OrchestrationRuntimeState Original { get; }
}
