using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>The TaskFlow server's worker (its dispatcher: the SDK's orchestration and entity runners) and its
/// <see cref="DurableTaskClient"/>, whose <see cref="DurableTaskClient.Entities"/> signals and reads the entities.</summary>
public sealed class ServerEntityHost : IEntityBackend
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TaskFlowBackend server;
    private readonly DurableTaskClient client;

    private ServerEntityHost(TaskFlowBackend server, string connectionString)
    {
        this.server = server;
        this.ConnectionString = connectionString;
        this.client = server.Client;
    }

    public string Name => "TaskFlow server";

    public string ConnectionString { get; }

    public static async Task<ServerEntityHost> StartAsync(string connectionString, Action<DurableTaskRegistry> tasks) =>
        new(await TaskFlowBackend.StartAsync(tasks, connectionString), connectionString);

    public Task SignalAsync(EntityInstanceId entity, string operation, object? input = null, DateTimeOffset? at = null) =>
        this.client.Entities.SignalEntityAsync(entity, operation, input, new SignalEntityOptions { SignalTime = at });

    public async Task<string?> StateAsync(EntityInstanceId entity) =>
        (await this.client.Entities.GetEntityAsync(entity, includeState: true))?.State.Value;

    public async Task<(bool Exists, string? State, DateTimeOffset LastModified, int Backlog)> MetadataWithoutStateAsync(EntityInstanceId entity) =>
        await this.client.Entities.GetEntityAsync(entity, includeState: false) is { } found
            ? (true, found.IncludesState ? found.State.Value : null, found.LastModifiedTime, found.BacklogQueueSize)
            : (false, null, default, 0);

    public async Task<bool> HasRowAsync(EntityInstanceId entity)
    {
        await foreach (EntityMetadata found in this.client.Entities.GetAllEntitiesAsync(new EntityQuery { InstanceIdStartsWith = entity.ToString(), IncludeTransient = true }))
        {
            if (found.Id == entity)
            {
                return true;
            }
        }

        return false;
    }

    public async Task<IReadOnlyList<IReadOnlyList<string>>> PagesAsync(string prefix, int pageSize)
    {
        var pages = new List<IReadOnlyList<string>>();
        await foreach (Page<EntityMetadata> page in this.client.Entities.GetAllEntitiesAsync(new EntityQuery { InstanceIdStartsWith = prefix, PageSize = pageSize }).AsPages())
        {
            pages.Add(page.Values.Select(entity => entity.Id.ToString()).ToList());
        }

        return pages;
    }

    public Task<string> StartAsync(string orchestration, object? input) =>
        this.client.ScheduleNewOrchestrationInstanceAsync(orchestration, input, new StartOrchestrationOptions($"{orchestration}-{Guid.NewGuid():N}"));

    public async Task<(string Status, string? Output)> WaitAsync(string instanceId)
    {
        using var patience = new CancellationTokenSource(Patience);
        OrchestrationMetadata done = await this.client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, patience.Token);
        return (done.RuntimeStatus.ToString(), done.SerializedOutput);
    }

    public Task TerminateAsync(string instanceId) => this.client.TerminateInstanceAsync(instanceId, "stuck");

    public async Task<(int Removed, int Released)> CleanAsync(bool removeEmptyEntities, bool releaseOrphanedLocks)
    {
        CleanEntityStorageResult cleaned = await this.client.Entities.CleanEntityStorageAsync(
            new CleanEntityStorageRequest { RemoveEmptyEntities = removeEmptyEntities, ReleaseOrphanedLocks = releaseOrphanedLocks });
        return (cleaned.EmptyEntitiesRemoved, cleaned.OrphanedLocksReleased);
    }

    public ValueTask DisposeAsync() => this.server.DisposeAsync();
}
