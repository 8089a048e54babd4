using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskFlow.Core.Tests.Orchestrations;
using TaskFlow.Dispatch;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Notifications;
using TaskFlow.Testing;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Core.Tests.Dispatch;

/// <summary>When work that ends wakes the dispatcher to lease into its slot.</summary>
public sealed class FreedSlotWakeUpTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>In the soak (1,000 tasks a second, the worker mostly idle), every task's success and end woke the
    /// dispatcher into a lease that found nothing and a look at the next delayed item: 516 leases and 229 looks a second.
    /// A freed slot wakes it only while its last lease left ready work waiting for a slot; new work wakes it by its ring.</summary>
    [Fact]
    public async Task FinishedWork_WakesTheDispatcher_OnlyWhileReadyWorkWaitsForASlot()
    {
        await using ServiceProvider worker = Episodes.Worker(database, tasks => tasks.AddActivityFunc<object?, object?>("echo", (_, input) => input));
        CompletionBatcher batcher = worker.GetRequiredService<CompletionBatcher>();
        await batcher.StartAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();
        try
        {
            WorkItemRunner runner = worker.GetRequiredService<WorkItemRunner>();
            WakeSignal wake = worker.GetRequiredService<WakeSignal>();
            foreach (bool workWaits in new[] { false, true })
            {
                (TaskRecord task, _) = await worker.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(TestTasks.Submission(), "test");
                long workItemId = await database.ScalarAsync<long>("SELECT id FROM taskflow.work_items WHERE instance_id = @id", ("id", task.Id));
                WorkItemLease lease = Assert.Single(await worker.GetRequiredService<WorkItemLeases>().LeaseByIdsAsync("test-worker", [workItemId], CancellationToken.None));
                runner.WakeOnFreedSlots(workWaits);
                WakeSignal.Listener dispatcher = wake.Listen(); // after the submit's own ring

                Assert.True(await runner.Start(lease));

                Assert.Equal("succeeded", await database.ScalarAsync<string>("SELECT status FROM taskflow.instances WHERE id = @id", ("id", task.Id)));
                Task woken = dispatcher.WaitAsync(TimeSpan.FromMinutes(1), new FakeTimeProvider(DateTimeOffset.UnixEpoch), stop.Token);
                Assert.Equal(workWaits, woken.IsCompleted);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await batcher.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The dispatcher's side: a worker of one slot, whose poll never comes within the test, runs a burst of tasks
    /// one after another. After a lease that found less than it had room for (freed slots then wake nobody), the burst
    /// fills its slot, so the dispatcher must ask to be woken when the slot frees; else the second task waits for the
    /// poll.</summary>
    [Fact]
    public async Task AWorkerWhoseSlotsAreFull_IsWokenByTheNextSlotThatFrees()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow(database.ConnectionString, tasks => tasks.AddActivityFunc<object?, object?>("echo", (_, input) => input)).AddWorker();
        services.Configure<WorkerOptions>(options => (options.Concurrency, options.PollInterval) = (1, TimeSpan.FromMinutes(5)));
        await using ServiceProvider worker = services.BuildServiceProvider();
        IHostedService[] hosted = [.. worker.GetServices<IHostedService>()];
        foreach (IHostedService service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
            (TaskRecord first, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(inputJson: "0"), "test");
            await WaitUntilSucceededAsync([first.Id]); // its lease found less than the slot it had: freed slots wake nobody now

            IReadOnlyList<(TaskRecord Task, bool Created)> burst = await client.ScheduleNewTasksAsync(
                [.. Enumerable.Range(1, 3).Select(i => TestTasks.Submission(inputJson: $"{i}"))], "test");
            await WaitUntilSucceededAsync([.. burst.Select(b => b.Task.Id)]);
        }
        finally
        {
            foreach (IHostedService service in hosted.Reverse())
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }

    private async Task WaitUntilSucceededAsync(string[] ids)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE id = ANY(@ids) AND status = 'succeeded'", ("ids", ids)) < ids.Length)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), $"Not all of {string.Join(", ", ids)} succeeded within 20 s (the poll is 5 minutes away).");
            await Task.Delay(20);
        }
    }
}
