using System.Text.Json;
using System.Text.RegularExpressions;
using TaskFlow.Instances;
using TaskFlow.Schedules;

namespace TaskFlow.Api.Endpoints;

/// <summary>Turns a schedule's JSON (API body or configuration) into a <see cref="ScheduleDefinition"/>, or into
/// errors naming each wrong field. The task template is checked exactly as <c>POST /api/tasks</c> checks a task.</summary>
internal sealed partial class ScheduleRequestParser(TaskRequestParser tasks, TimeProvider time)
{
    private static readonly string[] Fields = ["name", "cron", "timeZone", "task", "overlap", "catchUp", "catchUpLimit", "paused", "startAt", "endAt"];
    private static readonly string[] OverlapPolicies = [ScheduleDefinition.OverlapAllow, ScheduleDefinition.OverlapSkip, ScheduleDefinition.OverlapBufferOne];
    private static readonly string[] CatchUpPolicies = [ScheduleDefinition.CatchUpNone, ScheduleDefinition.CatchUpLatest, ScheduleDefinition.CatchUpAll];

    /// <param name="body">The schedule's JSON.</param>
    /// <param name="routeName">The name in the URL (PUT), which the body may repeat but not contradict.</param>
    /// <param name="errors">Collects what is wrong, by field.</param>
    public ScheduleDefinition? Parse(JsonElement body, string? routeName, Dictionary<string, string[]> errors)
    {
        void Error(string field, string message) => errors[field] = [message];
        if (body.ValueKind != JsonValueKind.Object)
        {
            Error("body", $"A schedule must be a JSON object, e.g. {{\"name\":\"nightly-report\",\"cron\":\"0 2 * * *\",\"task\":{{\"type\":\"echo\"}}}} (got {JsonFields.Describe(body)}).");
            return null;
        }

        foreach (JsonProperty property in body.EnumerateObject().Where(p => !Fields.Contains(p.Name)))
        {
            Error(property.Name, $"Unknown field '{property.Name}'.{Suggestions.DidYouMean(property.Name, Fields)} Known fields: {string.Join(", ", Fields)}.");
        }

        string? name = ReadName(body, routeName, Error);
        TimeZoneInfo? zone = ReadTimeZone(body, Error, out string zoneId);
        string? cron = ReadString(body, "cron", Error, "Required: when to fire, e.g. \"0 2 * * *\" (02:00 daily) or \"*/10 * * * * *\" (every ten seconds).");
        if (cron is not null && zone is not null && CronSchedule.TryParse(cron, zone, out string? cronError) is null)
        {
            Error("cron", cronError!);
            cron = null;
        }

        ScheduledTaskTemplate? template = this.ReadTemplate(body, errors);
        string overlap = ReadChoice(body, "overlap", OverlapPolicies, ScheduleDefinition.OverlapAllow, Error);
        string catchUp = ReadChoice(body, "catchUp", CatchUpPolicies, ScheduleDefinition.CatchUpNone, Error);
        int catchUpLimit = JsonFields.ReadInteger(body, "catchUpLimit", 1, 1000, 10, Error);
        bool paused = ReadBoolean(body, "paused", Error);
        DateTimeOffset? startAt = JsonFields.ReadTimestamp(body, "startAt", Error)?.ToUniversalTime();
        DateTimeOffset? endAt = JsonFields.ReadTimestamp(body, "endAt", Error)?.ToUniversalTime();
        if (startAt is not null && endAt <= startAt)
        {
            Error("endAt", "Must be later than startAt.");
        }

        if (errors.Count > 0 || name is null || cron is null || template is null)
        {
            return null;
        }

        var definition = new ScheduleDefinition(name, cron, zoneId, template, overlap, catchUp, catchUpLimit, paused, startAt, endAt);
        if (ScheduleClient.FirstSlot(definition, time.GetUtcNow()) is null)
        {
            Error("cron", $"'{cron}' never fires{(endAt is null ? string.Empty : $" before endAt ({endAt:O})")}: check the day-of-month and month fields " +
                "(e.g. '0 0 30 2 *' asks for 30 February).");
            return null;
        }

        return definition;
    }

    private ScheduledTaskTemplate? ReadTemplate(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("task", out JsonElement task) || task.ValueKind == JsonValueKind.Null)
        {
            errors["task"] = ["Required: the task each slot submits, shaped like the body of POST /api/tasks without runAt, delay and idempotencyKey, e.g. {\"type\":\"echo\",\"input\":{}}."];
            return null;
        }

        TaskSubmission? submission = tasks.Parse(task, "task.", headerIdempotencyKey: null, errors, template: true);
        return submission is null ? null : new ScheduledTaskTemplate(
            submission.Type,
            submission.InputJson is null ? null : JsonDocument.Parse(submission.InputJson).RootElement.Clone(),
            submission.Priority,
            submission.Retry,
            submission.Timeout,
            submission.Tags);
    }

    private static string? ReadName(JsonElement body, string? routeName, Action<string, string> error)
    {
        string? name = body.TryGetProperty("name", out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? (value.ValueKind == JsonValueKind.String ? value.GetString() : null)
            : routeName;
        if (routeName is not null && name != routeName)
        {
            error("name", $"The body names '{name}' but the URL names '{routeName}'; leave 'name' out or make them match.");
            return null;
        }

        if (name is null || !ScheduleName().IsMatch(name))
        {
            error("name", "Required: 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. \"nightly-report\".");
            return null;
        }

        return name;
    }

    private static TimeZoneInfo? ReadTimeZone(JsonElement body, Action<string, string> error, out string zoneId)
    {
        zoneId = "UTC";
        if (!body.TryGetProperty("timeZone", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return TimeZoneInfo.Utc;
        }

        zoneId = value.ValueKind == JsonValueKind.String ? value.GetString()! : JsonFields.Describe(value);
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            string suggestion = Suggestions.DidYouMean(zoneId, TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id));
            error("timeZone", $"Unknown time zone '{zoneId}'.{suggestion} Use an IANA name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\".");
            return null;
        }
    }

    private static string? ReadString(JsonElement body, string field, Action<string, string> error, string whenMissing)
    {
        if (body.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        error(field, whenMissing);
        return null;
    }

    private static string ReadChoice(JsonElement body, string field, string[] choices, string fallback, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.String && choices.Contains(value.GetString()))
        {
            return value.GetString()!;
        }

        error(field, $"Must be one of: {string.Join(", ", choices)} (got {JsonFields.Describe(value)}).");
        return fallback;
    }

    private static bool ReadBoolean(JsonElement body, string field, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        error(field, $"Must be true or false (got {JsonFields.Describe(value)}).");
        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ScheduleName();
}
