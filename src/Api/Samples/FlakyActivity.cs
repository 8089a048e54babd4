using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using TaskFlow.Activities;

namespace TaskFlow.Api.Samples;

/// <summary>Sample task type <c>flaky</c> (<c>{"failures": N}</c>): fails its first N attempts, then succeeds.</summary>
/// <remarks>Attempts are a work item's: a single-activity task's retries. In an orchestration each retry that
/// <c>TaskOptions</c> makes is a new activity, so there it fails every time when N ≥ 1.</remarks>
internal sealed class FlakyActivity : TaskActivity<FlakyActivity.Input, FlakyActivity.Output>
{
    public override Task<Output> RunAsync(TaskActivityContext context, Input input)
    {
        int failures = input?.Failures ?? 0;
        int attempt = context.GetAttempt();
        return attempt <= failures
            ? throw new InvalidOperationException($"flaky: attempt {attempt} of the first {failures} fails on purpose.")
            : Task.FromResult(new Output(attempt));
    }

    /// <summary>How many attempts fail.</summary>
    public sealed record Input(int Failures);

    /// <summary>The attempt that succeeded.</summary>
    public sealed record Output([property: JsonPropertyName("succeededOnAttempt")] int SucceededOnAttempt);
}
