namespace TaskFlow.Orchestrations;

/// <summary>A history (or inbox) event as an episode reads it.</summary>
internal sealed record OrchestrationEvent(string EventType, int? TaskId, int? Attempt, string? PayloadJson, DateTimeOffset Timestamp, string? Actor);

/// <summary>Something an episode decided to do: recorded in history and turned into work at commit.</summary>
internal abstract record OrchestrationAction(int TaskId)
{
    public abstract string EventType { get; }

    public abstract string Name { get; }
}

internal sealed record ScheduleActivityAction(int TaskId, string ActivityName, string? InputJson, Retries.RetryPolicy Retry) : OrchestrationAction(TaskId)
{
    public override string EventType => "TaskScheduled";

    public override string Name => this.ActivityName;
}

internal sealed record CreateTimerAction(int TaskId, DateTimeOffset FireAt) : OrchestrationAction(TaskId)
{
    public override string EventType => "TimerCreated";

    public override string Name => "timer";
}

internal sealed record StartSubOrchestrationAction(int TaskId, string OrchestratorName, Guid InstanceId, string? InputJson) : OrchestrationAction(TaskId)
{
    public override string EventType => "SubOrchestrationCreated";

    public override string Name => this.OrchestratorName;
}
