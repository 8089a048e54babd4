namespace TaskFlow.Instances;

/// <summary>Filters and the keyset cursor for listing tasks, newest first.</summary>
/// <param name="StoredStatuses">Any of these stored statuses (<c>pending</c> covers scheduled and pending).</param>
/// <param name="IdPrefix">Only instances whose id starts with this.</param>
/// <param name="CreatedBy">Only instances this actor submitted.</param>
public sealed record TaskQuery(
    string? Status = null,
    string? Type = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    TaskCursor? After = null,
    int Limit = 50,
    IReadOnlyList<string>? StoredStatuses = null,
    string? IdPrefix = null,
    string? CreatedBy = null);

/// <summary>Where a page ended: the last task's creation time and id.</summary>
public sealed record TaskCursor(DateTimeOffset CreatedAt, string Id);
