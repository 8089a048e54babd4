using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using TaskFlow.Api.Samples;

namespace TaskFlow.Functions.Durable;

/// <summary>The sample Durable entities and the orchestrations that use them, as functions: the Durable extension's
/// entity dispatcher runs each entity's batches through its trigger, and TaskFlow's provider stores them.</summary>
internal sealed class EntityFunctions(TaskRunner run)
{
    [Function("counter")]
    public static Task Counter([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<CounterEntity>();

    [Function("account")]
    public static Task Account([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<AccountEntity>();

    [Function("count")]
    public Task<object?> Count([OrchestrationTrigger] TaskOrchestrationContext context) => run.RunOrchestratorAsync("count", context);

    [Function("transfer")]
    public Task<object?> Transfer([OrchestrationTrigger] TaskOrchestrationContext context) => run.RunOrchestratorAsync("transfer", context);
}
