using DurableTask.Core;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>An orchestration episode handed to the Durable Task Framework's dispatcher: its lease (which fences the
/// commit), what the store held when it was loaded, and the runtime state the dispatcher appends to. In an extended
/// session the same work item carries the orchestration's next episodes (<see cref="Continue"/>).</summary>
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

    public WorkItemLease Lease { get; private set; }

    public EpisodeState State { get; private set; }

    /// <summary>The runtime state as handed over: a dispatcher that continues as new replaces the work item's.</summary>
    public OrchestrationRuntimeState Original { get; private set; }

    /// <summary>What the last commit left, when the orchestration waits on (null: nothing to continue a session from).</summary>
    public EpisodeCommit? Waiting { get; set; }

    /// <summary>The session's wait for the orchestration's next episode, registered by the commit that left it waiting
    /// (null when none is registered, or once the session took it up).</summary>
    public TaskCompletionSource<WorkItemLease>? NextEpisode { get; set; }

    /// <summary>The orchestration's next episode in this session: a new lease and the store's state (without the history,
    /// which the dispatcher's runtime state holds).</summary>
    public void Continue(WorkItemLease lease, EpisodeState state)
    {
        this.Lease = lease;
        this.State = state;
        this.Original = this.OrchestrationRuntimeState;
        this.LockedUntilUtc = lease.LeaseExpiresAt.UtcDateTime;
        this.Waiting = null;
    }
}
