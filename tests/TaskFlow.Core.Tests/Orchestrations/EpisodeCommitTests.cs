using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>An episode commits in one batch whose checks raise (migration 0008): a lost lease or a history
/// that moved during the episode must leave nothing of it behind.</summary>
public sealed class EpisodeCommitTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Commit_AfterTheLeaseWasTakenOver_WritesNothing()
    {
        await using ServiceProvider services = Services();
        (TaskRecord task, WorkItemLease lease) = await SubmitAndLeaseAsync(services);
        long otherToken = await database.ScalarAsync<long>(
            "UPDATE taskflow.work_items SET lease_token = nextval('taskflow.lease_tokens') WHERE id = @id RETURNING lease_token", ("id", lease.WorkItemId));

        Assert.False(await services.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(lease, CancellationToken.None));

        Assert.Equal(["Submitted"], (await Client(services).GetHistoryAsync(task.Id)).Select(e => e.EventType));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id", ("id", task.Id)));
        Assert.Equal("pending", (await Client(services).GetTaskAsync(task.Id))!.Status);
        Assert.Equal(otherToken, await database.ScalarAsync<long>("SELECT lease_token FROM taskflow.work_items WHERE id = @id", ("id", lease.WorkItemId)));
    }

    [Fact]
    public async Task Commit_AfterTheHistoryMovedDuringTheEpisode_RollsBackAndHandsTheEpisodeBack()
    {
        await using ServiceProvider services = Services();
        (TaskRecord task, WorkItemLease lease) = await SubmitAndLeaseAsync(services);
        // On the thread pool: the orchestrator's own scheduler runs only when the episode pumps it.
        SuspendsItself.Suspend = id => Task.Run(() => Client(services).SuspendTaskAsync(id, "test", "during the episode")).GetAwaiter().GetResult();

        try
        {
            Assert.False(await services.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(lease, CancellationToken.None));
        }
        finally
        {
            SuspendsItself.Suspend = null;
        }

        // The suspension stands; the episode's completion does not; its work item is free for the next episode.
        Assert.Equal(["Submitted", "ExecutionSuspended"], (await Client(services).GetHistoryAsync(task.Id)).Select(e => e.EventType));
        Assert.Equal("suspended", (await Client(services).GetTaskAsync(task.Id))!.Status);
        Assert.True(await database.ScalarAsync<bool>("SELECT lease_token IS NULL FROM taskflow.work_items WHERE id = @id", ("id", lease.WorkItemId)));
    }

    private ServiceProvider Services() => Episodes.Worker(database, tasks => tasks.AddOrchestrator<SuspendsItself>(SuspendsItself.Name));

    private static TaskFlowClient Client(IServiceProvider services) => services.GetRequiredService<TaskFlowClient>();

    private async Task<(TaskRecord Task, WorkItemLease Lease)> SubmitAndLeaseAsync(IServiceProvider services)
    {
        (TaskRecord task, _) = await Client(services).ScheduleNewTaskAsync(TestTasks.Submission(type: SuspendsItself.Name, inputJson: null), "test");
        long workItemId = await database.ScalarAsync<long>("SELECT id FROM taskflow.work_items WHERE instance_id = @id", ("id", task.Id));
        WorkItemLease lease = Assert.Single(await services.GetRequiredService<WorkItemLeases>().LeaseByIdsAsync("test-worker", [workItemId], CancellationToken.None));
        return (task, lease);
    }

    /// <summary>Completes at once, but first lets the test write to its own history, as a caller racing the
    /// episode would. (Orchestrators must not do I/O; this one stands in for the race.)</summary>
    private sealed class SuspendsItself : TaskOrchestrator<object?, string>
    {
        public const string Name = "suspends-itself";

        public static Action<string>? Suspend { get; set; }

        public override Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            Suspend?.Invoke(context.InstanceId);
            return Task.FromResult("done");
        }
    }
}
