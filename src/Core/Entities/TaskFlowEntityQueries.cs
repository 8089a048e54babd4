using DurableTask.Core;
using DurableTask.Core.Entities;
using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Entities;

/// <summary>The Durable Task Framework's entity queries over TaskFlow's store (the storage provider answers them, and
/// the server's <c>DurableTaskClient.Entities</c> reads through them), read from <c>taskflow.entities</c> as the REST
/// API reads them (<see cref="EntityClient.QueryAsync"/>).</summary>
internal sealed class TaskFlowEntityQueries(NpgsqlDataSource dataSource, EntityClient entities) : EntityBackendQueries
{
    private const int DefaultPageSize = 100;
    private const string CleaningActor = "entity-storage-cleaning";

    public override async Task<EntityMetadata?> GetEntityAsync(
        EntityId id, bool includeState = false, bool includeStateless = false, CancellationToken cancellation = default) =>
        (await entities.QueryAsync(new EntityClient.EntityFilter(id.ToString(), IncludeStateless: includeStateless), 1, cancellation))
            .Select(entity => Metadata(entity, includeState)).Cast<EntityMetadata?>().SingleOrDefault();

    public override async Task<EntityQueryResult> QueryEntitiesAsync(EntityQuery query, CancellationToken cancellation)
    {
        int pageSize = query.PageSize is > 0 ? query.PageSize.Value : DefaultPageSize;
        // Every entity id starts with '@': a prefix given without it (the SDK's "name@key" form) means the same.
        string? prefix = query.InstanceIdStartsWith is { Length: > 0 } given && given[0] != '@' ? "@" + given : query.InstanceIdStartsWith;
        IReadOnlyList<EntityRecord> page = await entities.QueryAsync(
            new EntityClient.EntityFilter(null, prefix, query.ContinuationToken, Utc(query.LastModifiedFrom), Utc(query.LastModifiedTo), query.IncludeTransient),
            pageSize,
            cancellation);
        return new EntityQueryResult
        {
            Results = page.Select(entity => Metadata(entity, query.IncludeState)).ToList(),
            ContinuationToken = page.Count == pageSize ? page[^1].InstanceId : null,
        };
    }

    /// <remarks>One pass, no continuation: an orphaned lock is released by a message to its entity (the release its
    /// owner never sent), and empty entities go with their history.</remarks>
    public override async Task<CleanEntityStorageResult> CleanEntityStorageAsync(
        CleanEntityStorageRequest request = default, CancellationToken cancellation = default)
    {
        int released = 0;
        if (request.ReleaseOrphanedLocks)
        {
            var orphaned = new List<(string EntityId, string Owner)>();
            await using (NpgsqlCommand find = dataSource.CreateCommand(SqlText.Get("Entities/Sql/FindOrphanedLocks.sql")))
            await using (NpgsqlDataReader reader = await find.Positional().ExecuteReaderAsync(cancellation))
            {
                while (await reader.ReadAsync(cancellation))
                {
                    orphaned.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            foreach ((string entityId, string owner) in orphaned)
            {
                EntityMessageEvent release = ClientEntityHelpers.EmitUnlockForOrphanedLock(new OrchestrationInstance { InstanceId = entityId }, owner);
                var raised = (DurableTask.Core.History.EventRaisedEvent)release.AsTaskMessage().Event;
                await entities.SendAsync(entityId, raised.Name, raised.Input, CleaningActor, cancellation);
                released++;
            }
        }

        int removed = 0;
        if (request.RemoveEmptyEntities)
        {
            await using NpgsqlCommand delete = dataSource.CreateCommand(SqlText.Get("Entities/Sql/DeleteEmptyEntities.sql"));
            removed = (int)(await delete.Positional().ExecuteScalarAsync(cancellation))!;
        }

        return new CleanEntityStorageResult { EmptyEntitiesRemoved = removed, OrphanedLocksReleased = released };
    }

    private static EntityMetadata Metadata(EntityRecord entity, bool includeState) => new()
    {
        EntityId = EntityId.FromString(entity.InstanceId),
        SerializedState = includeState ? entity.State : null,
        LockedBy = entity.LockedBy,
        BacklogQueueSize = (int)entity.QueuedOperations,
        LastModifiedTime = entity.LastModifiedAt.UtcDateTime,
    };

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t
        ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())
        : null;
}
