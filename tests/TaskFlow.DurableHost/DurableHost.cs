using DurableTask.Core;
using Microsoft.DurableTask;
using TaskFlow.Api.Samples;
using Microsoft.Extensions.Logging;
using TaskFlow.Provider;

namespace TaskFlow.DurableHost;

/// <summary>A <see cref="TaskHubWorker"/> over <see cref="TaskFlowOrchestrationService"/>, with the sample orchestrations
/// (the framework's own classes), and the sample entities with their orchestrations, <c>fan-out</c> and <c>sleep</c> (the
/// SDK's, as a Function App has them).</summary>
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
        service.SetUseSeparateQueueForEntityWorkItems(true);
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, loggerFactory);
        worker.AddTaskOrchestrations(typeof(FanOutOrchestration), typeof(SequenceOrchestration));
        worker.AddTaskActivities(typeof(SquareActivity));
        worker.AddSdkTasks(new DurableTaskRegistry().AddSampleEntities()
            .AddOrchestrator<FanOutOrchestrator>("fan-out").AddActivity<SleepActivity>("sleep")); // as the server names them (limits tests)
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
