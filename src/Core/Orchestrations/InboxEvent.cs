namespace TaskFlow.Orchestrations;

/// <summary>An inbox row: an event waiting for an episode of its instance.</summary>
internal sealed record InboxEvent(long Id, int Execution, OrchestrationEvent Event)
{
    /// <summary>An event raised for an earlier execution (it ended by ContinueAsNew while the event was on its way)
    /// reaches the current one, as a Durable Task message reaches whichever execution is current; the earlier
    /// executions' other rows (activity results, timers) are moot.</summary>
    public bool BelongsTo(int execution) =>
        this.Execution == execution || (this.Execution < execution && this.Event.EventType == "EventRaised");
}
