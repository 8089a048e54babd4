using TaskFlow.Schedules;

namespace TaskFlow.Core.Tests.Schedules;

public sealed class CronScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void NextSlots_InBerlinAcrossSpringForward_SkipsTheWallClockTimeThatDoesNotExist()
    {
        // 2030-03-31: clocks jump from 02:00 to 03:00 CEST; 02:30 does not happen that day.
        CronSchedule cron = Parse("30 2 * * *", Berlin);

        IReadOnlyList<DateTimeOffset> slots = cron.NextSlots(At("2030-03-29T12:00:00Z"), At("2030-04-05T00:00:00Z"), 3);

        Assert.Equal([At("2030-03-30T01:30:00Z"), At("2030-04-01T00:30:00Z"), At("2030-04-02T00:30:00Z")], slots);
    }

    [Fact]
    public void NextSlots_InBerlinAcrossFallBack_FiresTheRepeatedWallClockTimeOnce()
    {
        // 2030-10-27: clocks go back from 03:00 CEST to 02:00 CET; 02:30 happens twice, and fires at the first.
        CronSchedule cron = Parse("30 2 * * *", Berlin);

        IReadOnlyList<DateTimeOffset> slots = cron.NextSlots(At("2030-10-26T12:00:00Z"), At("2030-11-01T00:00:00Z"), 2);

        Assert.Equal([At("2030-10-27T00:30:00Z"), At("2030-10-28T01:30:00Z")], slots);
    }

    [Fact]
    public void NextSlots_HourlyInBerlinAcrossFallBack_KeepsWallClockHoursWithoutRepeats()
    {
        CronSchedule cron = Parse("0 * * * *", Berlin);

        IReadOnlyList<DateTimeOffset> slots = cron.NextSlots(At("2030-10-26T23:30:00Z"), At("2030-10-28T00:00:00Z"), 4);

        // From 01:30 CEST: 02:00 CEST, (02:00 CET is the repeat: not again), 03:00 CET, 04:00 CET, 05:00 CET.
        Assert.Equal([At("2030-10-27T00:00:00Z"), At("2030-10-27T02:00:00Z"), At("2030-10-27T03:00:00Z"), At("2030-10-27T04:00:00Z")], slots);
    }

    [Fact]
    public void NextAfter_WithSixFields_FiresEverySecond()
    {
        CronSchedule cron = Parse("* * * * * *", TimeZoneInfo.Utc);

        Assert.Equal(At("2030-01-01T00:00:01Z"), cron.NextAfter(At("2030-01-01T00:00:00Z"), At("2031-01-01T00:00:00Z")));
    }

    [Theory]
    [InlineData("0 */4 * *", "has 4 fields; expected 5")]
    [InlineData("61 * * * *", "The minute field '61'")]
    [InlineData("0 25 * * *", "The hour field '25'")]
    [InlineData("0 0 * 13 *", "The month field '13'")]
    [InlineData("0 0 0 * * mon-fry", "The day of week field 'mon-fry'")]
    public void TryParse_WithAWrongField_SaysWhichFieldAndShowsAnExample(string expression, string expected)
    {
        Assert.Null(CronSchedule.TryParse(expression, TimeZoneInfo.Utc, out string? error));
        Assert.Contains(expected, error);
        Assert.Contains("e.g.", error);
    }

    [Fact]
    public void NextAfter_ForADateThatNeverComes_IsNull() =>
        Assert.Null(Parse("0 0 30 2 *", TimeZoneInfo.Utc).NextAfter(At("2030-01-01T00:00:00Z"), At("2040-01-01T00:00:00Z")));

    private static CronSchedule Parse(string expression, TimeZoneInfo zone) =>
        CronSchedule.TryParse(expression, zone, out string? error) ?? throw new InvalidOperationException(error);

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);
}
