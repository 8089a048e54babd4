using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Schedules;

public sealed class ScheduleEndpointsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private TaskFlowServer server = null!;

    private HttpClient Client => this.server.Client;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task Schedule_ThroughItsLifecycle_RecordsEveryChangeWithTheActor()
    {
        (HttpStatusCode created, JsonElement schedule, HttpResponseMessage response) = await this.Client.PostJsonAsync("/api/schedules",
            """{"name":"nightly-report","cron":"0 2 * * *","timeZone":"Europe/Berlin","task":{"type":"echo","input":{"report":"daily"}},"overlap":"skip"}""");
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("/api/schedules/nightly-report", response.Headers.Location?.OriginalString);
        Assert.Equal("skip", schedule.GetProperty("overlap").GetString());

        JsonElement detail = await this.Client.GetJsonAsync("/api/schedules/nightly-report");
        DateTimeOffset[] next = detail.GetProperty("nextFireTimes").EnumerateArray().Select(t => t.GetDateTimeOffset()).ToArray();
        Assert.Equal(5, next.Length);
        TimeZoneInfo berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.All(next, at => Assert.Equal(2, TimeZoneInfo.ConvertTime(at, berlin).Hour));

        (HttpStatusCode duplicate, _, _) = await this.Client.PostJsonAsync("/api/schedules", """{"name":"nightly-report","cron":"0 3 * * *","task":{"type":"echo"}}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate);

        await this.SendAsync(HttpMethod.Put, "/api/schedules/nightly-report", """{"cron":"0 3 * * *","timeZone":"Europe/Berlin","task":{"type":"echo"}}""", HttpStatusCode.OK);
        await this.SendAsync(HttpMethod.Post, "/api/schedules/nightly-report/pause", "{}", HttpStatusCode.OK);
        await this.SendAsync(HttpMethod.Post, "/api/schedules/nightly-report/pause", "{}", HttpStatusCode.Conflict);
        await this.SendAsync(HttpMethod.Post, "/api/schedules/nightly-report/resume", "{}", HttpStatusCode.OK);
        JsonElement triggered = await this.SendAsync(HttpMethod.Post, "/api/schedules/nightly-report/trigger", "{}", HttpStatusCode.Accepted);
        string taskId = triggered.GetProperty("taskId").GetString()!;
        Assert.Equal("nightly-report", (await this.Client.GetJsonAsync($"/api/tasks/{taskId}")).GetProperty("tags").GetProperty("schedule").GetString());
        JsonElement runs = (await this.Client.GetJsonAsync("/api/schedules/nightly-report")).GetProperty("recentRuns");
        Assert.Equal(taskId, runs[0].GetProperty("taskId").GetString());
        await this.SendAsync(HttpMethod.Delete, "/api/schedules/nightly-report", null, HttpStatusCode.NoContent);
        await this.SendAsync(HttpMethod.Get, "/api/schedules/nightly-report", null, HttpStatusCode.NotFound);

        JsonElement[] history = (await this.Client.GetJsonAsync("/api/schedules/nightly-report/history")).EnumerateArray().Reverse().ToArray();
        Assert.Equal(
            ["ScheduleCreated", "ScheduleUpdated", "SchedulePaused", "ScheduleResumed", "ScheduleTriggered", "ScheduleDeleted"],
            history.Select(e => e.GetProperty("type").GetString()));
        Assert.All(history, e => Assert.Equal(this.server.AdminKeyId, e.GetProperty("actor").GetString())); // the caller's key
    }

    [Theory]
    [InlineData("""{"name":"a","cron":"0 */4 * *","task":{"type":"echo"}}""", "cron", "has 4 fields; expected 5")]
    [InlineData("""{"name":"a","cron":"0 61 * * *","task":{"type":"echo"}}""", "cron", "The hour field '61'")]
    [InlineData("""{"name":"a","cron":"0 0 30 2 *","task":{"type":"echo"}}""", "cron", "never fires")]
    [InlineData("""{"name":"a","cron":"0 2 * * *","timeZone":"Europe/Berln","task":{"type":"echo"}}""", "timeZone", "Did you mean 'Europe/Berlin'?")]
    [InlineData("""{"name":"a","cron":"0 2 * * *"}""", "task", "Required")]
    [InlineData("""{"name":"a","cron":"0 2 * * *","task":{"type":"echo","delay":"PT1M"}}""", "task.delay", "Unknown field")]
    [InlineData("""{"name":"a","cron":"0 2 * * *","task":{"type":"ecoh"}}""", "task.type", "Did you mean 'echo'?")]
    [InlineData("""{"name":"a b","cron":"0 2 * * *","task":{"type":"echo"}}""", "name", "letters, digits")]
    [InlineData("""{"name":"a","cron":"0 2 * * *","task":{"type":"echo"},"overlap":"queue"}""", "overlap", "allow, skip, buffer-one")]
    [InlineData("""{"name":"a","cron":"0 2 * * *","task":{"type":"echo"},"catchUp":"some"}""", "catchUp", "none, latest, all")]
    [InlineData("""{"name":"a","cron":"0 2 * * *","task":{"type":"echo"},"startAt":"2030-01-02T00:00:00Z","endAt":"2030-01-01T00:00:00Z"}""", "endAt", "later than startAt")]
    public async Task PostSchedule_WithBadInput_Answers400NamingTheFieldAndStoresNothing(string body, string field, string message)
    {
        long before = await this.CountRowsAsync();

        (HttpStatusCode status, JsonElement problem, _) = await this.Client.PostJsonAsync("/api/schedules", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out JsonElement messages), $"No error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString());
        Assert.Equal(before, await this.CountRowsAsync());
    }

    [Fact]
    public async Task DeclaredInConfiguration_IsUpsertedAtStartUp_AndUnchangedOnRestart()
    {
        string[] declared =
        [
            "--TaskFlow:Schedules:from-config:Cron=*/5 * * * *",
            "--TaskFlow:Schedules:from-config:TimeZone=Europe/Berlin",
            "--TaskFlow:Schedules:from-config:Task:Type=sleep",
            "--TaskFlow:Schedules:from-config:Task:Input:Ms=10",
        ];
        await using (TaskFlowServer first = await TaskFlowServer.StartAsync(database.ConnectionString, "api", null, declared))
        {
            JsonElement schedule = await first.Client.GetJsonAsync("/api/schedules/from-config");
            Assert.Equal("configuration", schedule.GetProperty("source").GetString());
            Assert.Equal(10, schedule.GetProperty("task").GetProperty("input").GetProperty("ms").GetInt32());
        }

        await using (TaskFlowServer second = await TaskFlowServer.StartAsync(database.ConnectionString, "api", null, declared))
        {
            JsonElement history = await second.Client.GetJsonAsync("/api/schedules/from-config/history");
            Assert.Equal(["ScheduleCreated"], history.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        }

        var invalid = await Assert.ThrowsAsync<InvalidOperationException>(() => TaskFlowServer.StartAsync(
            database.ConnectionString, "api", null, "--TaskFlow:Schedules:broken:Cron=0 2 * *", "--TaskFlow:Schedules:broken:Task:Type=echo"));
        Assert.Contains("Schedule 'broken' in configuration (TaskFlow:Schedules:broken) is not valid: cron:", invalid.Message);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response = await this.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<long> CountRowsAsync() => database.ScalarAsync<long>(
        "SELECT (SELECT count(*) FROM taskflow.schedules) + (SELECT count(*) FROM taskflow.schedule_events)");
}
