using System.Net;
using System.Text.Json;
using TaskFlow.Provider;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Limits;

/// <summary>Both autoscalers weigh work held by a global limit the same way: the Function App's target-based scaler
/// (the provider's backlog) and KEDA's query for the server's workers (taskflow.worker_backlog) leave out what the limit
/// holds beyond its free slots, since more hosts would not run it sooner.</summary>
public sealed class ScalerLimitTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ActivitiesHeldByALimit_AskForNoMoreHosts_InEitherScaler()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        (HttpStatusCode status, JsonElement limit) = await LimitEndpointsTests.PutAsync(server.Client, "/api/limits/sleep", """{"maxConcurrent":1}""");
        Assert.True(status == HttpStatusCode.OK, limit.ToString());
        await server.Client.SubmitAsync(JsonSerializer.Serialize(new { type = "fan-out", input = new { count = 6, activity = "sleep", input = new { ms = 20_000 } } }));

        // One sleeps; five wait for the limit's one slot.
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE kind = 'activity' AND lease_token IS NULL AND limit_key = 'activity:sleep'"),
            waiting => waiting == 5, TimeSpan.FromSeconds(30), "five activities held by the limit");

        using var provider = new TaskFlowOrchestrationService(new TaskFlowOrchestrationServiceSettings { ConnectionString = database.ConnectionString });
        WorkBacklog backlog = await provider.GetBacklogAsync(CancellationToken.None);
        Assert.Equal((0L, 0L, 0L, 1L), (backlog.EpisodesReady, backlog.EpisodesRunning, backlog.ActivitiesReady, backlog.ActivitiesRunning));
        Assert.Equal(1, backlog.RecommendedWorkers);
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT ready + running + schedules_due FROM taskflow.worker_backlog"));

        // Raised to 3: three run, and the three still waiting are held again; both scalers count the three running.
        await LimitEndpointsTests.PutAsync(server.Client, "/api/limits/sleep", """{"maxConcurrent":3}""");
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE kind = 'activity' AND lease_token IS NOT NULL"),
            running => running == 3, TimeSpan.FromSeconds(30), "three activities running");
        backlog = await provider.GetBacklogAsync(CancellationToken.None);
        Assert.Equal((0L, 3L), (backlog.ActivitiesReady, backlog.ActivitiesRunning));
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT ready + running + schedules_due FROM taskflow.worker_backlog"));
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT held_by_limits FROM taskflow.worker_backlog"));
    }
}
