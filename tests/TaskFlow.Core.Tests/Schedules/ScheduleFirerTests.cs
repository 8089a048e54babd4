using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Retries;
using TaskFlow.Schedules;
using TaskFlow.Testing;
using TaskFlow.Workers;

namespace TaskFlow.Core.Tests.Schedules;

/// <summary>Scheduler passes on a fake clock, against a real database; no worker runs, so tasks stay pending.</summary>
public sealed class ScheduleFirerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly ScheduledTaskTemplate Echo = new("echo", JsonDocument.Parse("1").RootElement, 5, new RetryPolicy(), null, new Dictionary<string, string>());
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [Fact]
    public async Task FireDueAsync_TwoSchedulersOverTwentySecondsOfEverySecond_StartOneTaskPerSlotWithNoGaps()
    {
        string name = await this.CreateAsync("* * * * * *");
        ScheduleFirer first = this.Firer();
        ScheduleFirer second = this.Firer();

        for (int elapsed = 0; elapsed < 20; elapsed++)
        {
            this.time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAll(first.FireDueAsync(CancellationToken.None), second.FireDueAsync(CancellationToken.None));
        }

        IReadOnlyList<string> slots = await database.ColumnAsync(
            "SELECT extract(epoch FROM slot)::bigint FROM taskflow.schedule_slots WHERE schedule_name = @name AND outcome = 'started' ORDER BY slot", ("name", name));
        // Created at 00:00:00, which is itself a slot; then twenty more, one per second.
        long start = DateTimeOffset.Parse("2030-01-01T00:00:00Z").ToUnixTimeSeconds();
        Assert.Equal(Enumerable.Range(0, 21).Select(i => (start + i).ToString()), slots);
        Assert.Equal(21L, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT instance_id) FROM taskflow.schedule_slots WHERE schedule_name = @name", ("name", name)));
        Assert.Equal(21L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE tags ->> 'schedule' = @name", ("name", name)));
    }

    [Theory]
    [InlineData(ScheduleDefinition.CatchUpNone, 100, 0)]
    [InlineData(ScheduleDefinition.CatchUpLatest, 100, 1)]
    [InlineData(ScheduleDefinition.CatchUpAll, 100, 10)]
    [InlineData(ScheduleDefinition.CatchUpAll, 3, 3)]
    public async Task FireDueAsync_AfterTenMissedSlots_CatchesUpPerPolicy(string catchUp, int limit, int expectedRuns)
    {
        this.time.Advance(TimeSpan.FromMinutes(1));
        string name = await this.CreateAsync("0 * * * *", catchUp: catchUp, limit: limit);

        // Down for ten hourly slots (01:00 … 10:00), back at 10:30: every one of them is past the tolerance.
        this.time.Advance(TimeSpan.FromHours(10.5) - TimeSpan.FromMinutes(1));
        await this.Firer().FireDueAsync(CancellationToken.None);

        IReadOnlyList<string> started = await database.ColumnAsync(
            "SELECT to_char(slot AT TIME ZONE 'UTC', 'HH24:MI') FROM taskflow.schedule_slots WHERE schedule_name = @name ORDER BY slot", ("name", name));
        Assert.Equal(Enumerable.Range(11 - expectedRuns, expectedRuns).Select(hour => $"{hour:00}:00"), started);
        IReadOnlyList<string> missed = await database.ColumnAsync(
            "SELECT payload ->> 'count' FROM taskflow.schedule_history WHERE schedule_name = @name AND event_type = 'SlotsMissed'", ("name", name));
        Assert.Equal(expectedRuns == 10 ? [] : [(10 - expectedRuns).ToString()], missed);
        Assert.Equal(DateTimeOffset.Parse("2030-01-01T11:00:00Z"), (await this.Client().GetScheduleAsync(name))!.NextFireAt);
    }

    [Fact]
    public async Task FireDueAsync_WithOverlapSkipWhileThePreviousRunIsUnfinished_SkipsAndSaysWhy()
    {
        string name = await this.CreateAsync("* * * * *", overlap: ScheduleDefinition.OverlapSkip);
        ScheduleFirer firer = this.Firer();

        for (int minute = 0; minute < 3; minute++)
        {
            this.time.Advance(TimeSpan.FromMinutes(1));
            await firer.FireDueAsync(CancellationToken.None);
        }

        IReadOnlyList<string> outcomes = await database.ColumnAsync(
            "SELECT outcome FROM taskflow.schedule_slots WHERE schedule_name = @name ORDER BY slot", ("name", name));
        Assert.Equal(["started", "skipped", "skipped"], outcomes);
        IReadOnlyList<string> reasons = await database.ColumnAsync(
            "SELECT payload ->> 'reason' FROM taskflow.schedule_history WHERE schedule_name = @name AND event_type = 'SlotSkipped'", ("name", name));
        Assert.Equal(2, reasons.Count);
        Assert.All(reasons, reason => Assert.Contains("still running (overlap: skip)", reason));
    }

    [Fact]
    public async Task FireDueAsync_WithBufferOne_RunsOneBufferedSlotOnceThePreviousRunEnds()
    {
        string name = await this.CreateAsync("* * * * *", overlap: ScheduleDefinition.OverlapBufferOne);
        ScheduleFirer firer = this.Firer();
        for (int minute = 0; minute < 3; minute++)
        {
            this.time.Advance(TimeSpan.FromMinutes(1));
            await firer.FireDueAsync(CancellationToken.None);
        }

        string firstRun = (await this.Client().GetScheduleAsync(name))!.LastInstanceId!;
        await new TaskFlowClient(database.DataSource, new SqlClock(this.time)).TerminateTaskAsync(firstRun, "test", "done");
        await firer.FireDueAsync(CancellationToken.None);

        IReadOnlyList<string> outcomes = await database.ColumnAsync(
            "SELECT outcome FROM taskflow.schedule_slots WHERE schedule_name = @name ORDER BY slot", ("name", name));
        Assert.Equal(["started", "started", "skipped"], outcomes);
    }

    private async Task<string> CreateAsync(string cron, string catchUp = "none", int limit = 10, string overlap = "allow")
    {
        string name = $"s-{Guid.NewGuid():N}";
        Assert.True(await this.Client().CreateScheduleAsync(
            new ScheduleDefinition(name, cron, "UTC", Echo, overlap, catchUp, limit), "test"));
        return name;
    }

    private ScheduleClient Client()
    {
        var clock = new SqlClock(this.time);
        return new ScheduleClient(database.DataSource, clock, new TaskFlowClient(database.DataSource, clock));
    }

    private ScheduleFirer Firer()
    {
        var clock = new SqlClock(this.time);
        var tasks = new TaskFlowClient(database.DataSource, clock);
        return new ScheduleFirer(
            database.DataSource, clock, tasks, new ScheduleClient(database.DataSource, clock, tasks), new WorkerIdentity(),
            Options.Create(new SchedulerOptions()), NullLogger<ScheduleFirer>.Instance);
    }
}
