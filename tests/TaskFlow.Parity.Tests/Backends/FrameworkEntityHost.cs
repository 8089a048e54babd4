using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using TaskFlow.Json;
using TaskFlow.Provider;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>The Durable Task Framework's own dispatchers (<see cref="TaskHubWorker"/>: orchestrations, activities and
/// entities, on a queue of their own) over <see cref="TaskFlowOrchestrationService"/>, running the SDK's classes through
/// the SDK's shims: how the Durable extension runs an isolated Function App, whose out-of-process middleware hands each
/// entity batch to the worker, which runs it through the same shim. (The framework runs entities through its
/// orchestration dispatcher only with the extension's in-process entity middleware: DurableExtensionTests.)</summary>
public sealed class FrameworkEntityHost : IEntityBackend
{
    private readonly TaskHubWorker worker;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private FrameworkEntityHost(TaskFlowOrchestrationService service, TaskHubWorker worker, string connectionString)
    {
        this.Service = service;
        this.worker = worker;
        this.Client = new TaskHubClient(service);
        this.ConnectionString = connectionString;
    }

    public string Name => "TaskFlow provider (Durable Task Framework dispatchers)";

    public string ConnectionString { get; }

    public TaskFlowOrchestrationService Service { get; }

    public TaskHubClient Client { get; }

    public EntityBackendQueries Entities => this.Service.EntityBackendQueries;

    public static async Task<FrameworkEntityHost> StartAsync(string connectionString, Action<DurableTaskRegistry> tasks)
    {
        var service = new TaskFlowOrchestrationService(new TaskFlowOrchestrationServiceSettings
        {
            ConnectionString = connectionString,
            MaxConcurrentOrchestrations = 16,
            MaxConcurrentActivities = 16,
            MaxConcurrentEntities = 16,
            PollInterval = TimeSpan.FromMilliseconds(200),
        });
        service.SetUseSeparateQueueForEntityWorkItems(true);
        await service.CreateIfNotExistsAsync();

        var registry = new DurableTaskRegistry();
        tasks(registry);
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { EnableEntitySupport = true, DataConverter = new JsonDataConverter(TaskFlowJson.Data) });
        IServiceProvider none = new NoServices();
        var worker = new TaskHubWorker(service);
        foreach ((TaskName name, Func<IServiceProvider, ITaskOrchestrator> create) in registry.GetOrchestrators())
        {
            worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(name.Name, () => shims.CreateOrchestration(name, create(none))));
        }

        foreach ((TaskName name, Func<IServiceProvider, ITaskActivity> create) in registry.GetActivities())
        {
            worker.AddTaskActivities(new Creator<TaskActivity>(name.Name, () => shims.CreateActivity(name, create(none))));
        }

        // As the extension's out-of-process middleware does: the batch goes to the SDK's entity, by the entity's name.
        var entities = registry.GetEntities().ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
        worker.AddEntityDispatcherMiddleware(async (context, next) =>
        {
            EntityBatchRequest request = context.GetProperty<EntityBatchRequest>();
            EntityId id = EntityId.FromString(request.InstanceId!);
            TaskEntity entity = shims.CreateEntity(id.Name, entities[id.Name](none), id);
            context.SetProperty(await entity.ExecuteOperationBatchAsync(request));
            await next();
        });
        await worker.StartAsync();
        return new FrameworkEntityHost(service, worker, connectionString);
    }

    /// <summary>A client's signal (<c>DurableTaskClient.Entities.SignalEntityAsync</c>), as the Durable extension's
    /// gRPC server sends it to the store.</summary>
    public Task SignalAsync(EntityInstanceId entity, string operation, object? input = null, DateTimeOffset? at = null)
    {
        EntityMessageEvent signal = ClientEntityHelpers.EmitOperationSignal(
            new OrchestrationInstance { InstanceId = entity.ToString() },
            Guid.NewGuid(),
            operation,
            input is null ? null : System.Text.Json.JsonSerializer.Serialize(input, TaskFlowJson.Data),
            EntityMessageEvent.GetCappedScheduledTime(DateTime.UtcNow, this.Service.EntityBackendProperties.MaximumSignalDelayTime, at?.UtcDateTime));
        return this.Service.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
    }

    public async Task<string?> StateAsync(EntityInstanceId entity) =>
        (await this.Entities.GetEntityAsync(new EntityId(entity.Name, entity.Key), includeState: true))?.SerializedState;

    public async Task<bool> HasRowAsync(EntityInstanceId entity) =>
        await this.Entities.GetEntityAsync(new EntityId(entity.Name, entity.Key), includeStateless: true) is not null;

    public async Task<string> StartAsync(string orchestration, object? input) =>
        (await this.Client.CreateOrchestrationInstanceAsync(orchestration, string.Empty, $"{orchestration}-{Guid.NewGuid():N}", input)).InstanceId;

    /// <remarks>By instance id alone: the execution id the framework's client made up names no execution TaskFlow knows.</remarks>
    public async Task<(string Status, string? Output)> WaitAsync(string instanceId)
    {
        OrchestrationState done = await this.Client.WaitForOrchestrationAsync(new OrchestrationInstance { InstanceId = instanceId }, Patience)
            ?? throw new TimeoutException($"{instanceId} did not finish");
        return (done.OrchestrationStatus.ToString(), done.Output);
    }

    public Task TerminateAsync(string instanceId) => this.Client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, "stuck");

    public async Task<(int Removed, int Released)> CleanAsync(bool removeEmptyEntities, bool releaseOrphanedLocks)
    {
        EntityBackendQueries.CleanEntityStorageResult cleaned = await this.Entities.CleanEntityStorageAsync(
            new() { RemoveEmptyEntities = removeEmptyEntities, ReleaseOrphanedLocks = releaseOrphanedLocks });
        return (cleaned.EmptyEntitiesRemoved, cleaned.OrphanedLocksReleased);
    }

    public async ValueTask DisposeAsync()
    {
        await this.worker.StopAsync(isForced: true);
        this.worker.Dispose();
        this.Service.Dispose();
    }

    /// <summary>A new shim for every episode, as the SDK's own worker makes one.</summary>
    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> create;

        public Creator(string name, Func<T> create)
        {
            this.Name = name;
            this.Version = string.Empty;
            this.create = create;
        }

        public override T Create() => this.create();
    }

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
