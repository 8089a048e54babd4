namespace TaskFlow.WorkItems;

/// <summary>What a work item asks a worker to do: run an activity, run an orchestration episode or an entity's batch, or fire a timer.</summary>
internal static class WorkKinds
{
    public const string Activity = "activity";
    public const string Orchestration = "orchestration";
    public const string Timer = "timer";

    /// <summary>A Durable entity's next batch of operations (the server's <c>EntityBatchRunner</c>, or the Durable Task
    /// Framework's entity dispatcher through the storage provider).</summary>
    public const string Entity = "entity";

    /// <summary>Every kind, in one order (the schema's <c>work_kind_is_known</c> check allows no other).</summary>
    public static readonly IReadOnlyList<string> All = [Activity, Orchestration, Timer, Entity];
}
