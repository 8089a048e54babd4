using System.Net;
using System.Text.Json;
using System.Xml;
using TaskFlow.Dispatch;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

public sealed class TaskLifecycleTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private TaskFlowServer server = null!;

    private HttpClient Client => this.server.Client;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task PostTask_Echo_RunsOnAWorkerAndRecordsItsHistory()
    {
        (HttpStatusCode status, JsonElement accepted, HttpResponseMessage response) =
            await this.Client.PostJsonAsync("/api/tasks", """{"type":"echo","input":{"hello":"world"},"tags":{"customer":"42"}}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        string id = accepted.GetProperty("id").GetString()!;
        Assert.Equal($"/api/tasks/{id}", response.Headers.Location?.OriginalString);
        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("world", done.GetProperty("output").GetProperty("hello").GetString());
        Assert.Equal(1, done.GetProperty("attempt").GetInt32());
        Assert.True(done.GetProperty("completedAt").GetDateTimeOffset() >= done.GetProperty("startedAt").GetDateTimeOffset());

        JsonElement[] history = (await this.Client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().ToArray();
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionCompleted"],
            history.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([1, 2, 3, 4, 5], history.Select(e => e.GetProperty("sequence").GetInt32()));
        Assert.Equal(this.server.AdminKeyId, history[0].GetProperty("actor").GetString()); // the caller's key
        Assert.All(history, e => Assert.True(e.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UnixEpoch));

        // The same audit trail, straight from SQL through the public view.
        IReadOnlyList<string> fromSql = await database.ColumnAsync(
            "SELECT event_type FROM taskflow.task_history WHERE instance_id = @id ORDER BY sequence", ("id", id));
        Assert.Equal(history.Select(e => e.GetProperty("type").GetString()!), fromSql);
    }

    [Fact]
    public async Task PostTask_FlakyWithinMaxAttempts_SucceedsAfterBackoffsThatFollowThePolicy()
    {
        JsonElement accepted = await this.Client.SubmitAsync(
            """{"type":"flaky","input":{"failures":2},"retry":{"maxAttempts":3,"initialInterval":"PT0.3S","backoffCoefficient":2,"jitter":0}}""");
        string id = accepted.GetProperty("id").GetString()!;

        JsonElement done = await this.Client.WaitForStatusAsync(id, "succeeded", "failed");
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(3, done.GetProperty("attempt").GetInt32());
        Assert.Equal(3, done.GetProperty("output").GetProperty("succeededOnAttempt").GetInt32());

        JsonElement[] history = (await this.Client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().ToArray();
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "TaskFailed", "TaskRetryScheduled", "TaskFailed", "TaskRetryScheduled", "TaskCompleted", "ExecutionCompleted"],
            history.Select(e => e.GetProperty("type").GetString()));

        // Each retry started no earlier than its backoff after the failure: 0.3 s, then 0.6 s.
        JsonElement[] retries = history.Where(e => e.GetProperty("type").GetString() == "TaskRetryScheduled").ToArray();
        JsonElement[] outcomes = history.Where(e => e.GetProperty("type").GetString() is "TaskFailed" or "TaskCompleted").ToArray();
        double[] expectedBackoffs = [0.3, 0.6];
        for (int i = 0; i < retries.Length; i++)
        {
            DateTimeOffset scheduledAt = retries[i].GetProperty("timestamp").GetDateTimeOffset();
            DateTimeOffset nextStartedAt = outcomes[i + 1].GetProperty("payload").GetProperty("startedAt").GetDateTimeOffset();
            Assert.Equal(expectedBackoffs[i], XmlConvert.ToTimeSpan(retries[i].GetProperty("payload").GetProperty("delay").GetString()!).TotalSeconds, precision: 3);
            Assert.True(nextStartedAt - scheduledAt >= TimeSpan.FromSeconds(expectedBackoffs[i]),
                $"Attempt {i + 2} started {(nextStartedAt - scheduledAt).TotalSeconds:F3} s after its retry was scheduled; backoff {expectedBackoffs[i]} s.");
        }
    }

    [Fact]
    public async Task PostTask_FlakyBeyondMaxAttempts_FailsWithTheLastErrorAndListsInDeadLetter()
    {
        JsonElement accepted = await this.Client.SubmitAsync(
            """{"type":"flaky","input":{"failures":2},"retry":{"maxAttempts":2,"initialInterval":"PT0.1S"}}""");
        string id = accepted.GetProperty("id").GetString()!;

        JsonElement failed = await this.Client.WaitForStatusAsync(id, "failed", "succeeded");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(2, failed.GetProperty("attempt").GetInt32());
        Assert.Contains("attempt 2", failed.GetProperty("error").GetProperty("message").GetString());
        JsonElement last = (await this.Client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().Last();
        Assert.Equal("ExecutionCompleted", last.GetProperty("type").GetString());
        Assert.Equal("Failed", last.GetProperty("payload").GetProperty("orchestrationStatus").GetString());

        JsonElement deadLetter = await this.Client.GetJsonAsync("/api/dead-letter");
        Assert.Contains(deadLetter.GetProperty("items").EnumerateArray(), task => task.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task CancelTask_WhileSleepRuns_SignalsTheActivityAndEndsCancelled()
    {
        string id = (await this.Client.SubmitAsync("""{"type":"sleep","input":{"ms":60000}}""")).GetProperty("id").GetString()!;
        await this.Client.WaitForStatusAsync(id, "running");
        RunningWorkItems running = this.server.Service<RunningWorkItems>();
        Assert.Equal(1, running.Count);

        (HttpStatusCode status, JsonElement cancelled, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/cancel", "{}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await Eventually.WaitForAsync(() => Task.FromResult(running.Count), count => count == 0, TimeSpan.FromSeconds(2), "the sleep activity to stop");
        string[] history = await this.Client.HistoryTypesAsync(id);
        Assert.Equal(["Submitted", "ExecutionStarted", "TaskScheduled", "Cancelled", "ExecutionTerminated", "ExecutionCompleted"], history);

        (HttpStatusCode again, JsonElement problem, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/cancel", "{}");
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Contains("cancelled", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task RetryTask_AfterCancel_RunsANewExecutionAndKeepsTheOldOneInHistory()
    {
        string id = (await this.Client.SubmitAsync("""{"type":"echo","input":1,"delay":"PT1H"}""")).GetProperty("id").GetString()!;
        Assert.Equal("scheduled", (await this.Client.GetJsonAsync($"/api/tasks/{id}")).GetProperty("status").GetString());
        await this.Client.PostJsonAsync($"/api/tasks/{id}/cancel", "{}");

        (HttpStatusCode status, JsonElement restarted, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/retry", "{}");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(2, restarted.GetProperty("execution").GetInt32());
        await this.Client.WaitForStatusAsync(id, "succeeded");
        Assert.Equal(
            ["Submitted", "ExecutionStarted", "TaskScheduled", "Cancelled", "ExecutionTerminated", "ExecutionCompleted",
             "Replayed", "ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionCompleted"],
            await this.Client.HistoryTypesAsync(id));
        (HttpStatusCode succeededRetry, _, _) = await this.Client.PostJsonAsync($"/api/tasks/{id}/retry", "{}");
        Assert.Equal(HttpStatusCode.Conflict, succeededRetry);
    }

    [Fact]
    public async Task ListTasks_ByTagWithASmallLimit_PagesThroughEveryMatchOnce()
    {
        string tag = Guid.NewGuid().ToString("N");
        var submitted = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            submitted.Add((await this.Client.SubmitAsync($$$"""{"type":"echo","input":{{{i}}},"tags":{"run":"{{{tag}}}"}}""")).GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            JsonElement page = await this.Client.GetJsonAsync($"/api/tasks?tag=run:{tag}&limit=2" + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
        }
        while (cursor is not null);

        Assert.Equal(5, seen.Count);
        Assert.Equal(submitted, seen.ToHashSet());
        JsonElement counts = await this.Client.GetJsonAsync("/api/tasks/counts");
        Assert.True(counts.EnumerateObject().Sum(c => c.Value.GetInt64()) >= 5);
    }

    [Fact]
    public async Task HealthAndOpenApi_Answer()
    {
        Assert.Equal("healthy", (await this.Client.GetJsonAsync("/healthz")).GetProperty("status").GetString());
        Assert.Equal("ready", (await this.Client.GetJsonAsync("/readyz")).GetProperty("status").GetString());
        JsonElement openApi = await this.Client.GetJsonAsync("/openapi.json");
        JsonElement submit = openApi.GetProperty("paths").GetProperty("/api/tasks").GetProperty("post");
        Assert.True(submit.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _), submit.ToString());
        Assert.NotEmpty((await this.Client.GetJsonAsync("/api/workers")).EnumerateArray());
    }

    [Fact]
    public async Task Statuses_ListEveryStatusInLifecycleOrder_WithWhetherItIsFinal()
    {
        JsonElement statuses = await this.Client.GetJsonAsync("/api/statuses");
        Assert.Equal(
            ["scheduled:False", "pending:False", "running:False", "suspended:False", "succeeded:True", "failed:True", "cancelled:True"],
            statuses.EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()}:{s.GetProperty("finished").GetBoolean()}"));
    }
}
