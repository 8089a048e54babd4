using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>An event raised while an execution ends by ContinueAsNew is queued for the execution its caller saw. As in
/// Durable Task, where a message reaches whichever execution is current, it must reach the next one, even when it
/// queued ahead of that execution's ExecutionStarted.</summary>
public sealed class ContinueAsNewRaceTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task EventRaisedForTheEndingExecution_QueuedBeforeTheNextStarts_ReachesTheNextExecution()
    {
        await using ServiceProvider services = Services();
        TaskFlowClient client = services.GetRequiredService<TaskFlowClient>();
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(type: nameof(AddsTwo), inputJson: "0"), "test");
        Assert.True(await client.RaiseEventAsync(task.Id, "add", "1", "test"));
        Assert.True(await Episodes.RunAsync(database, services, task.Id)); // adds 1 and continues as new

        // The second event was written for execution 1, ahead of execution 2's ExecutionStarted in the inbox.
        await database.ScalarAsync<long>(
            """
            INSERT INTO taskflow.inbox (id, instance_id, execution, event_type, payload, occurred_at, actor) OVERRIDING SYSTEM VALUE
            SELECT min(id) - 1, @id, 1, 'EventRaised', '{"name":"add","input":2}', now(), 'test' FROM taskflow.inbox WHERE instance_id = @id
            RETURNING id
            """,
            ("id", task.Id));
        Assert.True(await Episodes.RunAsync(database, services, task.Id));

        TaskRecord done = (await client.GetTaskAsync(task.Id))!;
        Assert.Equal("succeeded", done.Status);
        Assert.Equal("3", done.OutputJson);
        Assert.Equal(
            ["OrchestratorStarted", "ExecutionStarted", "EventRaised", "ExecutionCompleted", "OrchestratorCompleted"],
            (await client.GetHistoryAsync(task.Id)).Where(e => e.Execution == 2).Select(e => e.EventType));
    }

    private ServiceProvider Services() => Episodes.Worker(database, tasks => tasks.AddOrchestrator<AddsTwo>());

    /// <summary>Adds one <c>add</c> event per execution; the second execution returns the sum.</summary>
    private sealed class AddsTwo : TaskOrchestrator<int, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, int total)
        {
            total += await context.WaitForExternalEvent<int>("add");
            if (context.GetInput<int>() == 0)
            {
                context.ContinueAsNew(total);
            }

            return total;
        }
    }
}
