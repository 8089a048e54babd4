using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Instances;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>An episode's commit wakes only the dispatcher loops that lease the work it readied (docs/architecture.md,
/// "Wake-ups"): a loop woken for nothing runs an empty lease, which walks the ready queue past every other kind of work.</summary>
public sealed class EpisodeRingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AFanOut_WakesTheActivityLoops_Only() =>
        Assert.Equal(WakeUps.Activities, await this.WokenByFirstEpisodeAsync(nameof(FansOut)));

    [Fact]
    public async Task AChildOrchestration_WakesTheEpisodeLoops_Only() =>
        Assert.Equal(WakeUps.Episodes, await this.WokenByFirstEpisodeAsync(nameof(StartsAChild)));

    [Fact]
    public async Task ASignalToAnEntity_WakesTheEntityLoops_Only() =>
        Assert.Equal(WakeUps.Entities, await this.WokenByFirstEpisodeAsync(nameof(SignalsAnEntity)));

    /// <summary>Submits the orchestration, runs its first episode, and says which kinds of loop its commit woke.</summary>
    private async Task<WakeUps> WokenByFirstEpisodeAsync(string orchestrator)
    {
        await using ServiceProvider worker = Episodes.Worker(database, tasks => tasks
            .AddOrchestrator<FansOut>().AddOrchestrator<StartsAChild>().AddOrchestrator<SignalsAnEntity>()
            .AddActivityFunc<object?, int>("Number", (_, _) => 1));
        (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(type: orchestrator, inputJson: null), "test");
        WorkItemLease lease = await Episodes.LeaseAsync(database, worker, task.Id);

        // Listening from after the submit (which rang for the episode) to the end of the commit.
        WakeSignal signal = worker.GetRequiredService<WakeSignal>();
        var listeners = new[] { WakeUps.Episodes, WakeUps.Activities, WakeUps.Entities }.Select(kind => (kind, listener: signal.Listen(kind))).ToList();
        Assert.True(await worker.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(lease, CancellationToken.None));

        // The fake clock never reaches the poll, so a wait has ended only if its loop was woken.
        var never = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        return listeners
            .Where(l => l.listener.WaitAsync(TimeSpan.FromMinutes(1), never, CancellationToken.None).IsCompleted)
            .Aggregate(WakeUps.None, (woken, l) => woken | l.kind);
    }

    private sealed class FansOut : TaskOrchestrator<object?, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, object? input) =>
            (await Task.WhenAll(context.CallActivityAsync<int>("Number"), context.CallActivityAsync<int>("Number"))).Sum();
    }

    private sealed class StartsAChild : TaskOrchestrator<object?, int>
    {
        public override Task<int> RunAsync(TaskOrchestrationContext context, object? input) =>
            context.CallSubOrchestratorAsync<int>(nameof(FansOut));
    }

    private sealed class SignalsAnEntity : TaskOrchestrator<object?, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, object? input)
        {
            await context.Entities.SignalEntityAsync(new EntityInstanceId("counter", "wake-ups"), "add", 1);
            return 0;
        }
    }
}
