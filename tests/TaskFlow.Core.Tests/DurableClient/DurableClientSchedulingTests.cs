using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.DurableClient;

/// <summary>TaskFlow's <see cref="DurableTaskClient"/> does what the SDK's does, whatever the calling process registered.</summary>
public sealed class DurableClientSchedulingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ScheduleNewOrchestrationInstance_InAProcessThatRegisteredNoTaskTypes_StartsAnOrchestration()
    {
        // A client-only process (an API that submits, workers elsewhere): it knows no orchestrator by name.
        await using ServiceProvider services = new ServiceCollection().AddTaskFlow(database.ConnectionString).Services.BuildServiceProvider();
        DurableTaskClient client = services.GetRequiredService<DurableTaskClient>();

        string id = await client.ScheduleNewOrchestrationInstanceAsync("ProcessOrder", new { order = 42 });

        TaskRecord task = (await services.GetRequiredService<TaskFlowClient>().GetTaskAsync(id))!;
        Assert.Equal("orchestration", task.Kind);
        Assert.Equal("ProcessOrder", task.Type);
        OrchestrationMetadata metadata = (await client.GetInstanceAsync(id))!;
        Assert.Equal("ProcessOrder", metadata.Name);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, metadata.RuntimeStatus);
    }

    [Fact]
    public async Task ScheduleNewOrchestrationInstance_WithTheIdOfAnUnfinishedInstance_ThrowsWhatTheSdksClientsThrow()
    {
        await using ServiceProvider services = new ServiceCollection().AddTaskFlow(database.ConnectionString).Services.BuildServiceProvider();
        DurableTaskClient client = services.GetRequiredService<DurableTaskClient>();
        string id = $"order-{Guid.NewGuid():N}";
        await client.ScheduleNewOrchestrationInstanceAsync("ProcessOrder", null, new StartOrchestrationOptions(id));

        // The Durable Task SDK's clients throw DurableTask.Core's exception: code that catches it runs unchanged here.
        await Assert.ThrowsAnyAsync<DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException>(
            () => client.ScheduleNewOrchestrationInstanceAsync("ProcessOrder", null, new StartOrchestrationOptions(id)));
    }
}
