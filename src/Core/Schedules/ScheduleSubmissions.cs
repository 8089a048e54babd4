using System.Security.Cryptography;
using System.Text;
using TaskFlow.Instances;

namespace TaskFlow.Schedules;

/// <summary>Turns a schedule's template into the task one slot submits.</summary>
internal static class ScheduleSubmissions
{
    /// <summary>The task for <paramref name="slot"/> (null: a manual trigger). Tagged with the schedule and
    /// slot, so its runs can be listed with <c>GET /api/tasks?tag=schedule:NAME</c>.</summary>
    public static TaskSubmission For(ScheduleDefinition schedule, DateTimeOffset? slot)
    {
        ScheduledTaskTemplate task = schedule.Task;
        var tags = new Dictionary<string, string>(task.Tags) { ["schedule"] = schedule.Name };
        if (slot is { } at)
        {
            tags["slot"] = at.UtcDateTime.ToString("O");
        }

        return new TaskSubmission(
            task.Type,
            task.Input?.GetRawText(),
            task.Priority,
            RunAt: null,
            Delay: null,
            task.Retry,
            task.Timeout,
            IdempotencyKey: null,
            tags,
            SHA256.HashData(Encoding.UTF8.GetBytes($"{schedule.Name}|{slot:O}")));
    }

    /// <summary>The stored schedule's cron; it was validated when stored.</summary>
    public static CronSchedule Cron(ScheduleDefinition schedule) =>
        CronSchedule.TryParse(schedule.Cron, TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone), out string? error)
            ?? throw new InvalidOperationException($"Schedule '{schedule.Name}' has an invalid cron: {error}");
}
