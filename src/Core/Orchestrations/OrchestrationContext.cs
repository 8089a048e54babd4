using Microsoft.Extensions.Logging;
using TaskFlow.Retries;

namespace TaskFlow.Orchestrations;

/// <summary>What orchestrator code may do. Every call is recorded in the history and, on replay, answered from it.</summary>
public abstract class OrchestrationContext
{
    /// <summary>The orchestration instance (the task id).</summary>
    public abstract Guid InstanceId { get; }

    /// <summary>The registered orchestrator name.</summary>
    public abstract string Name { get; }

    /// <summary>True while the code re-runs steps that earlier episodes already took (do not repeat side effects).</summary>
    public abstract bool IsReplaying { get; }

    /// <summary>The orchestration's clock: the time of the history event being processed, the same on every replay.</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>Schedules an activity and returns its result.</summary>
    /// <remarks>Activities run at least once; the result is recorded once. With a retry policy, a failed attempt is
    /// retried after a durable wait (the work item is invisible until then; no thread sleeps). The last failure
    /// arrives as <see cref="ActivityFailedException"/>.</remarks>
    public abstract Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null);

    /// <summary>Schedules an activity whose result is not needed.</summary>
    public Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null) =>
        this.CallActivityAsync<object?>(name, input, retry);

    /// <summary>Starts a child orchestration and returns its result; its failure arrives as <see cref="SubOrchestrationFailedException"/>.</summary>
    /// <param name="instanceId">The child's id; by default a deterministic new one.</param>
    /// <param name="retry">Start a new child after a failed one, waiting out the policy's backoff on a durable
    /// timer (without jitter, so replay waits the same). Each retry is a new child with a new id.</param>
    public async Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, Guid? instanceId = null, RetryPolicy? retry = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await this.StartSubOrchestrationAsync<TResult>(name, input, attempt == 1 ? instanceId : null);
            }
            catch (SubOrchestrationFailedException failed) when (retry is not null && attempt < retry.MaxAttempts && !failed.FailureDetails.NonRetryable)
            {
                await this.CreateTimer(this.CurrentUtcDateTime + retry.DelayAfter(attempt, random: 0), CancellationToken.None);
            }
        }
    }

    /// <summary>Starts one child orchestration (one attempt of <see cref="CallSubOrchestratorAsync{TResult}"/>).</summary>
    /// <param name="instanceId">The child's id; null for a deterministic new one.</param>
    protected abstract Task<TResult> StartSubOrchestrationAsync<TResult>(string name, object? input, Guid? instanceId);

    /// <summary>A durable timer: completes at or after <paramref name="fireAt"/> (UTC) on the database clock.
    /// It costs nothing while it waits, and survives restarts. Cancelling the token abandons it.</summary>
    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>Waits for an event raised with <c>POST /api/tasks/{id}/events/{name}</c>. Events raised before the
    /// wait are kept and delivered in order. With a timeout, throws <see cref="TimeoutException"/> when it passes first.</summary>
    public abstract Task<TEvent> WaitForExternalEvent<TEvent>(string name, TimeSpan? timeout = null);

    /// <summary>Ends this execution and starts the orchestration afresh with <paramref name="input"/>; the history
    /// replayed from then on starts empty, while the audit trail keeps every execution.</summary>
    public abstract void ContinueAsNew(object? input);

    /// <summary>A new id, the same on every replay.</summary>
    public abstract Guid NewGuid();

    /// <summary>Shown as the task's <c>customStatus</c> from the end of this episode on.</summary>
    public abstract void SetCustomStatus(object? status);

    /// <summary>A logger that stays silent while the code is replaying, so each message is written once.</summary>
    public abstract ILogger CreateReplaySafeLogger(ILogger logger);
}
