namespace TaskFlow.Limits;

/// <summary>A global limit on activities: on one activity (<see cref="LimitScopes.Activity"/>, by name) or on each value
/// of a tag (<see cref="LimitScopes.Tag"/>, e.g. every tenant apart). At least one of the two is set.</summary>
/// <param name="MaxConcurrent">How many run at once, across every process on the database.</param>
/// <param name="Rate">How many start per second, as a token bucket.</param>
public sealed record Limit(string Scope, string Name, int? MaxConcurrent, LimitRate? Rate);

/// <summary>Starts per second, with <paramref name="Burst"/> the most that may start at once after a quiet spell.</summary>
public sealed record LimitRate(double PerSecond, int Burst);

/// <summary>What a limit governs.</summary>
public static class LimitScopes
{
    /// <summary>An activity by name: orchestrations' activities and single-activity tasks of that type.</summary>
    public const string Activity = "activity";

    /// <summary>A tag by name, each of its values limited apart: activities of tasks (and of orchestrations) with that tag.</summary>
    public const string Tag = "tag";
}

/// <summary>A limit as stored, with who set it last and its keys' live use.</summary>
public sealed record LimitRecord(Limit Limit, DateTimeOffset UpdatedAt, string UpdatedBy, IReadOnlyList<LimitKeyUsage> Keys);

/// <summary>One key of a limit (the activity, or one value of the tag) now: slots in use, work ready and not leased,
/// tokens left when it was last served (null without a rate).</summary>
public sealed record LimitKeyUsage(string Key, long Running, long Waiting, double? Tokens);

/// <summary>One entry of the limits' audit trail: the limit before and after (null: none).</summary>
public sealed record LimitChange(long Id, string Scope, string Name, Limit? Before, Limit? After, DateTimeOffset ChangedAt, string Actor);
