namespace TaskFlow.Security;

/// <summary>An API key as stored: never its secret.</summary>
/// <param name="Id">The key's id (<c>key_</c> and its prefix): what histories record as the actor.</param>
/// <param name="RequestsPerMinute">The key's own rate limit; null takes its role's default.</param>
internal sealed record ApiKey(
    string Id,
    string Name,
    IReadOnlyList<string> Roles,
    int? RequestsPerMinute,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RevokedAt,
    string? RevokedBy)
{
    public bool IsUsableAt(DateTimeOffset now) => this.RevokedAt is null && (this.ExpiresAt is not { } expiry || expiry > now);
}

/// <summary>A key just created, with the secret shown this once.</summary>
internal sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>An entry of a key's audit trail.</summary>
internal sealed record ApiKeyEvent(string EventType, string Actor, DateTimeOffset OccurredAt, string? DetailsJson);
