using System.Net;
using System.Text.Json;
using TaskFlow.Security;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

/// <summary><c>GET /api/stream</c>: the dashboard's server-sent events, for the roles that may read.</summary>
public sealed class StreamTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AViewer_GetsAnOverviewEventEverySecond_ShowingATaskSubmittedMeanwhile()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        string viewer = (await server.Service<ApiKeyStore>().CreateAsync("dashboard", [Roles.Viewer], 1_000_000, null, "tests")).Secret;
        using HttpClient client = server.ClientWith(viewer);
        using HttpResponseMessage response = await client.GetAsync("/api/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());

        JsonElement first = await NextOverviewAsync(events);
        string id = (await server.Client.SubmitAsync("""{"type":"echo","input":"streamed"}""")).GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(id, "succeeded");
        JsonElement later = await NextOverviewAsync(events);
        while (!later.GetProperty("recent").EnumerateArray().Any(task => task.GetProperty("id").GetString() == id && task.GetProperty("status").GetString() == "succeeded"))
        {
            later = await NextOverviewAsync(events);
        }

        Assert.Equal(first.GetProperty("counts").GetProperty("succeeded").GetInt64() + 1, later.GetProperty("counts").GetProperty("succeeded").GetInt64());
        Assert.True(later.GetProperty("at").GetDateTimeOffset() > first.GetProperty("at").GetDateTimeOffset());
        Assert.True(later.GetProperty("queue").GetProperty("workersAlive").GetInt64() >= 1);
        Assert.Contains(later.GetProperty("workers").EnumerateArray(), worker => worker.GetProperty("role").GetString() == "all");
    }

    [Theory]
    [InlineData(Roles.Submitter, HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    public async Task CallersWhoMayNotRead_AreRefusedBeforeAnyEvent(string? role, HttpStatusCode expected)
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        string? key = role is null ? null : (await server.Service<ApiKeyStore>().CreateAsync("not-a-reader", [role], 1_000, null, "tests")).Secret;
        using HttpClient client = server.ClientWith(key);

        using HttpResponseMessage response = await client.GetAsync("/api/stream", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Reads up to the next blank line (the end of an event) and returns its data, which must be an overview.</summary>
    private static async Task<JsonElement> NextOverviewAsync(StreamReader events)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? name = null;
        var data = new System.Text.StringBuilder();
        while (await events.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0 && data.Length > 0)
            {
                Assert.Equal("overview", name);
                return JsonDocument.Parse(data.ToString()).RootElement.Clone();
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }

        throw new InvalidOperationException("The stream ended.");
    }
}
