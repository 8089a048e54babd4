namespace TaskFlow.WorkItems;

/// <summary>What a work item asks a worker to do: run an activity, run an orchestration episode, or fire a timer.</summary>
internal static class WorkKinds
{
    public const string Activity = "activity";
    public const string Orchestration = "orchestration";
    public const string Timer = "timer";

    /// <summary>A Durable entity's next batch of operations (run by the Durable Task Framework's entity dispatcher
    /// through the storage provider; the server's dispatcher leaves it).</summary>
    public const string Entity = "entity";
}
