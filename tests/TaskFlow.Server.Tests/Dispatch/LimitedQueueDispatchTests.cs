using System.Net;
using System.Text.Json;
using TaskFlow.Server.Tests.Limits;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Dispatch;

/// <summary>Queue dispatch with a limit: limited work gets no doorbell, and the queue dispatcher leases it from PostgreSQL
/// within its limit. (A class of its own: QueueDispatchTests counts every task in its database.)</summary>
public sealed class LimitedQueueDispatchTests(PostgresDatabase database, AzuriteQueues azurite)
    : IClassFixture<PostgresDatabase>, IClassFixture<AzuriteQueues>
{
    [Fact]
    public async Task Limited_work_is_not_rung_but_leased_within_its_limit_by_a_queue_mode_server()
    {
        string prefix = $"{azurite.Prefix}l";
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(
            database.ConnectionString, settings: AzuriteQueueSettings.For(azurite, $"--TaskFlow:Dispatch:QueuePrefix={prefix}"));
        string tenant = $"t-{Guid.NewGuid():N}";
        (HttpStatusCode status, JsonElement body) = await LimitEndpointsTests.PutAsync(server.Client, "/api/limits/tags/tenant", """{"maxConcurrent":2}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var ids = new List<string>();
        for (int i = 0; i < 8; i++)
        {
            ids.Add((await server.Client.SubmitAsync(JsonSerializer.Serialize(new { type = "sleep", input = new { ms = 200 }, tags = new { tenant } }))).GetProperty("id").GetString()!);
        }

        // While the first runs, the ringer has had its turns: none of the waiting ones has a doorbell.
        await server.Client.WaitForStatusAsync(ids[0], "succeeded", "failed");
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items AS w JOIN taskflow.instances AS i ON i.id = w.instance_id " +
            "WHERE i.tags ->> 'tenant' = @tenant AND w.doorbell_visible_at IS NOT NULL", ("tenant", tenant)));
        foreach (string id in ids)
        {
            Assert.Equal("succeeded", (await server.Client.WaitForStatusAsync(id, "succeeded", "failed")).GetProperty("status").GetString());
        }

        Assert.Equal(2L, await AttemptOverlap.MaxRunningAsync(database, "i.tags ->> 'tenant' = @tenant", ("tenant", tenant)));
        using HttpResponseMessage removed = await server.Client.DeleteAsync("/api/limits/tags/tenant");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    [Fact]
    public async Task A_limited_lease_that_uses_every_slot_it_took_keeps_the_worker_running()
    {
        // One slot: every limited lease uses all it took. (It once gave back "0 slots", which SemaphoreSlim refuses: the
        // exception ended the dispatcher, and the host with it.)
        string prefix = $"{azurite.Prefix}f";
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(
            database.ConnectionString, settings: AzuriteQueueSettings.For(azurite, $"--TaskFlow:Dispatch:QueuePrefix={prefix}", "--TaskFlow:Worker:Concurrency=1"));
        (HttpStatusCode status, JsonElement body) = await LimitEndpointsTests.PutAsync(server.Client, "/api/limits/sleep", """{"maxConcurrent":1}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add((await server.Client.SubmitAsync(JsonSerializer.Serialize(new { type = "sleep", input = new { ms = 50 } }))).GetProperty("id").GetString()!);
        }

        foreach (string id in ids)
        {
            Assert.Equal("succeeded", (await server.Client.WaitForStatusAsync(id, "succeeded", "failed")).GetProperty("status").GetString());
        }

        using HttpResponseMessage removed = await server.Client.DeleteAsync("/api/limits/sleep");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }
}
