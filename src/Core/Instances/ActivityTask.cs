using System.Text.Json;
using System.Text.Json.Serialization;
using TaskFlow.Json;

namespace TaskFlow.Instances;

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
            new Input(activityTask.Type, activityTask.InputJson is null ? null : JsonDocument.Parse(activityTask.InputJson).RootElement.Clone(), activityTask.Retry, activityTask.Timeout), TaskFlowJson.Options),
        IsOrchestration = true,
    };

    /// <summary>The task as its caller submitted it: the activity's type and input, its attempts and the retry policy's
    /// maximum, kind <c>activity</c>, as the server shows a single-activity task; any other task as it is.</summary>
    /// <param name="attempts">How many times the activity was scheduled (its attempts so far), when known.</param>
    public static TaskRecord AsSubmitted(TaskRecord task, long? attempts = null)
    {
        if (task.Type != OrchestratorName || task.InputJson is null
            || JsonSerializer.Deserialize<Input>(task.InputJson, TaskFlowJson.Options) is not { Activity.Length: > 0 } input)
        {
            return task;
        }

        return task with
        {
            Type = input.Activity,
            Kind = "activity",
            InputJson = input.ActivityInput?.GetRawText(),
            MaxAttempts = Math.Max(1, (input.Retry ?? new Retries.RetryPolicy()).MaxAttempts),
            Attempt = (int)(attempts ?? task.Attempt),
        };
    }

    /// <summary>The activity, its input, and how to run it.</summary>
    public sealed record Input(
        string Activity,
        [property: JsonPropertyName("input")] JsonElement? ActivityInput,
        Retries.RetryPolicy? Retry,
        [property: JsonConverter(typeof(TaskFlowJson.IsoDurationJsonConverter))] TimeSpan? Timeout);
}
