using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Leases;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>Runs an orchestration's next episode by hand, as a worker's dispatcher would, with no background services.</summary>
internal static class Episodes
{
    /// <summary>A worker's services over the test database, with the given task types; nothing runs in the background.</summary>
    /// <param name="connectionString">The test database's unless given (with other settings, say).</param>
    public static ServiceProvider Worker(PostgresDatabase database, Action<DurableTaskRegistry> tasks, string? connectionString = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow(connectionString ?? database.ConnectionString, tasks).AddWorker();
        return services.BuildServiceProvider();
    }

    public static async Task<WorkItemLease> LeaseAsync(PostgresDatabase database, IServiceProvider worker, string instanceId)
    {
        long workItemId = await database.ScalarAsync<long>(
            "SELECT id FROM taskflow.work_items WHERE instance_id = @id AND kind = 'orchestration'", ("id", instanceId));
        return Assert.Single(await worker.GetRequiredService<WorkItemLeases>().LeaseByIdsAsync("test-worker", [workItemId], CancellationToken.None));
    }

    public static async Task<bool> RunAsync(PostgresDatabase database, IServiceProvider worker, string instanceId) =>
        await worker.GetRequiredService<OrchestrationRunner>().RunEpisodeAsync(await LeaseAsync(database, worker, instanceId), CancellationToken.None);
}
