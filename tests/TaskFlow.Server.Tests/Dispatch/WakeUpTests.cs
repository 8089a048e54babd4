using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Dispatch;

/// <summary>Callers' changes wake the workers by NOTIFY after their commit. The workers here poll once an hour,
/// so everything that gets done was woken by a notification.</summary>
public sealed class WakeUpTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly string NoPolling = "--TaskFlow:Worker:PollInterval=01:00:00";

    [Fact]
    public async Task SubmittedTasks_WakeAnIdleWorker()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", null, NoPolling);
        foreach (string body in new[] { """{"type":"echo","input":1}""", """{"type":"approval","input":{"timeout":"PT0S"}}""" })
        {
            string id = (await server.Client.SubmitAsync(body)).GetProperty("id").GetString()!;
            await server.Client.WaitForStatusAsync(id, "succeeded");
        }
    }

    [Fact]
    public async Task EventsAndResume_WakeAnIdleWorker()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", null, NoPolling);
        string id = (await server.Client.SubmitAsync("""{"type":"approval"}""")).GetProperty("id").GetString()!;
        await Eventually.WaitForAsync(
            () => server.Client.GetJsonAsync($"/api/tasks/{id}"),
            task => task.GetProperty("customStatus").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(30),
            "the orchestration to wait for its event");

        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostJsonAsync($"/api/tasks/{id}/suspend", "{}")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostJsonAsync($"/api/tasks/{id}/events/approved", "true")).Status);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostJsonAsync($"/api/tasks/{id}/resume", "{}")).Status);

        JsonElement done = await server.Client.WaitForStatusAsync(id, "succeeded");
        Assert.True(done.GetProperty("output").GetProperty("approved").GetBoolean());
    }
}
