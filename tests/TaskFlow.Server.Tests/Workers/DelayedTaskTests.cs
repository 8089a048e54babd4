using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Workers;

/// <summary>The worker loop on a fake clock: a delayed task waits for its time and no longer.</summary>
public sealed class DelayedTaskTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task PostTask_WithDelay_StartsAtItsTimeAndNotBefore()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-06-01T12:00:00Z"));
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", time);
        string delayed = (await server.Client.SubmitAsync("""{"type":"echo","input":"later","delay":"PT10M"}""")).GetProperty("id").GetString()!;
        Assert.Equal(DateTimeOffset.Parse("2030-06-01T12:10:00Z"), (await server.Client.GetJsonAsync($"/api/tasks/{delayed}")).GetProperty("runAt").GetDateTimeOffset());

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        // A task due now goes through the same worker: once it is done, the worker has looked at the
        // queue at 12:09:59 and must have left the delayed one alone.
        string due = (await server.Client.SubmitAsync("""{"type":"echo","input":"now"}""")).GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(due, "succeeded");
        Assert.Equal("scheduled", (await server.Client.GetJsonAsync($"/api/tasks/{delayed}")).GetProperty("status").GetString());
        Assert.DoesNotContain("TaskCompleted", await server.Client.HistoryTypesAsync(delayed));

        time.Advance(TimeSpan.FromSeconds(1));

        JsonElement done = await server.Client.WaitForStatusAsync(delayed, "succeeded");
        Assert.True(done.GetProperty("startedAt").GetDateTimeOffset() >= DateTimeOffset.Parse("2030-06-01T12:10:00Z"));
    }
}
