using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using TaskFlow.Instances;

namespace TaskFlow.Functions.Durable;

/// <summary>The task types as Durable functions, one thin wrapper each, named as the server registers them (a test
/// checks that every registered orchestrator and activity has its function).</summary>
internal sealed class TaskTypeFunctions
{
    private readonly TaskRunner run;

    public TaskTypeFunctions(TaskRunner run) => this.run = run;

    [Function("sequence")]
    public Task<object?> Sequence([OrchestrationTrigger] TaskOrchestrationContext context) => this.run.RunOrchestratorAsync("sequence", context);

    [Function("fan-out")]
    public Task<object?> FanOut([OrchestrationTrigger] TaskOrchestrationContext context) => this.run.RunOrchestratorAsync("fan-out", context);

    [Function("approval")]
    public Task<object?> Approval([OrchestrationTrigger] TaskOrchestrationContext context) => this.run.RunOrchestratorAsync("approval", context);

    [Function("countdown")]
    public Task<object?> Countdown([OrchestrationTrigger] TaskOrchestrationContext context) => this.run.RunOrchestratorAsync("countdown", context);

    [Function("batch-of-batches")]
    public Task<object?> BatchOfBatches([OrchestrationTrigger] TaskOrchestrationContext context) => this.run.RunOrchestratorAsync("batch-of-batches", context);

    /// <summary>A single-activity task: its activity with the task's retry policy and time-out.</summary>
    [Function("taskflow-activity")]
    public Task<object?> ActivityTask([OrchestrationTrigger] TaskOrchestrationContext context) => this.run.RunOrchestratorAsync("taskflow-activity", context);

    [Function("echo")]
    public Task<JsonElement?> Echo([ActivityTrigger] JsonElement? input, FunctionContext function) => this.run.RunActivityAsync("echo", input, function);

    [Function("sleep")]
    public Task<JsonElement?> Sleep([ActivityTrigger] JsonElement? input, FunctionContext function) => this.run.RunActivityAsync("sleep", input, function);

    [Function("flaky")]
    public Task<JsonElement?> Flaky([ActivityTrigger] JsonElement? input, FunctionContext function) => this.run.RunActivityAsync("flaky", input, function);

    [Function("http")]
    public Task<JsonElement?> Http([ActivityTrigger] JsonElement? input, FunctionContext function) => this.run.RunActivityAsync("http", input, function);
}
