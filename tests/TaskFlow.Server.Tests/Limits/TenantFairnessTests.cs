using System.Diagnostics;
using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Limits;

/// <summary>A per-tag limit shares the workers between tenants: one with a backlog of thousands does not make another
/// wait behind it.</summary>
public sealed class TenantFairnessTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int BigBacklog = 10_000;
    private const int Small = 100;

    [Fact]
    public async Task ASmallTenantsTasks_FinishInSeconds_WhileABigTenantsBacklogIsStillQueued()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        (HttpStatusCode status, _) = await LimitEndpointsTests.PutAsync(api.Client, "/api/limits/tags/tenant", """{"maxConcurrent":4}""");
        Assert.Equal(HttpStatusCode.OK, status);
        for (int batch = 0; batch < BigBacklog / 1000; batch++)
        {
            await SubmitBatchAsync(api, "big", 1000);
        }

        await using WorkerProcess worker = WorkerProcess.Start(database.ConnectionString, "--TaskFlow:Worker:Concurrency=8");
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.tasks WHERE tags ->> 'tenant' = 'big' AND status = 'succeeded'"),
            done => done >= 100, TimeSpan.FromSeconds(60), $"the big tenant's work to be under way. Worker: {worker.Output}");

        var clock = Stopwatch.StartNew();
        string[] small = await SubmitBatchAsync(api, "small", Small);
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE id = ANY(@ids) AND status = 'succeeded'", ("ids", small)),
            done => done == Small, TimeSpan.FromSeconds(60), $"the small tenant's tasks. Worker: {worker.Output}");
        TimeSpan smallTook = clock.Elapsed;

        long bigLeft = await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.tasks WHERE tags ->> 'tenant' = 'big' AND status <> 'succeeded'");
        Assert.True(smallTook < TimeSpan.FromSeconds(10), $"The small tenant's {Small} tasks took {smallTook.TotalSeconds:F1} s.");
        Assert.True(bigLeft > BigBacklog / 2, $"Only {bigLeft} of the big tenant's tasks were left: the test shows nothing about waiting behind them.");

        // Neither tenant ever had more than its 4 slots: the lease start and end of every attempt, from the audit trail.
        Assert.True(await AttemptOverlap.MaxRunningAsync(database, "i.tags ->> 'tenant' = @tenant", ("tenant", "big")) <= 4);
        Assert.True(await AttemptOverlap.MaxRunningAsync(database, "i.tags ->> 'tenant' = @tenant", ("tenant", "small")) <= 4);
    }

    private static async Task<string[]> SubmitBatchAsync(TaskFlowServer api, string tenant, int count)
    {
        string body = JsonSerializer.Serialize(new
        {
            tasks = Enumerable.Range(0, count).Select(i => new { type = "echo", input = i, tags = new Dictionary<string, string> { ["tenant"] = tenant } }),
        });
        (HttpStatusCode status, JsonElement accepted, _) = await api.Client.PostJsonAsync("/api/tasks/batch", body);
        Assert.True(status == HttpStatusCode.Accepted, $"{(int)status} {accepted}");
        return [.. accepted.EnumerateArray().Select(t => t.GetProperty("id").GetString()!)];
    }
}
