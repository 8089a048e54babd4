using System.Text.Json;
using TaskFlow.Entities;

namespace TaskFlow.Api.Endpoints;

/// <summary>A Durable entity in the API: its state as JSON (as its data converter wrote it), its lock and its backlog.</summary>
internal sealed record EntityJson(
    string Id, string Name, string Key, JsonElement? State, string? LockedBy, long QueuedOperations, long ScheduledOperations,
    DateTimeOffset CreatedAt, DateTimeOffset LastModifiedAt)
{
    public static EntityJson From(EntityRecord entity) => new(
        entity.InstanceId, entity.Name, entity.Key, Parse(entity.State), entity.LockedBy, entity.QueuedOperations, entity.ScheduledOperations,
        entity.CreatedAt, entity.LastModifiedAt);

    /// <summary>A state that is not JSON (a converter of its own) is shown as its text.</summary>
    private static JsonElement? Parse(string? state)
    {
        if (state is null)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(state).RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(state);
        }
    }
}

/// <summary>A page of entities; <c>next</c> is the <c>after</c> of the next page, null on the last.</summary>
internal sealed record EntityPageJson(IReadOnlyList<EntityJson> Items, string? Next);

/// <summary>The body of <c>POST /api/entities/{name}/{key}/signals</c>.</summary>
internal sealed record EntitySignalJson(string Operation, JsonElement? Input, DateTimeOffset? At);

/// <summary>The answer to a signal: which request was queued for which entity, and when it runs.</summary>
internal sealed record EntitySignalAcceptedJson(string Entity, string Operation, Guid? RequestId, DateTimeOffset? At);
