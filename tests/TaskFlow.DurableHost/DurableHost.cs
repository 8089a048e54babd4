using DurableTask.Core;
using Microsoft.Extensions.Logging;
using TaskFlow.Provider;

namespace TaskFlow.DurableHost;

/// <summary>A <see cref="TaskHubWorker"/> over <see cref="TaskFlowOrchestrationService"/>, with the sample orchestrations.</summary>
public sealed class DurableHost : IAsyncDisposable
{
    private readonly TaskHubWorker worker;

    private DurableHost(TaskFlowOrchestrationService service, TaskHubWorker worker)
    {
        this.Service = service;
        this.worker = worker;
    }

    public TaskFlowOrchestrationService Service { get; }

    public static async Task<DurableHost> StartAsync(TaskFlowOrchestrationServiceSettings settings, ILoggerFactory? loggerFactory = null)
    {
        var service = new TaskFlowOrchestrationService(settings, loggerFactory);
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, loggerFactory);
        worker.AddTaskOrchestrations(typeof(FanOutOrchestration), typeof(SequenceOrchestration));
        worker.AddTaskActivities(typeof(SquareActivity));
        await worker.StartAsync();
        return new DurableHost(service, worker);
    }

    public async ValueTask DisposeAsync()
    {
        await this.worker.StopAsync(isForced: true);
        this.worker.Dispose();
        this.Service.Dispose();
    }
}
