using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TaskFlow.Dispatch;
using TaskFlow.Instances;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>An episode that finds nothing new must not drop its work item when something woke the instance after
/// the lease: the event that woke it may have come after the episode read the inbox. The item is then ready at once,
/// so the workers are rung: a dispatcher already waiting would otherwise sleep until its next poll.</summary>
public sealed class EpisodeWakeUpTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Episode_WithNothingNew_WokenAgainSinceItsLease_KeepsItsWorkItemForTheNextEpisode_AndRingsTheWorkers()
    {
        await using ServiceProvider worker = Episodes.Worker(database, tasks => tasks.AddOrchestrator<WaitsForGo>());
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(WaitsForGo), inputJson: null), "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id)); // now waiting, with no work item
        await database.ScalarAsync<int>("SELECT 1 FROM (SELECT taskflow.wake_orchestration(@id, 1, now())) AS woken", ("id", task.Id));
        WorkItemLease lease = await Episodes.LeaseAsync(database, worker, task.Id);

        // Woken again after the lease: as if an event came just after the episode read the empty inbox.
        await database.ScalarAsync<int>("SELECT 1 FROM (SELECT taskflow.wake_orchestration(@id, 1, now())) AS woken", ("id", task.Id));
        await using NpgsqlConnection listener = await database.DataSource.OpenConnectionAsync();
        await using (var listen = new NpgsqlCommand($"LISTEN {NotificationChannels.WorkReady}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        Assert.True(await worker.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(lease, CancellationToken.None));

        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(5)), "No work-ready NOTIFY after the episode left its work item ready.");
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration' AND lease_token IS NULL", ("id", task.Id)));
    }

    private sealed class WaitsForGo : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input) =>
            await context.WaitForExternalEvent<string>("go");
    }
}
