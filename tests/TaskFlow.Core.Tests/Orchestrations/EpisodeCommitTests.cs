using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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

    /// <summary>Episodes that finish while another group commits go into the next group: one transaction for both.</summary>
    [Fact]
    public async Task Episodes_ThatFinishWhileAnotherCommits_CommitTogether_InOneTransaction()
    {
        await using ServiceProvider services = Services();
        (TaskRecord blocked, WorkItemLease first) = await SubmitAndLeaseAsync(services);
        (TaskRecord b, WorkItemLease second) = await SubmitAndLeaseAsync(services);
        (TaskRecord c, WorkItemLease third) = await SubmitAndLeaseAsync(services);

        bool[] outcomes = await this.WhileTheFirstIsBlockedAsync(services, first, second, third);

        Assert.Equal([true, true, true], outcomes);
        foreach (TaskRecord task in new[] { blocked, b, c })
        {
            Assert.Equal("succeeded", (await Client(services).GetTaskAsync(task.Id))!.Status);
        }

        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(DISTINCT xmin::text) FROM taskflow.history WHERE instance_id IN (@b, @c) AND event_type = 'ExecutionCompleted'",
            ("b", b.Id), ("c", c.Id)));
        Assert.NotEqual(
            await database.ScalarAsync<string>("SELECT xmin::text FROM taskflow.history WHERE instance_id = @id AND event_type = 'ExecutionCompleted'", ("id", blocked.Id)),
            await database.ScalarAsync<string>("SELECT xmin::text FROM taskflow.history WHERE instance_id = @id AND event_type = 'ExecutionCompleted'", ("id", b.Id)));
    }

    /// <summary>A group with an episode whose lease was taken over is undone, and each member is then committed on its
    /// own: that one writes nothing, the others commit.</summary>
    [Fact]
    public async Task Episode_ThatCannotCommit_InAGroup_TakesNoOtherDown()
    {
        await using ServiceProvider services = Services();
        (_, WorkItemLease first) = await SubmitAndLeaseAsync(services);
        (TaskRecord lost, WorkItemLease second) = await SubmitAndLeaseAsync(services);
        (TaskRecord fine, WorkItemLease third) = await SubmitAndLeaseAsync(services);
        await database.ScalarAsync<long>(
            "UPDATE taskflow.work_items SET lease_token = nextval('taskflow.lease_tokens') WHERE id = @id RETURNING id", ("id", second.WorkItemId));

        bool[] outcomes = await this.WhileTheFirstIsBlockedAsync(services, first, second, third);

        Assert.Equal([true, false, true], outcomes);
        Assert.Equal(["Submitted"], (await Client(services).GetHistoryAsync(lost.Id)).Select(e => e.EventType));
        Assert.Equal("pending", (await Client(services).GetTaskAsync(lost.Id))!.Status);
        Assert.Equal("succeeded", (await Client(services).GetTaskAsync(fine.Id))!.Status);
    }

    /// <summary>Runs the first episode while another transaction holds its instance's row, so its commit waits; the
    /// others finish meanwhile and go into the next group, written once the first is done.</summary>
    private async Task<bool[]> WhileTheFirstIsBlockedAsync(IServiceProvider services, WorkItemLease first, params WorkItemLease[] others)
    {
        OrchestrationRunner runner = services.GetRequiredService<OrchestrationRunner>();
        await using NpgsqlConnection blocker = await database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await blocker.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM taskflow.instances WHERE id = @id FOR UPDATE", blocker, transaction) { Parameters = { new("id", first.InstanceId) } })
        {
            await hold.ExecuteScalarAsync();
        }

        Task<bool> firstDone = runner.RunEpisodeAsync(first, CancellationToken.None);
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"),
            waiting => waiting > 0, TimeSpan.FromSeconds(10), "the first episode's commit to wait for the row");
        Task<bool>[] othersDone = others.Select(o => runner.RunEpisodeAsync(o, CancellationToken.None)).ToArray();
        GroupCommits<EpisodeToCommit> commits = services.GetRequiredService<GroupCommits<EpisodeToCommit>>();
        await Eventually.WaitForAsync(() => Task.FromResult(commits.Waiting), waiting => waiting == others.Length, TimeSpan.FromSeconds(10), "the others to wait behind the first");
        await transaction.CommitAsync();
        return [await firstDone, .. await Task.WhenAll(othersDone)];
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
