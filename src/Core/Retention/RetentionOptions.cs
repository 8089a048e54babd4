namespace TaskFlow.Retention;

/// <summary>How long finished tasks are kept (configuration section <c>TaskFlow:Retention</c>).</summary>
public sealed class RetentionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Retention";

    /// <summary>Finished tasks older than this are purged with their history; null keeps them forever.</summary>
    public TimeSpan? KeepFinishedFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the purger runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tasks per purge transaction: small, so no purge holds locks or bloats the tables for long.</summary>
    public int BatchSize { get; set; } = 500;
}
