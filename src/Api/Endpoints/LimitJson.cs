using TaskFlow.Limits;

namespace TaskFlow.Api.Endpoints;

/// <summary>A limit's body: what <c>PUT /api/limits/...</c> takes.</summary>
internal sealed record LimitBodyJson(int? MaxConcurrent, LimitRateJson? Rate);

/// <summary>Starts per second, and how many may start at once after a quiet spell.</summary>
internal sealed record LimitRateJson(double PerSecond, int Burst);

/// <summary>A limit as the API shows it, with its keys' use now: one key for an activity, one per value for a tag.</summary>
internal sealed record LimitJson(
    string Scope, string Name, int? MaxConcurrent, LimitRateJson? Rate, DateTimeOffset UpdatedAt, string UpdatedBy, IReadOnlyList<LimitKeyJson> Keys)
{
    public static LimitJson From(LimitRecord record) => new(
        record.Limit.Scope, record.Limit.Name, record.Limit.MaxConcurrent, RateOf(record.Limit.Rate), record.UpdatedAt, record.UpdatedBy,
        record.Keys.Select(k => new LimitKeyJson(k.Key, k.Running, k.Waiting, k.Tokens is { } t ? Math.Round(t, 2) : null)).ToList());

    public static LimitRateJson? RateOf(LimitRate? rate) => rate is null ? null : new LimitRateJson(rate.PerSecond, rate.Burst);
}

/// <summary>One key of a limit: slots in use (<c>running</c>), work ready and not leased (<c>waiting</c>), and the tokens
/// left when it was last served.</summary>
internal sealed record LimitKeyJson(string Key, long Running, long Waiting, double? Tokens);

/// <summary>Every limit.</summary>
internal sealed record LimitListJson(IReadOnlyList<LimitJson> Limits);

/// <summary>A change in the limits' audit trail (<c>before</c>/<c>after</c> null: no limit).</summary>
internal sealed record LimitChangeJson(long Id, string Scope, string Name, LimitBodyJson? Before, LimitBodyJson? After, DateTimeOffset ChangedAt, string Actor)
{
    public static LimitChangeJson From(LimitChange change) => new(
        change.Id, change.Scope, change.Name, Body(change.Before), Body(change.After), change.ChangedAt, change.Actor);

    private static LimitBodyJson? Body(Limit? limit) => limit is null ? null : new LimitBodyJson(limit.MaxConcurrent, LimitJson.RateOf(limit.Rate));
}

/// <summary>A page of the audit trail; <c>next</c> is the <c>before</c> of the next page.</summary>
internal sealed record LimitChangeListJson(IReadOnlyList<LimitChangeJson> Changes, long? Next);
