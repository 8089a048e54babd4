using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Orchestrations;

/// <summary><c>GET /api/tasks/{id}/history</c> pages through a history of any length: a 1,000-activity fan-out has
/// over 2,000 events, and every one of them is reachable by following the <c>Link: rel="next"</c> headers.</summary>
public sealed class HistoryPagingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private TaskFlowServer server = null!;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task History_OfAThousandActivityFanOut_PagesThroughEveryEventOnce()
    {
        string id = (await this.server.Client.SubmitAsync("""{"type":"fan-out","input":{"count":1000}}""")).GetProperty("id").GetString()!;
        await this.server.Client.WaitForStatusAsync(id, "succeeded", "failed");

        var sequences = new List<int>();
        var types = new List<string>();
        string? next = $"/api/tasks/{id}/history?limit=500";
        int pages = 0;
        while (next is not null)
        {
            using HttpResponseMessage response = await this.server.Client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            foreach (JsonElement e in JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray())
            {
                sequences.Add(e.GetProperty("sequence").GetInt32());
                types.Add(e.GetProperty("type").GetString()!);
            }

            next = response.Headers.TryGetValues("Link", out IEnumerable<string>? links)
                ? links.Single().Split('<', '>')[1]
                : null;
            pages++;
        }

        long stored = await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id", ("id", id));
        Assert.True(stored > 2_000, $"expected a history of over 2,000 events, got {stored}");
        Assert.Equal(Enumerable.Range(1, (int)stored), sequences);
        Assert.Equal(1_000, types.Count(type => type == "TaskCompleted"));
        Assert.Equal((int)Math.Ceiling(stored / 500.0) + (stored % 500 == 0 ? 1 : 0), pages);
        Assert.Equal("ExecutionCompleted", types[^2]);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("after=-1", "after")]
    [InlineData("after=x", "after")]
    [InlineData("afterr=3", "afterr")]
    public async Task History_WithBadPaging_Answers400NamingTheParameter(string query, string field)
    {
        string id = (await this.server.Client.SubmitAsync("""{"type":"echo","input":1}""")).GetProperty("id").GetString()!;

        using HttpResponseMessage response = await this.server.Client.GetAsync($"/api/tasks/{id}/history?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task History_AfterItsLastEvent_IsAnEmptyPageNotA404()
    {
        string id = (await this.server.Client.SubmitAsync("""{"type":"echo","input":1}""")).GetProperty("id").GetString()!;
        await this.server.Client.WaitForStatusAsync(id, "succeeded");

        using HttpResponseMessage response = await this.server.Client.GetAsync($"/api/tasks/{id}/history?after=1000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetArrayLength());
    }
}
