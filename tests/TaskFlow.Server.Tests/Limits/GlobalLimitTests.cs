using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Limits;

/// <summary>A fan-out of 5,000 activities under one limit (5 at once, 100 a second), shared by three TaskFlow worker
/// processes and a Durable host over the provider, one worker SIGKILLed mid-run: the audit trail shows the limit held
/// every moment, and everything finished at the limit's pace.</summary>
public sealed class GlobalLimitTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int Activities = 5000;
    private const int MaxConcurrent = 5;
    private const double PerSecond = 100;
    private const int Burst = 10;

    [Fact]
    public async Task FanOutUnderALimit_OnThreeWorkersAndAProviderHost_OneKilled_NeverExceedsIt_AndRunsAtItsPace()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        (HttpStatusCode status, JsonElement limit) = await LimitEndpointsTests.PutAsync(
            api.Client, "/api/limits/sleep", JsonSerializer.Serialize(new { maxConcurrent = MaxConcurrent, rate = new { perSecond = PerSecond, burst = Burst } }));
        Assert.True(status == HttpStatusCode.OK, limit.ToString());

        await using WorkerProcess victim = WorkerProcess.Start(database.ConnectionString);
        await using WorkerProcess second = WorkerProcess.Start(database.ConnectionString);
        await using WorkerProcess third = WorkerProcess.Start(database.ConnectionString);
        await using WorkerProcess host = WorkerProcess.StartDurableHost(database.ConnectionString, new Dictionary<string, string> { ["TASKFLOW_HOST_LOCK_MS"] = "5000" });
        string hostId = await host.AnnouncedWorkerIdAsync();

        // Any of the four may run any episode and any activity: the first episode too, so a Durable host may schedule the
        // activities that the server's workers run (their input stored as the caller gave it, not as the framework's array).
        string id = (await api.Client.SubmitAsync(JsonSerializer.Serialize(new { type = "fan-out", input = new { count = Activities, activity = "sleep", input = new { ms = 20 } } })))
            .GetProperty("id").GetString()!;

        // Kill a worker while it holds a limited activity's lease, a fifth of the way in.
        await Eventually.WaitForAsync(() => this.DoneAsync(id), done => done >= Activities / 5, TimeSpan.FromSeconds(120), $"a fifth of the activities. Victim: {victim.Output}");
        string victimId = await Eventually.WaitForAsync(
            () => database.ScalarAsync<string>(
                "SELECT coalesce(min(w.lease_owner), '') FROM taskflow.work_items AS w JOIN taskflow.workers AS k ON k.id = w.lease_owner " +
                "WHERE w.limit_key = 'activity:sleep' AND k.process_id = @pid", ("pid", victim.Id)),
            owner => owner.Length > 0, TimeSpan.FromSeconds(30), "the victim to hold a limited lease");
        await victim.KillAsync();
        // A lease statement the victim sent just before it died still commits in its server session: count a second later,
        // which is before any of its leases (renewed every second, lasting five) can expire.
        await Task.Delay(TimeSpan.FromSeconds(1));
        long heldAtKill = await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE lease_owner = @victim AND kind = 'activity'", ("victim", victimId));

        JsonElement done = await Eventually.WaitForAsync(
            () => api.Client.GetJsonAsync($"/api/tasks/{id}"), task => task.GetProperty("status").GetString() is "succeeded" or "failed",
            TimeSpan.FromSeconds(180), "the fan-out to finish");
        Assert.True(done.GetProperty("status").GetString() == "succeeded", $"{done}\nVictim: {victim.Output}\nSecond: {second.Output}\nThird: {third.Output}\nHost: {host.Output}");
        Assert.Equal(Activities, done.GetProperty("output").GetProperty("count").GetInt32());

        // Never more than 5 running: each attempt holds its slot from its lease (startedAt) to its outcome.
        Assert.Equal((long)MaxConcurrent, await AttemptOverlap.MaxRunningAsync(database, "h.instance_id = @id", ("id", id)));

        // Never more starts in any second than the burst and a second's tokens.
        long busiestSecond = await database.ScalarAsync<long>("""
            WITH starts AS (SELECT (payload ->> 'startedAt')::timestamptz AS at FROM taskflow.history
                            WHERE instance_id = @id AND event_type IN ('TaskCompleted', 'TaskFailed'))
            SELECT max((SELECT count(*) FROM starts AS s WHERE s.at >= w.at AND s.at < w.at + interval '1 second')) FROM starts AS w
            """, ("id", id));
        Assert.True(busiestSecond <= Burst + PerSecond, $"{busiestSecond} activities started within one second.");

        // At the limit's pace: never faster, and no slower than 10 % plus the lease time the victim's slots stayed held
        // after the kill (its leases last five seconds).
        double seconds = await database.ScalarAsync<double>("""
            SELECT extract(epoch FROM max((payload ->> 'startedAt')::timestamptz) - min((payload ->> 'startedAt')::timestamptz))::float8
            FROM taskflow.history WHERE instance_id = @id AND event_type IN ('TaskCompleted', 'TaskFailed')
            """, ("id", id));
        double pace = (Activities - Burst) / seconds;
        double slowest = (Activities - Burst) / ((Activities - Burst) / PerSecond * 1.1 + 5);
        Assert.True(pace >= slowest && pace <= PerSecond * 1.01, $"{pace:F1} activities a second; at least {slowest:F1} and at most {PerSecond * 1.01:F1} expected.");

        // Every lease the victim held when it died failed over when it expired (so did any it let lapse before, when the
        // loaded machine starved it), and each activity's outcome is recorded exactly once. (That a dead worker's slot frees
        // with its lease, and not before, is shown step by step in LimitedLeaseTests.)
        long rescued = await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskFailed' AND payload ->> 'worker' = @victim", ("id", id), ("victim", victimId));
        Assert.True(rescued >= heldAtKill, $"{heldAtKill} leases held at the kill, {rescued} rescued");
        Assert.Equal((long)Activities, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT task_id) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted'", ("id", id)));
        Assert.Equal((long)Activities, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted'", ("id", id)));
        Assert.True(await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted' AND payload ->> 'worker' = @host", ("id", id), ("host", hostId)) > 0,
            "The Durable host ran none of the activities.");

        // Held activities said so once each, and were not charged an attempt for it.
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'WaitingForLimit'", ("id", id)) > 0);
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) - count(DISTINCT task_id) FROM taskflow.history WHERE instance_id = @id AND event_type = 'WaitingForLimit'", ("id", id)));
        long retried = await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted' AND attempt > 1", ("id", id));
        Assert.True(retried <= await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskFailed'", ("id", id)), $"{retried} activities needed a second attempt, more than failed");
        await ReliabilityInvariants.AssertHoldAsync(database);
    }

    private Task<long> DoneAsync(string id) => database.ScalarAsync<long>(
        "SELECT (SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id AND event_type = 'TaskCompleted') " +
        "+ (SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted')", ("id", id));
}
