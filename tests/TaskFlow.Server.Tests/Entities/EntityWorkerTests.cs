using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Api.Samples;
using TaskFlow.Entities;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Entities;

/// <summary>Which worker runs an entity's batch when hosts that share a database register different things.</summary>
public sealed class EntityWorkerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AWorkerWithNoEntities_LeavesTheirBatches_ToAWorkerThatHasThem()
    {
        await using Worker withoutEntities = await Worker.StartAsync(database.ConnectionString, tasks => tasks.AddSampleTaskTypes());
        string key = $"left-{Guid.NewGuid():N}";
        await withoutEntities.Services.GetRequiredService<EntityClient>().SignalAsync($"@counter@{key}", "add", "2", at: null, "tests");

        // The worker runs tasks meanwhile, but not the batch.
        TaskFlowClient tasks = withoutEntities.Services.GetRequiredService<TaskFlowClient>();
        (TaskRecord echo, _) = await tasks.ScheduleNewTaskAsync(TestTasks.Submission(), "tests");
        await Eventually.WaitForAsync(() => database.ScalarAsync<string>("SELECT status FROM taskflow.tasks WHERE id = @id", ("id", echo.Id)),
            status => status == "succeeded", TimeSpan.FromSeconds(30), "the echo task");
        // Nor does it ask for work again and again while the batch waits: its leases in two seconds are the poll's few,
        // not thousands (pg_stat_database counts the database's commits; heartbeats and renewals are a handful).
        long before = await this.CommitsAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        long commits = await this.CommitsAsync() - before;
        Assert.True(commits < 100, $"{commits} transactions in two seconds while an entity's batch waited for another host.");
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND (lease_token IS NOT NULL OR attempt > 0)", ("id", $"@counter@{key}")));

        await using Worker withEntities = await Worker.StartAsync(database.ConnectionString, registry => registry.AddSampleTaskTypes().AddSampleEntities());
        EntityRecord? counter = await Eventually.WaitForAsync(
            () => withEntities.Services.GetRequiredService<EntityClient>().GetAsync($"@counter@{key}"), entity => entity?.State == "2",
            TimeSpan.FromSeconds(30), "the worker with entities to run the batch");
        Assert.Equal("2", counter!.State);
    }

    // pg_stat_database is refreshed when a session's transaction ends; clear this session's snapshot so each read is fresh.
    private Task<long> CommitsAsync() => database.ScalarAsync<long>(
        "SELECT xact_commit FROM pg_stat_database, LATERAL (SELECT pg_stat_clear_snapshot()) AS fresh WHERE datname = current_database()");

    /// <summary>A worker host with the given registrations, stopped when disposed.</summary>
    private sealed class Worker(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public static async Task<Worker> StartAsync(string connectionString, Action<Microsoft.DurableTask.DurableTaskRegistry> tasks)
        {
            HostApplicationBuilder builder = Host.CreateApplicationBuilder(TaskFlowServer.FastWorkerSettings);
            builder.Logging.ClearProviders();
            builder.Services.AddTaskFlow(connectionString, tasks).AddWorker();
            IHost host = builder.Build();
            await host.StartAsync();
            return new Worker(host);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
