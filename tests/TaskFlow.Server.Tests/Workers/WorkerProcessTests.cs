using System.Text;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Workers;

/// <summary>Real worker processes sharing one database; one is SIGKILLed mid-run.</summary>
public sealed class WorkerProcessTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int ShortTasks = 2000;
    private const int LongTasks = 8;
    private const int TaskCount = ShortTasks + LongTasks;

    [Fact]
    public async Task ThreeWorkerProcesses_OneKilledMidRun_DrainEveryTaskToExactlyOneTerminalState()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        for (int batch = 0; batch < ShortTasks / 500; batch++)
        {
            var tasks = new StringBuilder("{\"tasks\":[");
            tasks.AppendJoin(',', Enumerable.Range(0, 500).Select(_ => """{"type":"sleep","input":{"ms":40}}"""));
            tasks.Append("]}");
            (System.Net.HttpStatusCode status, JsonElement body, _) = await api.Client.PostJsonAsync("/api/tasks/batch", tasks.ToString());
            Assert.True(status == System.Net.HttpStatusCode.Accepted, body.ToString());
        }

        // Long tasks first (priority 9): the victim, started alone, leases them with its first batch and is killed while
        // they run. Alone, nobody else can take or finish its work meanwhile.
        (System.Net.HttpStatusCode longStatus, JsonElement longBody, _) = await api.Client.PostJsonAsync(
            "/api/tasks/batch", $$"""{"tasks":[{{string.Join(',', Enumerable.Repeat("""{"type":"sleep","input":{"ms":5000},"priority":9}""", LongTasks))}}]}""");
        Assert.True(longStatus == System.Net.HttpStatusCode.Accepted, longBody.ToString());

        string[] settings = ["--TaskFlow:Worker:Concurrency=8", "--TaskFlow:Lease:Duration=00:00:03", "--TaskFlow:Lease:RenewInterval=00:00:00.500", "--TaskFlow:Worker:HeartbeatInterval=00:00:00.500"];
        await using WorkerProcess victim = WorkerProcess.Start(database.ConnectionString, settings);
        string victimPrefix = $"%/{victim.Id}/%";
        await Eventually.WaitForAsync(
            () => this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE lease_owner LIKE @owner", victimPrefix),
            held => held > 0, TimeSpan.FromSeconds(60), $"the victim's first leases. Victim: {victim.Output}");
        await victim.KillAsync();
        long heldByVictim = await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE lease_owner LIKE @owner", victimPrefix);
        Assert.True(heldByVictim > 0, "The killed worker held no lease; the test proves nothing.");

        await using WorkerProcess second = WorkerProcess.Start(database.ConnectionString, settings);
        await using WorkerProcess third = WorkerProcess.Start(database.ConnectionString, settings);

        long finished = await Eventually.WaitForAsync(
            () => this.CountAsync("SELECT count(*) FROM taskflow.instances WHERE status IN ('succeeded', 'failed', 'cancelled')"),
            done => done == TaskCount,
            TimeSpan.FromSeconds(120),
            $"all {TaskCount} tasks to finish. Worker output: {second.Output}{third.Output}");

        Assert.Equal(TaskCount, finished);
        Assert.False(second.HasExited || third.HasExited, second.Output + third.Output);
        Assert.Equal(TaskCount, await this.CountAsync("SELECT count(*) FROM taskflow.instances WHERE status = 'succeeded'"));
        Assert.Equal(0, await this.CountAsync("SELECT count(*) FROM taskflow.work_items"));

        await ReliabilityInvariants.AssertHoldAsync(database);

        // The killed worker's leases were rescued: their attempts are recorded as failed, and rerun.
        long rescued = await this.CountAsync("""
            SELECT count(*) FROM taskflow.task_history
            WHERE event_type = 'TaskFailed' AND payload -> 'failure' ->> 'type' = 'TaskFlow.LeaseExpired' AND payload ->> 'worker' LIKE @owner
            """, victimPrefix);
        Assert.Equal(heldByVictim, rescued);
    }

    private async Task<long> CountAsync(string sql, string? owner = null) =>
        owner is null ? await database.ScalarAsync<long>(sql) : await database.ScalarAsync<long>(sql, ("owner", owner));
}
