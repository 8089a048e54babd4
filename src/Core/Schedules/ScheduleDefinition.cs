using System.Text.Json;
using TaskFlow.Retries;

namespace TaskFlow.Schedules;

/// <summary>What a schedule is: when it fires, and the task each slot submits.</summary>
/// <param name="Name">Unique; letters, digits, '.', '_' and '-'.</param>
/// <param name="Cron">5 fields (minute hour day month weekday) or 6 with seconds first.</param>
/// <param name="TimeZone">IANA zone the cron is read in.</param>
/// <param name="Task">The task each slot submits.</param>
/// <param name="Overlap"><c>allow</c>, <c>skip</c> (while the previous run is unfinished) or <c>buffer-one</c> (run one slot after it).</param>
/// <param name="CatchUp">After downtime: <c>none</c> (missed slots are skipped), <c>latest</c> (run the latest), <c>all</c> (run up to <paramref name="CatchUpLimit"/>).</param>
/// <param name="CatchUpLimit">With <c>all</c>, how many missed slots run at most (the latest ones).</param>
/// <param name="Paused">A paused schedule fires nothing; slots passing meanwhile are missed.</param>
/// <param name="StartAt">No slot before this.</param>
/// <param name="EndAt">No slot after this.</param>
public sealed record ScheduleDefinition(
    string Name,
    string Cron,
    string TimeZone,
    ScheduledTaskTemplate Task,
    string Overlap = ScheduleDefinition.OverlapAllow,
    string CatchUp = ScheduleDefinition.CatchUpNone,
    int CatchUpLimit = 10,
    bool Paused = false,
    DateTimeOffset? StartAt = null,
    DateTimeOffset? EndAt = null)
{
    /// <summary>Start every slot.</summary>
    public const string OverlapAllow = "allow";

    /// <summary>Skip a slot while the previous run is unfinished.</summary>
    public const string OverlapSkip = "skip";

    /// <summary>Keep one slot waiting while the previous run is unfinished; skip further ones.</summary>
    public const string OverlapBufferOne = "buffer-one";

    /// <summary>Missed slots are skipped.</summary>
    public const string CatchUpNone = "none";

    /// <summary>The latest missed slot runs.</summary>
    public const string CatchUpLatest = "latest";

    /// <summary>Missed slots run, up to the limit.</summary>
    public const string CatchUpAll = "all";
}

/// <summary>The task a schedule submits for each slot (a task request without its timing fields).</summary>
public sealed record ScheduledTaskTemplate(
    string Type,
    JsonElement? Input,
    int Priority,
    RetryPolicy Retry,
    TimeSpan? Timeout,
    IReadOnlyDictionary<string, string> Tags);
