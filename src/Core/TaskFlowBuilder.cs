using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Activities;
using TaskFlow.Orchestrations;

namespace TaskFlow;

/// <summary>Registers the task types (activities) a TaskFlow process knows.</summary>
public sealed class TaskFlowBuilder
{
    internal TaskFlowBuilder(IServiceCollection services) => this.Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers an activity under <paramref name="name"/>, the <c>type</c> callers submit.</summary>
    public TaskFlowBuilder AddActivity<TActivity>(string name)
        where TActivity : class
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An activity needs a name: the task type callers submit, e.g. \"send-email\".", nameof(name));
        }

        this.Services.AddSingleton(ActivityRegistration.Create<TActivity>(name));
        return this;
    }

    /// <summary>Registers an orchestrator under <paramref name="name"/>, the <c>type</c> callers submit.</summary>
    public TaskFlowBuilder AddOrchestrator<TOrchestrator>(string name)
        where TOrchestrator : class
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An orchestrator needs a name: the task type callers submit, e.g. \"process-order\".", nameof(name));
        }

        this.Services.AddSingleton(OrchestratorRegistration.Create<TOrchestrator>(name));
        return this;
    }
}
