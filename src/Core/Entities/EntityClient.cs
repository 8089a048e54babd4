using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Notifications;

namespace TaskFlow.Entities;

/// <summary>Durable entities in the store: messages to them, and what <c>taskflow.entities</c> shows of them. The
/// Durable Task Framework's entity dispatcher runs their operations (through the storage provider).</summary>
public sealed class EntityClient
{
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;
    private readonly WorkReadyNotifier notifier;

    internal EntityClient(NpgsqlDataSource dataSource, SqlClock clock, WorkReadyNotifier notifier)
    {
        this.dataSource = dataSource;
        this.clock = clock;
        this.notifier = notifier;
        this.Queries = new TaskFlowEntityQueries(dataSource, this);
    }

    /// <summary>The entities as the Durable Task Framework queries them (its metadata, paging and storage cleaning).</summary>
    internal TaskFlowEntityQueries Queries { get; }

    /// <summary>Signals an operation, as <c>DurableTaskClient.Entities.SignalEntityAsync</c> does: a one-way request in
    /// the framework's format, which creates the entity if it has none yet.</summary>
    /// <param name="inputJson">The operation's input, serialized as the entity's data converter reads it; null for none.</param>
    /// <param name="at">When it is to run; null for now.</param>
    /// <returns>The request's id.</returns>
    public async Task<Guid> SignalAsync(
        string entityId, string operation, string? inputJson, DateTimeOffset? at, string actor, CancellationToken cancellationToken = default)
    {
        Guid requestId = Guid.NewGuid();
        string request = JsonSerializer.Serialize(new RequestMessage(requestId, operation, true, inputJson, at?.UtcDateTime, this.clock.Time.GetUtcNow()));
        string eventName = at is { } due ? $"op@{due.UtcDateTime:o}" : "op";
        await this.SendAsync(entityId, eventName, request, actor, cancellationToken);
        return requestId;
    }

    /// <summary>Sends a message to an entity in the framework's format (an operation's request, a lock's request or
    /// release), creating the entity if it has none yet. A message whose event name says it is due later
    /// (<see cref="EntityIds.DueTime"/>) waits until then.</summary>
    public async Task SendAsync(string entityId, string eventName, string? inputJson, string actor, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Entities/Sql/SendToEntity.sql"));
        AddSend(command.Parameters, this.clock.Now(), entityId, eventName, inputJson, actor);
        await command.Positional().ExecuteNonQueryAsync(cancellationToken);
        this.notifier.Ring(WakeUps.Entities);
    }

    /// <summary>SendToEntity.sql's parameters, for a command of its own or an episode's commit.</summary>
    internal static void AddSend(
        NpgsqlParameterCollection parameters, NpgsqlParameter now, string entityId, string eventName, string? inputJson, string actor)
    {
        parameters.Add(now);
        parameters.AddWithValue("id", entityId);
        parameters.AddWithValue("name", eventName);
        parameters.Add(SqlParameters.Nullable("input", NpgsqlDbType.Jsonb, inputJson ?? "null"));
        parameters.Add(SqlParameters.Nullable("due", NpgsqlDbType.TimestampTz, EntityIds.DueTime(eventName)));
        parameters.AddWithValue("actor", actor);
    }

    /// <summary>One entity, or null when it has no row (it was never sent a message, or its storage was cleaned).</summary>
    public async Task<EntityRecord?> GetAsync(string entityId, CancellationToken cancellationToken = default) =>
        (await this.QueryAsync(new EntityFilter(entityId, IncludeStateless: true), 1, cancellationToken)).SingleOrDefault();

    /// <summary>A page of entities in id order, of one name or all, after <paramref name="afterId"/>.</summary>
    public Task<IReadOnlyList<EntityRecord>> ListAsync(string? name, string? afterId, int limit, CancellationToken cancellationToken = default) =>
        this.QueryAsync(new EntityFilter(Prefix: name is null ? null : $"@{name}@", AfterId: afterId, IncludeStateless: true), limit, cancellationToken);

    /// <summary>Entities from <c>taskflow.entities</c>, in id order: the REST API's reads and the framework's entity queries.</summary>
    internal async Task<IReadOnlyList<EntityRecord>> QueryAsync(EntityFilter filter, int limit, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Entities/Sql/ListEntities.sql"));
        command.Parameters.Add(SqlParameters.Nullable("instance_id", NpgsqlDbType.Text, filter.EntityId));
        command.Parameters.Add(SqlParameters.Nullable("prefix", NpgsqlDbType.Text, filter.Prefix));
        command.Parameters.Add(SqlParameters.Nullable("after_id", NpgsqlDbType.Text, filter.AfterId));
        command.Parameters.Add(SqlParameters.Nullable("modified_from", NpgsqlDbType.TimestampTz, filter.ModifiedFrom));
        command.Parameters.Add(SqlParameters.Nullable("modified_to", NpgsqlDbType.TimestampTz, filter.ModifiedTo));
        command.Parameters.AddWithValue("include_stateless", filter.IncludeStateless);
        command.Parameters.AddWithValue("limit", limit);
        var entities = new List<EntityRecord>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entities.Add(new EntityRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return entities;
    }

    /// <summary>Which entities <see cref="QueryAsync"/> reads; <paramref name="IncludeStateless"/> adds those without state.</summary>
    internal sealed record EntityFilter(
        string? EntityId = null, string? Prefix = null, string? AfterId = null, DateTimeOffset? ModifiedFrom = null,
        DateTimeOffset? ModifiedTo = null, bool IncludeStateless = false);

    /// <summary>The Durable Task Framework's request message (its JSON names): <c>input</c> is the serialized input.</summary>
    private sealed record RequestMessage(
        [property: System.Text.Json.Serialization.JsonPropertyName("id")] Guid Id,
        [property: System.Text.Json.Serialization.JsonPropertyName("op")] string Operation,
        [property: System.Text.Json.Serialization.JsonPropertyName("signal")] bool IsSignal,
        [property: System.Text.Json.Serialization.JsonPropertyName("input")] string? Input,
        [property: System.Text.Json.Serialization.JsonPropertyName("due"), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] DateTime? Due,
        [property: System.Text.Json.Serialization.JsonPropertyName("requestTime")] DateTimeOffset RequestTime);
}
