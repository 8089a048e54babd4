using System.Text.Json;
using Microsoft.DurableTask;
using TaskFlow.Instances;
using SdkRetryPolicy = Microsoft.DurableTask.RetryPolicy;

namespace TaskFlow.Orchestrations;

/// <summary>Runs a single-activity task where activities run only inside orchestrations (on Azure Functions, where
/// Durable's dispatchers run TaskFlow's work): calls the activity with the task's retry policy, and fails the task
/// with <see cref="TimeoutException"/> when its time-out passes first.</summary>
/// <remarks>Differences from the server's own single-activity tasks, where the work item itself retries: the
/// time-out covers all attempts together, and retries wait their backoff without jitter (the SDK's retry policy has
/// none). Registered by <c>AddTaskFlow</c> under <see cref="ActivityTask.OrchestratorName"/>, so every host can run it.</remarks>
internal sealed class ActivityTaskOrchestrator : TaskOrchestrator<ActivityTask.Input, JsonElement?>
{
    public override async Task<JsonElement?> RunAsync(TaskOrchestrationContext context, ActivityTask.Input input)
    {
        Retries.RetryPolicy retry = input.Retry ?? new Retries.RetryPolicy();
        TaskOptions options = TaskOptions.FromRetryPolicy(
            new SdkRetryPolicy(Math.Max(1, retry.MaxAttempts), retry.InitialInterval, retry.BackoffCoefficient, retry.MaxInterval));
        Task<JsonElement?> activity = context.CallActivityAsync<JsonElement?>(input.Activity, input.ActivityInput, options);
        if (input.Timeout is not { } timeout)
        {
            return await activity;
        }

        using var timerCancellation = new CancellationTokenSource();
        Task timer = context.CreateTimer(context.CurrentUtcDateTime + timeout, timerCancellation.Token);
        if (await Task.WhenAny(activity, timer) == activity)
        {
            // Cancel, not CancelAsync: an orchestrator awaits only durable tasks. Awaiting anything else hands the
            // dispatcher an episode that decided nothing, and Durable Functions' worker then never resumes it.
            timerCancellation.Cancel();
            return await activity;
        }

        throw new TimeoutException($"'{input.Activity}' did not finish within its time-out of {timeout} (all attempts together).");
    }
}
