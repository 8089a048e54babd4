using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>A worker keeps an orchestration's replayed state between its episodes (the SDK's extended sessions), and
/// must replay from the history whenever that state may not match it.</summary>
public sealed class EpisodeSessionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Episode_AfterAnotherWorkerRanOne_ReplaysTheWholeHistoryInsteadOfItsStaleSession()
    {
        await using ServiceProvider first = Worker(), second = Worker();
        TaskFlowClient client = first.GetRequiredService<TaskFlowClient>();
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(JoinsThreeEvents), inputJson: null), "test");

        Assert.True(await Episodes.RunAsync(database, first, task.Id)); // first holds a session at "waiting for a"
        await client.RaiseEventAsync(task.Id, "next", "\"a\"", "test");
        Assert.True(await Episodes.RunAsync(database, second, task.Id)); // the history moves on elsewhere
        await client.RaiseEventAsync(task.Id, "next", "\"b\"", "test");
        Assert.True(await Episodes.RunAsync(database, first, task.Id)); // first's session is stale: it must not miss "a"
        await client.RaiseEventAsync(task.Id, "next", "\"c\"", "test");
        Assert.True(await Episodes.RunAsync(database, first, task.Id)); // and now its session is current again

        TaskRecord done = (await client.GetTaskAsync(task.Id))!;
        Assert.Equal("succeeded", done.Status);
        Assert.Equal("\"a,b,c\"", done.OutputJson);
    }

    [Fact]
    public async Task Episode_WhoseCommitLostItsLease_LeavesNoSessionBehind()
    {
        await using ServiceProvider worker = Worker();
        TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(JoinsThreeEvents), inputJson: null), "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        await client.RaiseEventAsync(task.Id, "next", "\"a\"", "test");

        // The episode runs (its session takes "a") but its lease was taken over: nothing commits.
        WorkItemLease lease = await Episodes.LeaseAsync(database, worker, task.Id);
        await database.ScalarAsync<long>(
            "UPDATE taskflow.work_items SET lease_token = nextval('taskflow.lease_tokens') WHERE id = @id RETURNING id", ("id", lease.WorkItemId));
        Assert.False(await worker.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(lease, CancellationToken.None));
        await database.ScalarAsync<long>(
            "UPDATE taskflow.work_items SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = @id RETURNING id", ("id", lease.WorkItemId));

        // Run again: "a" must be read once, from the history's point of view, not twice.
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        await client.RaiseEventAsync(task.Id, "next", "\"b\"", "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        await client.RaiseEventAsync(task.Id, "next", "\"c\"", "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));

        Assert.Equal("\"a,b,c\"", (await client.GetTaskAsync(task.Id))!.OutputJson);
    }

    private ServiceProvider Worker() => Episodes.Worker(database, tasks => tasks.AddOrchestrator<JoinsThreeEvents>());

    private sealed class JoinsThreeEvents : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            var seen = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                seen.Add(await context.WaitForExternalEvent<string>("next"));
            }

            return string.Join(",", seen);
        }
    }
}
