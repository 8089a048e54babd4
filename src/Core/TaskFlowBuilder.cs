using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow;

/// <summary>Configures TaskFlow in a host, returned by <c>AddTaskFlow</c> (which registers the task types): the roles
/// the process plays, e.g. <c>.AddWorker()</c>.</summary>
public sealed class TaskFlowBuilder
{
    internal TaskFlowBuilder(IServiceCollection services) => this.Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }
}
