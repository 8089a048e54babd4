using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

/// <summary><c>/api/entities</c> on a server that runs them (the sample counter): signals, reads, and bad input.</summary>
public sealed class EntityEndpointsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Signal_RunsTheOperation_AndTheEntityReadsBackWithItsState()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        string key = $"hits-{Guid.NewGuid():N}";
        (HttpStatusCode status, JsonElement accepted, HttpResponseMessage response) = await server.Client.PostJsonAsync(
            $"/api/entities/Counter/{key}/signals", """{"operation":"add","input":5}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal($"@counter@{key}", accepted.GetProperty("entity").GetString()); // the name lower-cased, as the SDK does
        Assert.Equal($"/api/entities/counter/{key}", response.Headers.Location?.OriginalString);

        JsonElement entity = await Eventually.WaitForAsync(
            () => server.Client.GetJsonAsync($"/api/entities/counter/{key}"),
            e => e.GetProperty("state").ValueKind == JsonValueKind.Number, TimeSpan.FromSeconds(30), "the signal to run");
        Assert.Equal(5, entity.GetProperty("state").GetInt32());
        Assert.Equal("counter", entity.GetProperty("name").GetString());
        Assert.Equal(0, entity.GetProperty("queuedOperations").GetInt64());

        JsonElement page = await server.Client.GetJsonAsync("/api/entities?name=counter&limit=500");
        Assert.Contains(page.GetProperty("items").EnumerateArray(), e => e.GetProperty("key").GetString() == key);
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.entity_operations WHERE instance_id = @id AND operation = 'add' AND actor = @actor",
            ("id", $"@counter@{key}"), ("actor", server.AdminKeyId)));
    }

    [Theory]
    [InlineData("/api/entities/counter/k1/signals", """{"input":5}""", "operation")]
    [InlineData("/api/entities/counter/k1/signals", """{"operation":"add","at":"tomorrow"}""", "at")]
    [InlineData("/api/entities/no%20spaces/k1/signals", """{"operation":"add"}""", "name")]
    public async Task BadSignal_IsRefusedWithAProblemNamingTheField_AndChangesNothing(string path, string body, string field)
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        (HttpStatusCode status, JsonElement problem, HttpResponseMessage response) = await server.Client.PostJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE id = '@counter@k1'"));
    }

    [Fact]
    public async Task UnknownEntity_Is404_AndABadLimitIs400()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        HttpResponseMessage missing = await server.Client.GetAsync("/api/entities/counter/never-signalled");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("signals", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.GetAsync("/api/entities?limit=0")).StatusCode);
    }
}
