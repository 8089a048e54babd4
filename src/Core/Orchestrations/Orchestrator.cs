namespace TaskFlow.Orchestrations;

/// <summary>Code-first durable orchestration: register it with <c>AddOrchestrator</c> and submit tasks of its name.</summary>
/// <remarks>The code is re-run from the start in every episode and fed its history, so it must be
/// deterministic: take time, ids and randomness from the <see cref="OrchestrationContext"/>, do I/O only in
/// activities, and do not start threads (<c>Task.Run</c>) or use <c>ConfigureAwait(false)</c>. An episode
/// whose actions differ from its history fails the instance with a <c>NonDeterministicOrchestration</c> error.</remarks>
/// <typeparam name="TInput">What the task's <c>input</c> JSON is read as.</typeparam>
/// <typeparam name="TOutput">The orchestration's result, stored as the task's <c>output</c>.</typeparam>
public abstract class Orchestrator<TInput, TOutput>
{
    /// <summary>The orchestration's logic. Fan out with <c>Task.WhenAll</c> over context calls; throw to fail it.</summary>
    public abstract Task<TOutput> RunAsync(OrchestrationContext context, TInput input);
}
