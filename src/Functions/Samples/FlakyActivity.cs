using TaskFlow.Activities;

namespace TaskFlow.Functions.Samples;

/// <summary>Sample task type <c>flaky</c> (<c>{"failures": N}</c>): fails its first N attempts, then succeeds.</summary>
internal sealed class FlakyActivity : Activity<FlakyActivity.Input, FlakyActivity.Output>
{
    public override Task<Output> RunAsync(ActivityContext context, Input input)
    {
        int failures = input?.Failures ?? 0;
        return context.Attempt <= failures
            ? throw new InvalidOperationException($"flaky: attempt {context.Attempt} of the first {failures} fails on purpose.")
            : Task.FromResult(new Output(context.Attempt));
    }

    /// <summary>How many attempts fail.</summary>
    public sealed record Input(int Failures);

    /// <summary>The attempt that succeeded.</summary>
    public sealed record Output(int SucceededOnAttempt);
}
