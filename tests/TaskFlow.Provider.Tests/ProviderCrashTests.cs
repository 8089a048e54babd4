using DurableTask.Core;
using TaskFlow.Testing;

namespace TaskFlow.Provider.Tests;

/// <summary>Durable Task Framework hosts (TaskHubWorker over TaskFlow's provider) as real processes: one is SIGKILLed
/// while it runs episodes and activities, and another finishes the work.</summary>
public sealed class ProviderCrashTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int Orchestrations = 20;
    private const int FanOut = 10; // squares of 1..10 sum to 385

    [Fact]
    public async Task HostKilledMidEpisodeAndMidActivity_AnotherFinishes_EveryActivityResultRecordedOnce()
    {
        var slow = new Dictionary<string, string>
        {
            ["TASKFLOW_HOST_LOCK_MS"] = "2000",
            ["TASKFLOW_HOST_CONCURRENCY"] = "8",
            ["TASKFLOW_HOST_EPISODE_MS"] = "150",
            ["TASKFLOW_HOST_ACTIVITY_MS"] = "300",
        };
        using var store = new TaskFlowOrchestrationService(new TaskFlowOrchestrationServiceSettings { ConnectionString = database.ConnectionString });
        var client = new TaskHubClient(store);
        var ids = new List<string>();
        for (int i = 0; i < Orchestrations; i++)
        {
            ids.Add((await client.CreateOrchestrationInstanceAsync("TaskFlow.DurableHost.FanOutOrchestration", string.Empty, $"crash-{i}-{Guid.NewGuid():N}", FanOut)).InstanceId);
        }

        await using WorkerProcess victim = WorkerProcess.StartDurableHost(database.ConnectionString, slow);
        string victimId = await victim.AnnouncedWorkerIdAsync();

        // Kill it while it holds an episode and an activity leased in the last 100 ms: an activity takes 300 ms, so it is
        // still held when the kill lands (one leased earlier could finish between this look and the kill, and did once).
        await Eventually.WaitForAsync(
            async () => (await this.HeldAsync(victimId, "orchestration"), await this.HeldAsync(victimId, "activity", leasedWithin: TimeSpan.FromMilliseconds(100))),
            held => held.Item1 > 0 && held.Item2 > 0, TimeSpan.FromSeconds(60), $"the victim to hold an episode and a new activity. Output: {victim.Output}");
        await victim.KillAsync();
        IReadOnlyList<string> heldActivities = await database.ColumnAsync(
            "SELECT instance_id || '/' || task_id FROM taskflow.work_items WHERE lease_owner = @owner AND kind = 'activity'", ("owner", victimId));

        await using WorkerProcess finisher = WorkerProcess.StartDurableHost(database.ConnectionString, slow);
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE status IN ('succeeded', 'failed', 'cancelled')"),
            done => done == Orchestrations, TimeSpan.FromSeconds(120), $"every orchestration to finish. Output: {finisher.Output}");

        Assert.Equal(Orchestrations, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE status = 'succeeded' AND output = '385'::jsonb"));
        await ReliabilityInvariants.AssertHoldAsync(database);

        // Each activity's result recorded once; the victim's held activities were rescued and run again.
        Assert.Equal((long)Orchestrations * FanOut, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.task_history WHERE event_type = 'TaskCompleted'"));
        IReadOnlyList<string> rescued = await database.ColumnAsync("""
            SELECT instance_id || '/' || task_id FROM taskflow.task_history
            WHERE event_type = 'TaskFailed' AND payload -> 'failure' ->> 'type' = 'TaskFlow.LeaseExpired' AND payload ->> 'worker' = @owner
            """, ("owner", victimId));
        Assert.NotEmpty(heldActivities);
        Assert.Empty(heldActivities.Except(rescued));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items"));
    }

    private Task<long> HeldAsync(string owner, string kind, TimeSpan? leasedWithin = null) => database.ScalarAsync<long>(
        "SELECT count(*) FROM taskflow.work_items WHERE lease_owner = @owner AND kind = @kind AND leased_at > now() - @within",
        ("owner", owner), ("kind", kind), ("within", leasedWithin ?? TimeSpan.FromDays(1)));
}
