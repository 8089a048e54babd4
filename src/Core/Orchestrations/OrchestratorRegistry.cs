using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Orchestrations;

/// <summary>The orchestrators this process can run, by name, from the SDK's <see cref="DurableTaskRegistry"/>.</summary>
internal sealed class OrchestratorRegistry
{
    private readonly Dictionary<string, Func<IServiceProvider, ITaskOrchestrator>> byName;
    private readonly ConcurrentDictionary<string, Type> inputTypes = new(StringComparer.Ordinal);
    private readonly IServiceProvider services;

    public OrchestratorRegistry(DurableTaskRegistry registry, IServiceProvider services)
    {
        this.byName = registry.GetOrchestrators().ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.Ordinal);
        this.services = services;
    }

    /// <summary>No orchestrators: for a client that only submits single-activity tasks.</summary>
    public static OrchestratorRegistry Empty { get; } = new(new DurableTaskRegistry(), EmptyServices.Instance);

    public IReadOnlyCollection<string> Names => this.byName.Keys;

    public bool Contains(string name) => this.byName.ContainsKey(name);

    /// <summary>A new instance of the orchestrator for one episode, or null when none has that name.</summary>
    public ITaskOrchestrator? Create(string name) =>
        this.byName.TryGetValue(name, out Func<IServiceProvider, ITaskOrchestrator>? factory) ? factory(this.services) : null;

    /// <summary>The type the orchestrator reads its input as.</summary>
    public Type InputType(string name) => this.inputTypes.GetOrAdd(name, key => this.byName[key](this.services).InputType);
}

/// <summary>A service provider with nothing in it.</summary>
file sealed class EmptyServices : IServiceProvider
{
    public static EmptyServices Instance { get; } = new();

    public object? GetService(Type serviceType) => null;
}
