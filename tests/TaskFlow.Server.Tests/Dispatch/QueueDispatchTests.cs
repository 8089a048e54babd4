using System.Net;
using System.Text;
using System.Text.Json;
using TaskFlow.AzureQueues;
using TaskFlow.Server.Tests.Workers;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Dispatch;

/// <summary>Queue dispatch (TaskFlow:Dispatch:Mode = azure-queue) through a real Azurite, with real worker processes.</summary>
public sealed class QueueDispatchTests(PostgresDatabase database, AzuriteQueues azurite)
    : IClassFixture<PostgresDatabase>, IClassFixture<AzuriteQueues>
{
    private const int TaskCount = 2000;
    private const int DeletedDoorbells = 50;

    private string ActivityQueue => $"{azurite.Prefix}-activity";

    [Fact]
    public async Task Three_workers_drain_through_azurite_though_one_is_killed_and_fifty_doorbells_are_deleted()
    {
        // The API process rings the doorbells; RingAgainAfter is short so the deleted ones are rung again soon,
        // and VisibilityTimeout so the killed worker's hidden messages do not mask lost ones for long.
        string[] queueMode = AzuriteQueueSettings.For(azurite, "--TaskFlow:Dispatch:RingAgainAfter=00:00:02", "--TaskFlow:Dispatch:VisibilityTimeout=00:00:10");
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api", settings: queueMode);
        for (int batch = 0; batch < TaskCount / 500; batch++)
        {
            var tasks = new StringBuilder("{\"tasks\":[");
            tasks.AppendJoin(',', Enumerable.Range(0, 500).Select(_ => """{"type":"sleep","input":{"ms":500}}"""));
            tasks.Append("]}");
            (HttpStatusCode status, JsonElement body, _) = await api.Client.PostJsonAsync("/api/tasks/batch", tasks.ToString());
            Assert.True(status == HttpStatusCode.Accepted, body.ToString());
        }

        await Eventually.WaitForAsync(
            () => azurite.Client.GetApproximateMessageCountAsync(this.ActivityQueue, default),
            count => count >= TaskCount, TimeSpan.FromSeconds(60), "a doorbell per task");

        // Lose fifty doorbells before any worker sees them.
        var lost = new List<QueueMessage>();
        while (lost.Count < DeletedDoorbells)
        {
            lost.AddRange(await azurite.Client.GetMessagesAsync(this.ActivityQueue, Math.Min(32, DeletedDoorbells - lost.Count), TimeSpan.FromMinutes(10), default));
        }

        foreach (QueueMessage message in lost)
        {
            Assert.True(await azurite.Client.DeleteMessageAsync(this.ActivityQueue, message, default));
        }

        string[] workerSettings =
        [
            .. queueMode, "--TaskFlow:Worker:Concurrency=32", "--TaskFlow:Lease:Duration=00:00:03", "--TaskFlow:Lease:RenewInterval=00:00:00.500", "--TaskFlow:Worker:HeartbeatInterval=00:00:00.500",
        ];
        // The victim starts alone and is killed while it holds leases, once it has finished some tasks. Alone, nobody else
        // can take or finish its work, and the work is far from running out.
        await using WorkerProcess victim = WorkerProcess.Start(database.ConnectionString, workerSettings);
        string victimPrefix = $"%/{victim.Id}/%";
        await Eventually.WaitForAsync(
            () => this.CountAsync("SELECT count(*) FROM taskflow.instances WHERE status = 'succeeded'"),
            done => done >= 50, TimeSpan.FromSeconds(60), $"the victim to finish some tasks. Worker output: {victim.Output}");
        // Tasks of one length leased together finish and complete together, so its leases come and go in batches: kill
        // it within a quarter second of a lease, while that batch's 500 ms tasks still run.
        await Eventually.WaitForAsync(
            () => this.CountAsync(
                "SELECT count(*) FROM taskflow.work_items WHERE lease_owner LIKE @owner AND leased_at > clock_timestamp() - interval '250 milliseconds'",
                victimPrefix),
            fresh => fresh > 0, TimeSpan.FromSeconds(30), "the victim to take new leases");
        await victim.KillAsync();
        IReadOnlyList<string> heldByVictim = await database.ColumnAsync(
            "SELECT instance_id FROM taskflow.work_items WHERE lease_owner LIKE @owner", ("owner", victimPrefix));

        Assert.True(heldByVictim.Count > 0, $"The killed worker held no lease; the test proves nothing. Leases: {string.Join(", ", await database.ColumnAsync("SELECT DISTINCT lease_owner FROM taskflow.work_items WHERE lease_owner IS NOT NULL"))}; victim {victim.Id}: {victim.Output}");

        await using WorkerProcess second = WorkerProcess.Start(database.ConnectionString, workerSettings);
        await using WorkerProcess third = WorkerProcess.Start(database.ConnectionString, workerSettings);

        await Eventually.WaitForAsync(
            () => this.CountAsync("SELECT count(*) FROM taskflow.instances WHERE status IN ('succeeded', 'failed', 'cancelled')"),
            done => done == TaskCount, TimeSpan.FromSeconds(180), $"all {TaskCount} tasks to finish. Worker output: {second.Output}{third.Output}");

        Assert.False(second.HasExited || third.HasExited, second.Output + third.Output);
        Assert.Equal(TaskCount, await this.CountAsync("SELECT count(*) FROM taskflow.instances WHERE status = 'succeeded'"));
        Assert.Equal(0, await this.CountAsync("SELECT count(*) FROM taskflow.work_items"));
        await ReliabilityInvariants.AssertHoldAsync(database);

        // The deleted doorbells' tasks ran, once each.
        string[] lostTasks = lost.Select(m => JsonDocument.Parse(m.Text).RootElement.GetProperty("instanceId").GetString()!).ToArray();
        foreach (string id in lostTasks)
        {
            JsonElement task = await api.Client.GetJsonAsync($"/api/tasks/{id}");
            Assert.Equal("succeeded", task.GetProperty("status").GetString());
        }

        // Every lease the victim held when it died was rescued and its task rerun. (A loaded machine can also let a
        // live worker's lease lapse and be rescued; fencing makes that safe, so the count is not asserted exactly.)
        IReadOnlyList<string> rescued = await database.ColumnAsync("""
            SELECT DISTINCT instance_id FROM taskflow.task_history
            WHERE event_type = 'TaskFailed' AND payload -> 'failure' ->> 'type' = 'TaskFlow.LeaseExpired' AND payload ->> 'worker' LIKE @owner
            """, ("owner", victimPrefix));
        Assert.Empty(heldByVictim.Except(rescued));
    }

    [Fact]
    public async Task An_entitys_batch_is_rung_on_its_own_queue_and_run_by_a_queue_mode_server()
    {
        // Queues of its own (a later setting wins), so the entity's doorbell is the only message on them.
        string prefix = $"{azurite.Prefix}e";
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(
            database.ConnectionString, settings: AzuriteQueueSettings.For(azurite, $"--TaskFlow:Dispatch:QueuePrefix={prefix}"));
        string key = $"queued-{Guid.NewGuid():N}";
        (HttpStatusCode status, JsonElement body, _) = await server.Client.PostJsonAsync($"/api/entities/counter/{key}/signals", """{"operation":"add","input":4}""");
        Assert.True(status == HttpStatusCode.Accepted, body.ToString());

        JsonElement entity = await Eventually.WaitForAsync(
            () => server.Client.GetJsonAsync($"/api/entities/counter/{key}"), e => e.GetProperty("state").ValueKind == JsonValueKind.Number,
            TimeSpan.FromSeconds(30), "the entity's batch to run through the queues");
        Assert.Equal(4, entity.GetProperty("state").GetInt32());
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'EntityStateSaved'", ("id", $"@counter@{key}")));
    }

    [Fact]
    public async Task A_doorbell_received_too_often_goes_to_the_poison_queue_and_fails_its_task_with_the_reason()
    {
        // Queues of its own (a later setting wins), so the doorbell is the only message on them.
        string poisonPrefix = azurite.NewPrefix();
        string queue = $"{poisonPrefix}-activity";
        string[] queueMode = AzuriteQueueSettings.For(azurite, "--TaskFlow:Dispatch:MaxDequeueCount=3", $"--TaskFlow:Dispatch:QueuePrefix={poisonPrefix}");
        string id;
        await using (TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api", settings: queueMode))
        {
            id = (await api.Client.SubmitAsync("""{"type":"echo","input":"poison me","tags":{"test":"poison"}}""")).GetProperty("id").GetString()!;
            await Eventually.WaitForAsync(
                () => azurite.Client.PeekMessagesAsync(queue, 32, default),
                messages => messages.Any(m => m.Text.Contains(id)), TimeSpan.FromSeconds(30), "the task's doorbell");
        }

        // Receive it three times without finishing (as three workers that died would).
        for (int dequeue = 1; dequeue <= 3; dequeue++)
        {
            await Eventually.WaitForAsync(
                () => azurite.Client.GetMessagesAsync(queue, 32, TimeSpan.FromSeconds(1), default),
                messages => messages.Any(m => m.Text.Contains(id) && m.DequeueCount == dequeue), TimeSpan.FromSeconds(10), $"receive {dequeue}");
        }

        await using TaskFlowServer worker = await TaskFlowServer.StartAsync(database.ConnectionString, role: "all", settings: queueMode);
        JsonElement failed = await worker.Client.WaitForStatusAsync(id, "failed");

        Assert.Equal("TaskFlow.PoisonMessage", failed.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("received 4 times", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains($"'{queue}-poison'", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, await this.CountAsync($"SELECT count(*) FROM taskflow.task_history WHERE instance_id = '{id}' AND event_type = 'TaskFailed'"));
        Assert.Contains(await azurite.Client.PeekMessagesAsync($"{queue}-poison", 32, default), m => m.Text.Contains(id));
    }

    private async Task<long> CountAsync(string sql, string? owner = null) =>
        owner is null ? await database.ScalarAsync<long>(sql) : await database.ScalarAsync<long>(sql, ("owner", owner));
}
