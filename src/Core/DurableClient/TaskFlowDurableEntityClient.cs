using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using TaskFlow.Entities;
using Core = DurableTask.Core.Entities;

namespace TaskFlow.DurableClient;

/// <summary><see cref="DurableTaskClient.Entities"/> over TaskFlow's store: signals go to the entity's inbox; reads and
/// storage cleaning are the storage provider's own entity queries, so both hosts answer alike.</summary>
internal sealed class TaskFlowDurableEntityClient(EntityClient entities, DataConverter converter) : DurableEntityClient("TaskFlow")
{
    private const string Actor = "durable-client";

    public override Task SignalEntityAsync(
        EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default) =>
        entities.SignalAsync(id.ToString(), operationName, converter.Serialize(input), options?.SignalTime, Actor, cancellation);

    public override async Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
        await entities.Queries.GetEntityAsync(new Core.EntityId(id.Name, id.Key), includeState, includeStateless: false, cancellation) is { } found
            ? this.Untyped(found, includeState)
            : null;

    public override async Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
        await entities.Queries.GetEntityAsync(new Core.EntityId(id.Name, id.Key), includeState, includeStateless: false, cancellation) is { } found
            ? this.Typed<T>(found, includeState)
            : null;

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) =>
        this.Pages(filter, found => this.Untyped(found, filter?.IncludeState ?? true));

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) =>
        this.Pages(filter, found => this.Typed<T>(found, filter?.IncludeState ?? true));

    public override async Task<CleanEntityStorageResult> CleanEntityStorageAsync(
        CleanEntityStorageRequest? request = null, bool continueUntilComplete = true, CancellationToken cancellation = default)
    {
        CleanEntityStorageRequest what = request ?? new CleanEntityStorageRequest();
        Core.EntityBackendQueries.CleanEntityStorageResult cleaned = await entities.Queries.CleanEntityStorageAsync(
            new Core.EntityBackendQueries.CleanEntityStorageRequest { RemoveEmptyEntities = what.RemoveEmptyEntities, ReleaseOrphanedLocks = what.ReleaseOrphanedLocks },
            cancellation);
        return new CleanEntityStorageResult { EmptyEntitiesRemoved = cleaned.EmptyEntitiesRemoved, OrphanedLocksReleased = cleaned.OrphanedLocksReleased };
    }

    private AsyncPageable<TMetadata> Pages<TMetadata>(EntityQuery? filter, Func<Core.EntityBackendQueries.EntityMetadata, TMetadata> convert)
        where TMetadata : notnull =>
        Pageable.Create(async (string? continuation, int? pageSize, CancellationToken cancellation) =>
        {
            Core.EntityBackendQueries.EntityQueryResult page = await entities.Queries.QueryEntitiesAsync(
                new Core.EntityBackendQueries.EntityQuery
                {
                    InstanceIdStartsWith = filter?.InstanceIdStartsWith,
                    LastModifiedFrom = filter?.LastModifiedFrom?.UtcDateTime,
                    LastModifiedTo = filter?.LastModifiedTo?.UtcDateTime,
                    IncludeState = filter?.IncludeState ?? true,
                    IncludeTransient = filter?.IncludeTransient ?? false,
                    PageSize = pageSize ?? filter?.PageSize,
                    ContinuationToken = continuation ?? filter?.ContinuationToken,
                },
                cancellation);
            return new Page<TMetadata>(page.Results.Select(convert).ToList(), page.ContinuationToken);
        });

    private EntityMetadata Untyped(Core.EntityBackendQueries.EntityMetadata found, bool includeState) =>
        new(Id(found), includeState && found.SerializedState is { } state ? new SerializedData(state, converter) : null)
        {
            LastModifiedTime = new DateTimeOffset(found.LastModifiedTime, TimeSpan.Zero),
            BacklogQueueSize = found.BacklogQueueSize,
            LockedBy = found.LockedBy,
        };

    private EntityMetadata<T> Typed<T>(Core.EntityBackendQueries.EntityMetadata found, bool includeState) =>
        includeState
            ? new EntityMetadata<T>(Id(found), found.SerializedState is { } state ? converter.Deserialize<T>(state) : default)
            {
                LastModifiedTime = new DateTimeOffset(found.LastModifiedTime, TimeSpan.Zero), BacklogQueueSize = found.BacklogQueueSize, LockedBy = found.LockedBy,
            }
            : new EntityMetadata<T>(Id(found))
            {
                LastModifiedTime = new DateTimeOffset(found.LastModifiedTime, TimeSpan.Zero), BacklogQueueSize = found.BacklogQueueSize, LockedBy = found.LockedBy,
            };

    private static EntityInstanceId Id(Core.EntityBackendQueries.EntityMetadata found) => new(found.EntityId.Name, found.EntityId.Key);
}
