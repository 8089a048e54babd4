using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Dispatch;
using Microsoft.DurableTask;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Orchestrations;

/// <summary>Orchestrations through the HTTP API with an in-process worker (real PostgreSQL, real Kestrel).</summary>
public sealed class OrchestrationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private TaskFlowServer server = null!;

    private HttpClient Client => this.server.Client;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(database.ConnectionString, services =>
    {
        services.AddTestTasks(tasks => tasks
            .AddOrchestrator<SwitchingOrchestrator>("switching")
            .AddOrchestrator<TwoEventsOrchestrator>("two-events")
            .AddOrchestrator<ParentOfSleeper>("parent-of-sleeper")
            .AddOrchestrator<Sleeper>("sleeper")
            .AddOrchestrator<Counter>("counter"));
    });

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task Orchestrator_ChangedBetweenEpisodes_FailsWithTheSdksNonDeterminismErrorInTaskAndHistory()
    {
        SwitchingOrchestrator.ActivityName = "echo";
        string id = await this.SubmitAsync("""{"type":"switching"}""");
        await Eventually.WaitForAsync(() => this.Client.HistoryTypesAsync(id), h => h.Contains("TaskCompleted"), TimeSpan.FromSeconds(20), "the first activity");
        await this.WaitForQuietAsync(id);

        SwitchingOrchestrator.ActivityName = "flaky"; // "a new deployment" changes step 1,
        await this.server.Service<EpisodeReplayer>().ForgetOnceHeldAsync(id); // and a new process holds no session
        await this.Client.PostJsonAsync($"/api/tasks/{id}/events/go", "true");

        JsonElement failed = await this.Client.WaitForStatusAsync(id, "failed", "succeeded");
        // The SDK's own check, as Durable Functions reports it: the type and a message naming the step's activity.
        Assert.Equal("DurableTask.Core.Exceptions.NonDeterministicOrchestrationException", failed.GetProperty("error").GetProperty("type").GetString());
        string message = failed.GetProperty("error").GetProperty("message").GetString()!;
        Assert.StartsWith("Non-Deterministic workflow detected", message);
        Assert.Contains("'echo'", message);
        JsonElement end = (await this.Client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().Single(e => e.GetProperty("type").GetString() == "ExecutionCompleted");
        Assert.Equal(message, end.GetProperty("payload").GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ExternalEvents_RaisedBeforeAndAfterTheWait_AreBothDelivered()
    {
        string id = await this.SubmitAsync("""{"type":"two-events"}""");
        (HttpStatusCode early, _, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/events/second", "2"); // before its wait
        await this.WaitForQuietAsync(id);
        (HttpStatusCode late, _, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/events/first", "1");

        Assert.Equal(HttpStatusCode.Accepted, early);
        Assert.Equal(HttpStatusCode.Accepted, late);
        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");
        Assert.Equal("1,2", done.GetProperty("output").GetString());
        Assert.Equal(2, (await this.Client.HistoryTypesAsync(id)).Count(type => type == "EventRaised"));
    }

    [Fact]
    public async Task ExternalEvent_WaitThatTimesOut_RaisesTimeoutInTheOrchestrator()
    {
        string id = await this.SubmitAsync("""{"type":"approval","input":{"timeout":"PT1S"}}""");

        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.True(done.GetProperty("output").GetProperty("timedOut").GetBoolean());
        string[] history = await this.Client.HistoryTypesAsync(id);
        Assert.Contains("TimerCreated", history);
        Assert.Contains("TimerFired", history);
        (HttpStatusCode tooLate, _, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/events/approved", "true");
        Assert.Equal(HttpStatusCode.Conflict, tooLate);
    }

    [Fact]
    public async Task Cancel_WhileAChildsSleepActivityRuns_StopsItWithinASecondAndTerminatesTheChild()
    {
        string id = await this.SubmitAsync("""{"type":"parent-of-sleeper"}""");
        IReadOnlyList<string> children = await Eventually.WaitForAsync(
            () => database.ColumnAsync(
                "SELECT i.id FROM taskflow.instances AS i JOIN taskflow.work_items AS w ON w.instance_id = i.id " +
                "WHERE i.parent_instance_id = @id AND w.kind = 'activity' AND w.lease_token IS NOT NULL",
                ("id", id)),
            found => found.Count == 1,
            TimeSpan.FromSeconds(20),
            "the child's sleep activity to start");
        string childId = children[0];
        // The lease commits before the worker registers what it runs: wait for both.
        RunningWorkItems running = this.server.Service<RunningWorkItems>();
        await Eventually.WaitForAsync(() => Task.FromResult(running.CountFor(childId)), count => count == 1, TimeSpan.FromSeconds(5), "the sleep to run in the worker");

        (HttpStatusCode status, _, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/cancel", "{}");

        Assert.Equal(HttpStatusCode.OK, status);
        await Eventually.WaitForAsync(() => Task.FromResult(running.CountFor(childId)), count => count == 0, TimeSpan.FromSeconds(1), "the sleep to stop");
        Assert.Equal("cancelled", (await this.Client.GetJsonAsync($"/api/tasks/{childId}")).GetProperty("status").GetString());
        Assert.Contains("ExecutionTerminated", await this.Client.HistoryTypesAsync(childId));
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items WHERE instance_id IN (@parent, @child)", ("parent", id), ("child", childId)));
    }

    [Fact]
    public async Task BatchOfBatches_RunsASubOrchestrationPerChunk_AndShowsProgress()
    {
        string id = await this.SubmitAsync("""{"type":"batch-of-batches","input":{"items":25,"chunk":10}}""");

        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal(25, done.GetProperty("output").GetProperty("count").GetInt32());
        Assert.Equal((45 * 2) + 10, done.GetProperty("output").GetProperty("sum").GetInt64()); // 0..9 twice, 0..4
        Assert.Equal(3, (await this.Client.HistoryTypesAsync(id)).Count(type => type == "SubOrchestrationInstanceCompleted"));
        (HttpStatusCode purged, _, _) = await this.SendDeleteAsync($"/api/tasks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, purged);
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.history WHERE instance_id = @id", ("id", id)));
    }

    [Fact]
    public async Task SuspendedOrchestration_QueuesEventsUntilResumed_ThenCarriesOn()
    {
        string id = await this.SubmitAsync("""{"type":"approval"}""");
        await this.WaitForQuietAsync(id);

        JsonElement suspended = await this.PostAsync($"/api/tasks/{id}/suspend", HttpStatusCode.OK);
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        await this.PostAsync($"/api/tasks/{id}/events/approved", HttpStatusCode.Accepted, "true");

        // The event waits in the inbox; no episode is queued while suspended.
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id", ("id", id)));
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration'", ("id", id)));
        await this.PostAsync($"/api/tasks/{id}/resume", HttpStatusCode.OK);

        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");
        Assert.True(done.GetProperty("output").GetProperty("approved").GetBoolean());
        string[] history = await this.Client.HistoryTypesAsync(id);
        // Durable Task's order: the event that arrived while suspended sits between the two.
        Assert.True(Array.IndexOf(history, "ExecutionSuspended") < Array.IndexOf(history, "EventRaised"));
        Assert.True(Array.IndexOf(history, "EventRaised") < Array.IndexOf(history, "ExecutionResumed"));
        await this.PostAsync($"/api/tasks/{id}/suspend", HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task ContinueAsNew_StartsEachExecutionAfresh_WhileTheAuditTrailKeepsThemAll()
    {
        string id = await this.SubmitAsync("""{"type":"counter","input":1}""");

        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal(3, done.GetProperty("output").GetInt32());
        Assert.Equal(3, done.GetProperty("execution").GetInt32());
        JsonElement[] history = (await this.Client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().ToArray();
        Assert.Equal(2, history.Count(e => e.GetProperty("type").GetString() == "ContinueAsNew"));
        Assert.Equal([1, 2, 3], history.Where(e => e.GetProperty("type").GetString() == "ExecutionStarted").Select(e => e.GetProperty("execution").GetInt32()));
        Assert.Equal(3, history.Count(e => e.GetProperty("type").GetString() == "TaskCompleted"));
    }

    [Fact]
    public async Task Retry_OfACancelledOrchestration_RunsItAgainFromItsInput()
    {
        string id = await this.SubmitAsync("""{"type":"approval"}""");
        await this.WaitForQuietAsync(id);
        await this.PostAsync($"/api/tasks/{id}/cancel", HttpStatusCode.OK);

        JsonElement restarted = await this.PostAsync($"/api/tasks/{id}/retry", HttpStatusCode.Accepted);
        Assert.Equal(2, restarted.GetProperty("execution").GetInt32());
        await this.WaitForQuietAsync(id);
        await this.PostAsync($"/api/tasks/{id}/events/approved", HttpStatusCode.Accepted, "true");

        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");
        Assert.True(done.GetProperty("output").GetProperty("approved").GetBoolean());
        string[] history = await this.Client.HistoryTypesAsync(id);
        Assert.Equal(2, history.Count(type => type == "ExecutionStarted"));
        Assert.Contains("Replayed", history);
    }

    private async Task<JsonElement> PostAsync(string path, HttpStatusCode expected, string body = "{}")
    {
        (HttpStatusCode status, JsonElement json, _) = await this.Client.PostJsonAsync(path, body);
        Assert.True(status == expected, $"POST {path}: expected {(int)expected}, got {(int)status} {json}");
        return json;
    }

    private async Task<string> SubmitAsync(string json) => (await this.Client.SubmitAsync(json)).GetProperty("id").GetString()!;

    /// <summary>Waits until the orchestration has no episode queued or running and nothing in its inbox.</summary>
    private Task WaitForQuietAsync(string id) => Eventually.WaitForAsync(
        () => database.ScalarAsync<long>(
            "SELECT (SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration') + (SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id)",
            ("id", id)),
        pending => pending == 0,
        TimeSpan.FromSeconds(20),
        $"orchestration {id} to go quiet");

    private async Task<(HttpStatusCode, string, HttpResponseMessage)> SendDeleteAsync(string path)
    {
        HttpResponseMessage response = await this.Client.DeleteAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>Step 1 calls whichever activity the test names: changing it between episodes is a code change.</summary>
    private sealed class SwitchingOrchestrator : TaskOrchestrator<object?, string>
    {
        public static volatile string ActivityName = "echo";

        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            await context.CallActivityAsync<JsonElement>(ActivityName, new { failures = 0 });
            await context.WaitForExternalEvent<bool>("go");
            return "done";
        }
    }

    private sealed class TwoEventsOrchestrator : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            int first = await context.WaitForExternalEvent<int>("first");
            int second = await context.WaitForExternalEvent<int>("second");
            return $"{first},{second}";
        }
    }

    private sealed class ParentOfSleeper : TaskOrchestrator<object?, string>
    {
        public override Task<string> RunAsync(TaskOrchestrationContext context, object? input) =>
            context.CallSubOrchestratorAsync<string>("sleeper");
    }

    /// <summary>Calls an activity per execution and continues as new until its input reaches 3.</summary>
    private sealed class Counter : TaskOrchestrator<int, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, int input)
        {
            int echoed = await context.CallActivityAsync<int>("echo", input);
            if (echoed < 3)
            {
                context.ContinueAsNew(echoed + 1);
            }

            return echoed;
        }
    }

    private sealed class Sleeper : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            await context.CallActivityAsync("sleep", new { ms = 600_000 });
            return "slept";
        }
    }
}
