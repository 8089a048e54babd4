using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow;

/// <summary>Configures TaskFlow in a host: the task types it knows (orchestrators and activities, registered on
/// the Durable Task SDK's <see cref="DurableTaskRegistry"/>) and the roles it plays.</summary>
public sealed class TaskFlowBuilder
{
    internal TaskFlowBuilder(IServiceCollection services, DurableTaskRegistry registry)
    {
        this.Services = services;
        this.Registry = registry;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The orchestrators and activities this process runs; each name is a <c>type</c> callers may submit.</summary>
    public DurableTaskRegistry Registry { get; }

    /// <summary>Registers more orchestrators and activities, e.g.
    /// <c>tasks =&gt; tasks.AddOrchestrator&lt;ProcessOrder&gt;().AddActivity&lt;ChargeLine&gt;()</c>.</summary>
    public TaskFlowBuilder AddTasks(Action<DurableTaskRegistry> configure)
    {
        configure(this.Registry);
        return this;
    }
}
