using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Entities;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;

namespace TaskFlow.Entities;

/// <summary>The Durable Task Framework's entity queries over TaskFlow's store (the storage provider answers them, and
/// the server's <c>DurableTaskClient.Entities</c> reads through them): the entity's row (kind <c>entity</c>) carries
/// the framework's entity status as its custom status and its scheduler state as its input.</summary>
internal sealed class TaskFlowEntityQueries(NpgsqlDataSource dataSource, EntityClient entities) : EntityBackendQueries
{
    private const int DefaultPageSize = 100;
    private const string CleaningActor = "entity-storage-cleaning";

    public override async Task<EntityMetadata?> GetEntityAsync(
        EntityId id, bool includeState = false, bool includeStateless = false, CancellationToken cancellation = default)
    {
        IReadOnlyList<EntityMetadata> found = await this.ReadAsync(id.ToString(), null, null, null, null, includeState, includeStateless, 1, cancellation);
        return found.Count == 0 ? null : found[0];
    }

    public override async Task<EntityQueryResult> QueryEntitiesAsync(EntityQuery query, CancellationToken cancellation)
    {
        int pageSize = query.PageSize is > 0 ? query.PageSize.Value : DefaultPageSize;
        // Every entity id starts with '@': a prefix given without it (the SDK's "name@key" form) means the same.
        string? prefix = query.InstanceIdStartsWith is { Length: > 0 } given && given[0] != '@' ? "@" + given : query.InstanceIdStartsWith;
        IReadOnlyList<EntityMetadata> page = await this.ReadAsync(
            null, prefix, query.ContinuationToken, query.LastModifiedFrom, query.LastModifiedTo,
            query.IncludeState, query.IncludeTransient, pageSize, cancellation);
        return new EntityQueryResult
        {
            Results = page,
            ContinuationToken = page.Count == pageSize ? page[^1].EntityId.ToString() : null,
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
            await using (NpgsqlDataReader reader = await find.ExecuteReaderAsync(cancellation))
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
            removed = (int)(await delete.ExecuteScalarAsync(cancellation))!;
        }

        return new CleanEntityStorageResult { EmptyEntitiesRemoved = removed, OrphanedLocksReleased = released };
    }

    private async Task<IReadOnlyList<EntityMetadata>> ReadAsync(
        string? id, string? prefix, string? afterId, DateTime? modifiedFrom, DateTime? modifiedTo,
        bool includeState, bool includeStateless, int pageSize, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Entities/Sql/GetEntities.sql"));
        command.Parameters.Add(SqlParameters.Nullable("id", NpgsqlDbType.Text, id));
        command.Parameters.Add(SqlParameters.Nullable("prefix", NpgsqlDbType.Text, prefix));
        command.Parameters.Add(SqlParameters.Nullable("after_id", NpgsqlDbType.Text, afterId));
        command.Parameters.Add(SqlParameters.Nullable("modified_from", NpgsqlDbType.TimestampTz, Utc(modifiedFrom)));
        command.Parameters.Add(SqlParameters.Nullable("modified_to", NpgsqlDbType.TimestampTz, Utc(modifiedTo)));
        command.Parameters.AddWithValue("include_state", includeState);
        command.Parameters.AddWithValue("include_stateless", includeStateless);
        command.Parameters.AddWithValue("page_size", pageSize);
        var entities = new List<EntityMetadata>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            EntityStatusJson status = reader.IsDBNull(2) ? default : JsonSerializer.Deserialize<EntityStatusJson>(reader.GetString(2));
            entities.Add(new EntityMetadata
            {
                EntityId = EntityId.FromString(reader.GetString(0)),
                SerializedState = !status.EntityExists || reader.IsDBNull(1) ? null : SerializedState(reader.GetString(1)),
                LockedBy = status.LockedBy,
                BacklogQueueSize = status.QueueSize + reader.GetInt32(4),
                LastModifiedTime = reader.GetFieldValue<DateTimeOffset>(3).UtcDateTime,
            });
        }

        return entities;
    }

    /// <summary>The entity's state as its data converter wrote it: the scheduler state's <c>state</c>, a string of JSON.</summary>
    private static string? SerializedState(string schedulerStateJson)
    {
        using var document = JsonDocument.Parse(schedulerStateJson);
        return document.RootElement.TryGetProperty("state", out JsonElement state)
            ? state.ValueKind == JsonValueKind.String ? state.GetString() : state.GetRawText()
            : null;
    }

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t
        ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())
        : null;

    /// <summary>The framework's entity status (its <c>EntityStatus</c>'s JSON names).</summary>
    private readonly record struct EntityStatusJson(
        [property: System.Text.Json.Serialization.JsonPropertyName("entityExists")] bool EntityExists,
        [property: System.Text.Json.Serialization.JsonPropertyName("queueSize")] int QueueSize,
        [property: System.Text.Json.Serialization.JsonPropertyName("lockedBy")] string? LockedBy);
}
