using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Entities;

/// <summary>A Durable host (the Durable Task Framework's dispatchers over TaskFlow's provider) SIGKILLed while it holds
/// an entity's batch and transfers' critical sections; a TaskFlow server worker process takes over the same entities.</summary>
public sealed class EntityCrashTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int Signals = 30;
    private const int Transfers = 5;

    [Fact]
    public async Task HostKilledMidBatch_TheServerWorkerFinishes_NoOperationLostOrAppliedTwice_AndNoLockLeftHeld()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        var slow = new Dictionary<string, string> { ["TASKFLOW_HOST_LOCK_MS"] = "3000", ["TASKFLOW_HOST_ENTITY_MS"] = "1500" };
        await using WorkerProcess victim = WorkerProcess.StartDurableHost(database.ConnectionString, slow);
        string victimId = await victim.AnnouncedWorkerIdAsync();

        string run = Guid.NewGuid().ToString("N")[..8];
        string counter = $"crash-{run}", alice = $"alice-{run}", bob = $"bob-{run}";
        await SignalAsync(api, "account", alice, "deposit", 100);
        for (int i = 0; i < Signals; i++)
        {
            await SignalAsync(api, "counter", counter, "add", 1);
        }

        var transfers = new List<string>();
        for (int i = 0; i < Transfers; i++)
        {
            transfers.Add((await api.Client.SubmitAsync(JsonSerializer.Serialize(new { type = "transfer", input = new { from = alice, to = bob, amount = 1 } }))).GetProperty("id").GetString()!);
        }

        // Kill it while it runs an entity's batch (each takes it 1.5 s): that batch never commits.
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE kind = 'entity' AND lease_owner = @owner", ("owner", victimId)),
            held => held > 0, TimeSpan.FromSeconds(60), $"the victim to hold an entity's batch. Output: {victim.Output}");
        await victim.KillAsync();
        Assert.True(
            await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE kind = 'entity' AND lease_owner = @owner", ("owner", victimId)) > 0,
            "The batch committed before the kill; the test proves nothing.");

        await using WorkerProcess survivor = WorkerProcess.Start(database.ConnectionString);
        foreach (string id in transfers)
        {
            JsonElement done = await Eventually.WaitForAsync(
                () => api.Client.GetJsonAsync($"/api/tasks/{id}"), task => task.GetProperty("status").GetString() is "succeeded" or "failed",
                TimeSpan.FromSeconds(90), $"transfer {id} to finish. Survivor: {survivor.Output}");
            Assert.Equal("succeeded", done.GetProperty("status").GetString());
        }

        JsonElement count = await Eventually.WaitForAsync(
            () => api.Client.GetJsonAsync($"/api/entities/counter/{counter}"), entity => entity.GetProperty("queuedOperations").GetInt64() == 0
                && entity.GetProperty("state").ValueKind == JsonValueKind.Number && entity.GetProperty("state").GetInt32() >= Signals,
            TimeSpan.FromSeconds(90), "the counter to have read every signal");
        Assert.Equal(Signals, count.GetProperty("state").GetInt32());

        // Each signal ran once: one 'add' per request in the counter's audit trail.
        Assert.Equal((long)Signals, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT request_id) FROM taskflow.entity_operations WHERE instance_id = @id AND operation = 'add'", ("id", $"@counter@{counter}")));
        Assert.Equal((long)Signals, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.entity_operations WHERE instance_id = @id AND operation = 'add'", ("id", $"@counter@{counter}")));

        // The transfers moved exactly what they said, and left both accounts unlocked.
        // (The last transfer's release reaches the accounts after the transfer completed.)
        JsonElement from = await UnlockedAsync(api, alice);
        JsonElement to = await UnlockedAsync(api, bob);
        Assert.Equal((100 - Transfers, Transfers), (from.GetProperty("state").GetInt32(), to.GetProperty("state").GetInt32()));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.inbox WHERE instance_id LIKE '@%'"));
        await ReliabilityInvariants.AssertHoldAsync(database);
    }

    private static Task<JsonElement> UnlockedAsync(TaskFlowServer api, string account) => Eventually.WaitForAsync(
        () => api.Client.GetJsonAsync($"/api/entities/account/{account}"), entity => entity.GetProperty("lockedBy").ValueKind == JsonValueKind.Null,
        TimeSpan.FromSeconds(30), $"{account} to be unlocked");

    private static async Task SignalAsync(TaskFlowServer api, string name, string key, string operation, int input)
    {
        (System.Net.HttpStatusCode status, JsonElement body, _) = await api.Client.PostJsonAsync(
            $"/api/entities/{name}/{key}/signals", $$"""{"operation":"{{operation}}","input":{{input}}}""");
        Assert.True(status == System.Net.HttpStatusCode.Accepted, $"signal: {(int)status} {body}");
    }
}
