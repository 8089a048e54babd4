using Microsoft.DurableTask;

namespace TaskFlow.Activities;

/// <summary>The <see cref="TaskActivityContext"/> TaskFlow's workers hand an activity: the SDK's name and
/// instance id, plus what TaskFlow knows about the attempt. Read it through
/// <see cref="TaskActivityContextExtensions"/>, so the same activity class also runs in Durable Functions.</summary>
/// <remarks>Activities run at least once: if a worker dies after an activity finishes but before its result is saved,
/// or a lease is lost, another worker runs it again, possibly while the first is still running. Exactly one outcome per
/// attempt is recorded, and only from the worker holding the current lease. Make activities idempotent; pass
/// <see cref="IdempotencyKey"/> downstream.</remarks>
public sealed class TaskFlowActivityContext : TaskActivityContext, IActivityAttempt
{
    internal TaskFlowActivityContext(string name, string instanceId, int taskId, int attempt, CancellationToken cancellationToken)
    {
        this.Name = name;
        this.InstanceId = instanceId;
        this.TaskId = taskId;
        this.Attempt = attempt;
        this.CancellationToken = cancellationToken;
    }

    /// <inheritdoc/>
    public override TaskName Name { get; }

    /// <inheritdoc/>
    public override string InstanceId { get; }

    /// <summary>The activity's id within its task: the orchestration's action id, or 1 for a single-activity task.</summary>
    public int TaskId { get; }

    /// <summary>Which attempt of this work item this is, from 1. Crash re-runs count. Retries that an
    /// orchestration's <c>TaskOptions</c> make are new activities, each starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>Stable across attempts (<c>{instanceId}:{taskId}</c>): pass it downstream so a re-run does not act twice.</summary>
    public string IdempotencyKey => $"{this.InstanceId}:{this.TaskId}";

    /// <summary>Signalled on timeout, cancellation of the task, a lost lease, or worker shutdown.</summary>
    public CancellationToken CancellationToken { get; }
}
