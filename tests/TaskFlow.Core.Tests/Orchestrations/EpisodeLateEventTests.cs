using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>An episode that decided nothing but to wait takes in the events that reached its inbox while it replayed,
/// before it commits: a fan-in's late results then cost no second commit, lease and episode. Its history must read as
/// one episode that received all of them, so a replay from the store decides the same.</summary>
public sealed class EpisodeLateEventTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Episode_ThatOnlyWaits_TakesInAnEventThatArrivedWhileItReplayed_AndAReplayFromTheStoreAgrees()
    {
        await using ServiceProvider first = Worker(), second = Worker();
        TaskFlowClient client = first.GetRequiredService<TaskFlowClient>();
        TaskRecord task = await this.RaiseBWhileTheEpisodeThatReadsARunsAsync(first, scheduleAfterFirst: false);

        Assert.Equal(
            ["OrchestratorStarted", "EventRaised", "EventRaised", "OrchestratorCompleted"],
            await this.EventsAfterAsync(task.Id, lastEpisodes: 1));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id", ("id", task.Id)));

        // Another worker, with no session, replays that episode from the store and goes on from there.
        await client.RaiseEventAsync(task.Id, "next", "\"c\"", "test");
        Assert.True(await Episodes.RunAsync(database, second, task.Id));
        TaskRecord done = (await client.GetTaskAsync(task.Id))!;
        Assert.Equal("succeeded", done.Status);
        Assert.Equal("\"a,b,c\"", done.OutputJson);
        Assert.Equal(3L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.history WHERE instance_id = @id AND event_type = 'OrchestratorStarted'", ("id", task.Id)));
    }

    [Fact]
    public async Task Episode_ThatScheduledWork_LeavesALateEventToTheNextEpisode()
    {
        await using ServiceProvider worker = Worker();
        TaskRecord task = await this.RaiseBWhileTheEpisodeThatReadsARunsAsync(worker, scheduleAfterFirst: true);

        // The episode's actions follow the events it read; "b" waits for the next episode, which is ready at once.
        Assert.Equal(
            ["OrchestratorStarted", "EventRaised", "TimerCreated", "OrchestratorCompleted"],
            await this.EventsAfterAsync(task.Id, lastEpisodes: 1));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.inbox WHERE instance_id = @id", ("id", task.Id)));
        Assert.True(await database.ScalarAsync<bool>(
            "SELECT lease_token IS NULL FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration'", ("id", task.Id)));
    }

    private ServiceProvider Worker() => Episodes.Worker(database, tasks => tasks.AddOrchestrator<JoinsThreeEvents>(JoinsThreeEvents.Name));

    /// <summary>Starts the orchestration and runs its first episode; raises "a", then runs the episode that reads it, during
    /// whose replay "b" is raised.</summary>
    private async Task<TaskRecord> RaiseBWhileTheEpisodeThatReadsARunsAsync(ServiceProvider worker, bool scheduleAfterFirst)
    {
        TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(
            TestTasks.Submission(type: JoinsThreeEvents.Name, inputJson: scheduleAfterFirst ? "true" : "false"), "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        await client.RaiseEventAsync(task.Id, "next", "\"a\"", "test");

        // On the thread pool: the orchestrator's own scheduler runs only when the episode pumps it.
        JoinsThreeEvents.AfterFirst = id => Task.Run(() => client.RaiseEventAsync(id, "next", "\"b\"", "test")).GetAwaiter().GetResult();
        try
        {
            Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        }
        finally
        {
            JoinsThreeEvents.AfterFirst = null;
        }

        return task;
    }

    /// <summary>The event types of the instance's last episodes, from their OrchestratorStarted on.</summary>
    private async Task<List<string>> EventsAfterAsync(string instanceId, int lastEpisodes)
    {
        int from = await database.ScalarAsync<int>(
            """
            SELECT sequence FROM taskflow.history WHERE instance_id = @id AND event_type = 'OrchestratorStarted'
            ORDER BY sequence DESC OFFSET @skip LIMIT 1
            """,
            ("id", instanceId), ("skip", lastEpisodes - 1));
        string types = await database.ScalarAsync<string>(
            "SELECT string_agg(event_type, ',' ORDER BY sequence) FROM taskflow.history WHERE instance_id = @id AND sequence >= @from",
            ("id", instanceId), ("from", from));
        return [.. types.Split(',')];
    }

    /// <summary>Joins three "next" events. After the first (not on replay) it lets the test raise another, as a
    /// result arriving mid-episode would (orchestrators must not do I/O; this one stands in for the race); with input
    /// true it also starts a timer then, so that episode has an action.</summary>
    private sealed class JoinsThreeEvents : TaskOrchestrator<bool, string>
    {
        public const string Name = "joins-three-events";

        public static Action<string>? AfterFirst { get; set; }

        public override async Task<string> RunAsync(TaskOrchestrationContext context, bool scheduleAfterFirst)
        {
            var seen = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                seen.Add(await context.WaitForExternalEvent<string>("next"));
                if (i == 0 && !context.IsReplaying)
                {
                    AfterFirst?.Invoke(context.InstanceId);
                }

                if (i == 0 && scheduleAfterFirst)
                {
                    _ = context.CreateTimer(TimeSpan.FromDays(1), CancellationToken.None);
                }
            }

            return string.Join(",", seen);
        }
    }
}
