namespace TaskFlow.WorkItems;

/// <summary>What a work item asks a worker to do: run an activity, run an orchestration episode, or fire a timer.</summary>
internal static class WorkKinds
{
    public const string Activity = "activity";
    public const string Orchestration = "orchestration";
    public const string Timer = "timer";
}
