using System.Text.Json;
using TaskFlow.Schedules;

namespace TaskFlow.Api.Endpoints;

/// <summary>A schedule as the HTTP API shows it. The detail view adds the next fire times and recent runs.</summary>
internal sealed record ScheduleJson(
    string Name,
    string Cron,
    string TimeZone,
    ScheduledTaskTemplate Task,
    string Overlap,
    string CatchUp,
    int CatchUpLimit,
    bool Paused,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    DateTimeOffset? NextFireAt,
    string Source,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<DateTimeOffset>? NextFireTimes = null,
    IReadOnlyList<ScheduleRunJson>? RecentRuns = null)
{
    public static ScheduleJson From(ScheduleRecord schedule)
    {
        ScheduleDefinition d = schedule.Definition;
        return new ScheduleJson(
            d.Name, d.Cron, d.TimeZone, d.Task, d.Overlap, d.CatchUp, d.CatchUpLimit, d.Paused, d.StartAt, d.EndAt,
            schedule.NextFireAt, schedule.Source, schedule.CreatedBy, schedule.CreatedAt, schedule.UpdatedAt);
    }
}

/// <summary>A run a schedule started: a fired slot, or a manual trigger (no slot).</summary>
internal sealed record ScheduleRunJson(DateTimeOffset? Slot, string TaskId, DateTimeOffset StartedAt, string Actor)
{
    public static ScheduleRunJson? From(ScheduleEventRecord e)
    {
        if (e.EventType is not ("SlotFired" or "ScheduleTriggered") || e.PayloadJson is null)
        {
            return null;
        }

        JsonElement payload = JsonDocument.Parse(e.PayloadJson).RootElement;
        DateTimeOffset? slot = payload.TryGetProperty("slot", out JsonElement at) ? at.GetDateTimeOffset() : null;
        return new ScheduleRunJson(slot, payload.GetProperty("taskId").GetString()!, e.Timestamp, e.Actor);
    }
}

/// <summary>One event of a schedule's audit trail.</summary>
internal sealed record ScheduleEventJson(long Sequence, string Type, JsonElement? Payload, DateTimeOffset Timestamp, string Actor)
{
    public static ScheduleEventJson From(ScheduleEventRecord e) => new(e.Sequence, e.EventType, TaskJson.Parse(e.PayloadJson), e.Timestamp, e.Actor);
}
