using System.Net;
using System.Text;
using System.Text.Json;
using TaskFlow.Server.Tests.Telemetry;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Limits;

/// <summary><c>/api/limits</c>: set, read, change and remove limits; bad input; what a held task and the metrics say.
/// In the metrics' collection: the gauges read the last snapshot of whichever server took one, process-wide.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class LimitEndpointsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Limits_AreSetReadChangedAndRemoved_AndEachChangeIsInTheAuditTrailWithItsCaller()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        string activity = $"charge-{Guid.NewGuid():N}"[..20];

        (HttpStatusCode status, JsonElement set) = await PutAsync(server.Client, $"/api/limits/{activity}", """{"maxConcurrent":5,"rate":{"perSecond":100,"burst":10}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("activity", activity, 5, 100.0, 10), (
            set.GetProperty("scope").GetString(), set.GetProperty("name").GetString(), set.GetProperty("maxConcurrent").GetInt32(),
            set.GetProperty("rate").GetProperty("perSecond").GetDouble(), set.GetProperty("rate").GetProperty("burst").GetInt32()));
        Assert.Equal(server.AdminKeyId, set.GetProperty("updatedBy").GetString());

        (status, JsonElement tag) = await PutAsync(server.Client, "/api/limits/tags/tenant", """{"rate":{"perSecond":2.5}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, tag.GetProperty("rate").GetProperty("burst").GetInt32()); // a second's worth, rounded up
        Assert.Equal(JsonValueKind.Null, tag.GetProperty("maxConcurrent").ValueKind);

        (status, _) = await PutAsync(server.Client, $"/api/limits/{activity}", """{"maxConcurrent":2}""");
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement all = await server.Client.GetJsonAsync("/api/limits");
        JsonElement mine = all.GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("name").GetString() == activity);
        Assert.Equal((2, JsonValueKind.Null), (mine.GetProperty("maxConcurrent").GetInt32(), mine.GetProperty("rate").ValueKind));

        using (HttpResponseMessage removed = await server.Client.DeleteAsync($"/api/limits/{activity}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (HttpResponseMessage again = await server.Client.DeleteAsync($"/api/limits/{activity}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        }

        JsonElement changes = await server.Client.GetJsonAsync("/api/limits/changes?limit=500");
        JsonElement[] trail = [.. changes.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("name").GetString() == activity).Reverse()];
        Assert.Equal(3, trail.Length);
        Assert.Equal(JsonValueKind.Null, trail[0].GetProperty("before").ValueKind);
        Assert.Equal((5, 2), (trail[1].GetProperty("before").GetProperty("maxConcurrent").GetInt32(), trail[1].GetProperty("after").GetProperty("maxConcurrent").GetInt32()));
        Assert.Equal(JsonValueKind.Null, trail[2].GetProperty("after").ValueKind);
        Assert.All(trail, change => Assert.Equal(server.AdminKeyId, change.GetProperty("actor").GetString()));
        await RemoveAsync(server, "/api/limits/tags/tenant");
    }

    [Theory]
    [InlineData("/api/limits/echo", "{}", "maxConcurrent")]
    [InlineData("/api/limits/echo", """{"maxConcurrent":0}""", "maxConcurrent")]
    [InlineData("/api/limits/echo", """{"maxConcurrent":"five"}""", "maxConcurrent")]
    [InlineData("/api/limits/echo", """{"rate":{"perSecond":-1}}""", "rate.perSecond")]
    [InlineData("/api/limits/echo", """{"rate":{"perSecond":5,"burst":0}}""", "rate.burst")]
    [InlineData("/api/limits/echo", """{"rate":5}""", "rate")]
    [InlineData("/api/limits/echo", """{"maxConcurrent":5,"perSecond":9}""", "perSecond")]
    [InlineData("/api/limits/tags/a=b", """{"maxConcurrent":5}""", "tag")]
    public async Task BadLimit_IsRefusedWithAProblemNamingTheField_AndChangesNothing(string path, string body, string field)
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        long before = await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.limit_changes");
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await server.Client.SendAsync(request);
        JsonElement problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.limit_changes"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.limits WHERE name IN ('echo', 'a=b')"));
    }

    [Fact]
    public async Task AHeldTask_SaysWhichLimitItWaitsFor_AndTheGaugesCountIt()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        string tenant = $"t-{Guid.NewGuid():N}";
        await PutAsync(server.Client, "/api/limits/tags/tenant", """{"maxConcurrent":1}""");
        string id = (await server.Client.SubmitAsync(JsonSerializer.Serialize(new { type = "echo", input = 1, tags = new { tenant } }))).GetProperty("id").GetString()!;

        JsonElement task = await server.Client.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal($"tag:tenant={tenant}", task.GetProperty("waitingForLimit").GetString());

        await server.Service<TaskFlow.Telemetry.QueueSnapshotService>().RefreshAsync(CancellationToken.None);
        IReadOnlyDictionary<string, double> metrics = MetricsTests.Parse(await server.Client.GetStringAsync("/metrics"));
        Assert.True(metrics.GetValueOrDefault("""taskflow_limit_waiting{limit="tag:tenant"}""") >= 1, string.Join("\n", metrics.Keys.Where(k => k.Contains("limit"))));
        Assert.True(metrics.ContainsKey("""taskflow_limit_running{limit="tag:tenant"}"""));

        // Removing the limit frees it: no longer waiting for one.
        await RemoveAsync(server, "/api/limits/tags/tenant");
        task = await server.Client.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal(JsonValueKind.Null, task.GetProperty("waitingForLimit").ValueKind);
    }

    [Fact]
    public async Task LimitsDeclaredInSettings_ApplyAtStart_AnOperatorsChangeHoldsOverARestart_AndABadOneStopsTheStart()
    {
        string activity = $"declared-{Guid.NewGuid():N}"[..20];
        string[] declared = [$"--TaskFlow:Limits:Activities:{activity}:MaxConcurrent=3", $"--TaskFlow:Limits:Activities:{activity}:Rate:PerSecond=50"];
        await using (TaskFlowServer first = await TaskFlowServer.StartAsync(database.ConnectionString, "api", null, declared))
        {
            JsonElement limit = (await first.Client.GetJsonAsync("/api/limits")).GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("name").GetString() == activity);
            Assert.Equal((3, 50.0, 50, "settings"), (limit.GetProperty("maxConcurrent").GetInt32(), limit.GetProperty("rate").GetProperty("perSecond").GetDouble(),
                limit.GetProperty("rate").GetProperty("burst").GetInt32(), limit.GetProperty("updatedBy").GetString()));
            (HttpStatusCode status, _) = await PutAsync(first.Client, $"/api/limits/{activity}", """{"maxConcurrent":7}""");
            Assert.Equal(HttpStatusCode.OK, status);
        }

        await using (TaskFlowServer second = await TaskFlowServer.StartAsync(database.ConnectionString, "api", null, declared))
        {
            JsonElement limit = (await second.Client.GetJsonAsync("/api/limits")).GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("name").GetString() == activity);
            Assert.Equal(7, limit.GetProperty("maxConcurrent").GetInt32());
        }

        var invalid = await Assert.ThrowsAnyAsync<Exception>(() => TaskFlowServer.StartAsync(
            database.ConnectionString, "api", null, "--TaskFlow:Limits:Tags:tenant:MaxConcurrent=0"));
        Assert.Contains("TaskFlow:Limits:Tags:tenant:MaxConcurrent", invalid.ToString());
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(HttpClient client, string path, string json)
    {
        using HttpResponseMessage response = await client.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private static async Task RemoveAsync(TaskFlowServer server, string path)
    {
        using HttpResponseMessage removed = await server.Client.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }
}
