using Microsoft.DurableTask.Entities;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>A host of Durable entities over TaskFlow's store, driven the way its own clients drive it.</summary>
public interface IEntityBackend : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The database it stores to (a test reads the SQL views there).</summary>
    string ConnectionString { get; }

    Task SignalAsync(EntityInstanceId entity, string operation, object? input = null, DateTimeOffset? at = null);

    /// <summary>The entity's serialized state, or null when it has none (or does not exist).</summary>
    Task<string?> StateAsync(EntityInstanceId entity);

    /// <summary>The entity's metadata read without its state: whether it exists (has state), the state it came with
    /// (must be null), when it last changed, and its backlog.</summary>
    Task<(bool Exists, string? State, DateTimeOffset LastModified, int Backlog)> MetadataWithoutStateAsync(EntityInstanceId entity);

    /// <summary>Whether the entity has a row at all, state or not (<c>includeStateless</c>/<c>IncludeTransient</c>).</summary>
    Task<bool> HasRowAsync(EntityInstanceId entity);

    /// <summary>The ids of the entities whose id starts with <paramref name="prefix"/>, page by page (the client's paging).</summary>
    Task<IReadOnlyList<IReadOnlyList<string>>> PagesAsync(string prefix, int pageSize);

    Task<string> StartAsync(string orchestration, object? input);

    /// <summary>Waits for the orchestration to end: its runtime status (Durable's names) and its serialized output.</summary>
    Task<(string Status, string? Output)> WaitAsync(string instanceId);

    Task TerminateAsync(string instanceId);

    Task<(int Removed, int Released)> CleanAsync(bool removeEmptyEntities, bool releaseOrphanedLocks);
}
