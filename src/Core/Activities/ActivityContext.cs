namespace TaskFlow.Activities;

/// <summary>What an activity knows about the attempt it is running.</summary>
public sealed class ActivityContext
{
    internal ActivityContext(string name, Guid instanceId, int taskId, int attempt, CancellationToken cancellationToken)
    {
        this.Name = name;
        this.InstanceId = instanceId;
        this.TaskId = taskId;
        this.Attempt = attempt;
        this.CancellationToken = cancellationToken;
    }

    /// <summary>The registered activity name.</summary>
    public string Name { get; }

    /// <summary>The task (orchestration instance) the activity belongs to.</summary>
    public Guid InstanceId { get; }

    /// <summary>The activity's id within its task.</summary>
    public int TaskId { get; }

    /// <summary>Which attempt this is, from 1. Crash re-runs count.</summary>
    public int Attempt { get; }

    /// <summary>Stable across attempts (<c>{taskId}:{activityId}</c>): pass it downstream so a re-run does not act twice.</summary>
    public string IdempotencyKey => $"{this.InstanceId}:{this.TaskId}";

    /// <summary>Signalled on timeout, cancellation of the task, a lost lease, or worker shutdown.</summary>
    public CancellationToken CancellationToken { get; }
}
