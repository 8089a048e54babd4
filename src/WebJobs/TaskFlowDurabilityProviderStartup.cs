using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Hosting;
using Microsoft.Extensions.DependencyInjection;

[assembly: WebJobsStartup(typeof(TaskFlow.WebJobs.TaskFlowDurabilityProviderStartup))]

namespace TaskFlow.WebJobs;

/// <summary>Registers TaskFlow's durability provider factory with the Functions host (which runs every
/// <see cref="WebJobsStartupAttribute"/> of the extensions it loads); the Durable extension then picks the factory
/// whose name host.json's <c>storageProvider.type</c> gives.</summary>
public sealed class TaskFlowDurabilityProviderStartup : IWebJobsStartup
{
    /// <inheritdoc/>
    public void Configure(IWebJobsBuilder builder) => builder.AddTaskFlowDurableStorage();
}

/// <summary>Adds TaskFlow's durability provider to a WebJobs host.</summary>
public static class TaskFlowWebJobsBuilderExtensions
{
    /// <summary>Makes TaskFlow available as the Durable extension's storage provider (<c>"type": "TaskFlow"</c>).</summary>
    public static IWebJobsBuilder AddTaskFlowDurableStorage(this IWebJobsBuilder builder)
    {
        builder.Services.AddSingleton<IDurabilityProviderFactory, TaskFlowDurabilityProviderFactory>();
        return builder;
    }
}
