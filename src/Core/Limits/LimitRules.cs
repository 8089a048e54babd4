namespace TaskFlow.Limits;

/// <summary>What makes a limit valid, for the API and the settings alike: each broken rule with the field it concerns and
/// what to send instead.</summary>
public static class LimitRules
{
    /// <summary>The highest <see cref="Limit.MaxConcurrent"/>.</summary>
    public const int MaxConcurrent = 100_000;

    /// <summary>The highest <see cref="LimitRate.PerSecond"/>.</summary>
    public const double MaxPerSecond = 1_000_000;

    /// <summary>The highest <see cref="LimitRate.Burst"/>.</summary>
    public const int MaxBurst = 1_000_000;

    /// <summary>The longest activity or tag name a limit takes.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The broken rules (field, message); none for a valid limit.</summary>
    public static IEnumerable<(string Field, string Message)> Check(Limit limit)
    {
        if (limit.Scope is not (LimitScopes.Activity or LimitScopes.Tag))
        {
            yield return ("scope", $"A limit is on an '{LimitScopes.Activity}' or a '{LimitScopes.Tag}'.");
        }

        if (string.IsNullOrEmpty(limit.Name) || limit.Name.Length > MaxNameLength || limit.Name.Contains('=') || limit.Name.Any(char.IsControl))
        {
            yield return ("name", $"Name the {limit.Scope} in 1 to {MaxNameLength} characters, without '=' or control characters.");
        }

        if (limit.MaxConcurrent is null && limit.Rate is null)
        {
            yield return ("maxConcurrent", "Give maxConcurrent (how many run at once), rate ({\"perSecond\": n, \"burst\": n}), or both.");
        }

        if (limit.MaxConcurrent is < 1 or > MaxConcurrent)
        {
            yield return ("maxConcurrent", $"Must be a whole number from 1 to {MaxConcurrent}.");
        }

        if (limit.Rate is { } rate)
        {
            if (!(rate.PerSecond > 0 && rate.PerSecond <= MaxPerSecond))
            {
                yield return ("rate.perSecond", $"Must be a number more than 0 and at most {MaxPerSecond} (starts per second; 0.5 is one every two seconds).");
            }

            if (rate.Burst is < 1 or > MaxBurst)
            {
                yield return ("rate.burst", $"Must be a whole number from 1 to {MaxBurst}: how many may start at once after a quiet spell.");
            }
        }
    }
}
