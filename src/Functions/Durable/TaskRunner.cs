using System.Diagnostics;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using TaskFlow.Activities;
using TaskFlow.Orchestrations;
using TaskFlow.Telemetry;

namespace TaskFlow.Functions.Durable;

/// <summary>Runs a registered orchestrator or activity (the classes the server runs) for the function that wraps it,
/// reading its input as the type it declares, with TaskFlow's JSON.</summary>
internal sealed class TaskRunner(OrchestratorRegistry orchestrators, ActivityRegistry activities, TimeProvider time)
{
    public async Task<object?> RunOrchestratorAsync(string name, TaskOrchestrationContext context)
    {
        ITaskOrchestrator orchestrator = orchestrators.Create(name)
            ?? throw new InvalidOperationException($"No orchestrator '{name}' is registered (AddSampleTaskTypes or AddTaskFlow).");
        object? input = context.GetInput<JsonElement?>() is { } json ? json.Deserialize(orchestrators.InputType(name), TaskFlowJson.Options) : null;
        return await orchestrator.RunAsync(context, input);
    }

    /// <summary>Runs the activity inside a <c>taskflow.activity</c> span, the child of the invocation's trace context (the
    /// host's, which Durable's distributed tracing puts in the task's trace), and records its run time as the server does.</summary>
    public async Task<JsonElement?> RunActivityAsync(string name, JsonElement? input, FunctionContext function)
    {
        string instanceId = function.BindingContext.BindingData.TryGetValue("instanceId", out object? id) ? id?.ToString() ?? string.Empty : string.Empty;
        using Activity? span = TaskFlowTracing.StartWork($"taskflow.activity {name}", function.TraceContext?.TraceParent, instanceId, attempt: 0);
        long began = time.GetTimestamp();
        try
        {
            string? output = await activities.RunAsync(new FunctionActivityContext(name, instanceId), input?.GetRawText());
            span?.SetStatus(ActivityStatusCode.Ok);
            return output is null ? null : JsonDocument.Parse(output).RootElement.Clone();
        }
        catch (Exception exception)
        {
            span?.SetStatus(ActivityStatusCode.Error, exception.Message);
            throw;
        }
        finally
        {
            TaskFlowMetrics.ActivityDuration.Record(time.GetElapsedTime(began).TotalSeconds, new KeyValuePair<string, object?>("activity", name));
        }
    }

    /// <summary>An activity's context on Functions: its name and instance; TaskFlow's attempt details read as neutral
    /// values here (<see cref="TaskActivityContextExtensions"/>).</summary>
    private sealed class FunctionActivityContext(string name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;

        public override string InstanceId { get; } = instanceId;
    }
}
