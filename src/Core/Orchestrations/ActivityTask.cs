using System.Text.Json;
using System.Text.Json.Serialization;
using TaskFlow.Instances;

namespace TaskFlow.Orchestrations;

/// <summary>A single-activity task started as an orchestration (where activities run only inside orchestrations, on
/// Azure Functions): the orchestrator's name and its input, which carries the activity, its input and how to run it.</summary>
internal static class ActivityTask
{
    public const string OrchestratorName = "taskflow-activity";

    /// <summary>A single-activity task as the start of <see cref="OrchestratorName"/>: the same request, run inside it.</summary>
    public static TaskSubmission Wrap(TaskSubmission activityTask) => activityTask with
    {
        Type = OrchestratorName,
        InputJson = JsonSerializer.Serialize(
            new Input(activityTask.Type, DurableHistory.Parse(activityTask.InputJson), activityTask.Retry, activityTask.Timeout), TaskFlowJson.Options),
        IsOrchestration = true,
    };

    /// <summary>The activity, its input, and how to run it.</summary>
    public sealed record Input(string Activity, [property: JsonPropertyName("input")] JsonElement? ActivityInput, Retries.RetryPolicy? Retry, TimeSpan? Timeout);
}
