using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using TaskFlow.DurableHost;
using TaskFlow.Json;
using TaskFlow.Provider;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>The Durable Task Framework's own dispatchers (<see cref="TaskHubWorker"/>: orchestrations, activities and
/// entities, on a queue of their own) over <see cref="TaskFlowOrchestrationService"/>, running the SDK's classes
/// (<see cref="SdkTaskShims"/>) as the Durable extension runs an isolated Function App. (The framework runs entities
/// through its orchestration dispatcher only with the extension's in-process entity middleware: DurableExtensionTests.)</summary>
public sealed class FrameworkEntityHost : IEntityBackend
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TaskHubWorker worker;

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
        TaskHubWorker worker = new TaskHubWorker(service).AddSdkTasks(registry);
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

    public async Task<(bool Exists, string? State, DateTimeOffset LastModified, int Backlog)> MetadataWithoutStateAsync(EntityInstanceId entity) =>
        await this.Entities.GetEntityAsync(new EntityId(entity.Name, entity.Key), includeState: false) is { } found
            ? (true, found.SerializedState, new DateTimeOffset(found.LastModifiedTime, TimeSpan.Zero), found.BacklogQueueSize)
            : (false, null, default, 0);

    public async Task<bool> HasRowAsync(EntityInstanceId entity) =>
        await this.Entities.GetEntityAsync(new EntityId(entity.Name, entity.Key), includeStateless: true) is not null;

    public async Task<IReadOnlyList<IReadOnlyList<string>>> PagesAsync(string prefix, int pageSize)
    {
        var pages = new List<IReadOnlyList<string>>();
        string? continuation = null;
        do
        {
            EntityBackendQueries.EntityQueryResult page = await this.Entities.QueryEntitiesAsync(
                new EntityBackendQueries.EntityQuery { InstanceIdStartsWith = prefix, PageSize = pageSize, ContinuationToken = continuation }, CancellationToken.None);
            List<string> ids = page.Results.Select(entity => entity.EntityId.ToString()).ToList();
            if (ids.Count > 0)
            {
                pages.Add(ids);
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);
        return pages;
    }

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
}
