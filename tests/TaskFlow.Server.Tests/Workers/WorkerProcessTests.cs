using System.Text;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Workers;

/// <summary>Real worker processes sharing one database; one is SIGKILLed mid-run.</summary>
public sealed class WorkerProcessTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int TaskCount = 2000;

    [Fact]
    public async Task ThreeWorkerProcesses_OneKilledMidRun_DrainEveryTaskToExactlyOneTerminalState()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        for (int batch = 0; batch < TaskCount / 500; batch++)
        {
            var tasks = new StringBuilder("{\"tasks\":[");
            tasks.AppendJoin(',', Enumerable.Range(0, 500).Select(_ => """{"type":"sleep","input":{"ms":40}}"""));
            tasks.Append("]}");
            (System.Net.HttpStatusCode status, JsonElement body, _) = await api.Client.PostJsonAsync("/api/tasks/batch", tasks.ToString());
            Assert.True(status == System.Net.HttpStatusCode.Accepted, body.ToString());
        }

        string[] settings = ["--TaskFlow:Worker:Concurrency=8", "--TaskFlow:Lease:Duration=00:00:03", "--TaskFlow:Lease:RenewInterval=00:00:00.500", "--TaskFlow:Worker:HeartbeatInterval=00:00:00.500"];
        await using WorkerProcess victim = WorkerProcess.Start(database.ConnectionString, settings);
        await using WorkerProcess second = WorkerProcess.Start(database.ConnectionString, settings);
        await using WorkerProcess third = WorkerProcess.Start(database.ConnectionString, settings);

        // Kill one worker while it certainly holds leases: once a tenth of the work is done and it is among those
        // doing it (on a loaded machine its start-up can lag behind the others').
        string victimPrefix = $"%/{victim.Id}/%";
        await Eventually.WaitForAsync(
            () => this.CountAsync(
                "SELECT CASE WHEN EXISTS (SELECT FROM taskflow.work_items WHERE lease_owner LIKE @owner) THEN count(*) ELSE 0 END FROM taskflow.instances WHERE status = 'succeeded'",
                victimPrefix),
            done => done >= TaskCount / 10,
            TimeSpan.FromSeconds(60),
            "a tenth of the tasks to finish while the victim holds leases");
        await victim.KillAsync();
        long heldByVictim = await this.CountAsync("SELECT count(*) FROM taskflow.work_items WHERE lease_owner LIKE @owner", victimPrefix);
        Assert.True(heldByVictim > 0, "The killed worker held no lease; the test proves nothing.");

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
