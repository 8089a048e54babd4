using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Orchestrations;

/// <summary>A one-hour durable timer on a fake clock: it waits the hour without the test waiting it, and never fires early.</summary>
public sealed class DurableTimerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Countdown_OfOneHour_FiresAtItsTimeAndNotBefore()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-06-01T12:00:00Z"));
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", time);
        string id = (await server.Client.SubmitAsync("""{"type":"countdown","input":{"seconds":3600}}""")).GetProperty("id").GetString()!;
        await Eventually.WaitForAsync(() => server.Client.HistoryTypesAsync(id), h => h.Contains("TimerCreated"), TimeSpan.FromSeconds(20), "the timer to be created");

        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        // A task due now goes through the same worker loop: once it is done, the worker has looked at the queue
        // at 12:59:59 and must have left the timer alone.
        string probe = (await server.Client.SubmitAsync("""{"type":"echo","input":"probe"}""")).GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(probe, "succeeded");
        Assert.DoesNotContain("TimerFired", await server.Client.HistoryTypesAsync(id));
        Assert.Equal("running", (await server.Client.GetJsonAsync($"/api/tasks/{id}")).GetProperty("status").GetString());

        time.Advance(TimeSpan.FromSeconds(1));

        JsonElement done = await server.Client.WaitForStatusAsync(id, "succeeded", "failed");
        DateTimeOffset due = DateTimeOffset.Parse("2030-06-01T13:00:00Z");
        Assert.Equal(due, done.GetProperty("output").GetProperty("dueAt").GetDateTimeOffset());
        Assert.True(done.GetProperty("output").GetProperty("resumedAt").GetDateTimeOffset() >= due);
        JsonElement fired = (await server.Client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().Single(e => e.GetProperty("type").GetString() == "TimerFired");
        Assert.True(fired.GetProperty("timestamp").GetDateTimeOffset() >= due);
    }
}
