namespace TaskFlow.Limits;

/// <summary>Limits declared in settings (section <c>TaskFlow:Limits</c>), e.g.
/// <c>TaskFlow:Limits:Activities:charge:MaxConcurrent = 5</c>, <c>TaskFlow:Limits:Tags:tenant:Rate:PerSecond = 50</c>.
/// Each process applies them at start; one the settings declared before is left as it is, so a change made over the API
/// (<c>PUT /api/limits/...</c>) holds until the settings change.</summary>
public sealed class LimitsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Limits";

    /// <summary>Limits by activity name.</summary>
    public Dictionary<string, DeclaredLimit> Activities { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Limits by tag name, each of its values limited apart.</summary>
    public Dictionary<string, DeclaredLimit> Tags { get; set; } = new(StringComparer.Ordinal);

    internal IEnumerable<Limit> Limits() =>
        this.Activities.Select(a => a.Value.ToLimit(LimitScopes.Activity, a.Key))
            .Concat(this.Tags.Select(t => t.Value.ToLimit(LimitScopes.Tag, t.Key)));

    /// <summary>Raises an error naming the setting that is wrong.</summary>
    internal void Validate()
    {
        foreach (Limit limit in this.Limits())
        {
            string section = $"{Section}:{(limit.Scope == LimitScopes.Activity ? "Activities" : "Tags")}:{limit.Name}";
            foreach ((string field, string message) in LimitRules.Check(limit))
            {
                string setting = field switch { "rate.perSecond" => "Rate:PerSecond", "rate.burst" => "Rate:Burst", "name" => "", _ => "MaxConcurrent" };
                throw new InvalidOperationException($"{section}{(setting.Length > 0 ? ":" + setting : string.Empty)}: {message}");
            }
        }
    }
}

/// <summary>One limit in settings.</summary>
public sealed class DeclaredLimit
{
    /// <summary>How many run at once, across every process.</summary>
    public int? MaxConcurrent { get; set; }

    /// <summary>How many start per second.</summary>
    public DeclaredRate? Rate { get; set; }

    internal Limit ToLimit(string scope, string name) =>
        new(scope, name, this.MaxConcurrent, this.Rate is { } rate ? new LimitRate(rate.PerSecond, rate.Burst ?? Math.Max(1, (int)Math.Ceiling(rate.PerSecond))) : null);
}

/// <summary>A rate in settings; <see cref="Burst"/> defaults to a second's worth.</summary>
public sealed class DeclaredRate
{
    /// <summary>Starts per second.</summary>
    public double PerSecond { get; set; }

    /// <summary>The most that start at once after a quiet spell.</summary>
    public int? Burst { get; set; }
}
