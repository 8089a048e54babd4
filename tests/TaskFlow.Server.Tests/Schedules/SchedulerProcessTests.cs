using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Schedules;

/// <summary>Two real worker processes, each running the scheduler, on the database clock.</summary>
public sealed class SchedulerProcessTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task TwoSchedulerProcesses_EverySecondForTwentySeconds_StartExactlyOneTaskPerSlotAndSkipOverlaps()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        await using WorkerProcess first = WorkerProcess.Start(database.ConnectionString);
        await using WorkerProcess second = WorkerProcess.Start(database.ConnectionString);
        await this.CreateAsync(api, """{"name":"every-second","cron":"* * * * * *","task":{"type":"echo","input":1}}""");
        await this.CreateAsync(api, """{"name":"long-runs","cron":"* * * * * *","task":{"type":"sleep","input":{"ms":2500}},"overlap":"skip"}""");

        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.schedule_slots WHERE schedule_name = 'every-second'"),
            slots => slots >= 20,
            TimeSpan.FromSeconds(60),
            "twenty slots of 'every-second'. Workers: " + first.Output + second.Output);
        await api.Client.PostJsonAsync("/api/schedules/every-second/pause", "{}");
        await api.Client.PostJsonAsync("/api/schedules/long-runs/pause", "{}");

        // Every slot from the first to the last: one row each, consecutive seconds, one distinct task each.
        Assert.Empty(await database.ColumnAsync("""
            SELECT s.slot FROM taskflow.schedule_slots AS s
            WHERE s.schedule_name = 'every-second'
              AND s.slot < (SELECT max(slot) FROM taskflow.schedule_slots WHERE schedule_name = 'every-second')
              AND NOT EXISTS (SELECT 1 FROM taskflow.schedule_slots AS n
                              WHERE n.schedule_name = s.schedule_name AND n.slot = s.slot + interval '1 second')
            """));
        Assert.Equal(
            await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.schedule_slots WHERE schedule_name = 'every-second' AND outcome = 'started'"),
            await database.ScalarAsync<long>("SELECT count(DISTINCT id) FROM taskflow.instances WHERE tags ->> 'schedule' = 'every-second'"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.schedule_slots WHERE schedule_name = 'every-second' AND outcome <> 'started'"));

        // overlap 'skip': slots passed while a 2.5 s run was unfinished, said so, and no two runs overlapped.
        Assert.True(await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.schedule_history WHERE schedule_name = 'long-runs' AND event_type = 'SlotSkipped'") >= 2);
        Assert.True(await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.tasks WHERE tags ->> 'schedule' = 'long-runs' AND started_at IS NOT NULL") >= 2);
        // Compared by when each run started, not when it was created: a creation time is its scheduler transaction's
        // start, which may come before the previous run's completion (the transaction saw it finished only later; on a
        // loaded machine over a second later). A run is leased only after its scheduler committed, so a run that did
        // not overlap started after the previous one's completion committed, and so after its completed_at.
        Assert.Empty(await database.ColumnAsync("""
            SELECT a.id FROM taskflow.tasks AS a JOIN taskflow.tasks AS b
              ON a.tags ->> 'schedule' = 'long-runs' AND b.tags ->> 'schedule' = 'long-runs' AND a.id <> b.id
             AND a.created_at < b.created_at AND b.started_at < coalesce(a.completed_at, 'infinity')
            """));
        Assert.False(first.HasExited || second.HasExited, first.Output + second.Output);
    }

    private async Task CreateAsync(TaskFlowServer api, string json)
    {
        (HttpStatusCode status, JsonElement body, _) = await api.Client.PostJsonAsync("/api/schedules", json);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
    }
}
