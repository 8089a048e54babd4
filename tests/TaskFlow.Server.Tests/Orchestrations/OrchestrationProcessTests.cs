using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Orchestrations;

/// <summary>Orchestrations run by real worker processes, one of which is SIGKILLed.</summary>
public sealed class OrchestrationProcessTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly string[] WorkerSettings =
        ["--TaskFlow:Worker:Concurrency=8", "--TaskFlow:Lease:Duration=00:00:03", "--TaskFlow:Lease:RenewInterval=00:00:00.500", "--TaskFlow:Worker:HeartbeatInterval=00:00:00.500"];

    [Fact]
    public async Task FanOutOfAThousand_AcrossTwoWorkerProcesses_RecordsEachActivityOnceAndSumsCorrectly()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        await using WorkerProcess first = WorkerProcess.Start(database.ConnectionString, WorkerSettings);
        await using WorkerProcess second = WorkerProcess.Start(database.ConnectionString, WorkerSettings);

        string id = (await api.Client.SubmitAsync("""{"type":"fan-out","input":{"count":1000,"activity":"echo"}}""")).GetProperty("id").GetString()!;
        JsonElement done = await Eventually.WaitForAsync(
            () => api.Client.GetJsonAsync($"/api/tasks/{id}"),
            task => task.GetProperty("status").GetString() is "succeeded" or "failed",
            TimeSpan.FromSeconds(120),
            "the fan-out to finish. Workers: " + first.Output + second.Output);

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(499_500, done.GetProperty("output").GetProperty("sum").GetInt64()); // 0 + 1 + … + 999
        Assert.Equal("done", done.GetProperty("customStatus").GetProperty("phase").GetString());
        Assert.Equal(1000, done.GetProperty("activities").GetProperty("completed").GetInt64());
        Assert.Equal(0, done.GetProperty("activities").GetProperty("failed").GetInt64());
        Assert.Equal(1000L, await this.CountEventsAsync(id, "TaskScheduled"));
        Assert.Equal(1000L, await this.CountEventsAsync(id, "TaskCompleted"));
        Assert.Equal(2L, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT payload ->> 'worker') FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'TaskCompleted'",
            ("id", id)));
        await AssertHistoryIsSoundAsync(id);
    }

    [Fact]
    public async Task WorkerKilledMidOrchestration_DelaysButDoesNotChangeTheOutcome()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        string id = (await api.Client.SubmitAsync("""{"type":"fan-out","input":{"count":400,"activity":"sleep","input":{"ms":250}}}""")).GetProperty("id").GetString()!;

        // The victim runs alone (nobody else can take or finish its work) until fifty activities are done, and is killed
        // within a tenth of a second of leasing a batch, while that batch's 250 ms activities still run.
        await using WorkerProcess victim = WorkerProcess.Start(database.ConnectionString, WorkerSettings);
        (string, object) victimOwner = ("owner", $"%/{victim.Id}/%");
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>(
                "SELECT CASE WHEN EXISTS (SELECT FROM taskflow.work_items WHERE kind = 'activity' AND lease_owner LIKE @owner " +
                "AND leased_at > clock_timestamp() - interval '100 milliseconds') " +
                "THEN (SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'TaskCompleted') + " +
                "(SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id AND event_type = 'TaskCompleted') ELSE 0 END",
                ("id", id), victimOwner),
            completed => completed >= 50,
            TimeSpan.FromSeconds(60),
            "fifty activities to finish, and the victim to lease more");
        await victim.KillAsync();
        long heldActivities = await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items WHERE kind = 'activity' AND lease_owner LIKE @owner", victimOwner);
        Assert.True(heldActivities > 0, "The killed worker held no activity lease; the test proves nothing.");
        await using WorkerProcess survivor = WorkerProcess.Start(database.ConnectionString, WorkerSettings);

        JsonElement done = await EndAfterTheKillAsync(api, id, survivor);

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(400, done.GetProperty("output").GetProperty("count").GetInt32());
        Assert.Equal(400L, await this.CountEventsAsync(id, "TaskCompleted"));
        // Each activity the victim held was rescued: its attempt recorded as failed (and then retried).
        Assert.Equal(heldActivities, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.task_history WHERE event_type = 'TaskFailed' AND payload -> 'failure' ->> 'type' = 'TaskFlow.LeaseExpired' AND payload ->> 'worker' LIKE @owner",
            victimOwner));
        await AssertHistoryIsSoundAsync(id);
    }

    [Fact]
    public async Task WorkerKilledMidSequence_WhileItRunsStepsHandedToItself_LeavesTheRestToAnotherWorker()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        string id = (await api.Client.SubmitAsync("""{"type":"sequence","input":{"steps":1000}}""")).GetProperty("id").GetString()!;

        // The victim runs the sequence's steps on itself, each activity leased in the commit of the step before, and is
        // killed a hundred steps in.
        await using WorkerProcess victim = WorkerProcess.Start(database.ConnectionString, WorkerSettings);
        long completedAtKill = await Eventually.WaitForAsync(
            () => this.CountEventsAsync(id, "TaskCompleted"), completed => completed >= 100, TimeSpan.FromSeconds(60), "a hundred steps to finish");
        await victim.KillAsync();
        completedAtKill = await this.CountEventsAsync(id, "TaskCompleted");
        Assert.True(completedAtKill < 1000, "The victim finished the sequence before it was killed; the test proves nothing.");
        await using WorkerProcess survivor = WorkerProcess.Start(database.ConnectionString, WorkerSettings);

        JsonElement done = await EndAfterTheKillAsync(api, id, survivor);

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1000, done.GetProperty("output").GetInt32()); // every step saw the one before's result, once
        Assert.Equal(1000L, await this.CountEventsAsync(id, "TaskCompleted"));
        Assert.True(
            await database.ScalarAsync<long>(
                "SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'TaskCompleted' AND actor LIKE @owner",
                ("id", id), ("owner", $"%/{survivor.Id}/%")) >= 1000 - completedAtKill - 1,
            "The survivor did not run the steps left after the kill.");
        await AssertHistoryIsSoundAsync(id);
    }

    private static Task<JsonElement> EndAfterTheKillAsync(TaskFlowServer api, string id, WorkerProcess survivor) => Eventually.WaitForAsync(
        () => api.Client.GetJsonAsync($"/api/tasks/{id}"),
        task => task.GetProperty("status").GetString() is "succeeded" or "failed",
        TimeSpan.FromSeconds(120),
        $"{id} to finish after the kill. Survivor: " + survivor.Output);

    private Task<long> CountEventsAsync(string id, string type) => database.ScalarAsync<long>(
        "SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id AND event_type = @type", ("id", id), ("type", type));

    /// <summary>No activity outcome twice, no gaps in the sequence, one terminal event, no work left behind.</summary>
    private async Task AssertHistoryIsSoundAsync(string id)
    {
        (string, object) instance = ("id", id);
        Assert.Empty(await database.ColumnAsync(
            "SELECT task_id FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'TaskCompleted' GROUP BY task_id HAVING count(*) > 1", instance));
        Assert.Equal(await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id", instance),
            await database.ScalarAsync<int>("SELECT max(sequence) FROM taskflow.task_history WHERE instance_id = @id", instance));
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'ExecutionCompleted'", instance));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id", instance));
    }
}
