namespace TaskFlow.Orchestrations;

/// <summary>Something the orchestrator code decided in an episode (an action of the SDK's response), with the
/// id the SDK gave it: recorded in history and turned into work at commit.</summary>
internal abstract record OrchestrationAction(int TaskId);

/// <summary><c>CallActivityAsync</c>: an activity work item; its outcome comes back as TaskCompleted or TaskFailed.</summary>
internal sealed record ScheduleActivityAction(int TaskId, string Name, string? InputJson) : OrchestrationAction(TaskId);

/// <summary><c>CreateTimer</c>: a timer work item, visible at its fire time on the database clock.</summary>
internal sealed record CreateTimerAction(int TaskId, DateTimeOffset FireAt) : OrchestrationAction(TaskId);

/// <summary><c>CallSubOrchestratorAsync</c>: a child instance; its end comes back as SubOrchestrationInstanceCompleted or Failed.</summary>
internal sealed record StartSubOrchestrationAction(int TaskId, string Name, string InstanceId, string? InputJson) : OrchestrationAction(TaskId);

/// <summary>An entity's <c>ScheduleNewOrchestration</c>: a new instance that reports to no parent.</summary>
internal sealed record StartOrchestrationAction(int TaskId, string Name, string InstanceId, string? InputJson) : OrchestrationAction(TaskId);

/// <summary><c>SendEvent</c>: an EventRaised in another instance's inbox (an entity's message creates the entity).</summary>
internal sealed record SendEventAction(int TaskId, string InstanceId, string EventName, string? DataJson) : OrchestrationAction(TaskId);
