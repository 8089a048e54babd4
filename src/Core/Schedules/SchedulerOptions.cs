namespace TaskFlow.Schedules;

/// <summary>How schedules are fired (configuration section <c>TaskFlow:Scheduler</c>).</summary>
public sealed class SchedulerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Scheduler";

    /// <summary>How often a scheduler looks for due slots when none is due sooner (schedule changes are seen within this).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A slot found due later than this after its time counts as missed, and the catch-up policy decides.</summary>
    public TimeSpan MisfireTolerance { get; set; } = TimeSpan.FromSeconds(30);
}
