using TaskFlow.Instances;
using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>What an episode loads: the instance, its current execution's history (unless a cached replay has it) and its inbox.</summary>
internal sealed record EpisodeState(
    string Name, int Execution, string Status, int LastSequence, string? ParentInstanceId, int? ParentTaskId, int Priority, DateTimeOffset Now,
    IReadOnlyList<OrchestrationEvent>? History, IReadOnlyList<InboxEvent> Inbox, DateTimeOffset CreatedAt)
{
    /// <summary>An entity's scheduler state after its last batch (the Durable Task Framework's JSON); null for an
    /// orchestration, and for an entity before its first batch.</summary>
    public string? EntityStateJson { get; init; }

    /// <summary>Whether the leased episode has an execution to run: not when it finished, was cancelled or moved on
    /// (ContinueAsNew) since the work item was queued.</summary>
    public bool IsRunnable(WorkItemLease lease) => TaskStatuses.IsRunnable(this.Status) && this.Execution == lease.Execution;

    /// <summary>The inbox events this episode reads, in the order it appends them: the execution's
    /// ExecutionStarted first (an event raised for the previous execution can have queued before it), then arrival order.</summary>
    public IEnumerable<InboxEvent> Fresh =>
        this.Inbox.Where(e => e.BelongsTo(this.Execution)).OrderBy(e => e.Event.EventType == "ExecutionStarted" ? 0 : 1);
}
