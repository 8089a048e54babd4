using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Orchestrations;

/// <summary>A registered orchestrator: its name, its input type, and how to run it on JSON.</summary>
internal sealed class OrchestratorRegistration
{
    private readonly Func<IServiceProvider, OrchestrationContext, string?, Task<string?>> run;

    private OrchestratorRegistration(string name, Type inputType, Func<IServiceProvider, OrchestrationContext, string?, Task<string?>> run)
    {
        this.Name = name;
        this.InputType = inputType;
        this.run = run;
    }

    public string Name { get; }

    public Type InputType { get; }

    public static OrchestratorRegistration Create<TOrchestrator>(string name)
        where TOrchestrator : class
    {
        Type[] arguments = GenericBase.Arguments(typeof(TOrchestrator), typeof(Orchestrator<,>));
        var run = typeof(OrchestratorRegistration)
            .GetMethod(nameof(RunTypedAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(typeof(TOrchestrator), arguments[0], arguments[1])
            .CreateDelegate<Func<IServiceProvider, OrchestrationContext, string?, Task<string?>>>();
        return new OrchestratorRegistration(name, arguments[0], run);
    }

    /// <summary>Starts the orchestrator; must be called on the episode's scheduler.</summary>
    public Task<string?> RunAsync(IServiceProvider services, OrchestrationContext context, string? inputJson) => this.run(services, context, inputJson);

    private static async Task<string?> RunTypedAsync<TOrchestrator, TInput, TOutput>(IServiceProvider services, OrchestrationContext context, string? inputJson)
        where TOrchestrator : Orchestrator<TInput, TOutput>
    {
        TOrchestrator orchestrator = ActivatorUtilities.CreateInstance<TOrchestrator>(services);
        TInput input = inputJson is null ? default! : JsonSerializer.Deserialize<TInput>(inputJson, TaskFlowJson.Options)!;
        TOutput output = await orchestrator.RunAsync(context, input);
        return output is null ? null : JsonSerializer.Serialize(output, TaskFlowJson.Options);
    }
}
