using DurableTask.Core;
using DurableTask.Core.Entities;

namespace TaskFlow.Provider;

/// <summary>Durable entities: the Durable Task Framework's entity dispatcher (or the Durable extension's in-process
/// entity middleware) runs their operations; TaskFlow stores each entity as an instance of kind <c>entity</c>
/// (<c>@name@key</c>), its operations as messages in its inbox, and its state after each batch.</summary>
public sealed partial class TaskFlowOrchestrationService : IEntityOrchestrationService
{
    /// <summary>Signals scheduled further ahead than this are delivered at this distance (the SDK then schedules the
    /// rest again). Ten years: the store has no limit of its own, but the value travels as a protobuf duration.</summary>
    private static readonly TimeSpan MaximumSignalDelay = TimeSpan.FromDays(3650);

    private volatile bool separateEntityQueue;

    /// <inheritdoc/>
    public EntityBackendProperties EntityBackendProperties => new()
    {
        // Messages reach an inbox once each, in the order they were committed: nothing to reorder or deduplicate.
        EntityMessageReorderWindow = TimeSpan.Zero,
        MaxEntityOperationBatchSize = this.settings.MaxEntityOperationBatchSize,
        MaxConcurrentTaskEntityWorkItems = this.settings.MaxConcurrentEntities,
        SupportsImplicitEntityDeletion = false,
        MaximumSignalDelayTime = MaximumSignalDelay,
        UseSeparateQueueForEntityWorkItems = this.separateEntityQueue,
    };

    /// <inheritdoc/>
    public EntityBackendQueries EntityBackendQueries => this.entities.Queries;

    /// <summary>Whether entities' batches are leased apart from orchestration episodes (the Durable extension asks for
    /// that for the isolated worker's gRPC protocol, whose entity dispatcher fetches them with
    /// <see cref="LockNextEntityWorkItemAsync"/>). Set before the host's dispatchers start.</summary>
    public void SetUseSeparateQueueForEntityWorkItems(bool separate) => this.separateEntityQueue = separate;

    /// <inheritdoc/>
    public async Task<TaskOrchestrationWorkItem> LockNextOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        (await this.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken))!;

    /// <inheritdoc/>
    public async Task<TaskOrchestrationWorkItem> LockNextEntityWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        (await this.LockNextEpisodeAsync(this.entityLeases, this.entityWakeUps, this.EntityBatch, receiveTimeout, cancellationToken))!;

    /// <summary>How many entity batches one lease takes.</summary>
    private int EntityBatch => Math.Clamp(this.settings.MaxConcurrentEntities / 4, 1, 32);
}
