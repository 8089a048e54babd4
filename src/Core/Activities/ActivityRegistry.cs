using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Activities;

/// <summary>The activities this process can run, by name, from the SDK's <see cref="DurableTaskRegistry"/>.</summary>
internal sealed class ActivityRegistry
{
    private readonly Dictionary<string, Func<IServiceProvider, ITaskActivity>> byName;
    private readonly ConcurrentDictionary<string, Type> inputTypes = new(StringComparer.Ordinal);
    private readonly DataConverter converter;
    private readonly IServiceProvider services;

    public ActivityRegistry(DurableTaskRegistry registry, DataConverter converter, IServiceProvider services)
    {
        this.byName = registry.GetActivities().ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.Ordinal);
        this.converter = converter;
        this.services = services;
    }

    public IReadOnlyCollection<string> Names => this.byName.Keys;

    public bool Contains(string name) => this.byName.ContainsKey(name);

    /// <summary>The type the activity reads its input as (found once, from an instance made in a throwaway scope).</summary>
    public Type InputType(string name) => this.inputTypes.GetOrAdd(name, key =>
    {
        using IServiceScope scope = this.services.CreateScope();
        return this.byName[key](scope.ServiceProvider).InputType;
    });

    /// <summary>Runs the activity in a fresh DI scope; input and output are JSON text, through the SDK's data converter.</summary>
    public async Task<string?> RunAsync(TaskActivityContext context, string? inputJson)
    {
        await using AsyncServiceScope scope = this.services.CreateAsyncScope();
        ITaskActivity activity = this.byName[context.Name.Name](scope.ServiceProvider);
        object? input = this.converter.Deserialize(inputJson, activity.InputType);
        object? output = await activity.RunAsync(context, input);
        return this.converter.Serialize(output);
    }
}
