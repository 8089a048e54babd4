using NCrontab;

namespace TaskFlow.Schedules;

/// <summary>A cron expression in a time zone: the slots it fires at, as UTC instants.</summary>
/// <remarks>Cron is read in the zone's wall-clock time, so "0 9 * * *" is 09:00 local all year. Across
/// daylight-saving changes: a wall-clock time that does not exist (spring forward) is skipped; one that
/// happens twice (fall back) fires once, at its first occurrence.</remarks>
public sealed class CronSchedule
{
    private const int MaxSkippedTimes = 10_000;
    private static readonly string[] FieldNames5 = ["minute", "hour", "day of month", "month", "day of week"];
    private static readonly string[] FieldNames6 = ["second", "minute", "hour", "day of month", "month", "day of week"];

    private readonly CrontabSchedule schedule;

    private CronSchedule(string expression, CrontabSchedule schedule, TimeZoneInfo timeZone)
    {
        this.Expression = expression;
        this.schedule = schedule;
        this.TimeZone = timeZone;
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>The zone the expression is read in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses a 5-field (minute precision) or 6-field (leading seconds) expression.</summary>
    /// <returns>The schedule, or null with <paramref name="error"/> saying which part is wrong and showing a valid example.</returns>
    public static CronSchedule? TryParse(string expression, TimeZoneInfo timeZone, out string? error)
    {
        string[] fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            error = $"'{expression}' has {fields.Length} field{(fields.Length == 1 ? string.Empty : "s")}; expected 5 (minute hour day month weekday), " +
                "e.g. '0 */4 * * *' for every four hours, or 6 with seconds first, e.g. '*/10 * * * * *' for every ten seconds.";
            return null;
        }

        string[] names = fields.Length == 6 ? FieldNames6 : FieldNames5;
        for (int index = 0; index < fields.Length; index++)
        {
            // Parse each field alone against a known-good rest, so the message names the field that is wrong.
            string[] probe = fields.Length == 6 ? ["0", "0", "0", "1", "1", "*"] : ["0", "0", "1", "1", "*"];
            probe[index] = fields[index];
            if (CrontabSchedule.TryParse(string.Join(' ', probe), Options(fields.Length)) is null)
            {
                error = $"The {names[index]} field '{fields[index]}' of '{expression}' is not valid. " +
                    $"Fields are: {string.Join(" ", names)}; e.g. '{(fields.Length == 6 ? "0 30 9 * * 1-5" : "30 9 * * 1-5")}' fires at 09:30 on weekdays.";
                return null;
            }
        }

        CrontabSchedule? schedule = CrontabSchedule.TryParse(expression, Options(fields.Length));
        if (schedule is null)
        {
            error = $"'{expression}' is not a valid cron expression, e.g. '30 9 * * 1-5' fires at 09:30 on weekdays.";
            return null;
        }

        error = null;
        return new CronSchedule(expression, schedule, timeZone);
    }

    /// <summary>The first slot strictly after <paramref name="afterUtc"/>, or null when there is none before <paramref name="untilUtc"/>.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset afterUtc, DateTimeOffset untilUtc)
    {
        DateTime local = TimeZoneInfo.ConvertTime(afterUtc, this.TimeZone).DateTime;
        DateTime untilLocal = TimeZoneInfo.ConvertTime(untilUtc, this.TimeZone).DateTime.AddDays(1);
        for (int skipped = 0; skipped < MaxSkippedTimes; skipped++)
        {
            local = this.schedule.GetNextOccurrence(local, untilLocal);
            if (local >= untilLocal)
            {
                return null;
            }

            if (this.TimeZone.IsInvalidTime(local))
            {
                continue; // spring forward: this wall-clock time never happens
            }

            // Fall back: an ambiguous time happens twice; fire at the first (the larger offset).
            TimeSpan offset = this.TimeZone.IsAmbiguousTime(local)
                ? this.TimeZone.GetAmbiguousTimeOffsets(local).Max()
                : this.TimeZone.GetUtcOffset(local);
            var slot = new DateTimeOffset(local, offset).ToUniversalTime();
            if (slot > afterUtc)
            {
                return slot <= untilUtc ? slot : null;
            }
        }

        return null;
    }

    /// <summary>Up to <paramref name="count"/> slots after <paramref name="afterUtc"/> and no later than <paramref name="untilUtc"/>.</summary>
    public IReadOnlyList<DateTimeOffset> NextSlots(DateTimeOffset afterUtc, DateTimeOffset untilUtc, int count)
    {
        var slots = new List<DateTimeOffset>(count);
        DateTimeOffset cursor = afterUtc;
        while (slots.Count < count && this.NextAfter(cursor, untilUtc) is { } next)
        {
            slots.Add(next);
            cursor = next;
        }

        return slots;
    }

    private static CrontabSchedule.ParseOptions Options(int fieldCount) => new() { IncludingSeconds = fieldCount == 6 };
}
