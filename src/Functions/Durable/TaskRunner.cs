using System.Diagnostics;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using TaskFlow.Activities;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Orchestrations;
using TaskFlow.Telemetry;

namespace TaskFlow.Functions.Durable;

/// <summary>Runs a registered orchestrator or activity (the classes the server runs) for the function that wraps it,
/// reading its input as the type it declares, in the data converter's JSON (<c>TaskFlowJson.Data</c>).</summary>
internal sealed class TaskRunner(OrchestratorRegistry orchestrators, ActivityRegistry activities, TaskFlowClient tasks, TimeProvider time)
{
    public async Task<object?> RunOrchestratorAsync(string name, TaskOrchestrationContext context)
    {
        ITaskOrchestrator orchestrator = orchestrators.Create(name)
            ?? throw new InvalidOperationException($"No orchestrator '{name}' is registered (AddSampleTaskTypes or AddTaskFlow).");
        object? input = context.GetInput<JsonElement?>() is { } json ? json.Deserialize(orchestrators.InputType(name), TaskFlowJson.Data) : null;
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
            using var context = new FunctionActivityContext(name, instanceId, tasks, time, function.CancellationToken);
            string? output = await activities.RunAsync(context, input?.GetRawText());
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

    /// <summary>An activity's context on Functions: its name and instance, and TaskFlow's attempt details, read from the
    /// store only when the activity asks (<see cref="TaskActivityContextExtensions"/>): the attempt of a single-activity
    /// task (1 for an orchestration's activity, whose retries are new activities, as on the server), and a cancellation
    /// token that fires when the host stops the function or the instance finishes (cancelled, timed out), watched by
    /// polling its status every <see cref="WatchInterval"/>.</summary>
    private sealed class FunctionActivityContext(
        string name, string instanceId, TaskFlowClient tasks, TimeProvider time, CancellationToken functionStopping)
        : TaskActivityContext, IActivityAttempt, IDisposable
    {
        private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);
        private readonly Lazy<int> attempt = new(() => tasks.ActivityTaskAttempt(instanceId) ?? 1);
        private CancellationTokenSource? stopping;

        public override TaskName Name { get; } = name;

        public override string InstanceId { get; } = instanceId;

        public int Attempt => this.attempt.Value;

        /// <summary>The instance id: Durable does not tell an activity function which of its orchestration's activities it is.</summary>
        public string IdempotencyKey => this.InstanceId;

        public CancellationToken CancellationToken
        {
            get
            {
                if (this.stopping is null)
                {
                    this.stopping = CancellationTokenSource.CreateLinkedTokenSource(functionStopping);
                    _ = this.WatchAsync(this.stopping);
                }

                return this.stopping.Token;
            }
        }

        public void Dispose()
        {
            this.stopping?.Cancel();
            this.stopping?.Dispose();
        }

        private async Task WatchAsync(CancellationTokenSource source)
        {
            CancellationToken token = source.Token;
            try
            {
                while (!token.IsCancellationRequested)
                {
                    await Task.Delay(WatchInterval, time, token);
                    if (await tasks.GetTaskAsync(this.InstanceId, token) is not { } task || TaskStatuses.IsFinished(task.Status))
                    {
                        await source.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The activity finished, or its token fired.
            }
            catch (ObjectDisposedException)
            {
                // The activity finished while a poll was under way.
            }
        }
    }
}
