namespace TaskFlow.Activities;

/// <summary>A unit of work a worker runs: register it with <c>AddActivity</c> and submit tasks of its name.</summary>
/// <remarks>Activities run at least once: if a worker dies after an activity finishes but before its result
/// is saved, or a lease is lost, another worker runs it again, possibly while the first is still running.
/// Exactly one outcome per attempt is recorded, and only from the worker holding the current lease.
/// Make activities idempotent; pass <see cref="ActivityContext.IdempotencyKey"/> downstream.</remarks>
/// <typeparam name="TInput">What the task's <c>input</c> JSON is read as.</typeparam>
/// <typeparam name="TOutput">What the activity returns; stored as the task's <c>output</c> JSON.</typeparam>
public abstract class Activity<TInput, TOutput>
{
    /// <summary>Runs one attempt. Throw to fail it (retried per the retry policy), or throw
    /// <see cref="NonRetryableException"/> to fail the task at once. Honour
    /// <see cref="ActivityContext.CancellationToken"/>: it fires on timeout, cancellation, lost lease and shutdown.</summary>
    public abstract Task<TOutput> RunAsync(ActivityContext context, TInput input);
}
